"""Template helpers of the case pages: the deadline countdown and the staff navigation."""

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.roles import Role
from cases.models import CaseState
from cases.selectors import DISTRICT_ROLES, queues_for
from cases.views.common import CASE_STAFF_ROLES
from deadlines.calendar import current_calendar, fraction_used, remaining
from deadlines.models import TimeBasis

register = template.Library()


@dataclass(frozen=True)
class Countdown:
    """Where a case stands against the deadline of its current stage.

    status: "normal", "warning" (DEADLINE_WARNING_FRACTION of the time used), "overdue",
    "paused" (held), "untimed" (the stage has no limit) or "done" (closed, voided, merged)."""

    status: str
    text: str
    due_at: datetime | None = None


def countdown_of(case, now=None) -> Countdown:
    if not case.is_open:
        return Countdown("done", "")
    if case.state == CaseState.HELD:
        return Countdown("paused", _("挂账中，暂停计时"))
    if case.due_at is None:
        return Countdown("untimed", _("本环节不计时"))
    now = now or timezone.now()
    basis = case.category.time_basis
    if now > case.due_at:
        late = -remaining(now, case.due_at, basis)
        text = _("已超期 %(time)s") % {"time": _duration(late, basis)} if late >= 1 / 60 else _("已超期")
        return Countdown("overdue", text, case.due_at)
    left = _duration(remaining(now, case.due_at, basis), basis)
    used = fraction_used(case.stage_started_at or now, case.due_at, now, basis)
    if used >= settings.DEADLINE_WARNING_FRACTION:
        return Countdown("warning", _("预警：剩余 %(time)s") % {"time": left}, case.due_at)
    return Countdown("normal", _("剩余 %(time)s") % {"time": left}, case.due_at)


def _duration(hours: float, basis) -> str:
    minutes = max(round(hours * 60), 0)
    if TimeBasis(basis) == TimeBasis.WORKING:
        day_minutes = round(current_calendar().working_day_length.total_seconds() / 60) or 24 * 60
        days, rest = divmod(minutes, day_minutes)
        if days:
            return _("%(days)d 个工作日 %(hours)d 小时") % {"days": days, "hours": rest // 60}
        return _("%(hours)d 工作小时 %(minutes)d 分") % {"hours": rest // 60, "minutes": rest % 60}
    days, rest = divmod(minutes, 24 * 60)
    if days:
        return _("%(days)d 天 %(hours)d 小时") % {"days": days, "hours": rest // 60}
    return _("%(hours)d 小时 %(minutes)d 分") % {"hours": rest // 60, "minutes": rest % 60}


@register.filter
def countdown(case):
    """The countdown of a case's current stage as a coloured label that also says it in words."""
    state = countdown_of(case)
    if state.status == "done":
        return ""
    if state.due_at is None:
        return format_html('<span class="countdown is-{}">{}</span>', state.status, state.text)
    due = date_format(timezone.localtime(state.due_at), "Y-m-d H:i")
    return format_html(
        '<span class="countdown is-{}" title="{}"><time datetime="{}">{}</time></span>',
        state.status,
        _("时限 %(due)s") % {"due": due},
        state.due_at.isoformat(),
        state.text,
    )


def _url_or_none(name):
    try:
        return reverse(name)
    except NoReverseMatch:  # the page's app is not installed (yet)
        return None


@register.inclusion_tag("cases/includes/nav.html", takes_context=True)
def staff_nav(context):
    """Navigation links for the signed-in user's roles."""
    request = context.get("request")
    user = getattr(request, "user", None)
    links = []
    if user is not None and user.is_authenticated:
        if user.has_role(Role.GRID_OFFICER):
            links += [(reverse("cases:officer_home"), _("我的网格")), (reverse("cases:report"), _("上报问题"))]
        if user.has_role(*DISTRICT_ROLES) and (dashboard := _url_or_none("dashboard:home")):
            links.append((dashboard, _("指挥中心")))
        if queues_for(user):
            links.append((reverse("cases:queues"), _("待办队列")))
        if user.has_role(*CASE_STAFF_ROLES):
            links.append((reverse("cases:search"), _("案件查询")))
    path = request.path if request is not None else ""
    return {"links": [(url, label, path == url) for url, label in links]}
