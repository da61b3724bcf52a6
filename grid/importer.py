"""Import communities and grids from a GeoJSON file or an ESRI Shapefile.

Every feature is one grid; its properties name the grid and its community. The whole
file is checked before anything is written (codes, geometry validity, overlaps with the
other features and with the grids already stored, gaps against the district outline,
a coordinate system that puts the grids where the district is), and a file with any
problem writes nothing.

Geometric checks run on the coordinates as stored (EPSG:4326, edges straight in degrees,
as PostGIS sees them) with an STRtree, so thousands of features stay fast; only the
overlaps and gaps found are projected to UTM 49N to be measured in square metres.
Projecting whole grids instead would bend long edges differently from the district
outline and invent slivers of several square metres.
"""

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.gdal.error import SRSException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from grid.models import METRIC_SRID, Community, District, Grid

WGS84_SRID = 4326
REQUIRED_FIELDS = ("code", "name", "community_code", "community_name")
OPTIONAL_FIELDS = ("community_name_en", "first_responsible")
DEFAULT_TOLERANCE_M2 = 1.0
PROGRESS_THRESHOLD = 200
# Farther than this from the district, a grid is not a misdrawn edge but coordinates
# read in the wrong reference system (or with latitude and longitude swapped).
MAX_DISTANCE_FROM_DISTRICT_M = 5_000

_GRID_CODE = re.compile(r"^\d{15}$")
_COMMUNITY_CODE = re.compile(r"^\d{12}$")
_GEOJSON_TYPES = {"FeatureCollection", "Feature"}
# GDAL and GEOS report through this logger; their messages are folded into ours.
_GIS_LOGGER = logging.getLogger("django.contrib.gis")


class GridImportError(Exception):
    """The input cannot be imported at all (unreadable file, unknown district...).

    The message is one line, fit to show as is.
    """


@dataclass(frozen=True)
class Problem:
    message: str
    feature_index: int | None = None  # 1-based position in the file
    code: str | None = None

    def __str__(self):
        if self.feature_index is None:
            return self.message
        where = _("要素 #%(index)d") % {"index": self.feature_index}
        if self.code:
            where += f"（{self.code}）"
        return f"{where}：{self.message}"


@dataclass
class ImportReport:
    features_read: int = 0
    valid_features: int = 0
    grids_created: int = 0
    grids_updated: int = 0
    communities_created: int = 0
    communities_updated: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    committed: bool = False

    def add(self, message: str, feature=None) -> None:
        self.problems.append(Problem(message) if feature is None else _feature_problem(message, feature))

    def summary_lines(self) -> list[str]:
        counts = {
            "grids_created": self.grids_created,
            "grids_updated": self.grids_updated,
            "communities_created": self.communities_created,
            "communities_updated": self.communities_updated,
        }
        if self.committed:
            plan = _(
                "已新建 %(grids_created)d 个网格、更新 %(grids_updated)d 个网格；"
                "新建 %(communities_created)d 个社区、更新 %(communities_updated)d 个社区"
            )
        else:
            plan = _(
                "将新建 %(grids_created)d 个网格、更新 %(grids_updated)d 个网格；"
                "新建 %(communities_created)d 个社区、更新 %(communities_updated)d 个社区"
            )
        lines = [
            _("读取 %(read)d 个要素，有效 %(valid)d 个") % {"read": self.features_read, "valid": self.valid_features},
            plan % counts,
            *self.notes,
        ]
        if self.problems:
            lines.append(_("发现 %(count)d 个问题，未写入任何数据：") % {"count": len(self.problems)})
            # Grouped by feature, in file order; whole-file problems last.
            ordered = sorted(self.problems, key=lambda p: (p.feature_index is None, p.feature_index or 0))
            lines.extend(str(problem) for problem in ordered)
        elif not self.committed:
            lines.append(_("试运行，未写入任何数据；确认无误后加 --commit 写入"))
        return lines


@dataclass
class SourceFeature:
    index: int
    values: dict[str, str | None]
    boundary: MultiPolygon | None = None  # EPSG:4326, valid; None when the geometry is unusable
    shape: shapely.Geometry | None = None  # the same for shapely


def _feature_problem(message: str, feature: SourceFeature) -> Problem:
    return Problem(message, feature.index, feature.values.get("code"))


def parse_field_map(items: list[str]) -> dict[str, str]:
    """Turn ``["code=GRIDCODE", ...]`` into a mapping from our field names to the file's."""
    mapping = {name: name for name in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)}
    for item in items:
        target, separator, source = item.partition("=")
        target, source = target.strip(), source.strip()
        if not separator or not source:
            raise GridImportError(_("字段映射 %(item)s 格式应为 字段=源字段") % {"item": item})
        if target not in mapping:
            raise GridImportError(
                _("未知字段 %(field)s（可映射：%(fields)s）") % {"field": target, "fields": ", ".join(mapping)}
            )
        mapping[target] = source
    return mapping


def import_grids(
    path,
    *,
    commit: bool = False,
    district_code: str | None = None,
    field_map: dict[str, str] | None = None,
    srid: int | None = None,
    fix: bool = False,
    overlap_tolerance_m2: float = DEFAULT_TOLERANCE_M2,
    gap_tolerance_m2: float = DEFAULT_TOLERANCE_M2,
    progress: bool = False,
) -> ImportReport:
    """Check a grid file and, with ``commit`` and no problem found, write it in one transaction."""
    field_map = field_map or parse_field_map([])
    report = ImportReport()
    # One transaction from the checks to the writes: what was checked is what gets written to.
    with _gis_messages() as gis_messages, transaction.atomic():
        source = _open(Path(path), gis_messages)
        district = _resolve_district(district_code)
        features = _read_features(source[0], field_map, srid, fix, progress, report)
        _check_codes(features, district, report)
        _check_geometry(features, district, overlap_tolerance_m2, gap_tolerance_m2, report)
        communities = _communities(features)
        _count_changes(features, communities, report)
        if commit and not report.problems:
            _write(features, communities, district)
            report.committed = True
    return report


def _count_changes(features, communities, report) -> None:
    report.features_read = len(features)
    flagged = {problem.feature_index for problem in report.problems}
    report.valid_features = sum(1 for f in features if f.boundary is not None and f.index not in flagged)
    grid_codes = {feature.values["code"] for feature in features if feature.values.get("code")}
    stored_grids = set(Grid.objects.filter(code__in=grid_codes).values_list("code", flat=True))
    stored_communities = set(Community.objects.filter(code__in=list(communities)).values_list("code", flat=True))
    report.grids_updated = len(grid_codes & stored_grids)
    report.grids_created = len(grid_codes - stored_grids)
    report.communities_updated = len(communities.keys() & stored_communities)
    report.communities_created = len(communities.keys() - stored_communities)


# --- reading ----------------------------------------------------------------------------


class _MessageCollector(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        # Django logs GDAL errors as (number, bytes message) and GEOS notices as text.
        message = record.args[-1] if isinstance(record.args, tuple) and record.args else record.getMessage()
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        self.messages.append(" ".join(str(message).split()))


@contextmanager
def _gis_messages() -> Iterator[list[str]]:
    """Keep GDAL/GEOS chatter off the console; callers quote it in their own message."""
    collector = _MessageCollector()
    propagate = _GIS_LOGGER.propagate
    _GIS_LOGGER.addHandler(collector)
    _GIS_LOGGER.propagate = False
    try:
        yield collector.messages
    finally:
        _GIS_LOGGER.removeHandler(collector)
        _GIS_LOGGER.propagate = propagate


def _open(path: Path, gis_messages: list[str]) -> DataSource:
    if not path.exists():
        raise GridImportError(_("文件不存在：%(path)s") % {"path": path})
    if not path.is_file():
        raise GridImportError(_("不是文件：%(path)s") % {"path": path})
    if path.stat().st_size == 0:
        raise GridImportError(_("文件为空：%(path)s") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        _check_geojson(path)
    elif suffix == ".shp":
        _check_shapefile_companions(path)
    else:
        raise GridImportError(
            _("不支持的文件类型 %(suffix)s（支持 .geojson、.json、.shp）") % {"suffix": suffix or path.name}
        )
    try:
        source = DataSource(str(path))
    except GDALException:
        reason = gis_messages[-1] if gis_messages else _("无法识别的格式")
        raise GridImportError(_("无法读取 %(name)s：%(reason)s") % {"name": path.name, "reason": reason}) from None
    if source.layer_count != 1:
        raise GridImportError(
            _("%(name)s 含 %(count)d 个图层，只支持单图层文件") % {"name": path.name, "count": source.layer_count}
        )
    return source


def _check_geojson(path: Path) -> None:
    """Parse the JSON first: GDAL's messages for a truncated or foreign file are cryptic."""
    try:
        document = json.loads(path.read_bytes())
    except json.JSONDecodeError as error:
        text = error.doc.strip()
        cut_short = text[:1] in ("{", "[") and text[-1:] not in ("}", "]")
        hint = _("，文件可能不完整") if cut_short else ""
        raise GridImportError(
            _("%(name)s 不是有效的 JSON（第 %(line)d 行第 %(column)d 列：%(reason)s）%(hint)s")
            % {"name": path.name, "line": error.lineno, "column": error.colno, "reason": error.msg, "hint": hint}
        ) from None
    except UnicodeDecodeError:
        raise GridImportError(_("%(name)s 不是 UTF-8 编码的文本") % {"name": path.name}) from None
    if not isinstance(document, dict) or document.get("type") not in _GEOJSON_TYPES:
        raise GridImportError(_("%(name)s 不是 GeoJSON：顶层应为 FeatureCollection 或 Feature") % {"name": path.name})


def _check_shapefile_companions(path: Path) -> None:
    siblings = {sibling.name.lower() for sibling in path.parent.iterdir()}
    missing = [f"{path.stem}{suffix}" for suffix in (".shx", ".dbf") if f"{path.stem}{suffix}".lower() not in siblings]
    if missing:
        raise GridImportError(
            _("Shapefile 缺少配套文件：%(files)s（.shp、.shx、.dbf 须放在同一目录）") % {"files": "、".join(missing)}
        )


def _resolve_district(code: str | None) -> District:
    if code:
        try:
            return District.objects.get(code=code)
        except District.DoesNotExist:
            raise GridImportError(_("辖区 %(code)s 不存在") % {"code": code}) from None
    districts = list(District.objects.all()[:2])
    if len(districts) == 1:
        return districts[0]
    if not districts:
        raise GridImportError(_("数据库中还没有辖区，请先创建辖区"))
    raise GridImportError(_("数据库中有多个辖区，请用 --district 指定辖区编码"))


def _source_srs(layer, srid: int | None) -> SpatialReference:
    if srid is not None:
        try:
            return SpatialReference(srid)
        except (GDALException, SRSException):
            raise GridImportError(_("无法识别的坐标系 SRID %(srid)d") % {"srid": srid}) from None
    if layer.srs is None:
        raise GridImportError(_("文件未声明坐标系（Shapefile 缺少 .prj），请用 --srid 指定"))
    return layer.srs


def _field_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # DBF stores numeric codes as reals
    return str(value).strip() or None


def _read_features(layer, field_map, srid, fix, progress, report) -> list[SourceFeature]:
    if not len(layer):
        raise GridImportError(_("文件中没有要素"))
    available = set(layer.fields)
    absent = [field_map[name] for name in REQUIRED_FIELDS if field_map[name] not in available]
    # An optional field may be missing, unless the user named its source explicitly.
    absent += [
        field_map[name] for name in OPTIONAL_FIELDS if field_map[name] != name and field_map[name] not in available
    ]
    if absent:
        raise GridImportError(
            _("文件没有字段 %(absent)s（现有字段：%(available)s），可用 --map 字段=源字段 指定")
            % {"absent": "、".join(absent), "available": ", ".join(layer.fields) or "—"}
        )
    mapped = {name: source for name, source in field_map.items() if source in available}

    source_srs = _source_srs(layer, srid)
    to_wgs84 = None if source_srs.srid == WGS84_SRID else CoordTransform(source_srs, SpatialReference(WGS84_SRID))
    srs_name = source_srs.name or source_srs.srid

    features = []
    bar = tqdm(
        layer,
        total=len(layer),
        unit=_("要素"),
        file=sys.stderr,
        disable=not progress or len(layer) <= PROGRESS_THRESHOLD,
    )
    for index, ogr_feature in enumerate(bar, start=1):
        feature = SourceFeature(index, {name: _field_value(ogr_feature.get(source)) for name, source in mapped.items()})
        missing = [name for name in REQUIRED_FIELDS if not feature.values.get(name)]
        if missing:
            report.add(_("缺少字段 %(fields)s") % {"fields": "、".join(field_map[name] for name in missing)}, feature)
        feature.boundary = _boundary(ogr_feature, to_wgs84, srs_name, fix, feature, report)
        if feature.boundary is not None:
            feature.shape = _shape(feature.boundary)
        features.append(feature)
    return features


def _boundary(ogr_feature, to_wgs84, srs_name, fix, feature, report) -> MultiPolygon | None:
    try:
        geometry = ogr_feature.geom
    except GDALException:
        report.add(_("缺少几何或几何无法解析"), feature)
        return None
    # The name is the same with or without Z and M ordinates, which are dropped here.
    if geometry.geom_name not in ("POLYGON", "MULTIPOLYGON"):
        report.add(_("几何类型为 %(type)s，网格须为面（Polygon/MultiPolygon）") % {"type": geometry.geom_name}, feature)
        return None
    geometry.set_3d(False)
    geometry.set_measured(False)
    try:
        if to_wgs84 is not None:
            geometry.transform(to_wgs84)
        boundary = GEOSGeometry(geometry.wkb, srid=WGS84_SRID)
    except (GDALException, GEOSException):
        report.add(_("几何无法解析或坐标转换失败（文件坐标系：%(srs)s）") % {"srs": srs_name}, feature)
        return None
    if boundary.empty:
        report.add(_("几何为空"), feature)
        return None
    min_x, min_y, max_x, max_y = boundary.extent
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        report.add(
            _(
                "转换后坐标超出经纬度范围（%(x).0f, %(y).0f），坐标系可能有误或经纬度颠倒"
                "（文件坐标系：%(srs)s），可用 --srid 指定"
            )
            % {"x": min_x, "y": min_y, "srs": srs_name},
            feature,
        )
        return None
    if not boundary.valid:
        reason = boundary.valid_reason
        repaired = _polygonal(boundary.make_valid()) if fix else None
        if repaired is None or not repaired.valid:
            hint = _("，--fix 也无法修复") if fix else _("（可加 --fix 尝试修复）")
            report.add(_("几何无效：%(reason)s%(hint)s") % {"reason": reason, "hint": hint}, feature)
            return None
        report.notes.append(str(_feature_problem(_("几何已修复（原因：%(reason)s）") % {"reason": reason}, feature)))
        boundary = repaired
    return _polygonal(boundary)


def _polygonal(geometry) -> MultiPolygon | None:
    """The polygonal part of a geometry as a MultiPolygon; repairs may leave stray lines."""
    polygons = []
    pending = [geometry]
    while pending:
        part = pending.pop()
        if isinstance(part, Polygon):
            polygons.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            pending.extend(part)
    polygons = [polygon for polygon in polygons if not polygon.empty]
    if not polygons:
        return None
    return MultiPolygon(*polygons, srid=WGS84_SRID)


# --- checks -----------------------------------------------------------------------------


def _shape(boundary) -> shapely.Geometry:
    return shapely.from_wkb(bytes(boundary.wkb))


def _areas_m2(geometries, to_metric: CoordTransform) -> np.ndarray:
    return np.array([_projected(geometry, to_metric).area for geometry in geometries], dtype=float)


def _projected(geometry: shapely.Geometry, to_metric: CoordTransform) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=WGS84_SRID).transform(to_metric, clone=True)


def _check_codes(features, district, report) -> None:
    first_by_code = {}
    community_names = {}
    for feature in features:
        code, community_code = feature.values.get("code"), feature.values.get("community_code")
        if code:
            if not _GRID_CODE.match(code):
                report.add(_("网格编码 %(code)s 不是15位数字") % {"code": code}, feature)
            elif code[:6] != district.code:
                report.add(
                    _("网格编码前6位 %(prefix)s 与辖区编码 %(district)s 不一致")
                    % {"prefix": code[:6], "district": district.code},
                    feature,
                )
            if code in first_by_code:
                report.add(_("网格编码重复（与要素 #%(other)d 相同）") % {"other": first_by_code[code]}, feature)
            else:
                first_by_code[code] = feature.index
        if community_code:
            if not _COMMUNITY_CODE.match(community_code):
                report.add(_("社区编码 %(code)s 不是12位数字") % {"code": community_code}, feature)
            elif code and _GRID_CODE.match(code) and code[:12] != community_code:
                report.add(
                    _("社区编码 %(community)s 与网格编码前12位 %(prefix)s 不一致")
                    % {"community": community_code, "prefix": code[:12]},
                    feature,
                )
            name = feature.values.get("community_name")
            first_index, first_name = community_names.setdefault(community_code, (feature.index, name))
            if name and first_name and name != first_name:
                report.add(
                    _("社区 %(code)s 的名称“%(name)s”与要素 #%(other)d 的“%(first)s”不一致")
                    % {"code": community_code, "name": name, "other": first_index, "first": first_name},
                    feature,
                )
    elsewhere = Community.objects.filter(code__in=list(community_names)).exclude(district=district)
    for community in elsewhere.select_related("district"):
        report.add(
            _("社区 %(code)s 已属于辖区 %(district)s，不能导入到 %(target)s")
            % {"code": community.code, "district": community.district.code, "target": district.code}
        )


def _check_geometry(features, district, overlap_tolerance_m2, gap_tolerance_m2, report) -> None:
    to_metric = CoordTransform(SpatialReference(WGS84_SRID), SpatialReference(METRIC_SRID))
    usable = [feature for feature in features if feature.shape is not None]
    district_shape = _shape(district.boundary) if district.boundary else None
    if district_shape is not None:
        usable = _check_placement(usable, district_shape, to_metric, gap_tolerance_m2, report)
    file_codes = [feature.values["code"] for feature in features if feature.values.get("code")]
    if usable:
        _check_overlaps(usable, _stored_neighbours(usable, file_codes), to_metric, overlap_tolerance_m2, report)
    if district_shape is not None:
        stored = _stored_district_grids(district, file_codes)
        _check_gaps(usable, stored, district_shape, to_metric, gap_tolerance_m2, report)


def _check_placement(features, district_shape, to_metric, tolerance_m2, report) -> list[SourceFeature]:
    """Report grids far from the district (a wrong CRS) or sticking out of it; return the rest."""
    shapely.prepare(district_shape)
    placed = []
    for feature in features:
        if not shapely.intersects(district_shape, feature.shape):
            distance_m = _projected(shapely.shortest_line(feature.shape, district_shape), to_metric).length
            if distance_m > MAX_DISTANCE_FROM_DISTRICT_M:
                report.add(
                    _("距辖区约 %(km).1f 公里，坐标系可能有误，可用 --srid 指定") % {"km": distance_m / 1000}, feature
                )
                continue
        placed.append(feature)
        if not shapely.covers(district_shape, feature.shape):
            outside = _areas_m2(shapely.get_parts(shapely.difference(feature.shape, district_shape)), to_metric).sum()
            if outside > tolerance_m2:
                report.add(_("超出辖区边界 %(area).1f 平方米") % {"area": outside}, feature)
    return placed


def _stored_neighbours(features, file_codes) -> list[tuple[str, shapely.Geometry]]:
    """Stored grids near the file's features that the file does not replace."""
    min_x, min_y, max_x, max_y = shapely.total_bounds([feature.shape for feature in features])
    envelope = Polygon.from_bbox((min_x, min_y, max_x, max_y))
    envelope.srid = WGS84_SRID
    return _shapes(Grid.objects.filter(boundary__bboverlaps=envelope).exclude(code__in=file_codes))


def _stored_district_grids(district, file_codes) -> list[tuple[str, shapely.Geometry]]:
    return _shapes(Grid.objects.filter(community__district=district).exclude(code__in=file_codes))


def _shapes(grids) -> list[tuple[str, shapely.Geometry]]:
    return [(code, _shape(boundary)) for code, boundary in grids.values_list("code", "boundary")]


def _check_overlaps(features, stored, to_metric, tolerance_m2, report) -> None:
    geometries = np.array([f.shape for f in features] + [geometry for _, geometry in stored], dtype=object)
    own = len(features)
    left, right = shapely.STRtree(geometries).query(geometries[:own], predicate="intersects")
    # Each pair of features once; a feature against every stored grid.
    keep = (right >= own) | (left < right)
    left, right = left[keep], right[keep]
    # Neighbours that only share an edge do not overlap: keep pairs whose interiors meet.
    interiors_meet = shapely.relate_pattern(geometries[left], geometries[right], "T********")
    left, right = left[interiors_meet], right[interiors_meet]
    areas = _areas_m2(shapely.intersection(geometries[left], geometries[right]), to_metric)
    for this, other, area in zip(left, right, areas, strict=True):
        if area <= tolerance_m2:
            continue
        if other < own:
            message = _("与要素 #%(index)d（%(code)s）重叠 %(area).1f 平方米") % {
                "index": features[other].index,
                "code": features[other].values.get("code") or "—",
                "area": area,
            }
        else:
            message = _("与已有网格 %(code)s 重叠 %(area).1f 平方米") % {"code": stored[other - own][0], "area": area}
        report.add(message, features[this])


def _check_gaps(features, stored, district_shape, to_metric, tolerance_m2, report) -> None:
    covered = shapely.union_all([f.shape for f in features] + [geometry for _, geometry in stored])
    gaps = shapely.get_parts(shapely.difference(district_shape, covered))
    areas = _areas_m2(gaps, to_metric)
    gaps, areas = gaps[areas > tolerance_m2], areas[areas > tolerance_m2]
    if not len(gaps):
        return
    largest = gaps[np.argmax(areas)].point_on_surface()
    report.add(
        _(
            "辖区内有 %(count)d 处未被网格覆盖的空隙，合计 %(total).1f 平方米"
            "（最大一处 %(largest).1f 平方米，位于经度 %(lon).5f、纬度 %(lat).5f 附近）"
        )
        % {"count": len(gaps), "total": areas.sum(), "largest": areas.max(), "lon": largest.x, "lat": largest.y}
    )


# --- writing ----------------------------------------------------------------------------


def _communities(features) -> dict[str, dict[str, str]]:
    """Community attributes from the file: the first feature naming a community wins."""
    communities = {}
    for feature in features:
        code = feature.values.get("community_code")
        if code and code not in communities:
            communities[code] = {
                name: feature.values[name] for name in ("community_name", *OPTIONAL_FIELDS) if feature.values.get(name)
            }
    return communities


def _write(features, communities, district) -> None:
    stored = {c.code: c for c in Community.objects.select_for_update().filter(code__in=list(communities))}
    for code, attributes in communities.items():
        community = stored.get(code) or Community(code=code, district=district)
        community.name = attributes["community_name"]
        community.name_en = attributes.get("community_name_en", community.name_en)
        community.first_responsible = attributes.get("first_responsible", community.first_responsible)
        community.save()
        stored[code] = community
    codes = [feature.values["code"] for feature in features]
    grids = {grid.code: grid for grid in Grid.objects.select_for_update().filter(code__in=codes)}
    for feature in features:
        grid = grids.get(feature.values["code"]) or Grid(code=feature.values["code"])
        grid.community = stored[feature.values["community_code"]]
        grid.name = feature.values["name"]
        grid.boundary = feature.boundary
        grid.save()
