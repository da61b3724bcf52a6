"""Mediation's clocks run on the deadline engine: the crossings it records reach the
right people and the dispute's timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deadlines.services import sweep
from mediation.models import DisputeEvent
from mediation.services import act
from notifications.models import Notification
from tests.mediation.conftest import apply_online, into_mediation

pytestmark = pytest.mark.django_db


def titles(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_the_one_month_limit_warns_then_escalates(mworld, settings):
    settings.MEDIATION_ESCALATE_AFTER_DAYS = 7
    dispute = into_mediation(apply_online(mworld), mworld)
    start = dispute.accepted_at
    sweep(now=start + timedelta(days=25))  # 80 % of 30 days used
    assert any("【预警】" in t and dispute.number in t for t in titles(mworld.mediator))
    assert not any(dispute.number in t for t in titles(mworld.head))
    sweep(now=start + timedelta(days=31))
    assert any("【超期】" in t for t in titles(mworld.head))
    sweep(now=start + timedelta(days=38))
    assert any("【超期升级】" in t for t in titles(mworld.supervisor))
    assert list(DisputeEvent.objects.filter(dispute=dispute, actor_role="system").values_list("action", flat=True)) == [
        "deadline_warning",
        "deadline_overdue",
        "deadline_escalated",
    ]


def test_an_unaccepted_dispute_reminds_its_committee(mworld):
    dispute = apply_online(mworld)
    sweep(now=dispute.registered_at + timedelta(days=4))
    for mediator in (mworld.mediator, mworld.head):
        assert any("受理期限" in t and dispute.number in t for t in titles(mediator))


def test_confirmation_window_and_follow_ups_remind_the_lead(mworld, settings):
    settings.MEDIATION_FOLLOW_UP_MONTHS = [1]
    dispute = into_mediation(apply_online(mworld), mworld)
    dispute = act(
        dispute,
        "agree_written",
        mworld.mediator,
        facts="f",
        obligations="o",
        performance_method="m",
        performance_deadline=timezone.localdate(),
        sealed=True,
    )
    sweep(now=timezone.now() + timedelta(days=26))
    assert any("申请司法确认" in t for t in titles(mworld.mediator))
    assert any("申请司法确认" in t for t in titles(mworld.resident))  # the online applicant too
    sweep(now=timezone.now() + timedelta(days=45))
    assert any("期限已于" in t for t in titles(mworld.mediator))
    assert any("回访" in t and "超期" in t for t in titles(mworld.head))
    actions = set(DisputeEvent.objects.filter(dispute=dispute, actor_role="system").values_list("action", flat=True))
    assert {"confirmation_reminder", "confirmation_window_closed", "follow_up_deadline_overdue"} <= actions
