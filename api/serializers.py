"""Request and response bodies of the REST API. Input serializers check shape and
length only; the rules (who, when, what is valid for a case) stay in cases.services."""

from datetime import date

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.roles import STAFF_ROLES, Role
from cases.models import Case, CaseSource, CaseState, Category, Unit
from cases.workflow import QUEUES, TRANSITIONS
from deadlines.calendar import fraction_used, remaining

# Timeline entries that are not transitions of the table.
_OTHER_EVENT_LABELS = {
    "report": _("上报"),
    "resolve_on_spot": _("现场处置"),
    "merged_from": _("合并重复案件"),
}
_HANDLING_STATES = (CaseState.DISPATCHED, CaseState.HANDLING)


def is_staff(user) -> bool:
    return user.is_authenticated and user.has_role(*STAFF_ROLES)


# ---------------------------------------------------------------- accounts


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    client = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text=_("客户端名称，如“某某手机”，便于在后台识别")
    )


class RoleSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class QueueRefSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("用作案件列表的 queue 参数"))
    label = serializers.CharField()


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")
    phone = serializers.CharField()
    roles = serializers.SerializerMethodField()
    queues = serializers.SerializerMethodField()

    @extend_schema_field(RoleSerializer(many=True))
    def get_roles(self, user):
        return [{"code": code, "label": str(Role(code).label)} for code in sorted(user.roles)]

    @extend_schema_field(QueueRefSerializer(many=True))
    def get_queues(self, user):
        from cases.selectors import queues_for

        return [{"name": name, "label": str(QUEUES[name][0])} for name in queues_for(user)]


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("放在请求头 Authorization: Bearer <token> 中；只显示这一次"))
    expires_at = serializers.DateTimeField()
    user = UserSerializer()


# ---------------------------------------------------------------- reference data


class CategorySerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "kind", "major_code", "major_name", "minor_code", "name", "name_en", "priority"]
        fields += ["time_basis", "handle_hours", "officer_may_resolve"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "name_en", "level", "community"]


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class PlaceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# ---------------------------------------------------------------- cases


class CaseSerializer(serializers.Serializer):
    """A case as listed: what a work queue shows."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("案件编号，也是 Open311 的 service_request_id"))
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = serializers.SerializerMethodField()
    source = serializers.ChoiceField(choices=CaseSource.choices)
    priority = serializers.IntegerField()
    category = CategoryRefSerializer()
    grid = PlaceRefSerializer()
    community = PlaceRefSerializer()
    unit = UnitRefSerializer(allow_null=True)
    address = serializers.CharField()
    description = serializers.CharField()
    lon = serializers.FloatField(source="location.x")
    lat = serializers.FloatField(source="location.y")
    reported_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True, help_text=_("本环节时限；空表示本环节不计时"))
    overdue = serializers.SerializerMethodField(help_text=_("本环节已超时"))
    external_system = serializers.CharField()
    external_id = serializers.CharField()

    def get_state_label(self, case) -> str:
        # Translated once per response: get_state_display translates every choice per call.
        if "state_labels" not in self.context:
            self.context["state_labels"] = {value: str(label) for value, label in CaseState.choices}
        return self.context["state_labels"][case.state]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, case):
        return case.due_at is not None and case.due_at < self.context["now"]


class CountdownSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    remaining_hours = serializers.FloatField(help_text=_("剩余小时数（按类别的计时方式），超时为负"))
    fraction_used = serializers.FloatField(help_text=_("已用时限比例，1 为到期"))
    level = serializers.ChoiceField(choices=["normal", "warning", "overdue"])


class LocationSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    url = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()
    taken_at = serializers.SerializerMethodField(help_text=_("照片 EXIF 中的拍摄位置；仅工作人员可见"))

    def get_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(photo.image.url)

    @extend_schema_field(LocationSerializer(allow_null=True))
    def get_taken_at(self, photo):
        taken_at = getattr(photo, "taken_at", None)
        if taken_at is None or not self.context["staff"]:
            return None
        return {"lon": taken_at.location.x, "lat": taken_at.location.y}


class EventSerializer(serializers.Serializer):
    """A line of the timeline. Names of staff and their notes are shown to staff only."""

    id = serializers.IntegerField()
    action = serializers.CharField()
    label = serializers.SerializerMethodField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    def get_label(self, event) -> str:
        transition = TRANSITIONS.get(event.action)
        return str(transition.label if transition else _OTHER_EVENT_LABELS.get(event.action, event.action))

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, event):
        if self.context["staff"] and event.actor_id:
            return event.actor.display_name
        return None

    def get_note(self, event) -> str:
        return event.note if self.context["staff"] else ""

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, event):
        return PhotoSerializer(event.photos.all(), many=True, context=self.context).data


class ActionRefSerializer(serializers.Serializer):
    action = serializers.CharField(help_text=_("POST /api/v1/cases/{id}/<action>/"))
    label = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    """A case with its timeline, countdown and the actions the caller may take now."""

    reporter_name = serializers.SerializerMethodField(help_text=_("仅工作人员可见"))
    reporter_phone = serializers.SerializerMethodField(help_text=_("仅工作人员可见"))
    handle_due_at = serializers.DateTimeField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    filed_at = serializers.DateTimeField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    handled_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    rework_count = serializers.IntegerField()
    return_count = serializers.IntegerField()
    extension_count = serializers.IntegerField()
    resolved_on_spot = serializers.BooleanField()
    merged_into = serializers.CharField(source="merged_into.number", allow_null=True, default=None)
    satisfaction = serializers.IntegerField(allow_null=True)
    evaluation_score = serializers.IntegerField(allow_null=True)
    countdown = serializers.SerializerMethodField(help_text=_("本环节倒计时；本环节不计时（或挂账）时为空"))
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text=_("调用者现在可以执行的操作"))

    @extend_schema_field(OpenApiTypes.STR)
    def get_reporter_name(self, case):
        return case.reporter_name if self.context["staff"] else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_reporter_phone(self, case):
        return case.reporter_phone if self.context["staff"] else None

    @extend_schema_field(CountdownSerializer(allow_null=True))
    def get_countdown(self, case):
        if case.due_at is None:
            return None
        now = self.context["now"]
        started = case.dispatched_at if case.state in _HANDLING_STATES else case.stage_started_at
        started = started or case.reported_at
        basis = case.category.time_basis
        used = fraction_used(started, case.due_at, now, basis)
        if now > case.due_at:
            level = "overdue"
        elif used >= settings.DEADLINE_WARNING_FRACTION:
            level = "warning"
        else:
            level = "normal"
        countdown = {
            "started_at": started,
            "due_at": case.due_at,
            "remaining_hours": round(remaining(now, case.due_at, basis), 2),
            "fraction_used": round(used, 4),
            "level": level,
        }
        return CountdownSerializer(countdown).data

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, case):
        return EventSerializer(self.context["timeline"], many=True, context=self.context).data

    @extend_schema_field(ActionRefSerializer(many=True))
    def get_actions(self, case):
        return [{"action": t.action, "label": str(t.label)} for t in self.context["actions"]]


class PhotoListField(serializers.ListField):
    child = serializers.FileField()

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=settings.CASE_MAX_PHOTOS, **kwargs)


class CaseCreateSerializer(serializers.Serializer):
    """A new report. Send multipart/form-data to attach photos. Without lon/lat, the GPS
    position in the first photo's EXIF data is used."""

    category = serializers.IntegerField(help_text=_("案件类别 id（GET /api/v1/categories/）"))
    lon = serializers.FloatField(required=False, help_text=_("经度（WGS84）"))
    lat = serializers.FloatField(required=False, help_text=_("纬度（WGS84）"))
    description = serializers.CharField(max_length=4000, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    source = serializers.ChoiceField(
        choices=CaseSource.choices,
        required=False,
        help_text=_("默认：网格员为 officer，外部系统为 platform，其他为 resident"),
    )
    resolve_on_spot = serializers.BooleanField(
        required=False, default=False, help_text=_("网格员现场处置（类别允许时），需附处置后照片")
    )
    photos = PhotoListField(help_text=_("处置前照片（multipart）"))
    after_photos = PhotoListField(help_text=_("现场处置后照片（multipart）"))
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("外部系统的编号（仅 API 密钥调用）：同一编号重复提交返回原案件，不会重复立案"),
    )


class ActionInputSerializer(serializers.Serializer):
    """What an action may carry; each action reads the fields it needs and says which are
    missing (400). Send multipart/form-data to attach photos."""

    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, help_text=_("说明、理由或处置情况"))
    photos = PhotoListField(help_text=_("照片（multipart），如处理反馈的处置后照片"))
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, help_text=_("派遣：处置单位 id")
    )
    hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, help_text=_("申请延期：延期时长（小时）")
    )
    score = serializers.IntegerField(required=False, help_text=_("评价：1-5 分"))
    duplicate_of = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.none(), required=False, help_text=_("合并：合并到的案件 id")
    )

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["duplicate_of"].queryset = cases


# ---------------------------------------------------------------- notifications and KPIs


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("本次标记为已读的条数"))


KPI_FIRST_DAY, KPI_LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


class KpiQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text=_("统计期开始日（含），按立案时间"))
    end = serializers.DateField(help_text=_("统计期结束日（含）"))
    by = serializers.ChoiceField(
        choices=["community", "grid", "unit", "category"], required=False, help_text=_("分组；不填为汇总")
    )

    def validate(self, attrs):
        for name in ("start", "end"):
            if not (KPI_FIRST_DAY <= attrs[name] <= KPI_LAST_DAY):
                raise serializers.ValidationError({name: _("日期须在 2000 年至 2099 年之间")})
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": _("结束日不能早于开始日")})
        if (attrs["end"] - attrs["start"]).days > 366 * 5:
            raise serializers.ValidationError({"end": _("统计期不能超过五年")})
        return attrs
