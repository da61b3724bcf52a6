"""Fill a benchmark database with generated cases: years of a district's caseload.

    export GAOXIN_DB_NAME=gaoxin_bench   # never the demo database
    .venv/bin/python manage.py migrate
    .venv/bin/python -c "import sys; sys.path.insert(0, 'bench'); import common;
    from grid.demo import load_demo_grids; from demo.users import load_demo_users;
    load_demo_grids(); load_demo_users()"   # grids and users; `manage.py load_demo` works too
    .venv/bin/python bench/generate_cases.py --cases 1000000 --years 2 --truncate

Each case is told as the story of its events (report, verify, file, dispatch, accept,
feedback, check, close, and the side flows: return, rework, extension, hold, void,
merge, rating), cut at --end; the case row is then derived from its kept events the way
cases.services would have written it, so timestamps, state, counters and deadlines agree.

The mix: reports arrive with weekly and daily rhythms and a slow growth; sources and
categories are weighted; about 9% of cases wait in an open state (a few % in each, older
backlog thinning out with age), ~0.5% are held, ~3% voided, ~1% merged, the rest closed
(some resolved on the spot by the officer). About 11% of handled cases are late, 6%
reworked, 3% returned once, 4% extended; 15% of the cases waiting in a unit's hands have
an extension request pending. Points are sampled inside each grid with ST_GeneratePoints
and reused; the unit comes from the routing rule (a community rule wins).

Approximations, fine for a benchmark: every time limit is counted in calendar hours,
also for categories that run on working hours; merge targets are arbitrary earlier
cases; one officer (the grid's primary) works each grid; no deadline clocks
(deadlines_deadline) are written for open cases. Rows go in with binary COPY, in chunks
of one transaction each, with foreign-key triggers off when the role is a superuser
(the keys are checked with one anti-join each afterwards); autovacuum is off on the
three tables meanwhile, then VACUUM ANALYZE. Case numbers continue
cases_casedaysequence and the table is bumped afterwards, so later real reports do not
collide. --truncate also deletes the deadline clocks of cases. Deterministic for a given
--seed and --end.
"""

import argparse
import math
import random
import time
from bisect import bisect
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from common import raw_connection
from django.conf import settings
from tqdm import tqdm

from cases.models import CaseSource as Source
from cases.models import CaseState as S

LOCAL = ZoneInfo(settings.TIME_ZONE)
HOUR = 3600.0
DAY = 86400.0

SOURCE_WEIGHTS = {Source.OFFICER: 55, Source.RESIDENT: 15, Source.HOTLINE: 15, Source.VIDEO: 8, Source.PLATFORM: 7}
EXTERNAL_SYSTEMS = ["12345热线平台", "生态环境监测平台", "食品药品安全平台", "森林防火平台"]

# Category weights by (kind, code); unlisted categories weigh 1.
CATEGORY_WEIGHTS = {
    ("event", "0102"): 14,  # exposed garbage
    ("event", "0505"): 12,  # illegal parking
    ("event", "0104"): 8,  # dirty road
    ("event", "0201"): 8,  # illegal flyers
    ("event", "0502"): 7,  # business on the pavement
    ("event", "0504"): 6,  # badly parked bicycles
    ("event", "0501"): 5,  # street vendor
    ("event", "0103"): 4,
    ("event", "0101"): 3,  # illegal structure
    ("event", "0302"): 3,
    ("event", "0304"): 3,
    ("event", "0404"): 2,
    ("component", "0201"): 4,  # street light
    ("component", "0301"): 3,  # litter bin
    ("component", "0102"): 2,  # sewage manhole cover
}

# Share of all cases waiting in each open state; older backlog thins out with age.
BACKLOG_SHARE = {
    S.TO_VERIFY: 0.015,
    S.TO_FILE: 0.010,
    S.TO_DISPATCH: 0.015,
    S.DISPATCHED: 0.010,
    S.HANDLING: 0.020,
    S.TO_CHECK: 0.010,
    S.TO_CLOSE: 0.005,
    S.HELD: 0.005,
}
BACKLOG_AGE_DAYS = 120  # e-folding age of the backlog
VOIDED_SHARE, MERGED_SHARE = 0.03, 0.01
HELD_FROM = {S.TO_DISPATCH: 3, S.DISPATCHED: 2, S.HANDLING: 5}

# Hourly rhythm of reports (local time) and weekend dip.
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 3, 6, 8, 8, 7, 4, 4, 6, 7, 7, 6, 4, 3, 2.5, 2, 1.5, 1]
WEEKEND_FACTOR = 0.55
GROWTH = 0.5  # the last day sees 1.5x the reports of the first

PHRASES = ["", "，影响通行", "，居民多次反映", "，已持续两天", "，夜间尤为严重", "，位于路口东侧", "，需尽快处理"]
SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"

CASE_COLUMNS = (
    "id, number, source, external_system, external_id, priority, location, address, description, reporter_name,"
    " reporter_phone, state, stage_started_at, due_at, handle_due_at, held_from_state, held_remaining_hours,"
    " reported_at, verified_at, filed_at, dispatched_at, accepted_at, handled_at, checked_at, closed_at,"
    " rework_count, return_count, extension_count, resolved_on_spot, satisfaction, satisfaction_comment,"
    " evaluation_score, checked_by_id, community_id, grid_id, merged_into_id, reporter_id, verified_by_id,"
    " category_id, unit_id"
)
EVENT_COLUMNS = "case_id, action, actor_id, actor_role, from_state, to_state, note, data, created_at"
REQUEST_COLUMNS = "id, case_id, kind, status, hours, reason, requested_by_id, requested_at, decided_by_id, decided_at"
GENERATED_TABLES = ("cases_case", "cases_caseevent", "cases_caserequest")

# Stage limits per state (Category field), as in services._STAGE_LIMITS.
STAGE_LIMITS = {
    S.TO_VERIFY: "verify",
    S.TO_FILE: "file",
    S.TO_DISPATCH: "dispatch",
    S.TO_CHECK: "check",
    S.TO_CLOSE: "close",
}
IN_HANDS = (S.DISPATCHED, S.HANDLING)


# ---------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Category:
    id: int
    kind: str
    code: str
    name: str
    priority: int
    limits: dict  # stage -> hours or None (verify, file, dispatch, handle, check, close)
    may_resolve: bool


@dataclass(frozen=True)
class Grid:
    id: int
    community_id: int
    name: str
    officer: tuple | None  # (user id, name, phone) of the primary officer
    points: list  # EWKB of points inside the grid


@dataclass(frozen=True)
class Staff:
    """The demo accounts that act at the command centre and in the units (ids or None)."""

    clerk: int | None
    chief: int | None
    dispatcher: int | None
    supervisor: int | None
    resident: int | None
    unit_handlers: dict  # unit id -> handler user ids
    fallback_handler: int | None


def load_reference(cursor, points_per_grid, seed):
    cursor.execute(
        "SELECT id, kind, major_code || minor_code, name, priority, verify_hours, file_hours, dispatch_hours,"
        " handle_hours, check_hours, close_hours, officer_may_resolve FROM cases_category WHERE active ORDER BY id"
    )
    stages = ("verify", "file", "dispatch", "handle", "check", "close")
    categories = [
        Category(r[0], r[1], r[2], r[3], r[4], {k: _float(v) for k, v in zip(stages, r[5:11], strict=True)}, r[11])
        for r in cursor.fetchall()
    ]
    cursor.execute(
        "SELECT g.id, ST_AsEWKB(p.geom)"
        " FROM grid_grid g, LATERAL ST_Dump(ST_GeneratePoints(g.boundary, %s, %s)) p ORDER BY g.id, p.path",
        [points_per_grid, seed],
    )
    points = {}
    for grid_id, point in cursor.fetchall():
        points.setdefault(grid_id, []).append(point)
    cursor.execute(
        "SELECT g.id, g.community_id, g.name, u.id, coalesce(nullif(u.first_name, ''), u.username), u.phone"
        " FROM grid_grid g LEFT JOIN grid_gridassignment a ON a.grid_id = g.id AND a.is_primary"
        " LEFT JOIN accounts_user u ON u.id = a.officer_id ORDER BY g.code"
    )
    grids = [Grid(r[0], r[1], r[2], (r[3], r[4], r[5]) if r[3] else None, points[r[0]]) for r in cursor.fetchall()]
    cursor.execute("SELECT category_id, community_id, unit_id FROM cases_routingrule")
    routes = {(category, community): unit for category, community, unit in cursor.fetchall()}
    cursor.execute("SELECT id, name FROM cases_unit")
    unit_names = dict(cursor.fetchall())
    return categories, grids, routes, unit_names, load_staff(cursor)


def load_staff(cursor):
    cursor.execute("SELECT username, id FROM accounts_user")
    users = dict(cursor.fetchall())
    cursor.execute("SELECT unit_id, user_id FROM cases_unit_members ORDER BY user_id")
    handlers = {}
    for unit_id, user_id in cursor.fetchall():
        handlers.setdefault(unit_id, []).append(user_id)
    return Staff(
        clerk=users.get("clerk"),
        chief=users.get("chief"),
        dispatcher=users.get("dispatcher"),
        supervisor=users.get("supervisor"),
        resident=users.get("resident"),
        unit_handlers=handlers,
        fallback_handler=users.get("handler"),
    )


def _float(value):
    return None if value is None else float(value)


# ---------------------------------------------------------------- arrivals and targets


def arrival_times(rng, count, first_day, days):
    """`count` report times (UTC epoch seconds), sorted, with growth and weekly and daily rhythms."""
    day_weights = [
        (1 + GROWTH * d / max(days - 1, 1)) * (WEEKEND_FACTOR if (first_day + timedelta(d)).weekday() >= 5 else 1)
        for d in range(days)
    ]
    day_starts = [
        datetime.combine(first_day + timedelta(d), datetime.min.time(), LOCAL).timestamp() for d in range(days)
    ]
    chosen_days = rng.choices(range(days), cum_weights=list(accumulate(day_weights)), k=count)
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    random_ = rng.random
    return sorted(day_starts[d] + (h + random_()) * HOUR for d, h in zip(chosen_days, hours, strict=True))


def backlog_scale(times, now):
    """The factor c so that min(0.9, c * exp(-age / tau)) averages to the backlog share."""
    target = sum(BACKLOG_SHARE.values())
    sample = times[:: max(1, len(times) // 20000)]
    decays = [math.exp(-(now - t) / DAY / BACKLOG_AGE_DAYS) for t in sample]
    low, high = 0.0, 1000.0
    for _ in range(50):
        middle = (low + high) / 2
        share = sum(min(0.9, middle * d) for d in decays) / len(decays)
        low, high = (middle, high) if share < target else (low, middle)
    return low


# ---------------------------------------------------------------- one case's story


@dataclass
class Event:
    action: str
    actor: int | None
    role: str
    to_state: str | None  # None: the action records something without moving the case
    at: float
    note: str = ""
    data: dict | None = None


class Generator:
    def __init__(self, rng, now, categories, grids, routes, unit_names, staff):
        self.rng, self.now = rng, now
        self.categories, self.grids, self.routes, self.unit_names, self.staff = (
            categories,
            grids,
            routes,
            unit_names,
            staff,
        )
        self.category_cum = list(accumulate(CATEGORY_WEIGHTS.get((c.kind, c.code), 1) for c in categories))
        self.grid_cum = list(accumulate(0.5 + rng.random() for _ in grids))  # uneven workload per grid
        self.sources = list(SOURCE_WEIGHTS)
        self.source_cum = list(accumulate(SOURCE_WEIGHTS.values()))
        self.public_sources = [s for s in self.sources if s != Source.OFFICER]
        self.public_cum = list(accumulate(SOURCE_WEIGHTS[s] for s in self.public_sources))
        self.backlog_states = list(BACKLOG_SHARE)
        self.backlog_cum = list(accumulate(BACKLOG_SHARE.values()))
        self.held_from = list(HELD_FROM)
        self.held_cum = list(accumulate(HELD_FROM.values()))
        self.district_units = sorted({u for (_c, community), u in routes.items() if community is None})

    def pick(self, items, cum):
        return items[bisect(cum, self.rng.random() * cum[-1])]

    def delay(self, median_hours, sigma=0.8):
        return median_hours * math.exp(sigma * self.rng.gauss()) * HOUR

    def target_state(self, reported, scale):
        """Where this case's story should stop: an open state (backlog), void, merge or close."""
        rng = self.rng
        p_backlog = min(0.9, scale * math.exp(-(self.now - reported) / DAY / BACKLOG_AGE_DAYS))
        if rng.random() < p_backlog:
            return self.pick(self.backlog_states, self.backlog_cum)
        u = rng.random() * (1 - sum(BACKLOG_SHARE.values()))
        if u < VOIDED_SHARE:
            return S.VOIDED
        if u < VOIDED_SHARE + MERGED_SHARE:
            return S.MERGED
        return S.CLOSED

    def story(self, reported, target, source, category, grid, reporter):
        """The events of a case from its report to `target`, before cutting at now."""
        rng, staff = self.rng, self.staff
        officer = grid.officer[0] if grid.officer else None
        limits = category.limits
        unit = self.routes.get((category.id, grid.community_id)) or self.routes.get((category.id, None))
        unit = unit or self.district_units[0]
        handler = self.handler(unit)
        initial = S.TO_FILE if source == Source.OFFICER else S.TO_VERIFY
        events = [Event("report", reporter[0], reporter[1], initial, reported)]
        t = reported
        add = events.append

        if target == S.CLOSED and source == Source.OFFICER and category.may_resolve and rng.random() < 0.4:
            add(Event("resolve_on_spot", officer, "grid_officer", S.CLOSED, t, "现场处置"))
            return events
        held_from = self.pick(self.held_from, self.held_cum) if target == S.HELD else None
        stop = held_from or target
        if initial == S.TO_VERIFY:
            if stop in (S.VOIDED, S.MERGED) and rng.random() < 0.5 or stop == S.TO_VERIFY:
                return self.end_intake(events, stop, t)
            t += self.delay(1.2)
            add(Event("verify", officer, "grid_officer", S.TO_FILE, t))
        if stop in (S.TO_FILE, S.VOIDED, S.MERGED):
            return self.end_intake(events, stop, t)
        t += self.delay(0.3)
        add(Event("file", staff.chief, "duty_chief", S.TO_DISPATCH, t))
        if stop == S.TO_DISPATCH:
            return self.hold(events, t, staff.dispatcher, "dispatcher") if held_from else events

        handle_limit = (limits["handle"] or 8) * HOUR
        if rng.random() < 0.03 and len(self.district_units) > 1:  # wrong unit first, returned
            wrong = rng.choice([u for u in self.district_units if u != unit])
            t += self.delay(0.25)
            add(self.dispatch_event(wrong, t))
            t += self.delay(1.0)
            add(Event("return", self.handler(wrong), "unit_handler", S.TO_DISPATCH, t, "非本单位职责"))
        t += self.delay(0.25)
        dispatched = t
        add(self.dispatch_event(unit, t))
        if stop == S.DISPATCHED:
            self.maybe_pending_extension(events, t, handler, handle_limit)
            return self.hold(events, t, handler, "unit_handler") if held_from else events
        t += self.delay(0.5)
        add(Event("accept", handler, "unit_handler", S.HANDLING, t))
        if rng.random() < 0.04:
            hours = round(handle_limit / HOUR * rng.choice((0.5, 1, 2)), 2)
            t += min(0.3 * handle_limit, self.delay(1))
            add(Event("request_extension", handler, "unit_handler", None, t, "需协调多部门", {"hours": hours}))
            t += self.delay(1)
            add(Event("approve_extension", staff.dispatcher, "dispatcher", None, t))
        if stop == S.HANDLING:
            self.maybe_pending_extension(events, t, handler, handle_limit)
            return self.hold(events, t, handler, "unit_handler") if held_from else events

        start = dispatched
        reworks = (rng.random() < 0.06) + (rng.random() < 0.01)
        for rework in range(reworks + 1):
            t = max(start + handle_limit * 0.45 * math.exp(0.6 * rng.gauss()), t + 300)
            add(Event("feedback", handler, "unit_handler", S.TO_CHECK, t, "已处理完毕"))
            if stop == S.TO_CHECK and rework == reworks:
                return events
            t += self.delay(1.5)
            if rework < reworks:
                add(Event("check_fail", officer, "grid_officer", S.HANDLING, t, "整改不到位"))
                start = t
        add(Event("check_pass", officer, "grid_officer", S.TO_CLOSE, t))
        if stop == S.TO_CLOSE:
            return events
        t += self.delay(0.5)
        add(Event("close", staff.chief, "duty_chief", S.CLOSED, t))
        if source in (Source.RESIDENT, Source.HOTLINE) and rng.random() < 0.5:
            score = rng.choices((5, 4, 3, 2, 1), weights=(55, 25, 10, 5, 5))[0]
            rater = reporter if reporter[1] == "resident" else (None, "public")
            add(Event("rate", rater[0], rater[1], None, t + self.delay(10), "", {"score": score}))
        if rng.random() < 0.1:
            score = rng.choices((5, 4, 3, 2), weights=(40, 40, 15, 5))[0]
            add(Event("evaluate", staff.supervisor, "supervisor", None, t + self.delay(24), "", {"score": score}))
        return events

    def end_intake(self, events, stop, t):
        if stop in (S.VOIDED, S.MERGED):
            action, note = ("void", "不属于受理范围") if stop == S.VOIDED else ("merge", "重复案件")
            actor, role = (self.staff.chief, "duty_chief") if stop == S.VOIDED else (self.staff.clerk, "intake_clerk")
            events.append(Event(action, actor, role, stop, t + self.delay(0.5), note))
        return events

    def hold(self, events, t, requester, role):
        t += self.delay(24)
        events.append(Event("request_hold", requester, role, None, t, "需结合季节性工程处理"))
        events.append(Event("approve_hold", self.staff.chief, "duty_chief", S.HELD, t + self.delay(4)))
        return events

    def maybe_pending_extension(self, events, t, handler, handle_limit):
        if self.rng.random() < 0.15:
            hours = round(handle_limit / HOUR, 2)
            events.append(
                Event(
                    "request_extension",
                    handler,
                    "unit_handler",
                    None,
                    t + self.delay(2),
                    "需采购配件",
                    {"hours": hours},
                )
            )

    def dispatch_event(self, unit, t):
        return Event("dispatch", self.staff.dispatcher, "dispatcher", S.DISPATCHED, t, "", {"unit": unit})

    def handler(self, unit):
        members = self.staff.unit_handlers.get(unit)
        return self.rng.choice(members) if members else self.staff.fallback_handler

    def reporter(self, source, grid):
        """(actor id, role, reporter id, name, phone, external system) for a new report."""
        rng = self.rng
        caller = rng.choice(SURNAMES) + rng.choice(("先生", "女士"))
        phone = f"13{rng.randrange(100_000_000, 999_999_999)}"
        if source == Source.OFFICER and grid.officer:
            officer_id, name, officer_phone = grid.officer
            return officer_id, "grid_officer", officer_id, name, officer_phone, ""
        if source == Source.RESIDENT and self.staff.resident and rng.random() < 0.3:
            return self.staff.resident, "resident", self.staff.resident, "陈居民", "13800000000", ""
        if source in (Source.HOTLINE, Source.VIDEO) and self.staff.clerk:
            name = caller if source == Source.HOTLINE else "视频巡查"
            return self.staff.clerk, "intake_clerk", self.staff.clerk, name, phone, ""
        if source == Source.PLATFORM:
            return None, "public", None, "", "12345", rng.choice(EXTERNAL_SYSTEMS)
        return None, "public", None, caller, phone, ""


# ---------------------------------------------------------------- events -> rows


def replay(case_id, events, category, now, next_request_id):
    """Cut the story at now and derive the case's fields from the kept events, as
    cases.services writes them; returns (fields, event rows, request rows)."""
    f = dict.fromkeys(
        ("verified_at", "verified_by", "filed_at", "dispatched_at", "accepted_at", "handled_at", "checked_at"), None
    )
    f.update(
        closed_at=None,
        checked_by=None,
        unit=None,
        handle_due_at=None,
        due_at=None,
        held_from_state="",
        held_remaining_hours=None,
        rework_count=0,
        return_count=0,
        extension_count=0,
        resolved_on_spot=False,
        satisfaction=None,
        evaluation_score=None,
    )
    limits = category.limits
    handle_hours = limits["handle"]
    state, stage_started = "", None
    event_rows, requests, pending = [], [], {}
    events.sort(key=lambda e: e.at)  # stable: only a rating and an evaluation may swap
    for e in events:
        if e.at > now:
            break
        data = e.data or {}
        before = state
        action = e.action
        if action == "verify" or (action == "report" and e.to_state == S.TO_FILE):
            f["verified_at"], f["verified_by"] = e.at, e.actor
        elif action == "file":
            f["filed_at"] = e.at
        elif action == "dispatch":
            f["unit"], f["dispatched_at"], f["accepted_at"] = data["unit"], e.at, None
            f["handle_due_at"] = e.at + handle_hours * HOUR if handle_hours is not None else None
        elif action == "accept":
            f["accepted_at"] = e.at
        elif action == "return":
            f["unit"], f["handle_due_at"] = None, None
            f["return_count"] += 1
        elif action == "feedback":
            f["handled_at"] = e.at
            data = {"on_time": f["handle_due_at"] is None or e.at <= f["handle_due_at"]}
        elif action == "check_fail":
            f["rework_count"] += 1
            f["handled_at"] = None
            f["handle_due_at"] = e.at + handle_hours * HOUR if handle_hours is not None else None
            data = {"rework": f["rework_count"]}
        elif action == "check_pass":
            f["checked_at"], f["checked_by"] = e.at, e.actor
        elif action == "close":
            f["closed_at"] = e.at
        elif action == "resolve_on_spot":
            f["filed_at"] = f["handled_at"] = f["checked_at"] = f["closed_at"] = e.at
            f["checked_by"], f["resolved_on_spot"] = e.actor, True
        elif action.startswith("request_"):
            kind = action.removeprefix("request_")
            request_id = next_request_id()
            pending[kind] = [request_id, case_id, kind, "pending", data.get("hours"), e.note, e.actor, e.at, None, None]
            requests.append(pending[kind])
            data = {"request": request_id, "hours": f"{data['hours']:.2f}" if data.get("hours") else None}
        elif action.startswith("approve_"):
            request = pending.pop(action.removeprefix("approve_"))
            request[3], request[8], request[9] = "approved", e.actor, e.at
            data = {"request": request[0]}
            if action == "approve_extension":
                f["extension_count"] += 1
                f["handle_due_at"] = (f["handle_due_at"] or e.at) + request[4] * HOUR
                f["due_at"] = f["handle_due_at"]
                data["handle_due_at"] = _iso(f["handle_due_at"])
            else:
                f["held_from_state"] = state
                f["held_remaining_hours"] = (f["due_at"] - e.at) / HOUR if f["due_at"] else None
        elif action in ("rate", "evaluate"):
            f["satisfaction" if action == "rate" else "evaluation_score"] = data["score"]
        if e.to_state is not None and e.to_state != state:
            state, stage_started = e.to_state, e.at
            f["due_at"] = _stage_due(state, e.at, limits, f["handle_due_at"])
        event_rows.append((case_id, action, e.actor, e.role, before, state, e.note, data, e.at))
    f["state"], f["stage_started_at"] = state, stage_started
    return f, event_rows, requests


def _stage_due(state, at, limits, handle_due_at):
    if state in IN_HANDS:
        return handle_due_at
    hours = limits.get(STAGE_LIMITS.get(state))
    return at + hours * HOUR if hours is not None else None


def _iso(ts):
    return datetime.fromtimestamp(ts, LOCAL).isoformat()


def _decimal(hours):
    return None if hours is None else Decimal(f"{hours:.2f}")


def _dt(ts):
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


# ---------------------------------------------------------------- loading

# Binary COPY sends each value in its type's binary form: the client needs the type of
# every column. A point goes as EWKB bytes, which PostGIS's binary input reads.
CLIENT_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "double precision": "float8",
    "character varying": "text",
    "timestamp with time zone": "timestamptz",
    "geometry": "bytea",
}


def copy_types(cursor, table, columns):
    cursor.execute(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    types = dict(cursor.fetchall())
    return [CLIENT_TYPES.get(types[column], types[column]) for column in columns.split(", ")]


class Loader:
    def __init__(self, conn, generator, scale, events_mode):
        self.conn, self.gen, self.scale, self.events_mode = conn, generator, scale, events_mode
        with conn.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM cases_case")
            self.next_case_id = cursor.fetchone()[0] + 1
            cursor.execute("SELECT coalesce(max(id), 0) FROM cases_caserequest")
            self.last_request_id = cursor.fetchone()[0]
            cursor.execute("SELECT day, last FROM cases_casedaysequence")
            self.sequences = dict(cursor.fetchall())
        self.counts = dict.fromkeys(GENERATED_TABLES, 0)
        self.skip_fk_triggers = False
        with conn.cursor() as cursor:
            self.types = {
                table: copy_types(cursor, table, columns)
                for table, columns in zip(GENERATED_TABLES, (CASE_COLUMNS, EVENT_COLUMNS, REQUEST_COLUMNS), strict=True)
            }

    def next_request_id(self):
        self.last_request_id += 1
        return self.last_request_id

    def number(self, reported):
        day = datetime.fromtimestamp(reported, LOCAL).date()
        self.sequences[day] = self.sequences.get(day, 0) + 1
        return f"{day:%Y%m%d}{self.sequences[day]:05d}"

    def build_chunk(self, times):
        gen, rng, now = self.gen, self.gen.rng, self.gen.now
        cases, events, requests, chunk_numbers = [], [], [], []
        for position, reported in enumerate(times):
            case_id = self.next_case_id
            self.next_case_id += 1
            target = gen.target_state(reported, self.scale)
            if target == S.MERGED and position == 0:
                target = S.VOIDED  # merge targets are earlier cases of the same chunk
            source = (
                gen.pick(gen.public_sources, gen.public_cum)
                if target == S.TO_VERIFY
                else gen.pick(gen.sources, gen.source_cum)
            )
            category = gen.pick(gen.categories, gen.category_cum)
            grid = gen.pick(gen.grids, gen.grid_cum)
            actor, role, reporter_id, name, phone, external_system = gen.reporter(source, grid)
            story = gen.story(reported, target, source, category, grid, (actor, role))
            f, event_rows, request_rows = replay(case_id, story, category, now, self.next_request_id)
            number = self.number(reported)
            merged_into = None
            if f["state"] == S.MERGED:
                back = rng.randint(1, min(position, 200))
                merged_into = case_id - back
                target_number = chunk_numbers[-back]
                merge = event_rows[-1]
                event_rows[-1] = (*merge[:7], {"merged_into": target_number}, merge[8])
                target_state = cases[-back][11]
                note = f"合并重复案件 {number}"
                events.append(
                    (
                        merged_into,
                        "merged_from",
                        *merge[2:4],
                        target_state,
                        target_state,
                        note,
                        {"case": number},
                        merge[8],
                    )
                )
            chunk_numbers.append(number)
            cases.append(
                (
                    case_id,
                    number,
                    source,
                    external_system,
                    f"GEN-{number}" if external_system else "",
                    category.priority,
                    rng.choice(grid.points),
                    f"{grid.name}{rng.randint(1, 300)}号附近",
                    f"{category.name}{rng.choice(PHRASES)}",
                    name,
                    phone,
                    f["state"],
                    _dt(f["stage_started_at"]),
                    _dt(f["due_at"]),
                    _dt(f["handle_due_at"]),
                    f["held_from_state"],
                    f["held_remaining_hours"],
                    _dt(reported),
                    _dt(f["verified_at"]),
                    _dt(f["filed_at"]),
                    _dt(f["dispatched_at"]),
                    _dt(f["accepted_at"]),
                    _dt(f["handled_at"]),
                    _dt(f["checked_at"]),
                    _dt(f["closed_at"]),
                    f["rework_count"],
                    f["return_count"],
                    f["extension_count"],
                    f["resolved_on_spot"],
                    f["satisfaction"],
                    "",
                    f["evaluation_score"],
                    f["checked_by"],
                    grid.community_id,
                    grid.id,
                    merged_into,
                    reporter_id,
                    f["verified_by"],
                    category.id,
                    f["unit"],
                )
            )
            if self.events_mode == "report":
                event_rows = event_rows[:1]
            events.extend(event_rows)
            requests.extend(request_rows)
        return cases, events, requests

    def format_rows(self, cases, events, requests):
        """Events and requests as COPY rows (cases are built as rows already)."""
        unit_names = self.gen.unit_names
        event_rows = []
        for case_id, action, actor, role, before, after, note, data, at in events:
            if action == "dispatch":
                data = {"unit": data["unit"], "unit_name": unit_names[data["unit"]]}
            event_rows.append((case_id, action, actor, role, before, after, note, data, _dt(at)))
        request_rows = [(*row[:4], _decimal(row[4]), *row[5:7], _dt(row[7]), row[8], _dt(row[9])) for row in requests]
        return cases, event_rows, request_rows

    def build(self, times):
        return self.format_rows(*self.build_chunk(times))

    def write(self, rows):
        """COPY one chunk in one transaction. Without foreign-key triggers if allowed: the
        rows are consistent by construction and verify_foreign_keys checks them at the end."""
        with self.conn.transaction(), self.conn.cursor() as cursor:
            if self.skip_fk_triggers:
                cursor.execute("SET LOCAL session_replication_role = replica")
            for table, columns, table_rows in zip(
                GENERATED_TABLES, (CASE_COLUMNS, EVENT_COLUMNS, REQUEST_COLUMNS), rows, strict=True
            ):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(self.types[table])
                    for row in table_rows:
                        copy.write_row(row)
                self.counts[table] += len(table_rows)

    def finish(self):
        """Move the id sequences past the generated ids and bump the per-day case numbers."""
        with self.conn.cursor() as cursor:
            for table in GENERATED_TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            cursor.executemany(
                "INSERT INTO cases_casedaysequence (day, last) VALUES (%s, %s)"
                " ON CONFLICT (day) DO UPDATE SET last = GREATEST(cases_casedaysequence.last, EXCLUDED.last)",
                sorted(self.sequences.items()),
            )


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000, help="number of cases to generate (default 100000)")
    parser.add_argument("--years", type=float, default=2, help="period length in years, ending at --end (default 2)")
    parser.add_argument(
        "--end", type=date.fromisoformat, default=None, help="last day, YYYY-MM-DD (default yesterday); cut at its end"
    )
    parser.add_argument("--seed", type=int, default=20200708, help="random seed (default 20200708)")
    parser.add_argument("--truncate", action="store_true", help="delete every case, event, request first")
    parser.add_argument("--events", choices=("all", "report"), default="all", help="write every event or only 'report'")
    parser.add_argument("--chunk", type=int, default=20_000, help="cases per COPY transaction (default 20000)")
    parser.add_argument(
        "--keep-fk-checks",
        action="store_true",
        help="keep foreign-key triggers during COPY (default: skip them when superuser, verify afterwards)",
    )
    parser.add_argument("--points-per-grid", type=int, default=50, help="sampled points per grid (default 50)")
    args = parser.parse_args()

    database = settings.DATABASES["default"]["NAME"]
    if database in {"gaoxin", "test_gaoxin"}:
        raise SystemExit(f"refusing to fill {database!r}: set GAOXIN_DB_NAME to a benchmark database")
    end = args.end or datetime.now(LOCAL).date() - timedelta(days=1)
    days = max(1, round(args.years * 365))
    first_day = end - timedelta(days=days - 1)
    now = datetime.combine(end + timedelta(days=1), datetime.min.time(), LOCAL).timestamp()
    rng = random.Random(args.seed)
    started = time.perf_counter()

    conn = raw_connection()
    with conn.cursor() as cursor:
        if args.truncate:
            truncate_cases(cursor)
        reference = load_reference(cursor, args.points_per_grid, args.seed % 1_000_000 + 1)
    categories, grids, *_ = reference
    if not grids:
        raise SystemExit("no grids: load them first (manage.py load_demo)")
    times = arrival_times(rng, args.cases, first_day, days)
    generator = Generator(rng, now, *reference)
    scale = backlog_scale(times, generator.now)
    loader = Loader(conn, generator, scale, args.events)
    print(f"{database}: {args.cases:,} cases {first_day} .. {end}, {len(grids)} grids, {len(categories)} categories")

    for table in GENERATED_TABLES:
        conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    loader.skip_fk_triggers = not args.keep_fk_checks and conn.execute("SHOW is_superuser").fetchone()[0] == "on"
    chunks = [times[offset : offset + args.chunk] for offset in range(0, args.cases, args.chunk)]
    try:
        # One thread builds the next chunk while this one COPYs the last: Python and the
        # server each keep a core busy.
        with tqdm(total=args.cases, unit="case", smoothing=0.1) as progress, ThreadPoolExecutor(1) as builder:
            next_rows = builder.submit(loader.build, chunks[0]) if chunks else None
            for index, chunk in enumerate(chunks):
                rows = next_rows.result()
                if index + 1 < len(chunks):
                    next_rows = builder.submit(loader.build, chunks[index + 1])
                loader.write(rows)
                progress.update(len(chunk))
        loader.finish()
    finally:
        for table in GENERATED_TABLES:
            conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
    loaded = time.perf_counter()
    if loader.skip_fk_triggers:
        verify_foreign_keys(conn)
    checked = time.perf_counter()
    for table in GENERATED_TABLES:  # visibility map for index-only scans, and planner statistics
        conn.execute(f"VACUUM (ANALYZE) {table}")
    done = time.perf_counter()
    counts = ", ".join(f"{count:,} {table}" for table, count in loader.counts.items())
    print(
        f"wrote {counts} in {loaded - started:.0f} s; foreign-key check {checked - loaded:.0f} s;"
        f" VACUUM ANALYZE {done - checked:.0f} s; total {done - started:.0f} s"
    )


def truncate_cases(cursor):
    """Every case with its events, photos and requests, the day counters, and the
    deadline clocks of cases (a generic relation, so no cascade reaches them)."""
    cursor.execute("TRUNCATE cases_case, cases_casedaysequence CASCADE")
    cursor.execute("SELECT to_regclass('deadlines_deadline'), to_regclass('deadlines_crossing')")
    deadlines, crossings = cursor.fetchone()
    if deadlines:
        case_deadlines = (
            "SELECT d.id FROM deadlines_deadline d JOIN django_content_type t ON t.id = d.subject_type_id"
            " WHERE t.app_label = 'cases' AND t.model = 'case'"
        )
        if crossings:
            cursor.execute(f"DELETE FROM deadlines_crossing WHERE deadline_id IN ({case_deadlines})")
        cursor.execute(f"DELETE FROM deadlines_deadline WHERE id IN ({case_deadlines})")


def verify_foreign_keys(conn):
    """Every foreign key of the generated tables points at an existing row (the load ran
    without the foreign-key triggers)."""
    keys = conn.execute(
        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text FROM pg_constraint c"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
        " WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
        [list(GENERATED_TABLES)],
    ).fetchall()
    for table, column, parent in keys:
        broken = conn.execute(
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = t.{column})"
        ).fetchone()[0]
        if broken:
            raise SystemExit(f"{broken} rows of {table}.{column} point at no {parent} row: rerun with --truncate")


if __name__ == "__main__":
    main()
