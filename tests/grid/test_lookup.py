"""Point -> grid lookup against the demo district (136 grids)."""

import math

import pytest
from django.db import connection

from grid.lookup import LocationError, locate
from grid.models import Grid

pytestmark = pytest.mark.django_db


def _grids_intersecting(lon, lat):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code FROM grid_grid WHERE ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
            " ORDER BY code",
            [lon, lat],
        )
        return [row[0] for row in cursor.fetchall()]


def _one(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def test_point_inside_a_grid():
    grid = Grid.objects.order_by("code")[10]
    point = grid.boundary.point_on_surface
    match = locate(point.x, point.y)
    assert match.grid_id == grid.pk
    assert not match.snapped
    assert match.grid.community_id == grid.community_id


def test_point_on_a_shared_edge_belongs_to_exactly_one_grid():
    # A vertex on an edge between exactly two grids: vertices are exact, unlike a
    # point interpolated along the edge, which floating point puts off the line.
    lon, lat = _one(
        """
        SELECT ST_X(v), ST_Y(v) FROM (SELECT (ST_DumpPoints(boundary)).geom v FROM grid_grid) pts
        WHERE (SELECT count(*) FROM grid_grid g WHERE ST_Intersects(g.boundary, pts.v)) = 2
        LIMIT 1
        """
    )
    codes = _grids_intersecting(lon, lat)
    assert len(codes) == 2, "the sample point must lie on the edge of two grids"
    results = {locate(lon, lat).grid_id for _ in range(3)}
    assert results == {Grid.objects.get(code=codes[0]).pk}


def test_point_on_a_vertex_shared_by_three_grids():
    lon, lat = _one(
        """
        SELECT ST_X(v), ST_Y(v) FROM (
          SELECT (ST_DumpPoints(boundary)).geom v FROM grid_grid) pts
        WHERE (SELECT count(*) FROM grid_grid g WHERE ST_Intersects(g.boundary, pts.v)) >= 3
        LIMIT 1
        """
    )
    codes = _grids_intersecting(lon, lat)
    assert len(codes) >= 3
    assert locate(lon, lat).grid_id == Grid.objects.get(code=codes[0]).pk


def test_point_just_outside_snaps_to_the_nearest_grid():
    lon, lat = _one(
        "SELECT ST_X(v), ST_Y(v) FROM (SELECT (ST_DumpPoints(boundary)).geom v FROM grid_district) p"
        " ORDER BY ST_X(v) LIMIT 1"
    )
    metres_per_degree = 111_320 * math.cos(math.radians(lat))
    outside_lon = lon - 50 / metres_per_degree  # 50 m west of the westmost vertex
    assert _grids_intersecting(outside_lon, lat) == []
    match = locate(outside_lon, lat)
    assert match.snapped
    assert 45 < match.distance_m < 55
    assert Grid.objects.get(pk=match.grid_id).code in _grids_intersecting(lon, lat)


def test_point_far_outside_is_rejected():
    with pytest.raises(LocationError) as error:
        locate(114.2, 22.6)
    assert error.value.code == "outside_district"
    assert "不在辖区内" in error.value.messages[0]


def test_snap_distance_is_configurable(settings):
    settings.GRID_SNAP_DISTANCE_M = 10
    lon, lat = _one(
        "SELECT ST_X(v), ST_Y(v) FROM (SELECT (ST_DumpPoints(boundary)).geom v FROM grid_district) p"
        " ORDER BY ST_X(v) LIMIT 1"
    )
    with pytest.raises(LocationError):
        locate(lon - 50 / (111_320 * math.cos(math.radians(lat))), lat)


@pytest.mark.parametrize(
    "lon, lat", [("abc", 22.4), (None, 22.4), (113.5, "nan"), (200, 22.4), (113.5, -91), ("inf", 1)]
)
def test_invalid_coordinates_are_rejected(lon, lat):
    with pytest.raises(LocationError) as error:
        locate(lon, lat)
    assert error.value.code == "invalid_coordinates"
