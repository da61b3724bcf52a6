"""Patrol tracks: a 1,000-point upload in one request, and a day of 136 officers' tracks
for the map, each against its floors measured in the same run.

    .venv/bin/python bench/bench_patrols.py [--repeat 40] [--keep]

The script serves the site from a thread of this process (Django's WSGIServer, one
request at a time, so the database connection persists across requests as in a
production worker) with two extra bare Django views as the HTTP floors, and talks to it
over HTTP on localhost. Its data belongs to bench officers (bench_officer_001…) on
2001-01-02 and is deleted at the end (--keep leaves it), so it can run on the demo
database. Ours and the floors are timed alternately, so load from other processes
falls on all alike.

1. Ingest. Ours: POST /api/v1/patrols/{id}/points/ with 1,000 points (bearer token, a
   fresh patrol each time): JSON parsing, checks, the grid of each point, the speed
   check, the track, its distance and grids rebuilt, committed. Floor: a bare COPY of the
   same 1,000 rows into patrols_trackpoint through psycopg (autocommit), parsed rows
   ready. HTTP floor: a bare Django view on the same server that decodes the same body
   and COPYs it. Target: ours <= 3x the COPY.
2. Day map. Ours: GET /api/v1/patrols/tracks/?date=2001-01-02, 136 patrols of 8 hours at
   one point every 10 s (391,680 points), simplified for the map (default tolerance).
   Floor: the same SQL (patrols.selectors.tracks_sql) prepared on a bare psycopg
   connection. HTTP floor: a bare Django view running that SQL and returning its text.
   Ours without HTTP: selectors.tracks_geojson. Target: ours (HTTP) p95 < 100 ms.
"""

import argparse
import http.client
import json
import math
import random
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock_time

import numpy as np
import shapely
from common import percentile, raw_connection, summary
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer, get_internal_wsgi_application
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from accounts.roles import Role
from api.models import AuthToken
from grid.models import Grid, GridAssignment
from patrols import selectors, services
from patrols.models import DutyShift, Patrol

BENCH_DAY = datetime(2001, 1, 2).date()
POINTS_PER_UPLOAD = 1000
DAY_HOURS = 8
POINT_EVERY_S = 10
OFFICER_PREFIX = "bench_officer_"
COPY_SQL = "COPY patrols_trackpoint (patrol_id, recorded_at, location, accuracy_m, flag) FROM STDIN"


# ---------------------------------------------------------------- the bare views (HTTP floors)


@csrf_exempt
def bare_copy_view(request, patrol_id):
    points = json.loads(request.body)["points"]
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
        for p in points:
            copy.write_row((patrol_id, p["recorded_at"], f"SRID=4326;POINT({p['lon']} {p['lat']})", p["accuracy"], ""))
    return JsonResponse({"stored": len(points)})


def bare_tracks_view(request):
    start, end = selectors.local_day_bounds(BENCH_DAY)
    sql, params = selectors.tracks_sql(selectors.TrackFilter(start, end), selectors.DEFAULT_TRACK_TOLERANCE_DEG)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return HttpResponse(cursor.fetchone()[0], content_type="application/json")


def backend_pid_view(request):
    connection.ensure_connection()
    return JsonResponse({"pid": connection.connection.info.backend_pid})


urlpatterns = [
    path("bench/pid/", backend_pid_view),
    path("bench/copy/<int:patrol_id>/", bare_copy_view),
    path("bench/tracks/", bare_tracks_view),
    path("", include("gaoxin.urls")),
]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve():
    """One server thread handling requests in turn, so its database connection persists
    across requests (CONN_MAX_AGE) as a production worker's does."""
    settings.ROOT_URLCONF = __name__
    settings.DATABASES["default"]["CONN_MAX_AGE"] = None  # read by the server thread's first query
    server = WSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.set_app(get_internal_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Client:
    """One keep-alive HTTP/1.1 connection, reopened if the server closes it."""

    def __init__(self, port, token):
        self.port, self.token, self.conn = port, token, None

    def request(self, method, url, body=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for _attempt in range(2):
            self.conn = self.conn or http.client.HTTPConnection("127.0.0.1", self.port)
            try:
                self.conn.request(method, url, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            if response.status >= 400:
                raise RuntimeError(f"{method} {url} answered {response.status}: {data[:300]!r}")
            return data
        raise RuntimeError(f"{method} {url}: no answer")


# ---------------------------------------------------------------- data


def bench_officers(grids):
    group = Group.objects.get(name=Role.GRID_OFFICER)
    officers = []
    for index, grid in enumerate(grids, start=1):
        officer, created = User.objects.get_or_create(username=f"{OFFICER_PREFIX}{index:03d}")
        if created:
            officer.groups.add(group)
            GridAssignment.objects.get_or_create(grid=grid, officer=officer)
        officers.append(officer)
    return officers


def walk(rng, grid, start, count):
    """`count` points of a walk inside the grid: 1.0-1.6 m/s, turning now and then, turned
    back at the grid's edge, with 3 m of GPS noise; one every POINT_EVERY_S seconds from
    `start`."""
    shape = shapely.from_wkb(bytes(grid.boundary.wkb))
    shapely.prepare(shape)
    centre = grid.boundary.point_on_surface
    metres_lon = 111_320 * math.cos(math.radians(centre.y))
    heading = rng.uniform(0, 2 * math.pi)
    steps = rng.uniform(1.0, 1.6, count) * POINT_EVERY_S
    turns = np.where(rng.random(count) < 0.08, rng.choice([-math.pi / 2, math.pi / 2, math.pi], count), 0)
    x, y = centre.x, centre.y
    points = []
    for i in range(count):
        heading += turns[i] + rng.normal(0, 0.05)
        nx, ny = x + math.sin(heading) * steps[i] / metres_lon, y + math.cos(heading) * steps[i] / 111_320
        if not shapely.contains_xy(shape, nx, ny):
            heading += math.pi
            nx, ny = x, y
        x, y = nx, ny
        points.append(
            {
                "recorded_at": (start + timedelta(seconds=POINT_EVERY_S * i)).isoformat(),
                "lon": float(x + rng.normal(0, 3) / metres_lon),
                "lat": float(y + rng.normal(0, 3) / 111_320),
                "accuracy": round(float(rng.uniform(4, 15)), 1),
            }
        )
    return points


def new_patrol(officer, start, hours):
    shift = DutyShift.objects.create(
        officer=officer,
        checked_in_at=start,
        check_in_location=Grid.objects.get(pk=officer.grid_assignments.first().grid_id).boundary.point_on_surface,
        check_in_grid_id=officer.grid_assignments.first().grid_id,
        checked_out_at=start + timedelta(hours=hours),
    )
    return Patrol.objects.create(
        officer=officer, shift=shift, started_at=start, ended_at=start + timedelta(hours=hours)
    )


def day_start():
    return datetime.combine(BENCH_DAY, clock_time(8), timezone.get_default_timezone())


def make_day(officers, grids, rng):
    """136 patrols of 8 hours, stored through the service as a phone's uploads would be."""
    count = DAY_HOURS * 3600 // POINT_EVERY_S
    started = time.perf_counter()
    for officer, grid in zip(officers, grids, strict=True):
        patrol = new_patrol(officer, day_start(), DAY_HOURS)
        services.record_points(patrol, officer, walk(rng, grid, day_start(), count), at=patrol.ended_at)
    print(f"day built: {len(officers)} patrols x {count} points in {time.perf_counter() - started:.0f} s")


def delete_bench_data():
    officers = User.objects.filter(username__startswith=OFFICER_PREFIX)
    Patrol.objects.filter(officer__in=officers).delete()
    DutyShift.objects.filter(officer__in=officers).delete()
    AuthToken.objects.filter(user__in=officers).delete()
    GridAssignment.objects.filter(officer__in=officers).delete()
    officers.delete()


# ---------------------------------------------------------------- measuring


class Cpu:
    """CPU milliseconds used so far by this process (client and server threads) and by the
    database backends serving it. On a loaded machine wall time includes waiting for a
    core; CPU time does not, so it estimates the figure on an idle machine."""

    def __init__(self, pids):
        self.pids = pids

    def __call__(self):
        total = time.process_time() * 1000
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/schedstat") as stat:
                    total += int(stat.read().split()[0]) / 1e6
            except OSError:  # the server is not local
                pass
        return total


def alternate(functions, repeat, cpu, warmup=3):
    """Call each function in turn `repeat` times (after a warm-up); (wall ms, CPU ms)
    samples per function."""
    for _ in range(warmup):
        for function in functions.values():
            function()
    samples = {name: ([], []) for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            cpu_before = cpu()
            start = time.perf_counter()
            function()
            samples[name][0].append((time.perf_counter() - start) * 1000)
            samples[name][1].append(cpu() - cpu_before)
    return samples


def report(title, samples, floor, target):
    print(f"\n{title}")
    for kind, column in (("wall", 0), ("CPU", 1)):
        base = summary(samples[floor][column])
        for name, values in samples.items():
            figures = summary(values[column])
            print(
                f"  {kind:<4} {name:<34} p50 {figures['p50']:8.2f} ms  p95 {figures['p95']:8.2f} ms"
                f"   x{figures['p50'] / base['p50']:5.2f} (p50)  x{figures['p95'] / base['p95']:5.2f} (p95)"
            )
    print(f"  ratios are to: {floor}; target: {target}")


def ingest_bench(client, officer, grid, raw, repeat, rng, cpu):
    count = repeat + 3
    uploads = [walk(rng, grid, day_start(), POINTS_PER_UPLOAD) for _ in range(count)]
    patrols = iter([new_patrol(officer, day_start() - timedelta(days=1), 4) for _ in range(3 * count)])
    rows = [
        [(0, p["recorded_at"], f"SRID=4326;POINT({p['lon']} {p['lat']})", p["accuracy"], "") for p in upload]
        for upload in uploads
    ]
    raw_rows = iter(rows)
    # Request bodies are built before the clock starts: a phone sends them ready-made.
    ours_bodies = iter(
        [json.dumps({"points": [{**p, "recorded_at": _shift(p["recorded_at"])} for p in upload]}) for upload in uploads]
    )
    bare_bodies = iter([json.dumps({"points": upload}) for upload in uploads])

    def ours():
        patrol, body = next(patrols), next(ours_bodies)
        result = json.loads(client.request("POST", f"/api/v1/patrols/{patrol.pk}/points/", body))
        assert result["stored"] == POINTS_PER_UPLOAD, result

    def bare_copy():
        patrol_id, batch = next(patrols).pk, next(raw_rows)
        with raw.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
            for row in batch:
                copy.write_row((patrol_id, *row[1:]))

    def bare_view():
        client.request("POST", f"/bench/copy/{next(patrols).pk}/", next(bare_bodies))

    samples = alternate({"ours: POST points (HTTP)": ours, "floor: bare COPY (psycopg)": bare_copy,
                         "floor: bare Django view + COPY": bare_view}, repeat, cpu)  # fmt: skip
    report(f"Ingest of {POINTS_PER_UPLOAD} points in one request", samples, "floor: bare COPY (psycopg)", "ours <= 3x")


def _shift(stamp):
    """The patrols of the ingest run started a day before the day map's: move the points."""
    return (datetime.fromisoformat(stamp) - timedelta(days=1)).isoformat()


def tracks_bench(client, raw, repeat, cpu):
    start, end = selectors.local_day_bounds(BENCH_DAY)
    track_filter = selectors.TrackFilter(start, end)
    sql, params = selectors.tracks_sql(track_filter, selectors.DEFAULT_TRACK_TOLERANCE_DEG)
    url = f"/api/v1/patrols/tracks/?date={BENCH_DAY.isoformat()}"
    body = client.request("GET", url)
    features = json.loads(body)["features"]
    vertices = sum(len(f["geometry"]["coordinates"]) for f in features)
    print(f"\nday map: {len(features)} tracks, {vertices} vertices after simplification, {len(body) / 1024:.0f} KiB")

    def bare_sql():
        with raw.cursor() as cursor:
            cursor.execute(sql, params, prepare=True)
            cursor.fetchone()

    samples = alternate(
        {
            "ours: GET tracks (HTTP)": lambda: client.request("GET", url),
            "ours: selectors.tracks_geojson": lambda: selectors.tracks_geojson(track_filter),
            "floor: bare SQL (psycopg)": bare_sql,
            "floor: bare Django view + SQL": lambda: client.request("GET", "/bench/tracks/"),
        },
        repeat,
        cpu,
    )
    report(
        "Day of tracks for the map (136 officers x 8 h)",
        samples,
        "floor: bare SQL (psycopg)",
        "ours (HTTP) p95 < 100 ms",
    )
    wall, cpu_ms = samples["ours: GET tracks (HTTP)"]
    return percentile(wall, 0.95), percentile(cpu_ms, 0.95)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="leave the bench data in the database")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    random.seed(7)
    grids = list(Grid.objects.order_by("code"))
    if len(grids) < 2:
        raise SystemExit("needs the demo grids (manage.py load_demo)")
    delete_bench_data()
    server = serve()
    raw = raw_connection()
    try:
        officers = bench_officers(grids)
        make_day(officers, grids, rng)
        _token, secret = AuthToken.issue(officers[0], client="bench")
        supervisor = User.objects.filter(groups__name=Role.SUPERVISOR).first()
        client = Client(server.server_port, secret)
        print(f"server: 127.0.0.1:{server.server_port}; database: {settings.DATABASES['default']['NAME']}")
        connection.ensure_connection()
        server_pid = json.loads(client.request("GET", "/bench/pid/"))["pid"]
        cpu = Cpu([raw.info.backend_pid, connection.connection.info.backend_pid, server_pid])
        ingest_bench(client, officers[0], grids[0], raw, args.repeat, rng, cpu)
        if supervisor is None:
            raise SystemExit("needs a supervisor account (manage.py load_demo)")
        _token, secret = AuthToken.issue(supervisor, client="bench")
        try:
            wall, cpu_ms = tracks_bench(Client(server.server_port, secret), raw, args.repeat, cpu)
        finally:
            AuthToken.objects.filter(user=supervisor, client="bench").delete()
        if json.loads(client.request("GET", "/bench/pid/"))["pid"] != server_pid:
            print("warning: the server's database connection changed during the run; CPU figures are off")
        print(f"\nday map over HTTP, p95: wall {wall:.1f} ms, CPU {cpu_ms:.1f} ms (target < 100 ms)")
    finally:
        server.shutdown()
        raw.close()
        if not args.keep:
            delete_bench_data()


if __name__ == "__main__":
    main()
