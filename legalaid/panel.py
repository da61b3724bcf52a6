"""Loading the lawyer panel from a table (CSV): law firms and their legal-aid lawyers.

One row per lawyer, columns (a header row names them; order does not matter):

    firm_name, firm_licence, firm_address, firm_phone,
    name, licence_number, phone, licensed_year, specialisms, languages, status, username

specialisms: codes or Chinese names (labour 劳动争议, family 婚姻家庭, tort 人身损害赔偿,
contract 合同与债务, administrative 行政与社会保障, criminal 刑事, minors 未成年人保护),
separated by | ; 、 or commas; languages likewise (free text, e.g. 普通话|粤语); status
active / suspended (在册 / 暂停指派), empty for active; username optional.

A lawyer is matched by licence number and a firm by its licence number: existing rows
are updated, new ones created. A new lawyer gets an account (the username given, else
lawyer_<licence number>) with no usable password until an administrator sets one. The
whole file is checked first; any error in any row and nothing is written."""

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from gaoxin.inputs import valid_phone
from legalaid.models import LawFirm, Lawyer, Specialism

COLUMNS = (
    "firm_name",
    "firm_licence",
    "firm_address",
    "firm_phone",
    "name",
    "licence_number",
    "phone",
    "licensed_year",
    "specialisms",
    "languages",
    "status",
    "username",
)
REQUIRED = ("firm_name", "firm_licence", "name", "licence_number", "licensed_year", "specialisms")
_SEPARATORS = re.compile(r"[|;；、,，/]+")
_LICENCE = re.compile(r"^[0-9A-Za-z]{8,30}$")
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
_STATUS = {
    "": Lawyer.Status.ACTIVE,
    "active": Lawyer.Status.ACTIVE,
    "在册": Lawyer.Status.ACTIVE,
    "suspended": Lawyer.Status.SUSPENDED,
    "暂停": Lawyer.Status.SUSPENDED,
    "暂停指派": Lawyer.Status.SUSPENDED,
}
_SPECIALISM = {**{code: code for code in Specialism.values}, **{str(s.label): s.value for s in Specialism}}


@dataclass
class Report:
    rows: int = 0
    firms_created: int = 0
    firms_updated: int = 0
    lawyers_created: int = 0
    lawyers_updated: int = 0
    accounts_created: int = 0
    committed: bool = False
    errors: list[tuple[int, str]] = field(default_factory=list)
    created_users: list[int] = field(default_factory=list)


def missing_columns(header) -> list[str]:
    return [name for name in REQUIRED if name not in (header or [])]


def import_panel(rows, *, commit=False, first_line=2) -> Report:
    """Check and load `rows` (dicts by column name); written only with `commit` and no errors.
    Line numbers in errors count from `first_line` (the header is line 1)."""
    report = Report()
    parsed = []
    for line, row in enumerate(rows, start=first_line):
        report.rows += 1
        clean, problems = _parse(row)
        report.errors += [(line, problem) for problem in problems]
        if all(clean[name] for name in ("firm_name", "firm_licence", "licence_number")):
            parsed.append((line, clean))  # checked across rows even with problems of its own
    _check_across_rows(parsed, report)
    if report.errors:
        return report
    with transaction.atomic():
        _write(parsed, report)
        if not commit:
            transaction.set_rollback(True)
    report.committed = commit and not report.errors
    return report


def _parse(row):
    value = {name: str(row.get(name) or "").strip() for name in COLUMNS}
    problems = [_("缺少%(column)s") % {"column": name} for name in REQUIRED if not value[name]]
    if problems:
        return value, problems
    if not _LICENCE.match(value["licence_number"]):
        problems.append(_("执业证号应为 8 到 30 位字母或数字：%(value)s") % {"value": value["licence_number"]})
    if not _LICENCE.match(value["firm_licence"]):
        problems.append(_("律所执业许可证号应为 8 到 30 位字母或数字：%(value)s") % {"value": value["firm_licence"]})
    for name in ("phone", "firm_phone"):
        if value[name] and not valid_phone(value[name]):
            problems.append(_("电话号码无效：%(value)s") % {"value": value[name]})
    year = value["licensed_year"]
    this_year = timezone.localdate().year
    if not year.isdigit() or not 1950 <= int(year) <= this_year:
        problems.append(_("首次执业年份应为 1950 到 %(year)s 的年份：%(value)s") % {"year": this_year, "value": year})
    specialisms = []
    for item in _SEPARATORS.split(value["specialisms"]):
        if item.strip() and _SPECIALISM.get(item.strip()) is None:
            problems.append(_("未知的专业领域：%(value)s") % {"value": item.strip()})
        elif item.strip():
            specialisms.append(_SPECIALISM[item.strip()])
    if not specialisms and not any("专业领域" in p for p in problems):
        problems.append(_("至少填写一个专业领域"))
    status = _STATUS.get(value["status"].lower())
    if status is None:
        problems.append(_("状态应为 active 或 suspended（在册、暂停指派）：%(value)s") % {"value": value["status"]})
    if value["username"] and not _USERNAME.match(value["username"]):
        problems.append(_("用户名只能包含字母、数字和 @/./+/-/_：%(value)s") % {"value": value["username"]})
    if len(value["name"]) > 50 or len(value["firm_name"]) > 100:
        problems.append(_("姓名或律所名称过长"))
    value.update(
        specialisms=list(dict.fromkeys(specialisms)),
        languages=[item.strip() for item in _SEPARATORS.split(value["languages"]) if item.strip()][:10],
        status=status,
        licensed_year=int(year) if year.isdigit() else None,
    )
    return value, problems


def _check_across_rows(parsed, report):
    firms, licences, usernames = {}, {}, {}
    for line, row in parsed:
        named = firms.setdefault(row["firm_licence"], row["firm_name"])
        if named != row["firm_name"]:
            report.errors.append(
                (line, _("同一律所执业许可证号对应了不同名称：%(a)s、%(b)s") % {"a": named, "b": row["firm_name"]})
            )
        first = licences.setdefault(row["licence_number"], line)
        if first != line:
            report.errors.append((line, _("执业证号与第 %(line)s 行重复") % {"line": first}))
        if row["username"]:
            first = usernames.setdefault(row["username"], line)
            if first != line:
                report.errors.append((line, _("用户名与第 %(line)s 行重复") % {"line": first}))
    existing = dict(LawFirm.objects.filter(name__in=set(firms.values())).values_list("name", "licence_number"))
    for line, row in parsed:
        other = existing.get(row["firm_name"])
        if other and other != row["firm_licence"]:
            report.errors.append((line, _("律所名称已被另一执业许可证号使用：%(name)s") % {"name": row["firm_name"]}))
    taken = dict(
        User.objects.filter(username__in=[row["username"] for _line, row in parsed if row["username"]]).values_list(
            "username", "panel_lawyer__licence_number"
        )
    )
    for line, row in parsed:
        linked = taken.get(row["username"], "absent")
        if row["username"] and linked not in ("absent", None, row["licence_number"]):
            report.errors.append((line, _("用户名已属于另一位律师：%(name)s") % {"name": row["username"]}))
    report.errors.sort()


def _write(parsed, report):
    lawyer_group = Group.objects.get(name=Role.LAWYER)
    firms = {}
    for _line, row in parsed:
        firm = firms.get(row["firm_licence"])
        if firm is None:
            firm, created = LawFirm.objects.update_or_create(
                licence_number=row["firm_licence"],
                defaults={
                    "name": row["firm_name"],
                    **({"address": row["firm_address"]} if row["firm_address"] else {}),
                    **({"phone": row["firm_phone"]} if row["firm_phone"] else {}),
                },
            )
            firms[row["firm_licence"]] = firm
            report.firms_created += created
            report.firms_updated += not created
        lawyer, created = Lawyer.objects.update_or_create(
            licence_number=row["licence_number"],
            defaults={
                "firm": firm,
                "name": row["name"],
                "phone": row["phone"],
                "licensed_year": row["licensed_year"],
                "specialisms": row["specialisms"],
                "languages": row["languages"],
                "status": row["status"],
            },
        )
        report.lawyers_created += created
        report.lawyers_updated += not created
        if lawyer.user_id is None:
            _give_account(lawyer, row, lawyer_group, report)


def _give_account(lawyer, row, group, report):
    username = row["username"] or f"lawyer_{row['licence_number']}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=row["name"], phone=row["phone"])
        user.set_unusable_password()
        user.save()
        report.accounts_created += 1
        report.created_users.append(user.pk)
    user.groups.add(group)
    lawyer.user = user
    lawyer.save(update_fields=["user"])
