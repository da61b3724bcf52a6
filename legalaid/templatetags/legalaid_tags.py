"""Template helpers of the legal-aid pages: countdowns of the statutory clocks."""

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from deadlines.calendar import fraction_used, remaining
from deadlines.models import TimeBasis
from legalaid.models import Application, ApplicationState, PapersRequest
from legalaid.selectors import papers_request_of
from legalaid.workflow import TRANSITIONS

register = template.Library()


def _basis(application):
    if application.state == ApplicationState.APPROVED and application.green_channel:
        return TimeBasis.WORKING
    return TimeBasis.CALENDAR


def _text(hours, basis):
    minutes = max(round(hours * 60), 0)
    if basis == TimeBasis.WORKING:
        return _("%(hours)d 工作小时 %(minutes)d 分") % {"hours": minutes // 60, "minutes": minutes % 60}
    days, rest = divmod(minutes, 24 * 60)
    if days:
        return _("%(days)d 天 %(hours)d 小时") % {"days": days, "hours": rest // 60}
    return _("%(hours)d 小时 %(minutes)d 分") % {"hours": rest // 60, "minutes": rest % 60}


def badge(due_at, started_at=None, basis=TimeBasis.CALENDAR, label=""):
    """A coloured countdown that also says it in words: normal, warning or overdue."""
    if due_at is None:
        return ""
    now = timezone.now()
    if now > due_at:
        status, text = "overdue", _("已超期 %(time)s") % {"time": _text(-remaining(now, due_at, basis), basis)}
    else:
        left = _text(remaining(now, due_at, basis), basis)
        used = fraction_used(started_at or now, due_at, now, basis)
        if used >= settings.DEADLINE_WARNING_FRACTION:
            status, text = "warning", _("预警：剩余 %(time)s") % {"time": left}
        else:
            status, text = "normal", _("剩余 %(time)s") % {"time": left}
    due = date_format(timezone.localtime(due_at), "Y-m-d H:i")
    return format_html(
        '<span class="countdown is-{}" title="{}"><time datetime="{}">{}{}</time></span>',
        status,
        _("时限 %(due)s") % {"due": due},
        due_at.isoformat(),
        f"{label}：" if label else "",
        text,
    )


@register.filter
def countdown(application):
    """The clock of the application's own stage: 7 days to decide, or the days (hours in
    the green channel) to assign."""
    if not application.is_open or application.due_at is None:
        return ""
    label = _("审查决定") if application.state == ApplicationState.SUBMITTED else _("指派律师")
    return badge(application.due_at, application.stage_started_at, _basis(application), label)


@register.filter
def papers_countdown(value):
    """The papers still owed by an application (given itself or its papers request)."""
    papers_request = papers_request_of(value) if isinstance(value, Application) else value
    if not isinstance(papers_request, PapersRequest) or not papers_request.is_pending:
        return ""
    return badge(papers_request.due_at, papers_request.requested_at, TimeBasis.CALENDAR, _("补充材料"))


@register.filter
def due_countdown(due_at, label=""):
    return badge(due_at, None, TimeBasis.CALENDAR, label)


_EVENT_LABELS = {
    "submit": _lazy("提交申请"),
    "papers_reminder": _lazy("提醒补交材料"),
    "papers_overdue": _lazy("补充材料逾期"),
    "papers_lapsed": _lazy("逾期未补充材料，视为撤回"),
    "deadline_warning": _lazy("时限预警"),
    "deadline_overdue": _lazy("时限已过"),
    "objection_deadline_warning": _lazy("异议审查时限预警"),
    "objection_deadline_overdue": _lazy("异议审查超期"),
    "agreement_deadline_warning": _lazy("委托协议时限预警"),
    "agreement_deadline_overdue": _lazy("委托协议超期"),
}


@register.filter
def event_label(event):
    transition = TRANSITIONS.get(event.action)
    return transition.label if transition else _EVENT_LABELS.get(event.action, event.action)
