"""The evaluation figures against a small district worked out by hand.

Every case uses 0401 路面塌陷 (handling limit 2 calendar hours, so deadlines are plain
clock arithmetic) except the on-the-spot one (0102 暴露垃圾, no handling deadline).
All on Tuesday 2026-11-10, Asia/Shanghai, unless noted; figures are as of NOW.

  case  grid  source    unit        path (filed → dispatched → feedback; deadline)
  A     home  resident  unit        filed 09:30, dispatched 10:00, feedback 11:00 ≤ 12:00, closed, rated 5
  B     away  officer   other_unit  filed 09:30, dispatched 10:00, feedback 13:00 > 12:00, closed (late)
  C     home  resident  unit        filed 10:30, dispatched 11:00, feedback 11:30, check failed 11:40
                                    (clock restarts: due 13:40), feedback 13:00 ≤ 13:40, closed, rated 2
  D     home  officer   unit        filed 09:30, dispatched by dispatcher2 to other_unit 10:00, returned
                                    10:20, dispatched to unit 10:30 (due 12:30), never handled: overdue
  E     away  officer   other_unit  filed 09:30, dispatched 10:00, feedback 11:00 ≤ 12:00, awaiting check
  F     home  officer   unit        filed 09:30, dispatched 10:00, extended 300 h: due 11-23 00:00 > NOW
  G     home  officer   unit        dispatched, then held: excluded everywhere
  H     home  resident  —           voided before filing: excluded
  I     home  officer   —           0102 resolved on the spot 09:00: filed, handled, closed at once
  K     home  officer   —           voided before filing: an invalid report
  R     away  officer   other_unit  filed 09:30, dispatched 10:00, feedback 11:00, check failed on 11-20
                                    11:00 (clock restarts: due 11-20 13:00 > NOW): reworked, not yet due
  O     home  resident  unit        the same path as A in October, rated 1: outside the period
Every report is made at 09:00, so intake (report → filing) is 0.5 h except C's 1.5 h.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.roles import Role
from cases.kpis import dispatcher_kpis, kpi_breakdown, kpi_summary, officer_kpis, unit_kpis
from cases.models import Case, CaseSource, CaseState
from cases.selectors import visible_cases
from cases.services import act, report
from tests.factories import make_user, photo, point_in

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 1, tzinfo=SHANGHAI)
END = datetime(2026, 12, 1, tzinfo=SHANGHAI)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


def at(hour, minute=0, *, day=10, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def officer_report(officer, grid, category, when, **extra):
    lon, lat = point_in(grid)
    return report(
        actor=officer,
        source=CaseSource.OFFICER,
        category=category,
        lon=lon,
        lat=lat,
        description="巡查发现问题",
        at=when,
        **extra,
    )


def resident_report(world, when):
    lon, lat = point_in(world.home)
    return report(
        actor=world.resident,
        source=CaseSource.RESIDENT,
        category=world.collapse,
        lon=lon,
        lat=lat,
        description="路面塌陷，请尽快处理",
        at=when,
    )


def run(case, steps):
    for when, action, actor, params in steps:
        case = act(case, action, actor, at=when, **params)
    return case


def feedback():
    return {"note": "已处置", "photos": [photo("after.png")]}


@pytest.fixture
def district(world, settings):
    settings.CASE_REWORK_RESTARTS_CLOCK = True
    w = world
    dispatcher2 = make_user(Role.DISPATCHER)
    to_unit, to_other = {"unit": w.unit}, {"unit": w.other_unit}

    a = run(
        resident_report(w, at(9)),
        [
            (at(9, 15), "verify", w.officer, {}),
            (at(9, 30), "file", w.chief, {}),
            (at(10), "dispatch", w.dispatcher, to_unit),
            (at(10, 10), "accept", w.handler, {}),
            (at(11), "feedback", w.handler, feedback()),
            (at(11, 10), "check_pass", w.officer, {}),
            (at(11, 20), "close", w.chief, {}),
            (at(11, 30), "rate", w.resident, {"score": 5}),
        ],
    )
    b = run(
        officer_report(w.away_officer, w.away, w.collapse, at(9)),
        [
            (at(9, 30), "file", w.chief, {}),
            (at(10), "dispatch", w.dispatcher, to_other),
            (at(10, 10), "accept", w.other_handler, {}),
            (at(13), "feedback", w.other_handler, feedback()),
            (at(13, 10), "check_pass", w.away_officer, {}),
            (at(13, 20), "close", w.chief, {}),
        ],
    )
    c = run(
        resident_report(w, at(9)),
        [
            (at(9, 15), "verify", w.officer, {}),
            (at(10, 30), "file", w.chief, {}),
            (at(11), "dispatch", w.dispatcher, to_unit),
            (at(11, 10), "accept", w.handler, {}),
            (at(11, 30), "feedback", w.handler, feedback()),
            (at(11, 40), "check_fail", w.officer, {"note": "仍有塌陷"}),
            (at(13), "feedback", w.handler, feedback()),
            (at(13, 10), "check_pass", w.officer, {}),
            (at(13, 20), "close", w.chief, {}),
            (at(13, 30), "rate", w.resident, {"score": 2}),
        ],
    )
    d = run(
        officer_report(w.officer, w.home, w.collapse, at(9)),
        [
            (at(9, 30), "file", w.chief, {}),
            (at(10), "dispatch", dispatcher2, to_other),
            (at(10, 20), "return", w.other_handler, {"note": "不属于本单位"}),
            (at(10, 30), "dispatch", w.dispatcher, to_unit),
            (at(10, 40), "accept", w.handler, {}),
        ],
    )
    e = run(
        officer_report(w.away_officer, w.away, w.collapse, at(9)),
        [
            (at(9, 30), "file", w.chief, {}),
            (at(10), "dispatch", w.dispatcher, to_other),
            (at(10, 10), "accept", w.other_handler, {}),
            (at(11), "feedback", w.other_handler, feedback()),
        ],
    )
    f = run(
        officer_report(w.officer, w.home, w.collapse, at(9)),
        [
            (at(9, 30), "file", w.chief, {}),
            (at(10), "dispatch", w.dispatcher, to_unit),
            (at(10, 10), "accept", w.handler, {}),
            (at(10, 20), "request_extension", w.handler, {"hours": 300, "note": "需要封路施工"}),
            (at(10, 30), "approve_extension", w.dispatcher, {}),
        ],
    )
    g = run(
        officer_report(w.officer, w.home, w.collapse, at(9)),
        [
            (at(9, 30), "file", w.chief, {}),
            (at(10), "dispatch", w.dispatcher, to_unit),
            (at(10, 10), "accept", w.handler, {}),
            (at(10, 20), "request_hold", w.handler, {"note": "需纳入年度道路改造"}),
            (at(10, 30), "approve_hold", w.chief, {}),
        ],
    )
    h = run(resident_report(w, at(9)), [(at(9, 30), "void", w.chief, {"note": "重复投诉"})])
    i = officer_report(w.officer, w.home, w.garbage, at(9), resolve_on_spot=True, after_photos=[photo()])
    k = run(officer_report(w.officer, w.home, w.collapse, at(9)), [(at(9, 30), "void", w.chief, {"note": "误报"})])
    r = run(
        officer_report(w.away_officer, w.away, w.collapse, at(9)),
        [
            (at(9, 30), "file", w.chief, {}),
            (at(10), "dispatch", w.dispatcher, to_other),
            (at(10, 10), "accept", w.other_handler, {}),
            (at(11), "feedback", w.other_handler, feedback()),
            (at(11, day=20), "check_fail", w.away_officer, {"note": "未修复"}),
        ],
    )
    october = {"day": 20, "month": 10}
    o = run(
        resident_report(w, at(9, **october)),
        [
            (at(9, 15, **october), "verify", w.officer, {}),
            (at(9, 30, **october), "file", w.chief, {}),
            (at(10, **october), "dispatch", w.dispatcher, to_unit),
            (at(10, 10, **october), "accept", w.handler, {}),
            (at(11, **october), "feedback", w.handler, feedback()),
            (at(11, 10, **october), "check_pass", w.officer, {}),
            (at(11, 20, **october), "close", w.chief, {}),
            (at(11, 30, **october), "rate", w.resident, {"score": 1}),
        ],
    )
    cases = dict(a=a, b=b, c=c, d=d, e=e, f=f, g=g, h=h, i=i, k=k, r=r, o=o)
    return w, dispatcher2, {name: Case.objects.get(pk=case.pk) for name, case in cases.items()}


def test_the_fixture_is_what_the_hand_calculations_assume(district):
    _w, _dispatcher2, c = district
    assert [c[n].state for n in "abcdefghikro"] == [
        CaseState.CLOSED,
        CaseState.CLOSED,
        CaseState.CLOSED,
        CaseState.HANDLING,
        CaseState.TO_CHECK,
        CaseState.HANDLING,
        CaseState.HELD,
        CaseState.VOIDED,
        CaseState.CLOSED,
        CaseState.VOIDED,
        CaseState.HANDLING,
        CaseState.CLOSED,
    ]
    assert c["a"].handle_due_at == at(12) and c["b"].handle_due_at == at(12)
    assert c["c"].handle_due_at == at(13, 40) and c["c"].rework_count == 1
    assert c["d"].handle_due_at == at(12, 30) and c["d"].return_count == 1
    assert c["f"].handle_due_at == at(0, day=23) and c["f"].extension_count == 1
    assert c["i"].handle_due_at is None and c["i"].filed_at == at(9)
    assert c["r"].handle_due_at == at(13, day=20) and c["r"].rework_count == 1 and c["r"].handled_at is None


# District, November, as of NOW. Cohort (filed in November, not held): A B C D E F I R = 8.
#   handled: A B C (closed), E (to check), I (closed on the spot) = 5; R's rework cleared its feedback
#   overdue unhandled: D (due 11-10 12:30 < NOW); F (due 11-23) and R (due 11-20 13:00) not yet = 1
#   due_to_close = 5 + 1 = 6
#   closed = A B C I = 4 → 4/6 = 0.6667
#   closed on time = A (11:00 ≤ 12:00), C (13:00 ≤ 13:40), I (no deadline) = 3 → 3/6 = 0.5
#   due_to_handle (dispatched) = A B C D E F R = 7; handled among them A B C E = 4 → 0.5714
#   handled on time = A C E = 3 → 3/7 = 0.4286
#   reworked = C = 1 (R is not due to close) → 1/6 = 0.1667; overdue = B (late) + D = 2 → 0.3333
#   extended = F = 1 → 1/7 dispatched = 0.1429
#   handling hours: A 1, B 3, C 2 (11:00 → 13:00), E 1 → 7/4 = 1.75
#   intake hours: A B D E F R 0.5, C 1.5 (I on the spot left out) → 4.5/7 = 0.64
#   satisfaction: A 5, C 2 → 3.5 from 2 ratings (O's 1 is October's)
DISTRICT = {
    "filed": 8,
    "due_to_close": 6,
    "closed": 4,
    "closed_on_time": 3,
    "due_to_handle": 7,
    "handled": 4,
    "handled_on_time": 3,
    "reworked": 1,
    "overdue": 2,
    "extended": 1,
    "satisfaction_count": 2,
    "closing_rate": 0.6667,
    "on_time_closing_rate": 0.5,
    "handling_rate": 0.5714,
    "on_time_handling_rate": 0.4286,
    "rework_rate": 0.1667,
    "overdue_rate": 0.3333,
    "extension_rate": 0.1429,
    "avg_handling_hours": 1.75,
    "avg_intake_hours": 0.64,
    "satisfaction_avg": 3.5,
}

# Home community and grid: A C D F I.
#   handled A C I = 3, + D overdue → due_to_close 4; closed A C I = 3 → 0.75, all on time → 0.75
#   dispatched A C D F = 4, handled A C = 2 → 0.5, both on time → 0.5
#   reworked C 1/4, overdue D 1/4, extended F 1/4
#   handling (1 + 2) / 2 = 1.5; intake (0.5 + 1.5 + 0.5 + 0.5) / 4 = 0.75; ratings 5, 2 → 3.5
HOME = {
    "filed": 5,
    "due_to_close": 4,
    "closed": 3,
    "closed_on_time": 3,
    "due_to_handle": 4,
    "handled": 2,
    "handled_on_time": 2,
    "reworked": 1,
    "overdue": 1,
    "extended": 1,
    "satisfaction_count": 2,
    "closing_rate": 0.75,
    "on_time_closing_rate": 0.75,
    "handling_rate": 0.5,
    "on_time_handling_rate": 0.5,
    "rework_rate": 0.25,
    "overdue_rate": 0.25,
    "extension_rate": 0.25,
    "avg_handling_hours": 1.5,
    "avg_intake_hours": 0.75,
    "satisfaction_avg": 3.5,
}

# Away community and grid (and other_unit, which holds the same cases): B E R.
#   B E handled, R in rework and not yet due → due_to_close 2; closed B = 1 → 0.5, late → 0.0
#   dispatched 3, handled B E 2 → 0.6667, on time E → 0.3333; overdue B → 0.5
#   reworked: R only, not due to close → 0 → 0.0; no extension
#   handling (3 + 1) / 2 = 2.0; intake 0.5; no ratings
AWAY = {
    "filed": 3,
    "due_to_close": 2,
    "closed": 1,
    "closed_on_time": 0,
    "due_to_handle": 3,
    "handled": 2,
    "handled_on_time": 1,
    "reworked": 0,
    "overdue": 1,
    "extended": 0,
    "satisfaction_count": 0,
    "closing_rate": 0.5,
    "on_time_closing_rate": 0.0,
    "handling_rate": 0.6667,
    "on_time_handling_rate": 0.3333,
    "rework_rate": 0.0,
    "overdue_rate": 0.5,
    "extension_rate": 0.0,
    "avg_handling_hours": 2.0,
    "avg_intake_hours": 0.5,
    "satisfaction_avg": None,
}

# `unit` holds A C D F (D after its redispatch):
#   handled A C = 2, + D overdue → due_to_close 3; closed A C 2 → 0.6667, on time 2 → 0.6667
#   dispatched 4, handled 2 → 0.5, on time 2 → 0.5; reworked C 1/3, overdue D 1/3, extended F 1/4
#   handling 1.5; intake (0.5 + 1.5 + 0.5 + 0.5) / 4 = 0.75; ratings 5, 2
UNIT = {
    **HOME,
    "filed": 4,
    "due_to_close": 3,
    "closed": 2,
    "closed_on_time": 2,
    "closing_rate": 0.6667,
    "on_time_closing_rate": 0.6667,
    "rework_rate": 0.3333,
    "overdue_rate": 0.3333,
}

# Without a unit: I alone, closed on the spot (on time: no deadline), never dispatched.
NO_UNIT = {
    "filed": 1,
    "due_to_close": 1,
    "closed": 1,
    "closed_on_time": 1,
    "due_to_handle": 0,
    "handled": 0,
    "handled_on_time": 0,
    "reworked": 0,
    "overdue": 0,
    "extended": 0,
    "satisfaction_count": 0,
    "closing_rate": 1.0,
    "on_time_closing_rate": 1.0,
    "handling_rate": None,
    "on_time_handling_rate": None,
    "rework_rate": 0.0,
    "overdue_rate": 0.0,
    "extension_rate": None,
    "avg_handling_hours": None,
    "avg_intake_hours": None,
    "satisfaction_avg": None,
}


def figures_of(row):
    return {key: row[key] for key in DISTRICT}


def test_district_summary(district):
    assert kpi_summary(START, END, now=NOW) == DISTRICT


def test_summary_is_one_query(district, django_assert_num_queries):
    with django_assert_num_queries(1):
        kpi_summary(START, END, now=NOW)


def test_summary_scoped_to_what_a_user_sees(district):
    w, _dispatcher2, _cases = district
    visible = visible_cases(w.away_officer)
    assert kpi_summary(START, END, now=NOW, cases=visible) == AWAY


def test_evaluated_earlier_the_unhandled_case_is_not_yet_due(district):
    # `now` moves only the "unhandled past its deadline" test: at 11-10 12:30 D, due at
    # 12:30 exactly, is not yet overdue. due_to_close = 5 handled (A B C E I); overdue = B,
    # handled late → 1/5.
    figures = kpi_summary(START, END, now=at(12, 30))
    assert (figures["due_to_close"], figures["overdue"], figures["overdue_rate"]) == (5, 1, 0.2)


def test_breakdown_by_community_and_grid(district, django_assert_num_queries):
    w, _dispatcher2, _cases = district
    with django_assert_num_queries(1):
        by_community = kpi_breakdown(START, END, "community", now=NOW)
    by_grid = kpi_breakdown(START, END, "grid", now=NOW)

    communities = {row["id"]: row for row in by_community}
    assert set(communities) == {w.home.community_id, w.away.community_id}
    assert figures_of(communities[w.home.community_id]) == HOME
    assert figures_of(communities[w.away.community_id]) == AWAY
    assert communities[w.home.community_id]["name"] == w.home.community.name

    grids = {row["id"]: row for row in by_grid}
    assert set(grids) == {w.home.pk, w.away.pk}
    assert (grids[w.home.pk]["code"], grids[w.away.pk]["code"]) == (w.home.code, w.away.code)
    assert figures_of(grids[w.home.pk]) == HOME and figures_of(grids[w.away.pk]) == AWAY
    assert [row["code"] for row in by_grid] == sorted([w.home.code, w.away.code])


def test_breakdown_by_unit_and_category(district, django_assert_num_queries):
    w, _dispatcher2, _cases = district
    with django_assert_num_queries(1):
        by_unit = kpi_breakdown(START, END, "unit", now=NOW)
    units = {row["id"]: row for row in by_unit}
    assert set(units) == {w.unit.pk, w.other_unit.pk, None}
    assert figures_of(units[w.unit.pk]) == UNIT
    assert figures_of(units[w.other_unit.pk]) == AWAY
    assert figures_of(units[None]) == NO_UNIT
    assert by_unit[-1]["id"] is None and units[w.unit.pk]["name"] == w.unit.name

    by_category = kpi_breakdown(START, END, "category", now=NOW)
    # 0102 (I alone) sorts before 0401 (the seven others).
    assert [(row["code"], row["name"], row["filed"]) for row in by_category] == [
        ("0102", "暴露垃圾", 1),
        ("0401", "路面塌陷", 7),
    ]
    assert figures_of(by_category[0]) == NO_UNIT


def test_unknown_breakdown_is_refused():
    with pytest.raises(ValueError, match="street"):
        kpi_breakdown(START, END, "street")


def test_empty_period_gives_no_rates(district):
    figures = kpi_summary(datetime(2026, 12, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI), now=NOW)
    # Counts are 0; every rate and average is None (no denominator), not 0 and no error.
    assert figures == {key: 0 if type(value) is int else None for key, value in DISTRICT.items()}
    assert kpi_breakdown(datetime(2026, 12, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI), "grid") == []


# Officers, November (by the time the work was done):
#   officer: reports D F I K (G is held; A C H O are residents') = 4; valid D F I = 3 → 0.75
#            verifications A, C = 2 (O's was in October; H was voided unverified)
#            checks A pass, C fail, C pass = 3 (I's on-the-spot closing is no check)
#   away_officer: reports B E R = 3, all valid → 1.0; verifications 0; checks B pass, R fail = 2
def test_officer_figures(district, django_assert_num_queries):
    w, _dispatcher2, _cases = district
    with django_assert_num_queries(1):
        rows = officer_kpis(START, END)
    by_id = {row["id"]: row for row in rows}
    expected = {
        w.officer.pk: (4, 3, 0.75, 2, 3),
        w.away_officer.pk: (3, 3, 1.0, 0, 2),
    }
    for officer_id, figures in expected.items():
        row = by_id[officer_id]
        assert (
            row["reports"],
            row["valid_reports"],
            row["valid_report_rate"],
            row["verifications"],
            row["checks"],
        ) == figures


def test_officer_figures_for_a_period_without_work(district):
    w, _dispatcher2, _cases = district
    rows = officer_kpis(datetime(2026, 12, 1, tzinfo=SHANGHAI), END.replace(year=2027, month=1))
    row = next(row for row in rows if row["id"] == w.officer.pk)
    assert (row["reports"], row["valid_report_rate"], row["verifications"], row["checks"]) == (0, None, 0, 0)


# Dispatches in November, held G left out:
#   dispatcher: A B C D(second) E F R = 7, none returned → accuracy 1.0
#   dispatcher2: D(first, to other_unit) = 1, returned → accuracy 0.0
def test_dispatcher_accuracy(district, django_assert_num_queries):
    w, dispatcher2, _cases = district
    with django_assert_num_queries(2):
        rows = dispatcher_kpis(START, END, now=NOW)
    assert {row["id"]: (row["dispatched"], row["returned"], row["accuracy"]) for row in rows} == {
        w.dispatcher.pk: (7, 0, 1.0),
        dispatcher2.pk: (1, 1, 0.0),
    }


def test_a_return_after_now_does_not_count_yet(district):
    w, dispatcher2, _cases = district
    rows = dispatcher_kpis(START, END, now=at(10, 10))
    assert {row["id"]: row["returned"] for row in rows}[dispatcher2.pk] == 0


# Units: the cohort figures of the cases each holds now, plus dispatches received in
# November and returns: unit got A C D(second) F = 4, returned none → 0.0;
# other_unit got B D(first) E R = 4 and returned D → 1/4 = 0.25; other units nothing.
def test_unit_figures_with_returns(district, django_assert_num_queries):
    w, _dispatcher2, _cases = district
    with django_assert_num_queries(3):
        rows = unit_kpis(START, END, now=NOW)
    by_id = {row["id"]: row for row in rows}
    assert None not in by_id
    assert figures_of(by_id[w.unit.pk]) == UNIT
    assert figures_of(by_id[w.other_unit.pk]) == AWAY
    assert (by_id[w.unit.pk]["dispatches"], by_id[w.unit.pk]["returns"], by_id[w.unit.pk]["return_rate"]) == (4, 0, 0.0)
    other = by_id[w.other_unit.pk]
    assert (other["dispatches"], other["returns"], other["return_rate"]) == (4, 1, 0.25)
    idle = next(row for row in rows if row["id"] not in (w.unit.pk, w.other_unit.pk))
    assert (idle["filed"], idle["dispatches"], idle["closing_rate"], idle["return_rate"]) == (0, 0, None, None)
