"""Web pages of officers' daily work: the officer's phone pages (today, the patrol being
recorded, places and their inspection, hazards, visits, the work log) and the
supervisors' pages (the day's tracks, coverage, statistics). Thin: forms in, services
and selectors out."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import Role
from accounts.scopes import officer_grid_ids
from cases.errors import ActionNotAllowed
from cases.views.common import page_of, query_without, roles_required
from grid.models import Grid
from patrols import selectors, services
from patrols.forms import (
    CoverageForm,
    EscalateForm,
    HazardForm,
    InspectionForm,
    LocationForm,
    ReinspectForm,
    StatisticsForm,
    TrackFilterForm,
    VisitForm,
    WorkLogForm,
)
from patrols.models import Hazard, HazardState, Patrol
from patrols.workflow import SUPERVISION_ROLES

_officers_only = roles_required(Role.GRID_OFFICER, message=gettext_lazy("只有网格员可以使用此页面"))
_supervisors_only = roles_required(*SUPERVISION_ROLES, message=gettext_lazy("只有督导人员可以查看此页面"))

# How the phone records a track: a point when this long has passed or the officer has
# moved this far since the last one; a batch is sent at this size or this often.
RECORDER = {"minIntervalSeconds": 10, "minMoveMetres": 15, "batchSize": 30, "flushSeconds": 30}
# Tracks of one officer or one grid are looked at closely: about 2 m.
STREET_TOLERANCE_DEG = 0.00002


def _run(request, form, call):
    """Call a service with the form's data; its errors go back onto the form (400-style)
    or, for conflicts and refusals, into a message."""
    try:
        return call()
    except ValidationError as error:
        form.add_service_errors(error)
    except (ActionNotAllowed, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error))
    return None


# ---------------------------------------------------------------- the officer's day


@_officers_only
def today(request):
    user = request.user
    day = timezone.localdate()
    shift = services.open_shift(user)
    active = Patrol.objects.filter(officer=user, ended_at__isnull=True).defer("track").first()
    hazards = list(selectors.open_hazards_for(user)[:10])
    context = {
        "shift": shift,
        "active": active,
        "figures": selectors.officer_day(user, day),
        "hazards": hazards,
        "hazard_count": selectors.open_hazards_for(user).count(),
        "now": timezone.now(),
        "grids": Grid.objects.filter(pk__in=officer_grid_ids(user)).select_related("community").defer("boundary"),
        "recent_patrols": selectors.patrols_for(user).filter(ended_at__isnull=False)[:5],
        "recorder": _recorder_config(None),
    }
    return render(request, "patrols/today.html", context)


def _recorder_config(patrol):
    config = {
        **RECORDER,
        "pointsUrlPattern": reverse("api-patrol-points", args=[0]).replace("/0/", "/{id}/"),
        "labels": {
            "recording": _("正在记录轨迹"),
            "waiting": _("等待定位…"),
            "denied": _("无法获取位置：请在浏览器设置中允许定位"),
            "unsupported": _("此设备不支持定位"),
            "offline": _("离线：%(count)s 个点暂存在手机上，联网后自动上传"),
            "queued": _("待上传 %(count)s 个点"),
            "uploaded": _("已全部上传"),
            "rejected": _("有一批轨迹点格式错误，已丢弃"),
            "distance": _("%(km)s 公里"),
        },
    }
    if patrol is not None:
        config.update(patrolId=patrol.pk, active=patrol.is_active, track=selectors.patrol_track_geojson(patrol))
    return config


@_officers_only
@require_POST
def check_in(request):
    form = LocationForm(request.POST)
    if form.is_valid() and _run(request, form, lambda: services.check_in(request.user, **form.cleaned_data)):
        messages.success(request, _("签到成功"))
    else:
        _report_form_errors(request, form)
    return redirect("patrols:today")


@_officers_only
@require_POST
def check_out(request):
    form = LocationForm(request.POST)
    if form.is_valid() and _run(request, form, lambda: services.check_out(request.user, **form.cleaned_data)):
        messages.success(request, _("签退成功，辛苦了！"))
    else:
        _report_form_errors(request, form)
    return redirect("patrols:today")


def _report_form_errors(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@_officers_only
@require_POST
def start(request):
    try:
        patrol = services.start_patrol(request.user)
    except ActionNotAllowed as error:
        messages.error(request, error.message)
        return redirect("patrols:today")
    return redirect("patrols:patrol", pk=patrol.pk)


def _own_patrol(request, pk):
    return get_object_or_404(Patrol.objects.filter(officer=request.user), pk=pk)


@_officers_only
def patrol_page(request, pk):
    patrol = _own_patrol(request, pk)
    context = {
        "patrol": patrol,
        "grids": patrol.grid_visits.select_related("grid").order_by("first_seen_at"),
        "recorder": _recorder_config(patrol),
    }
    return render(request, "patrols/patrol.html", context)


@_officers_only
@require_POST
def end(request, pk):
    patrol = _own_patrol(request, pk)
    try:
        services.end_patrol(patrol, request.user)
    except ActionNotAllowed as error:
        messages.error(request, error.message)
    else:
        patrol.refresh_from_db()
        messages.success(
            request,
            _("巡查已结束：%(km).2f 公里，途经 %(grids)d 个网格")
            % {"km": patrol.distance_m / 1000, "grids": patrol.grid_visits.count()},
        )
    return redirect("patrols:today")


# ---------------------------------------------------------------- places and inspections


@_officers_only
def places(request):
    found = selectors.places_for(request.user).filter(active=True)
    query = request.GET.get("q", "").strip()
    if query:
        found = found.filter(Q(name__icontains=query) | Q(address__icontains=query))
    type_code = request.GET.get("type", "")
    if type_code:
        found = found.filter(place_type__code=type_code)
    context = {
        "page": page_of(request, found.defer("grid__boundary").order_by("name", "pk")),
        "query": query,
        "type_code": type_code,
        "types": selectors.place_types(),
        "patrol": request.GET.get("patrol", ""),
        "page_query": query_without(request, "page"),
    }
    return render(request, "patrols/places.html", context)


@_officers_only
def inspect(request, pk):
    place = get_object_or_404(selectors.places_for(request.user).defer("grid__boundary"), pk=pk)
    checklist = place.place_type.checklist
    initial = {"patrol": request.GET.get("patrol") or _active_patrol_id(request.user)}
    form = InspectionForm(request.POST or None, request.FILES or None, checklist=checklist, initial=initial)
    if request.method == "POST" and form.is_valid():
        inspection = _run(
            request, form, lambda: services.inspect_place(place, request.user, **form.service_arguments())
        )
        if inspection is not None:
            if inspection.result == "problems":
                messages.warning(request, _("检查已保存，发现问题，请记录隐患"))
                return redirect(f"{reverse('patrols:hazard_new')}?inspection={inspection.pk}")
            messages.success(request, _("检查已保存：%(result)s") % {"result": inspection.get_result_display()})
            return redirect(_back_to_patrol_or_today(inspection.patrol_id))
    recent = place.inspections.select_related("officer").order_by("-inspected_at")[:5]
    return render(request, "patrols/inspect.html", {"place": place, "form": form, "recent": recent})


def _active_patrol_id(user):
    return Patrol.objects.filter(officer=user, ended_at__isnull=True).values_list("pk", flat=True).first()


def _back_to_patrol_or_today(patrol_id):
    return reverse("patrols:patrol", args=[patrol_id]) if patrol_id else reverse("patrols:today")


# ---------------------------------------------------------------- hazards


@_officers_only
def hazard_new(request):
    inspection = None
    inspection_id = request.GET.get("inspection") or request.POST.get("inspection")
    if inspection_id and str(inspection_id).isdigit():
        inspection = selectors.inspections_for(request.user).filter(pk=inspection_id, officer=request.user).first()
    initial = {
        "inspection": inspection.pk if inspection else None,
        "patrol": (inspection.patrol_id if inspection else None) or _active_patrol_id(request.user),
    }
    if inspection is not None:
        problems = [
            item["label"]
            for item in inspection.place.place_type.checklist
            if inspection.answers.get(item["key"]) == "problem"
        ]
        initial["description"] = "；".join(problems)
    form = HazardForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        hazard = _run(request, form, lambda: services.record_hazard(request.user, **form.service_arguments()))
        if hazard is not None:
            hazard.refresh_from_db()
            if hazard.state == HazardState.ESCALATED:
                messages.warning(
                    request, _("重大隐患已转为案件 %(number)s，进入七步闭环处置") % {"number": hazard.case.number}
                )
            else:
                messages.success(
                    request,
                    _("隐患已记录，整改期限 %(due)s")
                    % {"due": f"{timezone.localtime(hazard.rectify_due):%Y-%m-%d %H:%M}"},
                )
            return redirect(_back_to_patrol_or_today(hazard.patrol_id))
    return render(request, "patrols/hazard_form.html", {"form": form, "inspection": inspection})


@roles_required(Role.GRID_OFFICER, *SUPERVISION_ROLES, message=gettext_lazy("您无权查看隐患"))
def hazards(request):
    found = selectors.hazards_for(request.user).defer("grid__boundary")
    state = request.GET.get("state", "open")
    if state in HazardState.values:
        found = found.filter(state=state)
    if request.GET.get("overdue"):
        found = found.filter(state=HazardState.OPEN, rectify_due__lt=timezone.now())
    order = "rectify_due" if state == HazardState.OPEN else "-found_at"
    context = {
        "page": page_of(request, found.order_by(order, "pk")),
        "state": state,
        "states": HazardState.choices,
        "now": timezone.now(),
        "page_query": query_without(request, "page"),
    }
    return render(request, "patrols/hazards.html", context)


def _visible_hazard(request, pk):
    try:
        return selectors.hazard_detail(pk, request.user)
    except Hazard.DoesNotExist:  # outside the user's scope looks the same as missing
        raise Http404 from None


@roles_required(Role.GRID_OFFICER, *SUPERVISION_ROLES, message=gettext_lazy("您无权查看隐患"))
def hazard_detail(request, pk, reinspect_form=None, escalate_form=None, status=200):
    hazard = _visible_hazard(request, pk)
    actions = {action.action for action in services.hazard_actions(hazard, request.user)}
    context = {
        "hazard": hazard,
        "overdue": services.is_overdue(hazard),
        "can_reinspect": "reinspect" in actions,
        "can_escalate": "escalate" in actions,
        "reinspect_form": reinspect_form or ReinspectForm(),
        "escalate_form": escalate_form or EscalateForm(),
        "map_config": {"lon": hazard.location.x, "lat": hazard.location.y},
    }
    return render(request, "patrols/hazard_detail.html", context, status=status)


@roles_required(Role.GRID_OFFICER, message=gettext_lazy("只有网格员可以复查隐患"))
@require_POST
def hazard_reinspect(request, pk):
    hazard = _visible_hazard(request, pk)
    form = ReinspectForm(request.POST, request.FILES)
    if form.is_valid():
        check = _run(request, form, lambda: services.reinspect_hazard(hazard, request.user, **form.cleaned_data))
        if check is not None:
            messages.success(request, _("复查已记录") if not check.rectified else _("隐患已整改，办结"))
            return redirect("patrols:hazard", pk=pk)
    return hazard_detail(request, pk, reinspect_form=form, status=400)


@roles_required(Role.GRID_OFFICER, *SUPERVISION_ROLES, message=gettext_lazy("您无权处理隐患"))
@require_POST
def hazard_escalate(request, pk):
    hazard = _visible_hazard(request, pk)
    form = EscalateForm(request.POST)
    if form.is_valid():
        category = form.cleaned_data.get("category") or None
        case = _run(request, form, lambda: services.escalate_hazard_to_case(hazard, request.user, category=category))
        if case is not None:
            messages.success(request, _("已转为案件 %(number)s") % {"number": case.number})
            return redirect("patrols:hazard", pk=pk)
    return hazard_detail(request, pk, escalate_form=form, status=400)


# ---------------------------------------------------------------- visits and the work log


@_officers_only
def visit_new(request):
    form = VisitForm(request.POST or None)
    recorded = request.method == "POST" and form.is_valid()
    if recorded and _run(request, form, lambda: services.record_visit(request.user, **form.cleaned_data)):
        messages.success(request, _("走访已记录"))
        return redirect("patrols:today")
    recent = selectors.visits_for(request.user).defer("grid__boundary")[:5]
    return render(request, "patrols/record_form.html", {"form": form, "kind": "visit", "recent": recent})


@_officers_only
def log_new(request):
    form = WorkLogForm(request.POST or None)
    recorded = request.method == "POST" and form.is_valid()
    if recorded and _run(request, form, lambda: services.log_work(request.user, **form.cleaned_data)):
        messages.success(request, _("日志已记录"))
        return redirect("patrols:today")
    recent = selectors.work_log_for(request.user).defer("grid__boundary")[:5]
    return render(request, "patrols/record_form.html", {"form": form, "kind": "log", "recent": recent})


# ---------------------------------------------------------------- supervisors


@_supervisors_only
def supervise_tracks(request):
    form = TrackFilterForm(request.GET or None, initial={"date": timezone.localdate()})
    day = form.day()
    start, end = selectors.local_day_bounds(day)
    filters = form.cleaned_data if form.is_valid() else {}
    patrols = (
        Patrol.objects.filter(started_at__lt=end, started_at__gte=start - selectors.MAX_PATROL_SPAN)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .select_related("officer")
        .defer("track")
        .order_by("started_at", "pk")
    )
    if filters.get("officer"):
        patrols = patrols.filter(officer__username=filters["officer"])
    if filters.get("grid"):
        patrols = patrols.filter(grid_visits__grid__code=filters["grid"])
    query = {"date": day.isoformat(), **{k: filters[k] for k in ("officer", "grid") if filters.get(k)}}
    if len(query) > 1:  # one officer's or one grid's patrols: shown at street level
        query["tolerance"] = STREET_TOLERANCE_DEG
    context = {
        "form": form,
        "day": day,
        "patrols": patrols,
        "officers": selectors.officers_with_role().only("username", "first_name", "last_name"),
        "map_config": {
            "tracksUrl": f"{reverse('api-patrol-tracks')}?{urlencode(query)}",
            "gridsUrl": reverse("api-grids"),
            "highlightGrid": filters.get("grid") or "",
            "labels": {
                "loading": _("正在加载轨迹…"),
                "loaded": _("地图上共 %(count)s 条轨迹"),
                "failed": _("轨迹加载失败，请刷新页面重试"),
                "distance": _("%(km)s 公里"),
            },
        },
    }
    return render(request, "patrols/supervise_tracks.html", context)


_COVERAGE_LABELS = {
    "covered": gettext_lazy("已覆盖"),
    "partial": gettext_lazy("未达标"),
    "missed": gettext_lazy("未巡查"),
    "not_required": gettext_lazy("不要求"),
}


@_supervisors_only
def supervise_coverage(request):
    form = CoverageForm(request.GET or None, initial={"date": timezone.localdate(), "period": "day"})
    first, last = form.days()
    rows = selectors.coverage(first, last)
    counts = {status: 0 for status in _COVERAGE_LABELS}
    for row in rows:
        counts[row.status] += 1
    context = {
        "form": form,
        "first": first,
        "last": last,
        "rows": rows,
        "counts": [(status, _COVERAGE_LABELS[status], counts[status]) for status in _COVERAGE_LABELS],
        "labels": _COVERAGE_LABELS,
        "map_config": {
            "gridsUrl": reverse("api-grids"),
            "coverage": {
                row.code: {"status": row.status, "visits": row.visits, "required": row.required_per_day * row.days}
                for row in rows
            },
            "labels": {
                **{status: str(label) for status, label in _COVERAGE_LABELS.items()},
                "visits": _("巡查 %(visits)s / 要求 %(required)s 次"),
                "loading": _("正在加载网格…"),
                "loaded": _("已加载 %(count)s 个网格"),
                "failed": _("网格数据加载失败，请刷新页面重试"),
            },
        },
    }
    return render(request, "patrols/supervise_coverage.html", context)


@_supervisors_only
def supervise_statistics(request):
    form = StatisticsForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    if not request.GET:  # show the period the figures are for
        form = StatisticsForm(initial={"start": data["start"], "end": data["end"], "by": data["by"]})
    rows, total = [], None
    if not form.errors:
        start, end = selectors.local_day_bounds(data["start"], data["end"])
        rows, total = selectors.statistics(start, end, by=data["by"])
    context = {"form": form, "rows": rows, "total": total, "by": data.get("by", "officer"), "period": data}
    return render(request, "patrols/supervise_statistics.html", context)
