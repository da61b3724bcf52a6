import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grid.importer import DEFAULT_TOLERANCE_M2, GridImportError, import_grids, parse_field_map


class Command(BaseCommand):
    help = _(
        "从 GeoJSON 或 Shapefile 导入社区和网格。默认只检查不写入；加 --commit 在没有任何问题时一次性写入。"
        "问题按要素序号（从 1 开始）和网格编码列出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_(".geojson / .json / .shp 文件"))
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar=_("字段=源字段"),
            help=_(
                "字段映射，可重复，如 --map code=GRIDCODE；字段：code、name、community_code、community_name、"
                "community_name_en、first_responsible"
            ),
        )
        parser.add_argument("--srid", type=int, help=_("文件坐标系的 EPSG 编号（覆盖文件自带的坐标系）"))
        parser.add_argument("--commit", action="store_true", help=_("写入数据库（默认只检查）"))
        parser.add_argument("--fix", action="store_true", help=_("尝试修复无效几何"))
        parser.add_argument("--district", help=_("辖区编码（数据库中有多个辖区时必填）"))
        parser.add_argument(
            "--overlap-tolerance",
            type=float,
            default=DEFAULT_TOLERANCE_M2,
            help=_("网格重叠容差（平方米，默认 %(default)s）"),
        )
        parser.add_argument(
            "--gap-tolerance",
            type=float,
            default=DEFAULT_TOLERANCE_M2,
            help=_("空隙及超出辖区的容差（平方米，默认 %(default)s）"),
        )
        parser.add_argument("--no-progress", action="store_true", help=_("不显示进度条"))

    def handle(self, *args, **options):
        try:
            report = import_grids(
                options["file"],
                commit=options["commit"],
                district_code=options["district"],
                field_map=parse_field_map(options["map"]),
                srid=options["srid"],
                fix=options["fix"],
                overlap_tolerance_m2=options["overlap_tolerance"],
                gap_tolerance_m2=options["gap_tolerance"],
                progress=not options["no_progress"] and sys.stderr.isatty(),
            )
        except GridImportError as error:
            raise CommandError(str(error)) from None
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.problems:
            raise CommandError(_("发现 %(count)d 个问题，未写入任何数据") % {"count": len(report.problems)})
