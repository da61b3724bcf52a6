"""People's mediation: committees and their mediators, the council of community notables,
disputes with their parties, sessions, agreements, follow-up visits and the case file.
Every change goes through mediation.services; DisputeEvent is the audit trail."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gaoxin.punctuation import parenthesized
from gaoxin.workflow import DaySequence, WorkflowEvent
from grid.models import Community, Grid


class Committee(models.Model):
    """A mediation body: a community mediation committee, the police station's mediation
    room or the district's branded studio that joins them."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("社区人民调解委员会")
        POLICE = "police", _("派出所调解室")
        STUDIO = "studio", _("品牌调解工作室")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_committees",
        verbose_name=_("社区"),
        help_text=_("社区调委会所在社区；工作室和派出所调解室留空"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CommitteeMembership",
        related_name="mediation_committees",
        blank=True,
        verbose_name=_("调解员"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == self.Kind.COMMUNITY and not self.community_id:
            raise ValidationError({"community": _("社区调委会必须指定社区")})


class CommitteeMembership(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mediation_memberships",
        verbose_name=_("调解员"),
    )
    is_head = models.BooleanField(_("调委会主任"), default=False)

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        constraints = [models.UniqueConstraint(fields=["committee", "user"], name="mediation_membership_unique")]

    def __str__(self):
        return f"{self.committee} · {self.user}"


class CouncilMember(models.Model):
    """A member of the council of notables (乡贤议事会): not a platform role but a
    profile on an account, so a deputy or an elder keeps whatever role they already hold."""

    class Kind(models.TextChoices):
        NOTABLE = "notable", _("乡贤")
        ELDER = "elder", _("宗族长老")
        DEPUTY = "deputy", _("人大代表")
        LAWYER = "lawyer", _("社区律师")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="council_profile", verbose_name=_("账号")
    )
    kind = models.CharField(_("身份"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("职务或简介"), max_length=200, blank=True, help_text=_("如“区人大代表、退休教师”"))
    community = models.ForeignKey(
        Community, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("所在社区")
    )
    specialties = models.CharField(_("擅长领域"), max_length=200, blank=True, help_text=_("如“邻里、婚姻家庭”"))
    availability = models.CharField(_("可参与时间"), max_length=200, blank=True, help_text=_("如“工作日晚上、周末”"))
    available = models.BooleanField(_("当前可接受邀请"), default=True)
    active = models.BooleanField(_("在册"), default=True)

    class Meta:
        ordering = ["kind", "user__first_name"]
        verbose_name = _("乡贤议事会成员")
        verbose_name_plural = _("乡贤议事会成员")

    def __str__(self):
        return parenthesized(self.user.display_name, self.get_kind_display())


class DisputeType(models.TextChoices):
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭纠纷")
    PROPERTY = "property", _("物业纠纷")
    LABOUR = "labour", _("劳资纠纷")
    LAND = "land", _("土地山林纠纷")
    CONSUMER = "consumer", _("消费纠纷")
    TRAFFIC = "traffic", _("交通事故纠纷")
    CONTRACT = "contract", _("合同纠纷")
    DAMAGE = "damage", _("损害赔偿纠纷")
    OTHER = "other", _("其他纠纷")


class DisputeSource(models.TextChoices):
    RESIDENT_ONLINE = "resident_online", _("当事人网上申请")
    DESK = "desk", _("当事人窗口申请")
    COMMITTEE = "committee", _("调委会主动调解")
    GRID_OFFICER = "grid_officer", _("网格员上报")
    POLICE = "police", _("公安机关移送")
    COURT = "court", _("人民法院委托")
    HOTLINE = "hotline", _("12345热线转办")
    CASE = "case", _("网格案件转办")
    ADVISER = "adviser", _("法律顾问转介")


REFERRAL_SOURCES = frozenset({DisputeSource.POLICE, DisputeSource.COURT, DisputeSource.HOTLINE, DisputeSource.ADVISER})


class DisputeState(models.TextChoices):
    REGISTERED = "registered", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_MEDIATION = "in_mediation", _("调解中")
    AGREED_WRITTEN = "agreed_written", _("达成书面协议")
    AGREED_ORAL = "agreed_oral", _("达成口头协议")
    FAILED = "failed", _("调解不成")
    REFUSED = "refused", _("当事人拒绝调解")
    WITHDRAWN = "withdrawn", _("已撤回")
    ARCHIVED = "archived", _("已归档")


class Outcome(models.TextChoices):
    """How a dispute ended; kept after archiving, when the state no longer says it."""

    AGREED_WRITTEN = "agreed_written", _("达成书面协议")
    AGREED_ORAL = "agreed_oral", _("达成口头协议")
    FAILED = "failed", _("调解不成")
    REFUSED = "refused", _("当事人拒绝调解")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATES = frozenset({DisputeState.REGISTERED, DisputeState.ACCEPTED, DisputeState.IN_MEDIATION})
AGREED_OUTCOMES = frozenset({Outcome.AGREED_WRITTEN, Outcome.AGREED_ORAL})
# Mediations that ran to an end: the denominator of the success rate.
CONCLUDED_OUTCOMES = AGREED_OUTCOMES | {Outcome.FAILED}


class OtherRoute(models.TextChoices):
    """Routes the parties are told of when mediation fails (Art 26)."""

    LITIGATION = "litigation", _("向人民法院提起诉讼")
    ARBITRATION = "arbitration", _("申请仲裁")
    LABOUR_ARBITRATION = "labour_arbitration", _("申请劳动人事争议仲裁")
    ADMINISTRATIVE = "administrative", _("请求有关行政机关处理")
    LEGAL_AID = "legal_aid", _("申请法律援助")
    OTHER = "other", _("其他途径")


class DisputeDaySequence(DaySequence):
    """Per-day counter behind dispute numbers."""


class Dispute(models.Model):
    number = models.CharField(_("纠纷编号"), max_length=16, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=DisputeSource.choices)
    referral_org = models.CharField(_("移送/委托单位"), max_length=100, blank=True)
    referral_number = models.CharField(_("移送文书编号"), max_length=100, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_disputes",
        verbose_name=_("关联网格案件"),
    )
    dispute_type = models.CharField(_("纠纷类型"), max_length=12, choices=DisputeType.choices)
    summary = models.TextField(_("纠纷简要情况"))
    claims = models.TextField(_("申请事项"), blank=True)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="mediation_disputes", verbose_name=_("社区")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="mediation_disputes", verbose_name=_("网格")
    )
    address = models.CharField(_("纠纷发生地"), max_length=200, blank=True)
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("调解组织")
    )
    lead_mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_disputes",
        verbose_name=_("主调解员"),
    )
    lead_chosen_by_parties = models.BooleanField(_("由当事人选定"), default=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediation_applications",
        verbose_name=_("网上申请人"),
    )
    contact_phone = models.CharField(_("联系电话"), max_length=20, help_text=_("凭纠纷编号和此电话查询进度"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    state = models.CharField(_("状态"), max_length=16, choices=DisputeState.choices, db_index=True)
    outcome = models.CharField(_("调解结果"), max_length=16, choices=Outcome.choices, blank=True)
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True)

    criminal_risk = models.BooleanField(_("可能激化为刑事案件"), default=False)
    police_notified_at = models.DateTimeField(_("报告公安机关时间"), null=True, blank=True)
    police_note = models.CharField(_("报告情况"), max_length=500, blank=True)
    rights_notice_at = models.DateTimeField(_("权利义务告知时间"), null=True, blank=True)
    rights_notice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rights_notice_method = models.CharField(_("告知方式"), max_length=10, blank=True)
    end_reason = models.TextField(_("终止原因"), blank=True, help_text=_("拒绝调解、调解不成或撤回的原因"))
    other_routes = models.JSONField(_("告知的其他途径"), default=list, blank=True)
    other_routes_note = models.CharField(_("其他途径说明"), max_length=500, blank=True)

    registered_at = models.DateTimeField(_("登记时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    first_session_at = models.DateTimeField(_("首次调解时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("调解终结时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = _("纠纷")
        verbose_name_plural = _("纠纷")
        indexes = [
            models.Index(fields=["committee", "state"], name="dispute_committee_state"),
            models.Index(fields=["concluded_at"], name="dispute_concluded_at"),
            models.Index(fields=["lead_mediator", "state"], name="dispute_lead_state"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Party(models.Model):
    class Side(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        THIRD = "third", _("第三人")

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("单位")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("身份"), max_length=12, choices=Side.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("姓名或名称"), max_length=100)
    id_number = models.CharField(_("身份证号或统一社会信用代码"), max_length=30, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    representative = models.CharField(_("法定代表人或代理人"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self):
        return f"{self.get_side_display()} {self.name}"


class CouncilInvitation(models.Model):
    """A council member asked into a dispute, with the consent of every party (Art 20)."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("待回复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("议事会成员")
    )
    reason = models.CharField(_("邀请理由"), max_length=500, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("邀请时间"))
    consented_parties = models.ManyToManyField(Party, related_name="+", verbose_name=_("同意的当事人"))
    consent_note = models.CharField(_("同意方式"), max_length=300, help_text=_("如“双方当事人当面口头同意”"))
    status = models.CharField(_("回复"), max_length=10, choices=Status.choices, default=Status.AWAITING)
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    response_note = models.CharField(_("回复说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        verbose_name = _("议事会邀请")
        verbose_name_plural = _("议事会邀请")
        constraints = [models.UniqueConstraint(fields=["dispute", "member"], name="invitation_once_per_member")]

    def __str__(self):
        return f"{self.dispute} · {self.member}"


class MediationSession(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已安排")
        HELD = "held", _("已举行")
        CANCELLED = "cancelled", _("已取消")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    sequence = models.PositiveSmallIntegerField(_("次序"))
    scheduled_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    is_public = models.BooleanField(_("公开调解"), default=False, help_text=_("由当事人选择公开或不公开"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="mediation_sessions", blank=True)
    council_members = models.ManyToManyField(CouncilMember, related_name="sessions", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attended_parties = models.ManyToManyField(Party, related_name="+", blank=True, verbose_name=_("到场当事人"))
    attended_council = models.ManyToManyField(CouncilMember, related_name="+", blank=True)
    others_present = models.CharField(_("其他到场人员"), max_length=300, blank=True)
    summary = models.TextField(_("调解经过"), blank=True)
    next_steps = models.TextField(_("下一步安排"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["dispute", "sequence"]
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")
        constraints = [models.UniqueConstraint(fields=["dispute", "sequence"], name="session_sequence_unique")]

    def __str__(self):
        return f"{self.dispute} #{self.sequence}"


class Agreement(models.Model):
    class Kind(models.TextChoices):
        WRITTEN = "written", _("书面协议")
        ORAL = "oral", _("口头协议")

    class Performance(models.TextChoices):
        PENDING = "pending", _("待履行")
        PARTLY = "partly", _("部分履行")
        PERFORMED = "performed", _("已履行")
        NOT_PERFORMED = "not_performed", _("未履行")

    class Confirmation(models.TextChoices):
        CONFIRMED = "confirmed", _("已确认有效")
        REJECTED = "rejected", _("驳回申请")

    dispute = models.OneToOneField(Dispute, on_delete=models.CASCADE, related_name="agreement")
    kind = models.CharField(_("形式"), max_length=10, choices=Kind.choices)
    facts = models.TextField(_("纠纷主要事实、争议事项及各方责任"), blank=True)
    obligations = models.TextField(_("协议内容（当事人的权利义务）"))
    performance_method = models.CharField(_("履行方式"), max_length=300, blank=True)
    performance_place = models.CharField(_("履行地点"), max_length=200, blank=True)
    performance_deadline = models.DateField(_("履行期限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签订时间"))
    sealed = models.BooleanField(_("已签名盖章"), default=False)
    copies = models.PositiveSmallIntegerField(_("份数"), default=3)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    performance_status = models.CharField(
        _("履行情况"), max_length=14, choices=Performance.choices, default=Performance.PENDING
    )
    performed_at = models.DateTimeField(_("履行完毕时间"), null=True, blank=True)
    confirmation_due_at = models.DateTimeField(_("司法确认申请截止"), null=True, blank=True)
    confirmation_applied_at = models.DateTimeField(_("申请司法确认时间"), null=True, blank=True)
    confirmation_court = models.CharField(_("受理法院"), max_length=100, blank=True)
    confirmation_result = models.CharField(_("司法确认结果"), max_length=10, choices=Confirmation.choices, blank=True)
    confirmation_decided_at = models.DateTimeField(_("司法确认裁定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self):
        return f"{self.dispute.number} {self.get_kind_display()}"


class PerformanceRecord(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="performance_records")
    status = models.CharField(_("履行情况"), max_length=14, choices=Agreement.Performance.choices)
    note = models.TextField(_("说明"), blank=True)
    evidence = models.ForeignKey(
        "DisputeDocument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("凭证")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("履行记录")
        verbose_name_plural = _("履行记录")

    def __str__(self):
        return f"{self.agreement} · {self.get_status_display()}"


class FollowUp(models.Model):
    """A follow-up visit (回访) after an agreement, scheduled months after it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("待回访")
        DONE = "done", _("已回访")

    class Method(models.TextChoices):
        VISIT = "visit", _("上门回访")
        PHONE = "phone", _("电话回访")
        MEETING = "meeting", _("约谈回访")

    class Performed(models.TextChoices):
        YES = "yes", _("已履行")
        PARTLY = "partly", _("部分履行")
        NO = "no", _("未履行")

    class Risk(models.TextChoices):
        NONE = "none", _("无")
        LOW = "low", _("较低")
        HIGH = "high", _("较高")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    sequence = models.PositiveSmallIntegerField(_("次序"))
    months_after = models.PositiveSmallIntegerField(_("协议后月数"))
    due_on = models.DateField(_("应回访日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("回访方式"), max_length=10, choices=Method.choices, blank=True)
    performed = models.CharField(_("协议履行"), max_length=10, choices=Performed.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    lawsuit = models.BooleanField(_("已起诉"), default=False)
    escalation_risk = models.CharField(_("激化风险"), max_length=10, choices=Risk.choices, blank=True)
    note = models.TextField(_("回访情况"), blank=True)

    class Meta:
        ordering = ["dispute", "sequence"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        constraints = [models.UniqueConstraint(fields=["dispute", "sequence"], name="follow_up_sequence_unique")]

    def __str__(self):
        return f"{self.dispute} · {self.months_after}"


def _document_path(instance, filename):
    dispute = instance.dispute
    return f"mediation/{dispute.registered_at:%Y/%m}/{dispute.number}/{filename}"


class DisputeDocument(models.Model):
    """A file in the case file that is not generated from the record: a signed and
    sealed scan, performance evidence, the court's confirmation papers..."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("申请书")
        RIGHTS_NOTICE = "rights_notice", _("权利义务告知书（签收）")
        SESSION_RECORD = "session_record", _("调解笔录（签名）")
        AGREEMENT = "agreement", _("调解协议书（签章）")
        PERFORMANCE = "performance", _("履行凭证")
        FOLLOW_UP = "follow_up", _("回访材料")
        CONFIRMATION = "confirmation", _("司法确认文书")
        EVIDENCE = "evidence", _("证据材料")
        OTHER = "other", _("其他材料")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to=_document_path)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("卷宗材料")
        verbose_name_plural = _("卷宗材料")

    def __str__(self):
        return self.title


class DisputeEvent(WorkflowEvent):
    """One immutable line of a dispute's timeline, written with the change it records."""

    subject_field = "dispute"
    edit_refused = _("纠纷记录不可修改")
    delete_refused = _("纠纷记录不可删除")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, choices=DisputeState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=DisputeState.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("纠纷记录")
        verbose_name_plural = _("纠纷记录")
        indexes = [models.Index(fields=["dispute", "created_at"], name="dispute_event_timeline")]

    def __str__(self):
        return f"{self.dispute_id} {self.action}"
