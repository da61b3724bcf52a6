"""Demo accounts: one login per role (listed in the README) plus one officer per grid."""

import functools

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from grid.models import Grid, GridAssignment

DEMO_PASSWORD = "gaoxin-demo"

# (username, role, Chinese display name); the officer login is officer001.
DEMO_LOGINS = [
    ("resident", Role.RESIDENT, "陈居民"),
    ("officer001", Role.GRID_OFFICER, "李网格"),
    ("clerk", Role.INTAKE_CLERK, "王受理"),
    ("chief", Role.DUTY_CHIEF, "张值班"),
    ("dispatcher", Role.DISPATCHER, "刘派遣"),
    ("handler", Role.UNIT_HANDLER, "赵处置"),
    ("supervisor", Role.SUPERVISOR, "周监督"),
    ("mediator", Role.MEDIATOR, "吴调解"),
    ("legalaid", Role.LEGAL_AID_COORDINATOR, "郑援助"),
    ("lawyer", Role.LAWYER, "孙律师"),
    ("admin", Role.ADMINISTRATOR, "系统管理员"),
]

_SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def person_name(index: int) -> str:
    """A plausible Chinese full name, the same for the same index."""
    return _SURNAMES[index % len(_SURNAMES)] + _GIVEN[(index * 7) % len(_GIVEN)] + _GIVEN[(index * 3 + 1) % len(_GIVEN)]


@functools.cache
def _demo_password_hash() -> str:
    # Hashing costs ~0.3 s and every demo account shares the password: hash once per process.
    return make_password(DEMO_PASSWORD)


def ensure_demo_user(username, role, full_name, **extra) -> User:
    """The demo account `username`, created with the demo password and `role` if missing."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"password": _demo_password_hash(), "first_name": full_name, **extra},
    )
    if created:
        user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def load_demo_users() -> list[tuple[str, str]]:
    """Create the demo accounts if missing; returns (username, role label) of the logins."""
    for username, role, full_name in DEMO_LOGINS:
        staff = role == Role.ADMINISTRATOR
        ensure_demo_user(username, role, full_name, is_staff=staff, is_superuser=staff)

    grids = list(Grid.objects.order_by("code"))
    for index, grid in enumerate(grids, start=1):
        officer = ensure_demo_user(
            f"officer{index:03d}", Role.GRID_OFFICER, person_name(index), phone=f"139{index:08d}"
        )
        GridAssignment.objects.get_or_create(grid=grid, officer=officer, defaults={"is_primary": True})
    return [(username, Role(role).label) for username, role, _name in DEMO_LOGINS]
