"""import_lawyers: a dry run until --commit, per-row errors, nothing half-written."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.roles import Role
from legalaid.models import LawFirm, Lawyer

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "legalaid" / "fixtures" / "lawyers_sample.csv"
HEADER = "firm_name,firm_licence,name,licence_number,licensed_year,specialisms,status\n"


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_lawyers", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_sample_is_a_dry_run_until_commit(db):
    out, _err = run(SAMPLE)
    assert "试运行" in out and "律所 firms +3" in out and "律师 lawyers +8" in out
    assert not LawFirm.objects.exists() and not Lawyer.objects.exists()

    out, _err = run(SAMPLE, "--commit")
    assert "已导入" in out
    assert LawFirm.objects.count() == 3 and Lawyer.objects.count() == 8
    lin = Lawyer.objects.get(name="林志明")
    assert lin.specialisms == ["labour", "tort"] and lin.languages == ["普通话", "粤语"]
    assert lin.user.has_role(Role.LAWYER) and not lin.user.has_usable_password()
    assert lin.user.username == "lawyer_14404201510100001"
    assert Lawyer.objects.get(name="郑丽娟").status == Lawyer.Status.SUSPENDED
    assert Lawyer.objects.get(name="刘建华").specialisms == ["criminal", "minors"]

    out, _err = run(SAMPLE, "--commit")  # again: everything is updated, nothing new
    assert "律师 lawyers +0 ~8" in out and "账号 accounts +0" in out


def test_errors_are_reported_per_row_and_nothing_is_written(db, tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text(
        HEADER
        + "甲律所,31440000MD0100001A,张三,14404201510100001,2015,劳动争议,\n"
        + "甲律所,31440000MD0100001A,李四,14404201510100002,1890,劳动争议,\n"
        + "甲律所,31440000MD0100001A,王五,14404201510100003,2016,会计,\n"
        + "乙律所,31440000MD0100001A,赵六,14404201510100001,2016,刑事,休假\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="未写入"):
        run(path, "--commit")
    _out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_lawyers", str(path), "--commit", stderr=err)
    lines = err.getvalue()
    assert "第 3 行" in lines and "1950" in lines
    assert "第 4 行" in lines and "会计" in lines
    assert "第 5 行" in lines and "重复" in lines and "休假" in lines
    assert "第 2 行 /" not in lines  # the good row has nothing to report
    assert not Lawyer.objects.exists() and not LawFirm.objects.exists()


def test_missing_columns_are_named(db, tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text("firm_name,name\n甲律所,张三\n", encoding="utf-8")
    with pytest.raises(CommandError, match="licence_number"):
        run(path)
