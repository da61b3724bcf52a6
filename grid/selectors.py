"""Read queries over communities and grids, shared by the map page and the API."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc
from django.contrib.gis.geos import Polygon
from django.db import connection, models
from django.db.models import Count, Prefetch, Value
from django.db.models.functions import Cast

from grid.models import Community, Grid, GridAssignment

GEOJSON_DECIMALS = 6  # about 0.1 m: finer than any boundary survey needs


class SimplifyPreserveTopology(GeoFunc):
    """ST_SimplifyPreserveTopology: drops vertices within `tolerance` degrees, never making a
    polygon invalid or collapsing it."""

    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField(srid=4326)


class Multi(GeoFunc):
    """ST_Multi: simplification turns a one-part MultiPolygon into a Polygon; this turns it
    back, so every feature has the geometry type the schema promises."""

    function = "ST_Multi"
    output_field = GeometryField(srid=4326)


@dataclass(frozen=True)
class GridFilter:
    """Which grids to return; `bbox` is (min lon, min lat, max lon, max lat) in WGS84."""

    bbox: tuple[float, float, float, float] | None = None
    community_code: str | None = None


def communities_in_legend_order():
    """Communities by code, each with `grid_count`."""
    return Community.objects.order_by("code").annotate(grid_count=Count("grids"))


def grids_with_details(*, with_officers: bool):
    """Grids by code with their community and, when asked, their officers in
    `ordered_assignments` (primary first); boundaries are left out."""
    grids = Grid.objects.select_related("community").defer("boundary").order_by("code")
    if with_officers:
        grids = grids.prefetch_related(
            Prefetch(
                "assignments",
                queryset=GridAssignment.objects.select_related("officer").order_by("-is_primary", "pk"),
                to_attr="ordered_assignments",
            )
        )
    return grids


def grid_features(grid_filter: GridFilter, *, tolerance: float, with_officers: bool):
    """Grids as `grids_with_details`, each with `simplified_boundary`: its boundary
    simplified by `tolerance` degrees and rendered as GeoJSON by PostGIS, coordinates
    rounded, so no geometry passes through GEOS in Python."""
    simplified = AsGeoJSON(
        Multi(SimplifyPreserveTopology("boundary", Value(tolerance))),
        precision=GEOJSON_DECIMALS,
    )
    grids = grids_with_details(with_officers=with_officers).annotate(
        simplified_boundary=Cast(simplified, models.JSONField())
    )
    if grid_filter.bbox is not None:
        grids = grids.filter(boundary__intersects=Polygon.from_bbox(grid_filter.bbox))
    if grid_filter.community_code is not None:
        grids = grids.filter(community__code=grid_filter.community_code)
    return grids


def _table_fingerprint(rows_sql: str) -> str:
    return f"(SELECT count(*) || '.' || coalesce(max(xmin::text::bigint), 0) FROM {rows_sql})"


_FEATURE_ROWS = (Grid._meta.db_table, Community._meta.db_table)
_OFFICER_ROWS = (
    GridAssignment._meta.db_table,
    f"{get_user_model()._meta.db_table} WHERE id IN (SELECT officer_id FROM {GridAssignment._meta.db_table})",
)


# with_officers -> (fingerprint, monotonic time read, database); per process, see grid_data_fingerprint.
_fingerprints: dict[bool, tuple[str, float, str]] = {}


def forget_grid_fingerprints() -> None:
    """After a commit that changed grids, communities or officers: this process reads the
    fingerprint afresh on its next request."""
    _fingerprints.clear()


def grid_data_fingerprint(*, with_officers: bool) -> str:
    """The fingerprint of the grid rows, kept in this process for GRID_FINGERPRINT_SECONDS:
    reading it (a query, or even a cache round trip) costs more than serving a cached
    body. Saves through Django in this process forget it at once (grid.signals); other
    writes (other processes, raw SQL) show within that many seconds."""
    seconds = settings.GRID_FINGERPRINT_SECONDS
    now = time.monotonic()
    kept = _fingerprints.get(with_officers)
    if kept is not None and now - kept[1] < seconds and kept[2] == connection.settings_dict["NAME"]:
        return kept[0]
    fingerprint = read_grid_data_fingerprint(with_officers=with_officers)
    _fingerprints[with_officers] = (fingerprint, now, connection.settings_dict["NAME"])
    return fingerprint


def read_grid_data_fingerprint(*, with_officers: bool) -> str:
    """A token that changes whenever the rows behind the grid features change.

    PostgreSQL stamps every row version with the id of the transaction that wrote it
    (`xmin`), and transaction ids only grow (until they wrap around, billions of
    transactions away): an insert or update raises a table's highest `xmin`, a delete
    lowers its row count, and no later write can bring back an earlier pair. So per table
    (row count, highest xmin) is a fingerprint that costs one scan of a few hundred rows,
    needs no `updated_at` column, and stays right after bulk updates, raw SQL, imports in
    other processes and rolled-back transactions alike.
    """
    rows = _FEATURE_ROWS + (_OFFICER_ROWS if with_officers else ())
    sql = "SELECT concat_ws('-', {})".format(", ".join(_table_fingerprint(rows_sql) for rows_sql in rows))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]
