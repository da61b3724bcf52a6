"""`manage.py import_grids`: checks, dry run and commit, GeoJSON and Shapefile input.

The test database already holds the demo district (440402). Synthetic grids go to a
second district far away (440499, near Haikou): four 0.01° squares that cover its
outline exactly, so each bad case changes one thing and the rest of the file is clean.
"""

import json
import os
import re
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.management import CommandError, call_command
from django.db import connection

from grid.demo import FIXTURES_DIR, GRIDS_FILE_NAME
from grid.models import Community, District, Grid

pytestmark = pytest.mark.django_db

DISTRICT = "440499"
OPEN_DISTRICT = "440498"  # no outline: no gap or placement checks
WEST, SOUTH, STEP = 110.0, 20.0, 0.01
SQUARES = [(0, 0), (1, 0), (0, 1), (1, 1)]


def square(col, row, *, step=STEP, west=WEST, south=SOUTH):
    x, y = west + col * step, south + row * step
    return [[x, y], [x + step, y], [x + step, y + step], [x, y + step], [x, y]]


def grid_feature(sequence, ring, district=DISTRICT, **properties):
    community = f"{district}001001"
    return {
        "type": "Feature",
        "properties": {
            "code": f"{community}{sequence:03d}",
            "name": f"测试社区第{sequence}网格",
            "community_code": community,
            "community_name": "测试社区",
            "community_name_en": "Test Community",
            "first_responsible": "王志明",
            **properties,
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def good_features():
    return [grid_feature(sequence, square(*cell)) for sequence, cell in enumerate(SQUARES, start=1)]


def write_geojson(path: Path, features) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def run_import(path, *args) -> str:
    out = StringIO()
    call_command("import_grids", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def failing_import(path, *args) -> tuple[str, str]:
    """Run an import that must fail; return (printed report, error message)."""
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_grids", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue(), str(error.value)


def table_counts():
    return Grid.objects.count(), Community.objects.count()


def bbox_area_m2(bbox) -> float:
    box = Polygon.from_bbox(bbox)
    box.srid = 4326
    return box.transform(32649, clone=True).area


@pytest.fixture
def district():
    outline = Polygon.from_bbox((WEST, SOUTH, WEST + 2 * STEP, SOUTH + 2 * STEP))
    return District.objects.create(code=DISTRICT, name="测试区", boundary=MultiPolygon(outline, srid=4326))


@pytest.fixture
def open_district():
    return District.objects.create(code=OPEN_DISTRICT, name="无边界测试区")


@pytest.fixture
def good_file(tmp_path, district):
    return write_geojson(tmp_path / "grids.geojson", good_features())


# --- good input -------------------------------------------------------------------------


def test_dry_run_reports_the_plan_and_writes_nothing(good_file):
    before = table_counts()
    output = run_import(good_file, "--district", DISTRICT)
    assert "读取 4 个要素，有效 4 个" in output
    assert "将新建 4 个网格、更新 0 个网格；新建 1 个社区、更新 0 个社区" in output
    assert "试运行" in output
    assert table_counts() == before


def test_commit_creates_grids_and_community(good_file):
    before_grids, before_communities = table_counts()
    output = run_import(good_file, "--district", DISTRICT, "--commit")
    assert "已新建 4 个网格" in output
    assert table_counts() == (before_grids + 4, before_communities + 1)
    community = Community.objects.get(code=f"{DISTRICT}001001")
    assert (community.name, community.name_en, community.first_responsible) == (
        "测试社区",
        "Test Community",
        "王志明",
    )
    assert community.district.code == DISTRICT
    grids = list(Grid.objects.filter(community=community).order_by("code"))
    assert [grid.name for grid in grids] == [f"测试社区第{n}网格" for n in range(1, 5)]
    assert all(grid.boundary.geom_type == "MultiPolygon" for grid in grids)
    # 0.01° squares at 20°N: about 1.05 km by 1.11 km.
    assert all(1.10e6 < grid.area_m2 < 1.20e6 for grid in grids)


def test_commit_again_updates_in_place(good_file, tmp_path):
    run_import(good_file, "--district", DISTRICT, "--commit")
    counts = table_counts()
    features = good_features()
    features[0]["properties"]["name"] = "改名后的网格"
    features[0]["properties"]["first_responsible"] = "赵六"
    output = run_import(write_geojson(tmp_path / "renamed.geojson", features), "--district", DISTRICT, "--commit")
    assert "已新建 0 个网格、更新 4 个网格；新建 0 个社区、更新 1 个社区" in output
    assert table_counts() == counts
    assert Grid.objects.get(code=f"{DISTRICT}001001001").name == "改名后的网格"
    assert Community.objects.get(code=f"{DISTRICT}001001").first_responsible == "赵六"


def test_the_demo_file_passes_every_check():
    output = run_import(FIXTURES_DIR / GRIDS_FILE_NAME, "--district", "440402")
    assert "读取 136 个要素，有效 136 个" in output
    assert "更新 136 个网格" in output
    assert "问题" not in output


def test_district_is_required_when_there_are_several(good_file):
    _, error = failing_import(good_file)
    assert "--district" in error


# --- shapefiles -------------------------------------------------------------------------


def write_shapefile(tmp_path: Path, features, *, target_srs=None) -> Path:
    """GeoJSON -> Shapefile with ogr2ogr; DBF names are at most 10 characters, hence the renaming."""
    short_names = {"code": "GRIDCODE", "name": "NAME", "community_code": "COMM_CODE", "community_name": "COMM_NAME"}
    for feature in features:
        properties = feature["properties"]
        feature["properties"] = {short: properties[long] for long, short in short_names.items()}
    source = write_geojson(tmp_path / "source.geojson", features)
    shapefile = tmp_path / "grids.shp"
    command = ["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", str(shapefile), str(source)]
    if target_srs:
        command[1:1] = ["-t_srs", target_srs]
    subprocess.run(command, check=True, capture_output=True)
    return shapefile


SHAPEFILE_MAPPING = ["--map", "code=GRIDCODE", "--map", "name=NAME"]
SHAPEFILE_MAPPING += ["--map", "community_code=COMM_CODE", "--map", "community_name=COMM_NAME"]


def test_shapefile_in_utm_is_mapped_and_reprojected(tmp_path, district):
    shapefile = write_shapefile(tmp_path, good_features(), target_srs="EPSG:32649")
    output = run_import(shapefile, "--district", DISTRICT, "--commit", *SHAPEFILE_MAPPING)
    assert "已新建 4 个网格" in output
    for sequence, cell in enumerate(SQUARES, start=1):
        grid = Grid.objects.get(code=f"{DISTRICT}001001{sequence:03d}")
        assert grid.name == f"测试社区第{sequence}网格"
        expected = GEOSGeometry(json.dumps({"type": "Polygon", "coordinates": [square(*cell)]}), srid=4326)
        assert grid.boundary.srid == 4326
        assert grid.boundary.sym_difference(expected).area < 1e-12  # degrees²: well under 1 cm²
    assert Community.objects.get(code=f"{DISTRICT}001001").name == "测试社区"


def test_shapefile_without_prj_needs_srid(tmp_path, district):
    shapefile = write_shapefile(tmp_path, good_features(), target_srs="EPSG:32649")
    shapefile.with_suffix(".prj").unlink()
    _, error = failing_import(shapefile, "--district", DISTRICT, *SHAPEFILE_MAPPING)
    assert "未声明坐标系" in error and "--srid" in error
    output = run_import(shapefile, "--district", DISTRICT, "--srid", "32649", *SHAPEFILE_MAPPING)
    assert "读取 4 个要素，有效 4 个" in output


def test_shapefile_without_its_companions_is_refused(tmp_path, district):
    shapefile = write_shapefile(tmp_path, good_features())
    shapefile.with_suffix(".shx").unlink()
    before = table_counts()
    _, error = failing_import(shapefile, "--district", DISTRICT, "--commit", *SHAPEFILE_MAPPING)
    assert "grids.shx" in error and "\n" not in error
    assert table_counts() == before


# --- bad geometry -----------------------------------------------------------------------

BOWTIE = [[WEST, SOUTH], [WEST + STEP, SOUTH + STEP], [WEST + STEP, SOUTH], [WEST, SOUTH + STEP], [WEST, SOUTH]]


def test_bowtie_is_reported_and_nothing_written(tmp_path, open_district):
    path = write_geojson(tmp_path / "bowtie.geojson", [grid_feature(1, BOWTIE, district=OPEN_DISTRICT)])
    before = table_counts()
    output, error = failing_import(path, "--district", OPEN_DISTRICT, "--commit")
    assert re.search(r"要素 #1（440498001001001）：几何无效：Self-intersection\[110\.005 20\.005\]", output)
    assert "--fix" in output
    assert "1 个问题" in error
    assert table_counts() == before


def test_bowtie_is_repaired_with_fix(tmp_path, open_district):
    path = write_geojson(tmp_path / "bowtie.geojson", [grid_feature(1, BOWTIE, district=OPEN_DISTRICT)])
    output = run_import(path, "--district", OPEN_DISTRICT, "--commit", "--fix")
    assert "几何已修复（原因：Self-intersection" in output
    boundary = Grid.objects.get(code=f"{OPEN_DISTRICT}001001001").boundary
    assert boundary.valid
    assert boundary.geom_type == "MultiPolygon" and len(boundary) == 2  # the two triangles of the bowtie
    assert boundary.area == pytest.approx(STEP * STEP / 2)


def test_non_polygon_and_missing_geometry_are_reported(tmp_path, district):
    features = good_features()
    features[1]["geometry"] = {"type": "LineString", "coordinates": square(1, 0)}
    features[2]["geometry"] = None
    output, _ = failing_import(write_geojson(tmp_path / "lines.geojson", features), "--district", DISTRICT)
    assert "要素 #2（440499001001002）：几何类型为 LINESTRING" in output
    assert "要素 #3（440499001001003）：缺少几何" in output


def test_overlap_between_features_is_reported(tmp_path, district):
    features = good_features()
    shift = 0.002  # square 2 slides west over square 1: 0.002° x 0.01°, about 0.23 km²
    features[1]["geometry"]["coordinates"] = [[[x - shift, y] for x, y in square(1, 0)]]
    before = table_counts()
    output, _ = failing_import(
        write_geojson(tmp_path / "overlap.geojson", features), "--district", DISTRICT, "--commit"
    )
    match = re.search(r"要素 #1（440499001001001）：与要素 #2（440499001001002）重叠 ([\d.]+) 平方米", output)
    assert match
    expected = bbox_area_m2((WEST + STEP - shift, SOUTH, WEST + STEP, SOUTH + STEP))
    assert float(match.group(1)) == pytest.approx(expected, rel=1e-3)
    assert table_counts() == before


def test_overlap_with_a_stored_grid_is_reported(good_file, tmp_path):
    run_import(good_file, "--district", DISTRICT, "--commit")
    intruder = grid_feature(5, square(0.5, 0.5, step=STEP / 2))  # inside square 1
    output, _ = failing_import(write_geojson(tmp_path / "intruder.geojson", [intruder]), "--district", DISTRICT)
    assert "要素 #1（440499001001005）：与已有网格 440499001001001 重叠" in output


def test_replacing_a_stored_grid_is_not_an_overlap(good_file, tmp_path):
    run_import(good_file, "--district", DISTRICT, "--commit")
    output = run_import(write_geojson(tmp_path / "again.geojson", good_features()[:1]), "--district", DISTRICT)
    assert "更新 1 个网格" in output and "问题" not in output


def test_overlap_and_gap_below_tolerance_pass(tmp_path, district):
    features = good_features()
    shift = 0.00001  # about 1 m x 1.1 km: 1,100 m² of overlap, and as much gap on the far side
    features[1]["geometry"]["coordinates"] = [[[x - shift, y] for x, y in square(1, 0)]]
    path = write_geojson(tmp_path / "sliver.geojson", features)
    output, _ = failing_import(path, "--district", DISTRICT)
    assert "重叠" in output and "空隙" in output
    output = run_import(path, "--district", DISTRICT, "--overlap-tolerance", "2000", "--gap-tolerance", "2000")
    assert "问题" not in output


def test_gap_is_reported_with_its_area(tmp_path, district):
    features = good_features()
    shrink = 0.001  # square 4 loses a 0.001° strip along the district's east edge
    features[3]["geometry"]["coordinates"] = [[[min(x, WEST + 2 * STEP - shrink), y] for x, y in square(1, 1)]]
    output, _ = failing_import(write_geojson(tmp_path / "gap.geojson", features), "--district", DISTRICT)
    match = re.search(r"辖区内有 1 处未被网格覆盖的空隙，合计 ([\d.]+) 平方米", output)
    assert match
    strip = (WEST + 2 * STEP - shrink, SOUTH + STEP, WEST + 2 * STEP, SOUTH + 2 * STEP)
    assert float(match.group(1)) == pytest.approx(bbox_area_m2(strip), rel=1e-3)


def test_grid_sticking_out_of_the_district_is_reported(tmp_path, district):
    features = good_features()
    features[3]["geometry"]["coordinates"] = [square(1, 1, step=STEP * 1.1)]
    output, _ = failing_import(write_geojson(tmp_path / "out.geojson", features), "--district", DISTRICT)
    assert "要素 #4（440499001001004）：超出辖区边界" in output


# --- codes and fields -------------------------------------------------------------------


def test_duplicate_code_is_reported(tmp_path, district):
    features = good_features()
    features[3]["properties"]["code"] = features[0]["properties"]["code"]
    output, _ = failing_import(write_geojson(tmp_path / "dup.geojson", features), "--district", DISTRICT)
    assert "要素 #4（440499001001001）：网格编码重复（与要素 #1 相同）" in output


@pytest.mark.parametrize(
    "properties, message",
    [
        ({"code": "44049900100100X"}, "网格编码 44049900100100X 不是15位数字"),
        ({"code": "4404990010010004"}, "网格编码 4404990010010004 不是15位数字"),
        ({"community_code": "4404990010"}, "社区编码 4404990010 不是12位数字"),
        ({"code": "440499001002004"}, "社区编码 440499001001 与网格编码前12位 440499001002 不一致"),
        (
            {"code": "440402001001004", "community_code": "440402001001"},
            "网格编码前6位 440402 与辖区编码 440499 不一致",
        ),
    ],
)
def test_malformed_codes_are_reported(tmp_path, district, properties, message):
    features = good_features()
    features[3]["properties"].update(properties)
    output, _ = failing_import(write_geojson(tmp_path / "codes.geojson", features), "--district", DISTRICT)
    assert f"要素 #4（{features[3]['properties']['code']}）：{message}" in output


def test_conflicting_community_names_are_reported(tmp_path, district):
    features = good_features()
    features[2]["properties"]["community_name"] = "别的社区"
    output, _ = failing_import(write_geojson(tmp_path / "names.geojson", features), "--district", DISTRICT)
    assert "社区 440499001001 的名称“别的社区”与要素 #1 的“测试社区”不一致" in output


def test_missing_field_is_reported(tmp_path, district):
    features = good_features()
    del features[1]["properties"]["name"]
    before = table_counts()
    output, _ = failing_import(write_geojson(tmp_path / "noname.geojson", features), "--district", DISTRICT, "--commit")
    assert "要素 #2（440499001001002）：缺少字段 name" in output
    assert "读取 4 个要素，有效 3 个" in output
    assert table_counts() == before


def test_mapping_to_an_absent_field_is_refused(good_file):
    _, error = failing_import(good_file, "--district", DISTRICT, "--map", "code=GRIDCODE")
    assert "文件没有字段 GRIDCODE" in error and "code" in error


def test_mapping_an_unknown_field_is_refused(good_file):
    _, error = failing_import(good_file, "--district", DISTRICT, "--map", "colour=RED")
    assert "未知字段 colour" in error


# --- wrong coordinate system ------------------------------------------------------------


def test_projected_coordinates_read_as_lon_lat_are_reported(tmp_path, district):
    # UTM 49N metres in a GeoJSON that declares no CRS, hence read as longitude/latitude.
    features = good_features()
    features[0]["geometry"]["coordinates"] = [
        [[395390.7 + x * 1000, 2211787.3 + y * 1000] for x, y in square(0, 0, step=1, west=0, south=0)]
    ]
    output, _ = failing_import(write_geojson(tmp_path / "utm.geojson", features), "--district", DISTRICT)
    assert "要素 #1（440499001001001）：转换后坐标超出经纬度范围" in output and "--srid" in output


def test_swapped_latitude_and_longitude_are_reported(tmp_path, district):
    features = good_features()
    features[0]["geometry"]["coordinates"] = [[[y, x] for x, y in square(0, 0)]]
    output, _ = failing_import(write_geojson(tmp_path / "swapped.geojson", features), "--district", DISTRICT)
    assert "要素 #1（440499001001001）：转换后坐标超出经纬度范围（20, 110），坐标系可能有误或经纬度颠倒" in output


def test_grids_far_from_the_district_are_reported(tmp_path, district):
    features = good_features()
    features[0]["geometry"]["coordinates"] = [square(0, 0, west=WEST + 0.1)]  # about 10 km east
    output, _ = failing_import(write_geojson(tmp_path / "far.geojson", features), "--district", DISTRICT)
    match = re.search(r"要素 #1（440499001001001）：距辖区约 ([\d.]+) 公里，坐标系可能有误", output)
    assert match and 8.2 < float(match.group(1)) < 8.6  # 0.08° of longitude at 20°N: 8.4 km


def test_wrong_srid_override_is_reported(tmp_path, district):
    shapefile = write_shapefile(tmp_path, good_features(), target_srs="EPSG:32649")
    output, _ = failing_import(shapefile, "--district", DISTRICT, "--srid", "32650", *SHAPEFILE_MAPPING)
    assert output.count("距辖区约") == 4


# --- unreadable input -------------------------------------------------------------------

TRUNCATED = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "4404'


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.geojson", "", "文件为空"),
        ("notes.geojson", "这不是 JSON", "不是有效的 JSON"),
        ("truncated.geojson", TRUNCATED, "不是有效的 JSON（第 1 行"),
        ("other.json", '{"rows": [1, 2, 3]}', "不是 GeoJSON"),
        ("list.json", "[1, 2]", "不是 GeoJSON"),
        ("nothing.geojson", '{"type": "FeatureCollection", "features": []}', "文件中没有要素"),
        ("grids.csv", "code,name\n1,a\n", "不支持的文件类型 .csv"),
        ("fake.shp", "not a shapefile", "缺少配套文件"),
    ],
)
def test_unreadable_input_gives_one_clear_line(tmp_path, district, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    before = table_counts()
    _, error = failing_import(path, "--district", DISTRICT, "--commit")
    assert message in error
    assert "\n" not in error
    assert table_counts() == before


def test_truncated_json_is_told_apart_from_other_text(tmp_path, district):
    (tmp_path / "truncated.geojson").write_text(TRUNCATED)
    (tmp_path / "notes.geojson").write_text("这不是 JSON")
    _, truncated = failing_import(tmp_path / "truncated.geojson", "--district", DISTRICT)
    _, notes = failing_import(tmp_path / "notes.geojson", "--district", DISTRICT)
    assert truncated.endswith("Unterminated string starting at），文件可能不完整")
    assert notes.endswith("（第 1 行第 1 列：Expecting value）")


def test_nonexistent_path_is_reported(tmp_path, district):
    _, error = failing_import(tmp_path / "missing.geojson", "--district", DISTRICT)
    assert error.startswith("文件不存在")


def test_shapefile_that_gdal_cannot_open(tmp_path, district):
    for suffix in (".shp", ".shx", ".dbf"):
        (tmp_path / f"broken{suffix}").write_bytes(b"\x00" * 10)
    _, error = failing_import(tmp_path / "broken.shp", "--district", DISTRICT)
    assert error.startswith("无法读取 broken.shp") and "\n" not in error


@pytest.mark.parametrize("case", ["truncated", "shapefile_without_shx"])
def test_command_line_prints_one_line_and_no_traceback(tmp_path, case):
    if case == "truncated":
        path = tmp_path / "truncated.geojson"
        path.write_text(TRUNCATED)
    else:
        path = write_shapefile(tmp_path, good_features())
        path.with_suffix(".shx").unlink()
    # The file is refused before the database is touched; point at the test database anyway.
    env = {**os.environ, "GAOXIN_DB_NAME": connection.settings_dict["NAME"]}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_grids", str(path), "--skip-checks"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: ")
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr and "GDAL_ERROR" not in result.stderr


# --- scale ------------------------------------------------------------------------------


def test_thousands_of_features_are_checked_quickly(tmp_path):
    side, step = 50, 0.001  # 2,500 grids of about 100 m
    outline = Polygon.from_bbox((WEST, SOUTH, WEST + side * step, SOUTH + side * step))
    District.objects.create(code=DISTRICT, name="测试区", boundary=MultiPolygon(outline, srid=4326))
    features = [
        grid_feature(
            col + 1,
            square(col, row, step=step),
            code=f"{DISTRICT}001{row + 1:03d}{col + 1:03d}",
            community_code=f"{DISTRICT}001{row + 1:03d}",
            community_name=f"测试社区{row + 1}",
        )
        for row in range(side)
        for col in range(side)
    ]
    path = write_geojson(tmp_path / "many.geojson", features)
    started = time.perf_counter()
    output = run_import(path, "--district", DISTRICT)
    elapsed = time.perf_counter() - started
    assert "读取 2500 个要素，有效 2500 个" in output and "问题" not in output
    # Pairwise checks in Python would take minutes here; the STRtree keeps it to seconds.
    assert elapsed < 30
