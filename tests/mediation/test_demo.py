"""The demo's mediation data: every state, the logins it promises, built by the services."""

import pytest
from django.db.models import Count

from accounts.models import User
from accounts.roles import Role
from demo.mediation import load_demo_mediation
from demo.users import load_demo_users
from mediation.models import CouncilMember, Dispute, DisputeState
from mediation.selectors import visible_disputes

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    load_demo_users()
    load_demo_mediation(scale=0.25)


def test_every_state_and_the_logins(demo):
    states = set(Dispute.objects.values_list("state", flat=True))
    assert states == set(DisputeState.values)
    council = User.objects.get(username="council")
    assert council.roles == {Role.RESIDENT} and CouncilMember.objects.filter(user=council).exists()
    assert visible_disputes(User.objects.get(username="mediator")).exists()
    assert visible_disputes(User.objects.get(username="resident")).exists()


def test_every_dispute_has_a_timeline_in_order(demo):
    for dispute in Dispute.objects.annotate(n=Count("events")):
        times = list(dispute.events.values_list("created_at", flat=True))
        assert times == sorted(times) and times[0] == dispute.registered_at


def test_a_second_load_adds_no_disputes(demo):
    before = Dispute.objects.count()
    load_demo_mediation(scale=0.25)
    assert Dispute.objects.count() == before
