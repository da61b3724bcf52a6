"""A hazard's life as data: which action applies in which state, who may take it in which
scope, and what else must hold. patrols.services reads this table; nothing else decides."""

from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from patrols.models import HazardState


class Scope(Enum):
    DISTRICT = "district"  # supervision posts: every hazard
    GRID = "grid"  # officers: hazards in their grids, and those they found


class Condition(Enum):
    NONE = "none"
    # Rectification failed: the hazard is serious, past its due time, or a re-inspection
    # found it not rectified.
    NOT_RECTIFIED = "not_rectified"


@dataclass(frozen=True)
class HazardAction:
    action: str
    label: str
    sources: frozenset
    actors: dict  # role -> Scope
    condition: Condition = Condition.NONE


_SUPERVISION = {Role.SUPERVISOR: Scope.DISTRICT, Role.DUTY_CHIEF: Scope.DISTRICT, Role.ADMINISTRATOR: Scope.DISTRICT}

HAZARD_ACTIONS = {
    a.action: a
    for a in [
        HazardAction("reinspect", _("复查"), frozenset({HazardState.OPEN}), {Role.GRID_OFFICER: Scope.GRID}),
        HazardAction(
            "escalate",
            _("转为案件"),
            frozenset({HazardState.OPEN}),
            {Role.GRID_OFFICER: Scope.GRID, **_SUPERVISION},
            Condition.NOT_RECTIFIED,
        ),
    ]
}

# Who sees every hazard, patrol and record (the rest see their own grids' and their own).
SUPERVISION_ROLES = (Role.SUPERVISOR, Role.DUTY_CHIEF, Role.DISPATCHER, Role.INTAKE_CLERK, Role.ADMINISTRATOR)
