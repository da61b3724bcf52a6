"""A grid officer's pages: home with the to-do, and reporting from the street."""

import pytest

from cases.models import Case, CaseSource, CaseState
from tests.cases.conftest import advance
from tests.factories import photo, point_in
from tests.web.conftest import resident_report

pytestmark = pytest.mark.django_db


def report_data(world, **overrides):
    lon, lat = point_in(world.home)
    data = {
        "category": world.garbage.pk,
        "description": "路边垃圾堆积",
        "address": "创新路 1 号",
        "lon": lon,
        "lat": lat,
        "photos": [photo("before.png")],
    }
    data.update(overrides)
    return data


def test_home_shows_my_grids_and_to_do_with_countdowns(client, world):
    to_verify = resident_report(world)
    to_check = advance(resident_report(world, description="待核查"), world, "feedback")
    resident_report(world, grid=world.away)
    client.force_login(world.officer)
    response = client.get("/cases/officer/")
    assert response.status_code == 200
    assert [(item["name"], item["count"]) for item in response.context["todo"]] == [("to_verify", 1), ("to_check", 1)]
    html = response.content.decode()
    assert to_verify.number in html and to_check.number in html
    assert 'class="countdown is-' in html
    assert [grid["code"] for grid in response.context["map_config"]["grids"]] == [world.home.code]
    assert len(response.context["map_config"]["points"]) == 2


def test_only_officers_use_the_officer_pages(client, world):
    client.force_login(world.chief)
    assert client.get("/cases/officer/").status_code == 403
    assert client.get("/cases/report/").status_code == 403


def test_the_report_form_groups_categories_and_marks_on_the_spot_ones(client, world):
    client.force_login(world.officer)
    html = client.get("/cases/report/").content.decode()
    assert '<optgroup label="事件 · 01 市容环境">' in html
    assert f'value="{world.garbage.pk}" data-may-resolve="true"' in html
    assert f'value="{world.structure.pk}">' in html  # not resolvable on the spot
    assert 'accept="image/*"' in html and 'capture="environment"' in html and "multiple" in html


def test_an_officers_report_goes_straight_to_filing(client, world):
    client.force_login(world.officer)
    response = client.post("/cases/report/", report_data(world))
    case = Case.objects.get(description="路边垃圾堆积")
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    assert (case.source, case.state, case.grid) == (CaseSource.OFFICER, CaseState.TO_FILE, world.home)
    assert case.photos.count() == 1
    assert f"已上报：案件 {case.number}" in client.get(response.url).content.decode()


def test_possible_duplicates_are_shown_after_the_report(client, world, resident_case):
    client.force_login(world.officer)
    response = client.post("/cases/report/", report_data(world), follow=True)
    html = response.content.decode()
    assert "可能是重复上报" in html
    assert [case.number for case in response.context["duplicates"]] == [resident_case.number]


def test_resolving_on_the_spot_closes_the_case(client, world):
    client.force_login(world.officer)
    data = report_data(world, resolve_on_spot="on", after_photos=[photo("after.png")])
    response = client.post("/cases/report/", data, follow=True)
    case = Case.objects.get(description="路边垃圾堆积")
    assert (case.state, case.resolved_on_spot) == (CaseState.CLOSED, True)
    assert len(response.context["after_photos"]) == 1
    assert "已现场处置并结案" in response.content.decode()


def test_report_errors_show_next_to_fields_and_keep_the_input(client, world):
    client.force_login(world.officer)
    data = report_data(world, category="", lon="", lat="", resolve_on_spot="on")
    response = client.post("/cases/report/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["category"] == ["请选择有效的案件类别"]
    assert errors["lon"] == ["请定位，或在地图上点选问题位置"]
    html = response.content.decode()
    assert "路边垃圾堆积</textarea>" in html and 'value="创新路 1 号"' in html
    assert 'id="id_category_error"' in html
    assert not Case.objects.exists()


def test_on_the_spot_needs_an_allowed_category_and_an_after_photo(client, world):
    client.force_login(world.officer)
    response = client.post("/cases/report/", report_data(world, category=world.structure.pk, resolve_on_spot="on"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["category"] == ["该类别不允许现场处置"]
    assert errors["after_photos"] == ["现场处置需要上传处置后照片"]


def test_a_point_outside_the_district_is_refused(client, world):
    client.force_login(world.officer)
    response = client.post("/cases/report/", report_data(world, lon=120.0, lat=30.0))
    assert response.status_code == 400
    assert "不在辖区内" in response.context["form"].errors["lon"][0]
