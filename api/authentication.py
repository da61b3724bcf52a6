"""Who is calling: an app user with a login token, an external system with its API key,
or a browser with its session (DRF's SessionAuthentication, which enforces CSRF)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiKey, AuthToken, hash_secret

# `last_used_at` is for people reading the admin: writing it on every request would turn
# each read into a write, so it is refreshed at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _credential(request, scheme: str) -> str | None:
    """The credential after `Authorization: <scheme> `, None without that header."""
    parts = authentication.get_authorization_header(request).split()
    if not parts or parts[0].lower() != scheme.lower().encode():
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(_("Authorization 头格式错误"))
    try:
        return parts[1].decode()
    except UnicodeError:
        raise exceptions.AuthenticationFailed(_("Authorization 头格式错误")) from None


def _touch(model, row, now):
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        model.objects.filter(pk=row.pk).update(last_used_at=now)


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token/."""

    scheme = "Bearer"

    def authenticate(self, request):
        secret = _credential(request, self.scheme)
        if secret is None:
            return None
        now = timezone.now()
        token = AuthToken.objects.select_related("user").filter(key_hash=hash_secret(secret)).first()
        if token is None or not token.is_usable(now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或已过期，请重新登录"))
        _touch(AuthToken, token, now)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.scheme} realm="api"'


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`X-Api-Key: <key>` (or `Authorization: Api-Key <key>`) of an external system. The
    request acts as the system's service account; `request.auth` is the ApiKey."""

    def authenticate(self, request):
        secret = request.headers.get("X-Api-Key") or _credential(request, "Api-Key")
        if not secret:
            return None
        api_key = authenticate_api_key(secret)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("API 密钥无效或已停用"))
        return api_key.user, api_key


def authenticate_api_key(secret: str) -> ApiKey | None:
    """The active key with this secret, None for an unknown or revoked one."""
    api_key = ApiKey.objects.select_related("user").filter(key_hash=hash_secret(secret), active=True).first()
    if api_key is None or not api_key.user.is_active:
        return None
    _touch(ApiKey, api_key, timezone.now())
    return api_key


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_("POST /api/v1/auth/token/ 取得的登录令牌，有效期有限，注销即失效")),
        }


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": str(_("外部系统的 API 密钥，由管理员在后台生成")),
        }
