"""A small legal-aid world: the centre's people, a labour panel of five lawyers in three
firms, a family lawyer, a criminal lawyer, residents, and the starter matter types."""

import importlib
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from grid.models import Grid
from legalaid.models import Adviser, LawFirm, Lawyer, MatterType
from legalaid.services import act, submit
from tests.factories import make_officer, make_user, photo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def load_matter_types():
    importlib.import_module("legalaid.migrations.0002_matter_types").load(apps, None)


def pdf(name="paper.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test paper\n%%EOF\n", content_type="application/pdf")


def make_firm(name, licence):
    return LawFirm.objects.create(name=name, licence_number=licence, phone="0756-3380000")


_serial = iter(range(1, 10_000))


def make_lawyer(firm, name, specialisms, *, year=2015, languages=("普通话",), account=True):
    number = next(_serial)
    user = make_user(Role.LAWYER, first_name=name) if account else None
    return Lawyer.objects.create(
        user=user,
        firm=firm,
        name=name,
        licence_number=f"144042015{number:08d}",
        licensed_year=year,
        specialisms=list(specialisms),
        languages=list(languages),
    )


@pytest.fixture
def law(db):
    load_matter_types()
    grids = list(Grid.objects.select_related("community").order_by("code"))
    home, away = grids[0], grids[-1]
    firms = [make_firm(f"测试律师事务所{i}", f"3144000000000000{i}X") for i in range(3)]
    labour = [
        make_lawyer(firms[0], "甲律师", ["labour"]),
        make_lawyer(firms[0], "乙律师", ["labour", "contract"]),
        make_lawyer(firms[1], "丙律师", ["labour"], languages=("普通话", "粤语")),
        make_lawyer(firms[1], "丁律师", ["labour"]),
        make_lawyer(firms[2], "戊律师", ["labour"]),
    ]
    adviser_user = make_user(Role.LAWYER, first_name="顾问甲")
    adviser = Adviser.objects.create(user=adviser_user, office_phone="0756-1234567")
    adviser.communities.add(home.community)
    away_adviser = Adviser.objects.create(user=make_user(Role.LAWYER, first_name="顾问乙"))
    away_adviser.communities.add(away.community)
    return SimpleNamespace(
        home=home,
        away=away,
        firms=firms,
        labour=labour,
        family_lawyer=make_lawyer(firms[2], "己律师", ["family", "minors"]),
        junior_criminal=make_lawyer(firms[0], "庚律师", ["criminal"], year=2024),
        senior_criminal=make_lawyer(firms[1], "辛律师", ["criminal"], year=2010),
        coordinator=make_user(Role.LEGAL_AID_COORDINATOR, first_name="郑援助"),
        supervisor=make_user(Role.SUPERVISOR),
        admin=make_user(Role.ADMINISTRATOR),
        clerk=make_user(Role.INTAKE_CLERK),
        officer=make_officer(home),
        resident=make_user(Role.RESIDENT, first_name="王农民工", phone="13900000001"),
        other_resident=make_user(Role.RESIDENT, phone="13900000002"),
        adviser=adviser,
        away_adviser=away_adviser,
        wages=MatterType.objects.get(code="wage_arrears"),
        family=MatterType.objects.get(code="family"),
        dv=MatterType.objects.get(code="domestic_violence"),
        severe=MatterType.objects.get(code="criminal_defence_severe"),
    )


MIGRANT = {
    "applicant_name": "王农民工",
    "applicant_id_number": "440402199001011234",
    "applicant_phone": "13900000001",
    "groups": ["migrant_worker"],
    "stage": "arbitration",
    "other_party": "某某建筑劳务有限公司",
    "facts": "在工地干了三个月，老板拖欠工资 18000 元。",
    "claims": "要求支付拖欠的工资 18000 元",
}
HARDSHIP = {"household_size": 4, "monthly_income": "2600", "hardship_declared": True}


def apply_online(law, *, actor="resident", at=None, **overrides):
    params = {"channel": "online", "matter_type": law.wages, **MIGRANT, **overrides}
    return submit(actor=getattr(law, actor) if actor else None, at=at, **params)


def fast_track(law, application, *, at=None, missing=("labour_relation", "wage_evidence")):
    return act(
        application,
        "fast_track",
        law.coordinator,
        at=at,
        reason="green_channel",
        basis="法律援助法第42条；本区农民工绿色通道规定",
        identity_note="已核对身份证原件，电话核实用工单位",
        missing_papers=list(missing),
    )


__all__ = ["HARDSHIP", "MIGRANT", "apply_online", "at", "fast_track", "pdf", "photo"]
