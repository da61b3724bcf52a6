"""Shared helpers for benchmark scripts: Django setup, timing, a raw psycopg floor."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaoxin.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402


def raw_connection():
    """A psycopg connection to the same database, outside Django: the floor's path."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None, autocommit=True
    )


def timed(function, arguments, warmup=50):
    """Call function(*args) for each args in arguments; return per-call milliseconds."""
    for args in arguments[:warmup]:
        function(*args)
    samples = []
    for args in arguments:
        start = time.perf_counter()
        function(*args)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def timed_pair(ours, floor, arguments, warmup=50):
    """Time ours and the floor alternately on each input, so that load from other
    processes falls on both alike; returns (ours ms, floor ms) sample lists."""
    for args in arguments[:warmup]:
        ours(*args)
        floor(*args)
    ours_ms, floor_ms = [], []
    for args in arguments:
        start = time.perf_counter()
        ours(*args)
        middle = time.perf_counter()
        floor(*args)
        end = time.perf_counter()
        ours_ms.append((middle - start) * 1000)
        floor_ms.append((end - middle) * 1000)
    return ours_ms, floor_ms


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(samples):
    return {"p50": statistics.median(samples), "p95": percentile(samples, 0.95), "n": len(samples)}


def print_row(name, ours, floor, target=""):
    ratio = ours["p95"] / floor["p95"] if floor["p95"] else float("inf")
    print(
        f"{name:<38} ours p50 {ours['p50']:7.3f} ms  p95 {ours['p95']:7.3f} ms | "
        f"floor p50 {floor['p50']:7.3f} ms  p95 {floor['p95']:7.3f} ms | ratio p95 {ratio:5.2f}x {target}"
    )
    return ratio
