"""Case search with filters, and the export of the same filtered list (CSV, Excel)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cases.exports import export_response
from cases.forms import CaseFilterForm
from cases.selectors import case_list, case_table, visible_cases
from cases.views.common import CASE_STAFF_ROLES, page_of, query_without, roles_required

EXPORT_FORMATS = ("csv", "xlsx")
# A search counts its results up to this many; past it the page says "more than".
SEARCH_COUNT_LIMIT = 1_000
_staff_only = roles_required(*CASE_STAFF_ROLES, message=gettext_lazy("只有工作人员可以查询案件"))


@_staff_only
def search(request):
    form = CaseFilterForm(request.GET)
    cases = case_table(case_list(request.user)).order_by("-reported_at")
    valid = form.is_valid()
    cases = form.filter(cases) if valid else cases.none()
    page = page_of(request, cases, count_limit=SEARCH_COUNT_LIMIT)
    return _render(request, form, page, status=200 if valid else 400)


@_staff_only
def export(request):
    form = CaseFilterForm(request.GET)
    file_format = request.GET.get("format", "csv")
    if not form.is_valid() or file_format not in EXPORT_FORMATS:
        return _render(request, form, None, status=400)
    cases = form.filter(visible_cases(request.user)).order_by("-reported_at")
    try:
        return export_response(cases, file_format)
    except ValidationError as exc:  # too many rows for a workbook
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('cases:search')}?{query_without(request, 'format')}")


def _render(request, form, page, *, status):
    context = {"form": form, "page": page, "query": query_without(request, "page", "format")}
    return render(request, "cases/search.html", context, status=status)
