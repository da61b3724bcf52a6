"""The grid admin pages render, with the Leaflet editor and officer assignment inline."""

import pytest
from django.urls import reverse

from accounts.models import User
from grid.models import Community, District, Grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create(username="admin-grids", is_staff=True, is_superuser=True))
    return client


def test_grid_pages(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        listing = admin_client.get(reverse("admin:grid_grid_changelist"))
    assert listing.status_code == 200
    assert "平方公里" in listing.content.decode()

    grid = Grid.objects.order_by("code").first()
    html = admin_client.get(reverse("admin:grid_grid_change", args=[grid.pk])).content.decode()
    assert "leaflet" in html
    assert 'name="assignments-0-officer"' in html
    assert 'name="area_m2"' not in html  # shown, never editable


def test_district_and_community_pages(admin_client):
    district = District.objects.first()
    assert "leaflet" in admin_client.get(reverse("admin:grid_district_change", args=[district.pk])).content.decode()
    assert admin_client.get(reverse("admin:grid_community_changelist")).status_code == 200
    community = Community.objects.first()
    assert admin_client.get(reverse("admin:grid_community_change", args=[community.pk])).status_code == 200


def test_user_admin_edits_the_phone_number(admin_client):
    user = User.objects.create(username="someone", phone="13900000000")
    html = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    assert 'name="phone"' in html
    assert 'name="phone"' in admin_client.get(reverse("admin:accounts_user_add")).content.decode()
