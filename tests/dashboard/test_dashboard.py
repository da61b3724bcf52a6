"""The command centre's dashboard: who may open it, its figures on a small known set of
cases, and what it costs the database."""

import json
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import CaseSource
from cases.services import act, report
from dashboard import figures, selectors
from dashboard.tasks import refresh_dashboard
from mediation.services import act as act_on_dispute
from tests.cases.conftest import advance
from tests.factories import make_user, point_in
from tests.mediation.conftest import apply_online, into_mediation

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:home")
COUNTS = reverse("dashboard:grid_counts")


def _report(world, grid=None, category=None, at=None):
    lon, lat = point_in(grid or world.home)
    return report(
        actor=world.resident,
        source=CaseSource.RESIDENT,
        category=category or world.garbage,
        lon=lon,
        lat=lat,
        description="测试",
        at=at,
    )


@pytest.fixture
def cases(world):
    """Today: three reports in the home grid (one closed, one overdue in verification:
    reported 3 days ago), one in the away grid, one structure case."""
    now = timezone.now()
    closed = advance(_report(world), world, "close")
    stale = _report(world, at=now - timedelta(days=3))  # verification deadline long past
    waiting = _report(world)
    away = _report(world, grid=world.away)
    structure = _report(world, category=world.structure)
    return {"closed": closed, "stale": stale, "waiting": waiting, "away": away, "structure": structure}


@pytest.mark.parametrize(
    "role", [Role.INTAKE_CLERK, Role.DUTY_CHIEF, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR]
)
def test_command_centre_roles_open_the_dashboard(client, role):
    client.force_login(make_user(role))
    assert client.get(URL).status_code == 200
    assert client.get(COUNTS).status_code == 200


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.GRID_OFFICER, Role.UNIT_HANDLER, Role.MEDIATOR, Role.LAWYER])
def test_other_roles_are_refused(client, role):
    client.force_login(make_user(role))
    response = client.get(URL)
    assert response.status_code == 403
    assert "指挥中心大屏仅对" in response.content.decode()
    assert client.get(COUNTS).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (URL, COUNTS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_grid_counts_give_open_and_overdue_cases_per_grid(client, world, cases):
    client.force_login(world.chief)
    grids = client.get(COUNTS).json()["grids"]
    # Home: stale (overdue), waiting, structure; the closed case is not open.
    assert grids[world.home.code] == {"open": 3, "overdue": 1}
    assert grids[world.away.code] == {"open": 1, "overdue": 0}
    assert len(grids) == 2


def test_queue_cards_count_each_queue_and_link_to_it(client, world, cases):
    act(cases["waiting"], "verify", world.officer)
    client.force_login(world.chief)
    html = client.get(URL).content.decode()
    cards = dict(
        re.findall(r'data-queue="(\w+)"><span class="queue-label">[^<]*</span><span class="queue-count">(\d+)', html)
    )
    assert cards == {"to_file": "1", "to_close": "0", "approvals": "0", "held": "0"}
    assert f'href="{reverse("cases:queue", args=["to_file"])}"' in html


def test_kpi_cards_for_today_week_and_month(client, world, cases):
    client.force_login(world.supervisor)
    html = client.get(URL).content.decode()
    for period in ("today", "week", "month"):
        card = html[html.index(f'data-period="{period}"') :]
        card = card[: card.index("</article>")]
        # Only the closed case has been filed (立案); it was closed on time.
        assert 'data-kpi="filed">1<' in card
        assert 'data-kpi="closing_rate">100.0%<' in card
        assert 'data-kpi="on_time_closing_rate">100.0%<' in card
        assert 'data-kpi="overdue_rate">0.0%<' in card


def test_trend_figures(world, cases):
    now = timezone.now()
    flow = selectors.daily_flow(now)
    assert len(flow["days"]) == 30
    assert flow["days"][-1] == timezone.localdate(now).isoformat()
    assert flow["reported"][-1] == 4 and flow["closed"][-1] == 1
    assert flow["reported"][-4] == 1  # the stale report, three days ago
    assert sum(flow["reported"]) == 5 and sum(flow["closed"]) == 1

    on_time = selectors.weekly_on_time(now)
    assert len(on_time["weeks"]) == 12
    assert on_time["due"][-1] == 1 and on_time["rate"][-1] == 1.0
    assert on_time["rate"][0] is None

    categories = selectors.by_category(now)
    assert [(row["name"], row["total"], row["open"], row["closed"]) for row in categories] == [
        ("暴露垃圾", 4, 3, 1),
        ("私搭乱建", 1, 1, 0),
    ]
    communities = {row["name"]: row for row in selectors.by_community(now)}
    assert communities[world.home.community.name]["filed"] == 1


def _charts(html):
    return json.loads(re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', html).group(1))


def _reported_today(client):
    return _charts(client.get(URL).content.decode())["flow"]["reported"][-1]


def test_figures_are_cached_for_a_minute(client, world, cases, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(world.chief)
    assert _reported_today(client) == 4
    _report(world)
    assert _reported_today(client) == 4  # still the cached figure
    settings.DASHBOARD_CACHE_SECONDS = 0
    assert _reported_today(client) == 5


def test_stale_figures_are_shown_once_while_fresh_ones_are_computed(client, world, cases, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(world.chief)
    assert _reported_today(client) == 4
    key = figures.cache_key("figures")
    stale = cache.get(key)
    stale["computed_at"] -= timedelta(seconds=61)
    cache.set(key, stale)
    _report(world)
    # This page gets the figures it found, and has the task (run eagerly here) renew them.
    with mock.patch("dashboard.tasks.refresh_dashboard.apply_async", wraps=refresh_dashboard.apply_async) as task:
        assert _reported_today(client) == 4
        assert _reported_today(client) == 5
    assert task.call_count == 1


def test_a_broker_down_leaves_the_figures_on_screen(client, world, cases, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(world.chief)
    client.get(URL)
    key = figures.cache_key("figures")
    stale = cache.get(key)
    stale["computed_at"] -= timedelta(seconds=61)
    cache.set(key, stale)
    with mock.patch("dashboard.tasks.refresh_dashboard.apply_async", side_effect=ConnectionError):
        assert client.get(URL).status_code == 200


def test_dashboard_queries_are_bounded_cold_and_few_when_warm(
    client, world, cases, settings, django_assert_max_num_queries
):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(world.chief)
    # Cold: session, user, roles, 3 KPI cards, 4 charts, the queue counts, and what the
    # site's header needs; the same whatever the number of cases, grids or queues.
    with django_assert_max_num_queries(16):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(COUNTS).status_code == 200


def test_mediation_figures_show_and_are_cached_with_the_rest(client, mworld, settings, django_assert_max_num_queries):
    settings.DASHBOARD_CACHE_SECONDS = 60
    agreed = into_mediation(apply_online(mworld), mworld, council=mworld.elder)
    act_on_dispute(agreed, "agree_oral", mworld.mediator, obligations="李邻居赔偿 500 元")
    apply_online(mworld)  # still waiting to be accepted
    client.force_login(mworld.supervisor)
    html = client.get(URL).content.decode()
    section = html[html.index('id="mediation-dashboard"') :]
    section = section[: section.index("</section>")]
    for figure, value in (
        ("registered", "2"),
        ("concluded", "1"),
        ("agreed", "1"),
        ("success_rate", "100.0%"),
        ("with_council", "1"),
    ):
        assert f'data-figure="{figure}">{value}<' in section, figure
    assert "在办 1 件，超期 0 件" in section
    assert f'href="{reverse("mediation:statistics")}"' in section

    # Computed with the dashboard's other figures and cached with them: a warm page asks
    # the database nothing more for them, and shows them as of their time.
    apply_online(mworld)
    with django_assert_max_num_queries(6):
        html = client.get(URL).content.decode()
    assert 'data-figure="registered">2<' in html
    settings.DASHBOARD_CACHE_SECONDS = 0
    assert 'data-figure="registered">3<' in client.get(URL).content.decode()


def test_mediation_figures_in_english(client, mworld, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(mworld.supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL).content.decode()
    section = html[html.index('id="mediation-dashboard"') :]
    assert "人民调解" not in section[: section.index("</section>")]
