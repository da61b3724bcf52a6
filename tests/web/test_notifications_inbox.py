"""The inbox: the unread badge on every page, opening and marking messages read."""

import pytest

from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_unread_count_on_every_page(client, world):
    notify([world.chief], "新派遣案件", "说明", "/cases/1/")
    notify([world.chief], "第二条")
    client.force_login(world.chief)
    for url in ("/cases/search/", "/notifications/", "/grids/map/"):
        html = client.get(url).content.decode()
        assert '<span class="badge" aria-hidden="true">2</span>' in html, url
        assert 'aria-label="通知（2 条未读）"' in html


def test_the_inbox_lists_only_my_messages(client, world):
    notify([world.chief], "给值班长")
    notify([world.dispatcher], "给派遣员")
    client.force_login(world.chief)
    html = client.get("/notifications/").content.decode()
    assert "给值班长" in html and "给派遣员" not in html


def test_opening_a_message_marks_it_read_and_follows_its_link(client, world, resident_case):
    notify([world.chief], "去看案件", link=f"/cases/{resident_case.pk}/")
    message = Notification.objects.get(recipient=world.chief)
    client.force_login(world.chief)
    response = client.get(f"/notifications/{message.pk}/")
    assert response.status_code == 302 and response.url == f"/cases/{resident_case.pk}/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_an_outside_link_is_not_followed(client, world):
    notify([world.chief], "钓鱼", link="https://evil.example/")
    message = Notification.objects.get(recipient=world.chief)
    client.force_login(world.chief)
    assert client.get(f"/notifications/{message.pk}/").url == "/notifications/"


def test_mark_one_and_mark_all_read(client, world):
    notify([world.chief], "一")
    notify([world.chief], "二")
    notify([world.chief], "三")
    first = Notification.objects.filter(recipient=world.chief).last()
    client.force_login(world.chief)
    assert client.post(f"/notifications/{first.pk}/read/", {"next": "/notifications/"}).url == "/notifications/"
    assert Notification.objects.filter(recipient=world.chief, read_at__isnull=True).count() == 2
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=world.chief, read_at__isnull=True).exists()


def test_someone_elses_message_is_not_found(client, world):
    notify([world.dispatcher], "给派遣员")
    message = Notification.objects.get()
    client.force_login(world.chief)
    assert client.get(f"/notifications/{message.pk}/").status_code == 404
    assert client.post(f"/notifications/{message.pk}/read/").status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


@pytest.mark.parametrize("count", [3, 20])
def test_the_inbox_costs_the_same_queries_whatever_its_size(client, world, count, django_assert_max_num_queries):
    for index in range(count):
        notify([world.chief], f"通知 {index}")
    client.force_login(world.chief)
    with django_assert_max_num_queries(7):  # session, user, roles, nav, unread count, page count, page
        assert len(client.get("/notifications/").context["page"]) == count
