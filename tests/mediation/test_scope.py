"""Who sees which disputes, whose numbers are masked, and who may act."""

import pytest
from django.core.exceptions import PermissionDenied

from mediation.selectors import party_views, visible_disputes
from mediation.services import act, available_actions, register
from tests.factories import make_user
from tests.mediation.conftest import PARTIES, apply_online, mediator_of, parties_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(mworld):
    """A dispute in the home committee with the elder invited, one in the away committee,
    one applied for by another resident."""
    home = act(apply_online(mworld), "accept", mworld.mediator)
    act(
        home,
        "invite_council",
        mworld.mediator,
        member=mworld.elder,
        consenting_parties=parties_of(home),
        consent_note="双方同意",
    )
    away = register(
        actor=mworld.away_mediator,
        source="desk",
        dispute_type="family",
        summary="赡养纠纷",
        parties=[dict(p) for p in PARTIES],
        community=mworld.away.community,
    )
    other = register(
        actor=mworld.other_resident,
        source="resident_online",
        dispute_type="consumer",
        summary="装修款纠纷",
        parties=[dict(p) for p in PARTIES],
        community=mworld.away.community,
    )
    return home, away, other


def numbers(user):
    return set(visible_disputes(user).values_list("number", flat=True))


def test_a_mediator_sees_only_their_committees_disputes(mworld, three):
    home, away, other = three
    assert numbers(mworld.mediator) == {home.number}
    assert numbers(mworld.head) == {home.number}
    assert numbers(mworld.away_mediator) == {away.number, other.number}
    assert numbers(mworld.police_mediator) == set()
    both = mediator_of(mworld.committee)
    mworld.away_committee.memberships.create(user=both)
    assert numbers(both) == {home.number, away.number, other.number}


def test_a_council_member_sees_only_the_disputes_they_were_invited_to(mworld, three):
    home, _away, _other = three
    assert numbers(mworld.elder.user) == {home.number}
    assert numbers(mworld.deputy.user) == set()


def test_a_resident_sees_only_their_own(mworld, three):
    home, _away, other = three
    assert numbers(mworld.resident) == {home.number}
    assert numbers(mworld.other_resident) == {other.number}


def test_oversight_sees_all_and_others_what_they_reported(mworld, three):
    assert len(numbers(mworld.supervisor)) == 3
    assert numbers(mworld.dispatcher) == set()
    assert numbers(make_user("mediator")) == set()  # a mediator of no committee


def test_numbers_are_masked_except_for_the_disputes_mediators_and_heads(mworld, three):
    home, _away, _other = three
    shown = {
        user: party_views(home, user) for user in (mworld.mediator, mworld.head, mworld.elder.user, mworld.resident)
    }
    full = [(p.id_number, p.phone) for p in shown[mworld.mediator]]
    assert full == [("440402199001011234", "13900000001"), ("440402198502025678", "13800005678")]
    assert [(p.id_number, p.phone) for p in shown[mworld.head]] == full
    assert [(p.id_number, p.phone) for p in shown[mworld.elder.user]] == [
        ("4404**********1234", "139****0001"),
        ("4404**********5678", "138****5678"),
    ]
    # The applicant sees their own numbers, the other side's masked.
    assert [(p.id_number, p.phone) for p in shown[mworld.resident]] == [
        ("440402199001011234", "13900000001"),
        ("4404**********5678", "138****5678"),
    ]
    other_member = mediator_of(mworld.committee)  # same committee, not on this dispute
    assert party_views(home, other_member)[0].phone == "139****0001"


def test_actions_need_role_and_scope(mworld, three):
    home, away, _other = three
    with pytest.raises(PermissionDenied):
        act(away, "accept", mworld.mediator)  # another committee's dispute
    with pytest.raises(PermissionDenied):
        act(home, "give_rights_notice", mworld.elder.user)  # council members only answer invitations
    with pytest.raises(PermissionDenied):
        act(home, "give_rights_notice", mworld.supervisor)  # oversight reads, does not mediate
    assert {t.action for t in available_actions(home, mworld.elder.user)} == {"respond_invitation"}
    assert {t.action for t in available_actions(home, mworld.resident)} == {"withdraw"}
    assert "give_rights_notice" in {t.action for t in available_actions(home, mworld.mediator)}
    assert available_actions(away, mworld.mediator) == []


def test_registration_sources_are_limited_by_role(mworld):
    params = {"dispute_type": "neighbour", "summary": "x", "parties": PARTIES, "community": mworld.home.community}
    with pytest.raises(PermissionDenied):
        register(actor=mworld.resident, source="desk", **params)
    with pytest.raises(PermissionDenied):
        register(actor=None, source="grid_officer", **params)
    dispute = register(actor=mworld.officer, source="grid_officer", grid=mworld.home, **params)
    assert dispute.grid == mworld.home and numbers(mworld.officer) == {dispute.number}
