"""Signing in: expiring, revocable login tokens; browser sessions; API keys of external
systems; the one error shape; throttling; CORS closed unless configured."""

import hashlib
from datetime import timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from api.models import ApiKey, AuthToken, Scope
from api.throttling import ClientRateThrottle
from tests.api.conftest import DEMO_KEY, make_api_key, token_client
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ME = reverse("api-me")
TOKEN = reverse("api-token")
LOGOUT = reverse("api-logout")
PASSWORD = "pw-for-tests-1"  # tests.factories.make_user's


def login(client, username, password=PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password, "client": "测试手机"}, format="json")


def test_login_gives_a_token_that_expires_and_is_stored_hashed(settings):
    settings.API_TOKEN_LIFETIME_HOURS = 2
    user = make_user(Role.DISPATCHER)
    client = APIClient()
    response = login(client, user.username)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["username"] == user.username
    assert body["user"]["roles"] == [{"code": "dispatcher", "label": "派遣员"}]
    token = AuthToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in (token.key_hash, token.prefix)
    assert timedelta(hours=1.9) < token.expires_at - timezone.now() <= timedelta(hours=2)
    assert token.client == "测试手机"

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    me = client.get(ME).json()
    assert me["username"] == user.username
    assert {"name": "to_dispatch", "label": "待派遣"} in me["queues"]


def test_wrong_password_is_a_401_in_the_error_shape():
    user = make_user(Role.RESIDENT)
    response = login(APIClient(), user.username, "wrong")
    assert response.status_code == 401
    assert response.json() == {"detail": "用户名或密码错误", "code": "invalid_credentials"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_missing_credentials_are_field_errors():
    response = APIClient().post(TOKEN, {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"username", "password"}


def test_repeated_failures_lock_the_account_out_with_a_429(settings):
    user = make_user(Role.RESIDENT)
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "wrong")
    response = login(client, user.username)  # even the right password, while locked
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_logout_revokes_the_token():
    user = make_user(Role.RESIDENT)
    client = token_client(user)
    assert client.get(ME).status_code == 200
    assert client.post(LOGOUT).status_code == 204
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_expired_token_is_refused():
    user = make_user(Role.RESIDENT)
    client = token_client(user)
    AuthToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(ME).status_code == 401


def test_a_deactivated_users_token_is_refused():
    user = make_user(Role.RESIDENT)
    client = token_client(user)
    user.is_active = False
    user.save()
    assert client.get(ME).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not-a-token", "Token x"])
def test_malformed_or_unknown_tokens(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}


def test_anonymous_callers_get_401_with_a_challenge():
    response = APIClient().get(reverse("api-cases"))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_browser_session_works_and_needs_csrf_for_writes():
    user = make_user(Role.RESIDENT)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(ME).status_code == 200
    response = client.post(LOGOUT)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_api_keys_are_stored_hashed_and_revocable(api_key, key_client):
    assert api_key.key_hash == hashlib.sha256(DEMO_KEY.encode()).hexdigest()
    assert key_client.get(reverse("api-cases")).status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).update(active=False)
    response = key_client.get(reverse("api-cases"))
    assert response.status_code == 401


def test_api_keys_reach_only_what_their_scopes_allow(db):
    make_api_key("reader", scopes=[Scope.CASES_READ], secret="reader-key-0123456789")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key reader-key-0123456789")
    assert client.get(reverse("api-cases")).status_code == 200
    assert client.post(reverse("api-cases"), {}, format="json").status_code == 403
    assert client.get(ME).status_code == 403  # people's endpoints
    assert client.get(reverse("api-notifications")).status_code == 403
    assert client.get(reverse("api-categories")).status_code == 200  # reference data


def test_unknown_api_key_is_a_401():
    client = APIClient()
    client.credentials(HTTP_X_API_KEY="nope")
    assert client.get(reverse("api-cases")).status_code == 401


def test_throttled_per_user_with_retry_after(monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "cache", LocMemCache("throttle-test", {}))
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"})
    client = token_client(make_user(Role.RESIDENT))
    statuses = [client.get(ME).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(ME)
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # Another user has a bucket of their own.
    assert token_client(make_user(Role.RESIDENT)).get(ME).status_code == 200


def test_throttled_per_api_key(api_key, key_client, monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "cache", LocMemCache("throttle-test-key", {}))
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"api_key": "2/minute", "user": "100/minute"})
    url = reverse("api-categories")
    assert [key_client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_cors_is_closed_unless_configured(settings):
    user = make_user(Role.RESIDENT)
    client = token_client(user)
    origin = {"HTTP_ORIGIN": "https://app.example.org"}
    assert "Access-Control-Allow-Origin" not in client.get(ME, **origin)
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]
    assert client.get(ME, **origin)["Access-Control-Allow-Origin"] == "https://app.example.org"
