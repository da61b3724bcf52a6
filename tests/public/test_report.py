"""The residents' complaint form: what it stores, what it says when something is wrong,
and that it keeps everything the resident typed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CasePhoto, CaseSource, CaseState
from tests.factories import make_user, photo
from tests.public.conftest import exif_of, fresh_address, fresh_phone, jpeg_with_gps, token_opened

pytestmark = pytest.mark.django_db

URL = reverse("public:report")


def _post(client, data, **extra):
    return client.post(URL, data, **extra)


def _hidden_value(html, name):
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else None


def test_form_offers_categories_grouped_by_major_class_with_search_words(client):
    html = client.get(URL).content.decode()
    assert '<optgroup label="事件 · 市容环境">' in html
    assert '<optgroup label="部件 · 公用设施">' in html
    assert re.search(r'<option value="\d+" data-keywords="暴露垃圾 [^"]*0102 市容环境">暴露垃圾</option>', html)
    assert 'id="category-filter"' in html
    assert 'name="location_lon"' in html and 'name="location_lat"' in html
    assert 'class="hp-field" aria-hidden="true"' in html
    assert _hidden_value(html, "form_token")


def test_a_complaint_is_stored_and_the_resident_sees_number_grid_and_community(client, form_data, grid, garbage):
    data = form_data(reporter_phone="139 0000-0001")
    response = _post(client, data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.source, case.state, case.category, case.grid) == (
        CaseSource.RESIDENT,
        CaseState.TO_VERIFY,
        garbage,
        grid,
    )
    assert case.reporter is None
    assert case.reporter_phone == "13900000001"
    assert (case.reporter_name, case.address) == ("陈先生", "东门保安亭旁")

    page = client.get(response["Location"])
    html = page.content.decode()
    assert case.number in html
    assert grid.name in html
    assert grid.community.name in html
    # Right after sending, the resident may follow the case without typing the phone again.
    assert client.get(reverse("public:case", args=[case.number])).status_code == 200


def test_a_signed_in_resident_reports_as_themselves(client, form_data):
    resident = make_user("resident", phone="13911112222")
    client.force_login(resident)
    assert 'value="13911112222"' in client.get(URL).content.decode()  # the phone is filled in
    assert _post(client, form_data(reporter_phone="13911112222")).status_code == 302
    assert Case.objects.get().reporter == resident


def test_photos_are_stored_without_their_gps_position(client, form_data):
    upload = jpeg_with_gps()
    assert exif_of(upload.read())[1]  # the test photo does carry GPS
    upload.seek(0)
    response = _post(client, {**form_data(), "photos": [upload, photo("second.png")]})
    assert response.status_code == 302
    photos = list(CasePhoto.objects.order_by("id"))
    assert [p.kind for p in photos] == [CasePhoto.Kind.BEFORE] * 2
    with photos[0].image.open("rb") as stored:
        tags, gps = exif_of(stored.read())
    assert gps == {} and ExifArtist not in tags
    assert "gps" not in photos[0].image.name  # the sender's file name is not kept


ExifArtist = 0x013B


KEPT = {
    "description": "小区东门垃圾桶满溢，已经三天没人清运",
    "address": "东门保安亭旁",
    "reporter_name": "陈先生",
}


def _assert_input_kept(html, data, but=()):
    for name, value in KEPT.items():
        if name not in but:
            assert value in html, f"{name} was lost"
    if "category" not in but:
        assert re.search(rf'<option value="{data["category"]}" selected data-keywords', html)
    if "location" not in but:
        assert f'name="location_lon" value="{data["location_lon"]}"' in html
        assert f'name="location_lat" value="{data["location_lat"]}"' in html
    if "reporter_phone" not in but:
        assert f'value="{data["reporter_phone"]}"' in html


@pytest.mark.parametrize(
    "field, overrides, message",
    [
        ("description", {"description": ""}, "必填"),
        ("category", {"category": ""}, "必填"),
        ("category", {"category": "999999"}, "选择一个有效的选项"),
        ("location", {"location_lon": "", "location_lat": ""}, "请在地图上点选问题位置"),
        ("location", {"location_lon": "abc"}, "位置无效"),
        ("reporter_phone", {"reporter_phone": ""}, "必填"),
        ("reporter_phone", {"reporter_phone": "12345"}, "请输入11位手机号"),
    ],
)
def test_each_field_error_is_shown_next_to_its_field_and_the_rest_is_kept(client, form_data, field, overrides, message):
    data = form_data(**overrides)
    response = _post(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    error_id = "location-error" if field == "location" else f"id_{field}-error"
    if field == "category":
        error_id = "category-error"
    error = re.search(rf'<p class="field-error" role="alert" id="{error_id}">([^<]*)</p>', html)
    assert error and message in error.group(1), html
    _assert_input_kept(html, data, but=(field,))
    assert "您填写的内容已保留" in html
    assert not Case.objects.exists()


def test_a_point_outside_the_district_is_refused_next_to_the_map_and_the_point_is_kept(client, form_data):
    data = form_data(location_lon="114.300000", location_lat="22.700000")
    response = _post(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="location-error">[^<]*不在辖区内', html)
    _assert_input_kept(html, data)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (lambda: SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"), "不是有效的图片"),
        (lambda: photo(image_format="GIF", name="a.gif"), "格式不支持"),
    ],
)
def test_a_bad_photo_is_refused_and_the_resident_is_told_to_choose_photos_again(client, form_data, upload, message):
    data = form_data()
    response = _post(client, {**data, "photos": [upload()]})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'id="photos-error">[^<]*{message}', html)
    assert 'id="photos-reselect"' in html
    _assert_input_kept(html, data)
    assert not Case.objects.exists()


def test_more_than_five_photos_are_refused(client, form_data):
    response = _post(client, {**form_data(), "photos": [photo(f"{n}.png") for n in range(6)]})
    assert response.status_code == 400
    assert re.search(r'id="photos-error">[^<]*最多上传 5 张照片', response.content.decode())


def test_no_reselect_hint_when_no_photo_was_sent(client, form_data):
    html = _post(client, form_data(description="")).content.decode()
    assert 'id="photos-reselect"' not in html


def test_the_honeypot_field_filled_in_means_a_robot(client, form_data):
    response = _post(client, form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "安全校验" in response.content.decode()
    assert not Case.objects.exists()


def test_a_form_sent_too_fast_is_refused_then_accepted_once_time_has_passed(client, form_data, settings):
    settings.PUBLIC_FORM_MIN_SECONDS = 3
    data = form_data(form_token=token_opened(seconds_ago=1))
    response = _post(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "提交太快" in html
    assert not Case.objects.exists()
    # The form goes back with the token it was opened with, so sending it again later works.
    assert _hidden_value(html, "form_token") == data["form_token"]
    data["form_token"] = token_opened(seconds_ago=5)
    assert _post(client, data).status_code == 302


@pytest.mark.parametrize("token", ["", "forged-token", "stale"])
def test_a_missing_forged_or_stale_token_gets_a_fresh_one_and_keeps_the_input(client, form_data, token):
    if token == "stale":
        token = token_opened(seconds_ago=3 * 24 * 3600)
    data = form_data(form_token=token)
    response = _post(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "页面已过期" in html
    _assert_input_kept(html, data)
    fresh = _hidden_value(html, "form_token")
    assert fresh and fresh != token


def test_complaints_per_address_are_limited(client, form_data, settings):
    settings.PUBLIC_REPORT_LIMIT = 5
    for _ in range(5):
        assert _post(client, form_data()).status_code == 302
    response = _post(client, form_data())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "操作太频繁" in response.content.decode()
    assert Case.objects.count() == 5


def test_complaints_per_phone_are_limited_across_addresses(form_data, settings):
    settings.PUBLIC_REPORT_LIMIT = 2
    from django.test import Client

    phone = fresh_phone()
    for _ in range(2):
        assert Client(REMOTE_ADDR=fresh_address()).post(URL, form_data(reporter_phone=phone)).status_code == 302
    assert Client(REMOTE_ADDR=fresh_address()).post(URL, form_data(reporter_phone=phone)).status_code == 429
    assert Client(REMOTE_ADDR=fresh_address()).post(URL, form_data()).status_code == 302  # another phone


def test_form_posts_per_address_are_limited_even_when_invalid(client, form_data, settings):
    settings.PUBLIC_ATTEMPT_LIMIT = 3
    for _ in range(3):
        assert _post(client, form_data(description="")).status_code == 400
    assert _post(client, form_data()).status_code == 429


def test_sending_a_complaint_takes_the_same_queries_whatever_the_number_of_photos(client, form_data):
    counts = []
    for photos in (1, 5):
        with CaptureQueriesContext(connection) as queries:
            response = _post(client, {**form_data(), "photos": [photo(f"{n}.png") for n in range(photos)]})
        assert response.status_code == 302
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 22
