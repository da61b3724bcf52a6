from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.roles import Role
from grid.models import Grid
from mediation.models import Committee, CommitteeMembership, CouncilMember, Party
from mediation.services import act, register
from tests.factories import make_officer, make_user


def mediator_of(committee, *, head=False, **extra):
    user = make_user(Role.MEDIATOR, **extra)
    CommitteeMembership.objects.create(committee=committee, user=user, is_head=head)
    return user


def council_member(kind=CouncilMember.Kind.ELDER, **extra):
    """Council members keep their own role (here: resident) and get a profile."""
    user = make_user(Role.RESIDENT, first_name=extra.pop("name", "林长者"))
    return CouncilMember.objects.create(user=user, kind=kind, availability="周末", **extra)


@pytest.fixture(autouse=True)
def _public_limit_out_of_the_way(settings):
    """The per-address limit counts in Redis across runs; tests that mean it set it low."""
    settings.MEDIATION_PUBLIC_RATE_PER_HOUR = 1_000_000


@pytest.fixture
def mworld(db):
    """Two communities with a committee each, the police room, the studio, their people."""
    grids = list(Grid.objects.select_related("community").order_by("code"))
    home, away = grids[0], grids[-1]
    committee = Committee.objects.create(
        name="测试社区人民调解委员会", kind=Committee.Kind.COMMUNITY, community=home.community
    )
    away_committee = Committee.objects.create(
        name="远方社区人民调解委员会", kind=Committee.Kind.COMMUNITY, community=away.community
    )
    police_room = Committee.objects.create(name="派出所调解室", kind=Committee.Kind.POLICE)
    studio = Committee.objects.create(name="和事佬调解工作室", kind=Committee.Kind.STUDIO)
    return SimpleNamespace(
        home=home,
        away=away,
        committee=committee,
        away_committee=away_committee,
        police_room=police_room,
        studio=studio,
        head=mediator_of(committee, head=True, first_name="黄主任", phone="13700000001"),
        mediator=mediator_of(committee, first_name="吴调解"),
        away_mediator=mediator_of(away_committee, first_name="远调解"),
        police_mediator=mediator_of(police_room, first_name="警调解"),
        elder=council_member(name="林长者"),
        deputy=council_member(CouncilMember.Kind.DEPUTY, name="陈代表", title="区人大代表"),
        resident=make_user(Role.RESIDENT, first_name="陈居民", phone="13900000001"),
        other_resident=make_user(Role.RESIDENT, phone="13900000002"),
        officer=make_officer(home),
        dispatcher=make_user(Role.DISPATCHER),
        supervisor=make_user(Role.SUPERVISOR),
    )


PARTIES = [
    {"side": "applicant", "name": "陈居民", "phone": "13900000001", "id_number": "440402199001011234"},
    {"side": "respondent", "name": "李邻居", "phone": "13800005678", "id_number": "440402198502025678"},
]


def apply_online(world, **extra):
    params = {
        "source": "resident_online",
        "dispute_type": "neighbour",
        "summary": "楼上漏水，多次协商未果",
        "claims": "修复防水并赔偿损失",
        "community": world.home.community,
        "parties": [dict(p) for p in PARTIES],
        **extra,
    }
    return register(actor=world.resident, **params)


def parties_of(dispute):
    return list(Party.objects.filter(dispute=dispute))


def into_mediation(dispute, world, *, council=None):
    """Accept, give the rights notice, hold a first session (with `council` if given)."""
    dispute = act(dispute, "accept", world.head, lead_mediator=world.mediator)
    dispute = act(dispute, "give_rights_notice", world.mediator, method="written")
    members = []
    if council is not None:
        act(
            dispute,
            "invite_council",
            world.mediator,
            member=council,
            consenting_parties=parties_of(dispute),
            consent_note="双方当面口头同意",
        )
        members = [council]
    dispute = act(
        dispute,
        "schedule_session",
        world.mediator,
        scheduled_at=timezone.now() + timedelta(days=1),
        place="社区调解室",
        council_members=members,
    )
    session = dispute.sessions.get()
    return act(
        dispute,
        "record_session",
        world.mediator,
        session=session,
        attended_parties=parties_of(dispute),
        attended_council=members,
        summary="双方陈述，议事会成员讲情说理",
        next_steps="三日内再议",
    )
