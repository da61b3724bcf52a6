"""Forms of the staff case pages. They turn request data into the arguments of
cases.services (report, act) and of the case search; the services stay the one judge of
what is valid, and their per-field messages land back on these forms' fields."""

from dataclasses import dataclass
from itertools import groupby

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cases.models import OPEN_STATES, Case, CaseKind, CaseState, Category, Unit
from grid.models import Community, Grid

# ---------------------------------------------------------------- shared fields


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to CASE_MAX_PHOTOS images from one <input type=file multiple>; the services
    check each one's type and size."""

    def __init__(self, **kwargs):
        attrs = {"accept": "image/*", "capture": "environment"}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [file for file in (data if isinstance(data, list | tuple) else [data]) if file]
        return [super(MultiplePhotoField, self).clean(file, initial) for file in files]


def _html_attrs(attrs):
    """Django's widgets/attrs.html in Python: ` name="value"`, a bare ` name` for True."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class QuickSelect(forms.Select):
    """A <select> written in Python, the same markup as Django's templates give: those
    render each option through two template includes, and the case search's filters have
    some 250 options (every grid, unit and category), which took half of its page time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _html_attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts += [
                format_html(
                    '<option value="{}"{}>{}</option>', option["value"], _html_attrs(option["attrs"]), option["label"]
                )
                for option in options
            ]
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))


class CategorySelect(QuickSelect):
    """A category <select> grouped by major class; each option says whether an officer
    may resolve it on the spot, for the report page's script."""

    def __init__(self, *args, may_resolve=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.may_resolve = set(may_resolve)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value and str(value) in self.may_resolve:
            option["attrs"]["data-may-resolve"] = "true"
        return option


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


def category_field(*, required, empty_label):
    """A choice of active categories, <optgroup> per kind and major class; returned with
    the categories by their (string) pk, read in the same query."""
    categories = list(Category.objects.filter(active=True).order_by("kind", "major_code", "minor_code"))
    kinds = dict(CaseKind.choices)
    groups = [
        (f"{kinds[kind]} · {major_code} {items[0].major_name}", [(str(c.pk), f"{c.code} {c.label}") for c in items])
        for (kind, major_code), group in groupby(categories, key=lambda c: (c.kind, c.major_code))
        for items in [list(group)]
    ]
    widget = CategorySelect(may_resolve=[str(c.pk) for c in categories if c.officer_may_resolve])
    return forms.ChoiceField(
        label=_("案件类别"), choices=[("", empty_label), *groups], required=required, widget=widget
    ), {str(c.pk): c for c in categories}


def add_service_errors(form, error, aliases=None):
    """Put a service's ValidationError on the form: each message next to its field (or
    the field it is shown with), anything else at the top of the form."""
    aliases = aliases or {}
    for name, messages in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
        target = aliases.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


# ---------------------------------------------------------------- an officer's report


class OfficerReportForm(forms.Form):
    category = forms.ChoiceField()  # replaced in __init__
    description = forms.CharField(
        label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    address = forms.CharField(label=_("地址或位置说明"), max_length=200, required=False)
    lon = forms.FloatField(
        label=_("经度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lat = forms.FloatField(
        label=_("纬度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    photos = MultiplePhotoField(label=_("现场照片"))
    resolve_on_spot = forms.BooleanField(label=_("已现场处置（小问题当场解决）"), required=False)
    after_photos = MultiplePhotoField(label=_("处置后照片"))

    # The service's keys that are shown with another field.
    ERROR_ALIASES = {"location": "lon", "source": None, "reporter_phone": None}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"], self.categories = category_field(required=False, empty_label=_("请选择类别"))
        limit = _("最多 %(n)d 张") % {"n": settings.CASE_MAX_PHOTOS}
        self.fields["photos"].help_text = self.fields["after_photos"].help_text = limit

    def report_arguments(self):
        data = self.cleaned_data
        return {
            "category": self.categories.get(data["category"], data["category"] or ""),
            "description": data["description"],
            "address": data["address"],
            "lon": data["lon"],
            "lat": data["lat"],
            "photos": data["photos"],
            "resolve_on_spot": data["resolve_on_spot"],
            "after_photos": data["after_photos"] if data["resolve_on_spot"] else [],
        }

    def add_report_errors(self, error):
        """The service's messages next to their fields; a missing point asks to locate."""
        if "location" in error.message_dict and (self.cleaned_data["lon"] is None or self.cleaned_data["lat"] is None):
            error.error_dict["location"] = [ValidationError(_("请定位，或在地图上点选问题位置"))]
        add_service_errors(self, error, aliases=self.ERROR_ALIASES)


# ---------------------------------------------------------------- workflow actions


@dataclass(frozen=True)
class ActionSpec:
    fields: tuple = ("note",)
    note_label: str = _("说明（选填）")
    required: tuple = ()  # marked as required; the service decides
    tone: str = ""  # "danger" for actions that send a case back or end it


_REASON = _("原因")
ACTION_SPECS = {
    "verify": ActionSpec(("note", "photos"), _("核实情况（选填）")),
    "request_verification": ActionSpec(("note",), _("需要核实的内容"), ("note",), "danger"),
    "file": ActionSpec(),
    "void": ActionSpec(("note",), _("注销原因"), ("note",), "danger"),
    "merge": ActionSpec(("duplicate_of", "note"), required=("duplicate_of",)),
    "dispatch": ActionSpec(("unit", "note"), _("派遣说明（选填）"), ("unit",)),
    "accept": ActionSpec(),
    "return": ActionSpec(("note",), _("回退原因"), ("note",), "danger"),
    "feedback": ActionSpec(("note", "photos"), _("处理记录"), ("note", "photos")),
    "check_pass": ActionSpec(("note", "photos"), _("核查情况（选填）")),
    "check_fail": ActionSpec(("note", "photos"), _("不通过原因"), ("note",), "danger"),
    "close": ActionSpec(),
    "rework": ActionSpec(("note",), _("返工原因"), ("note",), "danger"),
    "request_extension": ActionSpec(("hours", "note"), _("延期理由"), ("hours", "note")),
    "approve_extension": ActionSpec(),
    "reject_extension": ActionSpec(("note",), _("驳回理由"), ("note",), "danger"),
    "request_hold": ActionSpec(("note",), _("挂账理由"), ("note",)),
    "approve_hold": ActionSpec(),
    "reject_hold": ActionSpec(("note",), _("驳回理由"), ("note",), "danger"),
    "release": ActionSpec(),
    "rate": ActionSpec(("score", "note"), _("评价意见（选填）"), ("score",)),
    "evaluate": ActionSpec(("score", "note"), _("评价意见（选填）"), ("score",)),
}

_PHOTO_LABELS = {
    "feedback": _("处置后照片"),
    "verify": _("核实照片（选填）"),
    "check_pass": _("核查照片（选填）"),
    "check_fail": _("核查照片（选填）"),
}


class ActionForm(forms.Form):
    """The input of one workflow action. Field names are the services' parameter names,
    ids are prefixed with the action (several of these forms share a page)."""

    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = MultiplePhotoField()
    unit = UnitChoiceField(
        label=_("处置单位"), queryset=Unit.objects.filter(active=True), required=False, empty_label=_("请选择处置单位")
    )
    hours = forms.DecimalField(
        label=_("延期时长（小时）"),
        max_digits=7,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"}),
    )
    score = forms.TypedChoiceField(
        label=_("评分（1-5）"),
        choices=[("", _("请选择")), *((n, str(n)) for n in range(5, 0, -1))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    duplicate_of = forms.ModelChoiceField(
        label=_("合并到案件"), queryset=Case.objects.none(), required=False, empty_label=_("请选择要合并到的案件")
    )

    def __init__(self, action, *args, duplicates=None, suggested_unit=None, **kwargs):
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.action = action
        self.spec = ACTION_SPECS[action]
        for name in [name for name in self.fields if name not in self.spec.fields]:
            del self.fields[name]
        self.order_fields(self.spec.fields)
        for name in self.spec.required:
            self.fields[name].marked_required = True
        if "note" in self.fields:
            self.fields["note"].label = self.spec.note_label
        if "photos" in self.fields:
            self.fields["photos"].label = _PHOTO_LABELS.get(action, _("照片"))
        if "duplicate_of" in self.fields and duplicates is not None:
            self.fields["duplicate_of"].queryset = duplicates
            self.fields["duplicate_of"].label_from_instance = _duplicate_label
        if "unit" in self.fields and suggested_unit is not None and not self.is_bound:
            self.initial["unit"] = suggested_unit.pk

    def service_input(self):
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


def _duplicate_label(case):
    return f"{case.number} · {case.category.label} · {case.address or case.grid.name}"


# ---------------------------------------------------------------- search and export


class CaseFilterForm(forms.Form):
    """The filters of the case search; the same form drives the exports."""

    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("编号、地址或描述")}),
    )
    state = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *CaseState.choices], required=False, widget=QuickSelect
    )
    category = forms.ChoiceField()  # replaced in __init__
    community = forms.ModelChoiceField(
        label=_("社区"),
        queryset=Community.objects.order_by("code"),
        required=False,
        empty_label=_("全部社区"),
        widget=QuickSelect,
    )
    grid = forms.ModelChoiceField(
        label=_("网格"),
        queryset=Grid.objects.defer("boundary").order_by("code"),
        required=False,
        empty_label=_("全部网格"),
        widget=QuickSelect,
    )
    unit = UnitChoiceField(
        label=_("处置单位"),
        queryset=Unit.objects.order_by("level", "name"),
        required=False,
        empty_label=_("全部单位"),
        widget=QuickSelect,
    )
    date_from = forms.DateField(label=_("上报日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("只看超期"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"], self.categories = category_field(required=False, empty_label=_("全部类别"))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def filter(self, cases, *, now=None):
        """`cases` narrowed by the valid filters (call after is_valid())."""
        data = self.cleaned_data
        if data.get("q"):
            text = data["q"].strip()
            cases = cases.filter(
                Q(number__startswith=text) | Q(address__icontains=text) | Q(description__icontains=text)
            )
        if data.get("state"):
            cases = cases.filter(state=data["state"])
        if data.get("category"):
            cases = cases.filter(category_id=data["category"])
        for name in ("community", "grid", "unit"):
            if data.get(name):
                cases = cases.filter(**{name: data[name]})
        if data.get("date_from"):
            cases = cases.filter(reported_at__date__gte=data["date_from"])
        if data.get("date_to"):
            cases = cases.filter(reported_at__date__lte=data["date_to"])
        if data.get("overdue"):
            # Past the deadline of the stage it is in now (held cases have none).
            cases = cases.filter(state__in=OPEN_STATES, due_at__lt=now or timezone.now())
        return cases
