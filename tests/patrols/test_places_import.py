"""The places registry from CSV: a dry run by default, all or nothing, updates by code."""

import pytest
from django.core.management import CommandError, call_command

from patrols.importer import import_places
from patrols.models import Place


def csv_of(*rows, header="code,name,type,lon,lat,address,contact_name,contact_phone"):
    return "\n".join([header, *rows]) + "\n"


def test_a_dry_run_checks_everything_and_stores_nothing(beat):
    lon, lat = beat.start
    report = import_places(csv_of(f"S-1,阿强烧腊,small_venue,{lon},{lat},港湾大道 8 号,阿强,13800000000"), commit=False)
    assert (report.created, report.updated, report.errors, report.committed) == (1, 0, [], False)
    assert not Place.objects.filter(code="S-1").exists()


def test_rows_are_placed_in_their_grid_and_updated_by_code(beat):
    lon, lat = beat.start
    import_places(csv_of(f"S-1,阿强烧腊,small_venue,{lon},{lat},港湾大道 8 号,,"), commit=True)
    place = Place.objects.get(code="S-1")
    assert place.grid == beat.home and place.place_type.code == "small_venue"

    report = import_places(csv_of(f"S-1,阿强烧腊（新址）,三小场所,{lon},{lat},港湾大道 10 号,,"), commit=True)
    assert (report.created, report.updated) == (0, 1)
    place.refresh_from_db()
    assert place.name == "阿强烧腊（新址）" and place.address == "港湾大道 10 号"
    assert Place.objects.filter(code="S-1").count() == 1


def test_rows_without_a_code_are_matched_by_name_type_and_address(beat):
    lon, lat = beat.start
    text = csv_of(f",老陈五金,shop,{lon},{lat},金鼎路 3 号,,")
    import_places(text, commit=True)
    report = import_places(text, commit=True)
    assert (report.created, report.updated) == (0, 1)
    assert Place.objects.filter(name="老陈五金").count() == 1


def test_one_bad_row_stops_the_import_and_every_problem_is_listed_by_line(beat):
    lon, lat = beat.start
    text = csv_of(
        f"S-1,好店,shop,{lon},{lat},,,",
        "S-2,,spaceship,114.9,22.3,,,",
        f"S-1,重复的编号,shop,{lon},{lat},,,",
        "S-3,坐标错,shop,abc,22.4,,,",
    )
    report = import_places(text, commit=True)
    lines = {line for line, _message in report.errors}
    messages = " ".join(message for _line, message in report.errors)
    assert lines == {2, 3, 4, 5}
    assert "名称不能为空" in messages and "spaceship" in messages and "S-1" in messages
    assert not Place.objects.filter(code__in=["S-1", "S-2", "S-3"]).exists()


def test_missing_columns_and_a_bom_and_other_encodings(beat):
    assert import_places("name,lon\n店,113.5\n", commit=True).errors[0][0] == 1
    lon, lat = beat.start
    with_bom = ("\ufeff" + csv_of(f"B-1,带BOM的店,shop,{lon},{lat},,,")).encode("utf-8")
    assert import_places(with_bom, commit=True).created == 1
    gbk = csv_of(f"G-1,国标编码的店,shop,{lon},{lat},,,").encode("gbk")
    assert "UTF-8" in import_places(gbk, commit=True).errors[0][1]


def test_the_command_is_a_dry_run_until_commit(beat, tmp_path, capsys):
    lon, lat = beat.start
    path = tmp_path / "places.csv"
    path.write_text(csv_of(f"C-1,命令行导入的店,shop,{lon},{lat},,,"), encoding="utf-8")
    call_command("import_places", str(path))
    assert "仅检查" in capsys.readouterr().out and not Place.objects.filter(code="C-1").exists()
    call_command("import_places", str(path), "--commit")
    assert Place.objects.filter(code="C-1").exists()
    path.write_text(csv_of("C-2,坏行,shop,999,999,,,"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_places", str(path), "--commit")
