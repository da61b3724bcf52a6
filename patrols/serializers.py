"""API shapes of officers' daily work. Input serializers check types only; the rules
(scope, state, checklists, locations) are the services' and come back as their errors."""

import json
import math

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from patrols.models import (
    Answer,
    DutyShift,
    Hazard,
    HazardCheck,
    Inspection,
    Patrol,
    Place,
    PlaceType,
    Severity,
    Visit,
    WorkLogEntry,
)
from patrols.selectors import DEFAULT_TRACK_TOLERANCE_DEG, MAX_TRACK_TOLERANCE_DEG
from patrols.services import hazard_actions, is_overdue

MAX_PERIOD_DAYS = 366
MAX_COVERAGE_DAYS = 31


def _coordinates(location):
    return [location.x, location.y] if location is not None else None


class LonLatSerializer(serializers.Serializer):
    lon = serializers.FloatField(help_text=_("经度（WGS84）"))
    lat = serializers.FloatField(help_text=_("纬度（WGS84）"))


class OptionalLonLatSerializer(serializers.Serializer):
    lon = serializers.FloatField(required=False, allow_null=True, help_text=_("经度（WGS84），可选"))
    lat = serializers.FloatField(required=False, allow_null=True, help_text=_("纬度（WGS84），可选"))


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class GridRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


# ---------------------------------------------------------------- duty and patrols


class DutyShiftSerializer(serializers.ModelSerializer):
    officer = PersonSerializer(read_only=True)
    check_in_location = serializers.SerializerMethodField(help_text=_("[经度, 纬度]"))
    check_out_location = serializers.SerializerMethodField(help_text=_("[经度, 纬度]"))
    check_in_grid = GridRefSerializer(read_only=True)
    check_out_grid = GridRefSerializer(read_only=True)

    class Meta:
        model = DutyShift
        fields = [
            "id",
            "officer",
            "checked_in_at",
            "check_in_location",
            "check_in_grid",
            "checked_out_at",
            "check_out_location",
            "check_out_grid",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.FloatField()))
    def get_check_in_location(self, shift):
        return _coordinates(shift.check_in_location)

    @extend_schema_field(serializers.ListField(child=serializers.FloatField(), allow_null=True))
    def get_check_out_location(self, shift):
        return _coordinates(shift.check_out_location)


class PatrolSerializer(serializers.ModelSerializer):
    officer = PersonSerializer(read_only=True)
    duration_s = serializers.SerializerMethodField(help_text=_("时长（秒），进行中为空"))

    class Meta:
        model = Patrol
        fields = [
            "id",
            "officer",
            "started_at",
            "ended_at",
            "duration_s",
            "distance_m",
            "point_count",
            "flagged_count",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_duration_s(self, patrol):
        return round(patrol.duration.total_seconds()) if patrol.duration is not None else None


class PatrolGridSerializer(serializers.Serializer):
    code = serializers.CharField(source="grid.code")
    name = serializers.CharField(source="grid.name")
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    point_count = serializers.IntegerField()
    distance_m = serializers.FloatField()


class PatrolDetailSerializer(PatrolSerializer):
    grids = PatrolGridSerializer(source="grid_visits", many=True, read_only=True)
    track = serializers.SerializerMethodField(help_text=_("轨迹（GeoJSON LineString，仅含正常点），不足两点时为空"))

    class Meta(PatrolSerializer.Meta):
        fields = [*PatrolSerializer.Meta.fields, "grids", "track"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_track(self, patrol):
        return json.loads(patrol.track.geojson) if patrol.track is not None else None


class TrackPointInputSerializer(serializers.Serializer):
    """For the schema only: the upload is checked point by point by patrols.tracks."""

    recorded_at = serializers.DateTimeField(help_text=_("定位时间，带时区的 ISO 8601，如 2024-05-01T09:30:00+08:00"))
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    accuracy = serializers.FloatField(required=False, allow_null=True, help_text=_("定位精度（米）"))


class TrackUploadSerializer(serializers.Serializer):
    points = TrackPointInputSerializer(
        many=True,
        help_text=_("轨迹点，顺序不限；已上传过的点（同一时间）自动跳过，重复上传不会改变任何数据"),
    )


class TrackUploadResultSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text=_("本次收到的点数（同一时间的点只算一个）"))
    stored = serializers.IntegerField(help_text=_("新保存的点数"))
    duplicates = serializers.IntegerField(help_text=_("此前已保存、本次跳过的点数"))
    flagged = serializers.IntegerField(help_text=_("新保存的点中被标记为异常、不计入轨迹的点数"))
    distance_m = serializers.FloatField(help_text=_("巡查当前里程（米）"))
    point_count = serializers.IntegerField()
    flagged_count = serializers.IntegerField()


class TrackQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text=_("日期（默认今天）"))
    officer = serializers.CharField(required=False, max_length=150, help_text=_("网格员用户名"))
    grid = serializers.RegexField(r"^\d{15}$", required=False, help_text=_("只看途经此网格（15位编码）的巡查"))
    community = serializers.RegexField(r"^\d{12}$", required=False, help_text=_("只看途经此社区（12位编码）的巡查"))
    tolerance = serializers.FloatField(
        required=False,
        default=DEFAULT_TRACK_TOLERANCE_DEG,
        help_text=_("轨迹简化容差（度），取值 0~0.001，默认约 5 米"),
    )

    def validate_tolerance(self, value):
        if not math.isfinite(value):
            raise serializers.ValidationError(_("tolerance 必须是有限的数字"))
        return min(max(value, 0.0), MAX_TRACK_TOLERANCE_DEG)


class PointFlagQuerySerializer(serializers.Serializer):
    flagged = serializers.BooleanField(required=False, default=False, help_text=_("只返回异常点"))


class PeriodSerializer(serializers.Serializer):
    """A period of whole days: `date` for one day, or `start` and `end` (inclusive)."""

    date = serializers.DateField(required=False, help_text=_("某一天（与 start/end 二选一）"))
    start = serializers.DateField(required=False, help_text=_("起始日期（含）"))
    end = serializers.DateField(required=False, help_text=_("结束日期（含）"))
    max_days = MAX_PERIOD_DAYS

    def validate(self, attrs):
        if attrs.get("date") and (attrs.get("start") or attrs.get("end")):
            raise serializers.ValidationError({"date": _("date 与 start/end 不能同时使用")})
        first = attrs.get("date") or attrs.get("start") or timezone.localdate()
        last = attrs.get("date") or attrs.get("end") or first
        if last < first:
            raise serializers.ValidationError({"end": _("结束日期不能早于起始日期")})
        if (last - first).days + 1 > self.max_days:
            raise serializers.ValidationError({"end": _("时间段最长 %(n)d 天") % {"n": self.max_days}})
        return {**attrs, "first": first, "last": last}


class CoverageQuerySerializer(PeriodSerializer):
    max_days = MAX_COVERAGE_DAYS
    community = serializers.RegexField(r"^\d{12}$", required=False, help_text=_("只看此社区（12位编码）"))


class CoverageSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("网格编码"))
    name = serializers.CharField()
    community = serializers.CharField()
    required_per_day = serializers.IntegerField(help_text=_("每日要求巡查次数"))
    days = serializers.IntegerField(help_text=_("统计天数"))
    visits = serializers.IntegerField(help_text=_("巡查次数（每次巡查在每个网格、每天计一次）"))
    days_met = serializers.IntegerField(help_text=_("达到要求的天数"))
    short_days = serializers.ListField(child=serializers.DateField(), help_text=_("未达到要求的日期"))
    officers = serializers.ListField(child=serializers.CharField(), help_text=_("巡查过的网格员"))
    status = serializers.ChoiceField(
        choices=["covered", "partial", "missed", "not_required"],
        help_text=_("covered 每天都达标；partial 有巡查但未全部达标；missed 没有巡查；not_required 不要求巡查"),
    )


class StatisticsQuerySerializer(PeriodSerializer):
    by = serializers.ChoiceField(choices=["officer", "grid", "community"], default="officer", help_text=_("分组"))


class PatrolStatisticsRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("网格员用户名、网格编码或社区编码"))
    name = serializers.CharField()
    patrols = serializers.IntegerField(help_text=_("巡查次数"))
    km = serializers.FloatField(help_text=_("巡查里程（公里）"))
    inspections = serializers.IntegerField(help_text=_("场所检查次数"))
    places_inspected = serializers.IntegerField(help_text=_("检查的场所数"))
    hazards_found = serializers.IntegerField(help_text=_("发现隐患"))
    hazards_rectified = serializers.IntegerField(help_text=_("隐患整改完成"))
    hazards_escalated = serializers.IntegerField(help_text=_("隐患转为案件"))
    disputes = serializers.IntegerField(help_text=_("上报矛盾纠纷"))
    disputes_resolved = serializers.IntegerField(help_text=_("化解矛盾纠纷"))
    visits = serializers.IntegerField(help_text=_("走访"))


class PatrolStatisticsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    by = serializers.CharField()
    rows = PatrolStatisticsRowSerializer(many=True)
    total = PatrolStatisticsRowSerializer()


# ---------------------------------------------------------------- places and inspections


class PlaceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaceType
        fields = ["id", "code", "name", "checklist", "rectify_days"]


class PlaceSerializer(serializers.ModelSerializer):
    place_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid = GridRefSerializer(read_only=True)
    location = serializers.SerializerMethodField(help_text=_("[经度, 纬度]"))

    class Meta:
        model = Place
        fields = ["id", "code", "name", "place_type", "grid", "address", "location", "contact_name", "active"]

    @extend_schema_field(serializers.ListField(child=serializers.FloatField()))
    def get_location(self, place):
        return _coordinates(place.location)


class PlaceImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("UTF-8 编码的 CSV：code,name,type,lon,lat,address,contact_name,contact_phone")
    )
    commit = serializers.BooleanField(default=False, help_text=_("写入（默认只检查）"))


class PlaceImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("新增的场所数"))
    updated = serializers.IntegerField(help_text=_("按编号更新的场所数"))
    committed = serializers.BooleanField(help_text=_("已写入；false 表示只检查"))


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.Field):
    """A JSON object, sent as one (JSON body) or as a JSON string (multipart form)."""

    default_error_messages = {"invalid": _("必须是 JSON 对象")}

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class InspectionInputSerializer(OptionalLonLatSerializer):
    place = serializers.IntegerField(help_text=_("场所 id"))
    answers = JSONObjectField(
        required=False, help_text=_("检查项 key → %(values)s") % {"values": " / ".join(Answer.values)}
    )
    not_open = serializers.BooleanField(default=False, help_text=_("未营业或无法检查"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    patrol = serializers.IntegerField(required=False, allow_null=True, help_text=_("本人巡查的 id，可选"))
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class InspectionSerializer(serializers.ModelSerializer):
    place = serializers.PrimaryKeyRelatedField(read_only=True)
    place_name = serializers.CharField(source="place.name", read_only=True)
    officer = PersonSerializer(read_only=True)
    grid = GridRefSerializer(read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "place",
            "place_name",
            "grid",
            "officer",
            "patrol",
            "inspected_at",
            "answers",
            "result",
            "note",
            "photos",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_photos(self, inspection):
        return [photo.image.url for photo in inspection.photos.all()]


# ---------------------------------------------------------------- hazards


class HazardInputSerializer(OptionalLonLatSerializer):
    description = serializers.CharField(max_length=2000)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
    inspection = serializers.IntegerField(required=False, allow_null=True, help_text=_("本人检查记录的 id"))
    patrol = serializers.IntegerField(required=False, allow_null=True)
    category = serializers.IntegerField(required=False, allow_null=True, help_text=_("转案件时的案件类别 id"))
    rectify_days = serializers.IntegerField(required=False, allow_null=True, help_text=_("整改期限（天）"))
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class ReinspectInputSerializer(serializers.Serializer):
    rectified = serializers.BooleanField(help_text=_("是否已整改"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class EscalateInputSerializer(serializers.Serializer):
    category = serializers.IntegerField(required=False, allow_null=True, help_text=_("案件类别 id（默认取隐患的类别）"))


class HazardCheckSerializer(serializers.ModelSerializer):
    officer = PersonSerializer(read_only=True)

    class Meta:
        model = HazardCheck
        fields = ["checked_at", "officer", "rectified", "note"]


class HazardSerializer(serializers.ModelSerializer):
    grid = GridRefSerializer(read_only=True)
    place = serializers.PrimaryKeyRelatedField(read_only=True)
    found_by = PersonSerializer(read_only=True)
    location = serializers.SerializerMethodField(help_text=_("[经度, 纬度]"))
    overdue = serializers.SerializerMethodField(help_text=_("未整改且已过整改期限"))
    case = serializers.SerializerMethodField(help_text=_("转办案件的编号"))

    class Meta:
        model = Hazard
        fields = [
            "id",
            "source",
            "severity",
            "state",
            "description",
            "grid",
            "place",
            "inspection",
            "patrol",
            "location",
            "found_by",
            "found_at",
            "rectify_due",
            "overdue",
            "rectified_at",
            "escalated_at",
            "case",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.FloatField()))
    def get_location(self, hazard):
        return _coordinates(hazard.location)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, hazard):
        return is_overdue(hazard, self.context.get("now"))

    @extend_schema_field(OpenApiTypes.STR)
    def get_case(self, hazard):
        return hazard.case.number if hazard.case_id else None


class HazardDetailSerializer(HazardSerializer):
    checks = HazardCheckSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text=_("当前用户现在可执行的操作：reinspect、escalate"))

    class Meta(HazardSerializer.Meta):
        fields = [*HazardSerializer.Meta.fields, "checks", "photos", "actions"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_photos(self, hazard):
        return [{"kind": photo.kind, "url": photo.image.url} for photo in hazard.photos.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, hazard):
        return [action.action for action in hazard_actions(hazard, self.context["request"].user)]


class EscalationResultSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text=_("案件 id"))
    number = serializers.CharField(help_text=_("案件编号"))
    state = serializers.CharField()


# ---------------------------------------------------------------- visits and the work log


class VisitInputSerializer(OptionalLonLatSerializer):
    kind = serializers.ChoiceField(choices=Visit.Kind.choices, default=Visit.Kind.HOUSEHOLD)
    address = serializers.CharField(max_length=200)
    household = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=2000)
    visited_at = serializers.DateTimeField(required=False, help_text=_("走访时间（离线补录时填写，默认现在）"))


class VisitSerializer(serializers.ModelSerializer):
    officer = PersonSerializer(read_only=True)
    grid = GridRefSerializer(read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "officer", "visited_at", "kind", "grid", "address", "household", "summary"]


class WorkLogInputSerializer(OptionalLonLatSerializer):
    kind = serializers.ChoiceField(choices=WorkLogEntry.Kind.choices, default=WorkLogEntry.Kind.OTHER)
    content = serializers.CharField(max_length=4000)
    place_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    dispute_resolved = serializers.BooleanField(default=False, help_text=_("矛盾纠纷已化解"))
    logged_at = serializers.DateTimeField(required=False, help_text=_("时间（离线补录时填写，默认现在）"))


class WorkLogSerializer(serializers.ModelSerializer):
    officer = PersonSerializer(read_only=True)
    grid = GridRefSerializer(read_only=True)

    class Meta:
        model = WorkLogEntry
        fields = ["id", "officer", "logged_at", "kind", "grid", "place_text", "content", "dispute_resolved"]
