"""/api/v1/ for officers' daily work: thin views over patrols.services and
patrols.selectors. Objects outside the caller's scope are 404s, actions the caller may
not take 403s, actions the state does not allow 409s, bad input 400s with a message per
field (the API's one error shape, api.exceptions)."""

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.exceptions import ErrorSerializer
from api.filters import DateTimeFilter
from api.views import AUTH_ERRORS, ApiView, error
from patrols import selectors, services
from patrols.importer import import_places
from patrols.models import Hazard, HazardState, Patrol
from patrols.serializers import (
    CoverageQuerySerializer,
    CoverageSerializer,
    DutyShiftSerializer,
    EscalateInputSerializer,
    EscalationResultSerializer,
    HazardDetailSerializer,
    HazardInputSerializer,
    HazardSerializer,
    InspectionInputSerializer,
    InspectionSerializer,
    LonLatSerializer,
    PatrolDetailSerializer,
    PatrolSerializer,
    PatrolStatisticsSerializer,
    PlaceImportResultSerializer,
    PlaceImportSerializer,
    PlaceSerializer,
    PlaceTypeSerializer,
    PointFlagQuerySerializer,
    ReinspectInputSerializer,
    StatisticsQuerySerializer,
    TrackQuerySerializer,
    TrackUploadResultSerializer,
    TrackUploadSerializer,
    VisitInputSerializer,
    VisitSerializer,
    WorkLogInputSerializer,
    WorkLogSerializer,
)

_WRITE_ERRORS = {
    400: error("输入有误，fields 按字段给出原因"),
    409: error("当前状态不允许此操作"),
    **AUTH_ERRORS,
}
_MULTIPART = [JSONParser, MultiPartParser, FormParser]


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _require_supervision(user):
    if not selectors.supervises(user):
        raise exceptions.PermissionDenied(_("仅督导人员可以访问"))


class ListView(ApiView, GenericAPIView):
    """A scoped, filtered, paginated list; subclasses name the selector and serializer."""

    pagination_class = Pagination

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _after(field):
    return DateTimeFilter(field_name=field, lookup_expr="gte", help_text="起始时间（含）")


def _before(field):
    return DateTimeFilter(field_name=field, lookup_expr="lt", help_text="结束时间（不含）")


class OfficerFilter(django_filters.FilterSet):
    officer = django_filters.CharFilter(field_name="officer__username", help_text="网格员用户名")


# ---------------------------------------------------------------- duty


class ShiftFilter(OfficerFilter):
    after = _after("checked_in_at")
    before = _before("checked_in_at")


class ShiftListView(ListView):
    serializer_class = DutyShiftSerializer
    filterset_class = ShiftFilter

    def get_queryset(self):
        return selectors.shifts_for(self.request.user).order_by("-checked_in_at", "-id")

    @extend_schema(
        operation_id="duty_shifts_list",
        summary="签到记录",
        description="网格员看到自己的签到记录，督导人员看到全部。",
        tags=["patrols"],
        responses={200: DutyShiftSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return self.list(request)


class CheckInView(ApiView):
    @extend_schema(
        operation_id="duty_check_in",
        summary="签到",
        description="在当前位置签到，开始值班；位置须在辖区内。已签到未签退时返回 409。",
        tags=["patrols"],
        request=LonLatSerializer,
        responses={201: DutyShiftSerializer, **_WRITE_ERRORS},
    )
    def post(self, request):
        shift = services.check_in(request.user, **_valid(LonLatSerializer, request.data))
        return Response(DutyShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class CheckOutView(ApiView):
    @extend_schema(
        operation_id="duty_check_out",
        summary="签退",
        description="在当前位置签退；进行中的巡查同时结束。未签到时返回 409。",
        tags=["patrols"],
        request=LonLatSerializer,
        responses={200: DutyShiftSerializer, **_WRITE_ERRORS},
    )
    def post(self, request):
        shift = services.check_out(request.user, **_valid(LonLatSerializer, request.data))
        return Response(DutyShiftSerializer(shift).data)


# ---------------------------------------------------------------- patrols


class PatrolFilter(OfficerFilter):
    after = _after("started_at")
    before = _before("started_at")
    active = django_filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull", help_text="进行中")


class PatrolListView(ListView):
    serializer_class = PatrolSerializer
    filterset_class = PatrolFilter

    def get_queryset(self):
        return selectors.patrols_for(self.request.user).order_by("-started_at", "-id")

    @extend_schema(
        operation_id="patrols_list",
        summary="巡查列表",
        description="网格员看到自己的巡查，督导人员看到全部；按开始时间倒序。",
        tags=["patrols"],
        responses={200: PatrolSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="patrols_start",
        summary="开始巡查",
        description="须先签到；同一时间只能有一次进行中的巡查（否则 409）。",
        tags=["patrols"],
        request=None,
        responses={201: PatrolSerializer, **_WRITE_ERRORS},
    )
    def post(self, request):
        patrol = services.start_patrol(request.user)
        return Response(PatrolSerializer(patrol).data, status=status.HTTP_201_CREATED)


def _visible_patrol(request, pk):
    return get_object_or_404(selectors.patrols_for(request.user), pk=pk)


class PatrolDetailView(ApiView):
    @extend_schema(
        operation_id="patrols_retrieve",
        summary="巡查详情",
        description="巡查的里程、时长、途经网格和完整轨迹（GeoJSON）。",
        tags=["patrols"],
        responses={200: PatrolDetailSerializer, 404: error("巡查不存在或不在权限范围内"), **AUTH_ERRORS},
    )
    def get(self, request, pk):
        patrol = _visible_patrol(request, pk)
        patrol = (
            Patrol.objects.prefetch_related("grid_visits__grid")
            .select_related("officer")
            .defer("track_display")
            .get(pk=patrol.pk)
        )
        return Response(PatrolDetailSerializer(patrol).data)


class PatrolEndView(ApiView):
    @extend_schema(
        operation_id="patrols_end",
        summary="结束巡查",
        description="结束本人进行中的巡查。离线排队的轨迹点在结束后仍可上传。",
        tags=["patrols"],
        request=None,
        responses={200: PatrolSerializer, 404: error("巡查不存在或不在权限范围内"), **_WRITE_ERRORS},
    )
    def post(self, request, pk):
        patrol = services.end_patrol(_visible_patrol(request, pk), request.user)
        return Response(PatrolSerializer(patrol).data)


class PatrolPointsView(ApiView):
    # JSON only: a batch of a thousand points parsed by DRF's serializer fields would cost
    # more than storing it; patrols.tracks checks each point itself.
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="patrols_points_upload",
        summary="上传轨迹点",
        description=(
            "上传一批轨迹点（离线手机可补传，点带各自的定位时间，顺序不限，一次最多 5000 个）。"
            "同一时间的点已保存过则跳过，重复上传不改变任何数据。辖区外、精度差、时间不在巡查时段内、"
            "速度超过上限（异常跳点）的点会被标记，不计入轨迹、里程和途经网格。"
            "有任何格式错误的点时整批拒绝（400），错误按点的序号列出。"
        ),
        tags=["patrols"],
        request=TrackUploadSerializer,
        responses={200: TrackUploadResultSerializer, 404: error("巡查不存在或不在权限范围内"), **_WRITE_ERRORS},
    )
    def post(self, request, pk):
        # The body as sent, read before DRF parses it, so PostgreSQL can read the very
        # points that were checked without them being encoded again.
        text = request.body.decode("utf-8", errors="replace")
        body = request.data if isinstance(request.data, dict) else {}
        # The service locks the patrol and lets its officer alone upload; only a refusal
        # costs the look-up that puts "not visible" (404) before "not yours" (403) and
        # "bad input" (400).
        try:
            result = services.record_points(pk, request.user, body.get("points"), batch_json=text)
        except Patrol.DoesNotExist:
            raise exceptions.NotFound() from None
        except (PermissionDenied, ValidationError):
            _visible_patrol(request, pk)
            raise
        return Response(
            {
                "received": result.received,
                "stored": result.stored,
                "duplicates": result.duplicates,
                "flagged": result.flagged,
                "distance_m": round(result.distance_m, 1),
                "point_count": result.point_count,
                "flagged_count": result.flagged_count,
            }
        )

    @extend_schema(
        operation_id="patrols_points_list",
        summary="轨迹点（含异常标记）",
        description="巡查保存的全部轨迹点及其标记（GeoJSON FeatureCollection），用于核查轨迹。",
        tags=["patrols"],
        parameters=[PointFlagQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, 404: error("巡查不存在或不在权限范围内"), **AUTH_ERRORS},
    )
    def get(self, request, pk):
        patrol = _visible_patrol(request, pk)
        query = _valid(PointFlagQuerySerializer, request.query_params)
        body = selectors.patrol_points_geojson(patrol, flagged_only=query["flagged"])
        return HttpResponse(body, content_type="application/json")


class TrackMapView(ApiView):
    @extend_schema(
        operation_id="patrols_tracks",
        summary="某日巡查轨迹（地图用）",
        description=(
            "某一天进行过的巡查轨迹，经简化后以 GeoJSON FeatureCollection 返回，可按网格员、"
            "网格或社区筛选。网格员只能看到自己的轨迹。"
        ),
        tags=["patrols"],
        parameters=[TrackQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def get(self, request):
        query = _valid(TrackQuerySerializer, request.query_params)
        start, end = selectors.local_day_bounds(query.get("date") or timezone.localdate())
        track_filter = selectors.TrackFilter(
            start, end, officer=query.get("officer"), grid=query.get("grid"), community=query.get("community")
        )
        body = selectors.tracks_geojson(selectors.tracks_for(request.user, track_filter), tolerance=query["tolerance"])
        return HttpResponse(body, content_type="application/json")


class CoverageView(ApiView):
    @extend_schema(
        operation_id="patrols_coverage",
        summary="网格巡查覆盖",
        description=(
            "每个网格在某天（date）或某段时间（start~end，最长 31 天）内的巡查次数、"
            "按每日要求达标的天数、未达标的日期和巡查过的网格员。仅督导人员。"
        ),
        tags=["patrols"],
        parameters=[CoverageQuerySerializer],
        responses={200: CoverageSerializer(many=True), 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def get(self, request):
        _require_supervision(request.user)
        query = _valid(CoverageQuerySerializer, request.query_params)
        rows = selectors.coverage(query["first"], query["last"], community=query.get("community"))
        return Response(CoverageSerializer(rows, many=True).data)


class StatisticsView(ApiView):
    @extend_schema(
        operation_id="patrols_statistics",
        summary="网格员工作统计",
        description=(
            "某段时间内的巡查次数和里程、场所检查、隐患发现/整改/转案件、矛盾纠纷、走访，"
            "按网格员、网格或社区分组，附合计。网格和社区按工作地点统计。仅督导人员。"
        ),
        tags=["patrols"],
        parameters=[StatisticsQuerySerializer],
        responses={200: PatrolStatisticsSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def get(self, request):
        _require_supervision(request.user)
        query = _valid(StatisticsQuerySerializer, request.query_params)
        start, end = selectors.local_day_bounds(query["first"], query["last"])
        rows, total = selectors.statistics(start, end, by=query["by"])
        data = {"start": query["first"], "end": query["last"], "by": query["by"], "rows": rows, "total": total}
        return Response(PatrolStatisticsSerializer(data).data)


# ---------------------------------------------------------------- places and inspections


class PlaceTypeListView(ApiView):
    @extend_schema(
        operation_id="place_types_list",
        summary="场所类型及检查清单",
        tags=["places"],
        responses={200: PlaceTypeSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return Response(PlaceTypeSerializer(selectors.place_types(), many=True).data)


class PlaceFilter(django_filters.FilterSet):
    grid = django_filters.CharFilter(field_name="grid__code", help_text="网格编码")
    type = django_filters.CharFilter(field_name="place_type__code", help_text="场所类型代码")
    q = django_filters.CharFilter(method="search", help_text="名称或地址包含")
    active = django_filters.BooleanFilter()

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))


class PlaceListView(ListView):
    serializer_class = PlaceSerializer
    filterset_class = PlaceFilter

    def get_queryset(self):
        return selectors.places_for(self.request.user).order_by("grid__code", "name", "id")

    @extend_schema(
        operation_id="places_list",
        summary="场所台账",
        description="网格员看到本人负责网格内的场所，督导人员看到全部。",
        tags=["places"],
        responses={200: PlaceSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return self.list(request)


class PlaceDetailView(ApiView):
    @extend_schema(
        operation_id="places_retrieve",
        summary="场所详情",
        tags=["places"],
        responses={200: PlaceSerializer, 404: error("场所不存在或不在权限范围内"), **AUTH_ERRORS},
    )
    def get(self, request, pk):
        return Response(PlaceSerializer(get_object_or_404(selectors.places_for(request.user), pk=pk)).data)


class PlaceImportView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="places_import",
        summary="从 CSV 导入场所",
        description=(
            "默认只检查；commit=true 时在没有任何问题的情况下一次性写入。有编号的行按编号更新已有场所。"
            "有问题时返回 400，fields.file 按行号列出每个问题，不写入任何数据。仅督导人员。"
        ),
        tags=["places"],
        request={"multipart/form-data": PlaceImportSerializer},
        responses={200: PlaceImportResultSerializer, 400: error("文件有问题，按行号列出"), **AUTH_ERRORS},
    )
    def post(self, request):
        _require_supervision(request.user)
        body = _valid(PlaceImportSerializer, request.data)
        report = import_places(body["file"].read(), commit=body["commit"])
        if report.errors:
            lines = [
                _("第 %(line)d 行：%(message)s") % {"line": line, "message": message} for line, message in report.errors
            ]
            raise exceptions.ValidationError({"file": lines})
        return Response({"created": report.created, "updated": report.updated, "committed": report.committed})


class InspectionFilter(OfficerFilter):
    after = _after("inspected_at")
    before = _before("inspected_at")
    place = django_filters.NumberFilter(field_name="place_id")


class InspectionListView(ListView):
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    parser_classes = _MULTIPART

    def get_queryset(self):
        return selectors.inspections_for(self.request.user).order_by("-inspected_at", "-id")

    @extend_schema(
        operation_id="inspections_list",
        summary="场所检查记录",
        tags=["places"],
        responses={200: InspectionSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="inspections_create",
        summary="检查场所",
        description=(
            "按场所类型的检查清单逐项填写 ok / problem / na（未营业时 not_open=true，可不填）。"
            "有 problem 时结论为“发现问题”，可再用 POST /api/v1/hazards/ 带 inspection 记录隐患。"
            "附照片用 multipart/form-data（answers 以 JSON 字符串提交）。只能检查本人负责网格内的场所。"
        ),
        tags=["places"],
        request={"application/json": InspectionInputSerializer, "multipart/form-data": InspectionInputSerializer},
        responses={201: InspectionSerializer, 404: error("场所不存在或不在权限范围内"), **_WRITE_ERRORS},
    )
    def post(self, request):
        fields = _valid(InspectionInputSerializer, request.data)
        place = get_object_or_404(selectors.places_for(request.user), pk=fields.pop("place"))
        inspection = services.inspect_place(place, request.user, **fields)
        inspection = selectors.inspections_for(request.user).get(pk=inspection.pk)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- hazards


class HazardFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=HazardState.choices, help_text="状态，可重复")
    grid = django_filters.CharFilter(field_name="grid__code", help_text="网格编码")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="未整改且已过整改期限")
    found_after = DateTimeFilter(field_name="found_at", lookup_expr="gte")
    found_before = DateTimeFilter(field_name="found_at", lookup_expr="lt")

    def filter_overdue(self, queryset, name, value):
        overdue = {"state": HazardState.OPEN, "rectify_due__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class HazardListView(ListView):
    serializer_class = HazardSerializer
    filterset_class = HazardFilter
    parser_classes = _MULTIPART

    def get_queryset(self):
        return selectors.hazards_for(self.request.user).order_by("-found_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        operation_id="hazards_list",
        summary="隐患列表",
        description="网格员看到本人负责网格内的和本人发现的隐患，督导人员看到全部。",
        tags=["hazards"],
        responses={200: HazardSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="hazards_create",
        summary="记录隐患",
        description=(
            "记录场所检查（inspection）或巡查中发现的隐患；带 inspection 时位置取场所位置。"
            "隐患获得整改期限（默认取场所类型的天数）并由时限引擎提醒；重大隐患（serious）立即转为案件。"
        ),
        tags=["hazards"],
        request={"application/json": HazardInputSerializer, "multipart/form-data": HazardInputSerializer},
        responses={201: HazardDetailSerializer, **_WRITE_ERRORS},
    )
    def post(self, request):
        hazard = services.record_hazard(request.user, **_valid(HazardInputSerializer, request.data))
        return _hazard_response(request, hazard.pk, status.HTTP_201_CREATED)


def _visible_hazard(request, pk) -> Hazard:
    try:
        return selectors.hazard_detail(pk, request.user)
    except Hazard.DoesNotExist:
        raise exceptions.NotFound(_("隐患不存在或不在您的权限范围内")) from None


def _hazard_response(request, pk, status_code=status.HTTP_200_OK):
    hazard = _visible_hazard(request, pk)
    context = {"request": request, "now": timezone.now()}
    return Response(HazardDetailSerializer(hazard, context=context).data, status=status_code)


class HazardDetailView(ApiView):
    @extend_schema(
        operation_id="hazards_retrieve",
        summary="隐患详情",
        description="隐患、复查记录、照片，以及调用者现在可执行的操作。",
        tags=["hazards"],
        responses={200: HazardDetailSerializer, 404: error("隐患不存在或不在权限范围内"), **AUTH_ERRORS},
    )
    def get(self, request, pk):
        return _hazard_response(request, pk)


class HazardReinspectView(ApiView):
    parser_classes = _MULTIPART

    @extend_schema(
        operation_id="hazards_reinspect",
        summary="复查隐患",
        description="记录复查结果：已整改则隐患办结、时限停止；未整改须说明情况，隐患保持待整改并可转为案件。",
        tags=["hazards"],
        request={"application/json": ReinspectInputSerializer, "multipart/form-data": ReinspectInputSerializer},
        responses={200: HazardDetailSerializer, 404: error("隐患不存在或不在权限范围内"), **_WRITE_ERRORS},
    )
    def post(self, request, pk):
        hazard = _visible_hazard(request, pk)
        services.reinspect_hazard(hazard, request.user, **_valid(ReinspectInputSerializer, request.data))
        return _hazard_response(request, pk)


class HazardEscalateView(ApiView):
    @extend_schema(
        operation_id="hazards_escalate",
        summary="隐患转为案件",
        description=(
            "未按期整改、复查不合格或重大的隐患，一步转为七步闭环中的案件（网格员上报，免核实，"
            "直接待立案），并与隐患关联。整改期限内且未复查不合格时返回 409。"
        ),
        tags=["hazards"],
        request=EscalateInputSerializer,
        responses={201: EscalationResultSerializer, 404: error("隐患不存在或不在权限范围内"), **_WRITE_ERRORS},
    )
    def post(self, request, pk):
        hazard = _visible_hazard(request, pk)
        case = services.escalate_hazard_to_case(hazard, request.user, **_valid(EscalateInputSerializer, request.data))
        return Response({"case": case.pk, "number": case.number, "state": case.state}, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- visits and the work log


class VisitFilter(OfficerFilter):
    after = _after("visited_at")
    before = _before("visited_at")


class VisitListView(ListView):
    serializer_class = VisitSerializer
    filterset_class = VisitFilter

    def get_queryset(self):
        return selectors.visits_for(self.request.user).order_by("-visited_at", "-id")

    @extend_schema(
        operation_id="visits_list", summary="走访记录", tags=["visits"], responses={200: VisitSerializer(many=True)}
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="visits_create",
        summary="记录走访",
        description="位置可选：有位置时按位置归入网格，否则归入本人负责的网格。离线补录可带 visited_at。",
        tags=["visits"],
        request=VisitInputSerializer,
        responses={201: VisitSerializer, **_WRITE_ERRORS},
    )
    def post(self, request):
        fields = _valid(VisitInputSerializer, request.data)
        fields["at"] = fields.pop("visited_at", None)
        visit = services.record_visit(request.user, **fields)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class WorkLogFilter(OfficerFilter):
    after = _after("logged_at")
    before = _before("logged_at")
    kind = django_filters.CharFilter()


class WorkLogListView(ListView):
    serializer_class = WorkLogSerializer
    filterset_class = WorkLogFilter

    def get_queryset(self):
        return selectors.work_log_for(self.request.user).order_by("-logged_at", "-id")

    @extend_schema(
        operation_id="work_log_list", summary="工作日志", tags=["visits"], responses={200: WorkLogSerializer(many=True)}
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="work_log_create",
        summary="记工作日志",
        description="矛盾纠纷记为 kind=dispute，化解后 dispute_resolved=true。",
        tags=["visits"],
        request=WorkLogInputSerializer,
        responses={201: WorkLogSerializer, **_WRITE_ERRORS},
    )
    def post(self, request):
        fields = _valid(WorkLogInputSerializer, request.data)
        fields["at"] = fields.pop("logged_at", None)
        entry = services.log_work(request.user, **fields)
        return Response(WorkLogSerializer(entry).data, status=status.HTTP_201_CREATED)
