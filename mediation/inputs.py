"""Mediation's readers of an action's input beyond the shared ones (gaoxin.inputs): dates
and times within plausible years, several objects at once, a case-file document. Objects
are looked up within the dispute, so an id from another dispute is an input error, never
a way in."""

import re
from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from gaoxin.inputs import ServiceInput, document_type

# Dates and times outside these years are typing mistakes, and would overflow the arithmetic.
_PLAUSIBLE_YEARS = (2000, 2100)
_ID_NUMBER = re.compile(r"^[0-9A-Za-z]{15,18}$")


class Input(ServiceInput):
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
        content_type = document_type(upload)
        if not content_type:
            self.error(name, _("只能上传 PDF、PNG 或 JPEG 文件"))
            return None, ""
        return upload, content_type


def _parsed(parse, value):
    try:
        return parse(str(value))
    except ValueError:
        return None


def valid_id_number(value: str) -> bool:
    return bool(_ID_NUMBER.match(value))
