from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from deadlines.models import Deadline, TimeBasis
from gaoxin.workflow import DaySequence, WorkflowEvent
from grid.models import Community, Grid


class CaseKind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")


class Priority(models.IntegerChoices):
    URGENT = 1, _("紧急")
    HIGH = 2, _("较急")
    NORMAL = 3, _("一般")


_TWO_DIGITS = RegexValidator(r"^\d{2}$", _("必须是两位数字"))


def _limit_field(label):
    return models.DecimalField(
        label,
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("小时；空表示该环节不计时。工作日按每日工作时长折算。"),
    )


class Category(models.Model):
    """A case category (大类 + 小类) with its time limit for every stage."""

    kind = models.CharField(_("类型"), max_length=10, choices=CaseKind.choices)
    major_code = models.CharField(_("大类代码"), max_length=2, validators=[_TWO_DIGITS])
    major_name = models.CharField(_("大类名称"), max_length=50)
    minor_code = models.CharField(_("小类代码"), max_length=2, validators=[_TWO_DIGITS])
    name = models.CharField(_("小类名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    priority = models.PositiveSmallIntegerField(_("优先级"), choices=Priority.choices, default=Priority.NORMAL)
    time_basis = models.CharField(_("计时方式"), max_length=10, choices=TimeBasis.choices, default=TimeBasis.WORKING)
    verify_hours = _limit_field(_("核实时限"))
    file_hours = _limit_field(_("立案时限"))
    dispatch_hours = _limit_field(_("派遣时限"))
    handle_hours = _limit_field(_("处置时限"))
    check_hours = _limit_field(_("核查时限"))
    close_hours = _limit_field(_("结案时限"))
    officer_may_resolve = models.BooleanField(_("网格员可现场处置"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "major_code", "minor_code"]
        verbose_name = _("案件类别")
        verbose_name_plural = _("案件类别")
        constraints = [
            models.UniqueConstraint(fields=["kind", "major_code", "minor_code"], name="category_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def code(self) -> str:
        return f"{self.major_code}{self.minor_code}"

    @property
    def label(self) -> str:
        return localized(self.name, self.name_en)


def localized(name: str, name_en: str) -> str:
    """A name as the page's language shows it: the English name on English pages when
    there is one, the Chinese name otherwise."""
    return name_en if name_en and (get_language() or "").startswith("en") else name


class Unit(models.Model):
    """A responsible unit (专业部门 / 处置单位) that handles dispatched cases."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("区级部门")
        COMMUNITY = "community", _("社区")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, default=Level.DISTRICT)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, related_name="units", verbose_name=_("社区")
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_units",
        verbose_name=_("负责人"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="units", blank=True, verbose_name=_("处置人员")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("处置单位")
        verbose_name_plural = _("处置单位")

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return localized(self.name, self.name_en)

    def clean(self):
        if self.level == self.Level.COMMUNITY and not self.community_id:
            raise ValidationError({"community": _("社区级单位必须指定社区")})


class RoutingRule(models.Model):
    """Default unit for a category, optionally per community (the community rule wins)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, help_text=_("留空表示全区通用")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="routing_rules")

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")
        constraints = [
            models.UniqueConstraint(fields=["category", "community"], name="routing_rule_unique", nulls_distinct=False),
        ]

    def __str__(self):
        return f"{self.category} → {self.unit}"


class CaseState(models.TextChoices):
    TO_VERIFY = "to_verify", _("待核实")
    TO_FILE = "to_file", _("待立案")
    TO_DISPATCH = "to_dispatch", _("待派遣")
    DISPATCHED = "dispatched", _("待接收")
    HANDLING = "handling", _("处理中")
    TO_CHECK = "to_check", _("待核查")
    TO_CLOSE = "to_close", _("待结案")
    HELD = "held", _("挂账")
    CLOSED = "closed", _("已结案")
    VOIDED = "voided", _("已注销")
    MERGED = "merged", _("已合并")


FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.VOIDED, CaseState.MERGED})
OPEN_STATES = frozenset(CaseState) - FINAL_STATES
OPEN_STATE_NAMES = sorted(OPEN_STATES)  # in a fixed order, for SQL and migrations
_STATE_LABELS = dict(CaseState.choices)


class CaseSource(models.TextChoices):
    OFFICER = "officer", _("网格员上报")
    RESIDENT = "resident", _("居民网上投诉")
    HOTLINE = "hotline", _("热线")
    VIDEO = "video", _("视频监控")
    PLATFORM = "platform", _("其他平台")


class CaseDaySequence(DaySequence):
    """Per-day counter behind case numbers."""


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=16, unique=True)
    source = models.CharField(_("来源"), max_length=10, choices=CaseSource.choices)
    external_system = models.CharField(_("外部系统"), max_length=50, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("类别"))
    priority = models.PositiveSmallIntegerField(_("优先级"), choices=Priority.choices, default=Priority.NORMAL)
    location = models.PointField(_("位置"), srid=4326)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="cases", verbose_name=_("网格"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="cases", verbose_name=_("社区"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    description = models.TextField(_("问题描述"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("上报人"),
    )
    reporter_name = models.CharField(_("联系人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    state = models.CharField(_("状态"), max_length=12, choices=CaseState.choices, db_index=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("处置单位")
    )
    # The deadline of the stage the case is in now (null: the stage is not timed).
    stage_started_at = models.DateTimeField(_("本环节开始"), null=True, blank=True)
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    # The handling clock runs from dispatch to feedback across accept and rework.
    handle_due_at = models.DateTimeField(_("处置时限"), null=True, blank=True)
    held_from_state = models.CharField(max_length=12, choices=CaseState.choices, blank=True)
    held_remaining_hours = models.FloatField(null=True, blank=True)

    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("回退次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    resolved_on_spot = models.BooleanField(_("现场处置"), default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases", verbose_name=_("合并至")
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    satisfaction_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    evaluation_score = models.PositiveSmallIntegerField(
        _("监督评价"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        constraints = [
            models.UniqueConstraint(
                fields=["external_system", "external_id"],
                condition=~Q(external_id=""),
                name="case_unique_external_id",
            ),
        ]
        indexes = [
            # The work queues, most urgent first: found, ordered and paged on this index
            # alone (an index-only scan), then only the page's rows are read. Open cases
            # only: a tenth of the table, and closing a case takes it out.
            models.Index(
                fields=["state", "due_at", "reported_at"],
                include=["id", "grid", "unit"],
                condition=Q(state__in=OPEN_STATE_NAMES),
                name="case_open_queue",
            ),
            models.Index(fields=["grid", "state"], name="case_grid_state"),
            models.Index(fields=["unit", "state"], name="case_unit_state"),
            models.Index(fields=["filed_at"], name="case_filed_at"),
            models.Index(fields=["category", "reported_at"], name="case_category_reported"),
        ]

    def __str__(self):
        return self.number

    def get_state_display(self):
        # Django's own builds a dict of every choice on each call: a list of 25 cases paid
        # for it 25 times.
        return str(_STATE_LABELS.get(self.state, self.state))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseRequest(models.Model):
    """A side-flow request that needs approval: an extension or a long-term hold."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("延期")
        HOLD = "hold", _("挂账")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    hours = models.DecimalField(_("延期时长（小时）"), max_digits=7, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(status="pending"), name="case_request_one_pending_per_kind"
            ),
        ]


class CaseEvent(WorkflowEvent):
    """One immutable line of a case's timeline, written with the change it records."""

    subject_field = "case"
    edit_refused = _("案件记录不可修改")
    delete_refused = _("案件记录不可删除")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=CaseState.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        indexes = [
            models.Index(fields=["case", "created_at"], name="case_event_timeline"),
            # Per-post KPIs count events of one action over a period.
            models.Index(fields=["action", "created_at"], name="case_event_action_time"),
        ]


def _photo_path(instance, filename):
    return f"cases/{instance.case.reported_at:%Y/%m}/{instance.case.number}/{filename}"


class CasePhoto(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("处置前")
        AFTER = "after", _("处置后")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="photos")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    image = models.ImageField(_("照片"), upload_to=_photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("案件照片")
        verbose_name_plural = _("案件照片")


class EscalationStep(models.Model):
    """A rung of the escalation ladder: who is told when a case's stage crosses a level."""

    level = models.PositiveSmallIntegerField(_("级别"), choices=Deadline.Level.choices, unique=True)
    notify_stage_owners = models.BooleanField(
        _("通知本环节责任人"), default=True, help_text=_("处置单位人员、网格员或本岗位人员")
    )
    notify_unit_head = models.BooleanField(_("通知单位负责人"), default=False)
    notify_roles = models.CharField(
        _("同时通知的岗位"), max_length=200, blank=True, help_text=_("角色代码，逗号分隔，如 dispatcher,supervisor")
    )
    after_hours = models.DecimalField(
        _("超期多久后升级（小时）"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("仅用于“超期升级”级别"),
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("升级规则")
        verbose_name_plural = _("升级规则")

    def __str__(self):
        return self.get_level_display()

    @property
    def roles(self) -> list[str]:
        return [code.strip() for code in self.notify_roles.split(",") if code.strip()]
