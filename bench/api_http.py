"""The API over HTTP: gunicorn on loopback, loaded by wrk, against a database of cases.

    export GAOXIN_DB_NAME=gaoxin_bench   # 1,000,000 cases: see bench/generate_cases.py
    .venv/bin/python bench/api_http.py [--seconds 10] [--rounds 3] [--workers 2]

Needs wrk (apt-get install wrk). Starts gunicorn with bench/api_bench_settings.py (the
project plus the floor view of bench/api_bench_urls.py) and measures:

- Officer's case list: GET /api/v1/cases/ (token auth, throttling, scope, filters,
  COUNT for the page links, serializer) for the officer of the busiest grid, against the
  floor: a bare Django view on the same gunicorn running the same page query and
  returning the same 50 rows as JSON. Ours and the floor alternate, `--rounds` times,
  each `--seconds` long, with 4 connections; the medians are compared. Targets: latency
  within 3x of the floor, throughput at least 1/3 of it.
- Case creation: POST /api/v1/cases/ by an external system's key at random points
  inside grids, one connection (latency, not saturation). Target p95 < 20 ms.
- Open311: GET /open311/v2/requests.json with the spec's defaults (last 90 days, at
  most 1000 requests), one connection. Target p95 < 30 ms.

Created cases are deleted afterwards. Celery tasks go to a scratch Redis database
(GAOXIN_BROKER_URL, db 14 here) and the throttle counters to their own cache prefix, so
a running demo is not disturbed.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GAOXIN_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("GAOXIN_CACHE_PREFIX", "gaoxin-api-bench")

import common  # noqa: F401  (sets Django up)
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from api.models import ApiKey, AuthToken, Scope
from cases.models import Case, Category
from grid.models import Grid, GridAssignment

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REPORT = BENCH / "wrk_report.lua"
HIGH_RATE = "100000000/minute"  # throttling stays on (its cost is ours), never trips


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, workers):
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "api_bench_settings",
        "GAOXIN_THROTTLE_USER": HIGH_RATE,
        "GAOXIN_THROTTLE_API_KEY": HIGH_RATE,
        "GAOXIN_THROTTLE_ANON": HIGH_RATE,
        "PYTHONPATH": f"{BENCH}:{ROOT}",
    }
    server = subprocess.Popen(
        [ROOT / ".venv/bin/gunicorn", "gaoxin.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def wrk(url, seconds, connections, headers=(), script=REPORT, check=True):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    for header in headers:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    if check and (figures["errors"] or figures["non_2xx"]):
        raise SystemExit(f"{url}: {figures['errors']} errors, {figures['non_2xx']} non-2xx responses")
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def creation_script(points, category_id, key):
    """A wrk script POSTing reports at random points inside grids."""
    lines = [
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/json"',
        f'wrk.headers["X-Api-Key"] = "{key}"',
        "local points = {" + ",".join(f"{{{lon:.6f},{lat:.6f}}}" for lon, lat in points) + "}",
        "local n = 0",
        "request = function()",
        "  n = n + 1",
        "  local p = points[math.random(#points)]",
        f'  local body = string.format(\'{{"category": {category_id}, "lon": %f, "lat": %f, '
        '"description": "bench report %d", "reporter_phone": "13800000000"}\', p[1], p[2], n)',
        '  return wrk.format(nil, "/api/v1/cases/", nil, body)',
        "end",
        REPORT.read_text(),
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines))
    return Path(script.name)


def grid_points(count=500):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM grid_grid g, "
            "LATERAL ST_Dump(ST_GeneratePoints(g.boundary, 4, 7)) p ORDER BY random() LIMIT %s",
            [count],
        )
        return cursor.fetchall()


def bench_key():
    api_key = ApiKey.objects.filter(system="api-bench").first()
    if api_key is None:
        api_key, secret = ApiKey.create(name="API benchmark", system="api-bench", scopes=[Scope.CASES_CREATE])
    else:
        secret = api_key.set_secret()
        api_key.save(update_fields=["prefix", "key_hash"])
    return api_key, secret


def delete_created(api_key, since):
    """Delete the cases the run created, with what filing them wrote."""
    created = list(Case.objects.filter(reporter=api_key.user, reported_at__gte=since).values_list("pk", flat=True))
    case_type = ContentType.objects.get_for_model(Case).pk
    clocks = "SELECT id FROM deadlines_deadline WHERE subject_type_id = %s AND subject_id = ANY(%s)"
    links = [f"/cases/{pk}/" for pk in created]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM api_webhookdelivery WHERE case_id = ANY(%s)", [created])
        cursor.execute("DELETE FROM cases_caseevent WHERE case_id = ANY(%s)", [created])
        cursor.execute(f"DELETE FROM deadlines_crossing WHERE deadline_id IN ({clocks})", [case_type, created])
        cursor.execute(
            "DELETE FROM deadlines_deadline WHERE subject_type_id = %s AND subject_id = ANY(%s)", [case_type, created]
        )
        cursor.execute("DELETE FROM notifications_notification WHERE link = ANY(%s)", [links])
        cursor.execute("DELETE FROM cases_case WHERE id = ANY(%s)", [created])
    return len(created)


def row(name, figures):
    return f"| {name} | {figures['p50']:.1f} ms | {figures['p95']:.1f} ms | {figures['p99']:.1f} ms | {figures['rps']:.0f} |"


def median_figures(runs):
    return {key: statistics.median(run[key] for run in runs) for key in ("p50", "p95", "p99", "rps")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    cases = Case.objects.count()
    busiest = Grid.objects.annotate(n=Count("cases")).order_by("-n").values_list("pk", "n").first()
    officer = GridAssignment.objects.filter(grid_id=busiest[0]).select_related("officer").first().officer
    token_row, token = AuthToken.issue(officer, client="api benchmark")
    api_key, key = bench_key()
    category = Category.objects.filter(active=True).order_by("pk").first()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, options.workers)
    started = timezone.now()
    try:
        auth = [f"Authorization: Bearer {token}"]
        ours_url, floor_url = f"{base}/api/v1/cases/", f"{base}/bench/floor/cases/?officer={officer.pk}"
        wrk(ours_url, 3, 4, auth, check=False)  # warm both up
        wrk(floor_url, 3, 4, check=False)
        ours_runs, floor_runs = [], []
        for _ in range(options.rounds):
            ours_runs.append(wrk(ours_url, options.seconds, 4, auth))
            floor_runs.append(wrk(floor_url, options.seconds, 4))
        ours, floor = median_figures(ours_runs), median_figures(floor_runs)

        script = creation_script(grid_points(), category.pk, key)
        creation = wrk(base, options.seconds, 1, script=script)
        script.unlink()
        open311 = wrk(f"{base}/open311/v2/requests.json", options.seconds, 1)
    finally:
        server.terminate()
        server.wait()
        removed = delete_created(api_key, started)
        token_row.delete()

    print(f"{cases:,} cases; officer {officer.username} of the busiest grid ({busiest[1]:,} cases); ", end="")
    print(f"gunicorn {options.workers} workers; wrk {options.rounds} x {options.seconds} s per list figure")
    print("| request | p50 | p95 | p99 | requests/s |")
    print("|---|---|---|---|---|")
    print(row("floor: bare view, same page query, 4 connections", floor))
    print(row("GET /api/v1/cases/ (officer), 4 connections", ours))
    print(row("POST /api/v1/cases/ (API key), 1 connection", creation))
    print(row("GET /open311/v2/requests.json, 1 connection", open311))
    print(
        f"list vs floor: p50 {ours['p50'] / floor['p50']:.2f}x, p95 {ours['p95'] / floor['p95']:.2f}x "
        f"(target <= 3x); throughput {ours['rps'] / floor['rps']:.2f} of the floor (target >= 0.33)"
    )
    print(f"creation p95 {creation['p95']:.1f} ms (target < 20); Open311 p95 {open311['p95']:.1f} ms (target < 30)")
    print(f"({removed} benchmark cases deleted)", file=sys.stderr)


if __name__ == "__main__":
    main()
