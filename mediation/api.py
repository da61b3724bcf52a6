"""The mediation REST API under /api/v1/mediation/: thin views over mediation.services and
mediation.selectors. A dispute outside the caller's scope is a 404, an action the caller
may not take a 403, one the dispute's state does not allow a 409. External systems' API
keys reach none of it (no view grants a key scope)."""

from django.http import HttpResponse
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

from accounts.roles import STAFF_ROLES, Role
from api.exceptions import ErrorSerializer
from api.views import AUTH_ERRORS, ApiView, PublicApiView, error
from gaoxin.inputs import given
from mediation import casefile, selectors, services
from mediation.models import Committee, CouncilMember, Dispute, DisputeSource, DisputeState
from mediation.serializers import (
    MediationApplySerializer,
    MediationCommitteeSerializer,
    MediationCouncilMemberSerializer,
    MediationDisputeDetailSerializer,
    MediationDisputeListQuerySerializer,
    MediationDisputeSerializer,
    MediationDocumentEntrySerializer,
    MediationInvitationSerializer,
    MediationPeriodQuerySerializer,
    MediationRegisterSerializer,
    MediationSessionSerializer,
    MediationStatisticsSerializer,
    MediationTrackQuerySerializer,
    MediationTrackSerializer,
    action_input_serializer,
    document_entry,
)
from mediation.workflow import TRANSITIONS

TAGS = ["mediation"]
_SESSION_RELATED = ("mediators", "council_members", "attended_parties", "attended_council")


def _visible(request, pk):
    try:
        return selectors.dispute_detail(request.user, pk)
    except Dispute.DoesNotExist as exc:
        raise exceptions.NotFound(_("纠纷不存在或不在您的权限范围内")) from exc


def _detail(request, dispute, status_code=status.HTTP_200_OK):
    dispute = _visible(request, dispute.pk)
    context = {
        "parties": selectors.party_views(dispute, request.user),
        "agreement": selectors.agreement_of(dispute),
        "timeline": selectors.timeline(dispute),
        "entries": casefile.entries(dispute),
        "actions": services.available_actions(dispute, request.user),
    }
    return Response(MediationDisputeDetailSerializer(dispute, context=context).data, status=status_code)


class DisputePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class DisputeListView(ApiView, GenericAPIView):
    parser_classes = [JSONParser]
    pagination_class = DisputePagination
    serializer_class = MediationDisputeSerializer
    queryset = Dispute.objects.none()  # for the schema; the scoped list is in get()

    @extend_schema(
        operation_id="mediation_disputes_list",
        summary="纠纷列表",
        description=(
            "调用者可见的纠纷：调解员看本调解组织的，议事会成员看受邀的，居民看自己申请的，"
            "网格员和指挥中心岗位看自己上报或转办的，监督员和管理员看全部。按时限排序，每页 50 条。"
        ),
        tags=TAGS,
        parameters=[MediationDisputeListQuerySerializer],
        responses={
            200: MediationDisputeSerializer(many=True),
            400: error("查询参数无效"),
            404: error("页码超出范围"),
            **AUTH_ERRORS,
        },
    )
    def get(self, request):
        query = MediationDisputeListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        disputes = selectors.dispute_list(
            request.user, queue=params.get("queue"), mine=params["mine"], search=params.get("q", "")
        )
        page = self.paginate_queryset(disputes)
        return self.get_paginated_response(MediationDisputeSerializer(page, many=True).data)

    @extend_schema(
        operation_id="mediation_disputes_create",
        summary="登记纠纷",
        description=(
            "调解员窗口登记、主动调解或登记公安、法院、热线移送；网格员上报本网格纠纷；"
            "指挥中心岗位转办热线来电或网格案件（案件保持关联）；居民网上申请（source=resident_online）。"
        ),
        tags=TAGS,
        request=MediationRegisterSerializer,
        responses={201: MediationDisputeDetailSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def post(self, request):
        body = MediationRegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.register(actor=request.user, **given(body.validated_data))
        return _detail(request, dispute, status.HTTP_201_CREATED)


class DisputeDetailView(ApiView):
    @extend_schema(
        operation_id="mediation_disputes_retrieve",
        summary="纠纷详情",
        description="当事人（证件号码和电话按权限脱敏）、调解会、议事会邀请、协议、回访、办理记录、卷宗和可执行的操作。",
        tags=TAGS,
        responses={200: MediationDisputeDetailSerializer, 404: error("纠纷不存在或不在权限范围内"), **AUTH_ERRORS},
    )
    def get(self, request, pk):
        return _detail(request, _visible(request, pk))


class DisputeActionView(ApiView):
    action_name = ""
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def take(self, request, pk):
        dispute = _visible(request, pk)
        body = action_input_serializer(self.action_name)(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.act(dispute, self.action_name, request.user, **given(body.validated_data))
        return _detail(request, dispute)


def _action_view(action):
    transition = TRANSITIONS[action]
    states = "、".join(str(DisputeState(state).label) for state in sorted(transition.sources))
    serializer = action_input_serializer(action)

    @extend_schema(
        operation_id=f"mediation_{action}",
        summary=capfirst(str(transition.label)),
        description=f"{transition.label}。纠纷状态须为：{states}。",
        tags=["mediation actions"],
        request={"application/json": serializer, "multipart/form-data": serializer},
        responses={
            200: MediationDisputeDetailSerializer,
            400: error("输入有误"),
            404: error("纠纷不存在或不在权限范围内"),
            409: error("纠纷当前状态不允许此操作"),
            **AUTH_ERRORS,
        },
    )
    def post(self, request, pk):
        return self.take(request, pk)

    name = "".join(part.capitalize() for part in action.split("_"))
    return type(f"Dispute{name}View", (DisputeActionView,), {"action_name": action, "post": post})


ACTION_VIEWS = {action: _action_view(action) for action in TRANSITIONS}


class DocumentListView(ApiView):
    @extend_schema(
        operation_id="mediation_documents_list",
        summary="卷宗材料",
        description="纠纷卷宗的全部材料（系统生成的 PDF 与上传的材料），各带下载地址。",
        tags=TAGS,
        responses={
            200: MediationDocumentEntrySerializer(many=True),
            404: error("纠纷不存在或不在权限范围内"),
            **AUTH_ERRORS,
        },
    )
    def get(self, request, pk):
        dispute = _visible(request, pk)
        return Response([document_entry(dispute, entry) for entry in casefile.entries(dispute)])


class DocumentView(ApiView):
    @extend_schema(
        operation_id="mediation_documents_retrieve",
        summary="下载卷宗材料",
        description="生成的文书为 PDF（证件号码和电话按权限脱敏）；上传的材料仅承办调解员和调委会主任可以下载。",
        tags=TAGS,
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: error("材料不存在"),
            **AUTH_ERRORS,
        },
    )
    def get(self, request, pk, key):
        dispute = _visible(request, pk)
        reveal = selectors.may_see_personal_data(request.user, dispute)
        if key.startswith("upload-") and not reveal:
            raise exceptions.PermissionDenied(_("上传的材料仅承办调解员和调委会主任可以下载"))
        try:
            name, content, content_type = casefile.render(dispute, key, selectors.party_views(dispute, request.user))
        except casefile.NotInFile as exc:
            raise exceptions.NotFound(_("材料不存在")) from exc
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response


class ApplicationView(PublicApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="mediation_applications_create",
        summary="网上申请调解",
        description="居民网上申请人民调解，无需登录（按来源地址限流）。返回纠纷编号，凭编号和手机号查询进度。",
        tags=TAGS,
        request=MediationApplySerializer,
        responses={201: MediationTrackSerializer, 400: ErrorSerializer, 429: error("请求过于频繁")},
    )
    def post(self, request):
        body = MediationApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.register(actor=None, source=DisputeSource.RESIDENT_ONLINE, **given(body.validated_data))
        return Response(MediationTrackSerializer(dispute).data, status=status.HTTP_201_CREATED)


class TrackView(PublicApiView):
    @extend_schema(
        operation_id="mediation_applications_track",
        summary="查询调解进度",
        description="凭纠纷编号和登记的手机号（联系电话或当事人电话）查询进度和结果，无需登录。",
        tags=TAGS,
        parameters=[MediationTrackQuerySerializer],
        responses={200: MediationTrackSerializer, 404: error("编号与手机号不符"), 429: error("请求过于频繁")},
    )
    def get(self, request):
        query = MediationTrackQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        dispute = selectors.track(query.validated_data["number"], query.validated_data["phone"])
        if dispute is None:
            raise exceptions.NotFound(_("没有找到与该编号和手机号相符的申请"))
        context = {"next_session": selectors.next_session(dispute), "agreement": selectors.agreement_of(dispute)}
        return Response(MediationTrackSerializer(dispute, context=context).data)


class InvitationListView(ApiView):
    @extend_schema(
        operation_id="mediation_invitations_list",
        summary="我的调解邀请",
        description="议事会成员收到的邀请（回复用纠纷的 respond-invitation 操作）。",
        tags=TAGS,
        responses={200: MediationInvitationSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        return Response(MediationInvitationSerializer(selectors.invitations_of(request.user), many=True).data)


class SessionListView(ApiView):
    @extend_schema(
        operation_id="mediation_sessions_list",
        summary="我的调解会",
        description="调解员：本调解组织近期安排的调解会；议事会成员：受邀参加的调解会。",
        tags=TAGS,
        responses={200: MediationSessionSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        sessions = []
        if request.user.has_role(Role.MEDIATOR):
            sessions += selectors.upcoming_sessions(request.user).prefetch_related(*_SESSION_RELATED)
        sessions += selectors.council_sessions(request.user).prefetch_related(*_SESSION_RELATED)
        sessions = list({session.pk: session for session in sessions}.values())
        return Response(MediationSessionSerializer(sessions, many=True).data)


class ReferenceView(ApiView):
    def check_permissions(self, request):
        super().check_permissions(request)
        if not request.user.has_role(*STAFF_ROLES):
            raise exceptions.PermissionDenied(_("仅工作人员可以访问"))


class CommitteeListView(ReferenceView):
    @extend_schema(
        operation_id="mediation_committees_list",
        summary="调解组织",
        tags=TAGS,
        responses={200: MediationCommitteeSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        committees = Committee.objects.filter(active=True).select_related("community")
        return Response(MediationCommitteeSerializer(committees, many=True).data)


class CouncilMemberListView(ReferenceView):
    @extend_schema(
        operation_id="mediation_council_members_list",
        summary="乡贤议事会成员",
        tags=TAGS,
        responses={200: MediationCouncilMemberSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request):
        members = CouncilMember.objects.filter(active=True).select_related("user")
        return Response(MediationCouncilMemberSerializer(members, many=True).data)


class StatisticsView(ApiView):
    @extend_schema(
        operation_id="mediation_statistics",
        summary="调解统计",
        description=(
            "期间内按类型、来源、社区的登记数，按结果的终结数，成功率（达成协议 ÷ 调解终结，"
            "拒绝调解和撤回不计入），平均用时（登记至终结），协议履行，乡贤参与，回访。日期含首尾。"
        ),
        tags=TAGS,
        parameters=[MediationPeriodQuerySerializer],
        responses={200: MediationStatisticsSerializer, 400: error("查询参数无效"), **AUTH_ERRORS},
    )
    def get(self, request):
        if not request.user.has_role(*selectors.STATISTICS_ROLES):
            raise exceptions.PermissionDenied
        query = MediationPeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        committee = Committee.objects.filter(pk=params.get("committee") or 0).first()
        figures = selectors.statistics(selectors.Period(params["start"], params["end"]), committee=committee)
        return Response(MediationStatisticsSerializer(figures).data)
