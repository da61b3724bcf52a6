"""Each path of the seven-step loop end to end at the service layer."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.errors import ActionNotAllowed
from cases.models import Case, CaseRequest, CaseSource, CaseState
from cases.selectors import possible_duplicates
from cases.services import act, report
from notifications.models import Notification
from tests.cases.conftest import advance
from tests.factories import photo, point_in

pytestmark = pytest.mark.django_db


def actions_of(case):
    return list(case.events.values_list("action", flat=True))


def test_normal_path_through_all_seven_steps(world, resident_case):
    case = resident_case
    assert case.state == CaseState.TO_VERIFY
    assert case.grid == world.home and case.community == world.home.community
    assert len(case.number) == 13 and case.number.startswith(timezone.localdate().strftime("%Y%m%d"))
    assert case.due_at > case.reported_at
    assert Notification.objects.filter(recipient=world.officer, title__contains=case.number).exists()

    case = advance(case, world, "dispatch")
    assert case.state == CaseState.DISPATCHED
    assert case.unit == world.unit and case.handle_due_at == case.due_at
    case = advance(case, world, "close")
    case = act(case, "rate", world.resident, score=5, note="很及时")
    case = act(case, "evaluate", world.supervisor, score=4)

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.due_at is None
    assert (case.satisfaction, case.evaluation_score) == (5, 4)
    assert actions_of(case) == [
        "report",
        "verify",
        "file",
        "dispatch",
        "accept",
        "feedback",
        "check_pass",
        "close",
        "rate",
        "evaluate",
    ]
    assert [e.to_state for e in case.events.all()][:3] == [
        CaseState.TO_VERIFY,
        CaseState.TO_FILE,
        CaseState.TO_DISPATCH,
    ]
    assert case.photos.filter(kind="before").count() == 1 and case.photos.filter(kind="after").count() == 1
    feedback = case.events.get(action="feedback")
    assert feedback.data == {"on_time": True} and feedback.photos.count() == 1
    assert None not in (case.verified_at, case.filed_at, case.dispatched_at, case.accepted_at, case.handled_at)
    assert case.checked_at <= case.closed_at


def test_officer_report_skips_verification(world):
    lon, lat = point_in(world.home)
    case = report(
        actor=world.officer, source=CaseSource.OFFICER, category=world.structure, lon=lon, lat=lat, description="违建"
    )
    assert case.state == CaseState.TO_FILE
    assert case.verified_by == world.officer


def test_rework_after_a_failed_check(world, resident_case):
    case = advance(resident_case, world, "feedback")
    first_deadline = case.handle_due_at
    case = act(case, "check_fail", world.officer, note="垃圾未清理干净")
    assert case.state == CaseState.HANDLING
    assert case.rework_count == 1 and case.handled_at is None
    assert case.handle_due_at >= first_deadline  # rework restarts the handling clock
    case = act(case, "feedback", world.handler, note="已重新清理", photos=[photo()])
    case = act(case, "check_pass", world.officer)
    case = act(case, "close", world.chief)
    assert case.state == CaseState.CLOSED and case.rework_count == 1
    assert actions_of(case).count("feedback") == 2


def test_rework_ordered_by_the_duty_chief(world, resident_case):
    case = advance(resident_case, world, "check_pass")
    case = act(case, "rework", world.chief, note="照片不清晰")
    assert case.state == CaseState.HANDLING and case.rework_count == 1


def test_return_and_redispatch(world, resident_case):
    case = advance(resident_case, world, "dispatch")
    case = act(case, "return", world.handler, note="不属于本单位职责")
    assert case.state == CaseState.TO_DISPATCH
    assert case.unit is None and case.return_count == 1 and case.handle_due_at is None
    case = act(case, "dispatch", world.dispatcher, unit=world.other_unit)
    assert case.unit == world.other_unit
    case = act(case, "accept", world.other_handler)
    assert case.state == CaseState.HANDLING


def test_extension_request_and_approval_moves_the_deadline(world, resident_case):
    case = advance(resident_case, world, "accept")
    before = case.handle_due_at
    case = act(case, "request_extension", world.handler, hours=4, note="需要协调清运车辆")
    assert case.requests.get().status == CaseRequest.Status.PENDING
    with pytest.raises(ActionNotAllowed):
        act(case, "request_extension", world.handler, hours=2, note="再次申请")
    case = act(case, "approve_extension", world.dispatcher)
    assert case.handle_due_at > before and case.due_at == case.handle_due_at
    assert case.extension_count == 1
    assert case.requests.get().status == CaseRequest.Status.APPROVED


def test_extension_rejected_keeps_the_deadline(world, resident_case):
    case = advance(resident_case, world, "accept")
    before = case.handle_due_at
    act(case, "request_extension", world.handler, hours=4, note="理由")
    case = act(case, "reject_extension", world.chief, note="时限充足")
    assert case.handle_due_at == before and case.extension_count == 0
    with pytest.raises(ActionNotAllowed):
        act(case, "approve_extension", world.chief)


def test_hold_and_release(world, resident_case):
    case = advance(resident_case, world, "accept")
    case = act(case, "request_hold", world.handler, note="需等待雨季结束")
    case = act(case, "approve_hold", world.chief)
    assert case.state == CaseState.HELD and case.due_at is None
    assert case.held_remaining_hours is not None and case.held_remaining_hours > 0
    with pytest.raises(ActionNotAllowed):
        act(case, "feedback", world.handler, note="x", photos=[photo()])
    case = act(case, "release", world.chief, at=timezone.now() + timedelta(days=30))
    assert case.state == CaseState.HANDLING
    assert case.due_at == case.handle_due_at and case.due_at > timezone.now() + timedelta(days=30)


def test_void(world, resident_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = act(resident_case, "void", world.chief, note="现场未发现问题")
    assert case.state == CaseState.VOIDED and case.due_at is None
    assert Notification.objects.filter(recipient=world.resident, title__contains="不予立案").exists()


def test_on_the_spot_resolution_is_closed_and_recorded(world):
    lon, lat = point_in(world.home)
    case = report(
        actor=world.officer,
        source=CaseSource.OFFICER,
        category=world.garbage,
        lon=lon,
        lat=lat,
        description="路边垃圾，已现场清理",
        photos=[photo()],
        resolve_on_spot=True,
        after_photos=[photo("after.png")],
    )
    assert case.state == CaseState.CLOSED and case.resolved_on_spot
    assert actions_of(case) == ["report", "resolve_on_spot"]
    assert case.photos.filter(kind="after").count() == 1
    assert case.closed_at == case.reported_at


def test_on_the_spot_resolution_needs_a_category_that_allows_it(world):
    lon, lat = point_in(world.home)
    with pytest.raises(ValidationError) as error:
        report(
            actor=world.officer,
            source=CaseSource.OFFICER,
            category=world.structure,
            lon=lon,
            lat=lat,
            description="违建",
            resolve_on_spot=True,
            after_photos=[photo()],
        )
    assert "category" in error.value.message_dict
    assert not Case.objects.filter(description="违建").exists()


def test_duplicate_is_offered_and_merged(world, resident_case):
    lon, lat = point_in(world.home)
    second = report(
        actor=None,
        source=CaseSource.HOTLINE,
        category=world.garbage,
        lon=lon + 0.0002,  # about 20 m away
        lat=lat,
        description="同一处垃圾",
        reporter_phone="13700000000",
    )
    offered = list(possible_duplicates(world.garbage, second.location, exclude_pk=second.pk))
    assert offered == [resident_case]
    assert list(possible_duplicates(world.structure, second.location, exclude_pk=second.pk)) == []

    second = act(second, "merge", world.clerk, duplicate_of=resident_case)
    assert second.state == CaseState.MERGED and second.merged_into == resident_case
    assert resident_case.events.filter(action="merged_from").exists()
    with pytest.raises(ActionNotAllowed):
        act(resident_case, "merge", world.clerk, duplicate_of=second)


def test_duplicates_ignore_far_old_and_closed_cases(world, resident_case):
    lon, lat = point_in(world.home)
    far = report(
        actor=world.resident,
        source=CaseSource.RESIDENT,
        category=world.garbage,
        lon=lon + 0.001,  # about 100 m
        lat=lat,
        description="远处",
    )
    assert resident_case not in possible_duplicates(world.garbage, far.location, exclude_pk=far.pk)
    later = timezone.now() + timedelta(days=8)
    assert not possible_duplicates(world.garbage, resident_case.location, now=later).exists()
