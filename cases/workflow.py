"""The seven-step closed loop as data: which action moves a case from which states to
which state, and who may take it within which scope. Services read this table; nothing
else decides whether an action is allowed."""

from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from cases.models import CaseState as S


class Scope(Enum):
    DISTRICT = "district"  # command-centre posts: every case in the district
    GRID = "grid"  # grid officers: cases in the grids assigned to them
    UNIT = "unit"  # unit handlers and heads: cases dispatched to their unit
    REPORTER = "reporter"  # the resident who reported the case


STAY = "stay"  # the action records something without moving the case
RESUME = "resume"  # back to the state the case was held in


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    actors: dict  # role -> Scope
    stage: int  # the step of the seven-step loop the action belongs to


def _t(action, label, sources, target, actors, stage):
    return Transition(action, label, frozenset(sources), target, actors, stage)


_CENTRE = Scope.DISTRICT
_HOLDABLE = (S.TO_DISPATCH, S.DISPATCHED, S.HANDLING)
_IN_HANDS = (S.DISPATCHED, S.HANDLING)

TRANSITIONS = {
    t.action: t
    for t in [
        _t("verify", _("核实"), [S.TO_VERIFY], S.TO_FILE, {Role.GRID_OFFICER: Scope.GRID}, 2),
        _t(
            "request_verification",
            _("退回核实"),
            [S.TO_FILE],
            S.TO_VERIFY,
            {Role.INTAKE_CLERK: _CENTRE, Role.DUTY_CHIEF: _CENTRE},
            2,
        ),
        _t("file", _("立案"), [S.TO_FILE], S.TO_DISPATCH, {Role.DUTY_CHIEF: _CENTRE}, 2),
        _t("void", _("注销"), [S.TO_VERIFY, S.TO_FILE], S.VOIDED, {Role.DUTY_CHIEF: _CENTRE}, 2),
        _t(
            "merge",
            _("合并重复案件"),
            [S.TO_VERIFY, S.TO_FILE],
            S.MERGED,
            {Role.INTAKE_CLERK: _CENTRE, Role.DUTY_CHIEF: _CENTRE},
            2,
        ),
        _t("dispatch", _("派遣"), [S.TO_DISPATCH], S.DISPATCHED, {Role.DISPATCHER: _CENTRE}, 3),
        _t("accept", _("接收"), [S.DISPATCHED], S.HANDLING, {Role.UNIT_HANDLER: Scope.UNIT}, 4),
        _t("return", _("回退（派遣错误）"), _IN_HANDS, S.TO_DISPATCH, {Role.UNIT_HANDLER: Scope.UNIT}, 4),
        _t("feedback", _("处理反馈"), [S.HANDLING], S.TO_CHECK, {Role.UNIT_HANDLER: Scope.UNIT}, 5),
        _t("check_pass", _("核查通过"), [S.TO_CHECK], S.TO_CLOSE, {Role.GRID_OFFICER: Scope.GRID}, 6),
        _t("check_fail", _("核查不通过（返工）"), [S.TO_CHECK], S.HANDLING, {Role.GRID_OFFICER: Scope.GRID}, 6),
        _t("close", _("结案"), [S.TO_CLOSE], S.CLOSED, {Role.DUTY_CHIEF: _CENTRE}, 6),
        _t("rework", _("退回返工"), [S.TO_CLOSE], S.HANDLING, {Role.DUTY_CHIEF: _CENTRE}, 6),
        _t("request_extension", _("申请延期"), _IN_HANDS, STAY, {Role.UNIT_HANDLER: Scope.UNIT}, 4),
        _t(
            "approve_extension",
            _("批准延期"),
            _IN_HANDS,
            STAY,
            {Role.DISPATCHER: _CENTRE, Role.DUTY_CHIEF: _CENTRE},
            4,
        ),
        _t(
            "reject_extension",
            _("驳回延期"),
            _IN_HANDS,
            STAY,
            {Role.DISPATCHER: _CENTRE, Role.DUTY_CHIEF: _CENTRE},
            4,
        ),
        _t(
            "request_hold",
            _("申请挂账"),
            _HOLDABLE,
            STAY,
            {Role.UNIT_HANDLER: Scope.UNIT, Role.DISPATCHER: _CENTRE},
            4,
        ),
        _t("approve_hold", _("批准挂账"), _HOLDABLE, S.HELD, {Role.DUTY_CHIEF: _CENTRE}, 4),
        _t("reject_hold", _("驳回挂账"), _HOLDABLE, STAY, {Role.DUTY_CHIEF: _CENTRE}, 4),
        _t("release", _("解除挂账"), [S.HELD], RESUME, {Role.DUTY_CHIEF: _CENTRE}, 4),
        _t("rate", _("满意度评价"), [S.CLOSED], STAY, {Role.RESIDENT: Scope.REPORTER}, 7),
        _t("evaluate", _("监督评价"), [S.CLOSED], STAY, {Role.SUPERVISOR: _CENTRE}, 7),
    ]
}

# Actions that need a pending request of this kind to act on.
REQUEST_DECISIONS = {
    "approve_extension": "extension",
    "reject_extension": "extension",
    "approve_hold": "hold",
    "reject_hold": "hold",
}

# Work queues: the states a queue holds and the action that empties it (its owners are
# the roles allowed to take that action).
QUEUES = {
    "to_verify": (_("待核实"), (S.TO_VERIFY,), "verify"),
    "to_file": (_("待立案"), (S.TO_FILE,), "file"),
    "to_dispatch": (_("待派遣"), (S.TO_DISPATCH,), "dispatch"),
    "to_handle": (_("待处理"), (S.DISPATCHED, S.HANDLING), "feedback"),
    "to_check": (_("待核查"), (S.TO_CHECK,), "check_pass"),
    "to_close": (_("待结案"), (S.TO_CLOSE,), "close"),
    "approvals": (_("待审批"), (S.TO_DISPATCH, S.DISPATCHED, S.HANDLING), "approve_extension"),
    "held": (_("挂账"), (S.HELD,), "release"),
}
