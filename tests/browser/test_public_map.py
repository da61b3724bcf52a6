"""The public map of recent cases in a real browser: coarse dots by status, a legend with
the totals, popups without personal data."""

import pytest
from playwright.sync_api import expect

from cases.models import CaseKind, CaseSource, Category
from cases.services import report
from grid.models import Grid
from tests.factories import point_in


@pytest.fixture
def recent_cases(committed_db):
    garbage = Category.objects.get(kind=CaseKind.EVENT, major_code="01", minor_code="02")
    grids = list(Grid.objects.order_by("code")[20:23])
    for index, grid in enumerate(grids * 2):
        lon, lat = point_in(grid)
        report(
            actor=None,
            source=CaseSource.RESIDENT,
            category=garbage,
            lon=lon,
            lat=lat,
            description=f"第 {index} 件",
            reporter_phone="13900009999",
            reporter_name="隐私姓名",
        )
    return grids


def open_map(page):
    page.goto("/map/")
    expect(page.locator("#public-map-status")).to_have_text("近 30 天共 6 件投诉和上报")


def test_recent_cases_show_as_coarse_dots_without_personal_data(page, recent_cases, screenshots):
    open_map(page)
    dots = page.locator("path.case-dot")
    expect(dots).to_have_count(3)  # two cases in each of three places
    expect(page.locator("#legend-open")).to_have_text("6 件")
    dots.first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("暴露垃圾")
    expect(popup).to_contain_text("办理中 · 2 件")
    assert "隐私姓名" not in page.content() and "13900009999" not in page.content()
    screenshots(page, "public-map", show=open_map)
