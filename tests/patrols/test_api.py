"""/api/v1/ for officers' daily work: status codes, scope, shapes, query counts."""

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from patrols.models import Hazard, HazardState, Patrol, Place, TrackPoint
from patrols.services import check_in, check_out, end_patrol, inspect_place, record_hazard, record_points, start_patrol
from tests.factories import photo
from tests.patrols.conftest import walk


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


def test_an_officers_day_through_the_api(beat, api):
    client = api(beat.officer)
    lon, lat = beat.start

    shift = client.post("/api/v1/duty/check-in/", {"lon": lon, "lat": lat}, format="json")
    assert shift.status_code == 201 and shift.json()["check_in_grid"]["code"] == beat.home.code
    assert client.post("/api/v1/duty/check-in/", {"lon": lon, "lat": lat}, format="json").status_code == 409

    started = client.post("/api/v1/patrols/")
    assert started.status_code == 201
    patrol_id = started.json()["id"]
    patrol = Patrol.objects.get(pk=patrol_id)
    points = walk(lon, lat, patrol.started_at + timedelta(seconds=1), count=12, step_m=10, every_s=1)
    points = [
        {**p, "recorded_at": (patrol.started_at + timedelta(seconds=i)).isoformat()} for i, p in enumerate(points)
    ]
    upload = client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": points}, format="json")
    assert upload.status_code == 200
    body = upload.json()
    assert (body["received"], body["stored"], body["duplicates"], body["point_count"]) == (12, 12, 0, 12)
    again = client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": points}, format="json").json()
    assert (again["stored"], again["duplicates"], again["distance_m"]) == (0, 12, body["distance_m"])

    answers = {item["key"]: "ok" for item in beat.shop.place_type.checklist}
    answers["exits"] = "problem"
    inspection = client.post(
        "/api/v1/inspections/",
        {"place": beat.shop.pk, "answers": json.dumps(answers), "patrol": patrol_id, "photos": [photo()]},
        format="multipart",
    )
    assert inspection.status_code == 201, inspection.json()
    assert inspection.json()["result"] == "problems" and len(inspection.json()["photos"]) == 1

    hazard = client.post(
        "/api/v1/hazards/", {"description": "通道堆放杂物", "inspection": inspection.json()["id"]}, format="json"
    )
    assert hazard.status_code == 201
    assert hazard.json()["state"] == "open" and hazard.json()["actions"] == ["reinspect"]
    assert hazard.json()["overdue"] is False

    visit = client.post("/api/v1/visits/", {"address": "1 栋 101", "summary": "了解用水情况"}, format="json")
    assert visit.status_code == 201 and visit.json()["grid"]["code"] == beat.home.code
    entry = client.post(
        "/api/v1/work-log/", {"kind": "dispute", "content": "邻里纠纷", "dispute_resolved": True}, format="json"
    )
    assert entry.status_code == 201

    ended = client.post(f"/api/v1/patrols/{patrol_id}/end/")
    assert ended.status_code == 200 and ended.json()["duration_s"] >= 0
    detail = client.get(f"/api/v1/patrols/{patrol_id}/").json()
    assert detail["track"]["type"] == "LineString" and detail["grids"][0]["code"] == beat.home.code
    out = client.post("/api/v1/duty/check-out/", {"lon": lon, "lat": lat}, format="json")
    assert out.status_code == 200 and out.json()["checked_out_at"]


def test_errors_have_the_apis_shape(beat, api, patrol):
    client = api(beat.officer)
    bad = client.post(f"/api/v1/patrols/{patrol.pk}/points/", {"points": [{"lon": 1}]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "points" in bad.json()["fields"]
    outside = client.post("/api/v1/duty/check-out/", {"lon": 114.2, "lat": 22.3}, format="json")
    assert outside.status_code == 400 and "location" in outside.json()["fields"]
    assert client.post("/api/v1/patrols/").status_code == 409  # already patrolling
    assert api(None).get("/api/v1/patrols/").status_code in (401, 403)


def test_nobody_else_sees_or_touches_an_officers_patrol(beat, api, patrol):
    url = f"/api/v1/patrols/{patrol.pk}/"
    other = api(beat.other_officer)
    assert other.get(url).status_code == 404
    assert other.post(url + "end/").status_code == 404
    assert other.post(url + "points/", {"points": []}, format="json").status_code == 404
    supervisor = api(beat.supervisor)
    assert supervisor.get(url).status_code == 200
    assert supervisor.post(url + "end/").status_code == 403  # sees it, may not end it


def test_the_flagged_points_of_a_patrol(beat, api, patrol):
    points = walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=4)
    points.append({"recorded_at": (patrol.started_at + timedelta(seconds=50)).isoformat(), "lon": 114.2, "lat": 22.3})
    record_points(patrol, beat.officer, points)
    every = api(beat.officer).get(f"/api/v1/patrols/{patrol.pk}/points/").json()
    assert len(every["features"]) == 5
    flagged = api(beat.officer).get(f"/api/v1/patrols/{patrol.pk}/points/?flagged=true").json()
    assert [f["properties"]["flag"] for f in flagged["features"]] == ["outside"]


def test_the_day_map_for_supervisors_and_for_an_officer(beat, api, patrol):
    record_points(patrol, beat.officer, walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=6))
    theirs = timezone.now() - timedelta(minutes=20)
    centre = beat.neighbour.boundary.point_on_surface
    check_in(beat.other_officer, lon=centre.x, lat=centre.y, at=theirs)
    other_patrol = start_patrol(beat.other_officer, at=theirs)
    record_points(other_patrol, beat.other_officer, walk(centre.x, centre.y, theirs + timedelta(seconds=5), count=6))

    everything = api(beat.supervisor).get("/api/v1/patrols/tracks/")
    assert everything.status_code == 200 and everything["Content-Type"] == "application/json"
    assert {f["id"] for f in everything.json()["features"]} == {patrol.pk, other_patrol.pk}
    by_grid = api(beat.supervisor).get(f"/api/v1/patrols/tracks/?grid={beat.home.code}").json()
    assert [f["id"] for f in by_grid["features"]] == [patrol.pk]
    # an officer asking for someone else's tracks gets their own
    own = api(beat.officer).get(f"/api/v1/patrols/tracks/?officer={beat.other_officer.username}").json()
    assert [f["id"] for f in own["features"]] == [patrol.pk]
    assert api(beat.supervisor).get("/api/v1/patrols/tracks/?grid=12&tolerance=abc").status_code == 400


def test_coverage_and_statistics_are_for_supervisors(beat, api, patrol):
    record_points(patrol, beat.officer, walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=6))
    end_patrol(patrol, beat.officer)
    supervisor = api(beat.supervisor)
    coverage = supervisor.get("/api/v1/patrols/coverage/")
    assert coverage.status_code == 200
    home = next(row for row in coverage.json() if row["code"] == beat.home.code)
    assert home["status"] == "covered" and home["officers"] == [beat.officer.display_name]
    week = supervisor.get(
        f"/api/v1/patrols/coverage/?community={beat.home.community.code}&start=2024-01-01&end=2024-01-07"
    )
    assert week.status_code == 200 and {row["days"] for row in week.json()} == {7}
    assert supervisor.get("/api/v1/patrols/coverage/?start=2024-01-01&end=2024-03-01").status_code == 400
    assert supervisor.get("/api/v1/patrols/coverage/?start=2024-01-05&end=2024-01-01").status_code == 400

    stats = supervisor.get("/api/v1/patrols/statistics/?by=grid").json()
    assert stats["total"]["patrols"] == 1
    assert next(row for row in stats["rows"] if row["code"] == beat.home.code)["patrols"] == 1
    assert supervisor.get("/api/v1/patrols/statistics/?by=planet").status_code == 400
    assert api(beat.officer).get("/api/v1/patrols/coverage/").status_code == 403
    assert api(beat.officer).get("/api/v1/patrols/statistics/").status_code == 403


def test_places_are_scoped_to_the_officers_grids(beat, api):
    away = Place.objects.create(
        name="远处的学校",
        place_type=beat.shop.place_type,
        grid=beat.neighbour,
        location=beat.neighbour.boundary.centroid,
    )
    mine = api(beat.officer).get("/api/v1/places/").json()
    assert [p["id"] for p in mine["results"]] == [beat.shop.pk]
    assert api(beat.officer).get(f"/api/v1/places/{away.pk}/").status_code == 404
    assert api(beat.officer).post("/api/v1/inspections/", {"place": away.pk}, format="json").status_code == 404
    everything = api(beat.supervisor).get("/api/v1/places/?q=学校").json()
    assert [p["id"] for p in everything["results"]] == [away.pk]
    types = api(beat.officer).get("/api/v1/place-types/").json()
    assert {"shop", "small_venue", "construction_site", "school", "key_location"} <= {t["code"] for t in types}


def test_lists_cost_the_same_queries_for_1_or_20_rows(beat, api, patrol):
    ok = {item["key"]: "ok" for item in beat.shop.place_type.checklist}
    client = api(beat.supervisor)
    client.get("/api/v1/patrols/")  # the user's roles are read once, on the first request

    def queries_for(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = inspect_place(beat.shop, beat.officer, answers=ok, photos=[photo()])
    record_hazard(beat.officer, description="一处隐患", inspection=first)
    urls = ["/api/v1/inspections/", "/api/v1/hazards/", "/api/v1/places/", "/api/v1/patrols/", "/api/v1/duty/shifts/"]
    before = {url: queries_for(url) for url in urls}
    for n in range(19):
        inspection = inspect_place(beat.shop, beat.officer, answers=ok, photos=[photo()])
        record_hazard(beat.officer, description=f"隐患 {n}", inspection=inspection)
        Place.objects.create(
            name=f"店 {n}", place_type=beat.shop.place_type, grid=beat.home, location=beat.shop.location
        )
        check_out(beat.officer, lon=beat.start[0], lat=beat.start[1])
        check_in(beat.officer, lon=beat.start[0], lat=beat.start[1])
        start_patrol(beat.officer)
    assert {url: queries_for(url) for url in urls} == before


def test_a_hazard_is_re_inspected_and_escalated_through_the_api(beat, api):
    lon, lat = beat.start
    past = timezone.now() - timedelta(days=10)
    hazard = record_hazard(beat.officer, description="广告牌松动", lon=lon, lat=lat, at=past, rectify_days=3)
    client = api(beat.officer)
    url = f"/api/v1/hazards/{hazard.pk}/"
    detail = client.get(url).json()
    assert detail["overdue"] is True and detail["actions"] == ["reinspect", "escalate"]
    assert api(beat.other_officer).get(url).status_code == 404
    assert client.post(url + "reinspect/", {"rectified": False}, format="json").status_code == 400

    escalated = client.post(url + "escalate/", {}, format="json")
    assert escalated.status_code == 201
    assert escalated.json()["state"] == "to_file" and escalated.json()["number"]
    assert client.post(url + "escalate/", {}, format="json").status_code == 409
    assert Hazard.objects.get(pk=hazard.pk).state == HazardState.ESCALATED
    assert client.get("/api/v1/hazards/?state=escalated").json()["count"] == 1
    assert client.get("/api/v1/hazards/?overdue=true").json()["count"] == 0


def test_places_are_imported_from_csv_by_supervisors(beat, api):
    lon, lat = beat.start
    csv_text = f"code,name,type,lon,lat,address\nP-1,新开小吃店,small_venue,{lon},{lat},港湾大道 9 号\n"
    upload = io.BytesIO(csv_text.encode())
    upload.name = "places.csv"
    checked = api(beat.supervisor).post("/api/v1/places/import/", {"file": upload}, format="multipart")
    assert checked.status_code == 200 and checked.json() == {"created": 1, "updated": 0, "committed": False}
    assert not Place.objects.filter(code="P-1").exists()
    upload.seek(0)
    done = api(beat.supervisor).post("/api/v1/places/import/", {"file": upload, "commit": True}, format="multipart")
    assert done.json()["committed"] is True and Place.objects.get(code="P-1").grid == beat.home
    upload.seek(0)
    assert api(beat.officer).post("/api/v1/places/import/", {"file": upload}, format="multipart").status_code == 403
    bad = io.BytesIO(f"code,name,type,lon,lat\nP-2,,shop,{lon},{lat}\n".encode())
    bad.name = "bad.csv"
    refused = api(beat.supervisor).post("/api/v1/places/import/", {"file": bad, "commit": True}, format="multipart")
    assert refused.status_code == 400 and refused.json()["fields"]["file"] == ["第 2 行：名称不能为空"]


def test_the_openapi_schema_documents_every_route(api, beat):
    schema = api(beat.supervisor).get("/api/schema/", HTTP_ACCEPT="application/json")
    paths = json.loads(schema.content)["paths"]
    for route in [
        "/api/v1/duty/check-in/",
        "/api/v1/duty/check-out/",
        "/api/v1/patrols/",
        "/api/v1/patrols/{id}/points/",
        "/api/v1/patrols/tracks/",
        "/api/v1/patrols/coverage/",
        "/api/v1/patrols/statistics/",
        "/api/v1/places/",
        "/api/v1/places/import/",
        "/api/v1/inspections/",
        "/api/v1/hazards/{id}/escalate/",
        "/api/v1/visits/",
        "/api/v1/work-log/",
    ]:
        assert route in paths, route
    assert TrackPoint.objects.count() == 0
