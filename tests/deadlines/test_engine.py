"""The deadline engine on cases: clocks follow the stage, crossings are recorded once
whichever path sees them, and the ladder tells the right people."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.services import act
from deadlines import services as engine
from deadlines.models import Crossing, Deadline
from notifications.models import Notification
from tests.cases.conftest import advance

pytestmark = pytest.mark.django_db


def open_deadline(case):
    return Deadline.objects.get(
        subject_type=ContentType.objects.get_for_model(Case), subject_id=case.pk, closed_at__isnull=True
    )


def deadline_events(case):
    return list(CaseEvent.objects.filter(case=case, action__startswith="deadline_").values_list("action", flat=True))


def test_a_report_starts_the_clock_of_its_first_stage(world, resident_case):
    deadline = open_deadline(resident_case)
    assert deadline.stage == "to_verify" and deadline.due_at == resident_case.due_at
    assert deadline.started_at <= deadline.warn_at <= deadline.due_at
    assert deadline.next_at == deadline.warn_at and deadline.level == Deadline.Level.NORMAL


def test_the_handling_clock_spans_dispatch_and_acceptance(world, resident_case):
    case = advance(resident_case, world, "dispatch")
    dispatched = open_deadline(case)
    assert dispatched.stage == "handle" and dispatched.started_at == case.dispatched_at
    case = act(case, "accept", world.handler)
    assert open_deadline(case).pk == dispatched.pk  # accepting does not restart the clock
    case = advance(case, world, "close")
    assert not Deadline.objects.filter(subject_id=case.pk, closed_at__isnull=True).exists()
    assert Deadline.objects.filter(subject_id=case.pk).count() == 6  # verify, file, dispatch, handle, check, close


def test_sweep_records_a_warning_once_and_tells_the_stage_owner(world, resident_case):
    deadline = open_deadline(resident_case)
    at = deadline.warn_at + timedelta(seconds=1)
    assert engine.sweep(now=at) == 1
    assert engine.sweep(now=at) == 0
    assert engine.sweep(now=at + timedelta(seconds=5)) == 0
    assert list(deadline.crossings.values_list("level", flat=True)) == [Deadline.Level.WARNING]
    assert deadline_events(resident_case) == ["deadline_warning"]
    warned = Notification.objects.filter(title__contains=resident_case.number)
    assert set(warned.values_list("recipient", flat=True)) == {world.officer.pk}
    assert warned.filter(title__contains="预警").count() == 1


def test_eta_task_and_sweep_cross_once(world, resident_case):
    deadline = open_deadline(resident_case)
    at = deadline.warn_at + timedelta(seconds=1)
    assert engine.fire(deadline.pk, now=at) == 1
    assert engine.fire(deadline.pk, now=at) == 0  # the task delivered twice
    assert engine.sweep(now=at) == 0
    assert Crossing.objects.filter(deadline=deadline).count() == 1
    assert engine.fire(deadline.pk, now=deadline.warn_at - timedelta(seconds=1)) == 0


def test_a_missed_stretch_records_every_level_once_with_the_ladder(world, resident_case):
    case = advance(resident_case, world, "accept")
    deadline = open_deadline(case)
    assert deadline.escalate_at > deadline.due_at
    later = deadline.escalate_at + timedelta(minutes=5)  # the broker and beat were down
    assert engine.sweep(now=later) == 3
    assert engine.sweep(now=later) == 0
    assert deadline_events(case) == ["deadline_warning", "deadline_overdue", "deadline_escalated"]
    told = Notification.objects.filter(title__contains=case.number)

    def recipients(level_label):
        return set(told.filter(title__contains=level_label).values_list("recipient", flat=True))

    assert recipients("预警") == {world.handler.pk}
    assert recipients("【超期】") == {world.handler.pk, world.dispatcher.pk}
    assert recipients("超期升级") == {world.handler.pk, world.dispatcher.pk, world.supervisor.pk}


def test_unit_head_is_told_from_the_first_warning(world, resident_case):
    world.unit.head = world.other_handler
    world.unit.save()
    case = advance(resident_case, world, "dispatch")
    engine.sweep(now=open_deadline(case).warn_at)
    assert Notification.objects.filter(recipient=world.other_handler, title__contains=case.number).exists()


def test_extension_moves_the_running_clock(world, resident_case):
    case = advance(resident_case, world, "accept")
    before = open_deadline(case)
    act(case, "request_extension", world.handler, hours=7, note="等待材料")
    case = act(case, "approve_extension", world.dispatcher)
    after = open_deadline(case)
    assert after.pk != before.pk and after.due_at == case.handle_due_at > before.due_at
    assert engine.sweep(now=before.due_at + timedelta(seconds=1)) <= 1  # at most the new warning
    assert not Crossing.objects.filter(deadline=after, level=Deadline.Level.OVERDUE).exists()


def test_hold_stops_the_clock_and_release_restarts_it(world, resident_case):
    case = advance(resident_case, world, "accept")
    act(case, "request_hold", world.handler, note="雨季后施工")
    case = act(case, "approve_hold", world.chief)
    assert not Deadline.objects.filter(subject_id=case.pk, closed_at__isnull=True).exists()
    assert engine.sweep(now=timezone.now() + timedelta(days=60)) == 0
    case = act(case, "release", world.chief)
    assert open_deadline(case).due_at == case.due_at
