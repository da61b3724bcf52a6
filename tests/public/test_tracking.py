"""Following a complaint: the phone check, the public timeline, the after-photo, rating."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import CasePhoto, CaseSource
from cases.services import act, report
from tests.cases.conftest import advance
from tests.factories import point_in
from tests.public.conftest import exif_of, fresh_address, fresh_phone, jpeg_with_gps

pytestmark = pytest.mark.django_db

TRACK = reverse("public:track")
NOT_FOUND = "没有找到与该编号和电话对应的投诉"


@pytest.fixture
def phone():
    return fresh_phone()


@pytest.fixture
def public_case(world, phone, django_capture_on_commit_callbacks):
    """A complaint sent from the public form without an account."""
    lon, lat = point_in(world.home)
    with django_capture_on_commit_callbacks(execute=True):
        return report(
            actor=None,
            source=CaseSource.RESIDENT,
            category=world.garbage,
            lon=lon,
            lat=lat,
            description="路口垃圾堆放",
            reporter_phone=phone,
        )


def _name_the_staff(world):
    for person, name in ((world.officer, "林网格"), (world.chief, "张值班"), (world.handler, "赵处置")):
        person.first_name = name
        person.save()


def _track(client, number, phone):
    return client.post(TRACK, {"number": number, "reporter_phone": phone})


def test_the_right_phone_opens_the_case_page(client, public_case, phone):
    response = _track(client, public_case.number, phone)
    assert response.status_code == 302
    assert response["Location"] == reverse("public:case", args=[public_case.number])
    html = client.get(response["Location"]).content.decode()
    assert public_case.number in html
    assert "受理中" in html
    assert "投诉已提交" in html


def test_the_phone_may_be_typed_with_spaces_or_dashes(client, public_case, phone):
    spaced = f"{phone[:3]} {phone[3:7]}-{phone[7:]}"
    assert _track(client, public_case.number, spaced).status_code == 302


@pytest.mark.parametrize("which", ["wrong phone", "unknown number"])
def test_a_wrong_phone_or_number_says_not_found_and_nothing_else(client, public_case, phone, which):
    number, tried = (public_case.number, fresh_phone()) if which == "wrong phone" else ("20990101" + "99999", phone)
    response = _track(client, number, tried)
    assert response.status_code == 404
    html = response.content.decode()
    assert NOT_FOUND in html
    for secret in ("路口垃圾堆放", "受理中", public_case.grid.name, "暴露垃圾"):
        assert secret not in html
    # And the case page stays shut for this browser.
    page = client.get(reverse("public:case", args=[public_case.number]))
    assert page.status_code == 302 and page["Location"].startswith(TRACK)


def test_the_timeline_shows_public_steps_with_dates_but_no_staff_names_or_notes(client, world, public_case, phone):
    _name_the_staff(world)
    case = advance(public_case, world, "accept")
    case = act(case, "return", world.handler, note="内部备注：派错单位了")
    case = act(case, "dispatch", world.dispatcher, unit=world.unit)
    case = advance(case, world, "close")
    _track(client, case.number, phone)
    html = client.get(reverse("public:case", args=[case.number])).content.decode()
    timeline = html[html.index('id="public-timeline"') : html.index("</ol>", html.index('id="public-timeline"'))]
    labels = re.findall(r'<span class="step-label">([^<]*)</span>', timeline)
    assert labels == [
        "投诉已提交",
        "网格员已到现场核实",
        "已立案",
        f"已派遣至处置单位（{world.unit.name}）",
        "处置单位已接收",
        "重新派遣中",
        f"已派遣至处置单位（{world.unit.name}）",
        "处置单位已接收",
        "处置单位已反馈处理结果",
        "网格员复核通过",
        "已办结",
    ]
    assert len(re.findall(r"<time datetime=", timeline)) == len(labels)
    assert "已办结" in html
    for secret in ("林网格", "张值班", "赵处置", "内部备注", "已清运", world.officer.username, world.handler.username):
        assert secret not in html


def test_the_after_photo_is_shown_once_closed_without_its_metadata(client, world, public_case, phone):
    case = advance(public_case, world, "accept")
    case = act(case, "feedback", world.handler, note="已清运", photos=[jpeg_with_gps("after.jpg")])
    _track(client, case.number, phone)
    photo = CasePhoto.objects.get(case=case, kind=CasePhoto.Kind.AFTER)
    photo_url = reverse("public:after_photo", args=[case.number, photo.pk])
    assert photo_url not in client.get(reverse("public:case", args=[case.number])).content.decode()
    assert client.get(photo_url).status_code == 404  # not before the case is closed

    advance(case, world, "close")
    assert photo_url in client.get(reverse("public:case", args=[case.number])).content.decode()
    response = client.get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    tags, gps = exif_of(response.content)
    assert gps == {} and tags == {}
    # Nobody else gets the photo, and before-photos are never served here.
    assert Client(REMOTE_ADDR=fresh_address()).get(photo_url).status_code == 404


def test_rating_only_once_the_case_is_closed_and_only_once(client, world, public_case, phone):
    _track(client, public_case.number, phone)
    rate_url = reverse("public:rate", args=[public_case.number])
    page = client.get(reverse("public:case", args=[public_case.number])).content.decode()
    assert "办结后可以对处理结果进行评价" in page and rate_url not in page

    response = client.post(rate_url, {"score": "5", "note": "很好"})
    assert response.status_code == 409
    public_case.refresh_from_db()
    assert public_case.satisfaction is None

    advance(public_case, world, "close")
    page = client.get(reverse("public:case", args=[public_case.number])).content.decode()
    assert rate_url in page

    assert client.post(rate_url, {"note": "没有打分"}).status_code == 400
    response = client.post(rate_url, {"score": "4", "note": "处理及时"})
    assert response.status_code == 302
    public_case.refresh_from_db()
    assert (public_case.satisfaction, public_case.satisfaction_comment) == (4, "处理及时")
    page = client.get(reverse("public:case", args=[public_case.number])).content.decode()
    assert "您的评价：4 分" in page and rate_url not in page
    assert "您已评价" in page  # the rating is a step of the public timeline

    response = client.post(rate_url, {"score": "1", "note": "改评价"})
    assert response.status_code == 409
    assert "已评价" in response.content.decode()
    public_case.refresh_from_db()
    assert public_case.satisfaction == 4


def test_rating_needs_the_phone_check(world, public_case):
    advance(public_case, world, "close")
    stranger = Client(REMOTE_ADDR=fresh_address())
    response = stranger.post(reverse("public:rate", args=[public_case.number]), {"score": "1"})
    assert response.status_code == 302 and response["Location"].startswith(TRACK)
    public_case.refresh_from_db()
    assert public_case.satisfaction is None


def test_a_signed_in_resident_sees_and_rates_their_own_complaints(client, world, resident_case):
    client.force_login(world.resident)
    html = client.get(TRACK).content.decode()
    assert "我的投诉" in html and resident_case.number in html
    advance(resident_case, world, "close")
    assert client.get(reverse("public:case", args=[resident_case.number])).status_code == 200
    response = client.post(reverse("public:rate", args=[resident_case.number]), {"score": "5"})
    assert response.status_code == 302
    resident_case.refresh_from_db()
    assert resident_case.satisfaction == 5

    client.force_login(world.other_resident)
    assert resident_case.number not in client.get(TRACK).content.decode()
    assert client.get(reverse("public:case", args=[resident_case.number])).status_code == 302


def test_a_case_reported_from_an_account_is_rated_from_that_account(client, world, resident_case):
    """The phone shows the progress, but the rating belongs to the reporter's account."""
    advance(resident_case, world, "close")
    _track(client, resident_case.number, world.resident.phone)
    page = client.get(reverse("public:case", args=[resident_case.number])).content.decode()
    assert "请登录投诉时使用的账号后评价" in page
    response = client.post(reverse("public:rate", args=[resident_case.number]), {"score": "2"})
    assert response.status_code == 403
    resident_case.refresh_from_db()
    assert resident_case.satisfaction is None


def test_tracking_look_ups_are_limited_per_address(client, public_case, phone, settings):
    settings.PUBLIC_ATTEMPT_LIMIT = 3
    for _ in range(3):
        assert _track(client, public_case.number, fresh_phone()).status_code == 404
    response = _track(client, public_case.number, phone)
    assert response.status_code == 429
    assert "Retry-After" in response


def test_guessing_one_case_from_many_addresses_is_limited_too(public_case, phone, settings):
    settings.PUBLIC_ATTEMPT_LIMIT = 3
    for _ in range(3):
        assert _track(Client(REMOTE_ADDR=fresh_address()), public_case.number, fresh_phone()).status_code == 404
    assert _track(Client(REMOTE_ADDR=fresh_address()), public_case.number, phone).status_code == 429


def test_the_case_page_takes_a_bounded_number_of_queries(
    client, world, public_case, phone, django_assert_max_num_queries
):
    case = advance(public_case, world, "accept")
    case = act(case, "feedback", world.handler, note="已清运", photos=[jpeg_with_gps("a.jpg"), jpeg_with_gps("b.jpg")])
    advance(case, world, "close")
    _track(client, case.number, phone)
    # Session, case, timeline, photos; whatever the number of steps and photos.
    with django_assert_max_num_queries(5):
        assert client.get(reverse("public:case", args=[case.number])).status_code == 200


@pytest.fixture
def resident_case(world, django_capture_on_commit_callbacks):
    lon, lat = point_in(world.home)
    with django_capture_on_commit_callbacks(execute=True):
        return report(
            actor=world.resident,
            source=CaseSource.RESIDENT,
            category=world.garbage,
            lon=lon,
            lat=lat,
            description="楼下垃圾没人收",
        )


def test_my_complaints_come_a_page_at_a_time(client, world, django_assert_max_num_queries):
    lon, lat = point_in(world.home)
    numbers = [
        report(
            actor=world.resident,
            source=CaseSource.RESIDENT,
            category=world.garbage,
            lon=lon,
            lat=lat,
            description=f"{n}",
        ).number
        for n in range(25)
    ]
    client.force_login(world.resident)
    # Session, user, roles, one page of cases (no count), and what the header needs.
    with django_assert_max_num_queries(8):
        first = client.get(TRACK).content.decode()
    assert numbers[-1] in first and numbers[4] not in first and "?page=2" in first
    second = client.get(TRACK + "?page=2").content.decode()
    assert numbers[4] in second and numbers[-1] not in second and "?page=1" in second and "?page=3" not in second
