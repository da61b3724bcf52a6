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
- handled: the unit gave feedback (`handled_at` set; every state past feedback, 待核查,
  待结案, 已结案, has it). A rework clears it, so a reworked case counts again once the
  unit gives feedback anew.
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
- extended: cases with an approved extension; extension_rate is over due_to_handle,
  since only a dispatched case can be extended, and an extension counts as soon as it
  is approved.
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

# Time stamps rather than states: every state past feedback has handled_at (a rework
# clears it) and only closed cases have closed_at, and a null test is much cheaper per
# row than comparing state strings, which matters at a month of a million-case table.
HANDLED = Q(handled_at__isnull=False)
_CLOSED = Q(closed_at__isnull=False)
_DISPATCHED = Q(dispatched_at__isnull=False)
_HANDLED_IN_TIME = Q(handle_due_at__isnull=True) | Q(handled_at__lte=F("handle_due_at"))
CLOSED_ON_TIME = _CLOSED & _HANDLED_IN_TIME
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


def due_to_close(now) -> Q:
    """Handled, or else past the handling deadline (the "unhandled" half is implied)."""
    return HANDLED | Q(handle_due_at__lt=now)


def overdue(now) -> Q:
    """Handled after the handling deadline, or still unhandled with the deadline passed.
    A held case's clock is stopped, so it is never overdue."""
    return _NOT_HELD & _late(now)


def _late(now) -> Q:
    return Q(handled_at__gt=F("handle_due_at")) | Q(handled_at__isnull=True, handle_due_at__lt=now)


def _aggregates(now) -> dict:
    """The one set of aggregate expressions behind the summary and every breakdown."""
    due = due_to_close(now)
    return {
        "filed": Count("pk"),
        "due_to_close": Count("pk", filter=due),
        "closed": Count("pk", filter=_CLOSED),
        "closed_on_time": Count("pk", filter=CLOSED_ON_TIME),
        "due_to_handle": Count("pk", filter=_DISPATCHED),
        "handled": Count("pk", filter=_DISPATCHED & HANDLED),
        "handled_on_time": Count("pk", filter=_DISPATCHED & HANDLED & _HANDLED_IN_TIME),
        "reworked": Count("pk", filter=due & Q(rework_count__gt=0)),
        "overdue": Count("pk", filter=_late(now)),  # the cohort has no held cases
        "extended": Count("pk", filter=Q(extension_count__gt=0)),
        "handling_time": Avg(F("handled_at") - F("dispatched_at"), filter=_DISPATCHED & HANDLED),
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


def _events(cases, *actions):
    # Held cases are few: NOT IN over them is cheaper than joining every event to its case.
    events = CaseEvent.objects.filter(action__in=actions).exclude(
        case_id__in=Case.objects.filter(state=CaseState.HELD).values("pk")
    )
    return events if cases is None else events.filter(case__in=cases)


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
    done = {"actor": OuterRef("pk"), "created_at__gte": start, "created_at__lt": end}
    officers = officers.annotate(
        reports=_count(reported, "reporter"),
        valid_reports=_count(reported.exclude(state__in=_INVALID_REPORT_STATES), "reporter"),
        verifications=_count(_events(cases, "verify").filter(**done), "actor"),
        checks=_count(_events(cases, "check_pass", "check_fail").filter(**done), "actor"),
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


# What a dispatch is counted by: who made it, or the unit it went to.
_DISPATCH_GROUPS = {
    "dispatcher": F("actor_id"),
    "unit": Cast(KeyTextTransform("unit", "data"), IntegerField()),
}


def _dispatch_counts(start, end, now, cases, by) -> dict:
    """{dispatcher or unit id: {"dispatched": n, "returned": m}} for the dispatches made
    in [start, end), m of them returned as wrongly dispatched (回退) by `now`, in one query.

    A return undoes the case's latest dispatch before it. Returns are rare, so each one
    looks back for its dispatch once, and the dispatches test membership in that set
    (hashed), instead of every dispatch looking ahead for a return."""
    group = _DISPATCH_GROUPS[by]
    undone = (
        CaseEvent.objects.filter(case=OuterRef("case"), action="dispatch", created_at__lte=OuterRef("created_at"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    returned = CaseEvent.objects.filter(action="return", created_at__gte=start, created_at__lte=now).values(
        dispatch=Subquery(undone)
    )
    rows = (
        _events(cases, "dispatch")
        .filter(created_at__gte=start, created_at__lt=end)
        .values(group_id=group)
        .annotate(dispatched=Count("pk"), returned=Count("pk", filter=Q(pk__in=returned)))
        .order_by()
    )
    return {row["group_id"]: {"dispatched": row["dispatched"], "returned": row["returned"]} for row in rows}


def dispatcher_kpis(start, end, *, now=None, cases=None) -> list[dict]:
    """Per dispatcher, the dispatches made in [start, end) and how many the unit returned
    as wrongly dispatched (回退) by `now`; accuracy = not returned / dispatched.
    Two queries: the counts, then the dispatchers."""
    counts = _dispatch_counts(start, end, now or timezone.now(), cases, "dispatcher")
    dispatchers = User.objects.in_bulk(list(counts))
    return [
        {
            "id": dispatcher_id,
            "name": dispatchers[dispatcher_id].display_name,
            "dispatched": figures["dispatched"],
            "returned": figures["returned"],
            "accuracy": _rate(figures["dispatched"] - figures["returned"], figures["dispatched"]),
        }
        for dispatcher_id, figures in sorted(counts.items())
    ]


def unit_kpis(start, end, *, now=None, cases=None) -> list[dict]:
    """Per unit: the breakdown figures of the cohort cases it holds now (on-time
    handling rate and the rest), plus the dispatches it received in [start, end) and how
    many it returned (回退) by `now`, with return_rate = returned / dispatched.

    Returns are attributed through the dispatch events, which record the unit (a
    returned case's own unit is cleared). Three queries: figures, dispatches, units."""
    now = now or timezone.now()
    figures = {row["id"]: row for row in kpi_breakdown(start, end, "unit", now=now, cases=cases) if row["id"]}
    dispatch_counts = _dispatch_counts(start, end, now, cases, "unit")
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
