from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from patrols.importer import import_places


class Command(BaseCommand):
    help = _(
        "从 CSV 导入场所（列：code,name,type,lon,lat,address,contact_name,contact_phone）。"
        "默认只检查不写入；加 --commit 在没有任何问题时一次性写入。问题按行号列出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("UTF-8 编码的 CSV 文件"))
        parser.add_argument("--commit", action="store_true", help=_("写入数据库（默认只检查）"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        report = import_places(path.read_bytes(), commit=options["commit"])
        for line, message in report.errors:
            self.stderr.write(_("第 %(line)d 行：%(message)s") % {"line": line, "message": message})
        if report.errors:
            raise CommandError(_("发现 %(n)d 个问题，未写入任何数据") % {"n": len(report.errors)})
        summary = _("新增 %(created)d 个场所，更新 %(updated)d 个") % {
            "created": report.created,
            "updated": report.updated,
        }
        if report.committed:
            self.stdout.write(self.style.SUCCESS(summary))
        else:
            self.stdout.write(summary + _("（仅检查，未写入；加 --commit 写入）"))
