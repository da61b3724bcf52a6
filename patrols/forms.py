"""Forms of the officers' and supervisors' patrol pages. They turn request data into the
services' arguments; the services judge what is valid and their per-field messages land
back on these forms."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import MultiplePhotoField, category_field
from patrols.models import Answer, Severity, Visit, WorkLogEntry


class ServiceErrorsMixin:
    """Put a service's ValidationError on the fields it names (the rest on the form)."""

    def add_service_errors(self, error: ValidationError):
        for name, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
            target = name if name in self.fields else None
            if name == "location" and "lon" in self.fields:
                target = "lon"
            for message in messages:
                self.add_error(target, message)


def _coordinate(label, required):
    return forms.FloatField(label=label, required=required, widget=forms.HiddenInput)


class LocationForm(ServiceErrorsMixin, forms.Form):
    """Where the officer is: filled in by the page from the phone's position."""

    lon = _coordinate(_("经度"), True)
    lat = _coordinate(_("纬度"), True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lon", "lat"):
            self.fields[name].error_messages["required"] = _("未能获取当前位置，请允许浏览器定位后重试")


class OptionalLocationForm(ServiceErrorsMixin, forms.Form):
    lon = _coordinate(_("经度"), False)
    lat = _coordinate(_("纬度"), False)


class InspectionForm(OptionalLocationForm):
    """One radio group per item of the place type's checklist."""

    not_open = forms.BooleanField(label=_("未营业 / 无法检查"), required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photos = MultiplePhotoField(label=_("照片"))
    patrol = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, checklist, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for item in checklist:
            self.fields[self.item_field(item["key"])] = forms.ChoiceField(
                label=item["label"],
                choices=Answer.choices,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "answer-choice"}),
            )

    @staticmethod
    def item_field(key):
        return f"item_{key}"

    def item_fields(self):
        return [self[self.item_field(item["key"])] for item in self.checklist]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("not_open"):
            for item in self.checklist:
                if not cleaned.get(self.item_field(item["key"])):
                    self.add_error(self.item_field(item["key"]), _("请选择检查结论"))
        return cleaned

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "answers": {item["key"]: data[self.item_field(item["key"])] for item in self.checklist},
            "not_open": data["not_open"],
            "note": data["note"],
            "photos": data["photos"],
            "lon": data["lon"],
            "lat": data["lat"],
            "patrol": data["patrol"],
        }


class HazardForm(OptionalLocationForm):
    description = forms.CharField(label=_("隐患描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    severity = forms.ChoiceField(
        label=_("隐患等级"),
        choices=Severity.choices,
        initial=Severity.GENERAL,
        widget=forms.RadioSelect,
        help_text=_("重大隐患将立即转为案件，进入七步闭环处置。"),
    )
    rectify_days = forms.IntegerField(
        label=_("整改期限（天）"), min_value=1, max_value=365, required=False, help_text=_("留空按场所类型的默认期限")
    )
    photos = MultiplePhotoField(label=_("照片"))
    inspection = forms.IntegerField(required=False, widget=forms.HiddenInput)
    patrol = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"], _categories = category_field(required=False, empty_label=_("（默认：按场所类型）"))
        self.fields["category"].label = _("转案件时的类别")

    def service_arguments(self):
        data = dict(self.cleaned_data)
        data["category"] = data.get("category") or None
        return data


class ReinspectForm(ServiceErrorsMixin, forms.Form):
    rectified = forms.TypedChoiceField(
        label=_("复查结果"),
        choices=[("yes", _("已整改")), ("no", _("未整改"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("复查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    photos = MultiplePhotoField(label=_("照片"))


class EscalateForm(ServiceErrorsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"], _categories = category_field(required=False, empty_label=_("（默认：隐患的类别）"))
        self.fields["category"].label = _("案件类别")


def _when_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("补录时填写，默认现在"),
    )


class VisitForm(OptionalLocationForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Visit.Kind.choices, initial=Visit.Kind.HOUSEHOLD)
    address = forms.CharField(label=_("地址"), max_length=200)
    household = forms.CharField(label=_("走访对象"), max_length=100, required=False)
    summary = forms.CharField(label=_("走访情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    at = _when_field(_("走访时间"))


class WorkLogForm(OptionalLocationForm):
    kind = forms.ChoiceField(label=_("类型"), choices=WorkLogEntry.Kind.choices, initial=WorkLogEntry.Kind.PATROL)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    place_text = forms.CharField(label=_("地点"), max_length=200, required=False)
    dispute_resolved = forms.BooleanField(label=_("矛盾纠纷已化解"), required=False)
    at = _when_field(_("时间"))


class DayForm(forms.Form):
    date = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("date"):
            # A query without a date (a link with only the officer or the period) is about
            # today: the field says so rather than showing an empty date.
            data = data.copy()
            data["date"] = timezone.localdate().isoformat()
        super().__init__(data, *args, **kwargs)

    def day(self):
        return (self.is_valid() and self.cleaned_data.get("date")) or timezone.localdate()


class TrackFilterForm(DayForm):
    officer = forms.CharField(
        label=_("网格员"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"list": "officer-choices", "autocomplete": "off"}),
    )
    grid = forms.RegexField(label=_("网格编码"), regex=r"^\d{15}$", required=False)


class CoverageForm(DayForm):
    period = forms.ChoiceField(
        label=_("范围"), choices=[("day", _("当天")), ("week", _("截至当天的一周"))], required=False, initial="day"
    )

    def days(self):
        last = self.day()
        week = self.is_valid() and self.cleaned_data.get("period") == "week"
        return (last - timedelta(days=6) if week else last), last


class StatisticsForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(
        label=_("分组"),
        choices=[("officer", _("按网格员")), ("grid", _("按网格")), ("community", _("按社区"))],
        required=False,
    )

    MAX_DAYS = 366

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or end - timedelta(days=6)
        if start > end:
            self.add_error("end", _("结束日期不能早于起始日期"))
        elif (end - start).days >= self.MAX_DAYS:
            self.add_error("end", _("时间段最长 %(n)d 天") % {"n": self.MAX_DAYS})
        cleaned.update(start=start, end=end, by=cleaned.get("by") or "officer")
        return cleaned
