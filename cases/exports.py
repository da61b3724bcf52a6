"""Case lists exported to CSV (streamed) and Excel, for a queryset the caller has
already filtered and scoped to what the user may see.

One row per case, no personal data of the reporter (name, phone). Times are local
(settings.TIME_ZONE) wall-clock times. A text cell that a spreadsheet would read as a
formula (starting with =, +, -, @, a tab or a carriage return) gets a leading apostrophe,
so a resident's description can never run as a formula on a clerk's machine."""

import csv
import io
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, F, Value
from django.db.models.functions import Concat
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from cases.kpis import overdue
from cases.models import CaseKind, CaseSource, CaseState

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_XLSX_MAX_ROWS = 100_000
_CHUNK_SIZE = 2000
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
_XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _label(choices):
    labels = dict(choices.choices)
    return lambda value: str(labels.get(value, value or ""))


def _yes_no(value):
    return _("是") if value else _("否")


def _as_is(value):
    return value


def _local_time(value):
    # openpyxl refuses aware datetimes; the local wall-clock time is what users expect.
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None) if value else None


# (header, the value read from the database, how a value becomes a cell). The overdue
# flag depends on the time of the export, so its source is a function of `now`.
_COLUMNS = (
    (gettext_lazy("案件编号"), F("number"), _as_is),
    (gettext_lazy("来源"), F("source"), _label(CaseSource)),
    (gettext_lazy("类型"), F("category__kind"), _label(CaseKind)),
    (
        gettext_lazy("类别"),
        Concat("category__major_code", "category__minor_code", Value(" "), "category__name"),
        _as_is,
    ),
    (gettext_lazy("社区"), F("community__name"), _as_is),
    (gettext_lazy("网格"), F("grid__name"), _as_is),
    (gettext_lazy("地址"), F("address"), _as_is),
    (gettext_lazy("问题描述"), F("description"), _as_is),
    (gettext_lazy("状态"), F("state"), _label(CaseState)),
    (gettext_lazy("处置单位"), F("unit__name"), _as_is),
    (gettext_lazy("上报时间"), F("reported_at"), _local_time),
    (gettext_lazy("立案时间"), F("filed_at"), _local_time),
    (gettext_lazy("派遣时间"), F("dispatched_at"), _local_time),
    (gettext_lazy("反馈时间"), F("handled_at"), _local_time),
    (gettext_lazy("结案时间"), F("closed_at"), _local_time),
    (gettext_lazy("处置时限"), F("handle_due_at"), _local_time),
    (gettext_lazy("是否超期"), lambda now: ExpressionWrapper(overdue(now), BooleanField()), _yes_no),
    (gettext_lazy("返工次数"), F("rework_count"), _as_is),
    (gettext_lazy("延期次数"), F("extension_count"), _as_is),
    (gettext_lazy("满意度"), F("satisfaction"), _as_is),
)


def headers() -> list[str]:
    return [str(header) for header, _source, _cell in _COLUMNS]


def _rows(cases, now):
    """Each case as a list of cell values (text, numbers, naive local datetimes, None),
    read with one query and a server-side cursor."""
    sources = [source(now) if callable(source) else source for _header, source, _cell in _COLUMNS]
    cells = [cell for _header, _source, cell in _COLUMNS]
    for values in cases.values_list(*sources).iterator(chunk_size=_CHUNK_SIZE):
        yield [_neutralised(cell(value)) for cell, value in zip(cells, values, strict=True)]


def _neutralised(value):
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Line:
    """The file-like csv.writer writes to: hands each written line straight back."""

    def write(self, line):
        return line


def export_csv(cases, *, now=None):
    """The CSV text in chunks (a BOM, the header line, one line per case), for a
    StreamingHttpResponse; the BOM makes Excel read it as UTF-8, Chinese intact."""
    now = now or timezone.now()
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(headers())
    for row in _rows(cases, now):
        yield writer.writerow(["" if value is None else _csv_text(value) for value in row])


def _csv_text(value):
    return value.strftime(_DATETIME_FORMAT) if isinstance(value, datetime) else value


def xlsx_max_rows() -> int:
    return getattr(settings, "CASE_EXPORT_XLSX_MAX_ROWS", DEFAULT_XLSX_MAX_ROWS)


def export_xlsx(cases, *, now=None) -> bytes:
    """The workbook as bytes: one sheet, a header row, one row per case.

    Raises ValidationError above xlsx_max_rows() cases (Excel workbooks are built in
    memory; CSV streams and has no limit)."""
    limit = xlsx_max_rows()
    if cases.order_by()[: limit + 1].count() > limit:
        raise ValidationError(
            _("导出 Excel 最多 %(limit)s 条案件，当前筛选结果超过此数。请缩小筛选范围，或改为导出 CSV。")
            % {"limit": limit}
        )
    now = now or timezone.now()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("案件"))
    sheet.freeze_panes = "A2"
    sheet.append(headers())
    for row in _rows(cases, now):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    if not isinstance(value, datetime):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = _XLSX_DATETIME_FORMAT
    return cell


def export_response(cases, file_format, *, now=None, filename_prefix="cases"):
    """A download of the cases as "csv" (streamed) or "xlsx", named like
    cases-20261110-0930.csv after the local time of the export."""
    now = now or timezone.now()
    stamp = timezone.localtime(now, timezone.get_default_timezone()).strftime("%Y%m%d-%H%M")
    filename = f"{filename_prefix}-{stamp}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(export_csv(cases, now=now), content_type=CSV_CONTENT_TYPE)
    elif file_format == "xlsx":
        response = HttpResponse(export_xlsx(cases, now=now), content_type=XLSX_CONTENT_TYPE)
    else:
        raise ValidationError(_("不支持的导出格式：%(format)s") % {"format": file_format})
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
