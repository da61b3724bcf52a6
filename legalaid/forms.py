"""Web forms. They check shape only (a date is a date, a choice is on the list) and leave
every rule to legalaid.services, whose per-field messages are put back on the form; so
most fields are optional here and the service says what is missing."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gaoxin.inputs import ServiceForm
from gaoxin.punctuation import parenthesized
from grid.models import Community
from legalaid.models import (
    Adviser,
    ApplicantGroup,
    Channel,
    Consultation,
    ConsultationTopic,
    FastTrackReason,
    FollowUpVisit,
    Lawyer,
    MatterStage,
    MatterType,
    NoticeAuthority,
    Outcome,
    PaperKind,
    ProgressNote,
    RefusalReason,
)

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_TEXT = forms.Textarea(attrs={"rows": 3})
_LONG = forms.Textarea(attrs={"rows": 6})
_PAPER_ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def _text(label, widget=None, **kwargs):
    return forms.CharField(label=label, required=False, widget=widget, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _PAPER_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


# ---------------------------------------------------------------- applications


class ApplicationFields(ServiceForm):
    """What every application asks: who, which group, the matter, the other side, the means."""

    applicant_name = _text(_("姓名"), max_length=50)
    applicant_id_number = _text(_("身份证号"), max_length=30)
    applicant_phone = _text(_("手机号"), max_length=20, help_text=_("凭申请编号和此号码查询进度"))
    applicant_address = _text(_("住址（选填）"), max_length=200)
    community = forms.ModelChoiceField(
        label=_("所在社区（选填）"), queryset=Community.objects.order_by("code"), required=False
    )
    groups = forms.MultipleChoiceField(
        label=_("您属于以下哪类人员？（可多选，没有可不选）"),
        choices=ApplicantGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    stage = forms.ChoiceField(label=_("现在到了哪一步"), choices=[("", "—"), *MatterStage.choices], required=False)
    other_party = _text(_("对方是谁（个人姓名或单位名称）"), max_length=100)
    other_party_id_number = _text(_("对方证件号码或统一社会信用代码（选填）"), max_length=30)
    facts = _text(_("发生了什么"), _LONG, max_length=5000)
    claims = _text(_("您希望解决什么问题"), _TEXT, max_length=2000)
    household_size = forms.IntegerField(label=_("家庭人口"), required=False, min_value=1, max_value=30)
    monthly_income = forms.DecimalField(
        label=_("家庭月收入（元）"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    hardship_statement = _text(_("家庭经济困难情况"), _TEXT, max_length=2000)
    hardship_declared = forms.BooleanField(label=_("我承诺以上经济状况真实，如有不实愿承担责任"), required=False)
    preferred_language = _text(_("希望律师会讲的语言（选填，如粤语）"), max_length=20)
    wishes = _text(_("其他要求（选填）"), max_length=300)


class ApplyForm(ApplicationFields):
    """A resident's online application for one matter type, with a file input for each
    paper the matter type needs."""

    def __init__(self, *args, matter_type: MatterType, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter_type = matter_type
        for kind in matter_type.papers:
            if kind in PaperKind.values:
                self.fields[f"paper_{kind}"] = MultipleFileField(label=PaperKind(kind).label)
        self.fields[f"paper_{PaperKind.OTHER}"] = MultipleFileField(label=_("其他材料（选填）"))

    def paper_fields(self):
        return [self[name] for name in self.fields if name.startswith("paper_")]

    def params(self) -> dict:
        data = self.cleaned_data
        papers = [
            {"kind": name.removeprefix("paper_"), "file": upload}
            for name, uploads in data.items()
            if name.startswith("paper_")
            for upload in uploads
        ]
        params = {k: v for k, v in super().params().items() if not k.startswith("paper_")}
        return {**params, "channel": Channel.ONLINE, "matter_type": self.matter_type, "papers": papers}

    def show_errors(self, error):
        for field, messages in error.message_dict.items():
            if field == "papers":
                field = next((name for name in self.fields if name.startswith("paper_")), None)
            self.add_error(field if field in self.fields else None, messages)


class RegisterForm(ApplicationFields):
    """Filing at the service centre, by a grid officer for a resident, or a notice from a
    court, procuratorate or police."""

    channel = forms.ChoiceField(
        label=_("申请方式"), choices=[c for c in Channel.choices if c[0] not in (Channel.ONLINE, Channel.ADVISER)]
    )
    matter_type = forms.ModelChoiceField(
        label=_("事项类型"), queryset=MatterType.objects.filter(active=True), required=False
    )
    notice_authority = forms.ChoiceField(
        label=_("通知机关类别"), choices=[("", "—"), *NoticeAuthority.choices], required=False
    )
    notice_org = _text(_("通知机关"), max_length=100, help_text=_("如“珠海市香洲区人民法院”"))
    notice_number = _text(_("通知书文号"), max_length=100)
    notice_received_at = forms.DateTimeField(label=_("收到通知时间"), required=False, widget=_DATETIME)
    preferred_lawyer = forms.ModelChoiceField(
        label=_("申请人希望指派的律师（选填）"),
        queryset=Lawyer.objects.filter(status=Lawyer.Status.ACTIVE).select_related("firm"),
        required=False,
    )
    papers = MultipleFileField(label=_("申请材料（PDF、PNG 或 JPEG）"))
    paper_kind = forms.ChoiceField(
        label=_("材料类别"), choices=PaperKind.choices, initial=PaperKind.IDENTITY, required=False
    )

    field_order = ["channel", "notice_authority", "notice_org", "notice_number", "notice_received_at", "matter_type"]

    def params(self) -> dict:
        params = super().params()
        kind = params.pop("paper_kind", "") or PaperKind.OTHER
        params["papers"] = [{"kind": kind, "file": upload} for upload in params.pop("papers", [])]
        return params


class TrackForm(forms.Form):
    number = forms.CharField(label=_("申请编号"), max_length=16)
    phone = forms.CharField(label=_("申请时填写的手机号"), max_length=20)


# ---------------------------------------------------------------- workflow actions


class RequestPapersForm(ServiceForm):
    items = forms.MultipleChoiceField(
        label=_("需要补充的全部材料（只能告知一次）"),
        choices=PaperKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = _text(_("补充说明"), _TEXT, max_length=1000)
    due_on = forms.DateField(
        label=_("补充期限（留空为默认期限）"), required=False, widget=_DATE, help_text=_("逾期未补充视为撤回申请")
    )


class SupplyPapersForm(ServiceForm):
    kind = forms.ChoiceField(label=_("材料类别"), choices=PaperKind.choices)
    files = MultipleFileField(label=_("文件（PDF、PNG 或 JPEG，可多选）"))
    complete = forms.BooleanField(label=_("材料已齐全（协调员确认）"), required=False)


class FastTrackForm(ServiceForm):
    reason = forms.ChoiceField(
        label=_("先行指派理由"),
        choices=FastTrackReason.choices,
        widget=forms.RadioSelect,
        initial=FastTrackReason.GREEN_CHANNEL,
    )
    identity_note = _text(
        _("身份核验情况"), max_length=300, help_text=_("如：已核对身份证原件；已电话核实用工单位/派出所出警记录")
    )
    basis = _text(
        _("先行指派依据"),
        _TEXT,
        max_length=1000,
        initial=_("《中华人民共和国法律援助法》第四十二条、第四十四条；本区农民工、家庭暴力受害人法律援助绿色通道规定"),
    )
    missing_papers = forms.MultipleChoiceField(
        label=_("待后补的材料"), choices=PaperKind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class NoteForm(ServiceForm):
    note = _text(_("意见"), _TEXT, max_length=2000)


class RefuseForm(ServiceForm):
    reason = forms.ChoiceField(label=_("不予援助理由"), choices=[("", "—"), *RefusalReason.choices], required=False)
    note = _text(_("具体理由（载入书面决定）"), _LONG, max_length=2000)


class ObjectForm(ServiceForm):
    reason = _text(_("异议理由"), _LONG, max_length=2000)
    received_on = forms.DateField(label=_("收到书面异议的日期（协调员登记时填写）"), required=False, widget=_DATE)


class AssignForm(ServiceForm):
    lawyer = forms.ModelChoiceField(
        label=_("律师"),
        queryset=Lawyer.objects.filter(status=Lawyer.Status.ACTIVE).select_related("firm"),
        required=False,
        help_text=_("默认轮候建议的律师"),
    )
    override_reason = _text(_("未按建议指派的理由"), max_length=300, help_text=_("改派时必填，记入审计"))


class ReasonForm(ServiceForm):
    reason = _text(_("理由"), _TEXT, max_length=300)


class SignAgreementForm(ServiceForm):
    signed_on = forms.DateField(label=_("签订日期"), required=False, widget=_DATE)


class ProgressForm(ServiceForm):
    kind = forms.ChoiceField(label=_("类别"), choices=ProgressNote.Kind.choices)
    happened_on = forms.DateField(label=_("日期"), required=False, widget=_DATE)
    note = _text(_("情况"), _TEXT, max_length=3000)


class CloseForm(ServiceForm):
    outcome = forms.ChoiceField(label=_("案件结果"), choices=[("", "—"), *Outcome.choices], required=False)
    report = _text(_("结案报告"), _LONG, max_length=10000, help_text=_("办案经过、结果和受援人意见"))


class FollowUpForm(ServiceForm):
    method = forms.ChoiceField(label=_("回访方式"), choices=FollowUpVisit.Method.choices)
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        choices=[(n, n) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
    )
    note = _text(_("回访情况"), _TEXT, max_length=2000)


class WithdrawForm(ServiceForm):
    reason = _text(_("撤回原因"), _TEXT, max_length=300)


ACTION_FORMS = {
    "request_papers": RequestPapersForm,
    "supply_papers": SupplyPapersForm,
    "fast_track": FastTrackForm,
    "approve": NoteForm,
    "refuse": RefuseForm,
    "object": ObjectForm,
    "uphold_refusal": NoteForm,
    "correct_refusal": NoteForm,
    "assign": AssignForm,
    "accept": ServiceForm,
    "decline": ReasonForm,
    "sign_agreement": SignAgreementForm,
    "record_progress": ProgressForm,
    "change_lawyer": ReasonForm,
    "close": CloseForm,
    "follow_up": FollowUpForm,
    "withdraw": WithdrawForm,
}


def action_form(action, *, data=None, files=None, suggestion=None, missing=None, role_is_coordinator=False):
    """The form of one action as this user sees it (coordinator-only fields dropped)."""
    form = ACTION_FORMS[action](data=data, files=files, prefix=action)
    if action == "supply_papers":
        if not role_is_coordinator:
            del form.fields["complete"]
        if missing:
            form.fields["kind"].initial = missing[0]
    if action == "object" and not role_is_coordinator:
        del form.fields["received_on"]
    if action == "assign" and suggestion is not None:
        form.fields["lawyer"].initial = suggestion.lawyer.pk
        form.fields["lawyer"].label_from_instance = lambda lawyer: parenthesized(lawyer.name, lawyer.firm.name)
    return form


# ---------------------------------------------------------------- advisers


class ConsultationForm(ServiceForm):
    community = forms.ModelChoiceField(label=_("社区"), queryset=Community.objects.none(), required=False)
    consulted_at = forms.DateTimeField(label=_("咨询时间（留空为现在）"), required=False, widget=_DATETIME)
    person_name = _text(_("咨询人"), max_length=50)
    person_phone = _text(_("联系电话"), max_length=20)
    topic = forms.ChoiceField(label=_("咨询类别"), choices=[("", "—"), *ConsultationTopic.choices], required=False)
    question = _text(_("咨询问题"), _TEXT, max_length=3000)
    advice = _text(_("解答意见"), _TEXT, max_length=3000)
    referral = forms.ChoiceField(
        label=_("处理结果"),
        choices=Consultation.Referral.choices,
        initial=Consultation.Referral.NONE,
        widget=forms.RadioSelect,
    )
    referral_note = _text(_("转介说明（选填）"), max_length=300)
    other_party = _text(_("对方当事人（转介时填写）"), max_length=100)
    claims = _text(_("请求事项（转介时填写）"), _TEXT, max_length=2000)
    applicant_id_number = _text(_("咨询人身份证号（转法律援助时填写）"), max_length=30)
    matter_type = forms.ModelChoiceField(
        label=_("援助事项类型（转法律援助时填写）"), queryset=MatterType.objects.filter(active=True), required=False
    )
    stage = forms.ChoiceField(label=_("案件阶段"), choices=[("", "—"), *MatterStage.choices], required=False)
    groups = forms.MultipleChoiceField(
        label=_("所属群体"), choices=ApplicantGroup.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, adviser: Adviser, **kwargs):
        super().__init__(*args, **kwargs)
        communities = adviser.communities.order_by("code")
        self.fields["community"].queryset = communities
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk

    def params(self) -> dict:
        params = super().params()
        if params.get("referral") == Consultation.Referral.NONE:
            for name in ("other_party", "claims", "applicant_id_number", "matter_type", "stage", "groups"):
                params.pop(name, None)
        return params


class ShiftForm(ServiceForm):
    community = forms.ModelChoiceField(label=_("社区"), queryset=Community.objects.order_by("code"), required=False)
    day = forms.DateField(label=_("日期"), required=False, widget=_DATE)
    adviser = forms.ModelChoiceField(
        label=_("法律顾问"), queryset=Adviser.objects.filter(active=True).select_related("user"), required=False
    )
    place = _text(_("值班地点"), max_length=100)
    hours = _text(_("值班时间"), max_length=50)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=_DATE)
    end = forms.DateField(label=_("结束日期"), widget=_DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期"))
        if start and end and (end - start).days > 3660:
            self.add_error("start", _("统计期间不能超过十年"))
        return data


def default_period():
    today = timezone.localdate()
    return {"start": today - timedelta(days=29), "end": today}
