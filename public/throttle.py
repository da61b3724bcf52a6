"""Fixed-window counters in the shared cache (Redis) for the public pages, which anyone
can reach without an account: how many complaints an address or a phone number may
send, and how many look-ups an address may make, in a window of time."""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def client_address(request) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a header the client writes cannot pick its own
    # counter. Behind a reverse proxy, the proxy must set REMOTE_ADDR (e.g. uWSGI's or
    # gunicorn's forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "")


def _key(scope, identity, window_index):
    # Phone numbers are personal data: the cache only ever sees a digest of them. The
    # database name keeps test runs sharing a Redis apart.
    digest = hashlib.sha256(f"{scope}:{identity}".encode()).hexdigest()[:24]
    return f"public-throttle:{connection.settings_dict['NAME']}:{digest}:{window_index}"


def _window(now):
    length = settings.PUBLIC_RATE_WINDOW_SECONDS
    index = int(now // length)
    retry_after = max(1, math.ceil((index + 1) * length - now))
    return index, retry_after


def retry_after(scope, identities, limit, *, now=None) -> int | None:
    """Seconds until the window ends if any identity already used up `limit` in it."""
    now = time.time() if now is None else now
    index, retry = _window(now)
    keys = [_key(scope, identity, index) for identity in identities if identity]
    counts = cache.get_many(keys)
    return retry if any(count >= limit for count in counts.values()) else None


def count(scope, identities, *, now=None) -> None:
    """Count one use against each identity in the current window."""
    now = time.time() if now is None else now
    index, _retry = _window(now)
    for identity in identities:
        if not identity:
            continue
        key = _key(scope, identity, index)
        # add() then incr(): atomic in Redis, so concurrent requests all count.
        cache.add(key, 0, timeout=int(settings.PUBLIC_RATE_WINDOW_SECONDS) + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr(): start again
            cache.add(key, 1, timeout=int(settings.PUBLIC_RATE_WINDOW_SECONDS) + 1)
