"""Demo units: a workstation per community for small matters (two-level dispatch, 小事不出
社区) and handler accounts for every unit, so each dispatched case has someone to act."""

import re

from django.db import transaction

from accounts.roles import Role
from cases.models import CaseKind, Category, RoutingRule, Unit
from demo.users import DEMO_LOGINS, ensure_demo_user, person_name
from grid.models import Community

# Small matters the community workstation handles itself instead of a district unit.
COMMUNITY_MATTERS = [
    (CaseKind.EVENT, "02", "01"),  # 违规张贴小广告
    (CaseKind.EVENT, "05", "02"),  # 店外经营
    (CaseKind.EVENT, "05", "04"),  # 非机动车乱停放
    (CaseKind.COMPONENT, "03", "01"),  # 垃圾箱
]

# Starter district unit -> (login stem, number of handler accounts); the first is the head.
DISTRICT_HANDLERS = {
    "城市管理和综合执法局": ("urban", 2),
    "环境卫生管理所": ("sanitation", 2),
    "住房和城乡建设局": ("housing", 2),
    "市政设施管理所": ("municipal", 2),
    "水务局": ("water", 2),
    "园林绿化中心": ("parks", 1),
    "公安交警大队": ("traffic", 2),
    "生态环境分局": ("ecology", 1),
    "燃气公司": ("gas", 1),
}
SANITATION_UNIT = "环境卫生管理所"  # the `handler` demo login works here: most garbage cases go to it

# Handler names start after the officers' so the two lists rarely share a name.
_NAME_OFFSET = 500


@transaction.atomic
def load_demo_units() -> dict:
    """Create the community units, their routing rules and the handler accounts if missing;
    returns how many units and handler accounts the demo has."""
    handlers = []

    def staff(unit, usernames):
        accounts = []
        for username in usernames:
            index = _NAME_OFFSET + len(handlers) + len(accounts)
            accounts.append(ensure_demo_user(username, Role.UNIT_HANDLER, person_name(index), phone=f"137{index:08d}"))
        unit.members.add(*accounts)
        handlers.extend(accounts)
        if unit.head_id is None:
            unit.head = accounts[0]
            unit.save(update_fields=["head"])

    district_units = Unit.objects.filter(level=Unit.Level.DISTRICT, name__in=DISTRICT_HANDLERS)
    for unit in district_units:
        stem, count = DISTRICT_HANDLERS[unit.name]
        staff(unit, [f"handler_{stem}{n}" for n in range(1, count + 1)])
        if unit.name == SANITATION_UNIT:
            unit.members.add(ensure_demo_user(*_login("handler")))

    matters = [
        Category.objects.get(kind=kind, major_code=major, minor_code=minor) for kind, major, minor in COMMUNITY_MATTERS
    ]
    community_units = []
    for community in Community.objects.order_by("code"):
        unit, _created = Unit.objects.get_or_create(
            name=f"{community.name}工作站",
            defaults={
                "name_en": f"{community.name_en or community.name} Workstation",
                "level": Unit.Level.COMMUNITY,
                "community": community,
            },
        )
        staff(unit, [f"handler_{_login_stem(community)}"])
        for category in matters:
            RoutingRule.objects.get_or_create(category=category, community=community, defaults={"unit": unit})
        community_units.append(unit)
    return {"district_units": len(district_units), "community_units": len(community_units), "handlers": len(handlers)}


def _login(username):
    return next(login for login in DEMO_LOGINS if login[0] == username)


def _login_stem(community) -> str:
    return re.sub(r"[^a-z]", "", community.name_en.lower().removesuffix(" community")) or community.code
