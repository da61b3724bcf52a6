"""An application's life as data: which action moves it from which states to which state,
and who may take it within which scope. legalaid.services reads this table; nothing else
decides whether an action is allowed.

submitted → (request_papers → awaiting_papers → supply_papers →) submitted → approve →
approved → assign → assigned → accept → in_progress → close → closed. A refusal can be
objected to and reviewed; a fast track (the green channel, or Art 44) approves at once and
lets the papers follow; a notice from a court, procuratorate or police starts at approved."""

from dataclasses import dataclass, field
from enum import Enum

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from legalaid.models import ApplicationState as S


class Scope(Enum):
    CENTRE = "centre"  # the legal-aid centre: every application
    LAWYER = "lawyer"  # the lawyer the application is assigned to now
    APPLICANT = "applicant"  # the applicant: their account, or their number and phone
    SUBMITTER = "submitter"  # who filed it for the applicant (a grid officer, an adviser)


STAY = "stay"  # the action records something without moving the application


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    actors: dict  # role -> Scope
    # A target that depends on the state acted from (source -> target), else `target`.
    targets: dict = field(default_factory=dict)
    tone: str = ""  # "danger" for actions that end or refuse something

    def target_from(self, state):
        return self.targets.get(state, self.target)


_COORDINATOR = {Role.LEGAL_AID_COORDINATOR: Scope.CENTRE}
_LAWYER = {Role.LAWYER: Scope.LAWYER}
_APPLICANT = {Role.RESIDENT: Scope.APPLICANT}
# The Art 49 review belongs to the justice bureau; its reviewer holds the supervisor post.
_REVIEWERS = {Role.LEGAL_AID_COORDINATOR: Scope.CENTRE, Role.SUPERVISOR: Scope.CENTRE}
_IN_HANDS = (S.ASSIGNED, S.IN_PROGRESS)
_PAPERS_OPEN = (S.SUBMITTED, S.AWAITING_PAPERS, S.APPROVED, S.ASSIGNED, S.IN_PROGRESS)


def _t(action, label, sources, target, actors, targets=None, tone=""):
    return Transition(action, label, frozenset(sources), target, actors, targets or {}, tone)


TRANSITIONS = {
    t.action: t
    for t in [
        _t("request_papers", _("一次性告知补充材料"), [S.SUBMITTED], S.AWAITING_PAPERS, _COORDINATOR),
        _t(
            "supply_papers",
            _("补交材料"),
            _PAPERS_OPEN,
            STAY,
            {**_APPLICANT, **_COORDINATOR, **_LAWYER, Role.GRID_OFFICER: Scope.SUBMITTER},
            targets={S.AWAITING_PAPERS: S.SUBMITTED},
        ),
        _t("fast_track", _("先行指派（绿色通道）"), [S.SUBMITTED, S.AWAITING_PAPERS], S.APPROVED, _COORDINATOR),
        _t("approve", _("决定给予法律援助"), [S.SUBMITTED], S.APPROVED, _COORDINATOR),
        _t("refuse", _("决定不予法律援助"), [S.SUBMITTED], S.REFUSED, _COORDINATOR, tone="danger"),
        _t("object", _("提出异议"), [S.REFUSED], S.OBJECTED, {**_APPLICANT, **_COORDINATOR}),
        _t("uphold_refusal", _("异议审查：维持不予援助"), [S.OBJECTED], S.REFUSED, _REVIEWERS, tone="danger"),
        _t("correct_refusal", _("异议审查：责令改正，给予援助"), [S.OBJECTED], S.APPROVED, _REVIEWERS),
        _t("assign", _("指派律师"), [S.APPROVED], S.ASSIGNED, _COORDINATOR),
        _t("accept", _("确认承办"), [S.ASSIGNED], S.IN_PROGRESS, _LAWYER),
        _t("decline", _("不能承办（说明理由）"), [S.ASSIGNED], S.APPROVED, _LAWYER, tone="danger"),
        _t("sign_agreement", _("登记委托协议"), _IN_HANDS, STAY, {**_LAWYER, **_COORDINATOR}),
        _t("record_progress", _("记录办案进展"), [S.IN_PROGRESS], STAY, _LAWYER),
        _t("change_lawyer", _("更换律师"), _IN_HANDS, S.APPROVED, {**_APPLICANT, **_COORDINATOR}),
        _t("close", _("结案（提交结案报告）"), [S.IN_PROGRESS], S.CLOSED, _LAWYER),
        _t("follow_up", _("结案回访"), [S.CLOSED], STAY, _COORDINATOR),
        _t(
            "withdraw",
            _("撤回申请"),
            [S.SUBMITTED, S.AWAITING_PAPERS, S.APPROVED],
            S.WITHDRAWN,
            {**_APPLICANT, **_COORDINATOR},
            tone="danger",
        ),
    ]
}

# Work lists: the states a list holds; "papers_overdue" and "green" are filters of their own.
QUEUES = {
    "to_review": (_("待审查"), (S.SUBMITTED,)),
    "awaiting_papers": (_("待补充材料"), (S.AWAITING_PAPERS,)),
    "to_assign": (_("待指派"), (S.APPROVED,)),
    "to_accept": (_("待律师确认"), (S.ASSIGNED,)),
    "in_progress": (_("承办中"), (S.IN_PROGRESS,)),
    "objections": (_("异议审查"), (S.OBJECTED,)),
    "closed": (_("已结案"), (S.CLOSED,)),
    "ended": (_("不予援助或撤回"), (S.REFUSED, S.WITHDRAWN)),
}
SPECIAL_QUEUES = {
    "papers_overdue": _("补充材料逾期"),
    "green": _("绿色通道"),
}
