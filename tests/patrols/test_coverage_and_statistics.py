"""Coverage against each grid's required frequency, and statistics for any period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from grid.models import Grid
from mediation.models import Committee, Dispute, DisputeState, Outcome
from mediation.services import register
from patrols.models import GridPatrolRequirement
from patrols.selectors import TrackFilter, coverage, local_day_bounds, statistics, tracks_geojson
from patrols.services import (
    check_in,
    check_out,
    end_patrol,
    escalate_hazard_to_case,
    inspect_place,
    log_work,
    record_hazard,
    record_points,
    record_visit,
    reinspect_hazard,
    start_patrol,
)
from tests.patrols.conftest import walk

DAY = timezone.localdate() - timedelta(days=3)


def at(hour, minute=0, day=DAY):
    start, _end = local_day_bounds(day)
    return start + timedelta(hours=hour, minutes=minute)


def patrol_in(officer, lon, lat, *, start, minutes=20, step_m=10):
    """A shift with one patrol walking north from (lon, lat), one point a minute."""
    check_in(officer, lon=lon, lat=lat, at=start - timedelta(minutes=5))
    patrol = start_patrol(officer, at=start)
    record_points(
        patrol, officer, walk(lon, lat, start + timedelta(seconds=30), count=minutes, step_m=step_m, every_s=60)
    )
    end_patrol(patrol, officer, at=start + timedelta(minutes=minutes))
    check_out(officer, lon=lon, lat=lat, at=start + timedelta(minutes=minutes + 1))
    patrol.refresh_from_db()
    return patrol


def by_code(rows):
    return {row.code: row for row in rows}


def test_a_grid_twice_a_day_is_partial_after_one_patrol_and_covered_after_two(beat):
    GridPatrolRequirement.objects.create(grid=beat.home, visits_per_day=2)
    patrol_in(beat.officer, *beat.start, start=at(9))
    rows = by_code(coverage(DAY))
    home = rows[beat.home.code]
    assert (home.required_per_day, home.visits, home.status) == (2, 1, "partial")
    assert home.officers == [beat.officer.display_name]
    assert home.short_days == [DAY]

    patrol_in(beat.officer, *beat.start, start=at(15))
    home = by_code(coverage(DAY))[beat.home.code]
    assert (home.visits, home.days_met, home.status, home.short_days) == (2, 1, "covered", [])


def test_grids_nobody_patrolled_are_missed_and_zero_requirements_are_not_asked(beat):
    GridPatrolRequirement.objects.create(grid=beat.neighbour, visits_per_day=0)
    patrol_in(beat.officer, *beat.start, start=at(9))
    rows = coverage(DAY)
    assert len(rows) == Grid.objects.count()
    statuses = {row.code: row.status for row in rows}
    assert statuses[beat.home.code] == "covered"  # the default: once a day
    assert statuses[beat.neighbour.code] == "not_required"
    assert list(statuses.values()).count("missed") == len(rows) - 2


def test_a_week_counts_each_day_against_the_requirement(beat):
    first = DAY - timedelta(days=6)
    for day in (first, first + timedelta(days=2), DAY):
        patrol_in(beat.officer, *beat.start, start=at(10, day=day))
    home = by_code(coverage(first, DAY))[beat.home.code]
    assert (home.days, home.visits, home.days_met, home.status) == (7, 3, 3, "partial")
    assert len(home.short_days) == 4 and first + timedelta(days=1) in home.short_days


def test_a_patrol_across_midnight_counts_on_both_days(beat):
    patrol_in(beat.officer, *beat.start, start=at(23, 50), minutes=20)
    two_days = by_code(coverage(DAY, DAY + timedelta(days=1)))[beat.home.code]
    assert (two_days.visits, two_days.days_met) == (2, 2)


def test_coverage_is_one_query_for_any_number_of_grids_and_days(beat, django_assert_num_queries):
    patrol_in(beat.officer, *beat.start, start=at(9))
    with django_assert_num_queries(1):
        coverage(DAY - timedelta(days=6), DAY)


def test_statistics_per_officer_grid_and_community(beat):
    patrol = patrol_in(beat.officer, *beat.start, start=at(9), minutes=21, step_m=50)  # 1 km
    ok = {item["key"]: "ok" for item in beat.shop.place_type.checklist}
    inspection = inspect_place(beat.shop, beat.officer, answers=ok, at=at(9, 10))
    inspect_place(beat.shop, beat.officer, answers=ok, at=at(11))
    found = record_hazard(beat.officer, description="电线私拉", inspection=inspection, at=at(9, 12))
    reinspect_hazard(found, beat.officer, rectified=True, at=at(16))
    overdue = record_hazard(beat.officer, description="消防通道堵塞", inspection=inspection, at=at(9, 14))
    escalate_hazard_to_case(overdue, beat.officer, at=at(9, 14) + timedelta(days=8))  # after the period
    record_visit(beat.officer, address="1 栋", summary="走访", at=at(10))
    log_work(beat.officer, kind="dispute", content="停车纠纷", at=at(12))
    log_work(beat.officer, kind="dispute", content="漏水纠纷，已调解", dispute_resolved=True, at=at(13))
    log_work(beat.officer, kind="publicity", content="宣传", at=at(14))
    # the other officer works in the neighbour grid the same day
    centre = beat.neighbour.boundary.point_on_surface
    patrol_in(beat.other_officer, centre.x, centre.y, start=at(10))

    start, end = local_day_bounds(DAY)
    officers, total = statistics(start, end, by="officer")
    mine = next(row for row in officers if row.key == beat.officer.pk)
    assert (mine.patrols, mine.inspections, mine.places_inspected) == (1, 2, 1)
    assert mine.km == pytest.approx(patrol.distance_m / 1000, abs=0.01) and mine.km == pytest.approx(1.0, rel=0.02)
    assert (mine.hazards_found, mine.hazards_rectified, mine.hazards_escalated) == (2, 1, 0)
    assert (mine.disputes, mine.disputes_resolved, mine.visits) == (2, 1, 1)
    assert total.patrols == 2 and total.inspections == 2

    grids = by_code(statistics(start, end, by="grid")[0])
    assert len(grids) == Grid.objects.count()
    assert grids[beat.home.code].inspections == 2 and grids[beat.neighbour.code].inspections == 0
    assert grids[beat.neighbour.code].patrols >= 1

    communities = by_code(statistics(start, end, by="community")[0])
    assert communities[beat.home.community.code].hazards_found == 2
    assert sum(row.km for row in communities.values()) == pytest.approx(total.km, abs=0.02)

    # The next week: the escalation and nothing else.
    later_start, later_end = local_day_bounds(DAY + timedelta(days=7), DAY + timedelta(days=9))
    later = statistics(later_start, later_end)[1]
    assert (later.hazards_escalated, later.inspections, later.patrols) == (1, 0, 0)


def test_disputes_reported_to_mediation_count_for_the_officer_and_the_grid(beat):
    """Disputes an officer reports to people's mediation are disputes reported too;
    one counts as resolved in the period its mediation ends in an agreement."""
    Committee.objects.create(name="测试调委会", kind=Committee.Kind.COMMUNITY, community=beat.home.community)
    parties = [
        {"side": "applicant", "name": "陈居民", "phone": "13900000001"},
        {"side": "respondent", "name": "李邻居", "phone": "13800005678"},
    ]
    reported = [
        register(
            actor=beat.officer,
            source="grid_officer",
            grid=beat.home,
            dispute_type="neighbour",
            summary=summary,
            parties=[dict(p) for p in parties],
            contact_phone="13900000001",
            at=at(11),
        )
        for summary in ("楼上漏水", "噪音扰民")
    ]
    # the first ends in an agreement two days later (set directly: mediation's own steps are its tests')
    Dispute.objects.filter(pk=reported[0].pk).update(
        state=DisputeState.AGREED_WRITTEN,
        outcome=Outcome.AGREED_WRITTEN,
        concluded_at=at(15, day=DAY + timedelta(days=2)),
    )
    log_work(beat.officer, kind="dispute", content="停车纠纷，已调解", dispute_resolved=True, at=at(12))

    start, end = local_day_bounds(DAY)
    mine = next(row for row in statistics(start, end)[0] if row.key == beat.officer.pk)
    assert (mine.disputes, mine.disputes_resolved) == (3, 1)
    grid = next(row for row in statistics(start, end, by="grid")[0] if row.code == beat.home.code)
    assert (grid.disputes, grid.disputes_resolved) == (3, 1)

    week_start, week_end = local_day_bounds(DAY, DAY + timedelta(days=6))
    week = statistics(week_start, week_end, officer_id=beat.officer.pk)[1]
    assert (week.disputes, week.disputes_resolved) == (3, 2)


def test_statistics_is_one_query(beat, django_assert_num_queries):
    start, end = local_day_bounds(DAY)
    for by in ("officer", "grid", "community"):
        with django_assert_num_queries(1):
            statistics(start, end, by=by)


def test_the_day_map_shows_each_patrol_simplified_and_filters(beat):
    first = patrol_in(beat.officer, *beat.start, start=at(9), minutes=30, step_m=10)
    centre = beat.neighbour.boundary.point_on_surface
    patrol_in(beat.other_officer, centre.x, centre.y, start=at(10))
    start, end = local_day_bounds(DAY)

    import json

    every = json.loads(tracks_geojson(TrackFilter(start, end)))
    assert [f["properties"]["officer"] for f in every["features"]] == [
        beat.officer.username,
        beat.other_officer.username,
    ]
    straight = every["features"][0]
    # a straight walk north: simplified down to its two ends
    assert straight["geometry"]["type"] == "LineString" and len(straight["geometry"]["coordinates"]) == 2
    assert straight["properties"]["distance_m"] == round(first.distance_m)
    assert beat.home.code in straight["properties"]["grids"]

    mine = json.loads(tracks_geojson(TrackFilter(start, end, officer=beat.officer.username)))
    assert [f["id"] for f in mine["features"]] == [first.pk]
    through_home = json.loads(tracks_geojson(TrackFilter(start, end, grid=beat.home.code)))
    assert first.pk in [f["id"] for f in through_home["features"]]
    next_day = json.loads(tracks_geojson(TrackFilter(end, end + timedelta(days=1))))
    assert next_day == {"type": "FeatureCollection", "features": []}
