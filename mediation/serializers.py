"""Request and response bodies of the mediation API. Input serializers check shape only;
the rules stay in mediation.services."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mediation.models import (
    Agreement,
    CouncilInvitation,
    CouncilMember,
    DisputeDocument,
    DisputeSource,
    DisputeType,
    FollowUp,
    MediationSession,
    OtherRoute,
    Party,
)
from mediation.workflow import QUEUES


class LabelledChoiceField(serializers.ChoiceField):
    """A code on input; {code, label} on output."""

    def to_representation(self, value):
        return {"code": value, "label": str(self.choices.get(value, value))} if value else None


class MediationCodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


def _choice(choices, **kwargs):
    return extend_schema_field(MediationCodeLabelSerializer)(LabelledChoiceField)(choices=choices, **kwargs)


# ---------------------------------------------------------------- input


class MediationPartyInputSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Party.Side.choices)
    kind = serializers.ChoiceField(choices=Party.Kind.choices, default=Party.Kind.PERSON)
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    representative = serializers.CharField(max_length=100, required=False, allow_blank=True)


class MediationRegisterSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=DisputeSource.choices)
    dispute_type = serializers.ChoiceField(choices=DisputeType.choices)
    summary = serializers.CharField(max_length=5000)
    claims = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    parties = MediationPartyInputSerializer(many=True, help_text=_("至少申请人、被申请人各一方"))
    community = serializers.IntegerField(required=False, help_text=_("社区 id；可由网格或案件推出"))
    grid = serializers.IntegerField(required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    committee = serializers.IntegerField(required=False, help_text=_("留空按来源和社区自动分派"))
    case = serializers.CharField(max_length=20, required=False, help_text=_("网格案件编号（来源为 case 时必填）"))
    referral_org = serializers.CharField(max_length=100, required=False, allow_blank=True)
    referral_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    criminal_risk = serializers.BooleanField(required=False, default=False)


class MediationApplySerializer(MediationRegisterSerializer):
    """An online application: the source is always `resident_online`."""

    source = None
    committee = None
    grid = None
    case = None
    referral_org = None
    referral_number = None
    criminal_risk = None


class MediationTrackQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)
    phone = serializers.CharField(max_length=20)


class MediationDisputeListQuerySerializer(serializers.Serializer):
    queue = serializers.ChoiceField(choices=list(QUEUES), required=False)
    mine = serializers.BooleanField(required=False, default=False, help_text=_("只看本人主持的纠纷"))
    q = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text=_("编号或内容"))


class MediationPeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    committee = serializers.IntegerField(required=False)

    def validate(self, data):
        if not all(2000 <= data[name].year <= 2100 for name in ("start", "end")):
            raise serializers.ValidationError({"start": [_("日期超出范围")]})
        if data["start"] > data["end"]:
            raise serializers.ValidationError({"end": [_("结束日期不能早于开始日期")]})
        return data


def _ids(help_text):
    return serializers.ListField(child=serializers.IntegerField(), required=False, help_text=help_text)


def _text(max_length, **kwargs):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


def _id(help_text):
    return serializers.IntegerField(required=False, help_text=help_text)


_NOTE = {"note": _text(2000)}
ACTION_INPUTS = {
    "accept": {
        "lead_mediator": _id(_("主调解员用户 id，留空为本人")),
        "chosen_by_parties": serializers.BooleanField(required=False),
        **_NOTE,
    },
    "transfer": {"committee": _id(_("调解组织 id")), **_NOTE},
    "reassign": {
        "lead_mediator": _id(_("新主调解员用户 id")),
        "chosen_by_parties": serializers.BooleanField(required=False),
        **_NOTE,
    },
    "flag_police": {**_NOTE},
    "give_rights_notice": {"method": serializers.ChoiceField(choices=["written", "oral"], required=False), **_NOTE},
    "invite_council": {
        "member": _id(_("议事会成员 id")),
        "consenting_parties": _ids(_("同意邀请的当事人 id，须为全体当事人")),
        "consent_note": _text(300),
        "reason": _text(500),
    },
    "schedule_session": {
        "scheduled_at": serializers.DateTimeField(required=False),
        "place": _text(200),
        "is_public": serializers.BooleanField(required=False),
        "mediators": _ids(_("调解员用户 id，留空为主调解员")),
        "council_members": _ids(_("议事会成员 id，须已经当事人同意邀请")),
    },
    "cancel_session": {"session": _id(_("调解会 id")), **_NOTE},
    "record_session": {
        "session": _id(_("调解会 id")),
        "attended_parties": _ids(_("到场当事人 id")),
        "attended_council": _ids(_("到场议事会成员 id")),
        "others_present": _text(300),
        "summary": _text(10000),
        "next_steps": _text(2000),
    },
    "agree_written": {
        "facts": _text(10000),
        "obligations": _text(10000),
        "performance_method": _text(300),
        "performance_place": _text(200),
        "performance_deadline": serializers.DateField(required=False),
        "signed_at": serializers.DateTimeField(required=False),
        "sealed": serializers.BooleanField(required=False, help_text=_("各方签名并加盖调委会印章")),
        "copies": serializers.IntegerField(required=False, min_value=2, max_value=10),
    },
    "agree_oral": {
        "obligations": _text(10000),
        "performance_method": _text(300),
        "performance_deadline": serializers.DateField(required=False),
    },
    "fail": {
        **_NOTE,
        "other_routes": serializers.ListField(
            child=serializers.ChoiceField(choices=OtherRoute.choices), required=False
        ),
        "other_routes_note": _text(500),
    },
    "refuse": {"party": _id(_("拒绝调解的当事人 id")), **_NOTE},
    "withdraw": {**_NOTE},
    "record_performance": {
        "status": serializers.ChoiceField(choices=Agreement.Performance.choices, required=False),
        "evidence": serializers.FileField(required=False),
        **_NOTE,
    },
    "apply_confirmation": {
        "court": _text(100),
        "applied_at": serializers.DateTimeField(required=False),
        "joint": serializers.BooleanField(required=False),
        "document": serializers.FileField(required=False),
    },
    "record_confirmation": {
        "result": serializers.ChoiceField(choices=Agreement.Confirmation.choices, required=False),
        "decided_at": serializers.DateTimeField(required=False),
        "document": serializers.FileField(required=False),
        **_NOTE,
    },
    "record_follow_up": {
        "follow_up": _id(_("回访 id，留空为最早一次待回访")),
        "method": serializers.ChoiceField(choices=FollowUp.Method.choices, required=False),
        "performed": serializers.ChoiceField(choices=FollowUp.Performed.choices, required=False),
        "satisfaction": serializers.IntegerField(required=False),
        "lawsuit": serializers.BooleanField(required=False),
        "escalation_risk": serializers.ChoiceField(choices=FollowUp.Risk.choices, required=False),
        "visited_at": serializers.DateTimeField(required=False),
        **_NOTE,
    },
    "attach_document": {
        "kind": serializers.ChoiceField(choices=DisputeDocument.Kind.choices, required=False),
        "title": _text(200),
        "file": serializers.FileField(required=False),
    },
    "archive": {**_NOTE},
    "respond_invitation": {
        "invitation": _id(_("邀请 id，留空为待回复的一条")),
        "accept": serializers.BooleanField(required=False, default=False),
        "note": _text(300),
    },
}


def action_input_serializer(action):
    name = "".join(part.capitalize() for part in action.split("_"))
    # Serializers deep-copy their declared fields per instance, so sharing one is safe.
    return type(f"Mediation{name}InputSerializer", (serializers.Serializer,), dict(ACTION_INPUTS[action]))


# ---------------------------------------------------------------- output


class MediationUserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class MediationPartySerializer(serializers.Serializer):
    """Identity and phone numbers are masked unless the caller needs them."""

    id = serializers.IntegerField(source="pk")
    side = serializers.CharField()
    side_label = serializers.CharField()
    kind_label = serializers.CharField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    representative = serializers.CharField()


class MediationDisputeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    source = _choice(DisputeSource.choices)
    dispute_type = _choice(DisputeType.choices)
    summary = serializers.CharField()
    state = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    community = serializers.CharField(source="community.name")
    committee = serializers.CharField(source="committee.name")
    lead_mediator = MediationUserRefSerializer(allow_null=True)
    criminal_risk = serializers.BooleanField()
    registered_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    concluded_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(MediationCodeLabelSerializer)
    def get_state(self, dispute):
        return {"code": dispute.state, "label": dispute.get_state_display()}

    @extend_schema_field(MediationCodeLabelSerializer(allow_null=True))
    def get_outcome(self, dispute):
        return {"code": dispute.outcome, "label": dispute.get_outcome_display()} if dispute.outcome else None

    def get_url(self, dispute) -> str:
        return reverse("api-mediation-dispute", args=[dispute.pk])


class MediationSessionSerializer(serializers.ModelSerializer):
    mediators = MediationUserRefSerializer(many=True)
    council_members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    attended_parties = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    attended_council = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    status = _choice(MediationSession.Status.choices)

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "sequence",
            "scheduled_at",
            "place",
            "is_public",
            "status",
            "mediators",
            "council_members",
            "attended_parties",
            "attended_council",
            "others_present",
            "summary",
            "next_steps",
            "recorded_at",
            "cancel_reason",
        ]


class MediationInvitationSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.user.display_name")
    member_kind = serializers.CharField(source="member.get_kind_display")
    status = _choice(CouncilInvitation.Status.choices)
    consented_parties = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    dispute_number = serializers.CharField(source="dispute.number")

    class Meta:
        model = CouncilInvitation
        fields = [
            "id",
            "dispute",
            "dispute_number",
            "member",
            "member_name",
            "member_kind",
            "reason",
            "invited_at",
            "consented_parties",
            "consent_note",
            "status",
            "responded_at",
            "response_note",
        ]


class MediationAgreementSerializer(serializers.ModelSerializer):
    kind = _choice(Agreement.Kind.choices)
    performance_status = _choice(Agreement.Performance.choices)
    confirmation_result = _choice(Agreement.Confirmation.choices, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "kind",
            "facts",
            "obligations",
            "performance_method",
            "performance_place",
            "performance_deadline",
            "signed_at",
            "copies",
            "performance_status",
            "performed_at",
            "confirmation_due_at",
            "confirmation_applied_at",
            "confirmation_court",
            "confirmation_result",
            "confirmation_decided_at",
        ]


class MediationFollowUpSerializer(serializers.ModelSerializer):
    status = _choice(FollowUp.Status.choices)
    method = _choice(FollowUp.Method.choices, allow_null=True)
    performed = _choice(FollowUp.Performed.choices, allow_null=True)
    escalation_risk = _choice(FollowUp.Risk.choices, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "sequence",
            "months_after",
            "due_on",
            "status",
            "visited_at",
            "method",
            "performed",
            "satisfaction",
            "lawsuit",
            "escalation_risk",
            "note",
        ]


class MediationEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.CharField(source="actor.display_name", default="")
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class MediationDocumentEntrySerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    when = serializers.DateTimeField(allow_null=True)
    generated = serializers.BooleanField(help_text=_("由系统按记录生成的 PDF；否则为上传的材料"))
    download = serializers.CharField()


class MediationActionRefSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class MediationDisputeDetailSerializer(MediationDisputeSerializer):
    claims = serializers.CharField()
    address = serializers.CharField()
    grid = serializers.CharField(source="grid.name", default=None)
    case_number = serializers.CharField(source="case.number", default=None)
    referral_org = serializers.CharField()
    referral_number = serializers.CharField()
    lead_chosen_by_parties = serializers.BooleanField()
    police_notified_at = serializers.DateTimeField(allow_null=True)
    rights_notice_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    other_routes = serializers.ListField(child=serializers.CharField())
    parties = serializers.SerializerMethodField()
    sessions = MediationSessionSerializer(many=True)
    invitations = MediationInvitationSerializer(many=True)
    agreement = serializers.SerializerMethodField()
    follow_ups = MediationFollowUpSerializer(many=True)
    timeline = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    @extend_schema_field(MediationPartySerializer(many=True))
    def get_parties(self, dispute):
        return MediationPartySerializer(self.context["parties"], many=True).data

    @extend_schema_field(MediationAgreementSerializer(allow_null=True))
    def get_agreement(self, dispute):
        agreement = self.context["agreement"]
        return MediationAgreementSerializer(agreement).data if agreement else None

    @extend_schema_field(MediationEventSerializer(many=True))
    def get_timeline(self, dispute):
        return MediationEventSerializer(self.context["timeline"], many=True).data

    @extend_schema_field(MediationDocumentEntrySerializer(many=True))
    def get_documents(self, dispute):
        return [document_entry(dispute, entry) for entry in self.context["entries"]]

    @extend_schema_field(MediationActionRefSerializer(many=True))
    def get_actions(self, dispute):
        return [
            {
                "action": t.action,
                "label": str(t.label),
                "url": reverse(f"api-mediation-{t.action.replace('_', '-')}", args=[dispute.pk]),
            }
            for t in self.context["actions"]
        ]


def document_entry(dispute, entry):
    return {
        "key": entry.key,
        "title": entry.title,
        "kind": entry.kind,
        "when": entry.when,
        "generated": entry.generated,
        "download": reverse("api-mediation-document", args=[dispute.pk, entry.key]),
    }


class MediationTrackSerializer(serializers.Serializer):
    """What a party learns by number and phone: progress and outcome, no one's details."""

    number = serializers.CharField()
    dispute_type = _choice(DisputeType.choices)
    state = serializers.CharField(source="get_state_display")
    committee = serializers.CharField(source="committee.name")
    registered_at = serializers.DateTimeField()
    outcome = serializers.CharField(source="get_outcome_display")
    concluded_at = serializers.DateTimeField(allow_null=True)
    next_session = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()

    @extend_schema_field(MediationSessionSerializer(allow_null=True))
    def get_next_session(self, dispute):
        session = self.context.get("next_session")
        return {"scheduled_at": session.scheduled_at, "place": session.place} if session else None

    @extend_schema_field(MediationAgreementSerializer(allow_null=True))
    def get_agreement(self, dispute):
        agreement = self.context.get("agreement")
        if agreement is None:
            return None
        return {
            "kind": agreement.get_kind_display(),
            "obligations": agreement.obligations,
            "performance_deadline": agreement.performance_deadline,
            "performance_status": agreement.get_performance_status_display(),
            "confirmation_due_at": agreement.confirmation_due_at,
        }


class MediationCommitteeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    community = serializers.CharField(source="community.name", default=None)


class MediationCouncilMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.display_name")
    kind = _choice(CouncilMember.Kind.choices)
    title = serializers.CharField()
    specialties = serializers.CharField()
    availability = serializers.CharField()
    available = serializers.BooleanField()


class MediationCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class MediationCommunityCountSerializer(serializers.Serializer):
    community = serializers.CharField(source="community__name")
    count = serializers.IntegerField()


class MediationFollowUpFiguresSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True)
    lawsuits = serializers.IntegerField()
    high_risk = serializers.IntegerField()


class MediationStatisticsSerializer(serializers.Serializer):
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    registered = serializers.IntegerField()
    concluded = serializers.IntegerField(help_text=_("达成协议与调解不成"))
    agreed = serializers.IntegerField()
    written = serializers.IntegerField()
    oral = serializers.IntegerField()
    failed = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True, help_text=_("达成协议 ÷ 调解终结"))
    average_days = serializers.FloatField(allow_null=True, help_text=_("登记至终结的平均天数"))
    performed = serializers.IntegerField()
    performance_rate = serializers.FloatField(allow_null=True)
    confirmation_applied = serializers.IntegerField()
    with_council = serializers.IntegerField(help_text=_("有议事会成员到场的调解终结纠纷数"))
    council_rate = serializers.FloatField(allow_null=True)
    council_members = serializers.IntegerField()
    by_type = MediationCountSerializer(many=True)
    by_source = MediationCountSerializer(many=True)
    by_outcome = MediationCountSerializer(many=True)
    by_community = MediationCommunityCountSerializer(many=True)
    follow_ups = MediationFollowUpFiguresSerializer()
