"""Filters shared by the API's list endpoints."""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC. Python accepts UTC offsets up to 24 hours and
    PostgreSQL only up to 16, so a value is converted before it reaches a query; one
    that cannot be (beyond year 9999 in UTC) is an input error, not a server error."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("日期时间超出范围"), code="invalid") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField
