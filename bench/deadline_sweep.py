"""The deadline sweep: 100,000 open stages, 10,000 of them just overdue.

    createdb -h 127.0.0.1 gaoxin_bench_sweep
    psql -h 127.0.0.1 -d gaoxin_bench_sweep -c 'create extension postgis'
    GAOXIN_DB_NAME=gaoxin_bench_sweep .venv/bin/python manage.py migrate
    GAOXIN_DB_NAME=gaoxin_bench_sweep .venv/bin/python bench/deadline_sweep.py

Fills the scratch database (never the demo one) with cases in handling, each with its
open handling deadline, then times (a) a sweep that records the 10,000 overdue crossings,
their case events and their notifications through the escalation ladder, and (b) a sweep
with nothing due. The floor is the bare SQL of the same work: one UPDATE … RETURNING of
the due deadlines and an INSERT of as many notification rows, in one statement.
"""

import argparse
import time
from datetime import timedelta

from common import raw_connection
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cases.models import Case, Unit
from deadlines import services as engine
from grid.demo import load_demo_grids


def fill(open_stages, due):
    if settings.DATABASES["default"]["NAME"] in {"gaoxin", "test_gaoxin"}:
        raise SystemExit("point GAOXIN_DB_NAME at a scratch database")
    load_demo_grids()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_case, deadlines_deadline, notifications_notification CASCADE")
    people = []
    for index in range(12):
        user, _ = User.objects.get_or_create(username=f"bench_handler_{index}")
        people.append(user)
    for unit in Unit.objects.all():
        unit.members.set(people[unit.pk % 6 : unit.pk % 6 + 2])
        unit.head = people[6 + unit.pk % 6]
        unit.save()
    for name, user in ((Role.DISPATCHER, "bench_dispatcher"), (Role.SUPERVISOR, "bench_supervisor")):
        User.objects.get_or_create(username=user)[0].groups.add(Group.objects.get(name=name))
    case_type = ContentType.objects.get_for_model(Case).pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO cases_case (number, source, external_system, external_id, category_id, priority, location,
                grid_id, community_id, address, description, reporter_name, reporter_phone, state, unit_id,
                stage_started_at, due_at, handle_due_at, held_from_state, reported_at, dispatched_at,
                rework_count, return_count, extension_count, resolved_on_spot, satisfaction_comment)
            SELECT 'B' || lpad(n::text, 12, '0'), 'officer', '', '', c.id, 3, ST_PointOnSurface(g.boundary),
                g.id, g.community_id, '', 'bench', '', '', 'handling', u.id,
                %(start)s, %(due)s, %(due)s, '', %(start)s, %(start)s, 0, 0, 0, false, ''
            FROM generate_series(1, %(count)s) n
            JOIN LATERAL (SELECT id, boundary, community_id FROM grid_grid ORDER BY id OFFSET n %% 136 LIMIT 1) g ON true
            JOIN LATERAL (SELECT id FROM cases_category ORDER BY id OFFSET n %% 20 LIMIT 1) c ON true
            JOIN LATERAL (SELECT id FROM cases_unit ORDER BY id OFFSET n %% 9 LIMIT 1) u ON true
            """,
            {"count": open_stages, "start": now - timedelta(hours=10), "due": now + timedelta(days=2)},
        )
        cursor.execute(
            """
            INSERT INTO deadlines_deadline (subject_type_id, subject_id, stage, basis, started_at, warn_at, due_at,
                escalate_at, level, next_at)
            SELECT %s, id, 'handle', 'calendar', stage_started_at, due_at - interval '1 hour', due_at,
                   due_at + interval '4 hours', 1, due_at
            FROM cases_case
            """,
            [case_type],
        )
        # `due` of them have just passed their deadline (they were warned before).
        cursor.execute(
            """
            UPDATE deadlines_deadline SET due_at = %(past)s, next_at = %(past)s
            WHERE id IN (SELECT id FROM deadlines_deadline ORDER BY id LIMIT %(due)s)
            """,
            {"past": now - timedelta(seconds=30), "due": due},
        )
        cursor.execute("ANALYZE")


def reset(due):
    """Put the overdue deadlines back to 'warned, just due' and drop what the sweep wrote."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM deadlines_crossing")
        cursor.execute("DELETE FROM cases_caseevent")
        cursor.execute("DELETE FROM notifications_notification")
        cursor.execute("UPDATE deadlines_deadline SET level = 1, next_at = due_at WHERE level <> 1")
        cursor.execute("VACUUM ANALYZE deadlines_deadline")


def floor_run(raw, now, notifications_per_crossing):
    """The same work as bare SQL in one statement: mark the due deadlines and insert as
    many notification rows, with no data leaving the server."""
    start = time.perf_counter()
    with raw.transaction():
        rows = raw.execute(
            """
            WITH crossed AS (
                UPDATE deadlines_deadline SET level = level + 1, next_at = escalate_at
                WHERE closed_at IS NULL AND next_at <= %s RETURNING id, subject_id
            ), inserted AS (
                INSERT INTO notifications_notification (recipient_id, title, body, link, created_at)
                SELECT (SELECT min(id) FROM accounts_user), 't', '', '', now()
                FROM crossed CROSS JOIN generate_series(1, %s)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM crossed), (SELECT count(*) FROM inserted)
            """,
            [now, notifications_per_crossing],
        ).fetchone()
    return (time.perf_counter() - start) * 1000, rows[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fill(args.open, args.due)
    now = timezone.now()
    raw = raw_connection()
    results = []
    for _ in range(args.runs):
        reset(args.due)
        start = time.perf_counter()
        crossed = engine.sweep(now=now)
        ours = (time.perf_counter() - start) * 1000
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM notifications_notification")
            notifications = cursor.fetchone()[0]
        reset(args.due)
        floor, floor_rows = floor_run(raw, now, round(notifications / max(crossed, 1)))
        results.append((ours, floor, crossed, notifications, floor_rows))
    idle = []
    for _ in range(200):
        start = time.perf_counter()
        engine.sweep(now=now - timedelta(days=1))
        idle.append((time.perf_counter() - start) * 1000)
    idle.sort()
    for ours, floor, crossed, notifications, floor_rows in results:
        print(
            f"sweep of {crossed} crossings, {notifications} notifications: ours {ours:7.1f} ms | "
            f"floor ({floor_rows} rows) {floor:6.1f} ms | ratio {ours / floor:4.1f}x (target < 500 ms)"
        )
    print(f"sweep with nothing due: p50 {idle[100]:.3f} ms, p95 {idle[190]:.3f} ms (target < 5 ms)")


if __name__ == "__main__":
    main()
