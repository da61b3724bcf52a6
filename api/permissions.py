"""Who may call what. Which cases a caller may see and act on is not decided here: that is
cases.selectors.visible_cases and the transition table, called by the views."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.roles import STAFF_ROLES
from api.models import ApiKey


def api_key_of(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class ApiKeyScopes(BasePermission):
    """An external system's key reaches only the views that name a scope for the request's
    method in `api_key_scopes`, and only with that scope granted. Users are not limited."""

    message = _("该 API 密钥无权访问此接口")

    def has_permission(self, request, view):
        api_key = api_key_of(request)
        if api_key is None:
            return True
        scope = getattr(view, "api_key_scopes", {}).get(request.method)
        return scope is not None and api_key.allows(scope)


class IsUser(BasePermission):
    """A person signed in (token or session), not an external system."""

    message = _("此接口仅供登录用户使用")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and api_key_of(request) is None


class IsStaff(IsUser):
    """Platform staff: any role but resident."""

    message = _("仅工作人员可以访问")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.has_role(*STAFF_ROLES)
