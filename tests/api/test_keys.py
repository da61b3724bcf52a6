"""API keys of external systems: generated in the admin and shown once, stored hashed,
regenerated or revoked there; the demo system's fixed key."""

import hashlib

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from api.models import ApiKey, Scope
from demo.external import DEMO_API_KEY, load_demo_external_system
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    return client


def shown_key(response):
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if "API 密钥" in str(m)]
    return message.rsplit("：", 1)[-1]


def can_read(secret):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=secret)
    return client.get(reverse("api-cases")).status_code == 200


def test_a_new_key_is_shown_once_and_stored_hashed(admin_client):
    response = admin_client.post(
        reverse("admin:api_apikey_add"),
        {
            "name": "城管平台",
            "system": "urban",
            "scopes": [Scope.CASES_READ],
            "active": "on",
            "webhooks-TOTAL_FORMS": "0",
            "webhooks-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    secret = shown_key(response)
    api_key = ApiKey.objects.get(system="urban")
    assert api_key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.values().get())
    assert api_key.user.username == "system-urban" and not api_key.user.has_usable_password()
    assert not api_key.user.roles
    assert can_read(secret)


def test_regenerate_and_revoke(admin_client):
    api_key, old = ApiKey.create(name="视频平台", system="video", scopes=[Scope.CASES_READ])
    changelist = reverse("admin:api_apikey_changelist")
    response = admin_client.post(changelist, {"action": "regenerate", "_selected_action": [api_key.pk]}, follow=True)
    new = shown_key(response)
    assert (can_read(old), can_read(new)) == (False, True)
    admin_client.post(changelist, {"action": "revoke", "_selected_action": [api_key.pk]})
    assert not can_read(new)


def test_the_demo_system_has_its_fixed_key(db):
    assert "12345" in load_demo_external_system()
    load_demo_external_system()  # idempotent
    assert ApiKey.objects.count() == 1
    assert can_read(DEMO_API_KEY)
