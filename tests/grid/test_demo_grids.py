"""The demo district as loaded by the session fixture: 17 communities, 136 grids that tile
the district outline, checked in PostGIS; and the generator that made the files."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from grid.demo import (
    COMMUNITIES,
    DISTRICT_CODE,
    DISTRICT_FILE_NAME,
    FIXTURES_DIR,
    GRIDS_FILE_NAME,
    ISLAND_COMMUNITY_INDEX,
    community_code,
    load_demo_grids,
)
from grid.models import Community, District, Grid

pytestmark = pytest.mark.django_db

# Areas in UTM 49N; 0.01 m² is far below anything a person could draw or see.
TOLERANCE_M2 = 0.01
DEMO_GRIDS = f"SELECT g.* FROM grid_grid g JOIN grid_community c ON c.id = g.community_id JOIN grid_district d ON d.id = c.district_id WHERE d.code = '{DISTRICT_CODE}'"


def one_row(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def all_rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def demo_grids():
    return Grid.objects.filter(community__district__code=DISTRICT_CODE)


def test_district_has_17_communities_and_136_grids():
    district = District.objects.get(code=DISTRICT_CODE)
    assert district.name == "高新区"
    assert district.communities.count() == 17
    assert demo_grids().count() == 136
    counts = {community.code: community.grids.count() for community in district.communities.all()}
    assert set(counts.values()) == {8}


def test_every_geometry_is_valid():
    invalid = all_rows(f"SELECT code, ST_IsValidReason(boundary) FROM ({DEMO_GRIDS}) g WHERE NOT ST_IsValid(boundary)")
    assert invalid == []
    assert one_row("SELECT ST_IsValid(boundary) FROM grid_district WHERE code = %s", [DISTRICT_CODE]) == (True,)


def test_grids_cover_the_district_outline_exactly():
    (difference_m2,) = one_row(
        f"""
        SELECT ST_Area(ST_Transform(ST_SymDifference(u.geom, d.boundary), 32649))
        FROM (SELECT ST_Union(boundary) AS geom FROM ({DEMO_GRIDS}) g) u, grid_district d
        WHERE d.code = %s
        """,
        [DISTRICT_CODE],
    )
    assert difference_m2 < TOLERANCE_M2


def test_no_two_grids_overlap():
    overlaps = all_rows(
        f"""
        WITH g AS ({DEMO_GRIDS})
        SELECT a.code, b.code, ST_Area(ST_Transform(ST_Intersection(a.boundary, b.boundary), 32649)) AS m2
        FROM g a JOIN g b ON a.code < b.code AND a.boundary && b.boundary
        WHERE ST_Relate(a.boundary, b.boundary, 'T********')
        """
    )
    assert [row for row in overlaps if row[2] > TOLERANCE_M2] == []


def test_neighbours_share_whole_edges():
    # Neighbouring grids carry the same vertices, so what they share is a line, never
    # a sliver; every grid has at least two such neighbours.
    rows = all_rows(
        f"""
        WITH g AS ({DEMO_GRIDS})
        SELECT a.code, count(*) FROM g a JOIN g b ON a.code <> b.code AND ST_Touches(a.boundary, b.boundary)
        WHERE ST_Dimension(ST_Intersection(a.boundary, b.boundary)) = 1
        GROUP BY a.code
        """
    )
    assert len(rows) == 136
    assert min(count for _, count in rows) >= 2


def test_grid_sizes_are_comparable():
    """ "Comparable workload, moderate size". Lloyd-relaxed cells are close to equal inside a
    region but vary at its irregular edge: measured grids 0.62-1.07 km² (ratio 1.72, spread
    11 % of the mean), communities 5.5-7.3 km² (ratio 1.34). The bounds leave a little room
    and still mean that no grid is twice another and the mean stays walkable for patrols."""
    areas = list(demo_grids().values_list("area_m2", flat=True))
    assert max(areas) / min(areas) < 2.0
    assert 0.5e6 < sum(areas) / len(areas) < 1.2e6
    communities = Community.objects.filter(district__code=DISTRICT_CODE).prefetch_related("grids")
    community_areas = [sum(grid.area_m2 for grid in community.grids.all()) for community in communities]
    assert max(community_areas) / min(community_areas) < 1.5


def test_district_lies_in_the_tangjiawan_area():
    min_lon, min_lat, max_lon, max_lat = District.objects.get(code=DISTRICT_CODE).boundary.extent
    assert 113.50 <= min_lon < max_lon <= 113.63
    assert 22.33 <= min_lat < max_lat <= 22.47


def test_codes_and_names_are_well_formed():
    communities = Community.objects.filter(district__code=DISTRICT_CODE).order_by("code")
    assert [c.code for c in communities] == [f"440402001{n:03d}" for n in range(1, 18)]
    for community, demo in zip(communities, COMMUNITIES, strict=True):
        assert community.name == f"{demo.name}社区"
        assert community.name_en == f"{demo.name_en} Community"
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", community.first_responsible)
        grids = list(community.grids.order_by("code"))
        assert [g.code for g in grids] == [f"{community.code}{n:03d}" for n in range(1, 9)]
        assert [g.name for g in grids] == [f"{community.name}第{n}网格" for n in range(1, 9)]


def test_the_island_community_lies_east_of_the_mainland_across_water():
    island_code = community_code(ISLAND_COMMUNITY_INDEX)
    assert Community.objects.get(code=island_code).name == "淇澳社区"
    distance_m, island_centre_lon, mainland_max_lon, parts = one_row(
        f"""
        WITH g AS ({DEMO_GRIDS}),
        island AS (SELECT ST_Union(boundary) AS geom FROM g WHERE code LIKE %s),
        mainland AS (SELECT ST_Union(boundary) AS geom FROM g WHERE code NOT LIKE %s)
        SELECT ST_Distance(island.geom::geography, mainland.geom::geography),
               ST_X(ST_Centroid(island.geom)), ST_XMax(mainland.geom), ST_NumGeometries(d.boundary)
        FROM island, mainland, grid_district d WHERE d.code = %s
        """,
        [f"{island_code}%", f"{island_code}%", DISTRICT_CODE],
    )
    assert distance_m > 500  # a strait, not a shared border
    assert island_centre_lon > mainland_max_lon
    assert parts == 2  # the outline is the mainland plus the island


def test_loading_again_changes_nothing():
    before = list(demo_grids().order_by("code").values_list("id", "code", "name", "area_m2"))
    assert load_demo_grids() is False
    assert list(demo_grids().order_by("code").values_list("id", "code", "name", "area_m2")) == before


def test_committed_files_are_small_and_rounded():
    grids_text = (FIXTURES_DIR / GRIDS_FILE_NAME).read_text(encoding="utf-8")
    assert len(grids_text.encode()) < 100_000  # the whole /api/v1/grids/ payload stays small
    features = json.loads(grids_text)["features"]
    assert len(features) == 136
    assert set(features[0]["properties"]) == {
        "code",
        "name",
        "community_code",
        "community_name",
        "community_name_en",
        "first_responsible",
    }
    assert {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
    numbers = re.findall(r"-?\d+\.\d+", grids_text.split('"geometry"', 1)[1])
    assert numbers and max(len(n.split(".")[1]) for n in numbers) <= 7
    outline = json.loads((FIXTURES_DIR / DISTRICT_FILE_NAME).read_text(encoding="utf-8"))["features"][0]
    assert outline["properties"] == {"code": "440402", "name": "高新区"}


def test_generator_reproduces_the_committed_files(tmp_path):
    call_command("generate_demo_grids", "--out", str(tmp_path), stdout=StringIO())
    for name in (GRIDS_FILE_NAME, DISTRICT_FILE_NAME):
        assert (tmp_path / name).read_bytes() == (FIXTURES_DIR / name).read_bytes(), f"{name} differs"
