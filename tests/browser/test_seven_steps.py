"""The seven-step closed loop end to end in a real browser, each step taken on its page by
the person whose job it is: a resident complains on the public form, the grid officer
verifies on site, the duty chief files, the dispatcher sends it to a unit, the unit's
handler accepts and reports back with a photo, the officer checks, the duty chief closes;
the resident then finds the case closed, sees the result photo and rates it, and the
command centre's dashboard counts it."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, CaseState, Unit
from grid.models import Grid
from tests.factories import make_officer, make_user, photo, point_in

TEST_PASSWORD = "pw-for-tests-1"  # what tests.factories.make_user sets
RESIDENT_PHONE = "13912345678"


@pytest.fixture
def staff(committed_db, settings):
    settings.PUBLIC_FORM_MIN_SECONDS = 0  # people are not that fast, but tests are
    # The closing figures must show at once, not a minute later.
    settings.DASHBOARD_CACHE_SECONDS = 0
    grid = Grid.objects.select_related("community").order_by("code")[30]
    unit = Unit.objects.filter(active=True).order_by("name").first()
    handler = make_user(Role.UNIT_HANDLER)
    unit.members.add(handler)
    return SimpleNamespace(
        grid=grid,
        unit=unit,
        officer=make_officer(grid),
        chief=make_user(Role.DUTY_CHIEF),
        dispatcher=make_user(Role.DISPATCHER),
        handler=handler,
        supervisor=make_user(Role.SUPERVISOR),
    )


def as_user(page, user, next_url):
    """Sign in as `user` through the login form, straight on to `next_url`."""
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith(next_url), f"login as {user.username} failed"


def take_action(page, case, action, fill=None):
    if not page.url.endswith(f"/cases/{case.pk}/"):
        page.goto(f"/cases/{case.pk}/")
    if fill:
        fill(page)
    with page.expect_navigation():
        page.click(f"button[data-action={action}]")
    expect(page.locator(".messages")).to_contain_text(case.number)


def state_of(case):
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


def test_a_complaint_goes_through_all_seven_steps(page, staff, screenshots):
    # 1 信息收集: a resident, without an account, on the public form.
    lon, lat = point_in(staff.grid)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon})
    page.goto("/report/")
    page.click("#locate-me")
    expect(page.locator("#location-status")).to_contain_text("已定位")
    page.fill("#category-filter", "暴露垃圾")
    page.fill("#id_description", "菜市场后门垃圾堆了一周，气味很大")
    page.set_input_files("#id_photos", [{"name": "before.png", "mimeType": "image/png", "buffer": photo().read()}])
    page.fill("#id_reporter_phone", RESIDENT_PHONE)
    with page.expect_navigation():
        page.get_by_role("button", name="提交投诉").click()
    number = page.locator("#tracking-number").inner_text()
    case = Case.objects.get(number=number)
    assert (case.state, case.grid_id, case.reporter_id) == (CaseState.TO_VERIFY, staff.grid.pk, None)
    expect(page.locator("#case-grid")).to_have_text(staff.grid.name)

    # 2 案卷建立: the grid officer verifies on site, the duty chief files.
    case_page = f"/cases/{case.pk}/"
    as_user(page, staff.officer, case_page)
    take_action(page, case, "verify")
    assert state_of(case) == CaseState.TO_FILE
    as_user(page, staff.chief, case_page)
    take_action(page, case, "file")
    assert state_of(case) == CaseState.TO_DISPATCH

    # 3 任务派遣: the dispatcher sends it to the unit.
    as_user(page, staff.dispatcher, case_page)
    take_action(page, case, "dispatch", fill=lambda page: page.select_option("#id_dispatch_unit", str(staff.unit.pk)))
    assert state_of(case) == CaseState.DISPATCHED

    # 4 任务处理 and 5 处理反馈: the unit's handler accepts, then reports back with a photo.
    as_user(page, staff.handler, case_page)
    take_action(page, case, "accept")
    assert state_of(case) == CaseState.HANDLING

    def feedback(page):
        page.fill("#id_feedback_note", "已清运垃圾并冲洗地面")
        page.set_input_files(
            "#id_feedback_photos",
            [{"name": "after.png", "mimeType": "image/png", "buffer": photo("after.png", size=(40, 30)).read()}],
        )

    take_action(page, case, "feedback", fill=feedback)
    assert state_of(case) == CaseState.TO_CHECK

    # 6 核查结案: the officer checks on site, the duty chief closes.
    as_user(page, staff.officer, case_page)
    take_action(page, case, "check_pass")
    as_user(page, staff.chief, case_page)
    take_action(page, case, "close")
    assert state_of(case) == CaseState.CLOSED

    # 7 综合评价: the resident finds it closed, sees the result and rates it.
    page.context.clear_cookies()
    page.goto("/track/")
    page.fill("#id_number", number)
    page.fill("#id_reporter_phone", RESIDENT_PHONE)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page.locator("#case-status")).to_have_text("已办结")
    timeline = page.locator("#public-timeline")
    for step in (
        "投诉已提交",
        "网格员已到现场核实",
        "已立案",
        "已派遣至处置单位",
        "处置单位已接收",
        "处置单位已反馈处理结果",
        "网格员复核通过",
        "已办结",
    ):
        expect(timeline).to_contain_text(step)
    expect(page.locator("main")).not_to_contain_text("已清运垃圾并冲洗地面")  # staff notes stay inside
    result_photo = page.locator(".result-photos img")
    expect(result_photo).to_have_count(1)
    assert result_photo.evaluate("img => img.complete && img.naturalWidth") == 40
    screenshots(page, "public-case", show=lambda page: page.goto(f"/track/{number}/"))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.check("input[name=score][value='5']")
    page.fill("#id_note", "处理很及时，谢谢")
    with page.expect_navigation():
        page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".messages")).to_contain_text("感谢您的评价")
    expect(page.locator("#rating-done")).to_contain_text("5 分")
    expect(page.locator("#case-status")).to_have_text("已办结")
    case.refresh_from_db()
    assert (case.satisfaction, case.satisfaction_comment) == (5, "处理很及时，谢谢")

    # The command centre sees it: filed and closed today, on time, rated 5.
    as_user(page, staff.supervisor, "/dashboard/")

    def dashboard(page):
        page.goto("/dashboard/")
        expect(page.locator("#dashboard-map-status")).to_contain_text("个网格有在办案件")
        expect(page.locator("#chart-flow svg")).to_be_attached()

    dashboard(page)
    today = page.locator('.kpi-card[data-period="today"]')
    expect(today.locator('[data-kpi="filed"]')).to_have_text("1")
    expect(today.locator('[data-kpi="closing_rate"]')).to_have_text("100.0%")
    expect(today.locator('[data-kpi="satisfaction_avg"]')).to_have_text("5.00")
    screenshots(page, "dashboard", show=dashboard)
