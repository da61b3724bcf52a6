"""The officers' and supervisors' patrol pages: who may open them, forms and errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patrols.models import DutyShift, Hazard, HazardState, Inspection, Patrol, Visit, WorkLogEntry
from patrols.services import check_in, record_hazard, record_points, start_patrol
from tests.factories import photo
from tests.patrols.conftest import walk


@pytest.fixture
def officer_client(client, beat):
    client.force_login(beat.officer)
    return client


@pytest.fixture
def supervisor_client(client, beat):
    client.force_login(beat.supervisor)
    return client


def test_the_officer_checks_in_starts_and_ends_a_patrol_from_the_page(officer_client, beat):
    lon, lat = beat.start
    page = officer_client.get("/patrols/")
    assert page.status_code == 200 and "签到" in page.content.decode()
    # disputes that need mediation are reported there (and count in the statistics)
    assert 'href="/mediation/disputes/new/"' in page.content.decode()

    officer_client.post("/patrols/duty/check-in/", {"lon": lon, "lat": lat})
    assert DutyShift.objects.filter(officer=beat.officer, checked_out_at__isnull=True).exists()
    started = officer_client.post("/patrols/start/")
    patrol = Patrol.objects.get(officer=beat.officer)
    assert started.url == f"/patrols/{patrol.pk}/"
    recording = officer_client.get(started.url)
    assert recording.status_code == 200 and "patrol-recorder-config" in recording.content.decode()

    ended = officer_client.post(f"/patrols/{patrol.pk}/end/", follow=True)
    assert "巡查已结束" in ended.content.decode()
    out = officer_client.post("/patrols/duty/check-out/", {"lon": lon, "lat": lat}, follow=True)
    assert "签退成功" in out.content.decode()


def test_check_in_without_a_position_says_so(officer_client):
    response = officer_client.post("/patrols/duty/check-in/", {}, follow=True)
    assert "未能获取当前位置" in response.content.decode()
    assert not DutyShift.objects.exists()


def test_an_inspection_with_a_problem_leads_to_the_hazard_form(officer_client, beat, patrol):
    form = {f"item_{item['key']}": "ok" for item in beat.shop.place_type.checklist}
    form["item_wiring"] = "problem"
    form["patrol"] = patrol.pk
    page = officer_client.get(f"/patrols/places/{beat.shop.pk}/inspect/")
    assert page.status_code == 200 and "电气线路" in page.content.decode()

    saved = officer_client.post(f"/patrols/places/{beat.shop.pk}/inspect/", {**form, "photos": photo()})
    inspection = Inspection.objects.get()
    assert saved.url == f"/patrols/hazards/new/?inspection={inspection.pk}"
    assert inspection.patrol == patrol and inspection.photos.count() == 1
    hazard_form = officer_client.get(saved.url).content.decode()
    assert "电气线路规范" in hazard_form  # the problem items prefill the description

    officer_client.post(
        "/patrols/hazards/new/",
        {"inspection": inspection.pk, "description": "电线私拉乱接", "severity": "general", "patrol": patrol.pk},
    )
    hazard = Hazard.objects.get()
    assert hazard.place == beat.shop and hazard.patrol == patrol


def test_a_half_filled_checklist_keeps_the_input_and_shows_errors(officer_client, beat):
    response = officer_client.post(f"/patrols/places/{beat.shop.pk}/inspect/", {"item_exits": "ok", "note": "未填完"})
    body = response.content.decode()
    assert response.status_code == 200 and "请选择检查结论" in body and "未填完" in body
    assert not Inspection.objects.exists()


def test_a_place_in_another_grid_is_not_found(client, beat):
    client.force_login(beat.other_officer)
    assert client.get(f"/patrols/places/{beat.shop.pk}/inspect/").status_code == 404


def test_a_hazard_on_patrol_needs_a_position(officer_client):
    response = officer_client.post("/patrols/hazards/new/", {"description": "路灯倒伏", "severity": "general"})
    assert response.status_code == 200 and "未能获取隐患位置" in response.content.decode()
    assert not Hazard.objects.exists()


def test_an_overdue_hazard_is_escalated_from_its_page(officer_client, beat):
    lon, lat = beat.start
    hazard = record_hazard(
        beat.officer, description="围挡倒塌", lon=lon, lat=lat, rectify_days=1, at=timezone.now() - timedelta(days=3)
    )
    page = officer_client.get(f"/patrols/hazards/{hazard.pk}/").content.decode()
    assert "escalate-form" in page and "reinspect-form" in page and "已超过整改期限" in page
    officer_client.post(f"/patrols/hazards/{hazard.pk}/escalate/", {"category": ""})
    hazard.refresh_from_db()
    assert hazard.state == HazardState.ESCALATED and hazard.case is not None
    listed = officer_client.get("/patrols/hazards/?state=escalated").content.decode()
    assert hazard.case.number in listed


def test_a_failed_reinspection_without_a_reason_shows_the_error(officer_client, beat):
    lon, lat = beat.start
    hazard = record_hazard(beat.officer, description="灭火器过期", lon=lon, lat=lat)
    response = officer_client.post(f"/patrols/hazards/{hazard.pk}/reinspect/", {"rectified": "no"})
    assert response.status_code == 400 and "请说明未整改的情况" in response.content.decode()
    officer_client.post(f"/patrols/hazards/{hazard.pk}/reinspect/", {"rectified": "yes"})
    hazard.refresh_from_db()
    assert hazard.state == HazardState.RECTIFIED


def test_visits_and_log_entries_from_their_forms(officer_client, beat):
    officer_client.post("/patrols/visits/new/", {"kind": "household", "address": "2 栋 502", "summary": "独居老人"})
    officer_client.post("/patrols/log/new/", {"kind": "dispute", "content": "楼上漏水", "dispute_resolved": "on"})
    assert Visit.objects.get().grid == beat.home
    assert WorkLogEntry.objects.get().dispute_resolved
    bad = officer_client.post("/patrols/log/new/", {"kind": "publicity", "content": "", "dispute_resolved": "on"})
    assert 'id="id_content_error"' in bad.content.decode()
    assert WorkLogEntry.objects.count() == 1


def test_officer_pages_are_for_officers_and_supervisor_pages_for_supervisors(client, beat):
    client.force_login(beat.resident)
    assert client.get("/patrols/").status_code == 403
    assert client.get("/patrols/supervise/").status_code == 403
    client.force_login(beat.officer)
    for url in ("/patrols/supervise/", "/patrols/supervise/coverage/", "/patrols/supervise/statistics/"):
        assert client.get(url).status_code == 403
    client.force_login(beat.supervisor)
    assert client.get("/patrols/").status_code == 403


def test_the_supervisor_pages_show_the_day(supervisor_client, beat, patrol):
    record_points(patrol, beat.officer, walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=8))
    tracks = supervisor_client.get("/patrols/supervise/").content.decode()
    assert f'data-patrol-id="{patrol.pk}"' in tracks and beat.officer.display_name in tracks
    coverage = supervisor_client.get("/patrols/supervise/coverage/").content.decode()
    assert f'data-grid-code="{beat.home.code}" data-status="covered"' in coverage
    week = supervisor_client.get("/patrols/supervise/coverage/?period=week")
    assert week.status_code == 200
    stats = supervisor_client.get("/patrols/supervise/statistics/?by=grid").content.decode()
    assert beat.home.name in stats and "合计" in stats
    bad = supervisor_client.get("/patrols/supervise/statistics/?start=2024-02-01&end=2024-01-01").content.decode()
    assert "结束日期不能早于起始日期" in bad


def test_filters_without_a_date_show_today_and_the_week_is_seven_days(supervisor_client, beat, patrol):
    record_points(patrol, beat.officer, walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=8))
    today = timezone.localdate()
    week = supervisor_client.get("/patrols/supervise/coverage/?period=week").content.decode()
    assert f'name="date" value="{today.isoformat()}"' in week
    assert f"{today - timedelta(days=6):%Y-%m-%d} ~ {today:%Y-%m-%d}" in week
    # patrolled today only: the week asks for a patrol every day
    assert f'data-grid-code="{beat.home.code}" data-status="partial"' in week

    tracks = supervisor_client.get(f"/patrols/supervise/?officer={beat.officer.username}").content.decode()
    assert f'name="date" value="{today.isoformat()}"' in tracks and f'data-patrol-id="{patrol.pk}"' in tracks
    # the officer field offers the officers by name
    assert 'list="officer-choices"' in tracks
    assert f'<option value="{beat.officer.username}">{beat.officer.display_name}</option>' in tracks


def test_the_navigation_links_by_role(client, beat):
    client.force_login(beat.officer)
    assert 'href="/patrols/"' in client.get("/patrols/").content.decode()
    client.force_login(beat.supervisor)
    page = client.get("/patrols/supervise/").content.decode()
    assert 'href="/patrols/supervise/"' in page and 'href="/patrols/"' not in page


def test_the_officer_home_lists_hazards_to_reinspect(officer_client, beat):
    lon, lat = beat.start
    check_in(beat.officer, lon=lon, lat=lat)
    start_patrol(beat.officer)
    record_hazard(beat.officer, description="消防栓被遮挡", lon=lon, lat=lat)
    page = officer_client.get("/patrols/").content.decode()
    assert "消防栓被遮挡" in page and "继续巡查" in page


def test_the_admin_edits_the_districts_data_and_shows_the_records(client, beat, patrol):
    from accounts.models import User

    record_points(patrol, beat.officer, walk(*beat.start, patrol.started_at + timedelta(seconds=5), count=4))
    record_hazard(beat.officer, description="消防通道堵塞", lon=beat.start[0], lat=beat.start[1])
    client.force_login(User.objects.create_superuser("patrol-admin", password="pw-for-tests-1"))
    for model in ("placetype", "place", "gridpatrolrequirement", "dutyshift", "patrol", "hazard", "inspection"):
        assert client.get(f"/admin/patrols/{model}/").status_code == 200, model
    assert client.get(f"/admin/patrols/place/{beat.shop.pk}/change/").status_code == 200
    assert client.get(f"/admin/patrols/patrol/{patrol.pk}/change/").status_code == 200
    assert client.get("/admin/patrols/patrol/add/").status_code == 403
