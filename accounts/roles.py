"""The platform's roles. Each is a Django group named by its code (created by a data
migration), so permissions and scopes can be granted per role in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    GRID_OFFICER = "grid_officer", _("网格员")
    INTAKE_CLERK = "intake_clerk", _("受理员")
    DUTY_CHIEF = "duty_chief", _("值班长")
    DISPATCHER = "dispatcher", _("派遣员")
    UNIT_HANDLER = "unit_handler", _("处置单位人员")
    SUPERVISOR = "supervisor", _("监督员")
    MEDIATOR = "mediator", _("调解员")
    LEGAL_AID_COORDINATOR = "legal_aid_coordinator", _("法律援助协调员")
    LAWYER = "lawyer", _("律师")
    ADMINISTRATOR = "administrator", _("系统管理员")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
