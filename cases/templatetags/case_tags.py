"""Template helpers of the case pages: the deadline countdown and the staff navigation."""

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
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


def _minute(moment):
    """A moment as local "Y-m-d H:i", the date filter's output, without its formatter."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@register.filter
def countdown(case):
    """The countdown of a case's current stage as a coloured label that also says it in words."""
    state = countdown_of(case)
    if state.status == "done":
        return ""
    if state.due_at is None:
        return format_html('<span class="countdown is-{}">{}</span>', state.status, state.text)
    due = _minute(state.due_at)
    return format_html(
        '<span class="countdown is-{}" title="{}"><time datetime="{}">{}</time></span>',
        state.status,
        _("时限 %(due)s") % {"due": due},
        state.due_at.isoformat(),
        state.text,
    )


_ROW = (
    '<tr data-case-number="{number}">'
    '<th scope="row" data-label="%(number)s"><a href="{url}">{number}</a></th>'
    '<td data-label="%(category)s">{category}</td>'
    '<td data-label="%(place)s">{place}</td>'
    '<td data-label="%(state)s"><span class="state state-{state}">{state_name}</span></td>'
    '<td data-label="%(unit)s">{unit}</td>'
    '<td data-label="%(reported)s">{reported}</td>'
    '<td data-label="%(due)s">{countdown}</td>'
    "</tr>"
)


@register.simple_tag
def case_rows(cases, empty_text):
    """The rows of a case table (cases/includes/case_table.html), written here rather than
    in the template: the template engine spent about 0.2 ms on each row's dozen lookups
    and filters, and a list page has 25 rows (an officer's home 45)."""
    labels = {
        "number": _("案件编号"),
        "category": _("类别"),
        "place": _("位置"),
        "state": _("状态"),
        "unit": _("处置单位"),
        "reported": _("上报时间"),
        "due": _("时限"),
    }
    # The column names go into the row's format once, escaped, not once per cell.
    row = _ROW % {key: escape(label).replace("{", "{{").replace("}", "}}") for key, label in labels.items()}
    rows = []
    for case in cases:
        place = format_html("{} · {}", case.community.name, case.grid.name)
        if case.address:
            place = format_html('{}<br><span class="hint">{}</span>', place, case.address)
        rows.append(
            format_html(
                row,
                number=case.number,
                url=reverse("cases:detail", args=[case.pk]),
                category=f"{case.category.code} {case.category.label}",
                place=place,
                state=case.state,
                state_name=case.get_state_display(),
                unit=(case.unit.label if case.unit else "") or "—",
                reported=_minute(case.reported_at),
                countdown=countdown(case) or "—",
            )
        )
    if not rows:
        return format_html('<tr><td colspan="7" class="empty">{}</td></tr>', empty_text)
    return mark_safe("\n".join(rows))


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
