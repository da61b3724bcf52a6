"""The shapes of the legal-aid API: query and input serializers check shape only (the
services check the rules), output serializers describe what is returned, for the
OpenAPI schema as much as for the responses."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from legalaid.models import (
    ApplicantGroup,
    Channel,
    Consultation,
    ConsultationTopic,
    FastTrackReason,
    FollowUpVisit,
    MatterStage,
    NoticeAuthority,
    Outcome,
    PaperKind,
    ProgressNote,
    RefusalReason,
    Specialism,
)
from legalaid.workflow import QUEUES, SPECIAL_QUEUES


def _text(max_length, **kwargs):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, required=False, **kwargs)


def _choices(choices, **kwargs):
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), required=False, **kwargs)


def _files(**kwargs):
    return serializers.ListField(
        child=serializers.FileField(), required=False, max_length=20, help_text=_("PDF、PNG 或 JPEG"), **kwargs
    )


class LegalAidCodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


def _code_label(value, label):
    return {"code": value, "label": str(label)} if value else None


# ---------------------------------------------------------------- queries


class LegalAidApplicationListQuerySerializer(serializers.Serializer):
    queue = serializers.ChoiceField(choices=[*QUEUES, *SPECIAL_QUEUES], required=False)
    q = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text=_("编号、姓名或内容"))


class LegalAidTrackQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=16)
    phone = serializers.CharField(max_length=20)


class LegalAidPeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, data):
        if data["start"] > data["end"]:
            raise serializers.ValidationError({"end": [_("结束日期不能早于开始日期")]})
        if (data["end"] - data["start"]).days > 3660:
            raise serializers.ValidationError({"start": [_("统计期间不能超过十年")]})
        return data


class LegalAidRosterQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text=_("默认今天"))
    days = serializers.IntegerField(required=False, min_value=1, max_value=62, default=14)
    community = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class LegalAidDayQuerySerializer(serializers.Serializer):
    day = serializers.DateField(required=False, help_text=_("默认今天"))


class LegalAidPanelQuerySerializer(serializers.Serializer):
    specialism = serializers.ChoiceField(choices=Specialism.choices, required=False)
    q = serializers.CharField(max_length=50, required=False, allow_blank=True)


# ---------------------------------------------------------------- input


class _ApplicationInput(serializers.Serializer):
    matter_type = serializers.SlugField(max_length=30, help_text=_("事项类型代码，见 matter-types"))
    stage = _choice(MatterStage.choices)
    applicant_name = _text(50)
    applicant_id_number = _text(30)
    applicant_phone = _text(20)
    applicant_address = _text(200)
    community = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    groups = _choices(ApplicantGroup.choices)
    other_party = _text(100)
    other_party_id_number = _text(30)
    facts = _text(5000)
    claims = _text(2000)
    household_size = serializers.IntegerField(required=False, min_value=1, max_value=30)
    monthly_income = serializers.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=0)
    hardship_statement = _text(2000)
    hardship_declared = serializers.BooleanField(required=False)
    preferred_language = _text(20)
    wishes = _text(300)


class LegalAidApplySerializer(_ApplicationInput):
    """A resident's online application (papers are uploaded afterwards with track/papers)."""


class LegalAidSubmitSerializer(_ApplicationInput):
    """Filing by staff: at the desk, by a grid officer, or a notice from a court,
    procuratorate or police."""

    channel = serializers.ChoiceField(choices=[c for c in Channel.choices if c[0] != Channel.ADVISER])
    notice_authority = _choice(NoticeAuthority.choices)
    notice_org = _text(100)
    notice_number = _text(100)
    notice_received_at = serializers.DateTimeField(required=False)
    preferred_lawyer = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class LegalAidPublicPapersSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=16)
    phone = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=PaperKind.choices)
    files = _files()


_DAY = {"required": False}
ACTION_INPUTS = {
    "request_papers": {
        "items": _choices(PaperKind.choices, help_text=_("需要补充的全部材料（只能告知一次）")),
        "note": _text(1000),
        "due_on": serializers.DateField(**_DAY),
    },
    "supply_papers": {
        "kind": _choice(PaperKind.choices),
        "files": _files(),
        "complete": serializers.BooleanField(required=False, help_text=_("协调员确认材料已齐全")),
    },
    "fast_track": {
        "reason": _choice(FastTrackReason.choices),
        "basis": _text(1000),
        "identity_note": _text(300),
        "missing_papers": _choices(PaperKind.choices),
    },
    "approve": {"note": _text(1000)},
    "refuse": {"reason": _choice(RefusalReason.choices), "note": _text(2000)},
    "object": {"reason": _text(2000), "received_on": serializers.DateField(**_DAY)},
    "uphold_refusal": {"note": _text(2000)},
    "correct_refusal": {"note": _text(2000)},
    "assign": {
        "lawyer": serializers.IntegerField(
            required=False, min_value=1, max_value=2**31 - 1, help_text=_("默认轮候建议")
        ),
        "override_reason": _text(300),
    },
    "accept": {},
    "decline": {"reason": _text(300)},
    "sign_agreement": {"signed_on": serializers.DateField(**_DAY)},
    "record_progress": {
        "kind": _choice(ProgressNote.Kind.choices),
        "happened_on": serializers.DateField(**_DAY),
        "note": _text(3000),
    },
    "change_lawyer": {"reason": _text(300)},
    "close": {"outcome": _choice(Outcome.choices), "report": _text(10000)},
    "follow_up": {
        "method": _choice(FollowUpVisit.Method.choices),
        "satisfaction": serializers.IntegerField(required=False, min_value=1, max_value=5),
        "note": _text(2000),
    },
    "withdraw": {"reason": _text(300)},
}


def action_input_serializer(action):
    name = "".join(part.capitalize() for part in action.split("_"))
    return type(f"LegalAid{name}InputSerializer", (serializers.Serializer,), dict(ACTION_INPUTS[action]))


class LegalAidShiftCreateSerializer(serializers.Serializer):
    community = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    day = serializers.DateField()
    adviser = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    place = _text(100)
    hours = _text(50)


class LegalAidConsultationCreateSerializer(serializers.Serializer):
    community = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    consulted_at = serializers.DateTimeField(required=False)
    person_name = _text(50)
    person_phone = _text(20)
    topic = _choice(ConsultationTopic.choices)
    question = _text(3000)
    advice = _text(3000)
    referral = _choice(Consultation.Referral.choices)
    referral_note = _text(300)
    other_party = _text(100)
    claims = _text(2000)
    applicant_id_number = _text(30)
    matter_type = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    stage = _choice(MatterStage.choices)
    groups = _choices(ApplicantGroup.choices)


# ---------------------------------------------------------------- output


class LegalAidLawyerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    firm = serializers.CharField(source="firm.name")


class LegalAidApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    channel = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    matter_type = serializers.CharField(source="matter_type.code")
    matter_type_name = serializers.CharField(source="matter_type.name")
    applicant_name = serializers.CharField()
    community = serializers.CharField(source="community.name", allow_null=True, default=None)
    green_eligible = serializers.BooleanField()
    green_channel = serializers.BooleanField()
    lawyer = LegalAidLawyerRefSerializer(allow_null=True)
    submitted_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    papers_due_at = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(LegalAidCodeLabelSerializer)
    def get_channel(self, application):
        return _code_label(application.channel, application.get_channel_display())

    @extend_schema_field(LegalAidCodeLabelSerializer)
    def get_state(self, application):
        return _code_label(application.state, application.get_state_display())

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_papers_due_at(self, application):
        papers_request = _missing(application)
        return papers_request.due_at.isoformat() if papers_request and papers_request.is_pending else None

    def get_url(self, application) -> str:
        return reverse("api-legalaid-application", args=[application.pk])


def _missing(application):
    from legalaid.selectors import papers_request_of

    return papers_request_of(application)


class LegalAidPapersRequestSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.CharField())
    item_labels = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()
    fast_track = serializers.BooleanField()
    requested_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    status = serializers.CharField()
    supplied_at = serializers.DateTimeField(allow_null=True)


class LegalAidPaperSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    size = serializers.IntegerField()
    supplement = serializers.BooleanField()
    uploaded_at = serializers.DateTimeField()


class LegalAidObjectionSerializer(serializers.Serializer):
    reason = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    result = serializers.CharField()
    review_note = serializers.CharField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class LegalAidAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lawyer = LegalAidLawyerRefSerializer()
    suggested = serializers.IntegerField(source="suggested_id", allow_null=True)
    override_reason = serializers.CharField()
    assigned_at = serializers.DateTimeField()
    status = serializers.CharField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    agreement_due_at = serializers.DateTimeField()
    agreement_signed_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()


class LegalAidSkipSerializer(serializers.Serializer):
    lawyer = serializers.IntegerField(source="lawyer_id")
    lawyer_name = serializers.CharField(source="lawyer.name")
    reason = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class LegalAidProgressSerializer(serializers.Serializer):
    kind = serializers.CharField()
    happened_on = serializers.DateField()
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class LegalAidEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.CharField(source="actor.display_name", allow_null=True, default=None)
    actor_role = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class LegalAidActionHintSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class LegalAidApplicationDetailSerializer(LegalAidApplicationSerializer):
    """Identity and phone numbers are masked unless the caller needs them."""

    applicant_id_number = serializers.SerializerMethodField()
    applicant_phone = serializers.SerializerMethodField()
    applicant_address = serializers.CharField()
    groups = serializers.ListField(child=serializers.CharField())
    stage = serializers.CharField()
    other_party = serializers.CharField()
    other_party_id_number = serializers.SerializerMethodField()
    facts = serializers.CharField()
    claims = serializers.CharField()
    means_exempt = serializers.BooleanField()
    exemption_note = serializers.CharField()
    household_size = serializers.IntegerField(allow_null=True)
    monthly_income = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    hardship_declared = serializers.BooleanField()
    notice = serializers.SerializerMethodField()
    complete_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    refusal_reason = serializers.SerializerMethodField()
    refusal_note = serializers.CharField()
    fast_track_reason = serializers.CharField()
    fast_track_basis = serializers.CharField()
    identity_note = serializers.CharField()
    fast_tracked_at = serializers.DateTimeField(allow_null=True)
    first_assigned_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.SerializerMethodField()
    closing_report = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    papers_request = serializers.SerializerMethodField()
    objection = serializers.SerializerMethodField()
    papers = LegalAidPaperSerializer(many=True, source="papers.all")
    assignments = LegalAidAssignmentSerializer(many=True, source="assignments.all")
    skips = LegalAidSkipSerializer(many=True, source="skips.all")
    progress = LegalAidProgressSerializer(many=True, source="progress_notes.all")
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def _personal(self):
        return self.context["personal"]

    def get_applicant_id_number(self, application) -> str:
        return self._personal().applicant_id_number

    def get_applicant_phone(self, application) -> str:
        return self._personal().applicant_phone

    def get_other_party_id_number(self, application) -> str:
        return self._personal().other_party_id_number

    @extend_schema_field(serializers.DictField(child=serializers.CharField(allow_null=True), allow_null=True))
    def get_notice(self, application):
        if not application.notice_authority:
            return None
        received = application.notice_received_at
        return {
            "authority": application.notice_authority,
            "org": application.notice_org,
            "number": application.notice_number,
            "received_at": received.isoformat() if received else None,
        }

    @extend_schema_field(LegalAidCodeLabelSerializer(allow_null=True))
    def get_refusal_reason(self, application):
        return _code_label(application.refusal_reason, application.get_refusal_reason_display())

    @extend_schema_field(LegalAidCodeLabelSerializer(allow_null=True))
    def get_outcome(self, application):
        return _code_label(application.outcome, application.get_outcome_display())

    @extend_schema_field(LegalAidPapersRequestSerializer(allow_null=True))
    def get_papers_request(self, application):
        papers_request = self.context.get("papers_request_obj")
        return LegalAidPapersRequestSerializer(papers_request).data if papers_request else None

    @extend_schema_field(LegalAidObjectionSerializer(allow_null=True))
    def get_objection(self, application):
        objection = self.context.get("objection")
        return LegalAidObjectionSerializer(objection).data if objection else None

    @extend_schema_field(LegalAidEventSerializer(many=True))
    def get_timeline(self, application):
        return LegalAidEventSerializer(self.context["timeline"], many=True).data

    @extend_schema_field(LegalAidActionHintSerializer(many=True))
    def get_actions(self, application):
        return [
            {
                "action": t.action,
                "label": str(t.label),
                "url": reverse(f"api-legalaid-{t.action.replace('_', '-')}", args=[application.pk]),
            }
            for t in self.context["actions"]
        ]


class LegalAidTrackSerializer(serializers.Serializer):
    """What the public look-up shows: progress, never another person's details."""

    number = serializers.CharField()
    matter_type = serializers.CharField(source="matter_type.name")
    state = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField()
    green_channel = serializers.BooleanField()
    lawyer = serializers.SerializerMethodField()
    papers_request = serializers.SerializerMethodField()
    refusal_reason = serializers.SerializerMethodField()
    refusal_note = serializers.CharField()
    outcome = serializers.SerializerMethodField()

    @extend_schema_field(LegalAidCodeLabelSerializer)
    def get_state(self, application):
        return _code_label(application.state, application.get_state_display())

    @extend_schema_field(serializers.DictField(child=serializers.CharField(), allow_null=True))
    def get_lawyer(self, application):
        lawyer = application.lawyer
        if lawyer is None:
            return None
        return {"name": lawyer.name, "firm": lawyer.firm.name, "phone": lawyer.firm.phone}

    @extend_schema_field(LegalAidPapersRequestSerializer(allow_null=True))
    def get_papers_request(self, application):
        papers_request = _missing(application)
        return LegalAidPapersRequestSerializer(papers_request).data if papers_request else None

    @extend_schema_field(LegalAidCodeLabelSerializer(allow_null=True))
    def get_refusal_reason(self, application):
        return _code_label(application.refusal_reason, application.get_refusal_reason_display())

    @extend_schema_field(LegalAidCodeLabelSerializer(allow_null=True))
    def get_outcome(self, application):
        return _code_label(application.outcome, application.get_outcome_display())


class LegalAidCandidateSerializer(serializers.Serializer):
    lawyer = LegalAidLawyerRefSerializer()
    open_cases = serializers.IntegerField()
    last_assigned_at = serializers.DateTimeField(allow_null=True)
    conflict = serializers.CharField()
    excluded = serializers.CharField()
    speaks = serializers.BooleanField()


class LegalAidSuggestionSerializer(serializers.Serializer):
    suggestion = LegalAidCandidateSerializer(allow_null=True)
    honours = serializers.CharField()
    wish_note = serializers.CharField()
    candidates = LegalAidCandidateSerializer(many=True)


class LegalAidMatterTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    specialism = serializers.CharField()
    min_years = serializers.IntegerField()
    papers = serializers.ListField(child=serializers.CharField())
    paper_labels = serializers.ListField(child=serializers.CharField())
    exempt_groups = serializers.ListField(child=serializers.CharField())
    green_channel_groups = serializers.ListField(child=serializers.CharField())
    guidance = serializers.CharField()


class LegalAidLawyerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    firm = serializers.CharField(source="firm.name")
    licence_number = serializers.CharField()
    specialisms = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField())
    years_of_practice = serializers.IntegerField()
    status = serializers.CharField()
    open_cases = serializers.IntegerField()
    total_cases = serializers.IntegerField()


class LegalAidShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.DateField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    adviser = serializers.IntegerField(source="adviser_id")
    adviser_name = serializers.CharField(source="adviser.user.display_name")
    place = serializers.CharField()
    hours = serializers.CharField()


class LegalAidGapSerializer(serializers.Serializer):
    day = serializers.DateField()
    community = serializers.IntegerField()
    community_name = serializers.CharField()


class LegalAidRosterSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    shifts = LegalAidShiftSerializer(many=True)
    gaps = LegalAidGapSerializer(many=True)


class LegalAidOnDutyAdviserSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    place = serializers.CharField()
    hours = serializers.CharField()


class LegalAidOnDutySerializer(serializers.Serializer):
    community = serializers.CharField()
    community_code = serializers.CharField()
    advisers = LegalAidOnDutyAdviserSerializer(many=True)


class LegalAidConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.CharField(source="community.name")
    adviser = serializers.CharField(source="adviser.user.display_name")
    consulted_at = serializers.DateTimeField()
    person_name = serializers.CharField()
    topic = serializers.CharField()
    question = serializers.CharField()
    advice = serializers.CharField()
    referral = serializers.CharField()
    application = serializers.CharField(source="application.number", allow_null=True, default=None)
    dispute_number = serializers.CharField()


class LegalAidCountSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    count = serializers.IntegerField()


class LegalAidStatisticsSerializer(serializers.Serializer):
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    applications = serializers.IntegerField()
    by_channel = LegalAidCountSerializer(many=True)
    by_group = LegalAidCountSerializer(many=True)
    by_matter = serializers.ListField(child=serializers.DictField())
    approved = serializers.IntegerField()
    fast_tracked = serializers.IntegerField()
    refused = serializers.IntegerField()
    objections = serializers.IntegerField()
    upheld = serializers.IntegerField()
    corrected = serializers.IntegerField()
    lapsed = serializers.IntegerField()
    refusal_reasons = LegalAidCountSerializer(many=True)
    green = serializers.DictField()
    papers = serializers.DictField(child=serializers.IntegerField())
    assignments = serializers.IntegerField()
    overrides = serializers.IntegerField()
    per_lawyer = serializers.ListField(child=serializers.DictField())
    per_firm = serializers.ListField(child=serializers.DictField())
    fairness = serializers.ListField(child=serializers.DictField())
    closed = serializers.IntegerField()
    outcomes = LegalAidCountSerializer(many=True)
    satisfaction = serializers.DictField()
    consultations = serializers.IntegerField()
    consultations_by_community = serializers.ListField(child=serializers.DictField())
    consultation_referrals = LegalAidCountSerializer(many=True)
