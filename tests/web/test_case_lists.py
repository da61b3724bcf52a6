"""Queues, search and export: scoped, filtered, paginated with a constant number of
queries, and the export following the same filters."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Case, CaseState
from cases.selectors import case_table, queue
from cases.services import act
from cases.views import common as common_views
from cases.views import search as search_views
from tests.cases.conftest import advance
from tests.factories import make_user
from tests.web.conftest import resident_report

pytestmark = pytest.mark.django_db

# A page of 3 or of 20 cases costs the same; 20 rows with one query each would not fit.
MAX_QUERIES = 12


def many_cases(world, count, grid=None):
    return [resident_report(world, grid=grid, description=f"问题 {index}") for index in range(count)]


def numbers(response):
    return {case.number for case in response.context["page"]}


def test_the_queues_page_shows_the_users_queues_with_counts(client, world):
    home, away = many_cases(world, 2), many_cases(world, 1, grid=world.away)
    client.force_login(world.officer)
    response = client.get("/cases/queues/")
    assert [(tab["name"], tab["count"]) for tab in response.context["tabs"]] == [("to_verify", 2), ("to_check", 0)]
    assert numbers(response) == {case.number for case in home}
    assert away[0].number not in response.content.decode()
    assert client.get("/cases/queues/to_file/").status_code == 404  # not an officer's queue


def test_a_unit_handler_lands_on_the_units_cases(client, world):
    case = advance(many_cases(world, 1)[0], world, "dispatch")
    client.force_login(world.handler)
    response = client.get("/cases/queues/")
    assert response.context["current"] == "to_handle"
    assert numbers(response) == {case.number}
    client.force_login(world.other_handler)
    assert numbers(client.get("/cases/queues/")) == set()


def test_people_without_a_case_role_get_403(client, world):
    client.force_login(world.resident)
    assert client.get("/cases/queues/").status_code == 403
    assert client.get("/cases/search/").status_code == 403
    assert client.get("/cases/search/export/?format=csv").status_code == 403
    client.logout()
    assert client.get("/cases/search/").status_code == 302  # to the login page


@pytest.mark.parametrize("count", [3, 20])
def test_list_pages_cost_the_same_queries_whatever_the_number_of_cases(
    client, world, count, django_assert_max_num_queries
):
    for case in many_cases(world, count):
        advance(case, world, "verify")
    # Fresh users: roles are read once per request, as in real requests.
    chief = type(world.chief).objects.get(pk=world.chief.pk)
    officer = type(world.officer).objects.get(pk=world.officer.pk)
    # session, user, roles, the header (unread count, nav); per page: queue tabs or filter choices, count, page
    client.force_login(chief)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert len(client.get("/cases/queues/to_file/").context["page"]) == count
    with django_assert_max_num_queries(MAX_QUERIES):
        assert len(client.get("/cases/search/?state=to_file").context["page"]) == count
    client.force_login(officer)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert len(client.get("/cases/search/").context["page"]) == count
    with django_assert_max_num_queries(MAX_QUERIES):
        assert len(client.get("/cases/officer/").context["recent"]) == 0


def test_search_filters(client, world):
    garbage, collapse = resident_report(world), resident_report(world, category=world.collapse, description="路面塌陷")
    away = resident_report(world, grid=world.away, description="外网格的问题", address="海滨路 8 号")
    advance(garbage, world, "dispatch")
    client.force_login(world.chief)

    def search(query):
        response = client.get("/cases/search/", query)
        assert response.status_code == 200, response.context["form"].errors
        return numbers(response)

    assert search({}) == {garbage.number, collapse.number, away.number}
    assert search({"state": "dispatched"}) == {garbage.number}
    assert search({"category": world.collapse.pk}) == {collapse.number}
    assert search({"grid": world.away.pk}) == {away.number}
    assert search({"community": world.home.community_id}) == {garbage.number, collapse.number}
    assert search({"unit": world.unit.pk}) == {garbage.number}
    assert search({"q": "海滨路"}) == {away.number}
    assert search({"q": "塌陷"}) == {collapse.number}
    assert search({"q": collapse.number}) == {collapse.number}
    today = timezone.localdate()
    assert search({"date_from": today, "date_to": today}) == {garbage.number, collapse.number, away.number}
    assert search({"date_to": today - timedelta(days=1)}) == set()


def test_search_overdue_only(client, world):
    late, on_time = many_cases(world, 2)
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(world.chief)
    assert numbers(client.get("/cases/search/", {"overdue": "on"})) == {late.number}
    assert 'class="countdown is-overdue"' in client.get("/cases/search/").content.decode()
    assert on_time.number in client.get("/cases/search/").content.decode()


def test_bad_filters_show_errors_and_keep_input(client, world):
    client.force_login(world.chief)
    response = client.get("/cases/search/", {"date_from": "2026-11-20", "date_to": "2026-11-01", "q": "路灯"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "结束日期不能早于开始日期" in html and 'value="路灯"' in html


def test_search_is_scoped(client, world):
    home, away = resident_report(world), resident_report(world, grid=world.away)
    client.force_login(world.officer)
    assert numbers(client.get("/cases/search/")) == {home.number}
    assert numbers(client.get("/cases/search/", {"grid": world.away.pk})) == set()
    assert away.number not in client.get("/cases/search/").content.decode()


def test_export_follows_the_filters_and_the_scope(client, world):
    home, other = resident_report(world), resident_report(world, category=world.collapse, description="路面塌陷")
    resident_report(world, grid=world.away)
    client.force_login(world.officer)
    response = client.get("/cases/search/export/", {"format": "csv", "category": world.garbage.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [home.number]

    client.force_login(world.chief)
    response = client.get("/cases/search/export/", {"format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} >= {home.number, other.number}


def test_export_rejects_an_unknown_format_and_too_many_rows(client, world, settings):
    many_cases(world, 2)
    client.force_login(world.chief)
    assert client.get("/cases/search/export/", {"format": "pdf"}).status_code == 400
    settings.CASE_EXPORT_XLSX_MAX_ROWS = 1
    response = client.get("/cases/search/export/", {"format": "xlsx", "q": "问题"})
    assert response.status_code == 302 and response.url == "/cases/search/?q=%E9%97%AE%E9%A2%98"
    assert "导出 Excel 最多" in client.get(response.url).content.decode()


def test_the_search_page_links_exports_with_the_current_filters(client, world):
    client.force_login(world.chief)
    html = client.get("/cases/search/", {"state": "to_verify", "page": "1"}).content.decode()
    assert 'href="/cases/search/export/?state=to_verify&amp;format=csv"' in html
    assert 'href="/cases/search/export/?state=to_verify&amp;format=xlsx"' in html


def test_the_approvals_queue_lists_pending_requests(client, world):
    case = advance(many_cases(world, 1)[0], world, "accept")
    act(case, "request_extension", world.handler, hours=2, note="等待配件")
    client.force_login(make_user("dispatcher"))
    response = client.get("/cases/queues/approvals/")
    assert numbers(response) == {case.number}
    assert Case.objects.get(pk=case.pk).state == CaseState.HANDLING


def test_queue_pages_read_narrow_first_keep_the_queue_order(rf, world):
    cases = many_cases(world, 7)
    expected = [case.number for case in queue(world.officer, "to_verify")]
    assert sorted(expected) == sorted(case.number for case in cases)
    shown = []
    for number in (1, 2, 3):
        page = common_views.page_of(rf.get("/", {"page": number}), case_table(queue(world.officer, "to_verify")), 3)
        assert page.paginator.count == 7
        shown += [case.number for case in page]
    assert shown == expected  # the pages together: every case once, most urgent first


def test_a_queue_page_costs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    many_cases(world, 3)
    client.force_login(world.chief)
    for case in Case.objects.all():
        advance(case, world, "verify")
    chief = type(world.chief).objects.get(pk=world.chief.pk)
    client.force_login(chief)
    # session, user, roles; the queues' counts (one UNION); the page's ids, then its rows; the unread count
    with django_assert_num_queries(7):
        response = client.get("/cases/queues/to_file/")
    assert len(response.context["page"]) == 3
    assert [tab["count"] for tab in response.context["tabs"]] == [3, 0, 0, 0]


def test_a_search_counts_up_to_its_limit_and_still_pages_on(client, world, monkeypatch):
    monkeypatch.setattr(search_views, "SEARCH_COUNT_LIMIT", 1)
    cases = sorted(many_cases(world, 26), key=lambda case: case.reported_at, reverse=True)
    client.force_login(world.chief)
    # Page 1 counts to the end of the page asked for (25) and one more: "more than 25".
    response = client.get("/cases/search/")
    html = response.content.decode()
    assert response.context["page"].paginator.count_is_capped
    assert "超过 25 件" in html and "共 26 件" not in html
    assert "第 1 页" in html and 'rel="next"' in html
    # Page 2 counts on to 50 and so finds the end.
    response = client.get("/cases/search/", {"page": 2})
    html = response.content.decode()
    assert [case.number for case in response.context["page"]] == [cases[-1].number]
    assert "共 26 件" in html and "第 2 / 2 页" in html and 'rel="next"' not in html


def test_capped_pages_reach_every_row_once_in_order(rf, world):
    cases = sorted(many_cases(world, 7), key=lambda case: case.reported_at, reverse=True)
    search = Case.objects.order_by("-reported_at")
    shown = []
    for number in (1, 2, 3, 4):
        page = common_views.page_of(rf.get("/", {"page": number}), search, 2, count_limit=3)
        assert page.paginator.count_is_capped == (number < 4)  # page 4 counts on to 8 and finds the end
        shown += [case.number for case in page]
    assert shown == [case.number for case in cases]
