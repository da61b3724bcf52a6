"""The command centre's figures. Each chart or card is one SQL aggregate over an
index-backed range (reported_at, filed_at, state); dashboard.figures caches them.

Definitions follow cases.kpis: cohorts by filing time (立案), held cases left out,
on-time closing rate = closed on time / due to close."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from cases.kpis import HANDLED, kpi_breakdown, kpi_summary
from cases.models import OPEN_STATES, Case, CaseState
from mediation.selectors import dashboard_figures as mediation_figures

FLOW_DAYS = 30
ON_TIME_WEEKS = 12
TOP_CATEGORIES = 10
# Cases closed in the flow chart's days are looked for among those reported in this many
# days before: closed_at has no index, reported_at has one. A case reported earlier and
# closed in the window (a long-held one) is left out of the "closed" line.
CLOSED_LOOKBACK_DAYS = 120


@dataclass(frozen=True)
class Periods:
    """Today, this week (from Monday) and this month, in local time, as of `now`."""

    now: datetime

    @property
    def today(self) -> datetime:
        return timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)

    @property
    def week(self) -> datetime:
        return self.today - timedelta(days=self.today.weekday())

    @property
    def month(self) -> datetime:
        return self.today.replace(day=1)


# ---------------------------------------------------------------- the map


def grid_counts(now) -> dict[str, dict]:
    """Open and overdue (current stage past its deadline) cases per grid code; grids
    without open cases are left out. One query over the open states."""
    rows = (
        Case.objects.filter(state__in=OPEN_STATES)
        .values(code=F("grid__code"))
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .order_by()
    )
    return {row["code"]: {"open": row["open"], "overdue": row["overdue"]} for row in rows}


# ---------------------------------------------------------------- KPI cards


def kpi_cards(now) -> list[dict]:
    periods = Periods(now)
    return [
        {"period": "today", **kpi_summary(periods.today, now, now=now)},
        {"period": "week", **kpi_summary(periods.week, now, now=now)},
        {"period": "month", **kpi_summary(periods.month, now, now=now)},
    ]


# ---------------------------------------------------------------- charts

_FLOW_SQL = f"""
SELECT day, sum(reported)::int, sum(closed)::int FROM (
  SELECT (reported_at AT TIME ZONE %(tz)s)::date AS day, 1 AS reported, 0 AS closed
    FROM {Case._meta.db_table} WHERE reported_at >= %(since)s
  UNION ALL
  SELECT (closed_at AT TIME ZONE %(tz)s)::date, 0, 1
    FROM {Case._meta.db_table}
   WHERE reported_at >= %(closed_horizon)s AND closed_at >= %(since)s AND state = %(closed)s
) flow GROUP BY day ORDER BY day
"""


def daily_flow(now, days=FLOW_DAYS) -> dict:
    """Cases in (reported) and out (closed) per local day over the last `days` days,
    today included. One query."""
    first = Periods(now).today - timedelta(days=days - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            _FLOW_SQL,
            {
                "tz": settings.TIME_ZONE,
                "since": first,
                "closed_horizon": first - timedelta(days=CLOSED_LOOKBACK_DAYS),
                "closed": CaseState.CLOSED,
            },
        )
        by_day = {day: (reported, closed) for day, reported, closed in cursor.fetchall()}
    dates = [(first + timedelta(days=offset)).date() for offset in range(days)]
    return {
        "days": [day.isoformat() for day in dates],
        "reported": [by_day.get(day, (0, 0))[0] for day in dates],
        "closed": [by_day.get(day, (0, 0))[1] for day in dates],
    }


def weekly_on_time(now, weeks=ON_TIME_WEEKS) -> dict:
    """Per filing week (Monday to Sunday) over the last `weeks` weeks: cases due to
    close and the on-time closing rate. One query."""
    first = Periods(now).week - timedelta(weeks=weeks - 1)
    due_to_close = HANDLED | Q(handle_due_at__lt=now)
    closed_on_time = Q(closed_at__isnull=False) & (
        Q(handle_due_at__isnull=True) | Q(handled_at__lte=F("handle_due_at"))
    )
    rows = (
        Case.objects.filter(filed_at__gte=first, filed_at__lt=now)
        .exclude(state=CaseState.HELD)
        .annotate(week=TruncWeek("filed_at", tzinfo=timezone.get_current_timezone()))
        .values("week")
        .annotate(due=Count("pk", filter=due_to_close), on_time=Count("pk", filter=closed_on_time))
        .order_by("week")
    )
    by_week = {timezone.localtime(row["week"]).date(): row for row in rows}
    starts = [(first + timedelta(weeks=offset)).date() for offset in range(weeks)]
    return {
        "weeks": [start.isoformat() for start in starts],
        "due": [by_week[start]["due"] if start in by_week else 0 for start in starts],
        "rate": [_rate(by_week[start]) if start in by_week else None for start in starts],
    }


def _rate(row):
    return round(row["on_time"] / row["due"], 4) if row["due"] else None


def by_category(now, days=FLOW_DAYS, top=TOP_CATEGORIES) -> list[dict]:
    """The categories most reported in the last `days` days, open and closed. One query."""
    since = Periods(now).today - timedelta(days=days - 1)
    rows = (
        Case.objects.filter(reported_at__gte=since)
        .exclude(state__in=(CaseState.VOIDED, CaseState.MERGED))
        .values("category_id", name=F("category__name"), name_en=F("category__name_en"))
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            closed=Count("pk", filter=Q(state=CaseState.CLOSED)),
        )
        .order_by("-total", "category_id")[:top]
    )
    return list(rows)


def by_community(now) -> list[dict]:
    """This month's cohort per community: filed, closed, on-time closing rate. One query."""
    return [
        {
            "name": row["name"],
            "filed": row["filed"],
            "closed": row["closed"],
            "on_time_closing_rate": row["on_time_closing_rate"],
        }
        for row in kpi_breakdown(Periods(now).month, now, "community", now=now)
    ]


def all_figures(now) -> dict:
    """Everything the dashboard shows except the viewer's own queues."""
    return {
        "computed_at": now,
        "grids": grid_counts(now),
        "kpis": kpi_cards(now),
        "flow": daily_flow(now),
        "on_time": weekly_on_time(now),
        "categories": by_category(now),
        "communities": by_community(now),
        "mediation": mediation_figures(now),
    }
