import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from legalaid.panel import COLUMNS, import_panel, missing_columns


class Command(BaseCommand):
    help = (
        "Load law firms and legal-aid lawyers from a CSV file with a header row. A dry run "
        "(nothing written) unless --commit; any error in any row and nothing is written. "
        f"Columns: {', '.join(COLUMNS)}. See legalaid/panel.py for the formats and "
        "legalaid/fixtures/lawyers_sample.csv for an example."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", help="path of the CSV file (UTF-8, with or without BOM)")
        parser.add_argument("--commit", action="store_true", help="write the changes (default: dry run)")
        parser.add_argument(
            "--encoding", default="utf-8-sig", help="file encoding (default utf-8-sig; GBK files: gb18030)"
        )

    def handle(self, *args, **options):
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"没有找到文件 / no such file: {path}")
        try:
            with path.open(newline="", encoding=options["encoding"]) as handle:
                reader = csv.DictReader(handle)
                missing = missing_columns(reader.fieldnames)
                if missing:
                    raise CommandError(f"缺少列 / missing columns: {', '.join(missing)}")
                report = import_panel(list(reader), commit=options["commit"])
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"无法按 {options['encoding']} 读取文件，请用 --encoding 指定编码 / cannot decode: {exc}"
            ) from exc
        for line, message in report.errors:
            self.stderr.write(f"第 {line} 行 / line {line}: {message}")
        summary = (
            f"{report.rows} 行 / rows: 律所 firms +{report.firms_created} ~{report.firms_updated}, "
            f"律师 lawyers +{report.lawyers_created} ~{report.lawyers_updated}, 账号 accounts +{report.accounts_created}"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} 处错误，未写入任何数据 / errors, nothing written. {summary}")
        if report.committed:
            self.stdout.write(self.style.SUCCESS(f"已导入 / imported. {summary}"))
        else:
            self.stdout.write(
                f"试运行，未写入；确认无误后加 --commit / dry run, nothing written; add --commit. {summary}"
            )
