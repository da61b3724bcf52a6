"""The demo's mediation data: every state, the logins it promises, built by the services.
One test, so the demo is built once."""

import pytest

from accounts.models import User
from accounts.roles import Role
from demo.mediation import load_demo_mediation
from demo.users import load_demo_users
from mediation.models import CouncilMember, Dispute, DisputeState
from mediation.selectors import visible_disputes

pytestmark = pytest.mark.django_db


def test_demo_mediation_data():
    load_demo_users()
    load_demo_mediation(scale=0.25)

    assert set(Dispute.objects.values_list("state", flat=True)) == set(DisputeState.values)
    council = User.objects.get(username="council")
    assert council.roles == {Role.RESIDENT} and CouncilMember.objects.filter(user=council).exists()
    assert visible_disputes(User.objects.get(username="mediator")).exists()
    assert visible_disputes(User.objects.get(username="resident")).exists()
    for dispute in Dispute.objects.prefetch_related("events"):
        times = [event.created_at for event in dispute.events.all()]
        assert times == sorted(times) and times[0] == dispute.registered_at, dispute.number

    before = Dispute.objects.count()
    load_demo_mediation(scale=0.25)
    assert Dispute.objects.count() == before
