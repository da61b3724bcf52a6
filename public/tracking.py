"""What a resident may see of their complaint, and who may see it.

The public timeline shows a fixed, public-safe label per step and its date: never who
acted, never internal notes, never side flows such as extension requests that were
refused. Access is the reporter's account, or the tracking number together with the
phone number given with the report (remembered in the server-side session)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CasePhoto, CaseState

PUBLIC_STEPS = {
    "report": _("投诉已提交"),
    "verify": _("网格员已到现场核实"),
    "request_verification": _("需要进一步核实"),
    "file": _("已立案"),
    "void": _("经核实不予立案"),
    "merge": _("与相同问题的投诉合并办理"),
    "dispatch": _("已派遣至处置单位"),
    "accept": _("处置单位已接收"),
    "return": _("重新派遣中"),
    "feedback": _("处置单位已反馈处理结果"),
    "check_pass": _("网格员复核通过"),
    "check_fail": _("复核未通过，返工处理"),
    "rework": _("返工处理"),
    "close": _("已办结"),
    "resolve_on_spot": _("网格员已现场处置"),
    "approve_extension": _("处置时限已延长"),
    "approve_hold": _("暂缓办理"),
    "release": _("恢复办理"),
    "rate": _("您已评价"),
}

# The seven states of the closed loop, as a resident would put them.
PUBLIC_STATUS = {
    CaseState.TO_VERIFY: _("受理中"),
    CaseState.TO_FILE: _("受理中"),
    CaseState.TO_DISPATCH: _("受理中"),
    CaseState.DISPATCHED: _("处理中"),
    CaseState.HANDLING: _("处理中"),
    CaseState.TO_CHECK: _("复核中"),
    CaseState.TO_CLOSE: _("复核中"),
    CaseState.HELD: _("暂缓办理"),
    CaseState.CLOSED: _("已办结"),
    CaseState.VOIDED: _("不予立案"),
    CaseState.MERGED: _("已合并办理"),
}

_SESSION_KEY = "public_tracking"
# Enough for anyone following their own complaints; bounds the session's size.
_REMEMBERED = 20


@dataclass(frozen=True)
class PublicStep:
    label: str
    at: datetime
    unit_name: str = ""


def public_steps(case) -> list[PublicStep]:
    """The case's timeline as the public sees it, oldest first (one query)."""
    events = case.events.filter(action__in=PUBLIC_STEPS).only("case", "action", "created_at", "data")
    events = events.order_by("created_at", "id")
    return [
        PublicStep(
            label=PUBLIC_STEPS[event.action],
            at=event.created_at,
            # A unit is an institution, not a person: residents may know who handles it.
            unit_name=(event.data or {}).get("unit_name", "") if event.action == "dispatch" else "",
        )
        for event in events
    ]


def after_photos(case):
    """The photos of the finished work, shown once the case is closed."""
    if case.state != CaseState.CLOSED:
        return CasePhoto.objects.none()
    return case.photos.filter(kind=CasePhoto.Kind.AFTER).only("id", "case_id").order_by("uploaded_at", "id")


def remember(session, case):
    """Let this browser see `case` after the phone check (or right after reporting)."""
    granted = [number for number in session.get(_SESSION_KEY, []) if number != case.number]
    session[_SESSION_KEY] = [*granted, case.number][-_REMEMBERED:]


def trackable_case(request, number):
    """The case `number` if this request may see it: its reporter's account, or a
    browser that passed the phone check; else None."""
    cases = Case.objects.select_related("category", "grid", "community").defer("grid__boundary")
    case = cases.filter(number=number).first()
    if case is None:
        return None
    user = request.user
    if user.is_authenticated and case.reporter_id == user.pk:
        return case
    if number in request.session.get(_SESSION_KEY, []):
        return case
    return None


def find_by_phone(number, phone):
    """The case with this number whose reporter left this phone number, else None: a
    wrong number and a wrong phone look the same from outside."""
    if not number or not phone:
        return None
    return Case.objects.filter(number=number, reporter_phone=phone).only("id", "number").first()


def my_cases(user):
    """A signed-in resident's own complaints, newest first, as dicts (number, state,
    reported_at, category_name, category_name_en)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return (
        Case.objects.filter(reporter=user)
        .order_by("-reported_at")
        .values(
            "number", "state", "reported_at", category_name=F("category__name"), category_name_en=F("category__name_en")
        )
    )
