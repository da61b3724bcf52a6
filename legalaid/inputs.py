"""Legal aid's readers of a service's input beyond the shared ones (gaoxin.inputs): amounts,
dates, phone and identity numbers, uploaded papers."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gaoxin.inputs import ServiceInput, document_type, valid_phone

_ID_NUMBER = re.compile(r"^([0-9]{17}[0-9X]|[0-9]{15}|[A-Z0-9]{6,18})$")


def valid_id_number(value: str) -> bool:
    """Resident identity card numbers (18 or 15 characters) and, for foreigners and people
    from Hong Kong, Macao and Taiwan, passport or permit numbers."""
    return bool(_ID_NUMBER.match((value or "").upper()))


class Input(ServiceInput):
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
            content_type = document_type(upload)
            if not content_type:
                self.error(name, _("只能上传 PDF、PNG 或 JPEG 文件"))
                return []
            checked.append((upload, content_type))
        if len(checked) > settings.LEGALAID_MAX_PAPERS_PER_UPLOAD:
            self.error(name, _("一次最多上传 %(n)s 个文件") % {"n": settings.LEGALAID_MAX_PAPERS_PER_UPLOAD})
            return []
        return checked
