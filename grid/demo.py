"""The demo district: synthetic but plausible boundaries for the 17 communities and 136 grids.

Real boundaries are not available offline, so the outline, the communities and the grids
are generated: an irregular mainland with an island community (淇澳) to the east, split
into Lloyd-relaxed Voronoi cells so that sizes are comparable ("comparable workload,
moderate size"). The generator is deterministic (fixed seed, pinned numpy and shapely)
and its output is committed under ``grid/fixtures``; ``load_demo_grids`` loads that output
through the regular importer, so the demo data passes the same checks as real data.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from shapely.geometry import MultiPolygon, Polygon

from grid.importer import import_grids
from grid.models import District, Grid

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
GRIDS_FILE_NAME = "demo_grids.geojson"
DISTRICT_FILE_NAME = "district.geojson"

DISTRICT_CODE = "440402"
DISTRICT_NAME = "高新区"
STREET_CODE = "001"  # 唐家湾镇
GRIDS_PER_COMMUNITY = 8

# Every output coordinate lies on this lattice (degrees, about 1 cm); shared edges are
# noded on it once, so neighbouring grids carry identical vertices.
COORDINATE_GRID = 1e-7
COORDINATE_DECIMALS = 7

_SEED = 20200708
_LLOYD_ITERATIONS = 80

# Shapes are drawn in a local plane in kilometres around this origin, then converted to
# degrees; a plane keeps Voronoi cells round instead of stretched east-west.
_ORIGIN_LON, _ORIGIN_LAT = 113.565, 22.40
_KM_PER_DEGREE_LAT = 111.32
_KM_PER_DEGREE_LON = _KM_PER_DEGREE_LAT * math.cos(math.radians(_ORIGIN_LAT))

# Mainland and island as (centre x, centre y, radius x, radius y) in km, with vertex counts
# chosen so the outline stays small.
_MAINLAND_SHAPE = (-1.7, -0.1, 4.6, 7.2)
_MAINLAND_VERTICES = 34
_ISLAND_SHAPE = (5.0, 2.6, 1.25, 1.75)
_ISLAND_VERTICES = 12
_MIN_STRAIT_KM = 0.8


@dataclass(frozen=True)
class DemoCommunity:
    name: str
    name_en: str
    first_responsible: str  # fictional Party secretary


# Position in this tuple gives the community's 3-digit code (唐家 = 001).
COMMUNITIES = (
    DemoCommunity("唐家", "Tangjia", "李志强"),
    DemoCommunity("淇澳", "Qi'ao", "钟文斌"),
    DemoCommunity("会同", "Huitong", "陈丽华"),
    DemoCommunity("鸡山", "Jishan", "黄建国"),
    DemoCommunity("那洲", "Nazhou", "梁伟明"),
    DemoCommunity("东岸", "Dong'an", "吴秀英"),
    DemoCommunity("后环", "Houhuan", "林海涛"),
    DemoCommunity("官塘", "Guantang", "张国栋"),
    DemoCommunity("北沙", "Beisha", "何少萍"),
    DemoCommunity("上栅", "Shangzha", "郑家豪"),
    DemoCommunity("下栅", "Xiazha", "刘永红"),
    DemoCommunity("金鼎", "Jinding", "冯志坚"),
    DemoCommunity("永丰", "Yongfeng", "卢美玲"),
    DemoCommunity("宁堂", "Ningtang", "邓卫东"),
    DemoCommunity("银星", "Yinxing", "杨慧敏"),
    DemoCommunity("金凤", "Jinfeng", "谭振华"),
    DemoCommunity("唐乐", "Tang'le", "苏雪梅"),
)
ISLAND_COMMUNITY_INDEX = 1
DEMO_GRID_COUNT = len(COMMUNITIES) * GRIDS_PER_COMMUNITY


def community_code(community_index: int) -> str:
    return f"{DISTRICT_CODE}{STREET_CODE}{community_index + 1:03d}"


def grid_code(community_index: int, grid_index: int) -> str:
    return f"{community_code(community_index)}{grid_index + 1:03d}"


DEMO_GRID_CODES = [grid_code(c, g) for c in range(len(COMMUNITIES)) for g in range(GRIDS_PER_COMMUNITY)]


# --- generation -------------------------------------------------------------------------


class DemoDataError(RuntimeError):
    """The demo district breaks one of its invariants (after a change of seed, library or file)."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DemoDataError(message)


def _blob(shape, vertex_count, rng) -> Polygon:
    """An irregular star-shaped polygon: an ellipse with a few random harmonics."""
    centre_x, centre_y, radius_x, radius_y = shape
    step = 2 * math.pi / vertex_count
    # Angles stay increasing (jitter under half a step), so the ring never crosses itself.
    angles = np.arange(vertex_count) * step + rng.uniform(-0.35, 0.35, vertex_count) * step
    radius = np.ones(vertex_count)
    for harmonic in range(2, 8):
        radius += (
            rng.uniform(0.03, 0.12) / math.sqrt(harmonic) * np.cos(harmonic * angles + rng.uniform(0, 2 * math.pi))
        )
    radius += rng.normal(0, 0.02, vertex_count)
    return Polygon(
        np.column_stack([centre_x + radius_x * radius * np.cos(angles), centre_y + radius_y * radius * np.sin(angles)])
    )


def _random_points(region: Polygon, count: int, rng) -> np.ndarray:
    min_x, min_y, max_x, max_y = region.bounds
    points = []
    while len(points) < count:
        candidate = (rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        if region.contains(shapely.Point(candidate)):
            points.append(candidate)
    return np.array(points)


def _clipped_voronoi(seeds: np.ndarray, region: Polygon) -> np.ndarray:
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=region, ordered=True)
    return shapely.intersection(shapely.get_parts(diagram), region)


def _relaxed_cells(region: Polygon, count: int, rng) -> list[Polygon]:
    """Split a region into `count` cells of similar size (Lloyd's relaxation)."""
    seeds = _random_points(region, count, rng)
    for _ in range(_LLOYD_ITERATIONS):
        seeds = shapely.get_coordinates(shapely.centroid(_clipped_voronoi(seeds, region)))
    cells = list(_clipped_voronoi(seeds, region))
    # A cell split in two by a bay would make a two-part grid; the fixed seed avoids it.
    _require(all(isinstance(cell, Polygon) for cell in cells), "a Voronoi cell fell apart; change the seed")
    return cells


def _clockwise_from_north(cells: list[Polygon]) -> list[Polygon]:
    centre = shapely.union_all(cells).centroid

    def bearing(cell):
        point = cell.centroid
        return math.atan2(point.x - centre.x, point.y - centre.y) % (2 * math.pi)

    return sorted(cells, key=bearing)


def _north_to_south(cells: list[Polygon]) -> list[Polygon]:
    return sorted(cells, key=lambda cell: (-cell.centroid.y, cell.centroid.x))


def _to_degrees(geometries):
    scale = np.array([_KM_PER_DEGREE_LON, _KM_PER_DEGREE_LAT])
    origin = np.array([_ORIGIN_LON, _ORIGIN_LAT])
    return shapely.transform(np.asarray(geometries, dtype=object), lambda xy: xy / scale + origin)


def _on_lattice(cells: np.ndarray) -> list[Polygon]:
    """Node all cell edges once on the coordinate lattice and rebuild each cell from the faces.

    Rounding each cell on its own would leave T-junctions (a vertex of one grid lying
    inside the edge of its neighbour) a few millimetres off the edge, which adds up to
    square metres of overlap and gap; a single noding gives every neighbour the same
    vertices.
    """
    linework = shapely.union_all(shapely.boundary(cells), grid_size=COORDINATE_GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    tree = shapely.STRtree(cells)
    faces_by_cell = [[] for _ in cells]
    for face in faces:
        candidates = tree.query(face)
        overlap = shapely.area(shapely.intersection(face, cells[candidates]))
        faces_by_cell[candidates[np.argmax(overlap)]].append(face)
    snapped = [shapely.union_all(cell_faces, grid_size=COORDINATE_GRID) for cell_faces in faces_by_cell]
    _require(all(isinstance(cell, Polygon) for cell in snapped), "a grid fell apart on the coordinate lattice")
    return snapped


@dataclass(frozen=True)
class DemoDistrict:
    outline: MultiPolygon
    grids: list[tuple[int, int, Polygon]]  # (community index, grid index, boundary)


def generate() -> DemoDistrict:
    rng = np.random.default_rng(_SEED)
    mainland = _blob(_MAINLAND_SHAPE, _MAINLAND_VERTICES, rng)
    island = _blob(_ISLAND_SHAPE, _ISLAND_VERTICES, rng)
    _require(mainland.is_valid and island.is_valid, "the outline must be a simple polygon")
    _require(mainland.distance(island) >= _MIN_STRAIT_KM, "the island must lie offshore")

    mainland_indexes = [index for index in range(len(COMMUNITIES)) if index != ISLAND_COMMUNITY_INDEX]
    community_cells = dict(
        zip(mainland_indexes, _north_to_south(_relaxed_cells(mainland, len(mainland_indexes), rng)), strict=True)
    )
    community_cells[ISLAND_COMMUNITY_INDEX] = island

    keys, cells = [], []
    for community_index in range(len(COMMUNITIES)):
        grid_cells = _clockwise_from_north(_relaxed_cells(community_cells[community_index], GRIDS_PER_COMMUNITY, rng))
        for grid_index, cell in enumerate(grid_cells):
            keys.append((community_index, grid_index))
            cells.append(cell)

    grids = _on_lattice(_to_degrees(cells))
    outline = shapely.union_all(grids, grid_size=COORDINATE_GRID)
    district = DemoDistrict(
        outline=MultiPolygon(shapely.get_parts(outline)),
        grids=[(*key, grid) for key, grid in zip(keys, grids, strict=True)],
    )
    _verify(district)
    return district


def _verify(district: DemoDistrict) -> None:
    boundaries = [grid for _, _, grid in district.grids]
    _require(len(boundaries) == DEMO_GRID_COUNT, "wrong number of grids")
    _require(all(shapely.is_valid(boundaries)) and district.outline.is_valid, "invalid geometry")
    _require(shapely.coverage_is_valid(boundaries), "grids must meet edge to edge without overlaps")
    union = shapely.union_all(boundaries)
    _require(union.symmetric_difference(district.outline).area == 0, "grids must cover the outline exactly")


# --- GeoJSON output ---------------------------------------------------------------------


def _rounded_polygons(geometry) -> list:
    geometry = shapely.orient_polygons(geometry)  # RFC 7946: exterior rings counter-clockwise
    return [
        [
            [[round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS)] for x, y in ring.coords]
            for ring in (polygon.exterior, *polygon.interiors)
        ]
        for polygon in shapely.get_parts(geometry)
    ]


def _feature(properties: dict, geometry) -> str:
    feature = {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "MultiPolygon", "coordinates": _rounded_polygons(geometry)},
    }
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


def _feature_collection(features: list[str]) -> str:
    # One feature per line keeps diffs of regenerated files readable.
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n"


def write_demo_files(out_dir: Path = FIXTURES_DIR) -> list[Path]:
    district = generate()
    grid_features = []
    for community_index, grid_index, boundary in district.grids:
        community = COMMUNITIES[community_index]
        properties = {
            "code": grid_code(community_index, grid_index),
            "name": f"{community.name}社区第{grid_index + 1}网格",
            "community_code": community_code(community_index),
            "community_name": f"{community.name}社区",
            "community_name_en": f"{community.name_en} Community",
            "first_responsible": community.first_responsible,
        }
        grid_features.append(_feature(properties, boundary))
    district_feature = _feature({"code": DISTRICT_CODE, "name": DISTRICT_NAME}, district.outline)

    out_dir.mkdir(parents=True, exist_ok=True)
    grids_path, district_path = out_dir / GRIDS_FILE_NAME, out_dir / DISTRICT_FILE_NAME
    grids_path.write_text(_feature_collection(grid_features), encoding="utf-8")
    district_path.write_text(_feature_collection([district_feature]), encoding="utf-8")
    return [grids_path, district_path]


# --- loading ----------------------------------------------------------------------------


def load_demo_grids(fixtures_dir: Path = FIXTURES_DIR) -> bool:
    """Put the demo district in the database unless it is there; return whether it wrote anything."""
    if (
        District.objects.filter(code=DISTRICT_CODE).exists()
        and Grid.objects.filter(code__in=DEMO_GRID_CODES).count() == DEMO_GRID_COUNT
    ):
        return False
    outline = json.loads((fixtures_dir / DISTRICT_FILE_NAME).read_text(encoding="utf-8"))["features"][0]
    with transaction.atomic():
        District.objects.update_or_create(
            code=DISTRICT_CODE,
            defaults={
                "name": outline["properties"]["name"],
                "boundary": GEOSGeometry(json.dumps(outline["geometry"]), srid=4326),
            },
        )
        report = import_grids(fixtures_dir / GRIDS_FILE_NAME, commit=True, district_code=DISTRICT_CODE)
        if not report.committed:
            raise DemoDataError("the demo grids fail the import checks:\n" + "\n".join(report.summary_lines()))
    return True
