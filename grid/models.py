from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Area is measured in UTM zone 49N (EPSG:32649), which covers 108°E-114°E: metres,
# with negligible scale error across the district.
METRIC_SRID = 32649

GRID_CODE_VALIDATOR = RegexValidator(r"^\d{15}$", _("网格编码必须是15位数字（6位区县+3位街道+3位社区+3位序号）"))
COMMUNITY_CODE_VALIDATOR = RegexValidator(r"^\d{12}$", _("社区编码必须是12位数字（6位区县+3位街道+3位社区）"))


class District(models.Model):
    code = models.CharField(_("区县编码"), max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$")])
    name = models.CharField(_("名称"), max_length=100)
    boundary = models.MultiPolygonField(_("辖区边界"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")

    def __str__(self):
        return self.name


class Community(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="communities", verbose_name=_("辖区"))
    code = models.CharField(_("社区编码"), max_length=12, unique=True, validators=[COMMUNITY_CODE_VALIDATOR])
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    first_responsible = models.CharField(
        _("第一责任人"), max_length=100, blank=True, help_text=_("社区党委书记，网格建设第一责任人")
    )
    first_responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第一责任人账号"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("社区")
        verbose_name_plural = _("社区")

    def __str__(self):
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("社区"))
    code = models.CharField(_("网格编码"), max_length=15, unique=True, validators=[GRID_CODE_VALIDATOR])
    name = models.CharField(_("名称"), max_length=100)
    boundary = models.MultiPolygonField(_("边界"), srid=4326, spatial_index=True)
    area_m2 = models.FloatField(_("面积（平方米）"), editable=False, default=0)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="GridAssignment",
        related_name="grids",
        blank=True,
        verbose_name=_("网格员"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.area_m2 = self.boundary.transform(METRIC_SRID, clone=True).area if self.boundary else 0
        if kwargs.get("update_fields") is not None and "boundary" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "area_m2"}
        super().save(*args, **kwargs)

    @property
    def primary_officer(self):
        assignment = next((a for a in self.assignments.all() if a.is_primary), None)
        return assignment.officer if assignment else None


class GridAssignment(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("网格"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_assignments", verbose_name=_("网格员")
    )
    is_primary = models.BooleanField(_("主责网格员"), default=False)

    class Meta:
        verbose_name = _("网格员分配")
        verbose_name_plural = _("网格员分配")
        constraints = [
            models.UniqueConstraint(fields=["grid", "officer"], name="grid_assignment_unique"),
            models.UniqueConstraint(
                fields=["grid"], condition=models.Q(is_primary=True), name="grid_one_primary_officer"
            ),
        ]

    def __str__(self):
        return f"{self.grid.code} · {self.officer}"
