"""The staff case pages in a real browser: rework after a failed check, an extension
asked for and approved, an officer resolving a problem on the spot from a phone, form
errors that keep what was typed, and a case outside one's scope. Screenshots of the main
pages at phone and desktop widths go to test-artifacts/screenshots/."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, CaseKind, CaseSource, CaseState, Category, Unit
from cases.services import report
from grid.models import Grid
from tests.browser.conftest import PHONE, phone_at
from tests.cases.conftest import advance
from tests.factories import make_officer, make_user, photo, point_in

TEST_PASSWORD = "pw-for-tests-1"  # what tests.factories.make_user sets


def png_bytes(name):
    return {"name": name, "mimeType": "image/png", "buffer": photo(name).read()}


@pytest.fixture
def people(committed_db):
    """Like the cases tests' world, made after the baseline is back in the database."""
    grids = list(Grid.objects.order_by("code"))
    home, away = grids[0], grids[-1]
    unit = Unit.objects.order_by("name").first()
    handler = make_user(Role.UNIT_HANDLER)
    unit.members.add(handler)
    return SimpleNamespace(
        home=home,
        away=away,
        officer=make_officer(home),
        away_officer=make_officer(away),
        resident=make_user(Role.RESIDENT, phone="13900000001"),
        chief=make_user(Role.DUTY_CHIEF),
        dispatcher=make_user(Role.DISPATCHER),
        unit=unit,
        handler=handler,
        garbage=Category.objects.get(kind=CaseKind.EVENT, major_code="01", minor_code="02"),
    )


def resident_case(people, description="小区门口垃圾堆积"):
    lon, lat = point_in(people.home)
    return report(
        actor=people.resident,
        source=CaseSource.RESIDENT,
        category=people.garbage,
        lon=lon,
        lat=lat,
        description=description,
        address="创新路 8 号",
        photos=[photo()],
    )


def switch_user(page, log_in, user):
    page.context.clear_cookies()
    log_in(page, user.username, TEST_PASSWORD)


def open_case(page, case):
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#case-map")).to_have_attribute("data-ready", "true")


def state_label(page):
    return page.locator(".case-status .state")


def test_a_failed_check_sends_the_case_back_to_the_unit(page, people, log_in, screenshots):
    case = advance(resident_case(people), people, "feedback")
    resident_case(people, "另一处垃圾")  # something else in the queues

    switch_user(page, log_in, people.officer)
    open_case(page, case)
    page.fill("#id_check_fail_note", "垃圾仍未清理干净")
    with page.expect_navigation():
        page.click("button[data-action=check_fail]")
    expect(page.locator(".messages")).to_contain_text(f"已核查不通过（返工）：案件 {case.number}")
    expect(state_label(page)).to_have_text("处理中")

    switch_user(page, log_in, people.handler)
    page.goto("/cases/queues/")
    row = page.locator(f'tr[data-case-number="{case.number}"]')
    expect(row.locator(".countdown")).to_be_visible()
    screenshots(page, "case-queues", show=lambda page: page.goto("/cases/queues/"))
    with page.expect_navigation():
        row.get_by_role("link", name=case.number).click()
    expect(page.locator('.timeline-item[data-event="check_fail"]')).to_contain_text("垃圾仍未清理干净")
    expect(page.locator("button[data-action=feedback]")).to_be_visible()
    expect(page.locator(".case-status")).to_contain_text("返工 1 次")
    screenshots(page, "case-detail", show=lambda page: open_case(page, case))
    assert Case.objects.get(pk=case.pk).rework_count == 1


def test_an_extension_asked_by_the_unit_and_approved_by_the_dispatcher(page, people, log_in, screenshots):
    case = advance(resident_case(people), people, "accept")
    due = case.handle_due_at

    switch_user(page, log_in, people.handler)
    open_case(page, case)
    # Forgetting the reason: the error shows next to the field, the hours stay.
    page.fill("#id_request_extension_hours", "4")
    with page.expect_navigation():
        page.click("button[data-action=request_extension]")
    expect(page.locator("#id_request_extension_note_error")).to_have_text("请说明延期理由")
    expect(page.locator("#id_request_extension_hours")).to_have_value("4")
    page.fill("#id_request_extension_note", "等待更换配件")
    with page.expect_navigation():
        page.click("button[data-action=request_extension]")
    expect(page.locator('.pending-request[data-request-kind="extension"]')).to_contain_text("等待更换配件")

    switch_user(page, log_in, people.dispatcher)
    page.goto("/cases/queues/approvals/")
    with page.expect_navigation():
        page.get_by_role("link", name=case.number).click()
    with page.expect_navigation():
        page.click("button[data-action=approve_extension]")
    expect(page.locator(".messages")).to_contain_text("已批准延期")
    expect(page.locator('.timeline-item[data-event="approve_extension"]')).to_be_visible()
    case.refresh_from_db()
    assert case.extension_count == 1 and case.handle_due_at > due

    def show_search(page):
        page.goto("/cases/search/")
        page.select_option("#id_state", CaseState.HANDLING.value)
        with page.expect_navigation():
            page.click("#search-submit")

    show_search(page)
    expect(page.locator(f'tr[data-case-number="{case.number}"]')).to_be_visible()
    screenshots(page, "case-search", show=show_search)


@pytest.fixture
def phone(new_page, people):
    """A phone in the officer's grid: 390 px wide, touch, location allowed."""
    return new_page(**phone_at(*point_in(people.home), accuracy=8))


def test_an_officer_resolves_a_problem_on_the_spot_from_a_phone(phone, people, log_in, screenshots):
    page = phone
    log_in(page, people.officer.username, TEST_PASSWORD)
    screenshots(page, "officer-home", show=_show_officer_home)
    page.set_viewport_size(PHONE)

    page.goto("/cases/officer/")
    with page.expect_navigation():
        page.click("#report-button")
    expect(page.locator("#locate-status")).to_contain_text("已定位")
    lon, lat = point_in(people.home)
    assert abs(float(page.input_value("#id_lon")) - lon) < 1e-5
    assert abs(float(page.input_value("#id_lat")) - lat) < 1e-5

    expect(page.locator("#resolve-fieldset")).to_be_hidden()
    page.fill("#category-filter", "暴露垃圾")
    expect(page.locator("#id_category")).to_have_value(str(people.garbage.pk))
    expect(page.locator("#resolve-fieldset")).to_be_visible()
    page.fill("#id_description", "人行道上有一袋垃圾")
    page.set_input_files("#id_photos", [png_bytes("before.png")])
    page.check("#id_resolve_on_spot")
    page.set_input_files("#id_after_photos", [png_bytes("after.png")])
    submit = page.locator("#report-submit")
    box = submit.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a big target for a thumb
    with page.expect_navigation():
        submit.click()

    expect(page.locator(".messages")).to_contain_text("已现场处置并结案")
    expect(state_label(page)).to_have_text("已结案")
    case = Case.objects.get(description="人行道上有一袋垃圾")
    assert (case.state, case.resolved_on_spot, case.grid_id) == (CaseState.CLOSED, True, people.home.pk)
    assert case.photos.count() == 2


def _show_officer_home(page):
    page.goto("/cases/officer/")
    expect(page.locator("#case-map")).to_have_attribute("data-ready", "true")


def test_report_errors_keep_what_the_officer_typed(phone, people, log_in):
    page = phone
    log_in(page, people.officer.username, TEST_PASSWORD)
    page.goto("/cases/report/")
    expect(page.locator("#locate-status")).to_contain_text("已定位")
    page.fill("#id_description", "井盖松动")
    page.fill("#id_address", "科技路口")
    with page.expect_navigation():
        page.click("#report-submit")
    expect(page.locator("#id_category_error")).to_have_text("请选择有效的案件类别")
    expect(page.locator("#id_description")).to_have_value("井盖松动")
    expect(page.locator("#id_address")).to_have_value("科技路口")
    assert not Case.objects.filter(description="井盖松动").exists()


def test_a_case_outside_ones_grids_cannot_be_opened_by_its_address(page, people, log_in):
    case = resident_case(people)
    switch_user(page, log_in, people.away_officer)
    response = page.goto(f"/cases/{case.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(case.description)


def test_on_a_phone_the_search_shows_results_before_the_rarer_filters(phone, people, log_in):
    page = phone
    log_in(page, people.officer.username, TEST_PASSWORD)
    page.goto("/cases/search/")
    expect(page.locator("#id_state")).to_be_visible()
    expect(page.locator("#id_category")).to_be_hidden()
    page.click("#more-filters > summary")
    expect(page.locator("#id_category")).to_be_visible()
    page.goto("/cases/search/?overdue=on")  # a folded filter in use: shown open
    expect(page.locator("#id_overdue")).to_be_visible()
    expect(page.locator("#id_overdue")).to_be_checked()
