"""Demo cases as `make demo` builds them (a small run): every state and side flow is
there, each timeline is one consistent story in time order, and the build is idempotent
and deterministic."""

from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import F
from django.test import override_settings

from accounts.models import User
from cases.models import Case, CaseEvent, CaseSource, CaseState, RoutingRule, Unit
from demo.cases import cases_by_state, load_demo_cases
from demo.units import load_demo_units
from demo.users import load_demo_users

pytestmark = pytest.mark.django_db

COUNT, DAYS, SEED = 120, 30, 7
# A fixed "now" makes runs comparable; a Wednesday with the Dragon Boat holiday (19 June)
# two days ahead and Labour Day inside the window.
NOW = datetime(2026, 6, 17, 16, 20, tzinfo=ZoneInfo("Asia/Shanghai"))
SIDE_FLOWS = {
    "request_verification",
    "void",
    "merge",
    "resolve_on_spot",
    "return",
    "request_extension",
    "approve_extension",
    "reject_extension",
    "request_hold",
    "approve_hold",
    "reject_hold",
    "release",
    "check_fail",
    "rework",
    "rate",
    "evaluate",
}


def fingerprint():
    return sorted(Case.objects.values_list("number", "state", "category_id", "source", "reported_at"))


def small_build():
    """The fingerprint of a small build, rolled back."""
    with transaction.atomic():
        load_demo_cases(30, 10, SEED, now=NOW)
        built = fingerprint()
        transaction.set_rollback(True)
    return built


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """One demo build shared by the module and rolled back at its end; before it, two
    small builds with the same seed (a build needs an empty case table)."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")),
        transaction.atomic(),
    ):
        load_demo_users()
        load_demo_units()
        small_builds = [small_build(), small_build()]
        created = load_demo_cases(COUNT, DAYS, SEED, now=NOW)
        yield {"created": created, "small_builds": small_builds}
        transaction.set_rollback(True)


def test_every_state_and_side_flow_is_present(demo):
    assert demo["created"] >= COUNT * 0.95
    assert set(cases_by_state()) == set(CaseState.values)
    assert set(CaseEvent.objects.values_list("action", flat=True)) >= SIDE_FLOWS
    assert set(Case.objects.values_list("source", flat=True)) == set(CaseSource.values)


def test_open_cases_include_overdue_ones_and_closed_ones_are_mostly_on_time(demo):
    unhandled = Case.objects.filter(state__in=[CaseState.DISPATCHED, CaseState.HANDLING])
    assert unhandled.filter(handle_due_at__lt=NOW).exists()
    closed = Case.objects.filter(state=CaseState.CLOSED, resolved_on_spot=False)
    on_time = closed.filter(handled_at__lte=F("handle_due_at")).count() / closed.count()
    assert 0.75 <= on_time <= 0.95
    assert Case.objects.filter(state=CaseState.CLOSED).exclude(satisfaction=None).exists()


def test_timelines_chain_in_time_order(demo):
    timelines = defaultdict(list)
    for event in CaseEvent.objects.order_by("id"):  # the order the services wrote them
        timelines[event.case_id].append(event)
    for case in Case.objects.all():
        events = timelines[case.pk]
        assert [e.created_at for e in events] == sorted(e.created_at for e in events), case.number
        assert all(e.created_at <= NOW for e in events)
        for merged in (e for e in events if e.action == "merged_from"):
            assert merged.from_state == merged.to_state
        chain = [e for e in events if e.action != "merged_from"]
        assert chain[0].action == "report" and chain[0].from_state == ""
        for earlier, later in pairwise(chain):
            assert earlier.to_state == later.from_state, (case.number, earlier.action, later.action)
        assert chain[-1].to_state == case.state


def test_case_timestamps_match_their_events(demo):
    last = defaultdict(dict)  # case id -> action -> time of its latest event
    for case_id, action, created_at in CaseEvent.objects.order_by("id").values_list("case_id", "action", "created_at"):
        last[case_id][action] = created_at
    for case in Case.objects.all():
        times = last[case.pk]
        assert case.reported_at == times["report"]
        closing = times.get("resolve_on_spot", times.get("close"))
        assert case.closed_at == (closing if case.state == CaseState.CLOSED else None), case.number
        assert case.filed_at == times.get("file", times.get("resolve_on_spot")), case.number
        assert case.dispatched_at == times.get("dispatch"), case.number
        if case.state in (CaseState.TO_CHECK, CaseState.TO_CLOSE) or case.closed_at and not case.resolved_on_spot:
            assert case.handled_at == times["feedback"], case.number
        if case.source != CaseSource.OFFICER and case.verified_at:
            assert case.verified_at == times["verify"], case.number
        assert (case.satisfaction is not None) == ("rate" in times)


def test_reports_lie_in_their_grid_and_small_matters_stay_in_the_community(demo):
    reports = Case.objects.exclude(state=CaseState.MERGED)  # duplicates are a few metres off
    assert not reports.exclude(location__within=F("grid__boundary")).exists()
    community_units = Unit.objects.filter(level=Unit.Level.COMMUNITY)
    assert community_units.count() == RoutingRule.objects.filter(community__isnull=False).count() / 4
    assert Case.objects.filter(unit__in=community_units, unit__community=F("community")).exists()
    handler = User.objects.get(username="handler")
    assert Unit.objects.get(name="环境卫生管理所").members.filter(pk=handler.pk).exists()
    assert CaseEvent.objects.filter(actor=handler).exists()


def test_a_second_load_creates_nothing(demo):
    before = (Case.objects.count(), CaseEvent.objects.count(), Unit.objects.count(), User.objects.count())
    assert load_demo_cases(COUNT, DAYS, SEED, now=NOW) == 0
    load_demo_units()
    assert (Case.objects.count(), CaseEvent.objects.count(), Unit.objects.count(), User.objects.count()) == before


def test_the_same_seed_builds_the_same_cases(demo):
    first, second = demo["small_builds"]
    assert len(first) >= 29 and first == second
