"""The grid map page as served: languages, legend, the text list, local assets only."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from grid.models import Community, Grid, GridAssignment

pytestmark = pytest.mark.django_db

URL = reverse("grid:map")


def test_page_in_chinese(client):
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "社区图例" in html
    assert 'aria-label="网格边界地图"' in html


def test_page_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'id="map-legend-title"' in html


def test_legend_lists_every_community_with_its_own_colour(client):
    html = client.get(URL).content.decode()
    legend = html[html.index('id="map-legend-title"') : html.index("</section>", html.index('id="map-legend-title"'))]
    communities = list(Community.objects.order_by("code"))
    assert legend.count("<li") == len(communities) == 17
    for community in communities:
        assert community.name in legend
    colours = re.findall(r"background-color: (#[0-9A-F]{6})", legend)
    assert len(set(colours)) == len(communities)


def test_every_grid_is_in_the_text_list(client):
    html = client.get(URL).content.decode()
    table = html[html.index("<details") : html.index("</details>")]
    assert table.count('<th scope="row">') == Grid.objects.count() == 136
    assert "平方公里" in table


def test_officer_names_in_the_list_only_for_staff(client):
    grid = Grid.objects.order_by("code").first()
    officer = User.objects.create(username="officer-map", first_name="林巡查")
    GridAssignment.objects.create(grid=grid, officer=officer, is_primary=True)
    assert "林巡查" not in client.get(URL).content.decode()

    dispatcher = User.objects.create(username="dispatcher-map")
    dispatcher.groups.add(Group.objects.get(name=Role.DISPATCHER))
    client.force_login(dispatcher)
    assert "林巡查" in client.get(URL).content.decode()


def test_map_assets_are_served_locally(client):
    html = client.get(URL).content.decode()
    assert "/static/leaflet/leaflet" in html
    assert "/static/js/grid_map.js" in html
    for source in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        assert source.startswith("/"), source
