"""GET /api/v1/grids/: the grid boundaries as GeoJSON, filtered, cached and revalidated."""

import json
import uuid

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from grid import api
from grid.models import Grid, GridAssignment
from grid.selectors import forget_grid_fingerprints

pytestmark = pytest.mark.django_db

URL = reverse("api-grids")
GRID_COUNT = 136


def features(response):
    assert response.status_code == 200, response.content
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    return collection["features"]


def decimals(number):
    text = repr(number)
    return len(text.split(".")[1]) if "." in text else 0


def user_with_role(role, **fields):
    # No password: hashing one takes most of a second, and these users never log in by form.
    user = User.objects.create(**fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def assign_officer(grid, username, *, primary=False):
    officer = user_with_role(Role.GRID_OFFICER, username=username, first_name=f"{username}姓名")
    GridAssignment.objects.create(grid=grid, officer=officer, is_primary=primary)
    return officer


@pytest.fixture
def fresh_cache(monkeypatch):
    """Cache keys no earlier request used, so the next request builds its body."""
    monkeypatch.setattr(api, "FEATURE_LAYOUT_VERSION", uuid.uuid4().hex)


@pytest.fixture
def staff_client(client):
    client.force_login(user_with_role(Role.DISPATCHER, username="dispatcher-api"))
    return client


def test_every_grid_is_a_valid_simplified_feature(client):
    response = client.get(URL)
    assert response["Content-Type"] == "application/json"
    assert len(response.content) < 300 * 1024
    grids = features(response)
    assert len(grids) == GRID_COUNT
    stored = {grid.code: grid for grid in Grid.objects.select_related("community")}
    for feature in grids:
        assert feature["type"] == "Feature"
        properties = feature["properties"]
        grid = stored[properties["code"]]
        assert properties["id"] == grid.pk
        assert properties["name"] == grid.name
        assert properties["community"] == {"code": grid.community.code, "name": grid.community.name}
        assert properties["area_m2"] == round(grid.area_m2)
        geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        assert geometry.geom_type == "MultiPolygon"
        assert geometry.valid
        assert geometry.num_coords <= grid.boundary.num_coords
        assert abs(geometry.area - grid.boundary.area) < 0.01 * grid.boundary.area
        assert max(decimals(c) for ring in feature["geometry"]["coordinates"][0] for xy in ring for c in xy) <= 6


def test_tolerance_is_clamped_and_validated(client):
    widest = client.get(URL, {"tolerance": "0.001"})
    beyond = client.get(URL, {"tolerance": "5"})
    assert beyond.status_code == 200
    assert beyond["ETag"] == widest["ETag"]
    assert client.get(URL, {"tolerance": "-1"})["ETag"] == client.get(URL, {"tolerance": "0"})["ETag"]
    response = client.get(URL, {"tolerance": "abc"})
    assert response.status_code == 400
    assert "tolerance" in response.json()["fields"]


def test_bbox_returns_the_grids_it_touches(client):
    grid = Grid.objects.order_by("code")[40]
    min_lon, min_lat, max_lon, max_lat = grid.boundary.extent
    centre_lon, centre_lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    bbox = f"{centre_lon - 0.001},{centre_lat - 0.001},{centre_lon + 0.001},{centre_lat + 0.001}"
    codes = {feature["properties"]["code"] for feature in features(client.get(URL, {"bbox": bbox}))}
    assert grid.code in codes
    assert 1 <= len(codes) < GRID_COUNT


def test_bbox_outside_the_district_returns_nothing(client):
    assert features(client.get(URL, {"bbox": "100.0,10.0,100.1,10.1"})) == []


@pytest.mark.parametrize(
    "bbox",
    [
        "113.5,22.3,113.6",  # three numbers
        "113.5,22.3,113.6,22.4,1",  # five
        "a,b,c,d",
        "113.5,22.3,113.6,nan",
        "113.5,22.3,inf,22.4",
        "113.6,22.3,113.5,22.4",  # west edge east of the east edge
        "113.5,95,113.6,96",  # latitude out of range
    ],
)
def test_malformed_bbox_is_a_400_that_says_why(client, bbox):
    response = client.get(URL, {"bbox": bbox})
    assert response.status_code == 400
    assert "bbox" in response.json()["fields"]


def test_community_filter(client):
    grid = Grid.objects.select_related("community").order_by("code").first()
    grids = features(client.get(URL, {"community": grid.community.code}))
    assert {feature["properties"]["community"]["code"] for feature in grids} == {grid.community.code}
    assert len(grids) == grid.community.grids.count()
    assert features(client.get(URL, {"community": "999999999999"})) == []
    assert client.get(URL, {"community": "12ab"}).status_code == 400


def test_etag_answers_304_until_a_grid_changes(client):
    first = client.get(URL)
    etag = first["ETag"]
    assert etag
    assert "no-cache" in first["Cache-Control"]

    unchanged = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag

    grid = Grid.objects.order_by("code").first()
    grid.name = "改名后的网格"
    grid.save()
    changed = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "改名后的网格" in {feature["properties"]["name"] for feature in features(changed)}


def test_etag_depends_on_the_query(client):
    assert client.get(URL)["ETag"] != client.get(URL, {"community": "440402001001"})["ETag"]


def test_the_public_and_residents_see_no_officer_names(client):
    grid = Grid.objects.order_by("code").first()
    officer = assign_officer(grid, "officer-hidden", primary=True)
    for feature in features(client.get(URL)):
        assert "officers" not in feature["properties"]
    assert officer.first_name.encode() not in client.get(URL).content

    client.force_login(user_with_role(Role.RESIDENT, username="resident-api"))
    assert all("officers" not in feature["properties"] for feature in features(client.get(URL)))


def test_staff_see_officers_primary_first(staff_client):
    grid = Grid.objects.order_by("code").first()
    deputy = assign_officer(grid, "officer-deputy")
    primary = assign_officer(grid, "officer-primary", primary=True)

    by_code = {feature["properties"]["code"]: feature["properties"] for feature in features(staff_client.get(URL))}
    assert by_code[grid.code]["officers"] == [primary.display_name, deputy.display_name]
    assert all("officers" in properties for properties in by_code.values())


def test_a_new_assignment_changes_the_staff_etag(staff_client):
    etag = staff_client.get(URL)["ETag"]
    assign_officer(Grid.objects.order_by("code").first(), "officer-new")
    assert staff_client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_staff_and_public_bodies_have_different_etags(staff_client):
    assert Client().get(URL)["ETag"] != staff_client.get(URL)["ETag"]


@pytest.mark.usefixtures("fresh_cache")
def test_building_the_body_takes_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    for grid in Grid.objects.order_by("code")[:5]:
        assign_officer(grid, f"officer-{grid.code}", primary=True)
    # session, user, the user's roles, the fingerprint, grids, officers
    with django_assert_max_num_queries(6):
        assert len(features(staff_client.get(URL))) == GRID_COUNT
    with django_assert_max_num_queries(6):
        features(staff_client.get(URL, {"community": "440402001002"}))


def test_a_cached_body_needs_only_the_fingerprint_query(client):
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        assert len(features(client.get(URL))) == GRID_COUNT
    assert len(queries) == 1, [query["sql"] for query in queries]


@pytest.fixture
def fingerprint_kept(settings):
    settings.GRID_FINGERPRINT_SECONDS = 60
    forget_grid_fingerprints()
    yield
    forget_grid_fingerprints()


@pytest.mark.usefixtures("committed_db", "fingerprint_kept")
def test_with_the_fingerprint_cached_a_cached_body_needs_no_query(client):
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        etag = client.get(URL)["ETag"]
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert queries.captured_queries == []


@pytest.mark.usefixtures("committed_db", "fingerprint_kept")
def test_a_committed_save_shows_at_once_and_raw_sql_once_the_fingerprint_is_forgotten(client):
    etag = client.get(URL)["ETag"]
    grid = Grid.objects.order_by("code").first()
    grid.name = "改名后的网格"
    grid.save()  # autocommit: the receiver forgets the fingerprint
    renamed = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert renamed.status_code == 200
    assert "改名后的网格" in {feature["properties"]["name"] for feature in features(renamed)}

    with connection.cursor() as cursor:
        cursor.execute("UPDATE grid_grid SET name = '再次改名' WHERE id = %s", [grid.pk])
    etag = renamed["ETag"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304  # trusted for a while
    forget_grid_fingerprints()  # what GRID_FINGERPRINT_SECONDS passing does
    assert "再次改名" in {feature["properties"]["name"] for feature in features(client.get(URL))}


def test_the_schema_documents_the_endpoint(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/grids/"]["get"]
    assert {"bbox", "community", "tolerance"} <= {parameter["name"] for parameter in operation["parameters"]}
    assert {"200", "304", "400"} <= set(operation["responses"])
    docs = client.get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/redoc" in docs
    assert "https://" not in docs  # works offline
