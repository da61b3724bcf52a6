"""The legal-aid REST API under /api/v1/legal-aid/: thin views over legalaid.services and
legalaid.selectors. An application outside the caller's scope is a 404, an action the
caller may not take a 403, one the application's state does not allow a 409. External
systems' API keys reach none of it (no view grants a key scope)."""

from datetime import timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.roles import Role
from api.exceptions import ErrorSerializer
from api.views import AUTH_ERRORS, ApiView, PublicApiView, error
from gaoxin.inputs import given
from grid.models import Community
from legalaid import advisers, letters, selectors, services
from legalaid.models import Application, ApplicationState, Channel, Consultation, Lawyer, MatterType
from legalaid.serializers import (
    LegalAidApplicationDetailSerializer,
    LegalAidApplicationListQuerySerializer,
    LegalAidApplicationSerializer,
    LegalAidApplySerializer,
    LegalAidConsultationCreateSerializer,
    LegalAidConsultationSerializer,
    LegalAidDayQuerySerializer,
    LegalAidLawyerSerializer,
    LegalAidMatterTypeSerializer,
    LegalAidOnDutySerializer,
    LegalAidPanelQuerySerializer,
    LegalAidPeriodQuerySerializer,
    LegalAidPublicPapersSerializer,
    LegalAidRosterQuerySerializer,
    LegalAidRosterSerializer,
    LegalAidShiftCreateSerializer,
    LegalAidShiftSerializer,
    LegalAidStatisticsSerializer,
    LegalAidSubmitSerializer,
    LegalAidSuggestionSerializer,
    LegalAidTrackQuerySerializer,
    LegalAidTrackSerializer,
    action_input_serializer,
)
from legalaid.workflow import TRANSITIONS

TAGS = ["legal aid"]
_NOT_FOUND = error("申请不存在或不在权限范围内")
_NO_PAGE = error("页码超出范围")


def _visible(request, pk):
    try:
        return selectors.application_detail(request.user, pk)
    except Application.DoesNotExist as exc:
        raise exceptions.NotFound(_("申请不存在或不在您的权限范围内")) from exc


def _detail(request, application, status_code=status.HTTP_200_OK):
    application = _visible(request, application.pk)
    context = {
        "personal": selectors.personal(application, request.user),
        "papers_request_obj": selectors.papers_request_of(application),
        "objection": selectors.objection_of(application),
        "timeline": selectors.timeline(application),
        "actions": services.available_actions(application, request.user),
    }
    return Response(LegalAidApplicationDetailSerializer(application, context=context).data, status=status_code)


def _application_params(validated):
    params = given(validated)
    code = params.pop("matter_type", None)
    params["matter_type"] = MatterType.objects.filter(code=code, active=True).values_list("pk", flat=True).first() or -1
    return params


class ApplicationPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApplicationListView(ApiView, GenericAPIView):
    parser_classes = [JSONParser]
    pagination_class = ApplicationPagination
    serializer_class = LegalAidApplicationSerializer
    queryset = Application.objects.none()  # for the schema; the scoped list is in get()

    @extend_schema(
        operation_id="legalaid_applications_list",
        summary="法律援助申请列表",
        description=(
            "调用者可见的申请：法律援助协调员、监督员和管理员看全部（监督员和管理员的证件号码脱敏），"
            "律师看指派给自己的，居民看自己申请的，网格员、受理员和社区法律顾问看自己代为登记或转介的。"
            "按本环节时限排序，每页 50 条。"
        ),
        tags=TAGS,
        parameters=[LegalAidApplicationListQuerySerializer],
        responses={
            200: LegalAidApplicationSerializer(many=True),
            400: error("查询参数无效"),
            404: _NO_PAGE,
            **AUTH_ERRORS,
        },
    )
    def get(self, request):
        query = LegalAidApplicationListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        applications = selectors.application_list(
            request.user, queue=params.get("queue", ""), search=params.get("q", "")
        )
        page = self.paginate_queryset(applications)
        return self.get_paginated_response(LegalAidApplicationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="legalaid_applications_create",
        summary="登记法律援助申请",
        description=(
            "法律援助协调员和受理员窗口登记（channel=desk），网格员代为申请（grid_officer），"
            "协调员登记人民法院、人民检察院、公安机关的通知（notice，直接进入待指派，3 日内指派）；"
            "居民网上申请（online）。材料用 supply-papers 上传。"
        ),
        tags=TAGS,
        request=LegalAidSubmitSerializer,
        responses={201: LegalAidApplicationDetailSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def post(self, request):
        body = LegalAidSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = services.submit(actor=request.user, **_application_params(body.validated_data))
        return _detail(request, application, status.HTTP_201_CREATED)


class ApplicationDetailView(ApiView):
    @extend_schema(
        operation_id="legalaid_applications_retrieve",
        summary="法律援助申请详情",
        description="申请人（证件号码和电话按权限脱敏）、补充材料、异议、指派与跳过记录、办案进展、办理记录和可执行的操作。",
        tags=TAGS,
        responses={200: LegalAidApplicationDetailSerializer, 404: _NOT_FOUND, **AUTH_ERRORS},
    )
    def get(self, request, pk):
        return _detail(request, _visible(request, pk))


class ApplicationActionView(ApiView):
    action_name = ""
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def take(self, request, pk):
        application = _visible(request, pk)
        body = action_input_serializer(self.action_name)(data=request.data)
        body.is_valid(raise_exception=True)
        params = given(body.validated_data)
        application = services.act(application, self.action_name, request.user, **params)
        return _detail(request, application)


def _action_view(action):
    transition = TRANSITIONS[action]
    states = "、".join(str(ApplicationState(state).label) for state in sorted(transition.sources))
    serializer = action_input_serializer(action)

    @extend_schema(
        operation_id=f"legalaid_{action}",
        summary=capfirst(str(transition.label)),
        description=f"{transition.label}。申请状态须为：{states}。",
        tags=["legal aid actions"],
        request={"application/json": serializer, "multipart/form-data": serializer},
        responses={
            200: LegalAidApplicationDetailSerializer,
            400: error("输入有误"),
            404: _NOT_FOUND,
            409: error("申请当前状态不允许此操作"),
            **AUTH_ERRORS,
        },
    )
    def post(self, request, pk):
        return self.take(request, pk)

    name = "".join(part.capitalize() for part in action.split("_"))
    return type(f"Application{name}View", (ApplicationActionView,), {"action_name": action, "post": post})


ACTION_VIEWS = {action: _action_view(action) for action in TRANSITIONS}


def _coordinator_only(request):
    if not request.user.has_role(Role.LEGAL_AID_COORDINATOR):
        raise exceptions.PermissionDenied(_("仅法律援助协调员可以访问"))


class SuggestionView(ApiView):
    @extend_schema(
        operation_id="legalaid_applications_suggestion",
        summary="轮候建议",
        description=(
            "按在办援助案件数从少到多（相同则最久未指派者优先）排列的轮候范围（专业领域和执业年限符合本事项），"
            "利益冲突、曾拒绝或被更换的律师不在建议之列，并考虑申请人的意愿。仅法律援助协调员。"
        ),
        tags=TAGS,
        responses={200: LegalAidSuggestionSerializer, 404: _NOT_FOUND, **AUTH_ERRORS},
    )
    def get(self, request, pk):
        application = _visible(request, pk)
        _coordinator_only(request)
        return Response(LegalAidSuggestionSerializer(services.suggest(application)).data)


class RefusalLetterView(ApiView):
    @extend_schema(
        operation_id="legalaid_applications_refusal_letter",
        summary="不予法律援助决定书（PDF）",
        description="可打印的书面决定，载明理由和异议途径。证件号码按权限脱敏。",
        tags=TAGS,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: error("没有不予援助的决定"), **AUTH_ERRORS},
    )
    def get(self, request, pk):
        application = _visible(request, pk)
        if not application.refusal_reason:
            raise exceptions.NotFound(_("没有不予援助的决定"))
        content = letters.refusal_letter(application, selectors.personal(application, request.user))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, f"{application.number}.pdf")
        response["Cache-Control"] = "private, no-store"
        return response


# ---------------------------------------------------------------- public


class MatterTypeListView(PublicApiView):
    @extend_schema(
        operation_id="legalaid_matter_types_list",
        summary="援助事项类型",
        description="可申请的事项、所需材料、免予经济困难审查和可走绿色通道的群体，以及通俗的办理指引。",
        tags=TAGS,
        responses={200: LegalAidMatterTypeSerializer(many=True), 429: error("请求过于频繁")},
    )
    def get(self, request):
        return Response(LegalAidMatterTypeSerializer(selectors.matter_types(), many=True).data)


class ApplyView(PublicApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="legalaid_apply",
        summary="网上申请法律援助",
        description="居民网上申请，无需登录（按来源地址限流）。返回申请编号，凭编号和手机号查询进度、补交材料。",
        tags=TAGS,
        request=LegalAidApplySerializer,
        responses={201: LegalAidTrackSerializer, 400: ErrorSerializer, 429: error("请求过于频繁")},
    )
    def post(self, request):
        body = LegalAidApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        params = _application_params(body.validated_data)
        application = services.submit(actor=None, channel=Channel.ONLINE, **params)
        return Response(LegalAidTrackSerializer(application).data, status=status.HTTP_201_CREATED)


class TrackView(PublicApiView):
    @extend_schema(
        operation_id="legalaid_track",
        summary="查询法律援助进度",
        description="凭申请编号和申请时填写的手机号查询进度、需要补交的材料和结果，无需登录。",
        tags=TAGS,
        parameters=[LegalAidTrackQuerySerializer],
        responses={
            200: LegalAidTrackSerializer,
            400: ErrorSerializer,
            404: error("编号与手机号不符"),
            429: error("请求过于频繁"),
        },
    )
    def get(self, request):
        query = LegalAidTrackQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        application = selectors.track(query.validated_data["number"], query.validated_data["phone"])
        if application is None:
            raise exceptions.NotFound(_("没有找到与该编号和手机号相符的申请"))
        return Response(LegalAidTrackSerializer(application).data)


class TrackPapersView(PublicApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="legalaid_track_papers",
        summary="补交材料",
        description="凭申请编号和手机号补交材料（PDF、PNG 或 JPEG），无需登录。",
        tags=TAGS,
        request={"multipart/form-data": LegalAidPublicPapersSerializer},
        responses={
            200: LegalAidTrackSerializer,
            400: ErrorSerializer,
            403: error("不能补交"),
            404: error("编号与手机号不符"),
            409: error("申请当前状态不允许补交"),
            429: error("请求过于频繁"),
        },
    )
    def post(self, request):
        body = LegalAidPublicPapersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        application = selectors.track(data["number"], data["phone"])
        if application is None:
            raise exceptions.NotFound(_("没有找到与该编号和手机号相符的申请"))
        application = services.act(
            application, "supply_papers", None, phone=data["phone"], kind=data["kind"], files=data.get("files", [])
        )
        return Response(LegalAidTrackSerializer(selectors.track(application.number, data["phone"])).data)


class OnDutyView(PublicApiView):
    @extend_schema(
        operation_id="legalaid_on_duty",
        summary="今日值班社区法律顾问",
        description="各社区当天值班的法律顾问、地点、时间和电话；没有值班的社区 advisers 为空。",
        tags=TAGS,
        parameters=[LegalAidDayQuerySerializer],
        responses={200: LegalAidOnDutySerializer(many=True), 400: ErrorSerializer, 429: error("请求过于频繁")},
    )
    def get(self, request):
        query = LegalAidDayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("day") or timezone.localdate()
        rows = [
            {
                "community": community.name,
                "community_code": community.code,
                "advisers": [
                    {
                        "name": shift.adviser.user.display_name,
                        "phone": shift.adviser.office_phone or "12348",
                        "place": shift.place,
                        "hours": shift.hours,
                    }
                    for shift in shifts
                ],
            }
            for community, shifts in selectors.on_duty(day)
        ]
        return Response(LegalAidOnDutySerializer(rows, many=True).data)


# ---------------------------------------------------------------- panel, roster, consultations


class LawyerListView(ApiView, GenericAPIView):
    pagination_class = ApplicationPagination
    serializer_class = LegalAidLawyerSerializer
    queryset = Lawyer.objects.none()  # for the schema; the panel is in get()

    @extend_schema(
        operation_id="legalaid_lawyers_list",
        summary="法律援助律师库",
        description="律师、律所、专业领域、执业年限、语言、在办和累计援助案件数。法律援助协调员、监督员和管理员。",
        tags=TAGS,
        parameters=[LegalAidPanelQuerySerializer],
        responses={200: LegalAidLawyerSerializer(many=True), 400: ErrorSerializer, 404: _NO_PAGE, **AUTH_ERRORS},
    )
    def get(self, request):
        if not selectors.works_applications(request.user):
            raise exceptions.PermissionDenied
        query = LegalAidPanelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        lawyers = selectors.panel(search=params.get("q", ""), specialism=params.get("specialism", ""))
        page = self.paginate_queryset(lawyers)
        return self.get_paginated_response(LegalAidLawyerSerializer(page, many=True).data)


class RosterView(ApiView):
    parser_classes = [JSONParser]

    def _communities(self, request):
        if selectors.works_applications(request.user):
            return Community.objects.order_by("code")
        adviser = selectors.adviser_profile(request.user)
        if adviser is None:
            raise exceptions.PermissionDenied(_("仅法律援助协调员和社区法律顾问可以查看值班表"))
        return adviser.communities.order_by("code")

    @extend_schema(
        operation_id="legalaid_roster_list",
        summary="值班表与缺口",
        description="期间内的值班安排，以及无人值班的社区日（缺口）。协调员看全部社区，法律顾问看自己服务的社区。",
        tags=TAGS,
        parameters=[LegalAidRosterQuerySerializer],
        responses={200: LegalAidRosterSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def get(self, request):
        query = LegalAidRosterQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        communities = self._communities(request)
        if params.get("community"):
            communities = communities.filter(pk=params["community"])
        start = params.get("start") or timezone.localdate()
        end = start + timedelta(days=params["days"] - 1)
        gaps = selectors.roster_gaps(start, end, communities=communities)
        data = {
            "start": start,
            "end": end,
            "shifts": list(selectors.roster(start, end, communities=communities)),
            "gaps": [{"day": day, "community": c.pk, "community_name": c.name} for day, c in gaps],
        }
        return Response(LegalAidRosterSerializer(data).data)

    @extend_schema(
        operation_id="legalaid_roster_create",
        summary="安排值班",
        description="安排一位法律顾问某日在其服务的社区值班。仅法律援助协调员。",
        tags=TAGS,
        request=LegalAidShiftCreateSerializer,
        responses={201: LegalAidShiftSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def post(self, request):
        body = LegalAidShiftCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shift = advisers.set_shift(actor=request.user, **given(body.validated_data))
        return Response(LegalAidShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class ConsultationListView(ApiView, GenericAPIView):
    parser_classes = [JSONParser]
    pagination_class = ApplicationPagination
    serializer_class = LegalAidConsultationSerializer
    queryset = Consultation.objects.none()  # for the schema; the scoped list is in get()

    @extend_schema(
        operation_id="legalaid_consultations_list",
        summary="法律咨询记录",
        description="社区法律顾问看自己服务社区的咨询；法律援助协调员、监督员和管理员看全部。",
        tags=TAGS,
        responses={200: LegalAidConsultationSerializer(many=True), 404: _NO_PAGE, **AUTH_ERRORS},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.visible_consultations(request.user))
        return self.get_paginated_response(LegalAidConsultationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="legalaid_consultations_create",
        summary="登记法律咨询",
        description=(
            "社区法律顾问登记一次咨询。referral=legal_aid 同时登记法律援助申请（须填身份证号、事项类型、"
            "案件阶段、请求事项），referral=mediation 同时登记人民调解纠纷（须填对方当事人）。"
        ),
        tags=TAGS,
        request=LegalAidConsultationCreateSerializer,
        responses={201: LegalAidConsultationSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def post(self, request):
        body = LegalAidConsultationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consultation = advisers.log_consultation(actor=request.user, **given(body.validated_data))
        return Response(LegalAidConsultationSerializer(consultation).data, status=status.HTTP_201_CREATED)


class StatisticsView(ApiView):
    @extend_schema(
        operation_id="legalaid_statistics",
        summary="法律援助统计",
        description=(
            "期间内的申请（按方式、事项、群体）、决定、不予援助及理由、异议、绿色通道先行指派及从身份核验到指派的"
            "用时（中位数和最长，小时）、补充材料逾期、各律师和律所的指派数与轮候公平性、结案结果、回访满意度、"
            "各社区咨询数。日期含首尾。"
        ),
        tags=TAGS,
        parameters=[LegalAidPeriodQuerySerializer],
        responses={200: LegalAidStatisticsSerializer, 400: error("查询参数无效"), **AUTH_ERRORS},
    )
    def get(self, request):
        if not request.user.has_role(*selectors.STATISTICS_ROLES):
            raise exceptions.PermissionDenied
        query = LegalAidPeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        figures = selectors.statistics(selectors.Period(params["start"], params["end"]))
        return Response(LegalAidStatisticsSerializer(figures).data)
