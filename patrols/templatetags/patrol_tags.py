from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import Role
from patrols.workflow import SUPERVISION_ROLES

register = template.Library()


@register.inclusion_tag("patrols/includes/nav.html", takes_context=True)
def patrol_nav(context):
    """The patrol links of the site navigation: the officer's day, the supervisors' views."""
    request = context.get("request")
    user = getattr(request, "user", None)
    links = []
    if user is not None and user.is_authenticated:
        if user.has_role(Role.GRID_OFFICER):
            links.append((reverse("patrols:today"), _("巡查"), "patrols:today"))
        if user.has_role(*SUPERVISION_ROLES):
            links.append((reverse("patrols:supervise_tracks"), _("巡查督导"), "patrols:supervise"))
    path = request.path if request is not None else ""
    return {"links": [(url, label, path == url) for url, label, _name in links]}


@register.filter
def km(metres):
    """Metres as kilometres with two decimals."""
    return f"{(metres or 0) / 1000:.2f}"


@register.filter
def duration(value):
    """A timedelta as 1:05 (hours:minutes)."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"
