"""Forms of the public pages: the complaint, the tracking look-up and the rating."""

import math
import re
import time
from itertools import groupby

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import Category
from cases.photos import validate_photos

FORM_TOKEN_SALT = "public.report-form"
# A form left open longer than this is sent with a fresh token after one error.
FORM_TOKEN_MAX_AGE = 24 * 3600
PHOTO_TYPES = "image/jpeg,image/png,image/webp"

_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")
_PHONE = re.compile(r"^(1\d{10}|0\d{9,11})$")


def normalise_phone(value: str) -> str:
    """Digits only, so "139 0000 0001" and "139-0000-0001" are the same number."""
    return _PHONE_SEPARATORS.sub("", value or "")


class PhoneField(forms.CharField):
    default_error_messages = {"invalid": _("请输入11位手机号，或带区号的固定电话")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def to_python(self, value):
        return normalise_phone(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not _PHONE.match(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")


class CategorySelect(forms.Select):
    """A <select> with optgroups by major class; every option carries the words the
    filter box matches (name, English name, code, major class)."""

    def __init__(self, keywords=None, **kwargs):
        super().__init__(**kwargs)
        self.keywords = keywords or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.keywords:
            option["attrs"]["data-keywords"] = self.keywords[str(value)]
        return option


def category_choices():
    """(grouped choices, keywords per value, categories by value) over the active
    categories, in one query."""
    categories = Category.objects.filter(active=True).order_by("kind", "major_code", "minor_code")
    choices, keywords, by_value = [("", _("请选择问题类别"))], {}, {}
    for _group, members in groupby(categories, key=lambda c: (c.kind, c.major_code)):
        members = list(members)
        group = f"{members[0].get_kind_display()} · {members[0].major_name}"
        options = []
        for category in members:
            label = category.label
            options.append((str(category.pk), label))
            words = (category.name, category.name_en, category.code, category.major_name)
            keywords[str(category.pk)] = " ".join(word for word in words if word).lower()
            by_value[category.pk] = category
        choices.append((group, options))
    return choices, keywords, by_value


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to CASE_MAX_PHOTOS images, checked the way the case services check them."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": PHOTO_TYPES, "multiple": True})

    def clean(self, data, initial=None):
        files = []
        for upload in data if isinstance(data, list | tuple) else [data]:
            if upload:
                files.append(super().clean(upload, initial))
        try:
            return validate_photos(files)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["photos"]) from None


class LocationWidget(forms.MultiWidget):
    """Two hidden inputs, location_lon and location_lat, set by the map."""

    def __init__(self):
        super().__init__(widgets={"lon": forms.HiddenInput, "lat": forms.HiddenInput})

    def decompress(self, value):
        return list(value) if value else [None, None]


class LocationField(forms.MultiValueField):
    widget = LocationWidget
    default_error_messages = {
        "required": _("请在地图上点选问题位置，或点“使用我的位置”"),
        "invalid": _("位置无效，请在地图上重新点选"),
    }

    def __init__(self, **kwargs):
        fields = (forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=True, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        try:
            lon, lat = (float(part) for part in data_list)
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return lon, lat


def issue_form_token(now=None) -> str:
    return signing.dumps(time.time() if now is None else now, salt=FORM_TOKEN_SALT)


class ReportForm(forms.Form):
    """A resident's complaint. The service checks the location, the category and the
    photos again; what it says is put next to the field it is about."""

    location = LocationField(label=_("问题位置"))
    category = forms.TypedChoiceField(label=_("问题类别"), coerce=int)
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("发生了什么、具体在哪里、持续多久了"),
    )
    address = forms.CharField(
        label=_("位置补充说明"), max_length=200, required=False, help_text=_("如门牌号、楼栋、附近的参照物")
    )
    photos = PhotosField(
        label=_("现场照片"),
        help_text=_("可选，最多 %(n)d 张，JPEG、PNG 或 WebP，每张不超过 %(mb)d MB")
        % {"n": settings.CASE_MAX_PHOTOS, "mb": settings.CASE_PHOTO_MAX_BYTES // (1024 * 1024)},
    )
    reporter_phone = PhoneField(label=_("联系电话"), help_text=_("凭投诉编号和此电话查询办理进度；不会公开"))
    reporter_name = forms.CharField(label=_("称呼"), max_length=50, required=False, help_text=_("可选"))
    # Robots fill every field; people never see this one.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = time.time() if now is None else now
        choices, keywords, self.categories = category_choices()
        self.fields["category"].choices = choices
        self.fields["category"].widget = CategorySelect(keywords=keywords, choices=choices)
        self.fields["description"].widget.attrs["maxlength"] = 2000
        if not self.is_bound:
            self.initial.setdefault("form_token", issue_form_token(self.now))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(_("提交未通过安全校验，请刷新页面后重新填写"), code="honeypot")
        try:
            issued = signing.loads(cleaned.get("form_token") or "", salt=FORM_TOKEN_SALT, max_age=FORM_TOKEN_MAX_AGE)
        except signing.BadSignature:
            self.renew_token()
            raise ValidationError(_("页面已过期，请确认内容后再次提交"), code="stale_form") from None
        if self.now - float(issued) < settings.PUBLIC_FORM_MIN_SECONDS:
            raise ValidationError(_("提交太快了，请确认内容后再次提交"), code="too_fast")
        return cleaned

    def renew_token(self):
        """Send the form back with a fresh token, the user's input kept."""
        self.data = self.data.copy()
        self.data[self.add_prefix("form_token")] = issue_form_token(self.now)

    @property
    def photos_were_sent(self) -> bool:
        return bool(self.files.getlist(self.add_prefix("photos"))) if self.is_bound else False


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("投诉编号"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reporter_phone = PhoneField(label=_("投诉时留下的联系电话"))

    def clean_number(self):
        return self.cleaned_data["number"].strip()


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[(5, _("非常满意")), (4, _("满意")), (3, _("一般")), (2, _("不满意")), (1, _("非常不满意"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("评价意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
