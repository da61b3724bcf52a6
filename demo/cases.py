"""Demo cases: about a thousand reports over the last three months, each walked through the
services (`report`, `act`) with timestamps in the past, so every timeline, deadline, queue
and KPI in the demo is what the platform itself would have produced.

Each case follows a plan drawn up front (source, category, place, time, side flows). Its
story then takes one step at a time, each a plausible delay after the previous one on the
category's clock (working or calendar hours), and ends early when the next step would lie
in the future: recent cases are naturally still open. The newest cases, and a few older
stuck ones, are told to stop in a given open state so that every queue has work in it.
"""

import functools
import io
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from PIL import Image
from tqdm import tqdm

from accounts.models import User
from cases.models import Case, CaseKind, CaseSource, Category, Unit
from cases.models import CaseState as S
from cases.selectors import routing_suggestion
from cases.services import act, report
from deadlines.calendar import add_duration, current_calendar, hours_between
from deadlines.models import TimeBasis
from grid.models import Grid, GridAssignment

DEMO_SEED = 20240708
# Every case costs ~10 service calls with their deadline, webhook and notification side
# effects (~0.1 s here): 1000 cases keep `make demo` near a minute and a half on 2 cores.
DEFAULT_CASE_COUNT = 1000

# States the newest cases are told to stop in, one after another.
OPEN_TARGETS = (S.TO_VERIFY, S.TO_FILE, S.TO_DISPATCH, S.DISPATCHED, S.HANDLING, S.TO_CHECK, S.TO_CLOSE, S.HELD)

SOURCE_WEIGHTS = {
    CaseSource.OFFICER: 55,
    CaseSource.RESIDENT: 18,
    CaseSource.HOTLINE: 12,
    CaseSource.VIDEO: 7,
    CaseSource.PLATFORM: 8,
}
# (kind, code) -> relative frequency; categories not listed weigh 1.
CATEGORY_WEIGHTS = {
    (CaseKind.EVENT, "0101"): 2,
    (CaseKind.EVENT, "0102"): 18,
    (CaseKind.EVENT, "0103"): 4,
    (CaseKind.EVENT, "0104"): 14,
    (CaseKind.EVENT, "0105"): 1.5,
    (CaseKind.EVENT, "0201"): 10,
    (CaseKind.EVENT, "0203"): 2,
    (CaseKind.EVENT, "0302"): 3,
    (CaseKind.EVENT, "0303"): 3,
    (CaseKind.EVENT, "0304"): 3,
    (CaseKind.EVENT, "0401"): 0.3,
    (CaseKind.EVENT, "0402"): 0.4,
    (CaseKind.EVENT, "0403"): 0.15,
    (CaseKind.EVENT, "0405"): 0.6,
    (CaseKind.EVENT, "0501"): 5,
    (CaseKind.EVENT, "0502"): 8,
    (CaseKind.EVENT, "0504"): 7,
    (CaseKind.EVENT, "0505"): 10,
    (CaseKind.EVENT, "9901"): 2,
    (CaseKind.COMPONENT, "0105"): 0.5,
    (CaseKind.COMPONENT, "0201"): 4,
    (CaseKind.COMPONENT, "0203"): 1.5,
    (CaseKind.COMPONENT, "0301"): 5,
    (CaseKind.COMPONENT, "0401"): 2,
    (CaseKind.COMPONENT, "0402"): 1.5,
    (CaseKind.COMPONENT, "0501"): 0.3,
}

# One plan each for the oldest cases, so that even a small demo shows every side flow.
EVERY_FLOW = [
    ({"void"}, CaseSource.RESIDENT),
    ({"request_verification"}, CaseSource.HOTLINE),
    ({"on_spot"}, CaseSource.OFFICER),
    ({"duplicate", "rate"}, CaseSource.RESIDENT),
    ({"wrong_dispatch"}, None),
    ({"extension"}, None),
    ({"extension", "extension_rejected"}, None),
    ({"hold", "release"}, None),
    ({"hold_rejected"}, None),
    ({"check_fail", "rate"}, CaseSource.HOTLINE),
    ({"rework"}, None),
    ({"late", "evaluate"}, None),
]

DESCRIPTIONS = {
    (CaseKind.EVENT, "0101"): ["楼顶私自搭建彩钢棚", "商铺门前违规搭建雨棚", "小区绿地内搭建简易房"],
    (CaseKind.EVENT, "0102"): ["路边垃圾堆放未清运，有异味", "垃圾桶旁散落生活垃圾", "绿化带内被倾倒生活垃圾"],
    (CaseKind.EVENT, "0103"): ["路边堆积建筑渣土", "空地积存大量装修垃圾"],
    (CaseKind.EVENT, "0104"): ["路面有大片油污", "人行道落叶和泥沙未清扫", "路面散落渣土"],
    (CaseKind.EVENT, "0105"): ["河涌水面漂浮垃圾", "排水渠水体发黑发臭"],
    (CaseKind.EVENT, "0106"): ["有人在空地焚烧垃圾，浓烟较大"],
    (CaseKind.EVENT, "0201"): ["电线杆上贴满小广告", "楼道墙面喷涂办证小广告", "公交站牌贴有小广告"],
    (CaseKind.EVENT, "0202"): ["未经审批设置大型户外广告牌"],
    (CaseKind.EVENT, "0203"): ["商铺在人行道摆放广告牌", "立式广告牌占用盲道"],
    (CaseKind.EVENT, "0301"): ["夜间无证施工作业"],
    (CaseKind.EVENT, "0302"): ["工地夜间施工噪音扰民", "凌晨施工机械作业声音很大"],
    (CaseKind.EVENT, "0303"): ["施工围挡占用半幅车道", "施工材料堆放占道"],
    (CaseKind.EVENT, "0304"): ["工地裸土未覆盖，扬尘严重", "渣土车出场未冲洗，带泥上路"],
    (CaseKind.EVENT, "0401"): ["路面出现塌陷坑洞，存在安全隐患"],
    (CaseKind.EVENT, "0402"): ["自来水管爆裂，路面大量积水"],
    (CaseKind.EVENT, "0403"): ["闻到明显燃气味，疑似燃气泄漏"],
    (CaseKind.EVENT, "0404"): ["下水道堵塞，污水外溢", "雨水篦子破损"],
    (CaseKind.EVENT, "0405"): ["暴雨后道路积水较深，车辆难以通行"],
    (CaseKind.EVENT, "0501"): ["流动摊贩占道经营", "校门口有无照流动摊点"],
    (CaseKind.EVENT, "0502"): ["餐馆在门前人行道摆桌经营", "水果店货物摆出店外"],
    (CaseKind.EVENT, "0503"): ["废品收购点占用人行道堆放"],
    (CaseKind.EVENT, "0504"): ["共享单车大量堆放，堵塞人行道", "地铁口非机动车乱停放"],
    (CaseKind.EVENT, "0505"): ["机动车占用消防通道停放", "车辆长时间停放在人行道上"],
    (CaseKind.COMPONENT, "0101"): ["上水井盖破损", "井盖松动，车辆经过有异响"],
    (CaseKind.COMPONENT, "0102"): ["污水井盖缺失，存在安全隐患", "污水井盖破损下陷"],
    (CaseKind.COMPONENT, "0103"): ["雨水井盖破损", "雨水井盖被盗"],
    (CaseKind.COMPONENT, "0201"): ["路灯夜间不亮", "路灯白天长亮", "路灯灯杆倾斜"],
    (CaseKind.COMPONENT, "0202"): ["交通标志牌被撞弯"],
    (CaseKind.COMPONENT, "0203"): ["道路护栏被撞坏", "护栏倾倒"],
    (CaseKind.COMPONENT, "0301"): ["垃圾箱破损", "垃圾箱满溢未清理", "垃圾箱缺失"],
    (CaseKind.COMPONENT, "0302"): ["公共厕所冲水设施损坏"],
    (CaseKind.COMPONENT, "0401"): ["行道树倒伏", "树枝断裂悬挂，存在隐患"],
    (CaseKind.COMPONENT, "0402"): ["绿地被踩踏损毁", "绿地内杂草丛生"],
}
STREETS = ["港湾大道", "金鼎路", "唐淇路", "科技五路", "大学路", "金峰路", "创新海岸路", "东岸路", "软件园路", "会展路"]
PLATFORMS = [("12345", "GD"), ("数字城管", "SZCG"), ("生态环境监测", "HB")]

VOID_REASONS = ["经现场核实，问题不存在", "已自行整改，无需立案", "不属于城市管理受理范围"]
RECHECK_REQUESTS = ["请核实具体位置", "请补充现场照片"]
RETURN_REASONS = ["不属于本单位职责范围，请重新派遣", "经现场查看，应由其他部门处置"]
EXTENSION_REASONS = ["需协调相关单位配合，申请延期", "所需材料未到货，申请延期", "需待天气好转后施工"]
EXTENSION_REFUSALS = ["理由不充分，请按期完成"]
HOLD_REASONS = ["需结合年度改造工程统一实施", "涉及产权争议，需长期协调", "待雨季结束后施工"]
HOLD_REFUSALS = ["不符合挂账条件，请按期处置"]
FEEDBACK_NOTES = ["已安排人员到场处置完毕", "已清理完毕，现场恢复整洁", "已完成整改", "已联系责任人整改到位"]
CHECK_FAILURES = ["现场复核仍未处理到位", "仍有部分问题未整改"]
REWORK_REASONS = ["处置照片与现场不符，请重新处置"]
RATING_COMMENTS = {5: "处理很及时，谢谢", 4: "", 3: "", 2: "处理太慢", 1: "问题没有解决"}
_SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢"

# The shortest gap between two steps, so every timeline moves forward.
_MIN_STEP_HOURS = 0.05


class _Stop(Exception):
    """The story ends here: its next step lies after `now`, or it reached its target state."""


@dataclass
class _Plan:
    reported_at: datetime
    category: Category
    grid: Grid
    source: str
    flows: set = field(default_factory=set)
    target: str | None = None  # an open state to stop in


@dataclass
class _World:
    """The people, places and units the stories need, read once."""

    grids: list
    shapes: dict  # grid id -> (extent, prepared boundary) for drawing points
    officers: dict  # grid id -> the grid's primary officer
    handlers: dict  # unit id -> the people who may act for it
    district_units: list
    categories: list
    logins: dict  # demo username -> user
    external_serials: dict = field(default_factory=dict)

    @classmethod
    def load(cls):
        grids = list(Grid.objects.select_related("community").order_by("code"))
        officers = {
            assignment.grid_id: assignment.officer
            for assignment in GridAssignment.objects.filter(is_primary=True).select_related("officer")
        }
        if not grids or any(grid.pk not in officers for grid in grids):
            raise RuntimeError("demo cases need the demo grids and an officer in each: load them first")
        units = list(Unit.objects.filter(active=True).select_related("head").prefetch_related("members"))
        handlers = {
            unit.pk: sorted({*unit.members.all(), *([unit.head] if unit.head else [])}, key=lambda user: user.username)
            for unit in units
        }
        return cls(
            grids=grids,
            shapes={grid.pk: (grid.boundary.extent, grid.boundary.prepared) for grid in grids},
            officers=officers,
            handlers=handlers,
            district_units=[unit for unit in units if unit.level == Unit.Level.DISTRICT and handlers[unit.pk]],
            categories=list(Category.objects.filter(active=True)),
            logins={
                user.username: user
                for user in User.objects.filter(
                    username__in=["clerk", "chief", "dispatcher", "supervisor", "resident", "handler"]
                )
            },
        )


def load_demo_cases(count=DEFAULT_CASE_COUNT, days=90, seed=DEMO_SEED, *, now=None) -> int:
    """Report about `count` cases over the last `days` days and walk each through the
    workflow; returns how many cases exist afterwards, 0 when demo cases existed already.

    Needs the demo users and units. The same seed and `now` give the same cases."""
    if days < 1:
        raise ValueError("demo cases need a period of at least one day")
    if Case.objects.exists():  # a demo database is filled once; never pile cases on top
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    world = _World.load()
    plans = _plans(rng, world, count, now - timedelta(days=days), now)
    for plan in tqdm(plans, desc="演示案件 demo cases", unit="case", file=sys.stderr):
        # One transaction per case: its notifications and deadline timers go out once, at commit.
        with transaction.atomic():
            _Story(rng, world, plan, now).run()
    return Case.objects.count()


def cases_by_state() -> dict[str, int]:
    """How many cases are in each state, in workflow order."""
    counts = dict(Case.objects.values_list("state").annotate(n=Count("pk")))
    return {state: counts[state] for state in S.values if state in counts}


# ---------------------------------------------------------------- plans


def _plans(rng, world, count, start, now) -> list[_Plan]:
    duplicates = count // 30  # each one is reported inside its original's story
    sources, source_weights = zip(*SOURCE_WEIGHTS.items(), strict=True)
    category_weights = [CATEGORY_WEIGHTS.get((c.kind, c.code), 1) for c in world.categories]
    grid_weights = [rng.uniform(0.4, 2.5) for _grid in world.grids]  # a few busy grids
    plans = []
    for _ in range(count - duplicates):
        category = rng.choices(world.categories, category_weights)[0]
        source = rng.choices(sources, source_weights)[0]
        grid = rng.choices(world.grids, grid_weights)[0]
        plans.append(_Plan(_report_time(rng, category, source, start, now), category, grid, source))
    plans.sort(key=lambda plan: plan.reported_at)

    newest = max(2 * len(OPEN_TARGETS), count // 25)
    for index, plan in enumerate(reversed(plans[-newest:])):
        _aim(plan, OPEN_TARGETS[index % len(OPEN_TARGETS)])
    stuck_window = [
        plan for plan in plans[:-newest] if now - timedelta(days=10) < plan.reported_at < now - timedelta(days=2)
    ]
    for plan in rng.sample(stuck_window, min(len(stuck_window), max(3, count // 200))):
        _aim(plan, rng.choice([S.DISPATCHED, S.HANDLING, S.HANDLING]))

    free = [plan for plan in plans if plan.target is None]
    for plan in free:
        plan.flows = _draw_flows(rng, plan)
    may_resolve = [category for category in world.categories if category.officer_may_resolve]
    for plan, (flows, source) in zip(free, EVERY_FLOW, strict=False):
        plan.flows = set(flows)
        plan.source = source or plan.source
        if "on_spot" in flows and not plan.category.officer_may_resolve:
            plan.category = rng.choice(may_resolve)
    settled = [plan for plan in free[len(EVERY_FLOW) :] if plan.reported_at < now - timedelta(days=2)]
    for plan in rng.sample(settled, min(len(settled), duplicates)):
        if not plan.flows & {"void", "on_spot"}:
            plan.flows.add("duplicate")
    return plans


def _aim(plan, target):
    plan.target = target
    if target == S.TO_VERIFY and plan.source == CaseSource.OFFICER:
        plan.source = CaseSource.RESIDENT  # an officer's own report skips verification
    if target == S.HELD:
        plan.flows = {"hold"}


def _draw_flows(rng, plan) -> set:
    officer = plan.source == CaseSource.OFFICER
    shares = {
        "on_spot": 0.4 if officer and plan.category.officer_may_resolve else 0,
        "void": 0.01 if officer else 0.07,
        "request_verification": 0 if officer else 0.03,
        "wrong_dispatch": 0.05,
        "extension": 0.06,
        "extension_rejected": 0.25,  # of the extensions
        "hold": 0.03,
        "release": 0.6,  # of the holds
        "hold_rejected": 0.01,
        "late": 0.14,
        "check_fail": 0.06,
        "rework": 0.02,
        "rate": 0.7 if plan.source in (CaseSource.RESIDENT, CaseSource.HOTLINE) else 0,
        "evaluate": 0.15,
    }
    return {flow for flow, share in shares.items() if rng.random() < share}


def _report_time(rng, category, source, start, now) -> datetime:
    """Mostly office hours on working days; emergencies at any hour; residents into the evening."""
    calendar = current_calendar()
    zone = timezone.get_default_timezone()
    first = timezone.localdate(start)
    span_days = (timezone.localdate(now) - first).days
    office_share = 0.9 if source == CaseSource.OFFICER else 0.6
    while True:
        day = first + timedelta(days=rng.randint(0, span_days))
        if category.time_basis == TimeBasis.CALENDAR:
            seconds = rng.uniform(0, 24 * 3600)
        elif rng.random() < office_share:
            if not calendar.is_working_day(day):
                continue
            opens, closes = rng.choice(calendar.spans)
            seconds = rng.uniform(_seconds(opens), _seconds(closes))
        else:
            seconds = rng.uniform(7 * 3600, 22.5 * 3600)
        moment = datetime.combine(day, time(), zone) + timedelta(seconds=seconds)
        if start <= moment < now - timedelta(minutes=10):
            return moment


def _seconds(clock) -> float:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


# ---------------------------------------------------------------- stories


class _Story:
    """One case's life, told through the services one step at a time."""

    def __init__(self, rng, world, plan, now):
        self.rng, self.world, self.plan, self.now = rng, world, plan, now
        self.flows = plan.flows
        self.category = plan.category
        self.at = plan.reported_at
        self.case = None
        self.handler = None

    def run(self):
        try:
            self._report()
            if self.case.state != S.CLOSED and self._intake():
                self._dispatch_and_handle()
                self._check_and_close()
            self._rate_and_evaluate()
        except _Stop:
            pass

    # --- the steps of the loop

    def _report(self):
        plan, rng = self.plan, self.rng
        lon, lat = self._point_in(plan.grid)
        params = {
            "source": plan.source,
            "category": self.category,
            "lon": lon,
            "lat": lat,
            "description": self._description(),
            "address": f"{plan.grid.community.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号附近",
            "at": self.at,
        }
        if plan.source == CaseSource.OFFICER:
            params["actor"] = self.world.officers[plan.grid.pk]
            params["photos"] = [_photo("before.png")] if rng.random() < 0.8 else []
            if "on_spot" in self.flows:
                params.update(resolve_on_spot=True, after_photos=[_photo("after.png")])
        elif plan.source == CaseSource.VIDEO:
            params["actor"] = self.world.logins["clerk"]  # the operator watching the cameras
        elif plan.source == CaseSource.RESIDENT and rng.random() < 0.25:
            params["actor"] = self.world.logins["resident"]
        else:
            params.update(actor=None, **self._caller())
            if plan.source == CaseSource.PLATFORM:
                params["external_system"], params["external_id"] = self._external_id()
        if plan.source == CaseSource.RESIDENT and rng.random() < 0.5:
            params["photos"] = [_photo("report.png")]
        self.case = report(**params)
        self._stop_if_reached()

    def _intake(self) -> bool:
        """Verification and filing; False when the report is voided instead."""
        chief = self.world.logins["chief"]
        if self.case.state == S.TO_VERIFY:
            if "void" in self.flows:
                self._step("void", chief, self._stage("verify_hours"), note=self.rng.choice(VOID_REASONS))
                return False
            self._step("verify", self._officer(), self._stage("verify_hours"))
            if "request_verification" in self.flows:
                clerk = self.world.logins["clerk"]
                self._step(
                    "request_verification", clerk, self._stage("file_hours"), note=self.rng.choice(RECHECK_REQUESTS)
                )
                self._step("verify", self._officer(), self._stage("verify_hours"))
        elif "void" in self.flows:
            self._step("void", chief, self._stage("file_hours"), note=self.rng.choice(VOID_REASONS))
            return False
        self._step("file", chief, self._stage("file_hours"))
        return True

    def _dispatch_and_handle(self):
        rng, logins = self.rng, self.world.logins
        dispatcher = logins["dispatcher"]
        held_before_dispatch = "hold" in self.flows and rng.random() < 0.3
        if held_before_dispatch:
            self._hold(dispatcher)
        unit = routing_suggestion(self.case)
        if unit is None:
            raise _Stop  # no rule for this category: it waits for the dispatcher
        if "wrong_dispatch" in self.flows:
            wrong = rng.choice([other for other in self.world.district_units if other.pk != unit.pk])
            self._step("dispatch", dispatcher, self._stage("dispatch_hours"), unit=wrong)
            wrong_handler = self._handler_of(wrong)
            if rng.random() < 0.5:
                self._step("accept", wrong_handler, self._accept_hours())
            self._step("return", wrong_handler, self._accept_hours(), note=rng.choice(RETURN_REASONS))
        self._step("dispatch", dispatcher, self._stage("dispatch_hours"), unit=unit)
        if "duplicate" in self.flows:
            self._duplicate()
        self.handler = self._handler_of(unit)
        self._step("accept", self.handler, self._accept_hours())
        if "extension" in self.flows:
            self._extension()
        if "hold" in self.flows and not held_before_dispatch:
            self._hold(self.handler)
        if "hold_rejected" in self.flows:
            self._step("request_hold", self.handler, self._budget_share(0.1, 0.3), note=rng.choice(HOLD_REASONS))
            self._step("reject_hold", logins["chief"], self._stage("close_hours"), note=rng.choice(HOLD_REFUSALS))
        self._feedback(late="late" in self.flows)

    def _check_and_close(self):
        rng, chief = self.rng, self.world.logins["chief"]
        if "check_fail" in self.flows:
            self._step("check_fail", self._officer(), self._stage("check_hours"), note=rng.choice(CHECK_FAILURES))
            self._feedback(late=False)
        self._step("check_pass", self._officer(), self._stage("check_hours"))
        if "rework" in self.flows:
            self._step("rework", chief, self._stage("close_hours"), note=rng.choice(REWORK_REASONS))
            self._feedback(late=False)
            self._step("check_pass", self._officer(), self._stage("check_hours"))
        self._step("close", chief, self._stage("close_hours"))

    def _rate_and_evaluate(self):
        if self.case.state != S.CLOSED:
            return
        rng = self.rng
        if "rate" in self.flows:
            slow = bool(self.flows & {"late", "check_fail", "rework"})
            score = rng.choices([5, 4, 3, 2, 1], [25, 30, 20, 15, 10] if slow else [60, 25, 9, 4, 2])[0]
            resident = self.world.logins["resident"]
            actor = resident if self.case.reporter_id == resident.pk else None
            phone = "" if actor else self.case.reporter_phone
            hours = rng.uniform(0.5, 48)
            note = RATING_COMMENTS[score]
            self._step("rate", actor, hours, basis=TimeBasis.CALENDAR, score=score, note=note, reporter_phone=phone)
        if "evaluate" in self.flows:
            score = rng.choices([5, 4, 3, 2], [40, 35, 18, 7])[0]
            self._step(
                "evaluate", self.world.logins["supervisor"], rng.uniform(1, 30), basis=TimeBasis.WORKING, score=score
            )

    # --- side flows

    def _hold(self, requester):
        chief = self.world.logins["chief"]
        self._step("request_hold", requester, self._stage("dispatch_hours"), note=self.rng.choice(HOLD_REASONS))
        self._step("approve_hold", chief, self._stage("close_hours"))
        if "release" not in self.flows:
            raise _Stop  # a long work: it stays held
        self._step("release", chief, self._stage("close_hours"), wait_days=self.rng.uniform(2, 20))

    def _extension(self):
        rng = self.rng
        hours = Decimal(max(1, round(float(self.category.handle_hours or 8) * rng.uniform(0.5, 1.5))))
        reason = rng.choice(EXTENSION_REASONS)
        self._step("request_extension", self.handler, self._budget_share(0.3, 0.6), hours=hours, note=reason)
        decider = self.world.logins[rng.choice(["dispatcher", "chief"])]
        if "extension_rejected" in self.flows:
            self._step("reject_extension", decider, self._stage("close_hours"), note=rng.choice(EXTENSION_REFUSALS))
        else:
            self._step("approve_extension", decider, self._stage("close_hours"))

    def _duplicate(self):
        """A neighbour reports the same problem while it waits; the clerk merges the two."""
        reported_at = add_duration(self.at, self.rng.uniform(0.2, 3), TimeBasis.CALENDAR)
        merged_at = add_duration(reported_at, self.rng.uniform(0.1, 1), self.category.time_basis)
        if merged_at > self.now:
            return
        duplicate = report(
            actor=None,
            source=self.rng.choice([CaseSource.RESIDENT, CaseSource.HOTLINE]),
            category=self.category,
            lon=self.case.location.x + self.rng.uniform(-0.00015, 0.00015),  # within ~20 m
            lat=self.case.location.y + self.rng.uniform(-0.00015, 0.00015),
            description=self._description(),
            at=reported_at,
            **self._caller(),
        )
        act(duplicate, "merge", self.world.logins["clerk"], at=merged_at, duplicate_of=self.case)
        self.at = merged_at

    def _feedback(self, *, late):
        limit = float(self.category.handle_hours or 8)
        left = max(self._hours_left(), 0)
        hours = left + limit * self.rng.uniform(0.05, 0.8) if late else left * self.rng.uniform(0.3, 0.95)
        note = self.rng.choice(FEEDBACK_NOTES)
        self._step("feedback", self.handler, hours, note=note, photos=[_photo("after.png")])

    # --- time

    def _step(self, action, actor, delay, *, basis=None, wait_days=0, **params):
        """Take `action` `delay` hours after the previous step on the category's clock
        (after `wait_days` calendar days first)."""
        start = self.at + timedelta(days=wait_days)
        at = add_duration(start, max(delay, _MIN_STEP_HOURS), basis or self.category.time_basis)
        if at > self.now:
            if self.plan.target is None:
                raise _Stop
            at = self.at + (self.now - self.at) * self.rng.uniform(0.2, 0.6)  # squeeze it in before now
        self.case = act(self.case, action, actor, at=at, **params)
        self.at = at
        self._stop_if_reached()

    def _stop_if_reached(self):
        if self.case.state == self.plan.target:
            raise _Stop

    def _stage(self, limit_field) -> float:
        """Hours a post takes over a stage: mostly within its limit, sometimes over."""
        limit = getattr(self.category, limit_field)
        limit = float(limit) if limit is not None else 1.0
        return limit * (self.rng.uniform(1.1, 2.5) if self.rng.random() < 0.06 else self.rng.uniform(0.1, 0.9))

    def _accept_hours(self) -> float:
        return min(0.5, float(self.category.handle_hours or 8) * 0.1) * self.rng.uniform(0.1, 1)

    def _budget_share(self, low, high) -> float:
        return max(self._hours_left(), 0) * self.rng.uniform(low, high)

    def _hours_left(self) -> float:
        due = self.case.handle_due_at
        if due is None:
            return float(self.category.handle_hours or 8)
        return hours_between(self.at, due, self.category.time_basis)

    # --- who and where

    def _officer(self):
        return self.world.officers[self.case.grid_id]

    def _handler_of(self, unit):
        people = self.world.handlers.get(unit.pk)
        if not people:
            raise _Stop  # nobody works for this unit: the case waits there
        demo_handler = self.world.logins.get("handler")
        if demo_handler in people and self.rng.random() < 0.5:
            return demo_handler  # the demo login gets a rich history of its own
        return self.rng.choice(people)

    def _point_in(self, grid):
        (xmin, ymin, xmax, ymax), boundary = self.world.shapes[grid.pk]
        while True:
            lon, lat = self.rng.uniform(xmin, xmax), self.rng.uniform(ymin, ymax)
            if boundary.contains(Point(lon, lat, srid=4326)):
                return round(lon, 6), round(lat, 6)

    def _description(self) -> str:
        choices = DESCRIPTIONS.get((self.category.kind, self.category.code))
        return self.rng.choice(choices) if choices else f"发现{self.category.name}问题，请处理"

    def _caller(self) -> dict:
        name = self.rng.choice(_SURNAMES) + self.rng.choice(["先生", "女士"])
        phone = f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"
        return {"reporter_name": name, "reporter_phone": phone}

    def _external_id(self) -> tuple[str, str]:
        system, prefix = self.rng.choice(PLATFORMS)
        serial = self.world.external_serials[system] = self.world.external_serials.get(system, 0) + 1
        return system, f"{prefix}{self.at:%Y%m%d}{serial:05d}"


@functools.cache
def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _photo(name):
    return SimpleUploadedFile(name, _png(), content_type="image/png")
