import io
import itertools
import time
import uuid
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from cases.models import CaseKind, Category
from grid.models import Grid
from public.forms import issue_form_token
from tests.cases.conftest import world  # noqa: F401  (the shared fixture)
from tests.factories import point_in

_serial = itertools.count(1)


def fresh_phone():
    """A mobile number no earlier test (or earlier run within the throttle window) used."""
    return "13" + str(uuid.uuid4().int)[:9]


def fresh_address():
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.{(value >> 16) % 250 + 1}"


@pytest.fixture
def client():
    """A client with an address of its own: the throttle counts per address in Redis,
    which outlives the test database."""
    return Client(REMOTE_ADDR=fresh_address())


@pytest.fixture
def garbage(db):
    return Category.objects.get(kind=CaseKind.EVENT, major_code="01", minor_code="02")


@pytest.fixture
def grid(db):
    return Grid.objects.select_related("community").order_by("code")[40]


@pytest.fixture
def form_data(grid, garbage):
    """A complete, valid complaint as the browser posts it; the form was opened a minute ago."""

    def build(**overrides):
        lon, lat = point_in(grid)
        data = {
            "location_lon": f"{lon:.6f}",
            "location_lat": f"{lat:.6f}",
            "category": str(garbage.pk),
            "description": "小区东门垃圾桶满溢，已经三天没人清运",
            "address": "东门保安亭旁",
            "reporter_phone": fresh_phone(),
            "reporter_name": "陈先生",
            "website": "",
            "form_token": token_opened(seconds_ago=60),
        }
        data.update(overrides)
        return data

    return build


def token_opened(seconds_ago):
    """The form token of a complaint form opened `seconds_ago` (signature included)."""
    then = time.time() - seconds_ago
    with mock.patch("time.time", return_value=then):
        return issue_form_token()


def jpeg_with_gps(name="gps.jpg"):
    """A JPEG whose EXIF carries a GPS position and a camera owner."""
    image = Image.new("RGB", (32, 24), (90, 140, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Chen Jumin"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (22.0, 24.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 33.0, 10.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def exif_of(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return dict(exif), dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
