"""A resident complains from a phone in a real browser: the phone's location, the category
filter, an error that keeps everything typed, then the tracking number and the grid."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseKind, CaseState, Category
from grid.models import Grid
from tests.browser.conftest import PHONE, phone_at
from tests.factories import point_in


@pytest.fixture
def grid(committed_db):
    return Grid.objects.select_related("community").order_by("code")[60]


@pytest.fixture
def resident_phone(new_page, grid, settings):
    """A resident's phone standing in `grid`: 390 px wide, touch, location allowed."""
    settings.PUBLIC_FORM_MIN_SECONDS = 0  # people are not that fast, but tests are
    return new_page(**phone_at(*point_in(grid), accuracy=10))


def open_form(page):
    page.goto("/report/")
    # The grid outlines are drawn once the map is up.
    expect(page.locator("#report-map .leaflet-overlay-pane path").first).to_be_attached()


def test_a_resident_reports_from_a_phone_and_gets_a_tracking_number(resident_phone, grid, screenshots):
    page = resident_phone
    garbage = Category.objects.get(kind=CaseKind.EVENT, major_code="01", minor_code="02")
    open_form(page)

    # The category: typing part of its name narrows the list; one match is chosen.
    page.fill("#category-filter", "垃圾")
    expect(page.locator("#category-filter-status")).to_contain_text("找到")
    assert page.locator("#id_category option[value]:not([value=''])").count() < Category.objects.count()
    page.fill("#category-filter", "暴露")
    expect(page.locator("#id_category")).to_have_value(str(garbage.pk))

    # The place: the phone's location button.
    page.click("#locate-me")
    expect(page.locator("#location-status")).to_contain_text("已定位")
    lon, lat = point_in(grid)
    assert abs(float(page.input_value("input[name=location_lon]")) - lon) < 1e-5
    assert abs(float(page.input_value("input[name=location_lat]")) - lat) < 1e-5
    expect(page.locator(".report-marker")).to_be_visible()

    page.fill("#id_description", "公交站旁的垃圾桶满了，垃圾散落一地")
    page.fill("#id_address", "公交站东侧")
    page.fill("#id_reporter_phone", "1390000")  # one digit short of a phone number... and more
    page.fill("#id_reporter_name", "陈女士")
    submit = page.get_by_role("button", name="提交投诉")
    box = submit.bounding_box()
    assert box["height"] >= 44
    with page.expect_navigation():
        submit.click()

    # The error is next to the phone field and nothing typed or chosen is lost.
    expect(page.locator("#id_reporter_phone-error")).to_contain_text("请输入11位手机号")
    expect(page.locator("#id_description")).to_have_value("公交站旁的垃圾桶满了，垃圾散落一地")
    expect(page.locator("#id_address")).to_have_value("公交站东侧")
    expect(page.locator("#id_reporter_name")).to_have_value("陈女士")
    expect(page.locator("#id_category")).to_have_value(str(garbage.pk))
    assert abs(float(page.input_value("input[name=location_lon]")) - lon) < 1e-5
    expect(page.locator(".report-marker")).to_be_visible()  # the marker is back where it was
    expect(page.locator("#location-status")).to_contain_text("已选择位置")
    assert not Case.objects.exists()

    page.fill("#id_reporter_phone", "139 0000 1234")
    with page.expect_navigation():
        page.get_by_role("button", name="提交投诉").click()

    case = Case.objects.get()
    assert (case.state, case.grid_id, case.reporter_phone) == (CaseState.TO_VERIFY, grid.pk, "13900001234")
    expect(page.locator("#tracking-number")).to_have_text(case.number)
    expect(page.locator("#case-grid")).to_have_text(grid.name)
    expect(page.locator("#case-community")).to_have_text(grid.community.name)
    result_url = page.url
    screenshots(page, "public-result", show=lambda page: page.goto(result_url))

    page.set_viewport_size(PHONE)
    with page.expect_navigation():
        page.get_by_role("link", name="查看办理进度").click()
    expect(page.locator("#case-status")).to_have_text("受理中")
    expect(page.locator("#public-timeline")).to_contain_text("投诉已提交")


def test_a_point_outside_the_district_is_refused_next_to_the_map(resident_phone):
    page = resident_phone
    page.context.set_geolocation({"latitude": 22.70, "longitude": 114.30})
    open_form(page)
    page.click("#locate-me")
    expect(page.locator("#location-status")).to_contain_text("已定位")
    page.select_option("#id_category", label="暴露垃圾")
    page.fill("#id_description", "垃圾")
    page.fill("#id_reporter_phone", "13900001235")
    with page.expect_navigation():
        page.get_by_role("button", name="提交投诉").click()
    expect(page.locator("#location-error")).to_contain_text("不在辖区内")
    expect(page.locator("#id_description")).to_have_value("垃圾")
    assert float(page.input_value("input[name=location_lon]")) == pytest.approx(114.30)
    assert not Case.objects.exists()


def test_screenshots_of_the_public_pages(page, grid, screenshots):
    def landing(page):
        page.goto("/")
        expect(page.get_by_role("link", name="我要投诉").first).to_be_visible()

    def report_form(page):
        open_form(page)
        page.fill("#category-filter", "垃圾")
        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator(".report-marker")).to_be_visible()

    def track(page):
        page.goto("/track/")
        expect(page.get_by_role("button", name="查询")).to_be_visible()

    screenshots(page, "public-landing", show=landing)
    screenshots(page, "public-report", show=report_form)
    screenshots(page, "public-track", show=track)
