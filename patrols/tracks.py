"""Track points in, a clean track out.

A phone sends its positions in batches, in any order, possibly more than once (an offline
queue retries until it hears an answer). `ingest` stores a batch with one INSERT … ON
CONFLICT DO NOTHING (a point already stored is skipped, so a repeated upload changes
nothing), placing every point in its grid in the same statement with the lookup rules of
grid.lookup.locate. Points that cannot be trusted are stored but flagged, which keeps
them out of the track, its distance and the grids the patrol is counted in:

- out_of_window: timed before the patrol started or after it ended (beyond the clock skew
  PATROL_CLOCK_SKEW_SECONDS), or in the future;
- outside: in no grid, and farther than GRID_SNAP_DISTANCE_M from every grid;
- inaccurate: the phone reported an accuracy worse than PATROL_MAX_ACCURACY_M;
- speed: reaching it from the last kept point would need more than PATROL_MAX_SPEED_MPS.
  Each point is compared with the last *kept* point before it in time, so one wild fix
  is dropped without dragging its neighbours with it, and a real move (a bus ride) is
  accepted again as soon as the time since the last kept point makes it possible.

The speed check depends on the points before each point, so a batch that lands in the
middle of the stored points (an offline phone catching up) re-checks everything from its
first point on. Then the track, distance and per-grid visits are rebuilt from the kept
points in two statements.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.lookup import _DEG_PER_M
from patrols.models import PointFlag

EARTH_RADIUS_M = 6_371_008.8  # mean radius, as used for the speed check and the distances
_MAX_REPORTED_ERRORS = 10


@dataclass(frozen=True)
class IngestResult:
    received: int
    stored: int  # new points; received - stored were already there
    flagged: int  # of the new points, how many are kept out of the track

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


def parse_points(raw) -> list[tuple[datetime, float, float, float | None]]:
    """Validate an uploaded batch: a list of {recorded_at, lon, lat, accuracy?}. Returns
    (recorded_at, lon, lat, accuracy) tuples sorted by time, one per timestamp (the first
    one sent wins, as it would in the database). Raises ValidationError naming the first
    few bad points by their position in the list."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"points": _("points 必须是非空的轨迹点列表")})
    limit = settings.PATROL_MAX_POINTS_PER_UPLOAD
    if len(raw) > limit:
        raise ValidationError({"points": _("一次最多上传 %(n)d 个轨迹点") % {"n": limit}})
    errors, points = [], {}
    for index, item in enumerate(raw):
        try:
            point = _parse_point(item)
        except ValueError as exc:
            errors.append(_("第 %(n)d 个点：%(error)s") % {"n": index + 1, "error": exc})
            if len(errors) >= _MAX_REPORTED_ERRORS:
                break
            continue
        points.setdefault(point[0], point)
    if errors:
        raise ValidationError({"points": errors})
    return sorted(points.values())


def _parse_point(item):
    if not isinstance(item, dict):
        raise ValueError(_("必须是对象"))
    stamp = item.get("recorded_at")
    try:
        recorded_at = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        recorded_at = None
    if recorded_at is None or timezone.is_naive(recorded_at):
        raise ValueError(_("recorded_at 必须是带时区的 ISO 8601 时间"))
    lon, lat = _number(item.get("lon")), _number(item.get("lat"))
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(_("lon / lat 必须是有效的经纬度"))
    accuracy = item.get("accuracy")
    if accuracy is not None:
        accuracy = _number(accuracy)
        if accuracy is None or accuracy < 0:
            raise ValueError(_("accuracy 必须是非负数（米）"))
    return recorded_at, lon, lat, accuracy


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# One statement: place each point in its grid as grid.lookup.locate does (the containing
# grid with the lowest code, else the nearest within the snap distance) and insert it,
# skipping points already stored. The grids near the batch are found with one index scan
# and each point is tested against those few only: one index probe per point would cost
# ten times as much. The per-point flag from Python (out of window, inaccurate) gives way
# to "outside" except for points already out of the window.
_INSERT_SQL = """
WITH input AS (
    SELECT u.t, ST_SetSRID(ST_MakePoint(u.x, u.y), 4326) AS pt, u.a, u.f
    FROM unnest(%(times)s::timestamptz[], %(lons)s::float8[], %(lats)s::float8[], %(accuracies)s::float8[],
                %(flags)s::text[]) AS u(t, x, y, a, f)
), nearby AS MATERIALIZED (
    SELECT g.id, g.code, g.boundary FROM grid_grid g
    WHERE g.boundary && (SELECT ST_Expand(ST_SetSRID(ST_Extent(pt)::geometry, 4326), %(expand)s) FROM input)
), located AS (
    SELECT input.*, coalesce(inside.id, near.id) AS grid_id
    FROM input
    LEFT JOIN LATERAL (
        SELECT g.id FROM nearby g WHERE ST_Intersects(g.boundary, input.pt) ORDER BY g.code LIMIT 1
    ) inside ON true
    LEFT JOIN LATERAL (
        SELECT g.id FROM nearby g
        WHERE inside.id IS NULL AND ST_DWithin(g.boundary::geography, input.pt::geography, %(snap)s)
        ORDER BY ST_Distance(g.boundary::geography, input.pt::geography), g.code LIMIT 1
    ) near ON true
)
INSERT INTO patrols_trackpoint (patrol_id, recorded_at, location, accuracy_m, grid_id, flag)
SELECT %(patrol)s, t, pt, a, grid_id,
       CASE WHEN f = 'out_of_window' THEN f WHEN grid_id IS NULL THEN 'outside' ELSE f END
FROM located
ON CONFLICT (patrol_id, recorded_at) DO NOTHING
RETURNING recorded_at
"""

# The stored points the speed check must see again: from the last kept point before
# `since` (the context) to the end.
_RECHECK_SQL = """
SELECT id, recorded_at, ST_X(location), ST_Y(location), flag FROM patrols_trackpoint
WHERE patrol_id = %(patrol)s AND recorded_at >= coalesce(
    (SELECT max(recorded_at) FROM patrols_trackpoint
     WHERE patrol_id = %(patrol)s AND recorded_at < %(since)s AND flag = ''),
    %(since)s)
ORDER BY recorded_at
"""

_REFLAG_SQL = """
UPDATE patrols_trackpoint p SET flag = u.f
FROM unnest(%(ids)s::bigint[], %(flags)s::text[]) AS u(id, f)
WHERE p.id = u.id
"""

# The kept points in time order with the length of the step that reached each one; the
# per-grid visits (a step counts in the grid it ends in) and the patrol's totals from them.
_KEPT = """
kept AS (
    SELECT recorded_at, location, grid_id,
           coalesce(ST_DistanceSphere(lag(location) OVER (ORDER BY recorded_at), location), 0) AS step_m
    FROM patrols_trackpoint WHERE patrol_id = %(patrol)s AND flag = ''
)
"""

# One statement: the grids' visits (a step counts in the grid it ends in) and the
# patrol's track and totals, all from the kept points.
_REBUILD_SQL = """
WITH kept AS (
    SELECT recorded_at, location, grid_id,
           coalesce(ST_DistanceSphere(lag(location) OVER (ORDER BY recorded_at), location), 0) AS step_m
    FROM patrols_trackpoint WHERE patrol_id = %(patrol)s AND flag = ''
), visits AS (
    SELECT grid_id, min(recorded_at) AS first_at, max(recorded_at) AS last_at, count(*) AS n, sum(step_m) AS metres
    FROM kept WHERE grid_id IS NOT NULL GROUP BY grid_id
), gone AS (
    DELETE FROM patrols_patrolgrid WHERE patrol_id = %(patrol)s AND grid_id NOT IN (SELECT grid_id FROM visits)
), saved AS (
    INSERT INTO patrols_patrolgrid (patrol_id, grid_id, first_seen_at, last_seen_at, point_count, distance_m)
    SELECT %(patrol)s, grid_id, first_at, last_at, n, metres FROM visits
    ON CONFLICT (patrol_id, grid_id) DO UPDATE SET
        first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
        point_count = excluded.point_count, distance_m = excluded.distance_m
), line AS (
    SELECT CASE WHEN count(*) >= 2 THEN ST_MakeLine(location ORDER BY recorded_at) END AS track,
           coalesce(sum(step_m), 0) AS metres
    FROM kept
), counts AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE flag <> '') AS flagged
    FROM patrols_trackpoint WHERE patrol_id = %(patrol)s
)
UPDATE patrols_patrol SET track = line.track, distance_m = line.metres,
    point_count = counts.n, flagged_count = counts.flagged
FROM line, counts WHERE id = %(patrol)s
RETURNING distance_m, point_count, flagged_count
"""


def ingest(patrol, points, *, now) -> IngestResult:
    """Store parsed points for `patrol` (locked by the caller) and rebuild its track."""
    skew = timedelta(seconds=settings.PATROL_CLOCK_SKEW_SECONDS)
    earliest = patrol.started_at - skew
    latest = min(patrol.ended_at or now, now) + skew
    max_accuracy = settings.PATROL_MAX_ACCURACY_M
    times, lons, lats, accuracies, flags = [], [], [], [], []
    for recorded_at, lon, lat, accuracy in points:
        times.append(recorded_at)
        lons.append(lon)
        lats.append(lat)
        accuracies.append(accuracy)
        if not earliest <= recorded_at <= latest:
            flags.append(PointFlag.OUT_OF_WINDOW.value)
        elif accuracy is not None and accuracy > max_accuracy:
            flags.append(PointFlag.INACCURATE.value)
        else:
            flags.append(PointFlag.KEPT.value)
    snap = settings.GRID_SNAP_DISTANCE_M
    mid_lat = math.radians(sum(lats) / len(lats))
    params = {
        "patrol": patrol.pk,
        "times": times,
        "lons": lons,
        "lats": lats,
        "accuracies": accuracies,
        "flags": flags,
        "snap": snap,
        "expand": snap * _DEG_PER_M / max(math.cos(mid_lat), 0.01) * 1.01,
    }
    connection.ensure_connection()
    # Server-side binding on Django's own connection (same transaction): each statement
    # is prepared once per connection, which saves its planning on every upload.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_INSERT_SQL, params, prepare=True)
        stored = [row[0] for row in cursor.fetchall()]
        if not stored:
            return IngestResult(received=len(points), stored=0, flagged=0)
        new_flags = _recheck_speed(cursor, patrol.pk, since=min(stored), new=set(stored))
        cursor.execute(_REBUILD_SQL, {"patrol": patrol.pk}, prepare=True)
        patrol.distance_m, patrol.point_count, patrol.flagged_count = cursor.fetchone()
    return IngestResult(received=len(points), stored=len(stored), flagged=sum(1 for f in new_flags if f))


def _recheck_speed(cursor, patrol_id, *, since, new) -> list[str]:
    """Flag impossible jumps from `since` on; returns the flags of the new points."""
    cursor.execute(_RECHECK_SQL, {"patrol": patrol_id, "since": since}, prepare=True)
    max_speed = settings.PATROL_MAX_SPEED_MPS
    changed_ids, changed_flags, new_flags = [], [], []
    last = None  # (time, lon, lat) of the last kept point
    for point_id, recorded_at, lon, lat, flag in cursor.fetchall():
        if flag in ("", PointFlag.SPEED):
            seconds = (recorded_at - last[0]).total_seconds() if last else 0
            too_fast = last is not None and _metres(last[1], last[2], lon, lat) > max_speed * seconds
            verdict = PointFlag.SPEED.value if too_fast else ""
            if verdict != flag:
                changed_ids.append(point_id)
                changed_flags.append(verdict)
            flag = verdict
            if not too_fast:
                last = (recorded_at, lon, lat)
        if recorded_at in new:
            new_flags.append(flag)
    if changed_ids:
        cursor.execute(_REFLAG_SQL, {"ids": changed_ids, "flags": changed_flags}, prepare=True)
    return new_flags


def _metres(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance (haversine) on the mean-radius sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
