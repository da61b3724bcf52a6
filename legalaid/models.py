"""Legal aid (法律援助): matter types and the papers each needs, the lawyer panel (firms and
lawyers), applications with their papers, decisions, objections and assignments, the
rotation's skip log, case progress and follow-up; and the community legal advisers'
duty roster and consultations. Every change goes through legalaid.services;
ApplicationEvent is the audit trail."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gaoxin.punctuation import parenthesized
from gaoxin.workflow import DaySequence, WorkflowEvent
from grid.models import Community


class Specialism(models.TextChoices):
    LABOUR = "labour", _("劳动争议")
    FAMILY = "family", _("婚姻家庭")
    TORT = "tort", _("人身损害赔偿")
    CONTRACT = "contract", _("合同与债务")
    ADMINISTRATIVE = "administrative", _("行政与社会保障")
    CRIMINAL = "criminal", _("刑事")
    MINORS = "minors", _("未成年人保护")


class ApplicantGroup(models.TextChoices):
    MIGRANT_WORKER = "migrant_worker", _("农民工")
    DV_VICTIM = "dv_victim", _("家庭暴力受害人")
    DISABLED = "disabled", _("残疾人")
    ELDERLY = "elderly", _("老年人")
    MINOR = "minor", _("未成年人")
    VETERAN = "veteran", _("军人军属、优抚对象")
    LOW_INCOME = "low_income", _("低保、特困等社会救助对象")


# Legal Aid Law Art 42(2): recipients of social assistance and entitled groups (优抚对象)
# are exempt from the means test whatever the matter.
ALWAYS_EXEMPT_GROUPS = frozenset({ApplicantGroup.LOW_INCOME, ApplicantGroup.VETERAN})


class PaperKind(models.TextChoices):
    IDENTITY = "identity", _("身份证件")
    HARDSHIP = "hardship", _("经济困难状况说明表")
    LABOUR_RELATION = "labour_relation", _("劳动关系证明（劳动合同、工牌、考勤记录等）")
    WAGE_EVIDENCE = "wage_evidence", _("欠薪证据（工资条、欠条、银行流水等）")
    INJURY_CERTIFICATE = "injury_certificate", _("工伤认定书或伤情证明")
    DV_EVIDENCE = "dv_evidence", _("家庭暴力证据（告诫书、报警回执、伤情照片等）")
    GROUP_PROOF = "group_proof", _("特定群体证明（残疾证、低保证等）")
    CASE_DOCUMENTS = "case_documents", _("案件材料（起诉状、判决书、传票等）")
    NOTICE = "notice", _("公检法机关的指派通知书")
    OTHER = "other", _("其他材料")


class MatterStage(models.TextChoices):
    NEGOTIATION = "negotiation", _("协商或诉前")
    ARBITRATION = "arbitration", _("劳动仲裁")
    FIRST_INSTANCE = "first_instance", _("一审")
    SECOND_INSTANCE = "second_instance", _("二审")
    ENFORCEMENT = "enforcement", _("执行")
    INVESTIGATION = "investigation", _("侦查阶段")
    PROSECUTION = "prosecution", _("审查起诉阶段")
    TRIAL = "trial", _("刑事审判阶段")
    NON_LITIGATION = "non_litigation", _("非诉讼事务（如申请人身安全保护令）")


def _groups_field(verbose_name, help_text=""):
    return ArrayField(
        models.CharField(max_length=20, choices=ApplicantGroup.choices),
        verbose_name=verbose_name,
        default=list,
        blank=True,
        help_text=help_text,
    )


class MatterType(models.Model):
    """A kind of matter residents apply for, with what it takes: the specialism and
    experience a lawyer needs, the papers, which groups skip the means test and which
    qualify for the green channel. Local practice, edited in the admin."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    specialism = models.CharField(_("所需专业"), max_length=20, choices=Specialism.choices)
    min_years = models.PositiveSmallIntegerField(
        _("最低执业年限"),
        default=0,
        help_text=_("如可能判处无期徒刑、死刑的案件须三年以上执业经历（法律援助法第26条）"),
    )
    papers = ArrayField(
        models.CharField(max_length=20, choices=PaperKind.choices), verbose_name=_("所需材料"), default=list, blank=True
    )
    exempt_groups = _groups_field(_("免予经济困难审查的群体"), _("法律援助法第32条、第42条"))
    green_channel_groups = _groups_field(_("可走绿色通道的群体"), _("先指派、后补材料"))
    guidance = models.TextField(_("办理指引"), blank=True, help_text=_("用通俗的话告诉申请人要准备什么"))
    criminal = models.BooleanField(_("刑事案件"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("援助事项类型")
        verbose_name_plural = _("援助事项类型")

    def __str__(self):
        return self.name

    def paper_labels(self):
        return [PaperKind(kind).label for kind in self.papers if kind in PaperKind.values]


# ---------------------------------------------------------------- the lawyer panel


class LawFirm(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    licence_number = models.CharField(_("执业许可证号"), max_length=30, unique=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    active = models.BooleanField(_("在册"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("律师事务所")
        verbose_name_plural = _("律师事务所")

    def __str__(self):
        return self.name


class Lawyer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        SUSPENDED = "suspended", _("暂停指派")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="panel_lawyer",
        verbose_name=_("账号"),
    )
    firm = models.ForeignKey(LawFirm, on_delete=models.PROTECT, related_name="lawyers", verbose_name=_("律师事务所"))
    name = models.CharField(_("姓名"), max_length=50)
    licence_number = models.CharField(_("执业证号"), max_length=30, unique=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    licensed_year = models.PositiveSmallIntegerField(_("首次执业年份"))
    specialisms = ArrayField(
        models.CharField(max_length=20, choices=Specialism.choices), verbose_name=_("专业领域"), default=list
    )
    languages = ArrayField(models.CharField(max_length=20), verbose_name=_("语言"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_note = models.CharField(_("状态说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["firm__name", "name"]
        verbose_name = _("援助律师")
        verbose_name_plural = _("援助律师")
        indexes = [GinIndex(fields=["specialisms"], name="lawyer_specialisms")]

    def __str__(self):
        return parenthesized(self.name, self.firm.name)

    @property
    def years_of_practice(self) -> int:
        return max(timezone.localdate().year - self.licensed_year, 0)

    def specialism_labels(self):
        return [Specialism(code).label for code in self.specialisms if code in Specialism.values]


class FirmAdverseParty(models.Model):
    """A party a firm acted against in a matter outside this system (declared by the
    firm), for the conflict-of-interest check; aid cases in the system count by themselves."""

    firm = models.ForeignKey(LawFirm, on_delete=models.CASCADE, related_name="adverse_parties")
    name = models.CharField(_("对方当事人"), max_length=100)
    name_key = models.CharField(max_length=100, editable=False, db_index=True)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    note = models.CharField(_("案件说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("律所历史案件对方当事人")
        verbose_name_plural = _("律所历史案件对方当事人")

    def __str__(self):
        return f"{self.firm} · {self.name}"

    def save(self, *args, **kwargs):
        self.name_key = party_key(self.name)
        super().save(*args, **kwargs)


def party_key(name: str) -> str:
    """A name as the conflict check compares it: no spaces, case folded."""
    return "".join((name or "").split()).casefold()


# ---------------------------------------------------------------- applications


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    DESK = "desk", _("窗口申请")
    GRID_OFFICER = "grid_officer", _("网格员代为申请")
    ADVISER = "adviser", _("法律顾问转介")
    NOTICE = "notice", _("公检法机关通知辩护/代理")


class NoticeAuthority(models.TextChoices):
    COURT = "court", _("人民法院")
    PROCURATORATE = "procuratorate", _("人民检察院")
    POLICE = "police", _("公安机关")


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("待审查")
    AWAITING_PAPERS = "awaiting_papers", _("待补充材料")
    APPROVED = "approved", _("待指派")
    ASSIGNED = "assigned", _("待律师确认")
    IN_PROGRESS = "in_progress", _("承办中")
    CLOSED = "closed", _("已结案")
    REFUSED = "refused", _("不予援助")
    OBJECTED = "objected", _("异议审查中")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATES = frozenset(
    {
        ApplicationState.SUBMITTED,
        ApplicationState.AWAITING_PAPERS,
        ApplicationState.APPROVED,
        ApplicationState.ASSIGNED,
        ApplicationState.IN_PROGRESS,
        ApplicationState.OBJECTED,
    }
)


class FastTrackReason(models.TextChoices):
    GREEN_CHANNEL = "green_channel", _("绿色通道：农民工、家庭暴力受害人，先指派后补材料")
    LIMITATION = "limitation", _("距诉讼时效或法定期限届满不足七日（法律援助法第44条）")
    PRESERVATION = "preservation", _("需立即申请财产保全、证据保全或先予执行（法律援助法第44条）")


class RefusalReason(models.TextChoices):
    MEANS = "means", _("经济状况不符合法律援助标准")
    SCOPE = "scope", _("申请事项不属于法律援助范围")
    NO_BASIS = "no_basis", _("申请事项缺乏事实或法律依据")
    JURISDICTION = "jurisdiction", _("不属于本机构受理范围")
    OTHER = "other", _("其他原因")


class Outcome(models.TextChoices):
    WON = "won", _("主张得到支持")
    PARTLY = "partly", _("主张部分得到支持")
    SETTLED = "settled", _("调解或和解结案")
    LOST = "lost", _("主张未获支持")
    TERMINATED = "terminated", _("终止法律援助")


class ApplicationDaySequence(DaySequence):
    """Per-day counter behind application numbers."""


class Application(models.Model):
    number = models.CharField(_("申请编号"), max_length=16, unique=True)
    channel = models.CharField(_("申请方式"), max_length=16, choices=Channel.choices)
    notice_authority = models.CharField(_("通知机关类别"), max_length=16, choices=NoticeAuthority.choices, blank=True)
    notice_org = models.CharField(_("通知机关"), max_length=100, blank=True)
    notice_number = models.CharField(_("通知书文号"), max_length=100, blank=True)
    notice_received_at = models.DateTimeField(_("收到通知时间"), null=True, blank=True)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="legal_aid_applications",
        verbose_name=_("网上申请人账号"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applicant_name = models.CharField(_("申请人姓名"), max_length=50)
    applicant_key = models.CharField(max_length=100, editable=False, db_index=True)
    applicant_id_number = models.CharField(_("身份证号"), max_length=30)
    applicant_phone = models.CharField(_("联系电话"), max_length=20)
    applicant_address = models.CharField(_("住址"), max_length=200, blank=True)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_aid_applications",
        verbose_name=_("所在社区"),
    )
    groups = _groups_field(_("所属群体"))

    matter_type = models.ForeignKey(
        MatterType, on_delete=models.PROTECT, related_name="applications", verbose_name=_("事项类型")
    )
    stage = models.CharField(_("案件阶段"), max_length=20, choices=MatterStage.choices)
    other_party = models.CharField(_("对方当事人"), max_length=100, blank=True)
    other_party_key = models.CharField(max_length=100, editable=False, db_index=True, blank=True)
    other_party_id_number = models.CharField(_("对方证件号码"), max_length=30, blank=True)
    facts = models.TextField(_("案情简述"))
    claims = models.TextField(_("请求事项"))

    means_exempt = models.BooleanField(_("免予经济困难审查"), default=False)
    exemption_note = models.CharField(_("免审依据"), max_length=300, blank=True)
    household_size = models.PositiveSmallIntegerField(_("家庭人口"), null=True, blank=True)
    monthly_income = models.DecimalField(_("家庭月收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    hardship_statement = models.TextField(_("经济困难状况说明"), blank=True)
    hardship_declared = models.BooleanField(_("已承诺所填属实"), default=False)

    preferred_language = models.CharField(_("希望律师使用的语言"), max_length=20, blank=True)
    preferred_lawyer = models.ForeignKey(
        Lawyer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("希望指派的律师")
    )
    wishes = models.CharField(_("其他意愿"), max_length=300, blank=True)

    state = models.CharField(_("状态"), max_length=16, choices=ApplicationState.choices, db_index=True)
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    stage_started_at = models.DateTimeField(_("本环节开始"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("申请时间"), db_index=True)
    complete_at = models.DateTimeField(_("材料齐全时间"), null=True, blank=True)

    green_eligible = models.BooleanField(
        _("符合绿色通道条件"), default=False, help_text=_("所属群体与事项类型可走绿色通道（身份待核验）")
    )
    green_channel = models.BooleanField(_("绿色通道"), default=False)
    fast_track_reason = models.CharField(_("先行指派理由"), max_length=16, choices=FastTrackReason.choices, blank=True)
    fast_track_basis = models.TextField(_("先行指派依据"), blank=True)
    identity_note = models.CharField(_("身份核验情况"), max_length=300, blank=True)
    fast_tracked_at = models.DateTimeField(_("先行指派决定时间"), null=True, blank=True)
    fast_tracked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.CharField(_("不予援助理由"), max_length=16, choices=RefusalReason.choices, blank=True)
    refusal_note = models.TextField(_("不予援助的具体理由"), blank=True)
    approved_at = models.DateTimeField(_("决定给予援助时间"), null=True, blank=True)

    lawyer = models.ForeignKey(
        Lawyer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="current_applications",
        verbose_name=_("承办律师"),
    )
    first_assigned_at = models.DateTimeField(_("首次指派时间"), null=True, blank=True)

    outcome = models.CharField(_("案件结果"), max_length=12, choices=Outcome.choices, blank=True)
    closing_report = models.TextField(_("结案报告"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("法律援助申请")
        verbose_name_plural = _("法律援助申请")
        indexes = [
            models.Index(fields=["state", "due_at"], name="legalaid_app_state_due"),
            models.Index(fields=["lawyer", "state"], name="legalaid_app_lawyer_state"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.applicant_key = party_key(self.applicant_name)
        self.other_party_key = party_key(self.other_party)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "applicant_key", "other_party_key"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def group_labels(self):
        return [ApplicantGroup(code).label for code in self.groups if code in ApplicantGroup.values]


def _paper_path(instance, filename):
    application = instance.application
    return f"legalaid/{application.submitted_at:%Y/%m}/{application.number}/{filename}"


class Paper(models.Model):
    """A paper uploaded with or after the application (checked for type and size)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="papers")
    kind = models.CharField(_("材料类别"), max_length=20, choices=PaperKind.choices)
    title = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to=_paper_path)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    supplement = models.BooleanField(_("补交"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.title}"


class PapersRequest(models.Model):
    """The one request for missing papers (Art 43: asked once, in one list), or the
    papers a fast-tracked application still owes after its lawyer was assigned."""

    class Status(models.TextChoices):
        OPEN = "open", _("待补充")
        SUPPLIED = "supplied", _("已补齐")
        LAPSED = "lapsed", _("逾期未补（视为撤回）")
        OVERDUE = "overdue", _("逾期未补（已提醒）")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="papers_request")
    items = ArrayField(models.CharField(max_length=20, choices=PaperKind.choices), verbose_name=_("需补充的材料"))
    note = models.TextField(_("补充说明"), blank=True)
    fast_track = models.BooleanField(_("先指派后补材料"), default=False)
    requested_at = models.DateTimeField(_("告知时间"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("补充期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    supplied_at = models.DateTimeField(_("补齐时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补充材料通知")
        verbose_name_plural = _("补充材料通知")
        indexes = [models.Index(fields=["status", "due_at"], name="legalaid_papers_status_due")]

    def __str__(self):
        return f"{self.application} · {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.OVERDUE)

    def item_labels(self):
        return [PaperKind(kind).label for kind in self.items if kind in PaperKind.values]


class Objection(models.Model):
    """An objection to a refusal (Art 49), reviewed within 5 days of receipt."""

    class Result(models.TextChoices):
        UPHELD = "upheld", _("维持不予援助决定")
        CORRECTED = "corrected", _("责令改正，给予法律援助")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="objection")
    reason = models.TextField(_("异议理由"))
    received_at = models.DateTimeField(_("收到异议时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("审查期限"))
    result = models.CharField(_("审查结果"), max_length=10, choices=Result.choices, blank=True)
    review_note = models.TextField(_("审查意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")

    def __str__(self):
        return f"{self.application} · {self.get_result_display() or _('待审查')}"


class Assignment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待律师确认")
        ACCEPTED = "accepted", _("承办中")
        DECLINED = "declined", _("律师未接受")
        REPLACED = "replaced", _("已更换律师")
        COMPLETED = "completed", _("已结案")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    lawyer = models.ForeignKey(Lawyer, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("律师"))
    suggested = models.ForeignKey(
        Lawyer, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("轮候建议的律师")
    )
    override_reason = models.CharField(_("未按建议指派的理由"), max_length=300, blank=True)
    assigned_at = models.DateTimeField(_("指派时间"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    accepted_at = models.DateTimeField(_("确认承办时间"), null=True, blank=True)
    agreement_due_at = models.DateTimeField(_("委托协议签订期限"))
    agreement_signed_at = models.DateTimeField(_("委托协议签订时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("指派")
        verbose_name_plural = _("指派")
        indexes = [models.Index(fields=["lawyer", "status"], name="legalaid_assignment_load")]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["pending", "accepted"]),
                name="legalaid_one_active_assignment",
            )
        ]

    def __str__(self):
        return f"{self.application} · {self.lawyer.name}"


ACTIVE_ASSIGNMENT = (Assignment.Status.PENDING, Assignment.Status.ACCEPTED)


class RotationSkip(models.Model):
    """A lawyer whose turn it was, passed over at an assignment, and why."""

    class Reason(models.TextChoices):
        CONFLICT = "conflict", _("利益冲突")
        LANGUAGE = "language", _("申请人语言意愿")
        PREFERRED = "preferred", _("申请人指定律师意愿")
        DECLINED = "declined", _("律师曾拒绝本案")
        REPLACED = "replaced", _("申请人曾要求更换该律师")
        OVERRIDE = "override", _("协调员改派")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="skips")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="skips")
    lawyer = models.ForeignKey(Lawyer, on_delete=models.PROTECT, related_name="skips")
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("轮候跳过记录")
        verbose_name_plural = _("轮候跳过记录")

    def __str__(self):
        return f"{self.application} · {self.lawyer.name} · {self.get_reason_display()}"


class ProgressNote(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("会见或约谈当事人")
        INVESTIGATION = "investigation", _("调查取证")
        FILING = "filing", _("立案或提起仲裁")
        HEARING = "hearing", _("开庭或仲裁庭审")
        MEDIATION = "mediation", _("调解或和解")
        JUDGMENT = "judgment", _("判决、裁决或决定")
        OTHER = "other", _("其他")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="progress_notes")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    happened_on = models.DateField(_("日期"))
    note = models.TextField(_("情况"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["happened_on", "id"]
        verbose_name = _("办案进展")
        verbose_name_plural = _("办案进展")

    def __str__(self):
        return f"{self.application_id} · {self.happened_on} {self.get_kind_display()}"


class FollowUpVisit(models.Model):
    class Method(models.TextChoices):
        PHONE = "phone", _("电话回访")
        VISIT = "visit", _("上门回访")
        MEETING = "meeting", _("来访面谈")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="follow_up")
    method = models.CharField(_("回访方式"), max_length=10, choices=Method.choices)
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.TextField(_("回访情况"), blank=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("回访时间"))

    class Meta:
        verbose_name = _("结案回访")
        verbose_name_plural = _("结案回访")

    def __str__(self):
        return f"{self.application_id} · {self.satisfaction}/5"


class ApplicationEvent(WorkflowEvent):
    """One immutable line of an application's timeline, written with the change it records."""

    subject_field = "application"
    edit_refused = _("办理记录不可修改")
    delete_refused = _("办理记录不可删除")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, choices=ApplicationState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=ApplicationState.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("申请办理记录")
        verbose_name_plural = _("申请办理记录")
        indexes = [models.Index(fields=["application", "created_at"], name="legalaid_event_timeline")]

    def __str__(self):
        return f"{self.application_id} · {self.action}"


# ---------------------------------------------------------------- community legal advisers


class Adviser(models.Model):
    """A community legal adviser (村居法律顾问): not a role of its own but a profile on a
    lawyer's account, serving one or more communities."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="legal_adviser", verbose_name=_("账号")
    )
    lawyer = models.OneToOneField(
        Lawyer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adviser",
        verbose_name=_("援助律师档案"),
    )
    communities = models.ManyToManyField(Community, related_name="legal_advisers", verbose_name=_("服务社区"))
    office_phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["user__first_name"]
        verbose_name = _("社区法律顾问")
        verbose_name_plural = _("社区法律顾问")

    def __str__(self):
        return self.user.display_name


class DutyShift(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="legal_duty_shifts")
    day = models.DateField(_("日期"))
    adviser = models.ForeignKey(Adviser, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("法律顾问"))
    place = models.CharField(_("值班地点"), max_length=100, default="社区法律服务室")
    hours = models.CharField(_("值班时间"), max_length=50, default="09:00-12:00 14:30-17:30")

    class Meta:
        ordering = ["day", "community__code"]
        verbose_name = _("法律顾问值班")
        verbose_name_plural = _("法律顾问值班")
        constraints = [
            models.UniqueConstraint(fields=["community", "day", "adviser"], name="legalaid_shift_unique"),
        ]
        indexes = [models.Index(fields=["day", "community"], name="legalaid_shift_day")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.community} · {self.adviser}"


class RosterGapAlert(models.Model):
    """A community-day without an adviser on duty that coordinators were told about (so
    the periodic check tells them once)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    alerted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "day"], name="legalaid_gap_alert_once")]

    def __str__(self):
        return f"{self.day} · {self.community_id}"


class ConsultationTopic(models.TextChoices):
    LABOUR = "labour", _("劳动与工资")
    FAMILY = "family", _("婚姻家庭与继承")
    NEIGHBOUR = "neighbour", _("邻里与物业")
    PROPERTY = "property", _("房屋与土地")
    CONTRACT = "contract", _("合同与借贷")
    INJURY = "injury", _("人身损害与交通事故")
    CONSUMER = "consumer", _("消费权益")
    ADMINISTRATIVE = "administrative", _("行政与社会保障")
    CRIMINAL = "criminal", _("刑事")
    OTHER = "other", _("其他")


class Consultation(models.Model):
    class Referral(models.TextChoices):
        NONE = "none", _("解答完毕")
        LEGAL_AID = "legal_aid", _("转法律援助")
        MEDIATION = "mediation", _("转人民调解")

    adviser = models.ForeignKey(Adviser, on_delete=models.PROTECT, related_name="consultations")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="legal_consultations", verbose_name=_("社区")
    )
    consulted_at = models.DateTimeField(_("咨询时间"), db_index=True)
    person_name = models.CharField(_("咨询人"), max_length=50)
    person_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    topic = models.CharField(_("咨询类别"), max_length=16, choices=ConsultationTopic.choices)
    question = models.TextField(_("咨询问题"))
    advice = models.TextField(_("解答意见"))
    referral = models.CharField(_("处理结果"), max_length=10, choices=Referral.choices, default=Referral.NONE)
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("转介的援助申请"),
    )
    dispute_number = models.CharField(_("转介的调解纠纷编号"), max_length=20, blank=True)
    referral_note = models.CharField(_("转介说明"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["-consulted_at", "-id"]
        verbose_name = _("法律咨询")
        verbose_name_plural = _("法律咨询")
        indexes = [models.Index(fields=["community", "consulted_at"], name="legalaid_consult_community")]

    def __str__(self):
        return f"{self.consulted_at:%Y-%m-%d} {self.person_name} · {self.get_topic_display()}"
