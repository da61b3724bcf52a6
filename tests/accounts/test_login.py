import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-42"


@pytest.fixture
def clerk():
    user = User.objects.create_user("clerk_t", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.INTAKE_CLERK))
    return user


def test_every_role_has_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_login_page_in_chinese_and_english(client):
    zh = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh_page = zh.content.decode()
    assert '<html lang="zh-hans">' in zh_page
    assert "登录" in zh_page
    assert "Log in" not in zh_page
    en = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    en_page = en.content.decode()
    assert '<html lang="en">' in en_page
    assert ">Log in</button>" in en_page
    assert "登录" not in en_page


def test_login_and_logout(client, clerk):
    response = client.post(reverse("accounts:login"), {"username": "clerk_t", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(clerk.pk)
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_out(client, clerk, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("accounts:login"), {"username": "clerk_t", "password": "wrong"})
        assert "_auth_user_id" not in client.session
    response = client.post(reverse("accounts:login"), {"username": "clerk_t", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "锁定" in response.content.decode()


def test_self_registration_creates_only_residents(client):
    response = client.post(
        reverse("accounts:register"),
        {
            "username": "newbie",
            "phone": "13800001111",
            "password1": "a-long-unusual-pass-9",
            "password2": "a-long-unusual-pass-9",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [Group.objects.get(name=Role.DISPATCHER).pk],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert not user.is_staff and not user.is_superuser
    assert user.roles == {Role.RESIDENT}


def test_registration_errors_are_shown_next_to_the_field(client):
    response = client.post(
        reverse("accounts:register"),
        {"username": "x", "phone": "12", "password1": "a-long-unusual-pass-9", "password2": "a-long-unusual-pass-9"},
    )
    assert response.status_code == 200
    assert 'id="id_phone-error"' in response.content.decode()
    assert not User.objects.filter(username="x").exists()
