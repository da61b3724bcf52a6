"""What the staff case views share: who may open them, the 403 page, pagination."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.roles import Role
from cases.selectors import DISTRICT_ROLES

# Roles that work on cases in some scope (the district, their grids, their unit).
CASE_STAFF_ROLES = (*DISTRICT_ROLES, Role.GRID_OFFICER, Role.UNIT_HANDLER)
PAGE_SIZE = 25


def forbidden(request, message):
    return render(request, "cases/forbidden.html", {"message": message}, status=403)


def roles_required(*roles, message):
    """Signed-in users holding one of `roles`; others get the 403 page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                return forbidden(request, message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def page_of(request, cases, per_page=PAGE_SIZE):
    """One page of `cases` (a count and a page query, whatever the page size)."""
    return Paginator(cases, per_page).get_page(request.GET.get("page"))


def query_without(request, *names):
    """The current query string without these parameters, for pagination and export links."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
