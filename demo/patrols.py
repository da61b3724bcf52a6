"""Demo patrol data: the places of every grid, and the last few days of each grid
officer's work — check-in, two patrol rounds walked street by street with a phone's
track (noise, the odd wild fix and poor-accuracy point included), inspections, hazards
(some rectified, some overdue, one turned into a case, one serious), household visits and
the work log — all made through patrols.services with timestamps in the past, so every
figure on the supervisors' pages is what the platform itself would have produced.

A day is skipped now and then, so the coverage map has missed grids to show. Nothing is
left open: officer001 finds the day ready for a check-in.
"""

import functools
import math
import random
import sys
from datetime import datetime, time, timedelta

import shapely
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from grid.models import Grid, GridAssignment
from patrols import services
from patrols.models import GridPatrolRequirement, Hazard, HazardState, Patrol, Place, PlaceType, WorkLogEntry

DEMO_SEED = 20240709
PLACES_PER_GRID = (2, 5)
DAYS = 3
# (place type code, weight, name patterns); {s} a surname, {n} a number, {c} the community.
PLACE_KINDS = [
    ("shop", 45, ["{s}记五金店", "{s}氏便利店", "{c}药房", "{s}记水果店", "{c}烟酒商行", "{s}家电维修"]),
    ("small_venue", 30, ["{s}记小吃店", "{c}理发店", "{s}家旅馆", "{s}记麻辣烫", "{c}棋牌室", "{s}记快餐"]),
    ("construction_site", 8, ["{c}安置房项目工地", "{c}道路改造工地", "科技园{n}期工地"]),
    ("school", 7, ["{c}小学", "{c}幼儿园", "{c}中学"]),
    ("key_location", 10, ["{c}农贸市场", "{c}加油站", "{c}变电站", "{c}水库管理站", "{c}社区卫生服务站"]),
]
SURNAMES = "陈李黄张梁林吴郑刘何罗杨冯邓谭卢"
STREETS = ["港湾大道", "金鼎路", "唐淇路", "科技五路", "大学路", "金峰路", "东岸路", "软件园路", "会展路", "淇澳大道"]
HAZARD_TEXTS = {
    "fire_equipment": "灭火器过期，压力不足",
    "exits": "安全出口被杂物堵塞",
    "wiring": "电线私拉乱接，插排串接",
    "gas": "燃气软管老化，未装报警器",
    "three_in_one": "店内阁楼住人，“三合一”现象",
    "licence": "营业执照未公示",
    "outside_business": "货物摆放占用人行道",
    "enclosure": "围挡局部倒伏",
    "dust": "裸土未覆盖，扬尘明显",
    "work_at_height": "脚手架防护网破损",
    "lifting": "塔吊检验标志过期",
    "night_work": "夜间施工未办理许可",
    "gate": "校门口护学岗无人值守",
    "surroundings": "校门口有流动摊点",
    "traffic": "上下学时段车辆乱停",
    "duty_record": "值守巡查记录缺失",
    "dangerous_goods": "危险品存放混乱",
    "warning_signs": "警示标识缺失",
}
PATROL_HAZARDS = ["井盖松动", "路灯灯杆倾斜", "树枝断裂悬挂", "护栏缺失，临水无防护", "广告牌松动"]
VISIT_TOPICS = [
    ("household", "独居老人", "了解身体和生活情况，提醒用电用气安全"),
    ("household", "新入住住户", "登记人口信息，告知网格员联系方式"),
    ("care", "困难家庭", "送去米油，了解医疗救助申请进展"),
    ("care", "残疾人家庭", "了解康复需求，协助申请补贴"),
    ("survey", "出租屋", "核查租住人员信息"),
    ("household", "退役军人家庭", "走访慰问"),
]
LOG_ENTRIES = [
    ("publicity", "在小区门口宣传防范电信诈骗"),
    ("publicity", "垃圾分类入户宣传"),
    ("service", "帮助老人在手机上办理社保认证"),
    ("patrol", "巡查发现楼道堆放杂物，已提醒物业清理"),
    ("other", "参加社区网格工作例会"),
]
DISPUTES = ["楼上漏水引发邻里纠纷", "停车位占用纠纷", "装修噪音扰民纠纷", "租金押金纠纷", "宠物扰邻纠纷"]

WALK_STEP_SECONDS = 20  # the demo's phones record less often than real ones: a lighter database
WALK_SPEED_MPS = (1.0, 1.4)
METRES_PER_DEGREE = 111_320


def load_demo_patrols(days=DAYS, seed=DEMO_SEED, *, now=None) -> str:
    """Places, requirements and `days` days of officers' work; a one-line summary.
    Does nothing when demo patrols exist already."""
    if Patrol.objects.exists():
        return _summary(created=False)
    now = now or timezone.now()
    rng = random.Random(seed)
    grids = list(Grid.objects.select_related("community").order_by("code"))
    officers = {a.grid_id: a.officer for a in GridAssignment.objects.filter(is_primary=True).select_related("officer")}
    if not grids or not officers:
        raise RuntimeError("demo patrols need the demo grids and officers: load them first")
    with transaction.atomic():
        places = _places(rng, grids)
        # The first grid of each community is busier (a market, a school run): twice a day.
        for grid in grids[:: max(1, len(grids) // 17)]:
            GridPatrolRequirement.objects.get_or_create(grid=grid, defaults={"visits_per_day": 2})
    today = timezone.localdate(now)
    plan = [(today - timedelta(days=back), grid) for back in range(days - 1, -1, -1) for grid in grids]
    hazards = []
    with tqdm(total=len(plan), desc="演示巡查 demo patrols", unit="day", file=sys.stderr) as progress:
        for day, grid in plan:
            officer = officers.get(grid.pk)
            if officer is not None and rng.random() > 0.06:
                with transaction.atomic():
                    hazards += _officer_day(rng, officer, grid, places.get(grid.pk, []), day, now)
            progress.update()
    _follow_up(rng, hazards, now)
    return _summary(created=True)


def _summary(*, created):
    counts = {
        "places": Place.objects.count(),
        "patrols": Patrol.objects.count(),
        "km": sum(Patrol.objects.values_list("distance_m", flat=True)) / 1000,
        "hazards": Hazard.objects.count(),
        "overdue": Hazard.objects.filter(state=HazardState.OPEN, rectify_due__lt=timezone.now()).count(),
    }
    return (
        "巡查 / patrols: {patrols} patrols, {km:.0f} km; {places} places; {hazards} hazards ({overdue} overdue)".format(
            **counts
        )
        + ("" if created else " (already there)")
    )


# ---------------------------------------------------------------- places


def _places(rng, grids):
    types = {place_type.code: place_type for place_type in PlaceType.objects.all()}
    kinds, weights = zip(*((kind, weight) for kind, weight, _names in PLACE_KINDS), strict=True)
    names = {kind: patterns for kind, _weight, patterns in PLACE_KINDS}
    places = []
    serial = 0
    for grid in grids:
        for _ in range(rng.randint(*PLACES_PER_GRID)):
            serial += 1
            kind = rng.choices(kinds, weights)[0]
            lon, lat = _point_in(rng, grid)
            village = grid.community.name.removesuffix("社区")
            name = rng.choice(names[kind]).format(s=rng.choice(SURNAMES), n=rng.randint(1, 5), c=village)
            places.append(
                Place(
                    code=f"DEMO-{serial:05d}",
                    name=name,
                    place_type=types[kind],
                    grid=grid,
                    address=f"{grid.community.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                    location=Point(lon, lat, srid=4326),
                    contact_name=rng.choice(SURNAMES) + "先生",
                    contact_phone=f"1380000{serial:04d}",
                )
            )
    Place.objects.bulk_create(places)
    by_grid = {}
    for place in Place.objects.select_related("place_type"):
        by_grid.setdefault(place.grid_id, []).append(place)
    return by_grid


@functools.cache
def _shape(grid_id):
    """The grid's boundary as a prepared shapely geometry: point tests in microseconds."""
    shape = shapely.from_wkb(bytes(Grid.objects.get(pk=grid_id).boundary.wkb))
    shapely.prepare(shape)
    return shape


def _inside(grid, lon, lat) -> bool:
    return bool(shapely.contains_xy(_shape(grid.pk), lon, lat))


def _point_in(rng, grid):
    min_x, min_y, max_x, max_y = grid.boundary.extent
    while True:
        lon, lat = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if _inside(grid, lon, lat):
            return lon, lat


# ---------------------------------------------------------------- an officer's day


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), timezone.get_default_timezone())


def _officer_day(rng, officer, grid, places, day, now):
    """Check-in, two rounds, visits and log lines; returns the hazards found."""
    check_in_at = _at(day, 8, rng.randint(20, 45))
    check_out_at = _at(day, 17, rng.randint(30, 59))
    if check_out_at > now:  # today: only a day that is over, so nothing is left open
        return []
    start_lon, start_lat = _point_in(rng, grid)
    services.check_in(officer, lon=start_lon, lat=start_lat, at=check_in_at)
    hazards = []
    rounds = [_at(day, 9, rng.randint(0, 30)), _at(day, 14, rng.randint(30, 59))]
    for started in rounds[: 1 if rng.random() < 0.2 else 2]:  # now and then only one round
        hazards += _patrol(rng, officer, grid, places, started, minutes=rng.randint(70, 110))
    for _ in range(rng.randint(1, 3)):
        kind, household, summary = rng.choice(VISIT_TOPICS)
        lon, lat = _point_in(rng, grid)
        services.record_visit(
            officer,
            kind=kind,
            address=f"{grid.community.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号{rng.randint(1, 20)}栋",
            household=household,
            summary=summary,
            lon=lon,
            lat=lat,
            at=_at(day, 11, rng.randint(0, 59)),
        )
    if rng.random() < 0.12:
        services.log_work(
            officer,
            kind=WorkLogEntry.Kind.DISPUTE,
            content=rng.choice(DISPUTES) + "，已上门调解",
            dispute_resolved=rng.random() < 0.8,
            at=_at(day, 16, rng.randint(0, 59)),
        )
    kind, content = rng.choice(LOG_ENTRIES)
    services.log_work(officer, kind=kind, content=content, at=_at(day, 17, rng.randint(0, 25)))
    services.check_out(officer, lon=start_lon, lat=start_lat, at=check_out_at)
    return hazards


def _patrol(rng, officer, grid, places, started, *, minutes):
    patrol = services.start_patrol(officer, at=started)
    points = _walk(rng, grid, started, minutes)
    services.record_points(patrol, officer, points, at=started + timedelta(minutes=minutes + 1))
    hazards = []
    for place in rng.sample(places, k=min(len(places), rng.choice((0, 1, 1, 2, 3)))):
        hazards += _inspect(rng, officer, place, patrol, started + timedelta(minutes=rng.randint(5, minutes - 5)))
    if rng.random() < 0.04:
        lon, lat = points[len(points) // 2]["lon"], points[len(points) // 2]["lat"]
        hazards.append(
            services.record_hazard(
                officer,
                description=rng.choice(PATROL_HAZARDS),
                lon=lon,
                lat=lat,
                patrol=patrol,
                rectify_days=rng.choice((2, 3, 5)),
                at=started + timedelta(minutes=minutes // 2),
            )
        )
    services.end_patrol(patrol, officer, at=started + timedelta(minutes=minutes))
    return hazards


def _inspect(rng, officer, place, patrol, at):
    checklist = place.place_type.checklist
    roll = rng.random()
    if roll < 0.03:
        services.inspect_place(place, officer, not_open=True, patrol=patrol, at=at)
        return []
    answers = {item["key"]: "ok" for item in checklist}
    problems = rng.sample(checklist, k=1) if roll > 0.88 else []
    for item in problems:
        answers[item["key"]] = "problem"
    inspection = services.inspect_place(place, officer, answers=answers, patrol=patrol, at=at)
    return [
        services.record_hazard(
            officer,
            description=HAZARD_TEXTS.get(item["key"], item["label"] + "不符合要求"),
            inspection=inspection,
            at=at + timedelta(minutes=3),
        )
        for item in problems
    ]


def _walk(rng, grid, started, minutes):
    """A walk along a street-like lattice inside the grid: straight stretches, right-angle
    turns at corners, turned back at the grid's edge; GPS noise, a wild fix now and then,
    and the occasional poor-accuracy point, as phones do."""
    lon, lat = _point_in(rng, grid)
    heading = rng.choice((0, 90, 180, 270))
    speed = rng.uniform(*WALK_SPEED_MPS)
    to_corner = rng.uniform(60, 200)
    metres_per_lon = METRES_PER_DEGREE * math.cos(math.radians(lat))
    points = []
    for step in range(minutes * 60 // WALK_STEP_SECONDS):
        moved = speed * WALK_STEP_SECONDS * rng.uniform(0.6, 1.1)  # stops at crossings and doors
        for _attempt in range(6):
            east, north = math.sin(math.radians(heading)), math.cos(math.radians(heading))
            next_lon, next_lat = lon + east * moved / metres_per_lon, lat + north * moved / METRES_PER_DEGREE
            if _inside(grid, next_lon, next_lat):
                break
            heading = (heading + rng.choice((90, 180, 270))) % 360
        else:
            next_lon, next_lat = lon, lat
        lon, lat = next_lon, next_lat
        to_corner -= moved
        if to_corner <= 0:
            heading = (heading + rng.choice((0, 90, 270))) % 360
            to_corner = rng.uniform(60, 200)
        noise = rng.gauss(0, 3)
        point = {
            "recorded_at": (started + timedelta(seconds=5 + step * WALK_STEP_SECONDS)).isoformat(),
            "lon": lon + noise / metres_per_lon,
            "lat": lat + rng.gauss(0, 3) / METRES_PER_DEGREE,
            "accuracy": round(rng.uniform(4, 15), 1),
        }
        roll = rng.random()
        if roll < 0.004:  # a wild fix (multipath between tall buildings)
            point["lon"] += rng.choice((-1, 1)) * rng.uniform(400, 900) / metres_per_lon
        elif roll < 0.012:
            point["accuracy"] = round(rng.uniform(120, 400), 1)
        points.append(point)
    return points


# ---------------------------------------------------------------- what happened to the hazards


def _follow_up(rng, hazards, now):
    """Most hazards are rectified at a re-inspection within their time; a few are not
    checked yet (some of them overdue); one overdue one is turned into a case by the
    supervisor, and one new serious hazard becomes a case at once."""
    supervisor = User.objects.filter(username="supervisor").first()
    escalated = False
    for hazard in sorted(hazards, key=lambda h: h.found_at):
        hazard.refresh_from_db()
        if hazard.state != HazardState.OPEN:
            continue
        checked_at = hazard.found_at + timedelta(hours=rng.uniform(18, 70))
        if rng.random() < 0.7 and checked_at < now:
            services.reinspect_hazard(
                hazard,
                hazard.found_by,
                rectified=(done := checked_at <= hazard.rectify_due),
                note="已整改" if done else "复查时仍未整改",
                at=checked_at,
            )
        elif not escalated and supervisor is not None and hazard.rectify_due < now:
            services.escalate_hazard_to_case(hazard, supervisor, at=now - timedelta(minutes=30))
            escalated = True
    officer = User.objects.filter(username="officer001").first()
    if officer is not None and hazards:
        assignment = GridAssignment.objects.filter(officer=officer).select_related("grid").first()
        if assignment is not None:
            lon, lat = _point_in(rng, assignment.grid)
            services.record_hazard(
                officer,
                description="老旧楼房外墙瓷砖大面积空鼓，随时可能脱落",
                severity="serious",
                lon=lon,
                lat=lat,
                at=now - timedelta(hours=3),
            )
