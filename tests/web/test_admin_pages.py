"""Every admin page lists its records; records written through a service layer can be
looked at there but not added, changed or deleted."""

import pytest
from django.contrib import admin

from accounts.models import User
from gaoxin.admin_mixins import ServiceRecordsOnly

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create(username="admin-pages", is_staff=True, is_superuser=True))
    return client


def _url(model, page):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{page}"


def test_every_changelist_opens(superuser_client):
    failures = {}
    for model in admin.site._registry:
        status = superuser_client.get(_url(model, "")).status_code
        if status != 200:
            failures[model._meta.label] = status
    assert failures == {}


def test_service_records_cannot_be_added_or_deleted_in_the_admin(superuser_client):
    guarded = [
        model for model, model_admin in admin.site._registry.items() if isinstance(model_admin, ServiceRecordsOnly)
    ]
    labels = {model._meta.label for model in guarded}
    assert {"cases.Case", "mediation.Dispute", "legalaid.Application", "patrols.Patrol"} <= labels
    for model in guarded:
        assert superuser_client.get(_url(model, "add/")).status_code == 403, model._meta.label
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(None) and not model_admin.has_delete_permission(None)
