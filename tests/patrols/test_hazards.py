"""Hazards: a rectification deadline on the deadline engine, re-inspection, and a case
of the seven-step loop when a hazard is not rectified in time or is serious."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.errors import ActionNotAllowed
from cases.models import CaseSource, CaseState
from deadlines import services as engine
from deadlines.models import Deadline
from notifications.models import Notification
from patrols.models import HazardSource, HazardState, Severity
from patrols.services import (
    escalate_hazard_to_case,
    hazard_actions,
    inspect_place,
    record_hazard,
    reinspect_hazard,
)
from tests.factories import photo


def clock(hazard):
    return Deadline.objects.get(
        subject_type=ContentType.objects.get_for_model(hazard), subject_id=hazard.pk, closed_at__isnull=True
    )


@pytest.fixture
def hazard(beat, patrol):
    answers = {item["key"]: "ok" for item in beat.shop.place_type.checklist}
    answers["fire_equipment"] = "problem"
    inspection = inspect_place(beat.shop, beat.officer, answers=answers, patrol=patrol)
    return record_hazard(beat.officer, description="灭火器过期", inspection=inspection, photos=[photo()])


def test_a_hazard_from_an_inspection_is_at_its_place_with_the_types_deadline(beat, hazard):
    assert hazard.source == HazardSource.INSPECTION and hazard.place == beat.shop
    assert hazard.grid == beat.home and hazard.state == HazardState.OPEN
    assert hazard.location.coords == pytest.approx(beat.shop.location.coords)
    assert hazard.rectify_due == hazard.found_at + timedelta(days=beat.shop.place_type.rectify_days)
    assert hazard.category == beat.shop.place_type.case_category
    assert hazard.patrol_id is not None and hazard.photos.count() == 1
    due = clock(hazard)
    assert (due.stage, due.due_at) == ("rectify", hazard.rectify_due)


def test_a_hazard_found_on_patrol_is_where_the_officer_is(beat, patrol):
    lon, lat = beat.start
    hazard = record_hazard(beat.officer, description="井盖松动", lon=lon, lat=lat, patrol=patrol, rectify_days=2)
    assert hazard.source == HazardSource.PATROL and hazard.place is None
    assert hazard.rectify_due == hazard.found_at + timedelta(days=2)


def test_bad_hazard_input_names_every_field(beat):
    with pytest.raises(ValidationError) as error:
        record_hazard(beat.officer, description="", lon=114.2, lat=22.3, severity="deadly", rectify_days=0)
    assert set(error.value.message_dict) == {"description", "location", "severity", "rectify_days"}


def test_the_clock_warns_the_officers_then_the_community_then_the_supervisors(beat, hazard):
    secretary = beat.chief  # any account: the community's first responsible person
    beat.home.community.first_responsible_user = secretary
    beat.home.community.save()
    due = clock(hazard)

    assert engine.sweep(now=due.warn_at + timedelta(seconds=1)) == 1
    warned = set(Notification.objects.filter(title__startswith="【整改预警】").values_list("recipient", flat=True))
    assert warned == {beat.officer.pk}

    assert engine.sweep(now=due.due_at + timedelta(seconds=1)) == 1
    overdue = set(Notification.objects.filter(title__startswith="【整改超期】").values_list("recipient", flat=True))
    assert overdue == {beat.officer.pk, secretary.pk}

    assert engine.sweep(now=due.escalate_at + timedelta(seconds=1)) == 1
    escalated = set(Notification.objects.filter(title__startswith="【超期升级】").values_list("recipient", flat=True))
    assert escalated == {beat.officer.pk, secretary.pk, beat.supervisor.pk}
    assert Notification.objects.filter(link=f"/patrols/hazards/{hazard.pk}/").count() == 6
    hazard.refresh_from_db()
    assert hazard.state == HazardState.OPEN  # overdue hazards wait for a person's decision


def test_the_handler_costs_the_same_queries_for_3_or_30_crossings(beat, patrol):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lon, lat = beat.start

    def sweep_queries(count):
        hazards = [
            record_hazard(beat.officer, description=f"隐患 {n}", lon=lon, lat=lat, rectify_days=1) for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            assert engine.sweep(now=timezone.now() + timedelta(days=1, hours=1)) == 2 * count  # warning, overdue
        for hazard in hazards:  # stops their clocks before the next round
            reinspect_hazard(hazard, beat.officer, rectified=True)
        return len(queries)

    assert sweep_queries(3) == sweep_queries(30)


def test_a_rectified_hazard_stops_its_clock(beat, hazard):
    check = reinspect_hazard(hazard, beat.officer, rectified=True, note="已更换灭火器", photos=[photo()])
    hazard.refresh_from_db()
    assert hazard.state == HazardState.RECTIFIED and hazard.rectified_at == check.checked_at
    assert not Deadline.objects.filter(subject_id=hazard.pk, closed_at__isnull=True, stage="rectify").exists()
    assert engine.sweep(now=hazard.rectify_due + timedelta(days=3)) == 0
    with pytest.raises(ActionNotAllowed):
        reinspect_hazard(hazard, beat.officer, rectified=True)


def test_a_failed_re_inspection_needs_a_reason_and_keeps_the_hazard_open(beat, hazard):
    with pytest.raises(ValidationError) as error:
        reinspect_hazard(hazard, beat.officer, rectified=False)
    assert "note" in error.value.message_dict
    reinspect_hazard(hazard, beat.officer, rectified=False, note="店主未整改")
    hazard.refresh_from_db()
    assert hazard.state == HazardState.OPEN
    assert [action.action for action in hazard_actions(hazard, beat.officer)] == ["reinspect", "escalate"]


def test_a_hazard_in_time_cannot_become_a_case_yet(beat, hazard):
    assert [action.action for action in hazard_actions(hazard, beat.officer)] == ["reinspect"]
    with pytest.raises(ActionNotAllowed):
        escalate_hazard_to_case(hazard, beat.officer)


def test_an_overdue_hazard_becomes_a_case_with_one_action(beat, hazard, django_capture_on_commit_callbacks):
    later = hazard.rectify_due + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        case = escalate_hazard_to_case(hazard, beat.officer, at=later)
    hazard.refresh_from_db()
    assert hazard.state == HazardState.ESCALATED and hazard.case == case
    assert hazard.escalated_by == beat.officer and hazard.escalated_at == later
    assert case.source == CaseSource.OFFICER and case.state == CaseState.TO_FILE  # an officer's report: verified
    assert case.grid == beat.home and case.category == hazard.category
    assert "灭火器过期" in case.description and case.address == beat.shop.address
    assert case.photos.count() == 1
    assert not Deadline.objects.filter(subject_id=hazard.pk, stage="rectify", closed_at__isnull=True).exists()
    with pytest.raises(ActionNotAllowed):
        escalate_hazard_to_case(hazard, beat.officer, at=later)


def test_a_supervisor_escalates_in_the_name_of_the_officer_who_found_it(beat, hazard):
    case = escalate_hazard_to_case(hazard, beat.supervisor, at=hazard.rectify_due + timedelta(days=1))
    assert case.reporter == beat.officer
    hazard.refresh_from_db()
    assert hazard.escalated_by == beat.supervisor


def test_others_may_not_re_inspect_or_escalate(beat, hazard):
    later = hazard.rectify_due + timedelta(days=1)
    for someone in (beat.other_officer, beat.resident):
        with pytest.raises(PermissionDenied):
            escalate_hazard_to_case(hazard, someone, at=later)
        with pytest.raises(PermissionDenied):
            reinspect_hazard(hazard, someone, rectified=True)
    with pytest.raises(PermissionDenied):
        reinspect_hazard(hazard, beat.supervisor, rectified=True)


def test_a_serious_hazard_becomes_a_case_at_once(beat, patrol):
    lon, lat = beat.start
    hazard = record_hazard(
        beat.officer, description="外墙瓷砖脱落，随时坠落", lon=lon, lat=lat, severity=Severity.SERIOUS
    )
    hazard.refresh_from_db()
    assert hazard.state == HazardState.ESCALATED
    assert hazard.case.state == CaseState.TO_FILE and hazard.case.category.code == "9901"
    assert not Deadline.objects.filter(subject_id=hazard.pk, stage="rectify", closed_at__isnull=True).exists()
