from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from grid.demo import FIXTURES_DIR, write_demo_files


class Command(BaseCommand):
    help = _("生成演示辖区（17个社区、136个网格）的边界文件；结果固定，可重复生成")

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=FIXTURES_DIR, help=_("输出目录（默认 grid/fixtures）"))

    def handle(self, *args, out, **options):
        for path in write_demo_files(out):
            self.stdout.write(_("已写入 %(path)s") % {"path": path})
