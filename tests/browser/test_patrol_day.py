"""An officer's patrol in a real browser with a mocked position: check in, start a patrol,
walk, inspect a place, record a hazard, end the patrol; then a supervisor sees the track
on the day's map and the grid as covered."""

import re

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from accounts.roles import Role
from grid.models import Grid
from patrols.models import Hazard, Inspection, Patrol, Place, PlaceType, TrackPoint
from tests.browser.conftest import PHONE
from tests.factories import make_officer, make_user
from tests.patrols.conftest import ensure_place_types, offset

TEST_PASSWORD = "pw-for-tests-1"  # what tests.factories.make_user sets
STEPS = 6


@pytest.fixture
def beat(committed_db, settings):
    # The test walks in seconds what an officer walks in minutes: no jump is impossible here.
    settings.PATROL_MAX_SPEED_MPS = 10_000
    ensure_place_types()
    grid = Grid.objects.select_related("community").order_by("code")[60]
    centre = grid.boundary.point_on_surface
    place = Place.objects.create(
        name="好又多便利店",
        place_type=PlaceType.objects.get(code="shop"),
        grid=grid,
        address="港湾大道 1 号",
        location=Point(centre.x, centre.y, srid=4326),
    )
    return grid, make_officer(grid), make_user(Role.SUPERVISOR), place, (centre.x, centre.y)


def _at(page, lon, lat):
    page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 6})


def test_an_officers_patrol_is_seen_by_the_supervisor(new_page, beat, log_in, screenshots):
    grid, officer, supervisor, place, (lon, lat) = beat
    page = new_page(PHONE, geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    log_in(page, officer.username, TEST_PASSWORD)

    page.goto("/patrols/")
    with page.expect_navigation():
        page.click("#check-in")
    expect(page.locator("#duty-state")).to_contain_text("已签到")
    with page.expect_navigation():
        page.click("#start-patrol")
    recorded = page.locator("#recorder-status")
    # The page records where the phone is as soon as it opens, then every move.
    expect(recorded).to_have_text(re.compile(r"^正在记录轨迹 · 1$"))

    def walk(first_step, steps):
        for n, step in enumerate(range(first_step, first_step + steps), start=2):
            _at(page, *offset(lon, lat, east_m=15 * step, north_m=20 * step))  # 25 m a step
            expect(recorded).to_have_text(re.compile(rf"· {n}$"))

    walk(1, STEPS)
    expect(page.locator(".own-track")).to_be_visible()
    screenshots(page, "patrol-recording", show=lambda p: p.wait_for_timeout(50))

    # Inspect the shop on the way: one item fails, which leads straight to the hazard form.
    page.click("#inspect-link")
    page.click(f"text={place.name}")
    for item in place.place_type.checklist:
        answer = "problem" if item["key"] == "exits" else "ok"
        page.check(f"input[name=item_{item['key']}][value={answer}]")
    with page.expect_navigation():
        page.click("#save-inspection")
    expect(page.locator("#id_description")).to_have_value(re.compile("安全出口"))
    page.fill("#id_description", "后门安全出口堆放纸箱")
    with page.expect_navigation():
        page.click("#save-hazard")
    expect(page.locator(".messages")).to_contain_text("隐患已记录")

    # Back on the patrol page (the form returns there): walk on and end the patrol.
    patrol = Patrol.objects.get(officer=officer)
    assert page.url.endswith(f"/patrols/{patrol.pk}/")
    expect(recorded).to_have_text(re.compile(r"· 1$"))
    walk(STEPS + 1, 3)
    with page.expect_navigation():
        page.click("#end-patrol")
    expect(page.locator(".messages")).to_contain_text("巡查已结束")
    page.close()  # the officer's phone is put away

    patrol.refresh_from_db()
    assert patrol.ended_at is not None and grid in patrol.grids.all()
    assert TrackPoint.objects.filter(patrol=patrol).count() >= STEPS + 3
    assert patrol.distance_m == pytest.approx(25 * (STEPS + 3), rel=0.05)
    inspection = Inspection.objects.get(place=place)
    assert inspection.patrol == patrol and inspection.result == "problems"
    assert Hazard.objects.get(inspection=inspection).patrol == patrol

    page = new_page()
    log_in(page, supervisor.username, TEST_PASSWORD)

    def tracks(p):
        p.goto("/patrols/supervise/")
        expect(p.locator("#tracks-status")).to_have_text("地图上共 1 条轨迹")

    tracks(page)
    expect(page.locator(f'path.patrol-track[data-patrol-id="{patrol.pk}"]')).to_be_visible()
    expect(page.locator(f'tr[data-patrol-id="{patrol.pk}"]')).to_contain_text(officer.display_name)
    screenshots(page, "patrol-tracks", show=tracks)

    def coverage(p):
        p.goto("/patrols/supervise/coverage/")
        expect(p.locator("#coverage-status")).to_contain_text("已加载")

    coverage(page)
    expect(page.locator(f'path.coverage-covered[data-grid-code="{grid.code}"]')).to_be_visible()
    expect(page.locator(f'tr[data-grid-code="{grid.code}"]')).to_have_attribute("data-status", "covered")
    expect(page.locator(f'tr[data-grid-code="{grid.code}"]')).to_contain_text(officer.display_name)
    screenshots(page, "patrol-coverage", show=coverage)
