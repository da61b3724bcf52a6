"""Point -> grid lookup: our service function against the bare prepared SQL.

    .venv/bin/python bench/grid_lookup.py                  # the demo district (136 grids)
    GAOXIN_DB_NAME=gaoxin_bench_grids .venv/bin/python bench/grid_lookup.py --synthetic 100000

--synthetic N fills a scratch database (never the demo one) with an N-cell lattice of
square grids over the district's bounding box, then measures the same lookups there.
"""

import argparse
import contextlib
import math
import random

from common import print_row, raw_connection, summary, timed_pair
from django.conf import settings
from django.db import connection

from grid.lookup import _DEG_PER_M, LOOKUP_SQL, LocationError, locate


def fill_synthetic(count):
    if settings.DATABASES["default"]["NAME"] in {"gaoxin", "test_gaoxin"}:
        raise SystemExit("--synthetic replaces every grid: point GAOXIN_DB_NAME at a scratch database")
    side = math.ceil(math.sqrt(count))
    west, south, east, north = 113.50, 22.33, 113.63, 22.47
    step_x, step_y = (east - west) / side, (north - south) / side
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE grid_gridassignment, grid_grid, grid_community, grid_district CASCADE")
        cursor.execute("INSERT INTO grid_district (code, name) VALUES ('999999', 'bench') RETURNING id")
        district = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO grid_community (district_id, code, name, name_en, first_responsible)"
            " VALUES (%s, '999999001001', 'bench', '', '') RETURNING id",
            [district],
        )
        community = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO grid_grid (community_id, code, name, boundary, area_m2)
            SELECT %s, lpad(n::text, 15, '0'), 'g' || n,
                   ST_Multi(ST_MakeEnvelope(%s + (n %% %s) * %s, %s + (n / %s) * %s,
                                            %s + (n %% %s + 1) * %s, %s + (n / %s + 1) * %s, 4326)), 0
            FROM generate_series(0, %s - 1) n
            """,
            [community, west, side, step_x, south, side, step_y, west, side, step_x, south, side, step_y, count],
        )
        cursor.execute("ANALYZE grid_grid")


def sample_points(n, seed=7):
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(boundary) e FROM grid_grid) s"
        )
        west, south, east, north = cursor.fetchone()
    return [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(n)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, help="fill a scratch database with this many lattice grids first")
    parser.add_argument("--points", type=int, default=3000)
    args = parser.parse_args()
    if args.synthetic:
        fill_synthetic(args.synthetic)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM grid_grid")
        grids = cursor.fetchone()[0]
    points = sample_points(args.points)

    def ours(lon, lat):
        with contextlib.suppress(LocationError):  # points in the sea: rejected, still timed
            locate(lon, lat)

    raw = raw_connection()
    raw_cursor = raw.cursor()

    expand = settings.GRID_SNAP_DISTANCE_M * _DEG_PER_M / math.cos(math.radians(22.4))

    def floor(lon, lat):
        raw_cursor.execute(LOOKUP_SQL, {"lon": lon, "lat": lat, "expand": expand}, prepare=True)
        raw_cursor.fetchone()

    connection.ensure_connection()
    inside = [p for p in points if _inside(p)]
    print(f"grids: {grids}; points: {len(points)} random in the bounding box, {len(inside)} inside a grid")
    for name, sample in (("lookup, all points", points), ("lookup, points inside a grid", inside)):
        ours_ms, floor_ms = timed_pair(ours, floor, sample)
        print_row(name, summary(ours_ms), summary(floor_ms), "(target ≤ 3x)")


def _inside(point):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM grid_grid WHERE ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326))", point
        )
        return cursor.fetchone() is not None


if __name__ == "__main__":
    main()
