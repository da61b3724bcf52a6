"""The places registry from a CSV file (UTF-8, with or without a BOM; the header row
names the columns):

    code          the place's registration number (optional); a row whose code is
                  already registered updates that place
    name          required
    type          a place type's code (shop, small_venue…) or its name (商铺门店…)
    lon, lat      WGS84 degrees; the place's grid is found from them
    address, contact_name, contact_phone     optional

A row without a code updates the place of the same name, type and address, if any.
Every row is checked before anything is written: one bad row and nothing is stored, and
the report names every bad row by its line number.
"""

import csv
import io
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from grid.lookup import locate
from patrols.models import Place, PlaceType

REQUIRED_COLUMNS = ("name", "type", "lon", "lat")
OPTIONAL_COLUMNS = ("code", "address", "contact_name", "contact_phone")
MAX_ROWS = 50_000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    committed: bool = False


def import_places(stream, *, commit: bool) -> ImportReport:
    """Check every row of the CSV text stream; with `commit`, store them all (or none)."""
    report = ImportReport()
    try:
        text = _without_bom(stream)
    except UnicodeDecodeError:
        report.errors.append((1, _("文件必须是 UTF-8 编码的 CSV")))
        return report
    reader = csv.DictReader(text)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        report.errors.append((1, _("缺少列：%(columns)s") % {"columns": ", ".join(missing)}))
        return report
    types = {}
    for place_type in PlaceType.objects.filter(active=True):
        types[place_type.code] = types[place_type.name] = place_type
    rows = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            report.errors.append((line, _("一次最多导入 %(n)d 行") % {"n": MAX_ROWS}))
            break
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        try:
            rows.append((line, _clean_row(row, types)))
        except ValidationError as exc:
            report.errors.extend((line, message) for message in exc.messages)
    codes = [fields["code"] for _line, fields in rows if fields["code"]]
    duplicates = {code for code in codes if codes.count(code) > 1} if len(codes) != len(set(codes)) else set()
    for line, fields in rows:
        if fields["code"] in duplicates:
            report.errors.append((line, _("场所编号 %(code)s 在文件中重复") % {"code": fields["code"]}))
    if report.errors:
        report.errors.sort()
        return report
    with transaction.atomic():
        for _line, fields in rows:
            place = _existing(fields)
            if place is None:
                place = Place(**fields)
                report.created += 1
            else:
                for name, value in fields.items():
                    setattr(place, name, value)
                report.updated += 1
            place.full_clean(validate_unique=False, validate_constraints=False)
            place.save()
        if not commit:
            transaction.set_rollback(True)
    report.committed = commit
    return report


def _clean_row(row, types):
    errors = []
    name = row.get("name", "")
    if not name:
        errors.append(_("名称不能为空"))
    place_type = types.get(row.get("type", ""))
    if place_type is None:
        errors.append(_("未知的场所类型：%(type)s") % {"type": row.get("type", "")})
    grid_id = None
    try:
        match = locate(row.get("lon"), row.get("lat"))
        grid_id = match.grid_id
    except ValidationError as exc:
        errors.extend(exc.messages)
    code = row.get("code", "")
    if code and not all(ch.isalnum() or ch in "-_" for ch in code):
        errors.append(_("场所编号只能包含字母、数字、- 和 _"))
    limits = {"name": 100, "address": 200, "contact_name": 50, "contact_phone": 20, "code": 40}
    for column, limit in limits.items():
        if len(row.get(column, "")) > limit:
            errors.append(_("%(column)s 超过 %(n)d 个字符") % {"column": column, "n": limit})
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "name": name,
        "place_type": place_type,
        "grid_id": grid_id,
        "location": Point(float(row["lon"]), float(row["lat"]), srid=4326),
        "address": row.get("address", ""),
        "contact_name": row.get("contact_name", ""),
        "contact_phone": row.get("contact_phone", ""),
        "active": True,
    }


def _existing(fields):
    if fields["code"]:
        return Place.objects.filter(code=fields["code"]).first()
    return (
        Place.objects.filter(
            Q(code=""), name=fields["name"], place_type=fields["place_type"], address=fields["address"]
        )
        .order_by("pk")
        .first()
    )


def _without_bom(stream):
    text = stream.read() if hasattr(stream, "read") else stream
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    return io.StringIO(text.removeprefix("\ufeff"))
