"""Case exports: CSV and Excel contents, what is left out, formula injection, queries, the cap."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cases.exports import export_csv, export_response, export_xlsx, headers
from cases.models import Case, CaseSource
from cases.services import act, report
from tests.factories import point_in

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTED = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)
HEADER = [
    "案件编号",
    "来源",
    "类型",
    "类别",
    "社区",
    "网格",
    "地址",
    "问题描述",
    "状态",
    "处置单位",
    "上报时间",
    "立案时间",
    "派遣时间",
    "反馈时间",
    "结案时间",
    "处置时限",
    "是否超期",
    "返工次数",
    "延期次数",
    "满意度",
]


def public_report(world, description, *, address="", phone="13812345678"):
    lon, lat = point_in(world.home)
    return report(
        actor=None,
        source=CaseSource.HOTLINE,
        category=world.collapse,
        lon=lon,
        lat=lat,
        description=description,
        address=address,
        reporter_name="张三",
        reporter_phone=phone,
        at=REPORTED,
    )


@pytest.fixture
def dispatched_case(world):
    """A road collapse dispatched at 10:00, due 12:00 (2 calendar hours), never handled."""
    case = public_report(world, "人行道路面塌陷，约一米见方", address="金凤路 18 号")
    for when, action, actor, params in [
        (datetime(2026, 11, 10, 9, 15, tzinfo=SHANGHAI), "verify", world.officer, {}),
        (datetime(2026, 11, 10, 9, 30, tzinfo=SHANGHAI), "file", world.chief, {}),
        (datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI), "dispatch", world.dispatcher, {"unit": world.unit}),
    ]:
        case = act(case, action, actor, at=when, **params)
    return case


def read_csv(cases):
    text = "".join(export_csv(cases, now=NOW))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_a_bom_a_chinese_header_and_one_row_per_case(world, dispatched_case):
    public_report(world, "井盖缺失")
    rows = read_csv(Case.objects.order_by("reported_at", "number"))

    assert rows[0] == HEADER == headers()
    assert len(rows) == 3
    by_number = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    exported = by_number[dispatched_case.number]
    assert exported["来源"] == "热线" and exported["类型"] == "事件" and exported["类别"] == "0401 路面塌陷"
    assert exported["社区"] == world.home.community.name and exported["网格"] == world.home.name
    assert exported["地址"] == "金凤路 18 号" and exported["问题描述"] == "人行道路面塌陷，约一米见方"
    assert exported["状态"] == "待接收" and exported["处置单位"] == world.unit.name
    # Local wall-clock times, whatever the database stores (UTC).
    assert exported["上报时间"] == "2026-11-10 09:00" and exported["派遣时间"] == "2026-11-10 10:00"
    assert exported["处置时限"] == "2026-11-10 12:00" and exported["反馈时间"] == ""
    # Unhandled and past its 12:00 deadline as of NOW.
    assert exported["是否超期"] == "是"
    assert (exported["返工次数"], exported["延期次数"], exported["满意度"]) == ("0", "0", "")
    waiting = next(row for number, row in by_number.items() if number != dispatched_case.number)
    assert waiting["是否超期"] == "否" and waiting["处置单位"] == "" and waiting["状态"] == "待核实"


def test_no_personal_data_of_the_reporter(world, dispatched_case):
    text = "".join(export_csv(Case.objects.all(), now=NOW))
    workbook = load_workbook(io.BytesIO(export_xlsx(Case.objects.all(), now=NOW)))
    cells = [str(value) for row in workbook.active.iter_rows(values_only=True) for value in row]
    for secret in ("13812345678", "张三"):
        assert secret not in text
        assert not any(secret in cell for cell in cells)


def test_formula_injection_is_neutralised(world):
    public_report(world, '=HYPERLINK("http://evil.example","点击")', address="+1+1")
    public_report(world, "@SUM(A1)", address="-2+3")
    rows = read_csv(Case.objects.order_by("number"))
    texts = {(row[6], row[7]) for row in rows[1:]}
    assert texts == {("'+1+1", '\'=HYPERLINK("http://evil.example","点击")'), ("'-2+3", "'@SUM(A1)")}

    sheet = load_workbook(io.BytesIO(export_xlsx(Case.objects.order_by("number"), now=NOW))).active
    descriptions = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert descriptions == ['\'=HYPERLINK("http://evil.example","点击")', "'@SUM(A1)"]
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row[6:8])


def test_xlsx_has_the_same_rows_as_the_csv(world, dispatched_case):
    public_report(world, "井盖缺失")
    cases = Case.objects.order_by("reported_at", "number")
    csv_rows = read_csv(cases)

    sheet = load_workbook(io.BytesIO(export_xlsx(cases, now=NOW))).active
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    assert list(xlsx_rows[0]) == HEADER
    as_text = [
        ["" if v is None else v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else str(v) for v in row]
        for row in xlsx_rows[1:]
    ]
    assert as_text == csv_rows[1:]
    reported_at = xlsx_rows[1][HEADER.index("上报时间")]
    assert reported_at == datetime(2026, 11, 10, 9, 0) and reported_at.tzinfo is None


def count_queries(export, cases):
    with CaptureQueriesContext(connection) as queries:
        export(cases)
    return len(queries)


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        (lambda cases: "".join(export_csv(cases, now=NOW)), 1),
        (lambda cases: export_xlsx(cases, now=NOW), 2),  # the cap check, then the rows
    ],
    ids=["csv", "xlsx"],
)
def test_queries_do_not_grow_with_the_number_of_cases(world, dispatched_case, export, expected):
    for index in range(2):
        public_report(world, f"问题 {index}")
    three = count_queries(export, Case.objects.all())
    for index in range(7):
        public_report(world, f"更多问题 {index}")
    assert Case.objects.count() == 10
    assert count_queries(export, Case.objects.all()) == three == expected


def test_excel_export_is_capped(world, settings):
    settings.CASE_EXPORT_XLSX_MAX_ROWS = 2
    for index in range(2):
        public_report(world, f"问题 {index}")
    assert export_xlsx(Case.objects.all(), now=NOW)  # at the cap: allowed

    public_report(world, "第三个问题")
    with pytest.raises(ValidationError, match="CSV") as refused:
        export_xlsx(Case.objects.all(), now=NOW)
    assert "2" in refused.value.messages[0] and "缩小筛选范围" in refused.value.messages[0]
    assert len(read_csv(Case.objects.all())) == 4  # CSV streams: no cap


def test_download_responses(world, dispatched_case):
    response = export_response(Case.objects.all(), "csv", now=NOW)
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cases-20261120-1200.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff案件编号,") and dispatched_case.number in body

    response = export_response(Case.objects.all(), "xlsx", now=NOW, filename_prefix="案件")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''%E6%A1%88%E4%BB%B6-20261120-1200.xlsx" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 2

    with pytest.raises(ValidationError):
        export_response(Case.objects.all(), "pdf", now=NOW)
