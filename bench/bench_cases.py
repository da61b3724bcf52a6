"""Cases at scale: KPI figures, work-queue pages and case creation, each against its floor.

    export GAOXIN_DB_NAME=gaoxin_bench
    .venv/bin/python bench/generate_cases.py --cases 1000000 --years 2 --truncate   # once
    .venv/bin/python bench/bench_cases.py [--explain] [--proposals] [--serial]

Ours is the service layer as a view calls it. The floor is the very SQL Django sent for
it (captured with connection.execute_wrapper), run as prepared statements on a bare
psycopg connection. Ours and the floor are timed alternately, so load from other
processes falls on both alike. Ratio = ours / floor. Targets: KPI and queue ratios <= 3x,
case creation p95 < 10 ms.

Two figures per call: wall time (time.perf_counter), and CPU time, this thread's
(time.thread_time) plus the database backend's (/proc/<backend pid>/schedstat; the
server is local). On a loaded machine wall time counts the time spent waiting for a
core; CPU time does not, so it estimates the figure on an idle machine. CPU time leaves
out parallel workers (marked *, use --serial to forbid them) and Redis.

- KPI: kpi_summary and kpi_breakdown (community, grid) for one month's cohort.
- Queues: Paginator(queue(user, name).defer("grid__boundary"), 50).page(1) as
  cases.views.queues calls it, with what the case table shows read from each case, for
  the dispatcher's to_dispatch queue and the to_verify queue of the officer whose grid
  has the most; the user's roles are cached on the user object, as in a request that
  already checked them. The query count must not depend on the queue's size.
- Creation: services.report(...) then selectors.possible_duplicates(...), at random
  points inside grids, officer and anonymous resident reports alternately. Each call
  commits and runs its on-commit work: notifications, and deadline timers (Celery ETA
  tasks, sent to a scratch Redis database, GAOXIN_BROKER_URL defaulting to db 14 here,
  flushed afterwards if it was empty). The created cases, events, deadlines and
  notifications are deleted afterwards. The query count leaves out the grid lookup,
  which runs on a psycopg cursor of its own.

--proposals adds rows for changes worth making, measured the same way (not the code as it
is); --server-side-binding runs everything with a proposed database setting.
--explain prints EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of each target to stderr.
"""

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta

# Set before Django reads its settings (bench.common sets Django up).
os.environ.setdefault("GAOXIN_BROKER_URL", "redis://127.0.0.1:6379/14")

import redis
from common import percentile, raw_connection
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cases import kpis, selectors, services
from cases.models import Case, CaseSource, CaseState, Category
from deadlines import services as deadline_services
from grid.lookup import locate
from grid.models import GridAssignment

PAGE_SIZE = 50
# Rows report() may add besides the case and its events, deleted after the creation runs
# (children first).
SIDE_TABLES = ("deadlines_crossing", "deadlines_deadline", "notifications_notification", "api_webhookdelivery")


# ---------------------------------------------------------------- measuring


def server_cpu_ms(conn):
    """CPU time used so far by the backend serving psycopg connection `conn`, or None."""
    try:
        with open(f"/proc/{conn.info.backend_pid}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e6
    except OSError:
        return None


class Meter:
    """Wall and CPU (this thread + the database backend) milliseconds of each call."""

    def __init__(self, conn=None):
        self.conn = conn  # None: Django's connection, looked up at each call
        self.wall, self.cpu = [], []

    def __call__(self, function):
        conn = self.conn or connection.connection
        server = server_cpu_ms(conn)
        client = time.thread_time()
        start = time.perf_counter()
        result = function()
        end = time.perf_counter()
        client = time.thread_time() - client
        server_after = server_cpu_ms(conn)
        self.wall.append((end - start) * 1000)
        self.cpu.append(client * 1000 + (server_after - server if server is not None else 0))
        return result

    def drop(self, count):
        del self.wall[:count], self.cpu[:count]


class Floor:
    """Replays the statements Django sent for one call, prepared, on a bare connection;
    keeps each statement's time too, to find the slowest."""

    def __init__(self, raw, statements):
        self.cursor = raw.cursor()
        self.statements = statements
        self.times = [[] for _ in statements]

    def __call__(self):
        for (sql, params), times in zip(self.statements, self.times, strict=True):
            start = time.perf_counter()
            self.cursor.execute(sql, params, prepare=True)
            self.cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)

    def slowest(self):
        medians = [percentile(times, 0.5) for times in self.times]
        return self.statements[medians.index(max(medians))]


def captured(function):
    """The (sql, params) of every statement Django executes during function()."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        function()
    return statements


def measure(name, ours, raw, args, repeat, note=""):
    """Time ours and its floor alternately, `repeat` times after args.warmup calls each."""
    statements = captured(ours)
    floor = Floor(raw, statements)
    ours_meter, floor_meter = Meter(), Meter(raw)
    for _ in range(args.warmup + repeat):
        ours_meter(ours)
        floor_meter(floor)
    ours_meter.drop(args.warmup)
    floor_meter.drop(args.warmup)
    parallel = any(_is_parallel(raw, sql, params) for sql, params in statements)
    return {
        "name": name,
        "ours": ours_meter,
        "floor": floor_meter,
        "target": 3.0,
        "queries": len(statements),
        "note": note + (" * parallel plan" if parallel else ""),
        "slowest": floor.slowest(),
    }


def _is_parallel(raw, sql, params):
    plan = raw.execute("EXPLAIN " + sql, params).fetchall()
    return any("Gather" in row[0] for row in plan)


# ---------------------------------------------------------------- KPI


def kpi_targets(raw, args):
    if args.month:
        start = timezone.make_aware(datetime.strptime(args.month, "%Y-%m"))
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        start, end = _last_full_month()
    now = timezone.now()
    cohort = kpis.kpi_summary(start, end, now=now)["filed"]
    calls = [
        (f"KPI summary ({start:%Y-%m}, {cohort:,} filed)", lambda: kpis.kpi_summary(start, end, now=now)),
        ("KPI per community (17 rows)", lambda: kpis.kpi_breakdown(start, end, "community", now=now)),
        ("KPI per grid (136 rows)", lambda: kpis.kpi_breakdown(start, end, "grid", now=now)),
    ]
    return [measure(name, call, raw, args, args.kpi_repeat) for name, call in calls]


def _last_full_month():
    latest = timezone.localtime(Case.objects.aggregate(latest=Max("filed_at"))["latest"])
    end = latest.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (end - timedelta(days=1)).replace(day=1)
    return start, end


# ---------------------------------------------------------------- queues


def queue_page(cases):
    """One page as the queue view shows it: what the case table reads from each case."""
    page = Paginator(cases, PAGE_SIZE).page(1)
    return [
        (c.number, c.category.code, c.category.name, c.community.name, c.grid.name, c.address)
        + (c.state, c.unit.name if c.unit else "", c.reported_at, c.due_at, c.stage_started_at)
        for c in page
    ]


def rows_page(user, name):
    """The proposal without model instances: one tuple of the table's columns per case
    (counted without the joins, which a projection onto related columns would keep)."""
    page = Paginator(selectors.queue(user, name), PAGE_SIZE).page(1)
    return list(page.object_list.values_list("pk", *selectors.CASE_TABLE_FIELDS))


def as_the_view(user, name):
    return selectors.queue(user, name).defer("grid__boundary")


def projected(user, name):
    return selectors.queue(user, name).only(*selectors.CASE_TABLE_FIELDS)


def queue_targets(raw, args):
    dispatcher = User.objects.get(username="dispatcher")
    busiest, quietest = _officers_by_to_verify()
    pages = [(dispatcher, "to_dispatch", as_the_view, ""), (busiest, "to_verify", as_the_view, "")]
    if args.proposals:
        pages.append((dispatcher, "to_dispatch", projected, "proposal: .only(table columns)"))
        pages.append((dispatcher, "to_dispatch", None, "proposal: .values_list(table columns)"))
    results = []
    for user, name, cases, note in pages:
        size = selectors.queue(user, name).count()  # also caches the user's roles

        def call(user=user, name=name, cases=cases):
            return queue_page(cases(user, name)) if cases else rows_page(user, name)

        label = f"queue {name}, {user.username} ({size:,} waiting)"
        results.append(measure(label, call, raw, args, args.repeat, note))
    size = as_the_view(quietest, "to_verify").count()
    queries = len(captured(lambda: queue_page(as_the_view(quietest, "to_verify"))))
    results[1]["note"] = f"{queries} queries with {size} waiting"
    return results


def _officers_by_to_verify():
    """The primary officers of the grids with the most and the fewest cases to verify."""
    sizes = list(
        Case.objects.filter(state=CaseState.TO_VERIFY)
        .values_list("grid")
        .annotate(n=Count("pk"))
        .order_by("-n", "grid")
    )
    officers = dict(GridAssignment.objects.filter(is_primary=True).values_list("grid", "officer"))
    return User.objects.get(pk=officers[sizes[0][0]]), User.objects.get(pk=officers[sizes[-1][0]])


# ---------------------------------------------------------------- creation


class Creator:
    """Reports cases at given points, officer and resident alternately, and remembers them."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.categories = list(Category.objects.filter(active=True).values_list("pk", flat=True))
        self.officer = User.objects.filter(groups__name="grid_officer").order_by("username").first()
        self.created = []

    def __call__(self, source, lon, lat):
        actor, phone = (self.officer, "") if source == CaseSource.OFFICER else (None, "13800138000")
        case = services.report(
            actor=actor,
            source=source,
            category=self.rng.choice(self.categories),
            lon=lon,
            lat=lat,
            description="基准测试",
            reporter_phone=phone,
        )
        self.created.append(case.pk)
        return list(selectors.possible_duplicates(case.category, case.location, exclude_pk=case.pk))


def creation_targets(raw, args):
    points = _random_points(args.creations + 2 * args.warmup, seed=args.seed)
    create = Creator(args.seed)
    sources = (CaseSource.OFFICER, CaseSource.RESIDENT)
    meters = {source: Meter() for source in sources}
    meters["lookup"] = Meter()
    meters["no timers"] = Meter()
    queries = {source: set() for source in sources}
    side_rows_before = _max_ids(raw)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker_was_empty = broker.dbsize() == 0
    try:
        for index, (lon, lat) in enumerate(points):
            source = sources[index % 2]
            if index < 2 * args.warmup:  # untimed: count the queries instead (after a first call each)
                with CaptureQueriesContext(connection) as context:
                    create(source, lon, lat)
                if index >= 2:
                    queries[source].add(len(context))
                continue
            meters[source](lambda source=source, lon=lon, lat=lat: create(source, lon, lat))
            meters["lookup"](lambda lon=lon, lat=lat: locate(lon, lat))
            if args.proposals and source == CaseSource.OFFICER:
                with _without_deadline_timers():
                    meters["no timers"](lambda lon=lon, lat=lat: create(CaseSource.OFFICER, lon, lat))
    finally:
        _delete_created(raw, create.created, side_rows_before)
        if broker_was_empty:
            broker.flushdb()
    rows = [
        ("report() + possible_duplicates(), officer", CaseSource.OFFICER, "straight to 待立案"),
        ("report() + possible_duplicates(), resident", CaseSource.RESIDENT, "待核实: + notify the grid's officers"),
    ]
    results = [
        {
            "name": name,
            "ours": meters[source],
            "target": 10.0,
            "queries": "/".join(map(str, sorted(queries[source]))),
            "note": note,
        }
        for name, source, note in rows
    ]
    results.append({"name": "  grid lookup alone (locate)", "ours": meters["lookup"], "queries": 1})
    if args.proposals:
        note = "proposal: deadline timers not sent to Celery on commit"
        results.append({"name": "  officer report, no deadline timers", "ours": meters["no timers"], "note": note})
    return results


class _without_deadline_timers:
    """Skip the Celery ETA timers that set_deadline queues on commit (the sweep remains)."""

    def __enter__(self):
        self.queue_timer = deadline_services._queue_timer_if_open
        deadline_services._queue_timer_if_open = lambda deadline_id, eta: None

    def __exit__(self, *exc):
        deadline_services._queue_timer_if_open = self.queue_timer


def _random_points(count, seed):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM grid_grid g,"
            " LATERAL ST_Dump(ST_GeneratePoints(g.boundary, %s, %s)) p ORDER BY g.code, p.path",
            [max(1, count // 100), seed],
        )
        points = cursor.fetchall()
    random.Random(seed).shuffle(points)
    return points[:count]


def _max_ids(raw):
    tables = [t for t in SIDE_TABLES if raw.execute("SELECT to_regclass(%s)", [t]).fetchone()[0]]
    return {t: raw.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in tables}


def _delete_created(raw, case_ids, side_rows_before):
    with raw.transaction():
        for table, last_id in side_rows_before.items():
            raw.execute(f"DELETE FROM {table} WHERE id > %s", [last_id])
        raw.execute("DELETE FROM cases_caseevent WHERE case_id = ANY(%s)", [case_ids])
        raw.execute("DELETE FROM cases_case WHERE id = ANY(%s)", [case_ids])


# ---------------------------------------------------------------- report


def _p(samples, fraction):
    return percentile(samples, fraction) if samples else float("nan")


def print_table(results):
    header = (
        f"{'target':<46} {'ours p50':>8} {'p95':>6} {'floor p50':>9} {'p95':>6} {'ratio p50':>9} {'p95':>6}"
        f" | {'CPU ours':>8} {'floor':>6} {'ratio':>6} | {'target':<9} {'verdict':<10} {'queries':>7}  note"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        ours, floor = r["ours"], r.get("floor")
        line = f"{r['name']:<46} {_p(ours.wall, 0.5):8.2f} {_p(ours.wall, 0.95):6.2f} "
        cpu_ours = _p(ours.cpu, 0.5)
        if floor:
            ratio_p50 = _p(ours.wall, 0.5) / _p(floor.wall, 0.5)
            ratio_p95 = _p(ours.wall, 0.95) / _p(floor.wall, 0.95)
            cpu_ratio = cpu_ours / _p(floor.cpu, 0.5)
            line += f"{_p(floor.wall, 0.5):9.2f} {_p(floor.wall, 0.95):6.2f} {ratio_p50:8.2f}x {ratio_p95:5.2f}x"
            line += f" | {cpu_ours:8.2f} {_p(floor.cpu, 0.5):6.2f} {cpu_ratio:5.2f}x"
            target = f"<= {r['target']:.0f}x"
            verdict = _verdict(ratio_p50 <= r["target"], cpu_ratio <= r["target"])
        else:
            line += f"{'':9} {'':6} {'':9} {'':6} | {cpu_ours:8.2f} {'':6} {'':6}"
            target = f"p95 < {r['target']:.0f}" if r.get("target") else ""
            cpu_p95 = _p(ours.cpu, 0.95)
            verdict = _verdict(_p(ours.wall, 0.95) < r["target"], cpu_p95 < r["target"]) if target else ""
        line += f" | {target:<9} {verdict:<10} {r.get('queries', '')!s:>7}  {r.get('note', '')}"
        print(line)
    print(
        "ms; ratio = ours / floor (the same SQL, prepared, on a bare psycopg connection); CPU = p50 of"
        " this thread's + the backend's CPU time per call; verdict: wall figure, then CPU figure"
    )


def _verdict(wall_ok, cpu_ok):
    return {(True, True): "ok", (False, False): "MISS", (True, False): "MISS (cpu)", (False, True): "MISS (wall)"}[
        (wall_ok, cpu_ok)
    ]


def explain(raw, results):
    for r in results:
        if not r.get("slowest"):
            continue
        sql, params = r["slowest"]
        print(f"\n==== {r['name']}: slowest statement\n{sql}\n---- params: {params}", file=sys.stderr)
        rows = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
        print("\n".join(row[0] for row in rows), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200, help="timed repetitions of each queue page (default 200)")
    parser.add_argument("--kpi-repeat", type=int, default=40, help="timed repetitions of each KPI call (default 40)")
    parser.add_argument("--creations", type=int, default=300, help="cases created and timed (default 300)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed calls before each target (default 5)")
    parser.add_argument("--month", help="KPI month YYYY-MM (default: the last full month with filed cases)")
    parser.add_argument("--only", choices=("kpi", "queue", "create"), help="run one group of targets")
    parser.add_argument("--seed", type=int, default=7, help="seed for points and choices (default 7)")
    parser.add_argument("--proposals", action="store_true", help="also measure proposed changes")
    parser.add_argument("--serial", action="store_true", help="no parallel query workers (ours and floor)")
    parser.add_argument(
        "--server-side-binding",
        action="store_true",
        help="proposal: Django's connection binds parameters on the server and psycopg prepares repeated statements",
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the slowest statements")
    args = parser.parse_args()

    if args.server_side_binding:  # what DATABASES["default"]["OPTIONS"] would say
        connection.close()
        connection.settings_dict.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

    raw = raw_connection()
    if args.serial:
        raw.execute("SET max_parallel_workers_per_gather = 0")
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    load = os.getloadavg()[0]
    print(f"{connection.settings_dict['NAME']}: {Case.objects.count():,} cases; {timezone.now():%Y-%m-%d %H:%M %Z}")
    results = []
    if args.only in (None, "kpi"):
        results += kpi_targets(raw, args)
    if args.only in (None, "queue"):
        results += queue_targets(raw, args)
    if args.only in (None, "create"):
        results += creation_targets(raw, args)
    print_table(results)
    print(f"load average (1 min) at start {load:.1f}, at end {os.getloadavg()[0]:.1f}, on {os.cpu_count()} cores")
    if args.explain:
        explain(raw, results)


if __name__ == "__main__":
    main()
