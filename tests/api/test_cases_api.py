"""The cases API end to end: filing (JSON and multipart with photos), the scoped and
paginated list, detail with timeline and countdown, every step of the loop as a POST,
notifications and KPIs."""

import io
import threading
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from api.models import PhotoLocation
from api.serializers import CaseSerializer
from cases.models import Case, CasePhoto, CaseState
from notifications.services import notify
from tests.api.conftest import DEMO_KEY, make_api_key
from tests.cases.conftest import advance
from tests.factories import photo, point_in

pytestmark = pytest.mark.django_db

CASES = reverse("api-cases")


def case_url(case, action=None):
    return reverse(f"api-case-{action}" if action else "api-case", args=[case.pk if hasattr(case, "pk") else case])


def gps_photo(lon, lat, name="IMG_0001 at home.jpg"):
    """A JPEG whose EXIF says where it was taken and with which camera."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"

    def dms(value):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))

    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 40)).save(buffer, format="JPEG", exif=exif)
    buffer.name = name
    buffer.seek(0)
    return buffer


def new_case_body(world, **extra):
    lon, lat = point_in(world.home)
    return {"category": world.garbage.pk, "lon": lon, "lat": lat, "description": "路口垃圾堆积", **extra}


# ---------------------------------------------------------------- filing


def test_a_resident_files_a_case(clients, world):
    response = clients.resident.post(CASES, new_case_body(world, address="唐家路 1 号"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == CaseState.TO_VERIFY
    assert body["source"] == "resident"
    assert body["grid"]["id"] == world.home.pk
    assert body["address"] == "唐家路 1 号"
    assert body["timeline"][0]["action"] == "report"
    assert body["countdown"]["level"] == "normal"
    assert body["reporter_phone"] is None  # contact details are for staff
    assert body["actions"] == []  # the resident has nothing to do until it is closed


def test_an_officers_report_skips_verification(clients, world):
    response = clients.officer.post(CASES, new_case_body(world), format="json")
    assert response.status_code == 201
    assert response.json()["state"] == CaseState.TO_FILE
    assert response.json()["source"] == "officer"


def test_photo_position_places_the_report_and_is_stripped_from_the_stored_copy(clients, world):
    lon, lat = point_in(world.home)
    body = {"category": world.garbage.pk, "description": "井盖破损", "photos": [gps_photo(lon, lat)]}
    response = clients.resident.post(CASES, body, format="multipart")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["grid"]["id"] == world.home.pk
    assert created["lon"] == pytest.approx(lon, abs=1e-4)

    stored = CasePhoto.objects.get(case_id=created["id"])
    assert "IMG_0001" not in stored.image.name  # the sender's file name is not kept
    with stored.image.open("rb") as file, Image.open(file) as image:
        exif = image.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.Make not in exif
    assert PhotoLocation.objects.get(photo=stored).location.x == pytest.approx(lon, abs=1e-4)

    staff_view = clients.clerk.get(case_url(created["id"])).json()
    taken_at = staff_view["timeline"][0]["photos"][0]["taken_at"]
    assert taken_at["lon"] == pytest.approx(lon, abs=1e-4)
    resident_view = clients.resident.get(case_url(created["id"])).json()
    assert resident_view["timeline"][0]["photos"][0]["taken_at"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": 999999}, "category"),
        ({"lon": 120.0, "lat": 30.0}, "location"),
        ({"description": "  "}, "description"),
        ({"address": "长" * 201}, "address"),
        ({"lon": "东经"}, "lon"),
        ({"source": "officer"}, "source"),  # a resident is not an officer
        ({"external_id": "X-1"}, "external_id"),  # only external systems have their own ids
    ],
)
def test_bad_reports_are_400_with_the_field(clients, world, change, field):
    response = clients.resident.post(CASES, new_case_body(world, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_files_that_are_not_images_are_refused(clients, world):
    text = io.BytesIO(b"not an image")
    text.name = "note.jpg"
    response = clients.resident.post(CASES, new_case_body(world, photos=[text]), format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()["fields"]


def test_too_large_photos_are_refused(clients, world, settings):
    settings.CASE_PHOTO_MAX_BYTES = 100
    big = photo(size=(64, 64))
    response = clients.resident.post(CASES, new_case_body(world, photos=[big]), format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()["fields"]


def test_an_external_systems_retry_returns_the_same_case(world, api_key, key_client):
    body = new_case_body(world, external_id="12345-0001", reporter_phone="13800000000")
    first = key_client.post(CASES, body, format="json")
    again = key_client.post(CASES, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    case = Case.objects.get(external_id="12345-0001")
    assert (case.external_system, case.source, case.reporter) == ("hotline", "platform", api_key.user)
    # Another system's id space is its own.
    make_api_key("video", secret="video-key-0123456789")
    other = APIClient()
    other.credentials(HTTP_X_API_KEY="video-key-0123456789")
    assert other.post(CASES, body, format="json").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_file_one_case(committed_db):
    from cases.models import Category
    from grid.models import Grid

    make_api_key()
    grid = Grid.objects.order_by("code").first()
    lon, lat = point_in(grid)
    body = {"category": Category.objects.order_by("pk").first().pk, "lon": lon, "lat": lat}
    body |= {"description": "并发重试", "external_id": "RETRY-1"}
    statuses = []
    barrier = threading.Barrier(4)

    def submit():
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=DEMO_KEY)
        barrier.wait()
        statuses.append(client.post(CASES, body, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Case.objects.filter(external_id="RETRY-1").count() == 1


# ---------------------------------------------------------------- list and detail


def test_the_list_is_scoped_filtered_and_paginated(clients, world, file_case):
    home = [file_case() for _ in range(3)]
    away = file_case(grid=world.away)
    officer_list = clients.officer.get(CASES, {"page_size": 2}).json()
    assert officer_list["count"] == 3
    assert len(officer_list["results"]) == 2
    assert officer_list["next"]
    assert {row["id"] for row in clients.away_officer.get(CASES).json()["results"]} == {away.pk}
    assert clients.dispatcher.get(CASES).json()["count"] == 4
    assert clients.other_resident.get(CASES).json()["count"] == 0
    filtered = clients.clerk.get(CASES, {"grid": world.away.code}).json()
    assert [row["id"] for row in filtered["results"]] == [away.pk]
    by_state = clients.clerk.get(CASES, {"state": ["to_verify", "to_file"]}).json()
    assert by_state["count"] == 4
    newest_first = [row["id"] for row in clients.officer.get(CASES).json()["results"]]
    assert newest_first == [case.pk for case in reversed(home)]


@pytest.mark.parametrize("moment", ["2026-01-15T11:56:16-22:32", "2026-02-14T16:49:25+22:08"])
def test_offsets_python_takes_and_postgresql_does_not(clients, file_case, moment):
    file_case()
    assert clients.clerk.get(CASES, {"reported_after": moment}).json()["count"] == 1


def test_list_rows_have_the_documented_shape(clients, world, file_case):
    case = advance(file_case(), world, "dispatch")
    (row,) = clients.dispatcher.get(CASES).json()["results"]
    detail = clients.dispatcher.get(case_url(case)).json()
    assert set(row) == set(CaseSerializer().fields)
    assert row == {key: detail[key] for key in row}  # the list's fields, as the detail gives them


def test_work_queues(clients, world, file_case):
    case = file_case()
    queue = clients.officer.get(CASES, {"queue": "to_verify"}).json()
    assert [row["id"] for row in queue["results"]] == [case.pk]
    refused = clients.officer.get(CASES, {"queue": "to_dispatch"})  # not an officer's queue
    assert refused.status_code == 400
    assert "queue" in refused.json()["fields"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": 99},
        {"page": "x"},
        {"state": "nope"},
        {"reported_after": "soon"},
        {"reported_after": "9999-12-31T23:59:59-01:00"},  # past year 9999 in UTC
    ],
)
def test_bad_list_parameters(clients, file_case, params):
    file_case()
    response = clients.clerk.get(CASES, params)
    assert response.status_code in (400, 404)
    assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize("client_name", ["officer", "dispatcher", "resident"])
def test_list_queries_do_not_grow_with_the_page(clients, world, file_case, client_name):
    client = getattr(clients, client_name)
    file_case()
    client.get(CASES)  # warm caches of the first request (content types, calendar)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CASES).status_code == 200
    for _ in range(6):
        file_case()
    with CaptureQueriesContext(connection) as many:
        assert client.get(CASES).json()["count"] == 7
    assert len(many) == len(few) <= 6


def test_out_of_scope_cases_are_404(clients, world, file_case):
    case = file_case(grid=world.away)
    assert clients.officer.get(case_url(case)).status_code == 404
    assert clients.other_resident.get(case_url(case)).status_code == 404
    assert clients.officer.post(case_url(case, "verify"), {}, format="json").status_code == 404
    assert clients.away_officer.get(case_url(case)).status_code == 200
    assert clients.clerk.get(case_url(999999)).status_code == 404


# ---------------------------------------------------------------- the loop


def test_the_seven_steps_through_the_api(clients, world, file_case):
    case = file_case()
    url = case_url(case)

    def step(client, action, data=None, fmt="json"):
        response = client.post(case_url(case, action), data or {}, format=fmt)
        assert response.status_code == 200, (action, response.content)
        return response.json()

    assert [a["action"] for a in clients.officer.get(url).json()["actions"]] == ["verify"]
    step(clients.officer, "verify")
    step(clients.chief, "file")
    dispatched = step(clients.dispatcher, "dispatch", {"unit": world.unit.pk})
    assert dispatched["unit"]["id"] == world.unit.pk
    assert dispatched["countdown"]["due_at"]
    step(clients.handler, "accept")
    after = {"note": "已清运", "photos": [gps_photo(*point_in(world.home), name="after.jpg")]}
    fed_back = step(clients.handler, "feedback", after, fmt="multipart")
    assert fed_back["timeline"][-1]["photos"][0]["kind"] == "after"
    step(clients.officer, "check_pass")
    closed = step(clients.chief, "close")
    assert closed["state"] == CaseState.CLOSED
    assert closed["countdown"] is None
    rated = step(clients.resident, "rate", {"score": 5, "note": "很快"})
    assert rated["satisfaction"] == 5
    step(clients.supervisor, "evaluate", {"score": 4})
    timeline = clients.chief.get(url).json()["timeline"]
    assert [event["action"] for event in timeline] == [
        "report",
        "verify",
        "file",
        "dispatch",
        "accept",
        "feedback",
        "check_pass",
        "close",
        "rate",
        "evaluate",
    ]
    assert timeline[5]["note"] == "已清运" and timeline[5]["actor"] == world.handler.display_name
    resident_timeline = clients.resident.get(url).json()["timeline"]
    assert resident_timeline[5]["note"] == "" and resident_timeline[5]["actor"] is None


def test_action_errors_are_403_409_and_400(clients, world, file_case):
    case = file_case()
    denied = clients.officer.post(case_url(case, "file"), {}, format="json")
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    conflict = clients.chief.post(case_url(case, "close"), {}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "action_not_allowed"
    clients.officer.post(case_url(case, "verify"), {}, format="json")
    clients.chief.post(case_url(case, "file"), {}, format="json")
    no_unit = clients.dispatcher.post(case_url(case, "dispatch"), {}, format="json")
    assert no_unit.status_code == 400
    assert "unit" in no_unit.json()["fields"]
    bad_unit = clients.dispatcher.post(case_url(case, "dispatch"), {"unit": 999999}, format="json")
    assert "unit" in bad_unit.json()["fields"]
    no_reason = clients.dispatcher.post(case_url(case, "return"), {"note": ""}, format="json")
    assert no_reason.status_code == 400  # input is checked before the state
    assert "note" in no_reason.json()["fields"]


def test_the_answer_to_an_action_that_takes_the_case_out_of_scope(clients, world, file_case):
    case = advance(file_case(), world, "accept")
    response = clients.handler.post(case_url(case, "return"), {"note": "不属于本单位"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == CaseState.TO_DISPATCH
    assert clients.handler.get(case_url(case)).status_code == 404  # no longer the unit's


def test_a_report_outside_the_officers_own_grid(clients, world):
    response = clients.officer.post(
        CASES, new_case_body(world) | dict(zip(("lon", "lat"), point_in(world.away), strict=True)), format="json"
    )
    assert response.status_code == 201
    assert response.json()["grid"]["id"] == world.away.pk


def test_merge_into_a_case_the_caller_cannot_see_is_refused(clients, world, file_case):
    case, other = file_case(), file_case(grid=world.away)
    response = clients.clerk.post(case_url(case, "merge"), {"duplicate_of": other.pk}, format="json")
    assert response.status_code == 200  # the clerk sees the district
    case2 = file_case()
    assert clients.officer.post(case_url(case2, "merge"), {"duplicate_of": other.pk}, format="json").status_code == 400


# ---------------------------------------------------------------- reference, notifications, KPIs


def test_reference_data(clients, world):
    categories = clients.resident.get(reverse("api-categories")).json()
    assert {"code": "0102", "name": "暴露垃圾"}.items() <= next(
        c for c in categories if c["id"] == world.garbage.pk
    ).items()
    units = clients.dispatcher.get(reverse("api-units")).json()
    assert world.unit.pk in {unit["id"] for unit in units}


def test_notifications(clients, world):
    notify([world.resident], "一", "正文", "/cases/1/")
    notify([world.resident], "二")
    notify([world.other_resident], "别人的")
    client = clients.resident
    inbox = client.get(reverse("api-notifications")).json()
    assert [n["title"] for n in inbox["results"]] == ["二", "一"]
    assert client.get(reverse("api-notifications-unread")).json() == {"unread": 2}
    first = inbox["results"][1]["id"]
    assert client.post(reverse("api-notification-read", args=[first])).json() == {"marked": 1}
    assert client.post(reverse("api-notification-read", args=[first])).json() == {"marked": 0}
    unread = client.get(reverse("api-notifications"), {"unread": "true"}).json()
    assert [n["title"] for n in unread["results"]] == ["二"]
    others = world.other_resident.notifications.get()
    assert client.post(reverse("api-notification-read", args=[others.pk])).status_code == 404
    assert client.post(reverse("api-notifications-read-all")).json() == {"marked": 1}
    assert client.get(reverse("api-notifications-unread")).json() == {"unread": 0}


def test_kpis_for_staff_in_their_scope(clients, world, file_case):
    case = file_case()
    advance(case, world, "close")
    today = date.today().isoformat()
    summary = clients.supervisor.get(reverse("api-kpis"), {"start": today, "end": today}).json()
    assert summary["summary"]["filed"] == 1
    assert summary["summary"]["closed"] == 1
    rows = clients.supervisor.get(reverse("api-kpis"), {"start": today, "end": today, "by": "community"}).json()
    assert [row["id"] for row in rows["rows"]] == [world.home.community_id]
    assert clients.away_officer.get(reverse("api-kpis"), {"start": today, "end": today}).json()["summary"]["filed"] == 0
    assert clients.resident.get(reverse("api-kpis"), {"start": today, "end": today}).status_code == 403
    bad = clients.supervisor.get(reverse("api-kpis"), {"start": today, "end": "2000-01-01"})
    assert bad.status_code == 400
    assert clients.supervisor.get(reverse("api-kpis"), {"start": "9999-12-31", "end": "9999-12-31"}).status_code == 400
