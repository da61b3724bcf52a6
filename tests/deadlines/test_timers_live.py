"""Timers against committed data: racing paths, a broker outage, and a real Celery worker
and beat on Redis."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from cases.models import CaseKind, CaseSource, Category
from cases.services import report
from deadlines import services as engine
from deadlines.models import Crossing, Deadline
from notifications.models import Notification
from tests.factories import point_in

pytestmark = pytest.mark.usefixtures("committed_db")

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra):
    env = {
        **os.environ,
        "GAOXIN_DB_NAME": connection.settings_dict["NAME"],
        "GAOXIN_MEDIA_ROOT": "/tmp/gaoxin-test-media",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def _report(world, category=None):
    lon, lat = point_in(world.home)
    return report(
        actor=world.resident,
        source=CaseSource.RESIDENT,
        category=category or world.garbage,
        lon=lon,
        lat=lat,
        description="计时测试",
    )


def test_eta_task_and_sweep_racing_cross_once(world):
    case = _report(world)
    deadline = Deadline.objects.get(subject_id=case.pk, closed_at__isnull=True)
    at = deadline.due_at + timedelta(seconds=1)
    barrier = threading.Barrier(4)
    results = []

    def run(function):
        barrier.wait()
        try:
            results.append(function())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: engine.fire(deadline.pk, now=at),)),
        threading.Thread(target=run, args=(lambda: engine.sweep(now=at),)),
        threading.Thread(target=run, args=(lambda: engine.fire(deadline.pk, now=at),)),
        threading.Thread(target=run, args=(lambda: engine.sweep(now=at),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(results) == 2  # warning and overdue, each recorded by exactly one path
    assert sorted(Crossing.objects.filter(deadline=deadline).values_list("level", flat=True)) == [1, 2]
    warned = Notification.objects.filter(title__contains=case.number).filter(title__contains="预警")
    assert warned.count() == 1


_OUTAGE_SCRIPT = """
import django, sys
django.setup()
from accounts.models import User
from cases.services import act, report
from grid.models import Grid
officer = User.objects.get(pk=int(sys.argv[1]))
grid = Grid.objects.get(pk=int(sys.argv[2]))
point = grid.boundary.point_on_surface
case = report(actor=officer, source="officer", category=int(sys.argv[3]), lon=point.x, lat=point.y,
              description="broker down")
case = act(case, "file", User.objects.get(pk=int(sys.argv[4])))
print(case.pk, case.state)
"""


def test_cases_work_while_the_broker_is_down_and_the_sweep_catches_up(world):
    dead_broker = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _OUTAGE_SCRIPT,
            str(world.officer.pk),
            str(world.home.pk),
            str(world.garbage.pk),
            str(world.chief.pk),
        ],
        env=_env(GAOXIN_BROKER_URL=dead_broker, DJANGO_SETTINGS_MODULE="gaoxin.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    case_pk, state = result.stdout.split()
    assert state == "to_dispatch"
    assert time.monotonic() - started < 60  # publishing gave up quickly instead of hanging
    assert "sweep will catch it" in result.stderr

    deadline = Deadline.objects.get(subject_id=int(case_pk), closed_at__isnull=True)
    later = deadline.due_at + timedelta(hours=1)
    assert engine.sweep(now=later) == 2  # the missed warning and overdue, once each
    assert engine.sweep(now=later) == 0


def test_real_worker_and_beat_fire_warning_and_overdue(world):
    quick = Category.objects.create(
        kind=CaseKind.EVENT,
        major_code="98",
        major_name="测试",
        minor_code="01",
        name="快速时限",
        time_basis="calendar",
        verify_hours="0.002",  # 7.2 seconds
        handle_hours=1,
    )
    broker_url = settings.CELERY_BROKER_URL  # the tests' own Redis database (tests/conftest.py)
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()
    env = _env(GAOXIN_BROKER_URL=broker_url, GAOXIN_SWEEP_SECONDS="2", DJANGO_SETTINGS_MODULE="gaoxin.settings")
    celery = [sys.executable, "-m", "celery", "-A", "gaoxin"]
    worker = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "--loglevel=warning", "--without-heartbeat", "--without-mingle"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    beat = subprocess.Popen(
        [*celery, "beat", "--loglevel=warning", "--schedule=/tmp/gaoxin-test-beat"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from gaoxin.celery import app

        app.conf.task_always_eager = False
        case = _report(world, category=quick)
        connection.close()
        deadline = Deadline.objects.get(subject_id=case.pk, closed_at__isnull=True)
        levels = []
        for _ in range(60):
            levels = sorted(Crossing.objects.filter(deadline=deadline).values_list("level", flat=True))
            if levels == [1, 2]:
                break
            time.sleep(0.5)
        assert levels == [1, 2], worker.stderr.read1().decode() if worker.poll() is not None else levels
        told = Notification.objects.filter(title__contains=case.number)
        assert told.filter(title__contains="预警", recipient=world.officer).count() == 1
        assert told.filter(title__contains="【超期】", recipient=world.officer).count() == 1
        assert list(case.events.filter(action__startswith="deadline_").values_list("action", flat=True)) == [
            "deadline_warning",
            "deadline_overdue",
        ]
    finally:
        from gaoxin.celery import app

        app.conf.task_always_eager = True
        for process in (worker, beat):
            process.terminate()
            process.wait(10)
        broker.flushdb()
