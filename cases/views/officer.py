"""A grid officer's phone pages: home (my grids, my to-do) and reporting from the street."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from accounts.scopes import officer_grid_ids
from cases import services
from cases.forms import OfficerReportForm
from cases.models import CaseSource
from cases.selectors import (
    CASE_TABLE_FIELDS,
    case_list,
    case_table,
    page_rows,
    possible_duplicates,
    queue,
    queue_counts,
)
from cases.views.common import roles_required
from grid.models import Grid

_TODO_QUEUES = ("to_verify", "to_check")
_TODO_SHOWN = 20
_TODO_FIELDS = (*CASE_TABLE_FIELDS, "location")  # the to-do cases are on the map too
_officers_only = roles_required(Role.GRID_OFFICER, message=gettext_lazy("只有网格员可以使用此页面"))


def _my_grids(user):
    return list(Grid.objects.filter(pk__in=officer_grid_ids(user)).select_related("community").order_by("code"))


def _grid_features(grids):
    return [{"name": grid.name, "code": grid.code, "geometry": json.loads(grid.boundary.geojson)} for grid in grids]


@_officers_only
def officer_home(request):
    user = request.user
    grids = _my_grids(user)
    todo = []
    points = []
    for item in queue_counts(user, _TODO_QUEUES):
        shown = list(page_rows(queue(user, item["name"]).only(*_TODO_FIELDS), 0, _TODO_SHOWN))
        todo.append({**item, "cases": shown})
        points += [
            {
                "lat": c.location.y,
                "lon": c.location.x,
                "label": f"{c.number} {c.category.label}",
                "url": reverse("cases:detail", args=[c.pk]),
            }
            for c in shown
        ]
    recent = list(case_table(case_list(user)).filter(reporter=user).order_by("-reported_at")[:5])
    context = {
        "grids": grids,
        "todo": todo,
        "recent": recent,
        "map_config": {"grids": _grid_features(grids), "points": points},
    }
    return render(request, "cases/officer_home.html", context)


@_officers_only
def report_case(request):
    user = request.user
    form = OfficerReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.report(actor=user, source=CaseSource.OFFICER, **form.report_arguments())
        except ValidationError as exc:
            form.add_report_errors(exc)
        else:
            return _reported(request, case)
    grids = _my_grids(user)
    context = {
        "form": form,
        "map_config": {"grids": _grid_features(grids), "points": []},
        "report_labels": {
            "locating": _("正在获取当前位置…"),
            "located": _("已定位（精度约 %(metres)s 米），可在地图上拖动标记调整"),
            "failed": _("无法获取当前位置，请在地图上点选问题位置"),
            "unsupported": _("此设备不支持定位，请在地图上点选问题位置"),
            "picked": _("已在地图上选定位置"),
            "marker": _("问题位置"),
        },
    }
    return render(request, "cases/report.html", context, status=400 if form.is_bound else 200)


def _reported(request, case):
    if case.resolved_on_spot:
        messages.success(request, _("已现场处置并结案：案件 %(number)s") % {"number": case.number})
        return redirect("cases:detail", pk=case.pk)
    messages.success(request, _("已上报：案件 %(number)s") % {"number": case.number})
    duplicates = possible_duplicates(case.category, case.location, exclude_pk=case.pk).count()
    if duplicates:
        messages.warning(
            request,
            _("附近已有 %(count)d 件同类未办结案件，可能是重复上报，请查看下方列表") % {"count": duplicates},
        )
    return redirect("cases:detail", pk=case.pk)
