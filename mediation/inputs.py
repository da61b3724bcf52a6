"""Reading an action's input: each service effect asks for the fields it needs and every
problem is collected, so the caller gets one ValidationError with a message per field.
Objects may be given as instances or ids; either way they are looked up within the
dispute, so an id from another dispute is an input error, never a way in."""

import re
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

_MISSING = object()
# Dates and times outside these years are typing mistakes, and would overflow the arithmetic.
_PLAUSIBLE_YEARS = (2000, 2100)
_PHONE = re.compile(r"^\+?[0-9][0-9-]{6,19}$")
_ID_NUMBER = re.compile(r"^[0-9A-Za-z]{15,18}$")

# What a document upload may be: checked on the file's first bytes, not on its name.
DOCUMENT_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


class Input:
    def __init__(self, params: dict):
        self.params = dict(params)
        self.errors: dict[str, str] = {}
        self._read: set[str] = set()

    def raw(self, name, default=_MISSING):
        """The value as given (marked as read)."""
        self._read.add(name)
        value = self.params.get(name, default)
        return None if value is _MISSING else value

    def error(self, name, message):
        self.errors.setdefault(name, message)

    def check(self):
        unknown = set(self.params) - self._read
        if unknown:
            raise TypeError(f"unexpected input: {', '.join(sorted(unknown))}")
        if self.errors:
            raise ValidationError(self.errors)

    def text(self, name, *, required=None, max_length=None) -> str:
        value = self.raw(name) or ""
        value = str(value).strip()
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
        values = [getattr(v, "value", v) for v in (self.raw(name) or [])]
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

    def day(self, name, *, required=None) -> date | None:
        value = self.raw(name)
        if value in (None, ""):
            if required:
                self.error(name, required)
            return None
        if isinstance(value, datetime):
            value = timezone.localdate(value)
        parsed = value if isinstance(value, date) else _parsed(parse_date, value)
        if parsed is None:
            self.error(name, _("日期格式应为 YYYY-MM-DD"))
        elif not _PLAUSIBLE_YEARS[0] <= parsed.year <= _PLAUSIBLE_YEARS[1]:
            self.error(name, _("日期超出范围"))
            return None
        return parsed

    def moment(self, name, *, required=None, default=None) -> datetime | None:
        value = self.raw(name)
        if value in (None, ""):
            if required:
                self.error(name, required)
            return default
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime.combine(value, time(9, 0))
        if not isinstance(value, datetime):
            value = _parsed(parse_datetime, value)
            if value is None:
                self.error(name, _("时间格式应为 YYYY-MM-DD HH:MM"))
                return default
        if not _PLAUSIBLE_YEARS[0] <= value.year <= _PLAUSIBLE_YEARS[1]:
            self.error(name, _("时间超出范围"))
            return default
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

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

    def many(self, name, queryset, *, required=None, invalid=None) -> list:
        values = self.raw(name) or []
        pks = {getattr(v, "pk", v) for v in values}
        if not pks:
            if required:
                self.error(name, required)
            return []
        if not all(str(pk).isdigit() for pk in pks):
            self.error(name, invalid or _("选择无效"))
            return []
        found = list(queryset.filter(pk__in=pks))
        if len(found) != len(pks):
            self.error(name, invalid or _("选择无效"))
        return found

    def upload(self, name, *, required=None):
        """An uploaded PDF, PNG or JPEG file no larger than the setting; its content type."""
        upload = self.raw(name)
        if not upload:
            if required:
                self.error(name, required)
            return None, ""
        if upload.size > settings.MEDIATION_DOCUMENT_MAX_BYTES:
            limit = settings.MEDIATION_DOCUMENT_MAX_BYTES // (1024 * 1024)
            self.error(name, _("文件不能超过 %(mb)s MB") % {"mb": limit})
            return None, ""
        head = upload.read(8)
        upload.seek(0)
        content_type = next((kind for magic, kind in DOCUMENT_SIGNATURES.items() if head.startswith(magic)), "")
        if not content_type:
            self.error(name, _("只能上传 PDF、PNG 或 JPEG 文件"))
            return None, ""
        return upload, content_type


def _parsed(parse, value):
    try:
        return parse(str(value))
    except ValueError:
        return None


def valid_phone(value: str) -> bool:
    return bool(_PHONE.match(value))


def valid_id_number(value: str) -> bool:
    return bool(_ID_NUMBER.match(value))
