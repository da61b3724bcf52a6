"""Cases: list (scoped, filtered, paginated), create, detail, and one POST per workflow
action. Scope comes from cases.selectors, rules from cases.services: a case outside the
caller's scope is a 404, an action the caller may not take a 403, one the case's state
does not allow a 409."""

import django_filters
from django.db.models import FloatField, Func
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api.exceptions import ErrorSerializer
from api.filters import DateTimeFilter
from api.intake import CleanPhotos, default_source, file_report
from api.models import Scope
from api.permissions import api_key_of
from api.serializers import (
    ActionInputSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    is_staff,
)
from api.views import AUTH_ERRORS, ApiView, error
from cases.models import Case, CaseSource, CaseState
from cases.selectors import case_list, queue, queues_for, timeline, visible_cases
from cases.services import act, available_actions
from cases.workflow import QUEUES, TRANSITIONS

_RELATED = ("category", "grid", "community", "unit")


def scoped_cases(request):
    """The cases the caller may see: by role and scope for people; an external system
    sees the cases it filed."""
    if api_key_of(request) is not None:
        cases = Case.objects.filter(reporter=request.user).select_related(*_RELATED)
    else:
        cases = case_list(request.user)
    # No response shows a grid's outline, the heaviest column of a list by far.
    return cases.defer("grid__boundary")


def visible_case(request, pk):
    case = scoped_cases(request).select_related("merged_into").filter(pk=pk).first()
    if case is None:
        raise exceptions.NotFound(_("案件不存在或不在您的权限范围内"))
    return case


def just_handled(case):
    """A case the caller has just filed or acted on, fetched afresh for the response,
    whether or not it is still in their scope (a unit that returned a case no longer
    sees it, yet is told how it stands)."""
    return Case.objects.select_related(*_RELATED, "merged_into").defer("grid__boundary").get(pk=case.pk)


def detail_response(request, case, status_code=status.HTTP_200_OK):
    staff = is_staff(request.user)
    context = {
        "request": request,
        "now": timezone.now(),
        "staff": staff,
        "timeline": timeline(case).prefetch_related("photos__taken_at"),
        "actions": [] if api_key_of(request) else available_actions(case, request.user),
    }
    return Response(CaseDetailSerializer(case, context=context).data, status=status_code)


# A list page is built from plain values: model instances and DRF's field machinery cost
# twice what the query does (docs/benchmarks.md). The rows have CaseSerializer's shape,
# which documents them; tests/api/test_cases_api.py keeps the two equal.
_LIST_COLUMNS = (
    *("id", "number", "state", "source", "priority", "address", "description", "reported_at", "due_at"),
    *("external_system", "external_id", "category_id", "category__major_code", "category__minor_code"),
    *("category__name", "grid_id", "grid__code", "grid__name", "community_id", "community__code"),
    *("community__name", "unit_id", "unit__name"),
)


def case_rows(cases):
    return cases.values(
        *_LIST_COLUMNS,
        lon=Func("location", function="ST_X", output_field=FloatField()),
        lat=Func("location", function="ST_Y", output_field=FloatField()),
    )


def list_rows(rows, now):
    labels = {value: str(label) for value, label in CaseState.choices}
    moment = serializers.DateTimeField().to_representation
    return [
        {
            "id": row["id"],
            "number": row["number"],
            "state": row["state"],
            "state_label": labels[row["state"]],
            "source": row["source"],
            "priority": row["priority"],
            "category": {
                "id": row["category_id"],
                "code": row["category__major_code"] + row["category__minor_code"],
                "name": row["category__name"],
            },
            "grid": {"id": row["grid_id"], "code": row["grid__code"], "name": row["grid__name"]},
            "community": {"id": row["community_id"], "code": row["community__code"], "name": row["community__name"]},
            "unit": {"id": row["unit_id"], "name": row["unit__name"]} if row["unit_id"] else None,
            "address": row["address"],
            "description": row["description"],
            "lon": row["lon"],
            "lat": row["lat"],
            "reported_at": moment(row["reported_at"]),
            "due_at": moment(row["due_at"]) if row["due_at"] else None,
            "overdue": row["due_at"] is not None and row["due_at"] < now,
            "external_system": row["external_system"],
            "external_id": row["external_id"],
        }
        for row in rows
    ]


class CasePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CaseFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, help_text="状态，可重复")
    category = django_filters.NumberFilter(field_name="category_id", help_text="类别 id")
    grid = django_filters.CharFilter(field_name="grid__code", max_length=30, help_text="网格编码")
    community = django_filters.CharFilter(field_name="community__code", max_length=30, help_text="社区编码")
    unit = django_filters.NumberFilter(field_name="unit_id", help_text="处置单位 id")
    source = django_filters.ChoiceFilter(choices=CaseSource.choices)
    number = django_filters.CharFilter(field_name="number", max_length=16, help_text="案件编号")
    external_id = django_filters.CharFilter(field_name="external_id", max_length=100, help_text="外部编号")
    reported_after = DateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = DateTimeFilter(field_name="reported_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="本环节已超时")
    ordering = django_filters.OrderingFilter(fields=("reported_at", "due_at"))

    class Meta:
        model = Case
        fields = []

    def filter_overdue(self, queryset, name, value):
        late = {"due_at__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class CaseListView(ApiView, GenericAPIView):
    api_key_scopes = {"GET": Scope.CASES_READ, "POST": Scope.CASES_CREATE}
    filterset_class = CaseFilter
    pagination_class = CasePagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = CaseSerializer

    def get_queryset(self):
        name = self.request.query_params.get("queue")
        if not name:
            return scoped_cases(self.request).order_by("-reported_at", "-id")
        if api_key_of(self.request) is not None or name not in queues_for(self.request.user):
            raise exceptions.ValidationError({"queue": [_("您没有这个工作队列")]})
        return queue(self.request.user, name)

    @extend_schema(
        operation_id="cases_list",
        summary="案件列表",
        description=(
            "调用者权限范围内的案件，默认按上报时间倒序，每页 50 条（page_size 最大 200）。"
            "queue 取自 GET /api/v1/me/ 的 queues，按时限排序；外部系统只看到自己上报的案件。"
        ),
        tags=["cases"],
        parameters=[
            OpenApiParameter(
                "queue",
                OpenApiTypes.STR,
                enum=list(QUEUES),
                description="工作队列（待核实、待立案……），只能是自己的队列",
            ),
        ],
        responses={
            200: CaseSerializer(many=True),
            400: error("查询参数无效"),
            404: error("页码超出范围"),
            **AUTH_ERRORS,
        },
    )
    def get(self, request):
        cases = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(case_rows(cases))
        return self.get_paginated_response(list_rows(page, timezone.now()))

    @extend_schema(
        operation_id="cases_create",
        summary="上报案件",
        description=(
            "上报一件新案件（七步闭环第一步），按位置自动落入网格。外部系统带 external_id 重复提交时"
            "返回原案件（200），不会重复立案。附照片请用 multipart/form-data；照片的 EXIF 信息"
            "（含拍摄位置）不对外保存，拍摄位置仅工作人员可见。"
        ),
        tags=["cases"],
        request={
            "application/json": CaseCreateSerializer,
            "multipart/form-data": CaseCreateSerializer,
        },
        responses={
            201: CaseDetailSerializer,
            200: CaseDetailSerializer,
            400: ErrorSerializer,
            **AUTH_ERRORS,
        },
    )
    def post(self, request):
        body = CaseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        api_key = api_key_of(request)
        if fields.get("external_id") and api_key is None:
            raise exceptions.ValidationError({"external_id": [_("只有外部系统可以提供外部编号")]})
        requested_source = fields.pop("source", None)
        case, created = file_report(
            user=request.user,
            api_key=api_key,
            source=requested_source if requested_source and not api_key else default_source(request.user, api_key),
            lon=fields.pop("lon", None),
            lat=fields.pop("lat", None),
            **fields,
        )
        return detail_response(request, just_handled(case), status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CaseDetailView(ApiView):
    api_key_scopes = {"GET": Scope.CASES_READ}

    @extend_schema(
        operation_id="cases_retrieve",
        summary="案件详情",
        description="案件、处理过程（时间线）、本环节倒计时，以及调用者现在可以执行的操作。",
        tags=["cases"],
        responses={200: CaseDetailSerializer, 404: error("案件不存在或不在权限范围内"), **AUTH_ERRORS},
    )
    def get(self, request, pk):
        return detail_response(request, visible_case(request, pk))


class CaseActionView(ApiView):
    """POST /api/v1/cases/{id}/<action>/ for one action of the transition table."""

    action_name = ""
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def take(self, request, pk):
        case = visible_case(request, pk)
        body = ActionInputSerializer(data=request.data, cases=visible_cases(request.user))
        body.is_valid(raise_exception=True)
        params = dict(body.validated_data)
        photos = CleanPhotos.of(params.pop("photos", ()))
        started = timezone.now()
        case = act(case, self.action_name, request.user, photos=photos.files, **params)
        photos.record_positions(case, started)
        return detail_response(request, just_handled(case))


def _action_view(action):
    transition = TRANSITIONS[action]
    roles = "、".join(str(role.label) for role in transition.actors)
    sources = "、".join(str(CaseState(state).label) for state in sorted(transition.sources))

    @extend_schema(
        operation_id=f"cases_{action}",
        summary=capfirst(str(transition.label)),
        description=f"{transition.label}。可执行的岗位：{roles}；案件状态须为：{sources}。",
        tags=["case actions"],
        request={
            "application/json": ActionInputSerializer,
            "multipart/form-data": ActionInputSerializer,
        },
        responses={
            200: CaseDetailSerializer,
            400: error("输入有误"),
            404: error("案件不存在或不在权限范围内"),
            409: error("案件当前状态不允许此操作"),
            **AUTH_ERRORS,
        },
    )
    def post(self, request, pk):
        return self.take(request, pk)

    name = "".join(part.capitalize() for part in action.split("_"))
    return type(f"Case{name}View", (CaseActionView,), {"action_name": action, "post": post})


ACTION_VIEWS = {action: _action_view(action) for action in TRANSITIONS}
