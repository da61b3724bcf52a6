"""Server time of the dashboard and the list pages, against a bare Django view (the floor).

    GAOXIN_DB_NAME=gaoxin_bench .venv/bin/python bench/bench_pages.py
    GAOXIN_DB_NAME=gaoxin_bench .venv/bin/python bench/bench_pages.py --only queue search "officer home"

The list pages are the staff workspace's (every queue of the chief, the dispatcher, a grid
officer and a unit handler, a deep queue page, the officer's home, the case search with
several filters) and the public ones; --only keeps those whose name contains a word given
(and skips the dashboard's). The unit handler is `handler` of the sanitation office: on a
database filled by generate_cases.py after load_demo_grids/load_demo_users, run
demo.units.load_demo_units() once so that the account belongs to its unit.

Needs a database filled by bench/generate_cases.py (a million cases) and its demo logins
(load_demo). Each page goes through django.test.Client: URL routing, every middleware,
the session, the view and its template, as a browser's request would, without the network.
The floor is a view returning a small JSON through the same client, session and
middleware: what any page costs before it does anything. Ours and the floor are timed
alternately on each round, so load from other processes falls on both alike; a page
slower than the run's budget stops after 60 s (and at least 30 rounds).

The dashboard is measured the way people see it, with its figures in the cache (they are
recomputed in the background, dashboard.figures); the time to compute them afresh, which
only the first page after a deploy pays, is printed as well; so is the public map's
GeoJSON, which is served from the cache and computed afresh every five minutes.
"""

import argparse
import sys
import time
import types

from common import print_row, summary
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.test import Client
from django.urls import clear_url_caches, include, path
from django.utils import timezone

from accounts.models import User
from cases.models import Case, CaseSource, CaseState, Category
from dashboard import figures, selectors
from grid.models import Community
from public.selectors import recent_case_features

DASHBOARD_TARGET_MS = 100
LIST_TARGET_MS = 50


def floor_view(request):
    return JsonResponse({"ok": True})


def signed_in_view(request):
    """The floor plus what every staff page does first: the session, the user, the roles."""
    return JsonResponse({"roles": sorted(request.user.roles)})


def install_floor_url():
    urls = types.ModuleType("bench_pages_urls")
    urls.urlpatterns = [
        path("bench-floor/", floor_view),
        path("bench-signed-in/", signed_in_view),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    clear_url_caches()


def client_for(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")


def timed_within(ours, floor, rounds, budget_s, warmup=10):
    """Like common.timed_pair, ours and the floor alternately, but a slow page stops after
    `budget_s` seconds (with at least 30 rounds) so that the whole run stays bounded."""
    for _ in range(warmup):
        ours()
        floor()
    ours_ms, floor_ms = [], []
    deadline = time.perf_counter() + budget_s
    while len(ours_ms) < rounds and (len(ours_ms) < 30 or time.perf_counter() < deadline):
        start = time.perf_counter()
        ours()
        middle = time.perf_counter()
        floor()
        end = time.perf_counter()
        ours_ms.append((middle - start) * 1000)
        floor_ms.append((end - middle) * 1000)
    return ours_ms, floor_ms


def measure(name, client, url, rounds, target, budget_s=60):
    ours, floor = timed_within(lambda: get(client, url), lambda: get(client, "/bench-floor/"), rounds, budget_s)
    ours_summary, floor_summary = summary(ours), summary(floor)
    rounds_done = f"n={ours_summary['n']}"
    if target is None:
        print_row(name, ours_summary, floor_summary, rounds_done)
    else:
        verdict = "ok" if ours_summary["p95"] < target else "OVER"
        print_row(name, ours_summary, floor_summary, f"{rounds_done} (target p95 < {target} ms: {verdict})")
    return ours_summary


def cold_ms(function, rounds):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rounds", type=int, default=200, help="requests per page (default 200; slow pages stop at --budget)"
    )
    parser.add_argument("--cold-rounds", type=int, default=5, help="fresh computations of the figures (default 5)")
    parser.add_argument("--budget", type=float, default=60, help="seconds after which a slow page stops (default 60)")
    parser.add_argument("--only", nargs="*", default=[], help="measure only the list pages whose name has one of these")
    args = parser.parse_args()

    # Keep the figures in the cache for the whole run: no background refresh is queued
    # (no worker serves this database), and warm means warm.
    settings.DASHBOARD_CACHE_SECONDS = 3600
    settings.PUBLIC_MAP_CACHE_SECONDS = 3600
    install_floor_url()
    total = Case.objects.count()
    print(f"database {connection.settings_dict['NAME']}: {total:,} cases; {args.rounds} requests per page")

    chief, dispatcher = client_for("chief"), client_for("dispatcher")
    officer, handler, resident = client_for("officer001"), client_for("handler"), client_for("resident")
    anonymous = Client()
    public_case = (
        Case.objects.filter(source=CaseSource.RESIDENT, reporter__isnull=True, state=CaseState.CLOSED)
        .exclude(reporter_phone="")
        .order_by("-reported_at")
        .first()
    )
    tracker = Client()
    tracker.post("/track/", {"number": public_case.number, "reporter_phone": public_case.reporter_phone})

    if not args.only:
        print("\ncomputing the dashboard's figures afresh (what the background refresh does):")
        fresh = cold_ms(lambda: selectors.all_figures(timezone.now()), args.cold_rounds)
        print(f"  all figures: median {summary(fresh)['p50']:.0f} ms, slowest of {len(fresh)} {max(fresh):.0f} ms")
    figures.refresh_figures()
    cache.delete(figures.cache_key("queues", *sorted(User.objects.get(username="chief").roles)))

    print()
    measure("bare view, signed in (session, user, roles)", chief, "/bench-signed-in/", args.rounds, None)
    if not args.only:
        measure("dashboard (chief)", chief, "/dashboard/", args.rounds, DASHBOARD_TARGET_MS)
        measure("dashboard grid counts JSON", chief, "/dashboard/grid-counts.json", args.rounds, LIST_TARGET_MS)
    community = Community.objects.order_by("code").first()
    garbage = Category.objects.filter(name__contains="垃圾").order_by("pk").first()
    staff_lists = [
        ("queue to_file (chief)", chief, "/cases/queues/to_file/"),
        ("queue to_close (chief)", chief, "/cases/queues/to_close/"),
        ("queue approvals (chief)", chief, "/cases/queues/approvals/"),
        ("queue held (chief)", chief, "/cases/queues/held/"),
        ("queue to_dispatch (dispatcher)", dispatcher, "/cases/queues/to_dispatch/"),
        ("queue to_dispatch page 100 (dispatcher)", dispatcher, "/cases/queues/to_dispatch/?page=100"),
        ("queue approvals (dispatcher)", dispatcher, "/cases/queues/approvals/"),
        ("queue to_verify (officer001)", officer, "/cases/queues/to_verify/"),
        ("queue to_check (officer001)", officer, "/cases/queues/to_check/"),
        ("queue to_handle (handler)", handler, "/cases/queues/to_handle/"),
        ("officer home (officer001)", officer, "/cases/officer/"),
        ("case search, no filter (chief)", chief, "/cases/search/"),
        ("case search, page 40 (chief)", chief, "/cases/search/?page=40"),
        ("case search, state handling (chief)", chief, "/cases/search/?state=handling"),
        (
            "case search, category + community (chief)",
            chief,
            f"/cases/search/?category={garbage.pk}&community={community.pk}",
        ),
        ("case search, overdue (dispatcher)", dispatcher, "/cases/search/?overdue=on"),
        ("case search, no filter (officer001)", officer, "/cases/search/"),
        ("case search, no filter (handler)", handler, "/cases/search/"),
        ("case search, text 垃圾 (chief)", chief, "/cases/search/?q=垃圾"),
    ]
    public_lists = [
        ("my complaints (resident)", resident, "/track/"),
        ("public case page (phone checked)", tracker, f"/track/{public_case.number}/"),
        ("public map GeoJSON (cached)", anonymous, "/map/cases.geojson"),
    ]
    for name, client, url in staff_lists + public_lists:
        if args.only and not any(word in name for word in args.only):
            continue
        measure(name, client, url, args.rounds, LIST_TARGET_MS, args.budget)

    if args.only:
        return
    print("\ncomputing the public map's GeoJSON afresh (once per PUBLIC_MAP_CACHE_SECONDS):")
    map_fresh = cold_ms(
        lambda: recent_case_features(timezone.now(), settings.PUBLIC_MAP_DAYS, settings.PUBLIC_MAP_MAX_CASES),
        args.cold_rounds * 4,
    )
    print(f"  median {summary(map_fresh)['p50']:.1f} ms, slowest of {len(map_fresh)} {max(map_fresh):.1f} ms")

    for client in (chief, dispatcher, officer, handler, resident, tracker):
        client.logout()


if __name__ == "__main__":
    main()
