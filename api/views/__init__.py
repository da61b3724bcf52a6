"""Thin DRF views over the apps' services and selectors, one module per resource."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from api.exceptions import ErrorSerializer
from api.permissions import ApiKeyScopes


def error(description):
    return OpenApiResponse(ErrorSerializer, description=description)


# Error responses every authenticated endpoint can give.
AUTH_ERRORS = {
    401: error("未登录或凭据无效"),
    403: error("无权访问"),
    429: error("请求过于频繁"),
}


class ApiView(APIView):
    """Signed-in callers only; an external system's key only where the view grants a scope."""

    permission_classes = [IsAuthenticated, ApiKeyScopes]


class PublicApiView(ApiView):
    """Open to the public (throttled per address); external systems' keys stay out."""

    permission_classes = [ApiKeyScopes]
    authentication_classes = []  # no session, so no CSRF: public forms are anonymous anyway
