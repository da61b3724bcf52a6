"""The site's front door: each person lands on the page of their work."""

from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from accounts.roles import Role
from cases.selectors import DISTRICT_ROLES


def _first_url(*names):
    """The first of these URL names that exists (some pages belong to apps still to come)."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"none of {names}")


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect(_first_url("public:home", "accounts:login"))
    if user.has_role(*DISTRICT_ROLES):  # the command centre
        return redirect(_first_url("dashboard:home", "cases:queues"))
    if user.has_role(Role.GRID_OFFICER):
        return redirect("cases:officer_home")
    if user.has_role(Role.UNIT_HANDLER):
        return redirect("cases:queues")
    if user.has_role(Role.RESIDENT):
        return redirect(_first_url("public:track", "public:home", "grid:map"))
    return redirect("grid:map")
