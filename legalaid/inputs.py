"""Reading a service's input: each service asks for the fields it needs and every problem
is collected, so the caller gets one ValidationError with a message per field. Objects may
be given as instances or ids; either way they are looked up in a queryset the service
chooses, so an id from outside the caller's reach is an input error, never a way in."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

_MISSING = object()
_PHONE = re.compile(r"^\+?[0-9][0-9-]{6,19}$")
_ID_NUMBER = re.compile(r"^([0-9]{17}[0-9X]|[0-9]{15}|[A-Z0-9]{6,18})$")

# What an uploaded paper may be: checked on the file's first bytes, not on its name.
PAPER_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def valid_phone(value: str) -> bool:
    return bool(_PHONE.match(value or ""))


def valid_id_number(value: str) -> bool:
    """Resident identity card numbers (18 or 15 characters) and, for foreigners and people
    from Hong Kong, Macao and Taiwan, passport or permit numbers."""
    return bool(_ID_NUMBER.match((value or "").upper()))


class Input:
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
        value = getattr(self.raw(name), "value", self.raw(name)) or default
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

    def decimal(self, name, *, low, high):
        value = self.raw(name)
        if value in (None, ""):
            return None
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or isinstance(value, bool) or not number.is_finite() or not low <= number <= high:
            self.error(name, _("须为 %(low)s 到 %(high)s 之间的数") % {"low": low, "high": high})
            return None
        return number.quantize(Decimal("0.01"))

    def day(self, name, *, required=None) -> date | None:
        value = self.raw(name)
        if value in (None, ""):
            if required:
                self.error(name, required)
            return None
        if isinstance(value, datetime):
            return timezone.localdate(value) if timezone.is_aware(value) else value.date()
        if isinstance(value, date):
            return value
        try:
            parsed = parse_date(str(value))
        except ValueError:
            parsed = None
        if parsed is None:
            self.error(name, _("日期格式应为 YYYY-MM-DD"))
        return parsed

    def one(self, name, queryset, *, required=None, invalid=None):
        """An object of `queryset`, given as an instance or an id."""
        value = self.raw(name)
        if value in (None, ""):
            if required:
                self.error(name, required)
            return None
        pk = getattr(value, "pk", value)
        found = queryset.filter(pk=pk).first() if str(pk).isdigit() and len(str(pk)) < 19 else None
        if found is None:
            self.error(name, invalid or _("选择无效"))
        return found

    def phone(self, name, *, required=None) -> str:
        value = self.text(name, required=required, max_length=20)
        if value and not valid_phone(value):
            self.error(name, _("请输入有效的电话号码"))
        return value

    def id_number(self, name, *, required=None) -> str:
        value = self.text(name, required=required, max_length=30).upper()
        if value and not valid_id_number(value):
            self.error(name, _("证件号码格式不正确（身份证号为 18 位）"))
        return value

    def uploads(self, name, *, required=None) -> list:
        """Uploaded PDF, PNG or JPEG files no larger than the setting, with their content types."""
        files = self.raw(name) or []
        if not isinstance(files, list | tuple):
            files = [files]
        files = [f for f in files if f]
        if not files:
            if required:
                self.error(name, required)
            return []
        checked = []
        limit = settings.LEGALAID_PAPER_MAX_BYTES
        for upload in files:
            if not hasattr(upload, "read") or not hasattr(upload, "size"):
                self.error(name, _("请上传文件"))
                return []
            if upload.size > limit:
                self.error(name, _("每个文件不能超过 %(mb)s MB") % {"mb": limit // (1024 * 1024)})
                return []
            head = upload.read(8)
            upload.seek(0)
            content_type = next((kind for magic, kind in PAPER_SIGNATURES.items() if head.startswith(magic)), "")
            if not content_type:
                self.error(name, _("只能上传 PDF、PNG 或 JPEG 文件"))
                return []
            checked.append((upload, content_type))
        if len(checked) > settings.LEGALAID_MAX_PAPERS_PER_UPLOAD:
            self.error(name, _("一次最多上传 %(n)s 个文件") % {"n": settings.LEGALAID_MAX_PAPERS_PER_UPLOAD})
            return []
        return checked
