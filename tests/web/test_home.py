"""The front door: each person lands on the page of their work."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, reverse

from cases.views.home import home

pytestmark = pytest.mark.django_db


def landing(rf, user):
    request = rf.get("/")
    request.user = user
    return home(request).url


def _url(name, fallback):
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(fallback)


def test_each_role_lands_on_its_work(rf, world):
    assert landing(rf, world.officer) == "/cases/officer/"
    assert landing(rf, world.handler) == "/cases/queues/"
    for user in (world.clerk, world.chief, world.dispatcher, world.supervisor):
        assert landing(rf, user) == _url("dashboard:home", "cases:queues")
    assert landing(rf, world.resident) == _url("public:track", "grid:map")


def test_visitors_land_on_the_public_pages(rf):
    assert landing(rf, AnonymousUser()) == _url("public:home", "accounts:login")


def test_logging_in_leads_to_the_users_work(client, world):
    client.force_login(world.officer)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/cases/officer/"
