"""What the staff case views share: who may open them, the 403 page, pagination."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.functional import cached_property

from accounts.roles import Role
from cases.selectors import DISTRICT_ROLES, page_rows

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


class CasePaginator(Paginator):
    """Pages of cases read narrow first (selectors.page_rows). The count may be known
    already (a queue's, from its tab), or stop at `count_limit`: past it a page says "more
    than", since counting a district's million cases exactly costs a scan of them."""

    def __init__(self, cases, per_page, *, count=None, count_limit=None):
        super().__init__(cases, per_page)
        self.count_limit = count_limit
        if count is not None:
            self.count = count

    @cached_property
    def count(self):
        if self.count_limit is None:
            return self.object_list.count()
        # Unordered: which rows are counted does not matter, only whether there are more.
        return self.object_list.order_by()[: self.count_limit + 1].count()

    @property
    def count_is_capped(self):
        return self.count_limit is not None and self.count > self.count_limit

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_rows(self.object_list, bottom, top), number, self)


def page_of(request, cases, per_page=PAGE_SIZE, *, count=None, count_limit=None):
    """One page of `cases`: a count (unless given) and a page query, whatever the page
    size. With `count_limit` the count stops there, or at the end of the page asked
    for, so that every page can still be reached by "next"."""
    number = request.GET.get("page")
    if count_limit is not None:
        count_limit = max(count_limit, (int(number) if str(number).isdigit() else 1) * per_page)
    return CasePaginator(cases, per_page, count=count, count_limit=count_limit).get_page(number)


def query_without(request, *names):
    """The current query string without these parameters, for pagination and export links."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
