"""Read queries over officers' daily work: scoped to what the user may see; the map
feeds, coverage and statistics are single SQL statements with the aggregation in
PostgreSQL, so their cost does not grow with Python loops."""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.roles import Role
from accounts.scopes import officer_grid_ids
from mediation.models import AGREED_OUTCOMES, DisputeSource
from patrols.models import (
    DutyShift,
    Hazard,
    HazardState,
    Inspection,
    Patrol,
    Place,
    PlaceType,
    Visit,
    WorkLogEntry,
)
from patrols.tracks import DISPLAY_TOLERANCE_DEG
from patrols.workflow import SUPERVISION_ROLES

TRACK_DECIMALS = 5  # about 1 m: finer than any phone's position
DEFAULT_TRACK_TOLERANCE_DEG = DISPLAY_TOLERANCE_DEG
MAX_TRACK_TOLERANCE_DEG = 0.001
# Patrols are looked up by their start; one that runs longer than this is not found by
# days it did not start in (check-out ends a forgotten patrol).
MAX_PATROL_SPAN = timedelta(days=2)

_DISPLAY_NAME = "coalesce(nullif(trim(concat(u.first_name, ' ', u.last_name)), ''), u.username)"


def supervises(user) -> bool:
    return user.is_authenticated and user.has_role(*SUPERVISION_ROLES)


def local_day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start of `first`, end of `last`) in the district's time zone."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last or first, time.min, zone) + timedelta(days=1)
    return start, end


# ---------------------------------------------------------------- scoped lists


def shifts_for(user):
    shifts = DutyShift.objects.select_related("officer", "check_in_grid", "check_out_grid")
    return shifts if supervises(user) else shifts.filter(officer_id=user.pk)


def patrols_for(user):
    patrols = Patrol.objects.select_related("officer").defer("track", "track_display")
    return patrols if supervises(user) else patrols.filter(officer_id=user.pk)


def places_for(user):
    places = Place.objects.select_related("place_type", "grid")
    if supervises(user):
        return places
    return places.filter(grid_id__in=officer_grid_ids(user))


def place_types():
    return PlaceType.objects.filter(active=True)


def inspections_for(user):
    inspections = Inspection.objects.select_related("place__place_type", "grid", "officer").prefetch_related("photos")
    return inspections if supervises(user) else inspections.filter(officer_id=user.pk)


def hazards_for(user):
    hazards = Hazard.objects.select_related("grid", "place", "found_by", "case", "category")
    if supervises(user):
        return hazards
    return hazards.filter(Q(grid_id__in=officer_grid_ids(user)) | Q(found_by_id=user.pk))


def hazard_detail(hazard_id, user):
    return (
        hazards_for(user)
        .select_related("inspection", "place__place_type", "escalated_by")
        .prefetch_related("photos", "checks__officer", "checks__photos")
        .get(pk=hazard_id)
    )


def open_hazards_for(user):
    """Hazards waiting for a re-inspection, the ones due first on top."""
    return hazards_for(user).filter(state=HazardState.OPEN).order_by("rectify_due")


def visits_for(user):
    visits = Visit.objects.select_related("officer", "grid")
    return visits if supervises(user) else visits.filter(officer_id=user.pk)


def work_log_for(user):
    entries = WorkLogEntry.objects.select_related("officer", "grid")
    return entries if supervises(user) else entries.filter(officer_id=user.pk)


# ---------------------------------------------------------------- tracks


@dataclass(frozen=True)
class TrackFilter:
    """Which patrols' tracks: those running during [start, end), optionally one
    officer's (username), or through one grid or community (codes)."""

    start: datetime
    end: datetime
    officer: str | None = None
    grid: str | None = None
    community: str | None = None


_TRACKS_SQL = f"""
SELECT json_build_object('type', 'FeatureCollection', 'features',
                         coalesce(json_agg(f.feature ORDER BY f.started_at, f.id), '[]'::json))::text
FROM (
    SELECT p.id, p.started_at, json_build_object(
        'type', 'Feature',
        'id', p.id,
        'geometry', ST_AsGeoJSON(CASE
            WHEN %(tolerance)s::float8 = %(stored)s::float8 THEN p.track_display
            WHEN %(tolerance)s::float8 > %(stored)s::float8 THEN ST_Simplify(p.track_display, %(tolerance)s, true)
            ELSE ST_Simplify(p.track, %(tolerance)s, true)
        END, {TRACK_DECIMALS})::json,
        'properties', json_build_object(
            'patrol', p.id,
            'officer', u.username,
            'officer_name', {_DISPLAY_NAME},
            'started_at', p.started_at,
            'ended_at', p.ended_at,
            'distance_m', round(p.distance_m),
            'point_count', p.point_count,
            'flagged_count', p.flagged_count,
            'grids', (SELECT coalesce(json_agg(g.code ORDER BY pg.first_seen_at), '[]'::json)
                      FROM patrols_patrolgrid pg JOIN grid_grid g ON g.id = pg.grid_id
                      WHERE pg.patrol_id = p.id))
    ) AS feature
    FROM patrols_patrol p JOIN accounts_user u ON u.id = p.officer_id
    WHERE p.track IS NOT NULL AND p.started_at < %(end)s AND p.started_at >= %(earliest)s
      AND (p.ended_at IS NULL OR p.ended_at >= %(start)s) {{filters}}
) f
"""

_TRACK_FILTERS = {
    "officer": "AND u.username = %(officer)s",
    "grid": """AND EXISTS (SELECT 1 FROM patrols_patrolgrid pg JOIN grid_grid g ON g.id = pg.grid_id
                           WHERE pg.patrol_id = p.id AND g.code = %(grid)s)""",
    "community": """AND EXISTS (SELECT 1 FROM patrols_patrolgrid pg JOIN grid_grid g ON g.id = pg.grid_id
                                JOIN grid_community c ON c.id = g.community_id
                                WHERE pg.patrol_id = p.id AND c.code = %(community)s)""",
}


def tracks_sql(track_filter: TrackFilter, tolerance: float) -> tuple[str, dict]:
    """The statement behind `tracks_geojson`, for the benchmark's floor as well."""
    params = {
        "start": track_filter.start,
        "end": track_filter.end,
        "earliest": track_filter.start - MAX_PATROL_SPAN,
        "tolerance": tolerance,
        "stored": DISPLAY_TOLERANCE_DEG,
        "officer": track_filter.officer,
        "grid": track_filter.grid,
        "community": track_filter.community,
    }
    filters = " ".join(sql for name, sql in _TRACK_FILTERS.items() if params[name] is not None)
    return _TRACKS_SQL.format(filters=filters), params


def tracks_geojson(track_filter: TrackFilter, *, tolerance: float = DEFAULT_TRACK_TOLERANCE_DEG) -> str:
    """The patrols' tracks simplified by `tolerance` degrees, as a GeoJSON
    FeatureCollection rendered by PostgreSQL (a string, ready to send).

    At the default tolerance the track simplified when it was built is sent as it is; a
    coarser one simplifies that further (within the sum of both tolerances of the
    track), a finer one simplifies the full track, which costs more: meant for one
    officer's or one grid's patrols."""
    sql, params = tracks_sql(track_filter, tolerance)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def tracks_for(user, track_filter: TrackFilter) -> TrackFilter:
    """The filter narrowed to what the user may see: officers see their own tracks."""
    if supervises(user):
        return track_filter
    return TrackFilter(track_filter.start, track_filter.end, officer=user.username)


_PATROL_POINTS_SQL = f"""
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'geometry', ST_AsGeoJSON(location, {TRACK_DECIMALS + 1})::json,
    'properties', json_build_object('recorded_at', recorded_at, 'accuracy', accuracy_m, 'flag', flag)
) ORDER BY recorded_at), '[]'::json))::text
FROM patrols_trackpoint WHERE patrol_id = %(patrol)s AND (%(flagged_only)s = false OR flag <> '')
"""


def patrol_points_geojson(patrol, *, flagged_only=False) -> str:
    """A patrol's stored points with their flags, as GeoJSON (for checking a track)."""
    with connection.cursor() as cursor:
        cursor.execute(_PATROL_POINTS_SQL, {"patrol": patrol.pk, "flagged_only": flagged_only})
        return cursor.fetchone()[0]


def patrol_track_geojson(patrol) -> dict | None:
    if patrol.track is None:
        return None
    return json.loads(patrol.track.geojson)


# ---------------------------------------------------------------- coverage


@dataclass(frozen=True)
class GridCoverage:
    grid_id: int
    code: str
    name: str
    community: str
    required_per_day: int
    days: int
    visits: int
    days_met: int
    short_days: list[date]
    officers: list[str]

    @property
    def status(self) -> str:
        """covered: every day met its requirement; partial: patrolled, not enough;
        missed: not patrolled at all; not_required: no patrols are asked for."""
        if self.required_per_day == 0:
            return "not_required"
        if self.days_met == self.days:
            return "covered"
        return "partial" if self.visits else "missed"


# A grid is visited on a day by each distinct patrol that was in it during that day
# (one patrol through it twice is one visit; a patrol across midnight counts on both days).
_COVERAGE_SQL = f"""
WITH days AS (
    SELECT d::date AS day,
           (d::date)::timestamp AT TIME ZONE %(zone)s AS day_start,
           (d::date + 1)::timestamp AT TIME ZONE %(zone)s AS day_end
    FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
), seen AS (
    SELECT pg.grid_id, pg.patrol_id, p.officer_id, pg.first_seen_at, pg.last_seen_at
    FROM patrols_patrolgrid pg JOIN patrols_patrol p ON p.id = pg.patrol_id
    WHERE pg.first_seen_at < %(end)s AND pg.first_seen_at >= %(earliest)s AND pg.last_seen_at >= %(start)s
), per_day AS (
    SELECT s.grid_id, d.day, count(DISTINCT s.patrol_id) AS visits
    FROM seen s JOIN days d ON s.first_seen_at < d.day_end AND s.last_seen_at >= d.day_start
    GROUP BY s.grid_id, d.day
), officers AS (
    SELECT s.grid_id, array_agg(DISTINCT {_DISPLAY_NAME}) AS names
    FROM seen s JOIN accounts_user u ON u.id = s.officer_id GROUP BY s.grid_id
)
SELECT g.id, g.code, g.name, c.name, req.required,
       count(*) AS days,
       coalesce(sum(v.visits), 0) AS visits,
       count(*) FILTER (WHERE coalesce(v.visits, 0) >= req.required) AS days_met,
       coalesce(array_agg(d.day ORDER BY d.day) FILTER (WHERE coalesce(v.visits, 0) < req.required),
                ARRAY[]::date[]) AS short,
       coalesce(o.names, ARRAY[]::text[]) AS officers
FROM grid_grid g
JOIN grid_community c ON c.id = g.community_id
LEFT JOIN patrols_gridpatrolrequirement r ON r.grid_id = g.id
CROSS JOIN LATERAL (SELECT coalesce(r.visits_per_day, %(default_required)s) AS required) req
CROSS JOIN days d
LEFT JOIN per_day v ON v.grid_id = g.id AND v.day = d.day
LEFT JOIN officers o ON o.grid_id = g.id
{{where}}
GROUP BY g.id, g.code, g.name, c.name, req.required, o.names
ORDER BY g.code
"""


def coverage(first: date, last: date | None = None, *, community: str | None = None) -> list[GridCoverage]:
    """For every grid (of one community, given its code): how often it was patrolled
    each day from `first` to `last` against its requirement, and by whom."""
    last = last or first
    start, end = local_day_bounds(first, last)
    params = {
        "zone": settings.TIME_ZONE,
        "first": first,
        "last": last,
        "start": start,
        "end": end,
        "earliest": start - MAX_PATROL_SPAN,
        "default_required": settings.PATROL_DEFAULT_VISITS_PER_DAY,
        "community": community,
    }
    where = "WHERE c.code = %(community)s" if community else ""
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL.format(where=where), params)
        return [
            GridCoverage(
                grid_id=row[0],
                code=row[1],
                name=row[2],
                community=row[3],
                required_per_day=row[4],
                days=row[5],
                visits=row[6],
                days_met=row[7],
                short_days=list(row[8]),
                officers=sorted(row[9]),
            )
            for row in cursor.fetchall()
        ]


# ---------------------------------------------------------------- statistics

MEASURES = (
    "patrols",
    "km",
    "inspections",
    "places_inspected",
    "hazards_found",
    "hazards_rectified",
    "hazards_escalated",
    "disputes",
    "disputes_resolved",
    "visits",
)

# One row per countable fact in the period, with who and where; grouped below. Disputes
# an officer reported are those of the work log (one resolved on the spot counts as
# reported and resolved at once) and those reported to people's mediation from the grid
# (resolved when the mediation ends in an agreement, counted in the period it ends).
_FACTS_SQL = """
SELECT p.officer_id, pg.grid_id, 'walk' AS measure, pg.patrol_id AS ref, pg.distance_m AS amount
  FROM patrols_patrolgrid pg JOIN patrols_patrol p ON p.id = pg.patrol_id
  WHERE p.started_at >= %(start)s AND p.started_at < %(end)s
UNION ALL
SELECT officer_id, grid_id, 'inspection', place_id, 1 FROM patrols_inspection
  WHERE inspected_at >= %(start)s AND inspected_at < %(end)s
UNION ALL
SELECT found_by_id, grid_id, 'hazard_found', id, 1 FROM patrols_hazard
  WHERE found_at >= %(start)s AND found_at < %(end)s
UNION ALL
SELECT found_by_id, grid_id, 'hazard_rectified', id, 1 FROM patrols_hazard
  WHERE rectified_at >= %(start)s AND rectified_at < %(end)s
UNION ALL
SELECT found_by_id, grid_id, 'hazard_escalated', id, 1 FROM patrols_hazard
  WHERE escalated_at >= %(start)s AND escalated_at < %(end)s
UNION ALL
SELECT officer_id, grid_id, CASE WHEN dispute_resolved THEN 'dispute_resolved' ELSE 'dispute' END, id, 1
  FROM patrols_worklogentry
  WHERE kind = 'dispute' AND logged_at >= %(start)s AND logged_at < %(end)s
UNION ALL
SELECT registered_by_id, grid_id, 'dispute', id, 1 FROM mediation_dispute
  WHERE source = %(officer_source)s AND registered_at >= %(start)s AND registered_at < %(end)s
UNION ALL
SELECT registered_by_id, grid_id, 'dispute_mediated', id, 1 FROM mediation_dispute
  WHERE source = %(officer_source)s AND outcome = ANY(%(agreed)s)
    AND concluded_at >= %(start)s AND concluded_at < %(end)s
UNION ALL
SELECT officer_id, grid_id, 'visit', id, 1 FROM patrols_visit
  WHERE visited_at >= %(start)s AND visited_at < %(end)s
"""

_AGGREGATES = """
    count(DISTINCT f.ref) FILTER (WHERE f.measure = 'walk') AS patrols,
    coalesce(sum(f.amount) FILTER (WHERE f.measure = 'walk'), 0) / 1000.0 AS km,
    count(*) FILTER (WHERE f.measure = 'inspection') AS inspections,
    count(DISTINCT f.ref) FILTER (WHERE f.measure = 'inspection') AS places_inspected,
    count(*) FILTER (WHERE f.measure = 'hazard_found') AS hazards_found,
    count(*) FILTER (WHERE f.measure = 'hazard_rectified') AS hazards_rectified,
    count(*) FILTER (WHERE f.measure = 'hazard_escalated') AS hazards_escalated,
    count(*) FILTER (WHERE f.measure IN ('dispute', 'dispute_resolved')) AS disputes,
    count(*) FILTER (WHERE f.measure IN ('dispute_resolved', 'dispute_mediated')) AS disputes_resolved,
    count(*) FILTER (WHERE f.measure = 'visit') AS visits
"""

# For each grouping: the rows to list (every officer with a grid, every grid, every
# community, even with nothing in the period), their label, and how a fact joins them.
_GROUPINGS = {
    "officer": (
        f"""SELECT u.id AS key, u.username AS code, {_DISPLAY_NAME} AS name FROM accounts_user u
            WHERE u.id IN (SELECT officer_id FROM grid_gridassignment)
               OR u.id IN (SELECT officer_id FROM facts)""",
        "f.officer_id",
    ),
    "grid": ("SELECT id AS key, code, name FROM grid_grid", "f.grid_id"),
    "community": (
        "SELECT id AS key, code, name FROM grid_community",
        "(SELECT community_id FROM grid_grid g WHERE g.id = f.grid_id)",
    ),
}


@dataclass(frozen=True)
class StatisticsRow:
    key: int | None
    code: str
    name: str
    patrols: int
    km: float
    inspections: int
    places_inspected: int
    hazards_found: int
    hazards_rectified: int
    hazards_escalated: int
    disputes: int
    disputes_resolved: int
    visits: int


def statistics(
    start: datetime, end: datetime, *, by: str = "officer", officer_id: int | None = None
) -> tuple[list[StatisticsRow], StatisticsRow]:
    """Places inspected, hazards found and rectified, disputes reported and resolved
    (work log and people's mediation), visits and km walked in
    [start, end), per officer, grid or community, and the totals; of one officer's work
    only, given `officer_id`. Grid and community count where the work was done, officers
    what they did anywhere."""
    rows_sql, fact_key = _GROUPINGS[by]
    only_officer = "WHERE officer_id = %(officer)s" if officer_id is not None else ""
    sql = f"""
    WITH facts AS (SELECT * FROM ({_FACTS_SQL}) all_facts {only_officer}),
    dimension AS ({rows_sql}),
    grouped AS (SELECT {fact_key} AS key, {_AGGREGATES} FROM facts f GROUP BY 1),
    total AS (SELECT {_AGGREGATES} FROM facts f)
    SELECT d.key, d.code, d.name, {", ".join(f"coalesce(g.{m}, 0)" for m in MEASURES)}
    FROM dimension d LEFT JOIN grouped g ON g.key = d.key
    UNION ALL
    SELECT NULL, '', '', {", ".join(f"t.{m}" for m in MEASURES)} FROM total t
    """
    with connection.cursor() as cursor:
        params = {
            "start": start,
            "end": end,
            "officer": officer_id,
            "officer_source": DisputeSource.GRID_OFFICER.value,
            "agreed": sorted(outcome.value for outcome in AGREED_OUTCOMES),
        }
        cursor.execute(sql, params)
        rows = [StatisticsRow(*row[:3], *_measures(row[3:])) for row in cursor.fetchall()]
    total = next(row for row in rows if row.key is None)
    rows = sorted((row for row in rows if row.key is not None), key=lambda row: (row.code, row.name))
    return rows, total


def _measures(values):
    return [
        round(float(value), 2) if name == "km" else int(value) for name, value in zip(MEASURES, values, strict=True)
    ]


def officer_day(user, day: date) -> StatisticsRow:
    """One officer's figures for a day (the home page's summary)."""
    start, end = local_day_bounds(day)
    _rows, total = statistics(start, end, by="officer", officer_id=user.pk)
    return total


def officers_with_role():
    """Officer accounts, for filter menus."""
    from accounts.models import User

    return User.objects.filter(groups__name=Role.GRID_OFFICER, is_active=True).order_by("username")
