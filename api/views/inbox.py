"""The caller's in-app notifications, and the evaluation figures (KPIs) of step 7."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from api.permissions import IsStaff, IsUser
from api.serializers import KpiQuerySerializer, MarkedReadSerializer, NotificationSerializer, UnreadCountSerializer
from api.views import AUTH_ERRORS, ApiView, error
from cases.kpis import kpi_breakdown, kpi_summary
from cases.selectors import visible_cases
from notifications.models import Notification
from notifications.services import unread_count


class NotificationPagination(PageNumberPagination):
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 100


def _inbox(request):
    return Notification.objects.filter(recipient=request.user)


class NotificationListView(ApiView, GenericAPIView):
    permission_classes = [IsUser]
    queryset = Notification.objects.none()  # for the schema; requests read the caller's inbox
    pagination_class = NotificationPagination
    serializer_class = NotificationSerializer

    @extend_schema(
        operation_id="notifications_list",
        summary="我的通知",
        description="最新的在前；unread=true 只看未读。",
        tags=["notifications"],
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="只看未读")],
        responses={
            200: NotificationSerializer(many=True),
            400: error("查询参数无效"),
            404: error("页码超出范围"),
            **AUTH_ERRORS,
        },
    )
    def get(self, request):
        notifications = _inbox(request)
        unread = request.query_params.get("unread", "")
        if unread.lower() in ("true", "1"):
            notifications = notifications.filter(read_at__isnull=True)
        elif unread.lower() not in ("", "false", "0"):
            raise exceptions.ValidationError({"unread": [_("只能是 true 或 false")]})
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)


class UnreadCountView(ApiView):
    permission_classes = [IsUser]

    @extend_schema(
        operation_id="notifications_unread_count",
        summary="未读通知数",
        tags=["notifications"],
        responses={200: UnreadCountSerializer, **AUTH_ERRORS},
    )
    def get(self, request):
        return Response({"unread": unread_count(request.user)})


class MarkReadView(ApiView):
    permission_classes = [IsUser]

    @extend_schema(
        operation_id="notifications_mark_read",
        summary="标记为已读",
        tags=["notifications"],
        request=None,
        responses={200: MarkedReadSerializer, 404: error("通知不存在"), **AUTH_ERRORS},
    )
    def post(self, request, pk):
        notification = _inbox(request).filter(pk=pk).first()
        if notification is None:
            raise exceptions.NotFound(_("通知不存在"))
        marked = _inbox(request).filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked": marked})


class MarkAllReadView(ApiView):
    permission_classes = [IsUser]

    @extend_schema(
        operation_id="notifications_mark_all_read",
        summary="全部标记为已读",
        tags=["notifications"],
        request=None,
        responses={200: MarkedReadSerializer, **AUTH_ERRORS},
    )
    def post(self, request):
        marked = _inbox(request).filter(read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked": marked})


_COUNTS = [
    "filed",
    "due_to_close",
    "closed",
    "closed_on_time",
    "due_to_handle",
    "handled",
    "handled_on_time",
    "reworked",
    "overdue",
    "extended",
    "satisfaction_count",
]
_RATIOS = [
    "closing_rate",
    "on_time_closing_rate",
    "handling_rate",
    "on_time_handling_rate",
    "rework_rate",
    "overdue_rate",
    "extension_rate",
    "avg_handling_hours",
    "avg_intake_hours",
    "satisfaction_avg",
]


def _figures_fields():
    fields = {name: serializers.IntegerField() for name in _COUNTS}
    fields.update({name: serializers.FloatField(allow_null=True) for name in _RATIOS})
    return fields


_KPI_ROW = inline_serializer(
    "KpiRow",
    {
        "id": serializers.IntegerField(allow_null=True),
        "code": serializers.CharField(allow_null=True),
        "name": serializers.CharField(allow_null=True),
        **_figures_fields(),
    },
)
_KPI_RESPONSE = inline_serializer(
    "Kpis",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "summary": inline_serializer("KpiFigures", _figures_fields()),
        "rows": serializers.ListField(child=_KPI_ROW, required=False, help_text="按 by 分组时的各组数字"),
    },
)


class KpiView(ApiView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="kpis",
        summary="综合评价指标",
        description=(
            "统计期内立案的案件（调用者权限范围内）的结案率、按期结案率、处置率、返工率、超期率、"
            "延期率、平均处置时长等；by 给出按社区、网格、处置单位或类别的分组。挂账案件不计。"
        ),
        tags=["kpis"],
        parameters=[KpiQuerySerializer],
        responses={200: _KPI_RESPONSE, 400: error("查询参数无效"), **AUTH_ERRORS},
    )
    def get(self, request):
        query = KpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        zone = timezone.get_current_timezone()
        start = datetime.combine(params["start"], time.min, zone)
        end = datetime.combine(params["end"] + timedelta(days=1), time.min, zone)
        cases = visible_cases(request.user)
        body = {"start": params["start"], "end": params["end"], "summary": kpi_summary(start, end, cases=cases)}
        if params.get("by"):
            body["rows"] = kpi_breakdown(start, end, params["by"], cases=cases)
        return Response(body)
