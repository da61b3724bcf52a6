"""Working-calendar data, editable in the admin: public holidays, make-up working days
and office hours. The arithmetic on them lives in deadlines.calendar."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class TimeBasis(models.TextChoices):
    WORKING = "working", _("工作时")
    CALENDAR = "calendar", _("自然时")


class CalendarDay(models.Model):
    """A date whose status the State Council's holiday notice sets: a day off (which may
    fall on a weekday) or a make-up working day (调休, usually a Saturday or Sunday)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如“国庆节”"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class WorkingHours(models.Model):
    """The office hours that working-time limits count. One row at most; without it the
    DEADLINES_WORKING_HOURS setting applies."""

    SINGLETON_PK = 1

    morning_start = models.TimeField(_("上午上班"))
    morning_end = models.TimeField(_("上午下班"))
    afternoon_start = models.TimeField(_("下午上班"))
    afternoon_end = models.TimeField(_("下午下班"))

    class Meta:
        verbose_name = _("工作时间")
        verbose_name_plural = _("工作时间")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    morning_start__lt=F("morning_end"),
                    morning_end__lte=F("afternoon_start"),
                    afternoon_start__lt=F("afternoon_end"),
                ),
                name="deadlines_workinghours_in_order",
                violation_error_message=_("时间须依次排列：上午上班 < 上午下班 ≤ 下午上班 < 下午下班"),
            ),
        ]

    def __str__(self):
        return " / ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in self.spans)

    def save(self, *args, **kwargs):
        # The whole district keeps one set of office hours: saving always writes that row.
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @property
    def spans(self):
        return ((self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end))


class Deadline(models.Model):
    """The clock of one timed stage of one object: a case's handling, an application's
    decision... The thresholds are stored on the row, so the sweep finds due rows with
    one indexed query and a lost or repeated timer can neither skip nor double a crossing."""

    class Level(models.IntegerChoices):
        NORMAL = 0, _("正常")
        WARNING = 1, _("预警")
        OVERDUE = 2, _("超期")
        ESCALATED = 3, _("超期升级")

    subject_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    subject_id = models.PositiveBigIntegerField()
    stage = models.CharField(_("环节"), max_length=40)
    basis = models.CharField(_("计时方式"), max_length=10, choices=TimeBasis.choices)
    started_at = models.DateTimeField(_("开始"))
    warn_at = models.DateTimeField(_("预警时间"))
    due_at = models.DateTimeField(_("时限"))
    escalate_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("状态"), choices=Level.choices, default=Level.NORMAL)
    # The next threshold still to cross (warn_at, then due_at, then escalate_at).
    next_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        indexes = [
            models.Index(fields=["next_at"], condition=Q(closed_at__isnull=True), name="deadline_open_next"),
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=Q(closed_at__isnull=True),
                name="deadline_one_open_per_subject",
            ),
        ]

    def __str__(self):
        return f"{self.stage} → {self.due_at:%Y-%m-%d %H:%M}"


class Crossing(models.Model):
    """One threshold crossed by one deadline: written once, whichever path saw it first."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="crossings")
    level = models.PositiveSmallIntegerField(choices=Deadline.Level.choices)
    crossed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("时限越线记录")
        verbose_name_plural = _("时限越线记录")
        constraints = [models.UniqueConstraint(fields=["deadline", "level"], name="crossing_once_per_level")]

    def __str__(self):
        return f"{self.get_level_display()} @ {self.crossed_at:%Y-%m-%d %H:%M}"
