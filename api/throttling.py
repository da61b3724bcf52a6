"""Request rates: per external system's key, per user, per address for anonymous callers.
Rates are settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), counted in the cache."""

from rest_framework.throttling import SimpleRateThrottle

from api.permissions import api_key_of


class ClientRateThrottle(SimpleRateThrottle):
    """One bucket per API key (scope `api_key`), per user (`user`) or per client address
    (`anon`), each with its own rate."""

    scope = "user"

    def __init__(self):
        # The rate depends on who calls, so it is looked up per request in allow_request.
        pass

    def allow_request(self, request, view):
        self.scope = self._scope_of(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    @staticmethod
    def _scope_of(request):
        if api_key_of(request) is not None:
            return "api_key"
        return "user" if request.user and request.user.is_authenticated else "anon"

    def get_cache_key(self, request, view):
        api_key = api_key_of(request)
        if api_key is not None:
            ident = f"key{api_key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginRateThrottle(SimpleRateThrottle):
    """Password attempts per client address, on top of the per-account lockout."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
