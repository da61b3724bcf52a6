"""The landing page and the public map: coarse points, no personal data, cached."""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import CaseSource
from cases.services import act, report
from tests.cases.conftest import advance
from tests.factories import make_user, point_in

pytestmark = pytest.mark.django_db

MAP_DATA = reverse("public:map_data")


def _report(world, text, *, grid=None, at=None, phone="13900000009", name="王女士"):
    lon, lat = point_in(grid or world.home)
    return report(
        actor=None,
        source=CaseSource.RESIDENT,
        category=world.garbage,
        lon=lon + 0.00012,
        lat=lat - 0.00017,
        description=text,
        reporter_phone=phone,
        reporter_name=name,
        address="幸福路 8 号 3 栋",
        at=at,
    )


def test_landing_page_leads_to_the_three_public_services(client):
    html = client.get(reverse("public:home")).content.decode()
    for name in ("public:report", "public:track", "public:map"):
        assert f'href="{reverse(name)}"' in html


def test_staff_going_to_the_front_door_land_on_their_work(client):
    client.force_login(make_user(Role.DISPATCHER))
    response = client.get(reverse("public:home"))
    assert response.status_code == 302
    assert response["Location"] != reverse("public:home")


def test_residents_get_the_landing_page(client):
    client.force_login(make_user(Role.RESIDENT))
    assert client.get(reverse("public:home")).status_code == 200


def test_map_page_loads_its_data_from_the_public_endpoint(client):
    html = client.get(reverse("public:map")).content.decode()
    assert MAP_DATA in html
    assert "约 100 米" in html


def test_map_data_has_coarse_points_and_no_personal_data(client, world):
    open_case = _report(world, "楼道堆物，住户陈某某 13900000009")
    away = SimpleNamespace(**{**vars(world), "officer": world.away_officer})
    closed_case = advance(_report(world, "垃圾满溢", grid=world.away), away, "close")
    voided = _report(world, "重复投诉")
    act(voided, "void", world.chief, note="重复")
    _report(world, "很久以前", at=timezone.now() - timedelta(days=40))

    response = client.get(MAP_DATA)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "public" in response["Cache-Control"]
    body = response.content.decode()
    for secret in ("13900000009", "王女士", "陈某某", "幸福路", open_case.number, closed_case.number, "垃圾满溢"):
        assert secret not in body
    collection = json.loads(body)
    features = collection["features"]
    assert {(f["properties"]["status"], f["properties"]["count"]) for f in features} == {("open", 1), ("closed", 1)}
    for feature in features:
        assert set(feature["properties"]) == {"category", "status", "count"}
        assert feature["properties"]["category"] == "暴露垃圾"
        lon, lat = feature["geometry"]["coordinates"]
        assert round(lon, 3) == lon and round(lat, 3) == lat
    exact = {(round(c.location.x, 3), round(c.location.y, 3)) for c in (open_case, closed_case)}
    assert {tuple(f["geometry"]["coordinates"]) for f in features} == exact


def test_cases_in_one_cell_are_counted_together(client, world):
    for text in ("一", "二", "三"):
        _report(world, text)
    (feature,) = json.loads(client.get(MAP_DATA).content)["features"]
    assert feature["properties"] == {"category": "暴露垃圾", "status": "open", "count": 3}


def test_map_data_is_one_query_then_served_from_the_cache(client, world, django_assert_num_queries):
    for index in range(5):
        _report(world, f"第 {index} 件", grid=world.home if index % 2 else world.away)
    with django_assert_num_queries(1):
        first = client.get(MAP_DATA).content
    _report(world, "缓存期间的新投诉")
    with django_assert_num_queries(0):
        assert client.get(MAP_DATA).content == first


def test_the_map_shows_only_the_newest_cases_beyond_its_limit(client, world, settings):
    settings.PUBLIC_MAP_MAX_CASES = 2
    now = timezone.now()
    _report(world, "最早", grid=world.away, at=now - timedelta(days=3))
    _report(world, "较新", at=now - timedelta(days=2))
    _report(world, "最新", at=now - timedelta(days=1))
    collection = json.loads(client.get(MAP_DATA).content)
    assert (collection["cases"], collection["limited"]) == (2, True)
    (feature,) = collection["features"]  # both newest are in the home grid's cell
    assert feature["properties"]["count"] == 2
