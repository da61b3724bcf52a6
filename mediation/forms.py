"""Web forms. They check shape only (a date is a date, a choice is on the list) and leave
every rule to mediation.services, whose per-field messages are put back on the form; so
the fields are optional here and the service says what is missing."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from gaoxin.inputs import ServiceForm
from gaoxin.punctuation import parenthesized
from grid.models import Community, Grid
from mediation import selectors
from mediation.models import (
    Agreement,
    Committee,
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

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TEXT = forms.Textarea(attrs={"rows": 3})
_LONG = forms.Textarea(attrs={"rows": 6})


def _text(label, widget=None, **kwargs):
    return forms.CharField(label=label, required=False, widget=widget, **kwargs)


def _pick(label, choices, **kwargs):
    """A choice that starts blank: what is recorded (a visit's findings, a court's ruling)
    must be chosen, not left at whatever option comes first."""
    return forms.ChoiceField(label=label, choices=[("", "—"), *choices], required=False, **kwargs)


# ---------------------------------------------------------------- intake


class ApplyForm(ServiceForm):
    """A resident's online application: the applicant, the other side, the dispute."""

    applicant_name = _text(_("您的姓名"), max_length=100)
    applicant_phone = _text(_("您的手机号"), max_length=20, help_text=_("凭纠纷编号和此号码查询进度"))
    applicant_id_number = _text(_("身份证号（选填）"), max_length=30)
    applicant_address = _text(_("住址（选填）"), max_length=200)
    respondent_kind = forms.ChoiceField(label=_("对方类型"), choices=Party.Kind.choices, initial=Party.Kind.PERSON)
    respondent_name = _text(_("对方姓名或单位名称"), max_length=100)
    respondent_phone = _text(_("对方电话（选填）"), max_length=20)
    respondent_address = _text(_("对方住址（选填）"), max_length=200)
    dispute_type = forms.ChoiceField(label=_("纠纷类型"), choices=[("", "—")] + DisputeType.choices, required=False)
    community = forms.ModelChoiceField(label=_("所在社区"), queryset=Community.objects.order_by("code"), required=False)
    address = _text(_("纠纷发生地（选填）"), max_length=200)
    summary = _text(_("纠纷简要情况"), _LONG, max_length=5000)
    claims = _text(_("您希望解决的问题"), _TEXT, max_length=2000)

    def params(self) -> dict:
        data = self.cleaned_data
        applicant = {
            "side": Party.Side.APPLICANT,
            "name": data["applicant_name"],
            "phone": data["applicant_phone"],
            "id_number": data["applicant_id_number"],
            "address": data["applicant_address"],
        }
        respondent = {
            "side": Party.Side.RESPONDENT,
            "kind": data["respondent_kind"],
            "name": data["respondent_name"],
            "phone": data["respondent_phone"],
            "address": data["respondent_address"],
        }
        return {
            "source": DisputeSource.RESIDENT_ONLINE,
            "parties": [applicant, respondent],
            "contact_phone": data["applicant_phone"],
            **{k: data[k] for k in ("dispute_type", "community", "address", "summary", "claims") if data[k]},
        }

    # The service's parties: the applicant first, then the other side.
    PARTY_PREFIXES = ("applicant", "respondent")

    def show_errors(self, error):
        for field, errors in error.error_dict.items():
            for problem in errors:
                target = "applicant_phone" if field == "contact_phone" else field
                if field == "parties":
                    index = (problem.params or {}).get("index")
                    prefix = self.PARTY_PREFIXES[index] if index in (0, 1) else ""
                    target = f"{prefix}_{problem.code}"
                self.add_error(target if target in self.fields else None, problem)


class RegisterForm(ApplyForm):
    """Registration at the desk, on the committee's initiative, or of a referral."""

    source = forms.ChoiceField(
        label=_("来源"), choices=[c for c in DisputeSource.choices if c[0] != DisputeSource.RESIDENT_ONLINE]
    )
    referral_org = _text(_("移送/委托单位"), max_length=100)
    referral_number = _text(_("移送文书编号"), max_length=100)
    case = _text(_("网格案件编号"), max_length=20, help_text=_("由网格案件转办时填写，案件保持关联"))
    grid = forms.ModelChoiceField(label=_("网格"), queryset=Grid.objects.order_by("code"), required=False)
    committee = forms.ModelChoiceField(
        label=_("调解组织"),
        queryset=Committee.objects.filter(active=True),
        required=False,
        help_text=_("留空则按来源和社区自动分派"),
    )
    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=Party.Kind.choices, initial=Party.Kind.PERSON)
    respondent_id_number = _text(_("对方证件号码（选填）"), max_length=30)
    criminal_risk = forms.BooleanField(label=_("可能激化为刑事案件，需报告公安机关"), required=False)

    field_order = [
        "source",
        "referral_org",
        "referral_number",
        "case",
        "dispute_type",
        "community",
        "grid",
        "committee",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (
            ("applicant_name", _("申请人姓名或名称")),
            ("applicant_phone", _("申请人电话")),
            ("applicant_id_number", _("申请人证件号码")),
            ("applicant_address", _("申请人住址")),
        ):
            self.fields[name].label = label
        self.fields["applicant_phone"].help_text = ""
        self.fields["claims"].label = _("申请事项")

    def params(self) -> dict:
        params = super().params()
        data = self.cleaned_data
        params["parties"][0]["kind"] = data["applicant_kind"]
        params["parties"][1]["id_number"] = data["respondent_id_number"]
        params["source"] = data["source"]
        params["criminal_risk"] = data["criminal_risk"]
        for name in ("referral_org", "referral_number", "case", "grid", "committee"):
            if data[name]:
                params[name] = data[name]
        return params


class TrackForm(forms.Form):
    number = forms.CharField(label=_("纠纷编号"), max_length=20)
    phone = forms.CharField(label=_("登记的手机号"), max_length=20)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=_DATE)
    end = forms.DateField(label=_("结束日期"), widget=_DATE)

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            if data.get(name) and not 2000 <= data[name].year <= 2100:
                self.add_error(name, _("日期超出范围"))
                return data
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("结束日期不能早于开始日期"))
        return data


# ---------------------------------------------------------------- workflow actions


class ActionForm(ServiceForm):
    """An action's form. Its querysets check what is posted; the options it shows come from
    `choices` (selectors.ActionChoices), shared by every form of a page."""

    def __init__(self, dispute, *args, user=None, choices=None, **kwargs):
        self.dispute, self.user = dispute, user
        self.choices = choices or selectors.ActionChoices(dispute, user)
        super().__init__(*args, **kwargs)
        self.setup()

    def setup(self):
        """Scope the choices to this dispute."""

    def worth_offering(self) -> bool:
        """Whether the page shows this form: not when it could only be refused."""
        return True


def _offer(field, queryset, rows, label=str):
    """Check posted values against `queryset`; show `rows`, already read for the page."""
    field.queryset = queryset
    options = [(row.pk, label(row)) for row in rows]
    if field.empty_label is not None:  # single choice: the "nothing chosen" line first
        options.insert(0, ("", field.empty_label))
    field.choices = options


def _name(user):
    return user.display_name


def _member_name(member):
    return member.user.display_name


def _choice(queryset, label, **kwargs):
    return forms.ModelChoiceField(queryset=queryset, label=label, required=False, **kwargs)


def _multiple(queryset, label):
    return forms.ModelMultipleChoiceField(
        queryset=queryset, label=label, required=False, widget=forms.CheckboxSelectMultiple
    )


class _LeadForm(ActionForm):
    lead_mediator = _choice(User.objects.none(), _("主调解员"))
    chosen_by_parties = forms.BooleanField(label=_("由当事人选定"), required=False)
    note = _text(_("说明"), _TEXT)

    def setup(self):
        mediators = selectors.committee_mediators(self.dispute)
        _offer(self.fields["lead_mediator"], mediators, self.choices.mediators, _name)


class AcceptForm(_LeadForm):
    def setup(self):
        super().setup()
        self.fields["lead_mediator"].help_text = _("留空则由您本人主持")


class ReassignForm(_LeadForm):
    pass


class TransferForm(ActionForm):
    committee = _choice(Committee.objects.none(), _("移交至"))
    note = _text(_("移交原因"), _TEXT)

    def setup(self):
        others = Committee.objects.filter(active=True).exclude(pk=self.dispute.committee_id)
        _offer(self.fields["committee"], others, self.choices.other_committees)


class NoteForm(ActionForm):
    note = _text(_("说明"), _TEXT)


class FlagPoliceForm(ActionForm):
    note = _text(_("报告的公安机关及方式"), _TEXT)


class RightsNoticeForm(ActionForm):
    method = forms.ChoiceField(
        label=_("告知方式"), choices=[("written", _("书面告知（当事人签收）")), ("oral", _("口头告知"))]
    )
    note = _text(_("说明"), _TEXT)


class InviteCouncilForm(ActionForm):
    member = _choice(CouncilMember.objects.none(), _("议事会成员"))
    consenting_parties = _multiple(Party.objects.none(), _("同意邀请的当事人"))
    consent_note = _text(_("当事人同意的方式"), max_length=300, help_text=_("如“双方当事人当面口头同意”"))
    reason = _text(_("邀请理由"), _TEXT, max_length=500)

    def setup(self):
        _offer(
            self.fields["member"],
            selectors.invitable_council(self.dispute),
            self.choices.invitable_council,
            lambda m: f"{parenthesized(m.user.display_name, m.get_kind_display())}{m.title} · {m.availability}",
        )
        _offer(self.fields["consenting_parties"], self.dispute.parties.all(), self.choices.parties)

    def worth_offering(self):
        return bool(self.choices.invitable_council)  # every council member is invited already


class ScheduleSessionForm(ActionForm):
    scheduled_at = forms.DateTimeField(label=_("调解时间"), required=False, widget=_DATETIME)
    place = _text(_("地点"), max_length=200)
    is_public = forms.BooleanField(label=_("公开调解（当事人选择）"), required=False)
    mediators = _multiple(User.objects.none(), _("调解员"))
    council_members = _multiple(CouncilMember.objects.none(), _("参加的乡贤议事会成员"))

    def setup(self):
        mediators = selectors.committee_mediators(self.dispute)
        _offer(self.fields["mediators"], mediators, self.choices.mediators, _name)
        self.fields["mediators"].help_text = _("留空则为主调解员")
        invited = self.dispute.invitations.exclude(status=CouncilInvitation.Status.DECLINED).values("member_id")
        council = CouncilMember.objects.filter(pk__in=invited)
        _offer(self.fields["council_members"], council, self.choices.schedulable_council, _member_name)
        self.fields["council_members"].help_text = _("只能选择经全体当事人同意邀请的成员")


class _SessionForm(ActionForm):
    session = _choice(MediationSession.objects.none(), _("调解会"))

    def setup(self):
        field = self.fields["session"]
        scheduled = self.dispute.sessions.filter(status=MediationSession.Status.SCHEDULED)
        _offer(
            field,
            scheduled,
            self.choices.scheduled_sessions,
            lambda s: f"#{s.sequence} {timezone.localtime(s.scheduled_at):%Y-%m-%d %H:%M} {s.place}",
        )
        field.initial = self.choices.next_scheduled_session


class CancelSessionForm(_SessionForm):
    note = _text(_("取消原因"), _TEXT)


class RecordSessionForm(_SessionForm):
    attended_parties = _multiple(Party.objects.none(), _("到场当事人"))
    attended_council = _multiple(CouncilMember.objects.none(), _("到场的乡贤议事会成员"))
    others_present = _text(_("其他到场人员"), max_length=300)
    summary = _text(_("调解经过（摘要）"), _LONG)
    next_steps = _text(_("下一步安排"), _TEXT)

    def setup(self):
        super().setup()
        _offer(self.fields["attended_parties"], self.dispute.parties.all(), self.choices.parties)
        council = CouncilMember.objects.filter(sessions__dispute=self.dispute).distinct()
        _offer(self.fields["attended_council"], council, self.choices.session_council, _member_name)


class AgreeWrittenForm(ActionForm):
    facts = _text(_("纠纷主要事实、争议事项及各方责任"), _LONG)
    obligations = _text(_("协议内容（各方的权利义务）"), _LONG)
    performance_method = _text(_("履行方式"), max_length=300)
    performance_place = _text(_("履行地点"), max_length=200)
    performance_deadline = forms.DateField(label=_("履行期限"), required=False, widget=_DATE)
    signed_at = forms.DateTimeField(label=_("签订时间"), required=False, widget=_DATETIME, help_text=_("留空为现在"))
    copies = forms.IntegerField(label=_("份数"), required=False, initial=3, min_value=2, max_value=10)
    sealed = forms.BooleanField(label=_("各方当事人和调解员已签名，已加盖调委会印章"), required=False)


class AgreeOralForm(ActionForm):
    obligations = _text(_("口头协议内容"), _LONG)
    performance_method = _text(_("履行方式"), max_length=300)
    performance_deadline = forms.DateField(label=_("履行期限"), required=False, widget=_DATE)


class FailForm(ActionForm):
    note = _text(_("调解不成的原因"), _TEXT)
    other_routes = forms.MultipleChoiceField(
        label=_("已告知的其他途径"), choices=OtherRoute.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    other_routes_note = _text(_("补充说明"), max_length=500)


class RefuseForm(ActionForm):
    party = _choice(Party.objects.none(), _("拒绝调解的当事人"))
    note = _text(_("拒绝调解的情况"), _TEXT)

    def setup(self):
        _offer(self.fields["party"], self.dispute.parties.all(), self.choices.parties)


class PerformanceForm(ActionForm):
    status = _pick(_("履行情况"), [c for c in Agreement.Performance.choices if c[0] != Agreement.Performance.PENDING])
    note = _text(_("说明"), _TEXT)
    evidence = forms.FileField(label=_("履行凭证（PDF、PNG、JPEG）"), required=False)


class ApplyConfirmationForm(ActionForm):
    court = _text(_("受理法院"), max_length=100)
    applied_at = forms.DateTimeField(label=_("申请时间"), required=False, widget=_DATETIME, help_text=_("留空为现在"))
    joint = forms.BooleanField(label=_("双方当事人共同申请"), required=False)
    document = forms.FileField(label=_("申请书（选填）"), required=False)


class RecordConfirmationForm(ActionForm):
    result = _pick(_("裁定结果"), Agreement.Confirmation.choices)
    decided_at = forms.DateTimeField(label=_("裁定时间"), required=False, widget=_DATETIME)
    note = _text(_("说明"), _TEXT)
    document = forms.FileField(label=_("裁定书（选填）"), required=False)


class FollowUpForm(ActionForm):
    follow_up = _choice(FollowUp.objects.none(), _("回访"))
    method = _pick(_("回访方式"), FollowUp.Method.choices)
    performed = _pick(_("协议履行情况"), FollowUp.Performed.choices)
    satisfaction = forms.TypedChoiceField(
        label=_("当事人满意度"),
        choices=[("", "—"), *((n, str(n)) for n in range(5, 0, -1))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    lawsuit = forms.BooleanField(label=_("当事人已就此纠纷起诉"), required=False)
    escalation_risk = _pick(_("矛盾激化风险"), FollowUp.Risk.choices)
    note = _text(_("回访情况"), _TEXT)

    def setup(self):
        field = self.fields["follow_up"]
        scheduled = self.dispute.follow_ups.filter(status=FollowUp.Status.SCHEDULED)
        visits = self.choices.scheduled_follow_ups
        _offer(field, scheduled, visits, _follow_up_label)
        field.initial = visits[0] if visits else None


def _follow_up_label(visit):
    # The msgid of the dispute page's follow-up list, so both read alike in every language.
    when = gettext("协议后 %(months)s 个月（%(day)s 前）") % {
        "months": visit.months_after,
        "day": f"{visit.due_on:%Y-%m-%d}",
    }
    return f"#{visit.sequence} {when}"


class AttachDocumentForm(ActionForm):
    kind = forms.ChoiceField(label=_("材料类别"), choices=DisputeDocument.Kind.choices)
    title = _text(_("名称"), max_length=200)
    file = forms.FileField(label=_("文件（PDF、PNG、JPEG）"), required=False)


class RespondInvitationForm(ActionForm):
    invitation = _choice(CouncilInvitation.objects.none(), _("邀请"), widget=forms.HiddenInput)
    accept = forms.TypedChoiceField(
        label=_("回复"),
        choices=[("1", _("接受邀请")), ("0", _("谢绝邀请"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = _text(_("说明"), max_length=300)

    def setup(self):
        own = self.dispute.invitations.filter(member__user=self.user)
        _offer(self.fields["invitation"], own, self.choices.own_invitations)

    def params(self):
        params = super().params()
        params["accept"] = self.cleaned_data.get("accept", False)
        return params


ACTION_FORMS = {
    "accept": AcceptForm,
    "transfer": TransferForm,
    "reassign": ReassignForm,
    "flag_police": FlagPoliceForm,
    "give_rights_notice": RightsNoticeForm,
    "invite_council": InviteCouncilForm,
    "schedule_session": ScheduleSessionForm,
    "cancel_session": CancelSessionForm,
    "record_session": RecordSessionForm,
    "agree_written": AgreeWrittenForm,
    "agree_oral": AgreeOralForm,
    "fail": FailForm,
    "refuse": RefuseForm,
    "withdraw": NoteForm,
    "record_performance": PerformanceForm,
    "apply_confirmation": ApplyConfirmationForm,
    "record_confirmation": RecordConfirmationForm,
    "record_follow_up": FollowUpForm,
    "attach_document": AttachDocumentForm,
    "archive": NoteForm,
    "respond_invitation": RespondInvitationForm,
}
