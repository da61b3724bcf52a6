"""Template helpers of the mediation pages: timeline labels and the deadline countdown."""

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deadlines.calendar import fraction_used
from deadlines.models import TimeBasis
from mediation.workflow import TRANSITIONS

register = template.Library()

_OTHER_EVENTS = {
    "register": gettext_lazy("登记"),
    "deadline_warning": gettext_lazy("时限预警"),
    "deadline_overdue": gettext_lazy("已超期"),
    "deadline_escalated": gettext_lazy("超期升级"),
    "confirmation_reminder": gettext_lazy("司法确认期限提醒"),
    "confirmation_window_closed": gettext_lazy("司法确认申请期限届满"),
    "follow_up_deadline_warning": gettext_lazy("回访提醒"),
    "follow_up_deadline_overdue": gettext_lazy("回访逾期"),
}
_TONES = {"deadline_warning": "warning", "follow_up_deadline_warning": "warning", "deadline_overdue": "overdue"}
_TONES |= {"follow_up_deadline_overdue": "overdue", "deadline_escalated": "escalated", "flag_police": "danger"}


@register.filter
def event_label(action):
    transition = TRANSITIONS.get(action)
    return transition.label if transition else _OTHER_EVENTS.get(action, action)


@register.filter
def event_tone(action):
    return _TONES.get(action, "")


@register.filter
def countdown(dispute):
    """The dispute's current clock as a coloured label that also says it in words."""
    if dispute.due_at is None:
        return ""
    now = timezone.now()
    days = (dispute.due_at - now).total_seconds() / 86400
    if days < 0:
        status, text = "overdue", _("已超期 %(days)s 天") % {"days": f"{-days:.1f}"}
    else:
        started = dispute.accepted_at or dispute.registered_at
        used = fraction_used(started, dispute.due_at, now, TimeBasis.CALENDAR)
        status = "warning" if used >= settings.DEADLINE_WARNING_FRACTION else "normal"
        text = _("剩余 %(days)s 天") % {"days": f"{days:.1f}"}
    return format_html(
        '<span class="countdown is-{}" title="{}"><time datetime="{}">{}</time></span>',
        status,
        _("时限 %(due)s") % {"due": f"{timezone.localtime(dispute.due_at):%Y-%m-%d %H:%M}"},
        dispute.due_at.isoformat(),
        text,
    )


@register.filter
def percent(ratio):
    """0.9967 → 99.7%; no ratio (nothing to divide by) → —."""
    return "—" if ratio is None else f"{ratio * 100:.1f}%"
