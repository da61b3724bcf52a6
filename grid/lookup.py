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
from django.utils.translation import gettext as _

from gaoxin.db import server_cursor
from grid.models import Grid

# Degrees of latitude per metre; used to pre-filter by index before the exact distance.
_DEG_PER_M = 1 / 111_320

# One round trip: the containing grid if there is one, else the nearest grid whose
# bounding box lies within the snap distance. The second branch only runs when the
# first returns nothing (the Append under LIMIT 1 stops at the first row).
LOOKUP_SQL = """
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS pt)
(SELECT g.id, 0.0::float8 AS metres FROM grid_grid g, p
  WHERE ST_Intersects(g.boundary, p.pt) ORDER BY g.code LIMIT 1)
UNION ALL
(SELECT g.id, ST_Distance(g.boundary::geography, p.pt::geography) AS metres FROM grid_grid g, p
  WHERE g.boundary && ST_Expand(p.pt, %(expand)s) ORDER BY metres, g.code LIMIT 1)
LIMIT 1
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
    limit = settings.GRID_SNAP_DISTANCE_M if snap_distance_m is None else snap_distance_m
    # Longitude degrees shrink with latitude: widen the box so it covers `limit` metres.
    expand_deg = limit * _DEG_PER_M / max(math.cos(math.radians(lat)), 0.01)
    with server_cursor() as cursor:  # prepared once per connection
        cursor.execute(LOOKUP_SQL, {"lon": lon, "lat": lat, "expand": expand_deg}, prepare=True)
        row = cursor.fetchone()
    if row and row[1] == 0:
        return GridMatch(grid_id=row[0], snapped=False, distance_m=0.0)
    if row and row[1] <= limit:
        return GridMatch(grid_id=row[0], snapped=True, distance_m=row[1])
    raise LocationError(
        _("该位置不在辖区内（距最近网格超过 %(limit)d 米）") % {"limit": limit},
        code="outside_district",
    )
