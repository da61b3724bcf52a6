"""Statistics on a small fixture whose figures are worked out by hand below."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mediation.selectors import Period, statistics
from mediation.services import act, register
from tests.mediation.conftest import PARTIES, parties_of

pytestmark = pytest.mark.django_db
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def at(month, day, hour=10):
    return timezone.make_aware(datetime(2026, month, day, hour))


def new(world, registered, *, actor=None, source="desk", dispute_type="neighbour", community=None, **extra):
    return register(
        actor=actor or world.mediator,
        source=source,
        dispute_type=dispute_type,
        summary="统计用纠纷",
        parties=[dict(p) for p in PARTIES],
        community=community or world.home.community,
        at=registered,
        **extra,
    )


def mediate(dispute, mediator, when, council=None):
    """Accept, notify, hold one session (a council member attending if given), an hour apart."""
    act(dispute, "accept", mediator, at=when)
    act(dispute, "give_rights_notice", mediator, at=when)
    if council is not None:
        act(
            dispute,
            "invite_council",
            mediator,
            member=council,
            consenting_parties=parties_of(dispute),
            consent_note="同意",
            at=when,
        )
    act(
        dispute,
        "schedule_session",
        mediator,
        scheduled_at=when,
        place="调解室",
        council_members=[council] if council else [],
        at=when,
    )
    return act(
        dispute,
        "record_session",
        mediator,
        session=dispute.sessions.get(),
        attended_parties=parties_of(dispute),
        attended_council=[council] if council else [],
        summary="调解",
        at=when + timedelta(hours=1),
    )


def written(dispute, mediator, when):
    return act(
        dispute,
        "agree_written",
        mediator,
        facts="f",
        obligations="o",
        performance_method="m",
        performance_deadline=when.date(),
        sealed=True,
        at=when,
    )


@pytest.fixture
def march(mworld):
    w, m = mworld, mworld.mediator
    # A: neighbours, online, home; 2 Mar 10:00 → written agreement 6 Mar 10:00 (4 days), the
    # elder attended, performed, confirmation applied, followed up on 20 Mar (satisfaction 5).
    a = new(w, at(3, 2), actor=w.resident, source="resident_online")
    mediate(a, m, at(3, 2, 11), council=w.elder)
    written(a, m, at(3, 6))
    act(a, "record_performance", m, status="performed", at=at(3, 7))
    act(a, "apply_confirmation", m, court="高新区人民法院", joint=True, at=at(3, 8))
    act(
        a,
        "record_follow_up",
        m,
        method="visit",
        performed="yes",
        satisfaction=5,
        escalation_risk="none",
        visited_at=at(3, 20),
        at=at(3, 20),
    )
    # B: family, desk; 3 Mar 09:00 → oral agreement 13 Mar 09:00 (10 days), not performed.
    b = new(w, at(3, 3, 9), dispute_type="family")
    mediate(b, m, at(3, 4))
    act(b, "agree_oral", m, obligations="o", at=at(3, 13, 9))
    # C: labour, police referral (the police room); 5 Mar 08:00 → failed 12 Mar 08:00 (7 days).
    c = new(w, at(3, 5, 8), source="police", referral_org="派出所", dispute_type="labour")
    mediate(c, w.police_mediator, at(3, 6))
    act(c, "fail", w.police_mediator, note="分歧大", other_routes=["labour_arbitration"], at=at(3, 12, 8))
    # D: neighbours, committee's own initiative, away community; refused on 11 Mar.
    d = new(w, at(3, 10, 12), actor=w.away_mediator, source="committee", community=w.away.community)
    act(d, "refuse", w.away_mediator, note="被申请人拒绝", at=at(3, 11, 12))
    # E: consumer, online, registered in February (25 Feb 10:00) → written 4 Mar 10:00 (7 days),
    # the deputy attended; followed up 25 Mar: satisfaction 4, high risk.
    e = new(w, at(2, 25), actor=w.resident, source="resident_online", dispute_type="consumer")
    mediate(e, m, at(2, 26), council=w.deputy)
    written(e, m, at(3, 4))
    act(
        e,
        "record_follow_up",
        m,
        method="phone",
        performed="partly",
        satisfaction=4,
        escalation_risk="high",
        visited_at=at(3, 25),
        at=at(3, 25),
    )
    # F: neighbours, online, 20 Mar, still open.
    f = new(w, at(3, 20), actor=w.resident, source="resident_online")
    act(f, "accept", m, at=at(3, 21))
    # G: property, desk, 25 Mar → oral agreement on 2 April (after the period).
    g = new(w, at(3, 25), dispute_type="property")
    mediate(g, m, at(3, 26))
    act(g, "agree_oral", m, obligations="o", at=at(4, 2))
    return w


def counts(rows):
    return {row["code"]: row["count"] for row in rows}


def test_figures_for_march(march, mworld):
    with CaptureQueriesContext(connection) as queries:
        figures = statistics(MARCH)
    assert len(queries) <= 9  # a handful of aggregates, whatever the number of disputes
    assert figures["registered"] == 6  # A B C D F G (E was registered in February)
    assert counts(figures["by_type"]) == {"neighbour": 3, "family": 1, "labour": 1, "property": 1}
    assert counts(figures["by_source"]) == {"resident_online": 2, "desk": 2, "police": 1, "committee": 1}
    assert {r["community__name"]: r["count"] for r in figures["by_community"]} == {
        mworld.home.community.name: 5,
        mworld.away.community.name: 1,
    }
    # Ended in March: A, E written; B oral; C failed; D refused (G ends in April).
    assert counts(figures["by_outcome"]) == {"agreed_written": 2, "agreed_oral": 1, "failed": 1, "refused": 1}
    assert (figures["concluded"], figures["agreed"], figures["written"], figures["oral"], figures["failed"]) == (
        4,
        3,
        2,
        1,
        1,
    )
    assert figures["success_rate"] == 0.75  # 3 agreements / 4 concluded mediations; D is not one
    assert figures["average_days"] == 7.0  # (4 + 10 + 7 + 7) / 4
    assert figures["performed"] == 1 and figures["performance_rate"] == 0.3333
    assert figures["confirmation_applied"] == 1
    assert (figures["with_council"], figures["council_rate"], figures["council_members"]) == (2, 0.5, 2)
    assert figures["follow_ups"] == {"done": 2, "satisfaction": 4.5, "lawsuits": 0, "high_risk": 1}


def test_figures_for_one_committee_and_an_empty_period(march, mworld):
    figures = statistics(MARCH, committee=mworld.committee)
    assert figures["registered"] == 4  # A B F G; C went to the police room, D to the away committee
    assert (figures["concluded"], figures["agreed"], figures["success_rate"]) == (3, 3, 1.0)
    assert figures["average_days"] == 7.0  # (4 + 10 + 7) / 3
    empty = statistics(Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert empty["registered"] == 0 and empty["success_rate"] is None and empty["average_days"] is None
