"""The grid map in a real browser, offline: every grid drawn, hover, popups, screenshots."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from grid.models import Grid
from tests.factories import make_officer, make_user

GRID_COUNT = 136
TEST_PASSWORD = "pw-for-tests-1"  # what tests.factories.make_user sets

# A point on screen where the grid's path is the topmost element (not under a map control
# or a neighbour's border), found by sampling its bounding box; null when there is none.
_POINT_ON_GRID_JS = """
(code) => {
  const path = document.querySelector(`path.grid-polygon[data-grid-code="${code}"]`);
  const box = path.getBoundingClientRect();
  const fractions = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8];
  for (const fx of fractions) {
    for (const fy of fractions) {
      const x = box.x + box.width * fx, y = box.y + box.height * fy;
      if (document.elementFromPoint(x, y) === path) return { x, y };
    }
  }
  return null;
}
"""


def open_map(page):
    page.goto("/grids/map/")
    expect(page.locator("#grid-map-status")).to_have_text(f"地图上共 {GRID_COUNT} 个网格")


def point_on(page, grid):
    point = page.evaluate(_POINT_ON_GRID_JS, grid.code)
    assert point, f"no visible point of grid {grid.code}"
    return point["x"], point["y"]


def grid_path(page, grid):
    return page.locator(f'path.grid-polygon[data-grid-code="{grid.code}"]')


def test_map_draws_every_grid_with_the_tiles_offline(page, screenshots):
    open_map(page)
    expect(page.locator("path.grid-polygon")).to_have_count(GRID_COUNT)
    expect(page.get_by_role("region", name="网格边界地图")).to_be_visible()
    expect(page.locator(".legend-list li")).to_have_count(17)
    screenshots(page, "grid-map", show=open_map)


@pytest.fixture
def grid(committed_db):
    """A grid well inside the district."""
    return Grid.objects.select_related("community").order_by("code")[60]


def test_hovering_a_grid_highlights_it_alone(page, grid):
    highlighted = re.compile(r"\bis-highlighted\b")
    other = Grid.objects.order_by("code")[61]
    open_map(page)
    path = grid_path(page, grid)
    page.mouse.move(*point_on(page, grid))
    expect(path).to_have_class(highlighted)
    page.mouse.move(*point_on(page, other))
    expect(grid_path(page, other)).to_have_class(highlighted)
    expect(path).not_to_have_class(highlighted)
    page.mouse.move(1, 1)  # off the map
    expect(page.locator("path.grid-polygon.is-highlighted")).to_have_count(0)


def test_clicking_a_grid_shows_its_details_without_officers_to_the_public(page, grid):
    open_map(page)
    page.mouse.click(*point_on(page, grid))
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(grid.code)
    expect(popup).to_contain_text(grid.name)
    expect(popup).to_contain_text(grid.community.name)
    expect(popup).to_contain_text("平方公里")
    expect(popup).not_to_contain_text("网格员")


def test_staff_see_the_grid_officer_in_the_popup(page, grid, log_in, screenshots):
    officer = make_officer(grid)
    officer.first_name = "林巡查"
    officer.save()
    dispatcher = make_user(Role.DISPATCHER)
    log_in(page, dispatcher.username, TEST_PASSWORD)

    def show_popup(page):
        open_map(page)
        page.mouse.click(*point_on(page, grid))
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text(grid.code)
        expect(popup).to_contain_text("网格员")
        expect(popup).to_contain_text("林巡查")
        page.wait_for_timeout(500)  # the map pans the popup into view in a 0.25 s animation

    screenshots(page, "grid-map-popup", show=show_popup)
