"""Open311 GeoReport v2 conformance, written from the specification
(wiki.open311.org/GeoReport_v2 and /Service_Discovery): every resource in both formats,
the fields and values it defines, POST's required arguments and errors, GET requests'
filters and default limits."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.open311 import request_token
from cases.models import Case, CaseSource, CaseState, Category
from cases.services import report
from tests.api.conftest import DEMO_KEY, make_api_key
from tests.cases.conftest import advance
from tests.factories import photo, point_in

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
W3_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def client():
    return APIClient()


def get(client, path, fmt="json", **params):
    return client.get(f"{BASE}/{path}.{fmt}", params)


def post_request(client, fmt="json", **fields):
    return client.post(f"{BASE}/requests.{fmt}", fields)  # form-encoded, as the spec says


def xml_of(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def assert_errors(response, status, fmt="json"):
    assert response.status_code == status
    if fmt == "json":
        errors = json_of(response)
        assert isinstance(errors, list) and errors
        assert all(set(error) == {"code", "description"} and error["description"] for error in errors)
        assert errors[0]["code"] == status
    else:
        root = xml_of(response)
        assert root.tag == "errors"
        assert [child.tag for child in root] == ["error"] * len(root)
        assert root.find("error/code").text == str(status)
        assert root.find("error/description").text


def service_code_of(category):
    return ("E" if category.kind == "event" else "C") + category.code


@pytest.fixture
def resident_report(world):
    def file(at=None, category=None, grid=None):
        lon, lat = point_in(grid or world.home)
        return report(
            actor=world.resident,
            source=CaseSource.RESIDENT,
            category=category or world.garbage,
            lon=lon,
            lat=lat,
            description="人行道上有垃圾",
            photos=[photo()],
            at=at,
        )

    return file


# ---------------------------------------------------------------- discovery and services


def test_discovery_in_both_formats(client):
    discovery = json_of(get(client, "discovery"))
    assert set(discovery) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] in ("production", "test")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml_of(get(client, "discovery", "xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_are_our_active_categories(client):
    Category.objects.filter(major_code="99").update(active=False)
    services = json_of(get(client, "services"))
    assert len(services) == Category.objects.filter(active=True).count()
    for service in services:
        assert set(service) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert re.fullmatch(r"[EC]\d{4}", service["service_code"])
        assert service["metadata"] is True
        assert service["type"] in ("realtime", "batch", "blackbox")
    garbage = next(s for s in services if s["service_code"] == "E0102")
    assert (garbage["service_name"], garbage["group"]) == ("暴露垃圾", "市容环境")
    root = xml_of(get(client, "services", "xml"))
    assert root.tag == "services"
    assert len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text == "true"


def test_service_names_follow_the_language(client):
    services = json_of(client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en"))
    assert next(s for s in services if s["service_code"] == "E0102")["service_name"] == "Exposed garbage"


def test_service_definition(client):
    definition = json_of(get(client, "services/C0102"))
    assert definition["service_code"] == "C0102"
    attributes = definition["attributes"]
    assert [a["order"] for a in attributes] == list(range(1, len(attributes) + 1))
    for attribute in attributes:
        assert set(attribute) == {
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        }
        assert attribute["datatype"] in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
    assert {a["code"]: a["variable"] for a in attributes} == {
        "time_limit": False,
        "location_detail": True,
        "facility_code": True,
    }
    root = xml_of(get(client, "services/E0102", "xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "E0102"
    assert root.find("attributes/attribute/variable").text == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["E9999", "0102", "nonsense"])
def test_unknown_service_code_is_404(client, fmt, code):
    assert_errors(get(client, f"services/{code}", fmt), 404, fmt)


@pytest.mark.parametrize("path", ["discovery", "services", "services/E0102", "requests"])
def test_jurisdiction_id_is_accepted_and_checked(client, settings, path):
    assert get(client, path, jurisdiction_id=settings.OPEN311_JURISDICTION_ID).status_code == 200
    assert get(client, path, jurisdiction_id="").status_code == 200  # empty is as absent
    assert_errors(get(client, path, jurisdiction_id="sfgov.org"), 404)


def test_unknown_format_or_resource_is_404(client):
    assert client.get(f"{BASE}/services.csv").status_code == 404
    assert client.get(f"{BASE}/services").status_code == 404


# ---------------------------------------------------------------- POST requests


@pytest.fixture
def key(db):
    make_api_key()
    return DEMO_KEY


def valid_post(world, **extra):
    lon, lat = point_in(world.home)
    return {"api_key": DEMO_KEY, "service_code": "E0102", "lat": lat, "long": lon} | extra


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_files_a_case_into_the_loop(client, world, key, fmt):
    body = valid_post(
        world,
        description="大量垃圾堆在路口",
        address_string="唐家湾大道 8 号",
        first_name="三",
        last_name="张",
        phone="13700000000",
        email="zhang@example.org",
        device_id="device-1",
        **{"attribute[location_detail]": "东南角"},
    )
    response = post_request(client, fmt, **body)
    assert response.status_code == 201, response.content
    if fmt == "json":
        (created,) = json_of(response)
        assert set(created) == {"service_request_id", "service_notice", "account_id"}  # realtime: no token
        number = created["service_request_id"]
    else:
        root = xml_of(response)
        assert root.tag == "service_requests"
        assert root.find("request/token") is None
        number = root.findtext("request/service_request_id")
    case = Case.objects.get(number=number)
    assert case.state == CaseState.TO_VERIFY
    assert case.source == CaseSource.PLATFORM
    assert case.grid == world.home
    assert (case.reporter_name, case.reporter_phone) == ("张三", "13700000000")
    assert case.address == "唐家湾大道 8 号 东南角"
    assert case.description == "大量垃圾堆在路口"


def test_post_without_description_uses_the_service_name(client, world, key):
    (created,) = json_of(post_request(client, **valid_post(world)))
    assert Case.objects.get(number=created["service_request_id"]).description == "暴露垃圾"


def test_post_with_a_photo(client, world, key):
    response = client.post(f"{BASE}/requests.json", valid_post(world, media=photo()), format="multipart")
    assert response.status_code == 201
    (created,) = response.json()
    (shown,) = json_of(get(client, f"requests/{created['service_request_id']}"))
    assert shown["media_url"].startswith("http://testserver/media/cases/")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_needs_a_valid_api_key(client, world, key, fmt):
    body = valid_post(world)
    del body["api_key"]
    assert_errors(post_request(client, fmt, **body), 403, fmt)
    assert_errors(post_request(client, fmt, **body, api_key="wrong"), 403, fmt)
    make_api_key("reader", scopes=["cases:read"], secret="reader-key-0123456789")
    assert_errors(post_request(client, fmt, **body, api_key="reader-key-0123456789"), 403, fmt)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"service_code": ""}, 400),
        ({"service_code": "E9999"}, 404),
        ({"lat": "", "long": ""}, 400),  # no location at all
        ({"lat": "", "long": "", "address_string": "某某路"}, 400),  # an address we cannot place
        ({"lat": "30.0", "long": "120.0"}, 400),  # outside the district
        ({"lat": "north"}, 400),
        ({"jurisdiction_id": "sfgov.org"}, 404),
        ({"description": "长" * 4001}, 400),
        ({"phone": "1" * 21}, 400),
        ({"description": "bad\x00byte"}, 400),
    ],
)
def test_post_errors(client, world, key, change, status):
    assert_errors(post_request(client, **(valid_post(world) | change)), status)
    assert not Case.objects.exists()


def test_post_json_body_is_a_400(client, world, key):
    response = client.post(f"{BASE}/requests.json", valid_post(world), format="json")
    assert_errors(response, 400)


def test_post_retry_with_external_id_returns_the_same_request(client, world, key):
    first = post_request(client, **valid_post(world, external_id="H-77"))
    again = post_request(client, **valid_post(world, external_id="H-77"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Case.objects.count() == 1


# ---------------------------------------------------------------- GET requests


def test_a_request_in_both_formats(client, world, resident_report):
    case = resident_report()
    (shown,) = json_of(get(client, f"requests/{case.number}"))
    assert set(shown) == REQUEST_FIELDS
    assert shown["service_request_id"] == case.number
    assert shown["status"] == "open"
    assert shown["status_notes"] == "待核实"
    assert shown["service_code"] == "E0102"
    assert shown["agency_responsible"] is None
    assert (shown["lat"], shown["long"]) == pytest.approx((case.location.y, case.location.x))
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3_DATETIME.match(shown[name]), name
    root = xml_of(get(client, f"requests/{case.number}", "xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {child.tag for child in request} == REQUEST_FIELDS
    assert request.findtext("status") == "open"
    assert request.find("agency_responsible").text is None  # an empty element


def test_xml_stays_well_formed_whatever_the_text(client, world, resident_report):
    case = resident_report()
    Case.objects.filter(pk=case.pk).update(description="垂直制表\x0b与响铃\x07 <b>&amp;")
    request = xml_of(get(client, f"requests/{case.number}", "xml")).find("request")
    assert request.findtext("description") == "垂直制表与响铃 <b>&amp;"


def test_status_unit_and_deadlines_follow_the_case(client, world, resident_report):
    case = advance(resident_report(), world, "dispatch")
    (shown,) = json_of(get(client, f"requests/{case.number}"))
    assert shown["agency_responsible"] == world.unit.name
    assert shown["status_notes"] == "待接收"
    expected = timezone.localtime(case.handle_due_at).isoformat(timespec="seconds")
    assert shown["expected_datetime"] == expected
    case = advance(case, world, "close")
    (shown,) = json_of(get(client, f"requests/{case.number}"))
    assert (shown["status"], shown["status_notes"], shown["expected_datetime"]) == ("closed", "已结案", None)
    assert shown["updated_datetime"] == timezone.localtime(case.closed_at).isoformat(timespec="seconds")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_404(client, fmt):
    assert_errors(get(client, "requests/2000010100001", fmt), 404, fmt)


def test_default_range_is_the_last_90_days(client, world, resident_report):
    recent = resident_report()
    old = resident_report(at=timezone.now() - timedelta(days=91))
    listed = [r["service_request_id"] for r in json_of(get(client, "requests"))]
    assert listed == [recent.number]
    # service_request_id overrides every other argument.
    by_id = json_of(get(client, "requests", service_request_id=f"{old.number},{recent.number}", status="closed"))
    assert {r["service_request_id"] for r in by_id} == {old.number, recent.number}


def test_date_filters(client, world, resident_report):
    now = timezone.now()
    cases = [resident_report(at=now - timedelta(days=days)) for days in (100, 50, 10)]

    def numbers(**params):
        return [r["service_request_id"] for r in json_of(get(client, "requests", **params))]

    def w3(moment):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert numbers(start_date=w3(now - timedelta(days=120)), end_date=w3(now - timedelta(days=40))) == [
        cases[1].number,
        cases[0].number,
    ]
    assert numbers(start_date=w3(now - timedelta(days=60))) == [cases[2].number, cases[1].number]
    # The 90 days before end_date.
    assert numbers(end_date=w3(now - timedelta(days=20))) == [cases[1].number, cases[0].number]
    assert numbers(end_date=w3(now - timedelta(days=60))) == [cases[0].number]
    offset = (now - timedelta(days=11)).astimezone(timezone.get_current_timezone()).isoformat(timespec="seconds")
    assert numbers(start_date=offset) == [cases[2].number]
    far_east = (now - timedelta(days=11)).astimezone(dt_timezone(timedelta(hours=22, minutes=8)))
    assert numbers(start_date=far_east.isoformat(timespec="seconds")) == [cases[2].number]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2010-13-45T00:00:00Z"},
        {"start_date": "2010-01-01T00:00:00Z", "end_date": "2010-06-01T00:00:00Z"},  # over 90 days
        {"start_date": "2010-06-01T00:00:00Z", "end_date": "2010-01-01T00:00:00Z"},  # backwards
        {"start_date": "9999-12-31T00:00:00Z"},
        {"status": "pending"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_query_arguments_are_400(client, fmt, params):
    assert_errors(get(client, "requests", fmt, **params), 400, fmt)


def test_status_and_service_code_filters(client, world, resident_report):
    open_garbage = resident_report()
    closed_garbage = advance(resident_report(), world, "close")
    structure = resident_report(category=world.structure)

    def numbers(**params):
        return {r["service_request_id"] for r in json_of(get(client, "requests", **params))}

    assert numbers(status="open") == {open_garbage.number, structure.number}
    assert numbers(status="closed") == {closed_garbage.number}
    assert numbers(status="open,closed") == numbers()
    assert numbers(service_code="E0102") == {open_garbage.number, closed_garbage.number}
    assert numbers(service_code="E0102,E0101") == numbers()
    assert numbers(service_code="E0102", status="closed") == {closed_garbage.number}
    assert numbers(service_code="E9999") == set()


def test_at_most_1000_requests_newest_first(client, world, resident_report):
    template = resident_report()
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            number=f"19990101{index:05d}",
            source=template.source,
            category=template.category,
            location=template.location,
            grid=template.grid,
            community=template.community,
            description="批量",
            state=CaseState.TO_VERIFY,
            reported_at=now - timedelta(minutes=index + 1),
        )
        for index in range(1000)
    )
    listed = json_of(get(client, "requests"))
    assert len(listed) == 1000
    assert listed[0]["service_request_id"] == template.number
    assert listed[-1]["service_request_id"] == "1999010100998"


def test_tokens(client, world, resident_report):
    case = resident_report()
    token = request_token(case)
    assert json_of(get(client, f"tokens/{token}")) == [{"service_request_id": case.number, "token": token}]
    root = xml_of(get(client, f"tokens/{token}", "xml"))
    assert root.findtext("request/service_request_id") == case.number
    assert_errors(get(client, "tokens/not-a-token"), 404)
    assert_errors(get(client, "tokens/not-a-token", "xml"), 404, "xml")


def test_other_methods_are_refused_in_the_spec_shape(client):
    assert_errors(client.put(f"{BASE}/services.json"), 405)
    assert_errors(client.post(f"{BASE}/services.xml"), 405, "xml")
