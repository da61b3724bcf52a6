"""The command centre's dashboard: who may open it, its figures on a small known set of
cases, and what it costs the database."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import CaseSource
from cases.services import act, report
from dashboard import selectors
from tests.cases.conftest import advance, world  # noqa: F401  (the shared fixture)
from tests.factories import make_user, point_in

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:home")
COUNTS = reverse("dashboard:grid_counts")


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Cached figures of this test only (Redis outlives the test database)."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}-test-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }


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
    cards = dict(re.findall(r'data-queue="(\w+)"><span class="queue-label">[^<]*</span><span class="queue-count">(\d+)', html))
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


def test_figures_are_cached_between_requests(client, world, cases, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(world.chief)
    first = client.get(URL).content.decode()
    _report(world)  # a new report within the minute does not show yet
    assert client.get(URL).content.decode().count('data-kpi="filed">1<') == first.count('data-kpi="filed">1<')
    assert selectors.daily_flow(timezone.now())["reported"][-1] == 5


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
