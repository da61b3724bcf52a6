"""Point -> grid: the one place every report, patrol and import finds its grid.

A point inside several grids (on a shared edge or vertex) belongs to the grid with the
lowest code, so the answer is always exactly one grid. A point outside every grid but
within ``GRID_SNAP_DISTANCE_M`` snaps to the nearest grid and says so; farther away it
is rejected.
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from grid.models import Grid

# Degrees of latitude per metre; used to pre-filter by index before the exact distance.
_DEG_PER_M = 1 / 111_320

_CONTAINING_SQL = """
SELECT id FROM grid_grid
WHERE ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326))
ORDER BY code LIMIT 1
"""

_NEAREST_SQL = """
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS pt)
SELECT g.id, ST_Distance(g.boundary::geography, p.pt::geography) AS metres
FROM grid_grid g, p
WHERE g.boundary && ST_Expand(p.pt, %s)
ORDER BY metres, g.code LIMIT 1
"""


class LocationError(ValidationError):
    """A location that cannot be placed in a grid; the message says why."""


@dataclass(frozen=True)
class GridMatch:
    grid_id: int
    snapped: bool
    distance_m: float

    @property
    def grid(self) -> Grid:
        return Grid.objects.select_related("community").get(pk=self.grid_id)


def validate_coordinates(lon, lat) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise LocationError(_("坐标必须是数字"), code="invalid_coordinates") from None
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise LocationError(_("坐标超出有效范围（经度 -180~180，纬度 -90~90）"), code="invalid_coordinates")
    return lon, lat


def locate(lon, lat, *, snap_distance_m: float | None = None) -> GridMatch:
    """Find the grid of a WGS84 point (longitude, latitude)."""
    lon, lat = validate_coordinates(lon, lat)
    with connection.cursor() as cursor:
        cursor.execute(_CONTAINING_SQL, [lon, lat])
        row = cursor.fetchone()
        if row:
            return GridMatch(grid_id=row[0], snapped=False, distance_m=0.0)
        limit = settings.GRID_SNAP_DISTANCE_M if snap_distance_m is None else snap_distance_m
        # Longitude degrees shrink with latitude: widen the box so it covers `limit` metres.
        expand_deg = limit * _DEG_PER_M / max(math.cos(math.radians(lat)), 0.01)
        cursor.execute(_NEAREST_SQL, [lon, lat, expand_deg])
        row = cursor.fetchone()
    if row and row[1] <= limit:
        return GridMatch(grid_id=row[0], snapped=True, distance_m=row[1])
    raise LocationError(
        _("该位置不在辖区内（距最近网格超过 %(limit)d 米）") % {"limit": limit},
        code="outside_district",
    )
