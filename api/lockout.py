"""The answer to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE): the API's error
shape for API clients, the lockout page for browsers."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        body = {"detail": _("连续登录失败次数过多，账号已暂时锁定，请稍后再试"), "code": "locked_out"}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=status)
