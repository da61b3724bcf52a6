"""Reading a service's input, as the apps with a service layer of their own (mediation,
legal aid) share it: each service asks for the fields it needs and every problem is
collected, so the caller gets one ValidationError with a message per field. Objects may be
given as instances or ids; either way they are looked up in a queryset the service
chooses, so an id from outside the caller's reach is an input error, never a way in.
Each app's Input adds the readers only it needs (its dates, uploads, identity numbers)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MISSING = object()
_PHONE = re.compile(r"^\+?[0-9][0-9-]{6,19}$")
# What an uploaded document may be: checked on the file's first bytes, not on its name.
_DOCUMENT_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def given(values: dict) -> dict:
    """The values a caller filled in: a blank field leaves the service's default."""
    return {name: value for name, value in values.items() if value not in (None, "", [])}


def valid_phone(value: str) -> bool:
    return bool(_PHONE.match(value or ""))


def document_type(upload) -> str:
    """The content type of a PDF, PNG or JPEG upload, or "" for any other file."""
    head = upload.read(8)
    upload.seek(0)
    return next((kind for magic, kind in _DOCUMENT_SIGNATURES.items() if head.startswith(magic)), "")


class ServiceInput:
    def __init__(self, params: dict):
        self.params = dict(params)
        self.errors: dict[str, str] = {}
        self._read: set[str] = set()

    def raw(self, name, default=None):
        """The value as given (marked as read)."""
        self._read.add(name)
        value = self.params.get(name, _MISSING)
        return default if value is _MISSING else value

    def error(self, name, message):
        self.errors.setdefault(name, message)

    def check(self):
        unknown = set(self.params) - self._read
        if unknown:
            raise TypeError(f"unexpected input: {', '.join(sorted(unknown))}")
        if self.errors:
            raise ValidationError(self.errors)

    def text(self, name, *, required=None, max_length=None) -> str:
        value = str(self.raw(name) or "").strip()
        if required and not value:
            self.error(name, required)
        if max_length and len(value) > max_length:
            self.error(name, _("不能超过 %(n)s 个字") % {"n": max_length})
        return value

    def boolean(self, name, default=False) -> bool:
        value = self.raw(name, default)
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "on", "yes"}
        return bool(value)

    def choice(self, name, choices, *, required=None, default=""):
        value = self.raw(name) or default
        value = getattr(value, "value", value)
        if not value:
            if required:
                self.error(name, required)
            return ""
        if value not in choices.values:
            self.error(name, _("无效的选项"))
            return ""
        return value

    def choices(self, name, choices, *, required=None) -> list:
        values = self.raw(name) or []
        if isinstance(values, str):
            values = [values]
        values = [getattr(v, "value", v) for v in values]
        if required and not values:
            self.error(name, required)
        if any(v not in choices.values for v in values):
            self.error(name, _("无效的选项"))
            return []
        return list(dict.fromkeys(values))

    def integer(self, name, *, low, high, required=None):
        value = self.raw(name)
        if value in (None, ""):
            if required:
                self.error(name, required)
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(value, bool) or not low <= number <= high:
            self.error(name, _("须为 %(low)s 到 %(high)s 的整数") % {"low": low, "high": high})
            return None
        return number

    def one(self, name, queryset, *, required=None, default=None, invalid=None):
        """An object of `queryset`, given as an instance or an id."""
        value = self.raw(name)
        if value in (None, ""):
            if required and default is None:
                self.error(name, required)
            return default
        pk = getattr(value, "pk", value)
        found = queryset.filter(pk=pk).first() if str(pk).isdigit() else None
        if found is None:
            self.error(name, invalid or _("选择无效"))
        return found


class ServiceForm(forms.Form):
    """A web form whose cleaned data are a service's input."""

    def params(self) -> dict:
        return given(self.cleaned_data)

    def show_errors(self, error):
        """Put a service's ValidationError next to the fields it names."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
