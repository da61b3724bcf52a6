"""Grid officers' daily work: duty shifts, patrols and their tracks, places and their
inspections, hazards with a rectification deadline, household visits and the work log.

A patrol's track is the line through its kept track points in time order; points are
stored as they arrive (unique per patrol and timestamp, so an upload sent twice adds
nothing) and flagged when they cannot be trusted, which keeps them out of the line, the
distance and the grids the patrol is counted in."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grid.models import Grid

_OFFICER = settings.AUTH_USER_MODEL


class DutyShift(models.Model):
    """One check-in (签到) to check-out (签退) of an officer, with where each happened."""

    officer = models.ForeignKey(
        _OFFICER, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("网格员")
    )
    checked_in_at = models.DateTimeField(_("签到时间"))
    check_in_location = models.PointField(_("签到位置"), srid=4326, spatial_index=False)
    check_in_grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="+", verbose_name=_("签到网格"), db_index=False
    )
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_location = models.PointField(_("签退位置"), srid=4326, null=True, blank=True, spatial_index=False)
    check_out_grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签退网格"),
        db_index=False,
    )

    class Meta:
        ordering = ["-checked_in_at"]
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        constraints = [
            models.UniqueConstraint(
                fields=["officer"], condition=Q(checked_out_at__isnull=True), name="duty_one_open_shift_per_officer"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=F("checked_in_at")),
                name="duty_checks_out_after_checking_in",
            ),
        ]
        indexes = [models.Index(fields=["officer", "checked_in_at"], name="duty_officer_time")]

    def __str__(self):
        return f"{self.officer} {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None


class Patrol(models.Model):
    officer = models.ForeignKey(_OFFICER, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("网格员"))
    shift = models.ForeignKey(
        DutyShift, on_delete=models.SET_NULL, null=True, blank=True, related_name="patrols", verbose_name=_("签到记录")
    )
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Built from the kept track points by patrols.services; never edited by hand.
    track = models.LineStringField(_("轨迹"), srid=4326, null=True, blank=True)
    # The track simplified for the day's map (patrols.tracks.DISPLAY_TOLERANCE_DEG).
    track_display = models.LineStringField(_("轨迹（地图显示）"), srid=4326, null=True, blank=True, spatial_index=False)
    distance_m = models.FloatField(_("里程（米）"), default=0)
    point_count = models.PositiveIntegerField(_("轨迹点数"), default=0)
    flagged_count = models.PositiveIntegerField(_("异常点数"), default=0)
    grids = models.ManyToManyField(Grid, through="PatrolGrid", related_name="patrols", verbose_name=_("途经网格"))

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        constraints = [
            models.UniqueConstraint(
                fields=["officer"], condition=Q(ended_at__isnull=True), name="patrol_one_active_per_officer"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")), name="patrol_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["started_at"], name="patrol_started"),
            models.Index(fields=["officer", "started_at"], name="patrol_officer_started"),
        ]

    def __str__(self):
        return f"{self.officer} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self):
        """From start to end; None while the patrol is still going."""
        return self.ended_at - self.started_at if self.ended_at else None


class PatrolGrid(models.Model):
    """A grid a patrol passed through: when it was first and last there, how far it went."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="grid_visits")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="patrol_visits", verbose_name=_("网格"))
    first_seen_at = models.DateTimeField(_("进入时间"))
    last_seen_at = models.DateTimeField(_("离开时间"))
    point_count = models.PositiveIntegerField(_("轨迹点数"), default=0)
    distance_m = models.FloatField(_("网格内里程（米）"), default=0)

    class Meta:
        verbose_name = _("途经网格")
        verbose_name_plural = _("途经网格")
        constraints = [models.UniqueConstraint(fields=["patrol", "grid"], name="patrol_grid_once")]
        indexes = [
            models.Index(fields=["grid", "first_seen_at"], name="patrol_grid_seen"),
            models.Index(fields=["first_seen_at"], name="patrol_grid_first_seen"),
        ]


class PointFlag(models.TextChoices):
    KEPT = "", _("正常")
    OUT_OF_WINDOW = "out_of_window", _("时间不在巡查时段内")
    OUTSIDE = "outside", _("辖区外")
    INACCURATE = "inaccurate", _("定位精度差")
    SPEED = "speed", _("异常跳点（速度超限）")


class TrackPoint(models.Model):
    """One position of a patrol. (patrol, recorded_at) is unique: an upload repeated by a
    phone that never heard the answer inserts nothing the second time."""

    # The unique constraint's index starts with patrol_id, so the FK needs no index of
    # its own; ingest speed depends on how few indexes each row must enter.
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points", db_index=False)
    recorded_at = models.DateTimeField(_("定位时间"))
    location = models.PointField(_("位置"), srid=4326, spatial_index=False)
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    # The grid the point lies in (snapped within GRID_SNAP_DISTANCE_M), from the same
    # lookup as grid.lookup.locate. No FK check per row: it comes from that lookup.
    grid = models.ForeignKey(
        Grid,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    flag = models.CharField(_("标记"), max_length=16, choices=PointFlag.choices, blank=True, default="")

    class Meta:
        verbose_name = _("轨迹点")
        verbose_name_plural = _("轨迹点")
        constraints = [models.UniqueConstraint(fields=["patrol", "recorded_at"], name="track_point_once")]


class GridPatrolRequirement(models.Model):
    """How often a grid must be patrolled; grids without a row use
    settings.PATROL_DEFAULT_VISITS_PER_DAY."""

    grid = models.OneToOneField(
        Grid, on_delete=models.CASCADE, related_name="patrol_requirement", verbose_name=_("网格")
    )
    visits_per_day = models.PositiveSmallIntegerField(
        _("每日巡查次数"), validators=[MaxValueValidator(24)], help_text=_("0 表示该网格不要求巡查")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("巡查频次要求")
        verbose_name_plural = _("巡查频次要求")

    def __str__(self):
        return f"{self.grid.code} × {self.visits_per_day}"


def validate_checklist(items):
    """A checklist is a list of {"key": "...", "label": "..."} with distinct keys."""
    if not isinstance(items, list) or not items:
        raise ValidationError(_("检查清单必须是非空列表"))
    keys = set()
    for item in items:
        if not isinstance(item, dict) or not str(item.get("key", "")).strip() or not str(item.get("label", "")).strip():
            raise ValidationError(_("检查清单的每一项都需要 key 和 label"))
        if item["key"] in keys:
            raise ValidationError(_("检查项 %(key)s 重复") % {"key": item["key"]})
        keys.add(item["key"])


class PlaceType(models.Model):
    """A kind of place with what an inspection there checks."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    checklist = models.JSONField(
        _("检查清单"), validators=[validate_checklist], help_text=_('如 [{"key": "exits", "label": "安全出口畅通"}]')
    )
    rectify_days = models.PositiveSmallIntegerField(
        _("隐患整改期限（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    case_category = models.ForeignKey(
        "cases.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转案件时的类别"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("场所类型")
        verbose_name_plural = _("场所类型")

    def __str__(self):
        return self.name


class Place(models.Model):
    """A place in a grid that officers inspect: a shop, a small venue, a site, a school..."""

    code = models.CharField(
        _("场所编号"),
        max_length=40,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z_-]*$", _("只能包含字母、数字、- 和 _"))],
        help_text=_("外部登记编号；导入时按编号更新"),
    )
    name = models.CharField(_("名称"), max_length=100)
    place_type = models.ForeignKey(PlaceType, on_delete=models.PROTECT, related_name="places", verbose_name=_("类型"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="places", verbose_name=_("网格"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    location = models.PointField(_("位置"), srid=4326)
    contact_name = models.CharField(_("负责人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["grid__code", "name"]
        verbose_name = _("场所")
        verbose_name_plural = _("场所")
        constraints = [models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="place_unique_code")]
        indexes = [models.Index(fields=["grid", "place_type"], name="place_grid_type")]

    def __str__(self):
        return self.name


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("合格")
    PROBLEMS = "problems", _("发现问题")
    NOT_OPEN = "not_open", _("未营业/无法检查")


class Answer(models.TextChoices):
    OK = "ok", _("合格")
    PROBLEM = "problem", _("有问题")
    NOT_APPLICABLE = "na", _("不适用")


class Inspection(models.Model):
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("场所"))
    # The place's grid when inspected: statistics count where the work was done.
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", verbose_name=_("网格"), db_index=False)
    officer = models.ForeignKey(
        _OFFICER, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("检查人")
    )
    patrol = models.ForeignKey(
        Patrol, on_delete=models.SET_NULL, null=True, blank=True, related_name="inspections", verbose_name=_("巡查")
    )
    inspected_at = models.DateTimeField(_("检查时间"))
    answers = models.JSONField(_("检查结果明细"), default=dict, help_text=_("检查项 key → ok / problem / na"))
    result = models.CharField(_("结论"), max_length=10, choices=InspectionResult.choices)
    note = models.TextField(_("说明"), blank=True)
    location = models.PointField(_("检查时位置"), srid=4326, null=True, blank=True, spatial_index=False)

    class Meta:
        ordering = ["-inspected_at"]
        verbose_name = _("场所检查")
        verbose_name_plural = _("场所检查")
        indexes = [
            models.Index(fields=["inspected_at"], name="inspection_time"),
            models.Index(fields=["place", "inspected_at"], name="inspection_place_time"),
            models.Index(fields=["officer", "inspected_at"], name="inspection_officer_time"),
        ]

    def __str__(self):
        return f"{self.place} {self.inspected_at:%Y-%m-%d}"


def _inspection_photo_path(instance, filename):
    return f"patrols/inspections/{instance.inspection.inspected_at:%Y/%m}/{instance.inspection_id}/{filename}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=_inspection_photo_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("场所检查")
    PATROL = "patrol", _("巡查发现")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    SERIOUS = "serious", _("重大隐患")


class HazardState(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFIED = "rectified", _("已整改")
    ESCALATED = "escalated", _("已转案件")


class Hazard(models.Model):
    """A hazard found on patrol or in an inspection: rectified by its due time (checked on
    a re-inspection), or turned into a case of the seven-step loop."""

    source = models.CharField(_("来源"), max_length=12, choices=HazardSource.choices)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards", verbose_name=_("场所检查")
    )
    patrol = models.ForeignKey(
        Patrol, on_delete=models.SET_NULL, null=True, blank=True, related_name="hazards", verbose_name=_("巡查")
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards", verbose_name=_("场所")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("网格"))
    location = models.PointField(_("位置"), srid=4326)
    description = models.TextField(_("隐患描述"))
    severity = models.CharField(_("等级"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("案件类别"),
        help_text=_("转为案件时使用"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=HazardState.choices, default=HazardState.OPEN)
    found_by = models.ForeignKey(
        _OFFICER, on_delete=models.PROTECT, related_name="hazards_found", verbose_name=_("发现人")
    )
    found_at = models.DateTimeField(_("发现时间"))
    rectify_due = models.DateTimeField(_("整改期限"))
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazard",
        verbose_name=_("转办案件"),
    )
    escalated_at = models.DateTimeField(_("转案件时间"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        _OFFICER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("转案件操作人")
    )

    class Meta:
        ordering = ["-found_at"]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        indexes = [
            models.Index(fields=["found_at"], name="hazard_found"),
            models.Index(fields=["grid", "state"], name="hazard_grid_state"),
            models.Index(fields=["state", "rectify_due"], name="hazard_state_due"),
        ]

    def __str__(self):
        return self.description[:30]


class HazardCheck(models.Model):
    """A re-inspection (复查) of a hazard: rectified or not, by whom, when."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="checks")
    officer = models.ForeignKey(_OFFICER, on_delete=models.PROTECT, related_name="+", verbose_name=_("复查人"))
    checked_at = models.DateTimeField(_("复查时间"))
    rectified = models.BooleanField(_("已整改"))
    note = models.TextField(_("复查情况"), blank=True)

    class Meta:
        ordering = ["checked_at", "id"]
        verbose_name = _("隐患复查")
        verbose_name_plural = _("隐患复查")


def _hazard_photo_path(instance, filename):
    return f"patrols/hazards/{instance.hazard.found_at:%Y/%m}/{instance.hazard_id}/{filename}"


class HazardPhoto(models.Model):
    class Kind(models.TextChoices):
        FOUND = "found", _("发现时")
        CHECK = "check", _("复查时")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    check_record = models.ForeignKey(
        HazardCheck, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    image = models.ImageField(_("照片"), upload_to=_hazard_photo_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("隐患照片")
        verbose_name_plural = _("隐患照片")


class Visit(models.Model):
    """A household visit (走访): short, with time and place."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("入户走访")
        CARE = "care", _("关爱帮扶")
        SURVEY = "survey", _("排查登记")

    officer = models.ForeignKey(_OFFICER, on_delete=models.PROTECT, related_name="visits", verbose_name=_("走访人"))
    visited_at = models.DateTimeField(_("走访时间"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.HOUSEHOLD)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", verbose_name=_("网格"), db_index=False)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True, spatial_index=False)
    address = models.CharField(_("地址"), max_length=200)
    household = models.CharField(_("走访对象"), max_length=100, blank=True)
    summary = models.TextField(_("走访情况"))

    class Meta:
        ordering = ["-visited_at"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        indexes = [
            models.Index(fields=["visited_at"], name="visit_time"),
            models.Index(fields=["officer", "visited_at"], name="visit_officer_time"),
        ]


class WorkLogEntry(models.Model):
    """A line of an officer's work log (工作日志); disputes (矛盾纠纷) are logged here."""

    class Kind(models.TextChoices):
        PATROL = "patrol", _("巡查")
        DISPUTE = "dispute", _("矛盾纠纷")
        PUBLICITY = "publicity", _("政策宣传")
        SERVICE = "service", _("便民服务")
        OTHER = "other", _("其他")

    officer = models.ForeignKey(_OFFICER, on_delete=models.PROTECT, related_name="work_log", verbose_name=_("网格员"))
    logged_at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", verbose_name=_("网格"), db_index=False)
    location = models.PointField(_("位置"), srid=4326, null=True, blank=True, spatial_index=False)
    place_text = models.CharField(_("地点"), max_length=200, blank=True)
    content = models.TextField(_("内容"))
    dispute_resolved = models.BooleanField(_("纠纷已化解"), default=False)

    class Meta:
        ordering = ["-logged_at"]
        verbose_name = _("工作日志")
        verbose_name_plural = _("工作日志")
        indexes = [
            models.Index(fields=["logged_at"], name="worklog_time"),
            models.Index(fields=["officer", "logged_at"], name="worklog_officer_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dispute_resolved=False) | Q(kind="dispute"), name="worklog_only_disputes_are_resolved"
            ),
        ]
