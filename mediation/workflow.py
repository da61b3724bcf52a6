"""A dispute's life as data: which action moves it from which states to which state, and
who may take it within which scope. mediation.services reads this table; nothing else
decides whether an action is allowed.

registered → accepted (lead mediator) → in_mediation (a session held) → agreed_written /
agreed_oral / failed, or refused / withdrawn from any open state → archived. After an
agreement the dispute stays put while performance, confirmation and follow-ups are
recorded against it."""

from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from mediation.models import DisputeState as S


class Scope(Enum):
    COMMITTEE = "committee"  # mediators who belong to the dispute's committee
    INVITED = "invited"  # council members invited into the dispute with the parties' consent
    APPLICANT = "applicant"  # the resident who applied online


# Council members are not a role: whoever has an active CouncilMember profile acts as one.
COUNCIL = "council"
STAY = "stay"  # the action records something without moving the dispute


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    actors: dict  # role (or COUNCIL) -> Scope


_OPEN = (S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION)
_WORKING = (S.ACCEPTED, S.IN_MEDIATION)
_AGREED = (S.AGREED_WRITTEN, S.AGREED_ORAL)
_ENDED = (*_AGREED, S.FAILED, S.REFUSED, S.WITHDRAWN)
_MEDIATORS = {Role.MEDIATOR: Scope.COMMITTEE}


def _t(action, label, sources, target, actors=None):
    return Transition(action, label, frozenset(sources), target, actors or _MEDIATORS)


TRANSITIONS = {
    t.action: t
    for t in [
        _t("accept", _("受理并指定主调解员"), [S.REGISTERED], S.ACCEPTED),
        _t("transfer", _("移交其他调解组织"), [S.REGISTERED, S.ACCEPTED], S.REGISTERED),
        _t("reassign", _("更换主调解员"), _WORKING, STAY),
        _t("flag_police", _("报告公安机关（可能激化）"), _OPEN, STAY),
        _t("give_rights_notice", _("告知权利义务"), _WORKING, STAY),
        _t("invite_council", _("邀请乡贤议事会成员"), _WORKING, STAY),
        _t("schedule_session", _("安排调解"), _WORKING, STAY),
        _t("cancel_session", _("取消调解会"), _WORKING, STAY),
        _t("record_session", _("记录调解经过"), _WORKING, S.IN_MEDIATION),
        _t("agree_written", _("达成书面协议"), [S.IN_MEDIATION], S.AGREED_WRITTEN),
        _t("agree_oral", _("达成口头协议"), [S.IN_MEDIATION], S.AGREED_ORAL),
        _t("fail", _("调解不成，终止调解"), [S.IN_MEDIATION], S.FAILED),
        _t("refuse", _("当事人拒绝调解"), _OPEN, S.REFUSED),
        _t("withdraw", _("撤回申请"), _OPEN, S.WITHDRAWN, {**_MEDIATORS, Role.RESIDENT: Scope.APPLICANT}),
        _t("record_performance", _("记录协议履行"), _AGREED, STAY),
        _t("apply_confirmation", _("登记申请司法确认"), [S.AGREED_WRITTEN], STAY),
        _t("record_confirmation", _("登记司法确认结果"), [S.AGREED_WRITTEN], STAY),
        _t("record_follow_up", _("记录回访"), _AGREED, STAY),
        _t("attach_document", _("上传卷宗材料"), [*_OPEN, *_ENDED], STAY),
        _t("archive", _("归档"), _ENDED, S.ARCHIVED),
        _t("respond_invitation", _("回复邀请"), _WORKING, STAY, {COUNCIL: Scope.INVITED}),
    ]
}

# States that end a dispute, and the outcome each one records.
OUTCOME_OF_STATE = {state: state for state in _ENDED}

# Mediators' work lists: the states a list holds.
QUEUES = {
    "to_accept": (_("待受理"), (S.REGISTERED,)),
    "in_progress": (_("调解中"), _WORKING),
    "agreed": (_("履行与回访"), _AGREED),
    "ended": (_("已终结"), (S.FAILED, S.REFUSED, S.WITHDRAWN)),
    "archived": (_("已归档"), (S.ARCHIVED,)),
}
