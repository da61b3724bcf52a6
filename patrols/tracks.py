"""Track points in, a clean track out.

A phone sends its positions in batches, in any order, possibly more than once (an offline
queue retries until it hears an answer). `ingest` stores a batch with one INSERT that
skips the points already stored (so a repeated upload changes nothing) and places every
point in its grid in the same statement, with the lookup rules of grid.lookup.locate.
Points that cannot be trusted are stored but flagged, which keeps them out of the track,
its distance and the grids the patrol is counted in:

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
first point on. Then the track, its distance, the copy simplified for the map and the
per-grid visits are rebuilt from the kept points in one statement. Usually that is all:
two statements per upload; a batch with a jump to judge costs two more.
"""

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from grid.lookup import _DEG_PER_M
from patrols.models import PointFlag

EARTH_RADIUS_M = 6_371_008.8  # mean radius, for the speed check
# The track as the day's map shows it, simplified once when it is built: about 10 m,
# finer than a screen pixel at district zoom (see patrols.selectors.tracks_sql).
DISPLAY_TOLERANCE_DEG = 0.0001
_MAX_REPORTED_ERRORS = 10


@dataclass(frozen=True)
class IngestResult:
    received: int
    stored: int  # new points; received - stored were already there
    flagged: int  # of the new points, how many are kept out of the track
    # The patrol afterwards:
    distance_m: float
    point_count: int
    flagged_count: int

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


def parse_points(raw) -> list[tuple[datetime, float, float, float | None]]:
    """Validate an uploaded batch: a list of {recorded_at, lon, lat, accuracy?}. Returns
    (recorded_at, lon, lat, accuracy) tuples sorted by time, one per timestamp (the first
    one sent wins, as it would in the database). Raises ValidationError naming the first
    few bad points by their position in the list.

    A phone sends a thousand points at a time: the loop does as little per point as it
    can, and works out what exactly is wrong only for the points that fail."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"points": _("points 必须是非空的轨迹点列表")})
    limit = settings.PATROL_MAX_POINTS_PER_UPLOAD
    if len(raw) > limit:
        raise ValidationError({"points": _("一次最多上传 %(n)d 个轨迹点") % {"n": limit}})
    parse_time, numbers = datetime.fromisoformat, _NUMBER_TYPES
    points, bad = {}, []
    for index, item in enumerate(raw):
        try:
            recorded_at = parse_time(item["recorded_at"])
            lon, lat, accuracy = item["lon"], item["lat"], item.get("accuracy")
            good = (
                recorded_at.tzinfo is not None
                and type(lon) in numbers
                and type(lat) in numbers
                and -180 <= lon <= 180
                and -90 <= lat <= 90
                and (accuracy is None or (type(accuracy) in numbers and 0 <= accuracy <= _MAX_ACCURACY_M))
            )
        except (TypeError, KeyError, ValueError):
            good = False
        if good:
            points.setdefault(recorded_at, (recorded_at, float(lon), float(lat), accuracy))
        else:
            bad.append(index)
            if len(bad) >= _MAX_REPORTED_ERRORS:
                break
    if bad:
        raise ValidationError(
            {"points": [_("第 %(n)d 个点：%(error)s") % {"n": i + 1, "error": _what_is_wrong(raw[i])} for i in bad]}
        )
    return sorted(points.values(), key=_first)


_NUMBER_TYPES = frozenset({int, float})
_MAX_ACCURACY_M = 1e7


def _first(point):
    return point[0]


def _what_is_wrong(item) -> str:
    if not isinstance(item, dict):
        return _("必须是对象")
    stamp = item.get("recorded_at")
    try:
        recorded_at = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        recorded_at = None
    if recorded_at is None or recorded_at.tzinfo is None:
        return _("recorded_at 必须是带时区的 ISO 8601 时间")
    lon, lat = item.get("lon"), item.get("lat")
    if not all(type(v) in _NUMBER_TYPES and math.isfinite(v) for v in (lon, lat)) or not (
        -180 <= lon <= 180 and -90 <= lat <= 90
    ):
        return _("lon / lat 必须是有效的经纬度")
    return _("accuracy 必须是非负数（米）")


# One statement: read the batch (the JSON text it came in: an object whose "points" are
# the points; PostgreSQL's json functions take the last of repeated keys, as Python's
# json module does, so both read the same points), flag what the point alone
# tells (out of the patrol's time, poor accuracy), place each point in its grid as
# grid.lookup.locate does (the containing grid with the lowest code, else the nearest
# within the snap distance; none: outside) and insert the points not stored yet.
#
# The grids near the batch are found with one index scan and each point is tested
# against those few only: an index probe per point would cost ten times as much. Points
# already stored are left out by one range scan of the patrol's points and a hash
# lookup each, rather than by ON CONFLICT, whose speculative insertion costs more per
# row; the patrol's row lock (held by the caller) keeps two uploads of one patrol from
# racing, and the unique constraint stays the last word. A timestamp sent twice in one
# batch keeps its first point.
_INSERT_SQL = """
WITH sent AS MATERIALIZED (
    SELECT DISTINCT ON (u.recorded_at) u.recorded_at AS t, u.lon, u.lat, u.accuracy AS a
    FROM ROWS FROM (json_to_recordset((%(batch)s::json)->'points')
                    AS (recorded_at timestamptz, lon float8, lat float8, accuracy float8)) WITH ORDINALITY
         AS u(recorded_at, lon, lat, accuracy, n)
    ORDER BY u.recorded_at, u.n
), stored AS (
    SELECT recorded_at FROM patrols_trackpoint
    WHERE patrol_id = %(patrol)s AND recorded_at BETWEEN (SELECT min(t) FROM sent) AND (SELECT max(t) FROM sent)
), input AS (
    SELECT t, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS pt, a,
           CASE WHEN t < %(earliest)s OR t > %(latest)s THEN 'out_of_window'
                WHEN a > %(max_accuracy)s THEN 'inaccurate' ELSE '' END AS f
    FROM sent
    WHERE t NOT IN (SELECT recorded_at FROM stored)
), nearby AS MATERIALIZED (
    SELECT g.id, g.code, g.boundary FROM grid_grid g
    WHERE g.boundary && (SELECT ST_Expand(ST_MakeEnvelope(min(lon), min(lat), max(lon), max(lat), 4326), %(expand)s)
                         FROM sent)
), located AS (
    SELECT input.*, coalesce(inside.id, near.id) AS grid_id
    FROM input
    LEFT JOIN LATERAL (
        SELECT g.id FROM nearby g WHERE ST_Intersects(g.boundary, input.pt) ORDER BY g.code LIMIT 1
    ) inside ON true
    LEFT JOIN LATERAL (
        SELECT g.id FROM nearby g
        WHERE inside.id IS NULL AND ST_DWithin(g.boundary, input.pt, %(expand)s)
          AND ST_DWithin(g.boundary::geography, input.pt::geography, %(snap)s)
        ORDER BY ST_Distance(g.boundary::geography, input.pt::geography), g.code LIMIT 1
    ) near ON true
)
INSERT INTO patrols_trackpoint (patrol_id, recorded_at, location, accuracy_m, grid_id, flag)
SELECT %(patrol)s, t, pt, a, grid_id,
       CASE WHEN f = 'out_of_window' THEN f WHEN grid_id IS NULL THEN 'outside' ELSE f END
FROM located
RETURNING id, flag
"""

# The points the speed check must see again: those that may be kept, from the last kept
# point before `since` (the context) on, each with the distance and time from the one
# before it.
_CANDIDATES = """
candidates AS (
    SELECT id, recorded_at, location, flag,
           ST_DistanceSphere(lag(location) OVER w, location) AS step,
           extract(epoch FROM recorded_at - lag(recorded_at) OVER w) AS seconds
    FROM patrols_trackpoint
    WHERE patrol_id = %(patrol)s AND flag IN ('', 'speed') AND recorded_at >= coalesce(
        (SELECT max(recorded_at) FROM patrols_trackpoint
         WHERE patrol_id = %(patrol)s AND recorded_at < %(since)s AND flag = ''),
        %(since)s)
    WINDOW w AS (ORDER BY recorded_at)
)
"""

# Times as epoch seconds: floats cost less to read.
_RECHECK_SQL = f"""
WITH {_CANDIDATES}
SELECT id, extract(epoch FROM recorded_at)::float8, ST_X(location), ST_Y(location), flag
FROM candidates ORDER BY recorded_at
"""

_REFLAG_SQL = """
UPDATE patrols_trackpoint p SET flag = u.f
FROM unnest(%(ids)s::bigint[], %(flags)s::text[]) AS u(id, f)
WHERE p.id = u.id
"""

# One statement: the grids' visits (a step counts in the grid it ends in) and the
# patrol's track and totals, all from the kept points. With check_speed, it first makes
# sure no candidate is flagged for speed or too fast from the one before it (usually so:
# then each point's last kept point is the one before it and every flag stands) and
# otherwise writes nothing and returns no row, for the point-by-point check to run first.
_REBUILD_SQL = f"""
WITH {_CANDIDATES}, proceed AS (
    SELECT NOT (%(check_speed)s AND EXISTS (
        SELECT 1 FROM candidates WHERE flag = 'speed' OR step > %(max_speed)s * seconds)) AS ok
), kept AS (
    SELECT recorded_at, location, grid_id,
           coalesce(ST_DistanceSphere(lag(location) OVER (ORDER BY recorded_at), location), 0) AS step_m
    FROM patrols_trackpoint WHERE patrol_id = %(patrol)s AND flag = ''
), visits AS (
    SELECT grid_id, min(recorded_at) AS first_at, max(recorded_at) AS last_at, count(*) AS n, sum(step_m) AS metres
    FROM kept WHERE grid_id IS NOT NULL GROUP BY grid_id
), gone AS (
    DELETE FROM patrols_patrolgrid
    WHERE (SELECT ok FROM proceed) AND patrol_id = %(patrol)s AND grid_id NOT IN (SELECT grid_id FROM visits)
), saved AS (
    INSERT INTO patrols_patrolgrid (patrol_id, grid_id, first_seen_at, last_seen_at, point_count, distance_m)
    SELECT %(patrol)s, grid_id, first_at, last_at, n, metres FROM visits WHERE (SELECT ok FROM proceed)
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
    track_display = ST_Simplify(line.track, %(display_tolerance)s, true),
    point_count = counts.n, flagged_count = counts.flagged
FROM line, counts WHERE id = %(patrol)s AND (SELECT ok FROM proceed)
RETURNING distance_m, point_count, flagged_count
"""


def ingest(patrol, points, *, now, batch_json=None) -> IngestResult:
    """Store parsed points for `patrol` (locked by the caller) and rebuild its track.

    `batch_json` is the JSON text the points were parsed from, {"points": [...]}, when
    the caller has it (an upload's body): PostgreSQL reads it as it is, instead of a copy
    encoded again."""
    skew = timedelta(seconds=settings.PATROL_CLOCK_SKEW_SECONDS)
    snap = settings.GRID_SNAP_DISTANCE_M
    mid_lat = math.radians(points[len(points) // 2][2])
    params = {
        "patrol": patrol.pk,
        "batch": batch_json if batch_json is not None else _as_json(points),
        "earliest": patrol.started_at - skew,
        "latest": min(patrol.ended_at or now, now) + skew,
        "max_accuracy": settings.PATROL_MAX_ACCURACY_M,
        "snap": snap,
        "expand": snap * _DEG_PER_M / max(math.cos(mid_lat), 0.01) * 1.01,
    }
    connection.ensure_connection()
    # Server-side binding on Django's own connection (same transaction). The statements
    # are marked for preparing, which takes effect when the database settings enable
    # prepared statements (OPTIONS prepare_threshold; Django leaves them off by default
    # for the sake of connection poolers) and then saves their planning on each upload.
    with psycopg.Cursor(connection.connection) as cursor:
        try:
            cursor.execute(_INSERT_SQL, params, prepare=True)
        except psycopg.errors.DataException:
            # A time Python read but PostgreSQL does not (an exotic ISO 8601 form).
            raise ValidationError({"points": _("recorded_at 请使用 2024-05-01T09:30:00+08:00 这样的格式")}) from None
        stored = dict(cursor.fetchall())  # id -> flag
        if not stored:
            return IngestResult(len(points), 0, 0, patrol.distance_m, patrol.point_count, patrol.flagged_count)
        # From the batch's first point on: the speed of each point depends on the ones before.
        rebuild = {
            "patrol": patrol.pk,
            "since": points[0][0],
            "max_speed": settings.PATROL_MAX_SPEED_MPS,
            "display_tolerance": DISPLAY_TOLERANCE_DEG,
            "check_speed": True,
        }
        cursor.execute(_REBUILD_SQL, rebuild, prepare=True)
        totals = cursor.fetchone()
        speeding = 0
        if totals is None:  # a jump to judge: point by point, then the rebuild
            speeding = _recheck_speed(cursor, patrol.pk, since=points[0][0], new=stored)
            cursor.execute(_REBUILD_SQL, {**rebuild, "check_speed": False}, prepare=True)
            totals = cursor.fetchone()
        patrol.distance_m, patrol.point_count, patrol.flagged_count = totals
    flagged = speeding + sum(1 for flag in stored.values() if flag)
    return IngestResult(len(points), len(stored), flagged, patrol.distance_m, patrol.point_count, patrol.flagged_count)


def _as_json(points) -> str:
    sent = [
        {"recorded_at": t.isoformat(), "lon": lon, "lat": lat, "accuracy": accuracy} for t, lon, lat, accuracy in points
    ]
    return json.dumps({"points": sent})


def _recheck_speed(cursor, patrol_id, *, since, new) -> int:
    """Flag impossible jumps from `since` on; returns how many of the `new` points (ids)
    are too fast. Each point is compared with the last point kept before it."""
    max_speed = settings.PATROL_MAX_SPEED_MPS
    cursor.execute(_RECHECK_SQL, {"patrol": patrol_id, "since": since}, prepare=True)
    changed_ids, changed_flags, speeding = [], [], 0
    last = None  # (epoch seconds, lon, lat) of the last kept point
    for point_id, seconds, lon, lat, flag in cursor.fetchall():
        too_fast = last is not None and _metres(last[1], last[2], lon, lat) > max_speed * (seconds - last[0])
        verdict = PointFlag.SPEED.value if too_fast else ""
        if verdict != flag:
            changed_ids.append(point_id)
            changed_flags.append(verdict)
        if not too_fast:
            last = (seconds, lon, lat)
        elif point_id in new:
            speeding += 1
    if changed_ids:
        cursor.execute(_REFLAG_SQL, {"ids": changed_ids, "flags": changed_flags}, prepare=True)
    return speeding


def _metres(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance (haversine) on the mean-radius sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
