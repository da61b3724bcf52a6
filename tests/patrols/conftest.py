import importlib
import math
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.roles import Role
from grid.models import Grid
from patrols.models import Place, PlaceType
from patrols.services import check_in, start_patrol
from tests.factories import make_officer, make_user, point_in

METRES_PER_DEGREE_LAT = 111_320


def ensure_place_types():
    """The starter place types (a data migration); a flush by an earlier test with
    committed data removes them."""
    importlib.import_module("patrols.migrations.0002_place_types").load(apps, None)


@pytest.fixture
def beat(db):
    """An officer with a grid, a neighbour grid, another officer, a supervisor and a shop."""
    ensure_place_types()
    grids = list(Grid.objects.select_related("community").order_by("code"))
    home = grids[60]
    neighbour = next(g for g in grids if g.pk != home.pk and g.boundary.touches(home.boundary))
    officer = make_officer(home)
    lon, lat = point_in(home)
    shop = Place.objects.create(
        name="好又多便利店",
        place_type=PlaceType.objects.get(code="shop"),
        grid=home,
        address="唐家湾镇港湾大道 1 号",
        location=Point(lon, lat, srid=4326),
    )
    return SimpleNamespace(
        home=home,
        neighbour=neighbour,
        officer=officer,
        other_officer=make_officer(neighbour),
        supervisor=make_user(Role.SUPERVISOR),
        chief=make_user(Role.DUTY_CHIEF),
        resident=make_user(Role.RESIDENT),
        shop=shop,
        start=point_in(home),
    )


@pytest.fixture
def patrol(beat):
    """A patrol the beat's officer started 30 minutes ago."""
    started = timezone.now() - timedelta(minutes=30)
    check_in(beat.officer, lon=beat.start[0], lat=beat.start[1], at=started - timedelta(minutes=1))
    return start_patrol(beat.officer, at=started)


def offset(lon, lat, east_m=0.0, north_m=0.0):
    """The point `east_m` metres east and `north_m` metres north of (lon, lat)."""
    return (
        lon + east_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))),
        lat + north_m / METRES_PER_DEGREE_LAT,
    )


def walk(lon, lat, start, *, count, step_m=10.0, every_s=10, bearing_deg=0.0, accuracy=8.0):
    """`count` points from (lon, lat), `step_m` apart along `bearing_deg` (0 = north),
    one every `every_s` seconds from `start`, as the API takes them."""
    east, north = math.sin(math.radians(bearing_deg)), math.cos(math.radians(bearing_deg))
    return [
        point_at(
            *offset(lon, lat, east * step_m * i, north * step_m * i), start + timedelta(seconds=every_s * i), accuracy
        )
        for i in range(count)
    ]


def point_at(lon, lat, when, accuracy=8.0):
    return {"recorded_at": when.isoformat(), "lon": lon, "lat": lat, "accuracy": accuracy}
