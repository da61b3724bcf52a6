"""GET /api/v1/grids/ for the demo district: size, and the cached response's latency
against a bare Django JSON view served through the same middleware.

    .venv/bin/python bench/grid_api.py

Both are requested in the same process with Django's test client (no network), timed
alternately on each request. The floor view returns a small JSON body with JsonResponse:
Django's own cost of a request, which our view must stay within 3x of (p95) once the
body is cached. A revalidation (If-None-Match -> 304) is timed too.
"""

import argparse
import sys

from common import print_row, summary, timed_pair
from django.http import JsonResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path

from grid.demo import load_demo_grids


def bare_json(request):
    return JsonResponse({"type": "FeatureCollection", "features": []})


urlpatterns = [
    path("bench/bare/", bare_json),
    path("", include("gaoxin.urls")),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    load_demo_grids()
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        first = client.get("/api/v1/grids/", REMOTE_ADDR="192.0.2.1")
        assert first.status_code == 200, first.status_code
        size_kb = len(first.content) / 1024
        etag = first["ETag"]
        # Many residents, each a few requests: one address would soon meet the anonymous
        # limit (600/min); the throttle still counts every request, as in production.
        calls = [(f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",) for n in range(args.requests)]

        def bare(address):
            return client.get("/bench/bare/", REMOTE_ADDR=address)

        ours, floor = timed_pair(lambda address: client.get("/api/v1/grids/", REMOTE_ADDR=address), bare, calls)
        revalidate, floor_again = timed_pair(
            lambda address: client.get("/api/v1/grids/", HTTP_IF_NONE_MATCH=etag, REMOTE_ADDR=address), bare, calls
        )
    print(f"/api/v1/grids/: {len(first.json()['features'])} features, {size_kb:.1f} KB (target < 300 KB)")
    ratio = print_row("cached 200", summary(ours), summary(floor), "(target ≤ 3x)")
    print_row("revalidation 304", summary(revalidate), summary(floor_again))
    return 0 if size_kb < 300 and ratio <= 3 else 1


if __name__ == "__main__":
    sys.modules.setdefault(__name__, sys.modules["__main__"])
    sys.exit(main())
