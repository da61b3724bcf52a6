"""The evaluation figures of step 7 (综合评价), computed by SQL aggregation.

Cohort. A case belongs to the period [start, end) in which it was **filed** (立案,
`filed_at`): filing is the moment a report becomes a case the district owes an answer
for, and it is set for every path that reaches handling, including on-the-spot
resolutions (filed, handled and closed at once). Voided and merged reports are never
filed, so they never enter. Held cases (挂账) are excluded from every figure, per-post
ones included, while they stay held. The figures are evaluated as of `now` (a parameter,
so reports for a past date and tests are reproducible): a case counts as overdue if its
handling deadline has passed by then.

Definitions (each a count of cases in the cohort):
- handled: the unit gave feedback (`handled_at` set) or the case is past feedback
  (待核查, 待结案, 已结案). A rework clears `handled_at`, so a reworked case counts
  again once the unit gives feedback anew.
- due_to_close (应结案数) = handled + unhandled whose handling deadline < now.
- closed (结案数); closed_on_time (按期结案数): closed and handled by the handling
  deadline, or without one (on-the-spot resolutions, categories without a limit).
  closing_rate and on_time_closing_rate are both over due_to_close.
- due_to_handle (应处置数) = dispatched cases; handled and handled_on_time count only
  dispatched ones, so on-the-spot resolutions weigh on the closing figures, not on the
  handling ones. handling_rate and on_time_handling_rate are over due_to_handle.
- reworked: due-to-close cases with at least one rework; rework_rate over due_to_close.
- overdue: handled after the deadline, or unhandled past it; overdue_rate over
  due_to_close.
- extended: dispatched cases with an approved extension; extension_rate is over
  due_to_handle, since only a dispatched case can be extended and an extension counts
  as soon as it is approved.
- avg_handling_hours: dispatch to (latest) feedback; avg_intake_hours: report to
  filing, on-the-spot resolutions left out as they never pass the intake desk. Both are
  elapsed (calendar) hours, the figure the district publishes ("3 days to 6 hours").
- satisfaction_avg / satisfaction_count: residents' ratings (1-5) of cohort cases.
Rates are None when their denominator is 0, rounded to 4 places; hours to 2.

Per-post figures count work done in the period (by the time it was done), not the
cohort; see officer_kpis, dispatcher_kpis and unit_kpis.
"""

from django.db.models import Avg, Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cases.models import Case, CaseEvent, CaseSource, CaseState, Unit

HANDLED = Q(handled_at__isnull=False) | Q(state__in=(CaseState.TO_CHECK, CaseState.TO_CLOSE, CaseState.CLOSED))
_DISPATCHED = Q(dispatched_at__isnull=False)
_CLOSED = Q(state=CaseState.CLOSED)
_HANDLED_IN_TIME = Q(handle_due_at__isnull=True) | Q(handled_at__lte=F("handle_due_at"))
_NOT_HELD = ~Q(state=CaseState.HELD)
_INVALID_REPORT_STATES = (CaseState.VOIDED, CaseState.MERGED)

BREAKDOWNS = {
    "community": {"id": F("community_id"), "code": F("community__code"), "name": F("community__name")},
    "grid": {"id": F("grid_id"), "code": F("grid__code"), "name": F("grid__name")},
    "unit": {"id": F("unit_id"), "name": F("unit__name")},
    "category": {
        "id": F("category_id"),
        "code": Concat("category__major_code", "category__minor_code"),
        "name": F("category__name"),
    },
}


def overdue(now) -> Q:
    """Handled after the handling deadline, or still unhandled with the deadline passed.
    A held case's clock is stopped, so it is never overdue."""
    handled_late = HANDLED & Q(handled_at__gt=F("handle_due_at"))
    unhandled_past_due = ~HANDLED & Q(handle_due_at__lt=now)
    return _NOT_HELD & (handled_late | unhandled_past_due)


def _aggregates(now) -> dict:
    """The one set of aggregate expressions behind the summary and every breakdown."""
    # Handled, or else past the deadline: the "unhandled" half is implied.
    due_to_close = HANDLED | Q(handle_due_at__lt=now)
    return {
        "filed": Count("pk"),
        "due_to_close": Count("pk", filter=due_to_close),
        "closed": Count("pk", filter=_CLOSED),
        "closed_on_time": Count("pk", filter=_CLOSED & _HANDLED_IN_TIME),
        "due_to_handle": Count("pk", filter=_DISPATCHED),
        "handled": Count("pk", filter=_DISPATCHED & HANDLED),
        "handled_on_time": Count("pk", filter=_DISPATCHED & HANDLED & _HANDLED_IN_TIME),
        "reworked": Count("pk", filter=due_to_close & Q(rework_count__gt=0)),
        "overdue": Count("pk", filter=overdue(now)),
        "extended": Count("pk", filter=_DISPATCHED & Q(extension_count__gt=0)),
        "handling_time": Avg(F("handled_at") - F("dispatched_at"), filter=_DISPATCHED & Q(handled_at__isnull=False)),
        "intake_time": Avg(F("filed_at") - F("reported_at"), filter=Q(resolved_on_spot=False)),
        "satisfaction_avg": Avg("satisfaction"),
        "satisfaction_count": Count("satisfaction"),
    }


def _figures(row) -> dict:
    """Counts as aggregated, plus the rates and averages derived from them."""
    handling_time, intake_time = row.pop("handling_time"), row.pop("intake_time")
    satisfaction = row.pop("satisfaction_avg")
    due_to_close, due_to_handle = row["due_to_close"], row["due_to_handle"]
    return {
        **row,
        "closing_rate": _rate(row["closed"], due_to_close),
        "on_time_closing_rate": _rate(row["closed_on_time"], due_to_close),
        "handling_rate": _rate(row["handled"], due_to_handle),
        "on_time_handling_rate": _rate(row["handled_on_time"], due_to_handle),
        "rework_rate": _rate(row["reworked"], due_to_close),
        "overdue_rate": _rate(row["overdue"], due_to_close),
        "extension_rate": _rate(row["extended"], due_to_handle),
        "avg_handling_hours": _hours(handling_time),
        "avg_intake_hours": _hours(intake_time),
        "satisfaction_avg": None if satisfaction is None else round(float(satisfaction), 2),
    }


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _hours(duration):
    return None if duration is None else round(duration.total_seconds() / 3600, 2)


def _cohort(start, end, cases):
    cases = Case.objects.all() if cases is None else cases
    return cases.filter(_NOT_HELD, filed_at__gte=start, filed_at__lt=end)


def kpi_summary(start, end, *, now=None, cases=None) -> dict:
    """The figures for every case filed in [start, end), in one query. `cases` narrows
    the district to a scope, e.g. visible_cases(user)."""
    row = _cohort(start, end, cases).aggregate(**_aggregates(now or timezone.now()))
    return _figures(row)


def kpi_breakdown(start, end, by, *, now=None, cases=None) -> list[dict]:
    """The summary's figures per community, grid, unit or category, in one query.

    Each row carries the group's id, code and name (a unit has no code: None). By unit,
    cases without one (never dispatched, or returned and waiting) form a row with id
    None; units are those the cases are dispatched to now."""
    if by not in BREAKDOWNS:
        raise ValueError(f"kpi_breakdown by {by!r}: expected one of {sorted(BREAKDOWNS)}")
    group = {f"group_{key}": expression for key, expression in BREAKDOWNS[by].items()}
    sort_key = "group_code" if "group_code" in group else "group_name"
    rows = (
        _cohort(start, end, cases)
        .values(**group)
        .annotate(**_aggregates(now or timezone.now()))
        .order_by(F(sort_key).asc(nulls_last=True), "group_id")
    )
    return [_group_row(row) for row in rows]


def _group_row(row) -> dict:
    group = {key: row.pop(f"group_{key}", None) for key in ("id", "code", "name")}
    return {**group, **_figures(row)}


# ---------------------------------------------------------------- per post


def officer_kpis(start, end, *, officers=None, cases=None) -> list[dict]:
    """Per grid officer, the work done in [start, end), in one query:

    - reports: cases they reported as grid officer (by reported_at); valid_reports: of
      those, the ones not voided or merged as duplicates; valid_report_rate.
    - verifications: on-site verifications of other sources' reports (their own reports
      are verified by reporting and not counted), each verify action once, so a report
      sent back for another verification counts twice.
    - checks: re-checks after feedback, passed or failed (each failed check is a visit
      that sent the case back for rework); on-the-spot resolutions are not checks.
    `officers` defaults to every user with the grid officer role."""
    officers = User.objects.filter(groups__name=Role.GRID_OFFICER) if officers is None else officers
    reported = (Case.objects.all() if cases is None else cases).filter(
        _NOT_HELD, reporter=OuterRef("pk"), source=CaseSource.OFFICER, reported_at__gte=start, reported_at__lt=end
    )
    events = CaseEvent.objects.filter(actor=OuterRef("pk"), created_at__gte=start, created_at__lt=end).exclude(
        case__state=CaseState.HELD
    )
    if cases is not None:
        events = events.filter(case__in=cases)
    officers = officers.annotate(
        reports=_count(reported, "reporter"),
        valid_reports=_count(reported.exclude(state__in=_INVALID_REPORT_STATES), "reporter"),
        verifications=_count(events.filter(action="verify"), "actor"),
        checks=_count(events.filter(action__in=("check_pass", "check_fail")), "actor"),
    ).order_by("username")
    return [
        {
            "id": officer.pk,
            "username": officer.username,
            "name": officer.display_name,
            "reports": officer.reports,
            "valid_reports": officer.valid_reports,
            "valid_report_rate": _rate(officer.valid_reports, officer.reports),
            "verifications": officer.verifications,
            "checks": officer.checks,
        }
        for officer in officers
    ]


def _count(queryset, outer_key):
    """The number of rows of a subquery correlated on `outer_key`, 0 when none."""
    counted = queryset.order_by().values(outer_key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _dispatches(start, end, now, cases):
    """Dispatch events in [start, end), each marked `returned` if the unit sent the case
    back by `now`. After a dispatch the next dispatch-or-return event on the case is a
    return exactly when this dispatch was returned (a case is dispatched again only
    after a return)."""
    later = Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    next_move = (
        CaseEvent.objects.filter(later, case=OuterRef("case"), action__in=("dispatch", "return"), created_at__lte=now)
        .order_by("created_at", "pk")
        .values("action")[:1]
    )
    dispatches = (
        CaseEvent.objects.filter(action="dispatch", created_at__gte=start, created_at__lt=end)
        .exclude(case__state=CaseState.HELD)
        .annotate(next_move=Subquery(next_move))
    )
    if cases is not None:
        dispatches = dispatches.filter(case__in=cases)
    return dispatches


def _dispatch_counts(dispatches, key):
    return (
        dispatches.values(key)
        .annotate(dispatched=Count("pk"), returned=Count("pk", filter=Q(next_move="return")))
        .order_by(key)
    )


def dispatcher_kpis(start, end, *, now=None, cases=None) -> list[dict]:
    """Per dispatcher, the dispatches made in [start, end) and how many the unit returned
    as wrongly dispatched (回退) by `now`; accuracy = not returned / dispatched."""
    now = now or timezone.now()
    counts = list(_dispatch_counts(_dispatches(start, end, now, cases), "actor_id"))
    dispatchers = User.objects.in_bulk([row["actor_id"] for row in counts])
    return [
        {
            "id": row["actor_id"],
            "name": dispatchers[row["actor_id"]].display_name,
            "dispatched": row["dispatched"],
            "returned": row["returned"],
            "accuracy": _rate(row["dispatched"] - row["returned"], row["dispatched"]),
        }
        for row in counts
    ]


def unit_kpis(start, end, *, now=None, cases=None) -> list[dict]:
    """Per unit: the breakdown figures of the cohort cases it holds now (on-time
    handling rate and the rest), plus the dispatches it received in [start, end) and how
    many it returned (回退) by `now`, with return_rate = returned / dispatched.

    Returns are attributed through the dispatch events, which record the unit (a
    returned case's own unit is cleared). Three queries: figures, dispatches, units."""
    now = now or timezone.now()
    figures = {row["id"]: row for row in kpi_breakdown(start, end, "unit", now=now, cases=cases) if row["id"]}
    dispatches = _dispatches(start, end, now, cases).annotate(
        unit_id=Cast(KeyTextTransform("unit", "data"), IntegerField())
    )
    dispatch_counts = {row["unit_id"]: row for row in _dispatch_counts(dispatches, "unit_id")}
    no_cases = _figures(Case.objects.none().aggregate(**_aggregates(now)))  # EmptyResultSet: no query
    no_dispatches = {"dispatched": 0, "returned": 0}
    units = Unit.objects.filter(Q(active=True) | Q(pk__in=[*figures, *dispatch_counts])).order_by("name")
    rows = []
    for unit in units:
        counts = dispatch_counts.get(unit.pk, no_dispatches)
        rows.append(
            {
                **figures.get(unit.pk, no_cases),
                "id": unit.pk,
                "code": None,
                "name": unit.name,
                "dispatches": counts["dispatched"],
                "returns": counts["returned"],
                "return_rate": _rate(counts["returned"], counts["dispatched"]),
            }
        )
    return rows
