"""Every error of the REST API in one shape:

    {"detail": "a sentence for people", "code": "machine_readable", "fields": {"name": ["message", ...]}}

`fields` is present for input errors only (400, code "invalid"). Status codes: 400 input,
401 not signed in or bad credentials, 403 not allowed, 404 not found or outside the
caller's scope, 405 method, 409 workflow action not allowed in the state of the case
(dispute, legal-aid application), 415 media type, 429 throttled (with Retry-After)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler

from gaoxin.workflow import ActionNotAllowed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "action_not_allowed"


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (for the OpenAPI schema)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


def exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let it surface as a 500 and be logged
    response.data = _body(exc)
    return response


def _as_api_exception(exc):
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(_messages_by_field(exc))
    if isinstance(exc, ActionNotAllowed):
        return Conflict(exc.message)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def _messages_by_field(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: [str(message) for message in messages] for field, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(message) for message in exc.messages]}


def _body(exc) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": _flatten(exc.detail)}
        return {"detail": _("输入有误，请检查后重试"), "code": "invalid", "fields": fields}
    detail = exc.detail
    if isinstance(detail, dict | list):  # a view raising a structured error by hand
        detail = str(detail)
    code = getattr(detail, "code", None) or exc.default_code
    return {"detail": str(detail), "code": code}


def _flatten(detail):
    """DRF nests errors of nested serializers and list items; clients get field -> messages."""
    if isinstance(detail, dict):
        flat = {}
        for field, value in detail.items():
            nested = _flatten(value)
            if isinstance(nested, dict):
                flat.update({f"{field}.{key}": messages for key, messages in nested.items()})
            else:
                flat[field] = nested
        return flat
    if isinstance(detail, list):
        messages = []
        for item in detail:
            nested = _flatten(item)
            if isinstance(nested, dict):
                messages.extend(message for values in nested.values() for message in values)
            else:
                messages.extend(nested)
        return messages
    return [str(detail)]


def page_not_found(request, exception=None):
    """The site's 404 (handler404): for a URL no route matches (say /api/v1/cases/abc/),
    API clients get their error shape rather than the HTML page people get."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": 404, "description": _("未找到。")}], status=404, safe=False)
    return defaults.page_not_found(request, exception)
