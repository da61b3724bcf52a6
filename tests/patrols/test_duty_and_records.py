"""Check-in and check-out, patrols' start and end, inspections, visits and the work log."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.errors import ActionNotAllowed
from patrols.models import InspectionResult, Patrol, Visit, WorkLogEntry
from patrols.services import (
    check_in,
    check_out,
    end_patrol,
    inspect_place,
    log_work,
    record_visit,
    start_patrol,
)
from tests.factories import photo
from tests.patrols.conftest import offset


def all_ok(place):
    return {item["key"]: "ok" for item in place.place_type.checklist}


def test_check_in_records_where_and_when_and_check_out_closes_the_shift(beat):
    at = timezone.now() - timedelta(hours=2)
    shift = check_in(beat.officer, lon=beat.start[0], lat=beat.start[1], at=at)
    assert shift.checked_in_at == at and shift.check_in_grid == beat.home
    assert shift.check_in_location.x == pytest.approx(beat.start[0])

    done = check_out(beat.officer, lon=beat.start[0], lat=beat.start[1])
    assert done.pk == shift.pk and done.checked_out_at > at and done.check_out_grid == beat.home


def test_checking_in_twice_or_out_without_a_shift_is_a_conflict(beat):
    with pytest.raises(ActionNotAllowed):
        check_out(beat.officer, lon=beat.start[0], lat=beat.start[1])
    check_in(beat.officer, lon=beat.start[0], lat=beat.start[1])
    with pytest.raises(ActionNotAllowed):
        check_in(beat.officer, lon=beat.start[0], lat=beat.start[1])


def test_check_in_outside_the_district_or_by_a_non_officer_is_refused(beat):
    with pytest.raises(ValidationError) as error:
        check_in(beat.officer, lon=114.2, lat=22.3)
    assert "location" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        check_in(beat.supervisor, lon=beat.start[0], lat=beat.start[1])


def test_a_patrol_needs_a_shift_runs_once_at_a_time_and_ends_at_check_out(beat):
    with pytest.raises(ActionNotAllowed):
        start_patrol(beat.officer)
    check_in(beat.officer, lon=beat.start[0], lat=beat.start[1])
    patrol = start_patrol(beat.officer)
    with pytest.raises(ActionNotAllowed):
        start_patrol(beat.officer)

    check_out(beat.officer, lon=beat.start[0], lat=beat.start[1])

    patrol.refresh_from_db()
    assert patrol.ended_at is not None and patrol.duration >= timedelta(0)


def test_only_the_officer_ends_a_patrol_and_only_once(beat, patrol):
    with pytest.raises(PermissionDenied):
        end_patrol(patrol, beat.other_officer)
    ended = end_patrol(patrol, beat.officer, at=patrol.started_at + timedelta(minutes=45))
    assert ended.duration == timedelta(minutes=45)
    with pytest.raises(ActionNotAllowed):
        end_patrol(patrol, beat.officer)
    assert Patrol.objects.get(pk=patrol.pk).ended_at == ended.ended_at


def test_an_inspection_answers_every_checklist_item(beat, patrol):
    answers = all_ok(beat.shop)
    answers["exits"] = "problem"
    inspection = inspect_place(
        beat.shop, beat.officer, answers=answers, note="后门堆放杂物", photos=[photo()], patrol=patrol
    )
    assert inspection.result == InspectionResult.PROBLEMS
    assert inspection.grid == beat.home and inspection.patrol == patrol
    assert inspection.photos.count() == 1

    passed = inspect_place(beat.shop, beat.officer, answers=all_ok(beat.shop))
    assert passed.result == InspectionResult.PASSED
    closed = inspect_place(beat.shop, beat.officer, not_open=True)
    assert closed.result == InspectionResult.NOT_OPEN and closed.answers == {}


def test_an_incomplete_or_wrong_checklist_is_refused(beat):
    answers = all_ok(beat.shop)
    del answers["exits"]
    answers["wiring"] = "maybe"
    answers["sauna"] = "ok"
    with pytest.raises(ValidationError) as error:
        inspect_place(beat.shop, beat.officer, answers=answers)
    text = " ".join(error.value.message_dict["answers"])
    assert "安全出口" in text and "sauna" in text and "wiring" in text


def test_officers_inspect_places_of_their_own_grids_only(beat):
    with pytest.raises(PermissionDenied):
        inspect_place(beat.shop, beat.other_officer, answers=all_ok(beat.shop))


def test_an_inspection_cannot_claim_someone_elses_patrol(beat):
    centre = beat.neighbour.boundary.point_on_surface
    check_in(beat.other_officer, lon=centre.x, lat=centre.y)
    theirs = start_patrol(beat.other_officer)
    with pytest.raises(ValidationError) as error:
        inspect_place(beat.shop, beat.officer, answers=all_ok(beat.shop), patrol=theirs)
    assert set(error.value.message_dict) == {"patrol"}


def test_a_visit_counts_in_the_grid_of_its_position_or_the_officers_own(beat):
    here = offset(*beat.start, north_m=5)
    visit = record_visit(
        beat.officer, address="港湾大道 3 号 2 栋 301", summary="独居老人，身体良好", lon=here[0], lat=here[1]
    )
    assert visit.grid == beat.home and visit.kind == Visit.Kind.HOUSEHOLD
    earlier = timezone.now() - timedelta(hours=3)
    typed_later = record_visit(beat.officer, address="港湾大道 5 号", summary="宣传防诈骗", at=earlier)
    assert typed_later.grid == beat.home and typed_later.visited_at == earlier


def test_a_visit_needs_an_address_and_a_summary_and_no_future_time(beat):
    with pytest.raises(ValidationError) as error:
        record_visit(beat.officer, address=" ", summary="", at=timezone.now() + timedelta(days=1))
    assert set(error.value.message_dict) == {"address", "summary", "visited_at"}


def test_disputes_are_logged_and_only_disputes_are_resolved(beat):
    entry = log_work(beat.officer, kind="dispute", content="邻里噪音纠纷，已调解", dispute_resolved=True)
    assert entry.kind == WorkLogEntry.Kind.DISPUTE and entry.dispute_resolved
    with pytest.raises(ValidationError) as error:
        log_work(beat.officer, kind="publicity", content="垃圾分类宣传", dispute_resolved=True)
    assert "dispute_resolved" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        log_work(beat.resident, content="x")
