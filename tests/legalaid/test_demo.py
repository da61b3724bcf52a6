"""The legal-aid demo as `make demo` builds it: the panel of 36 firms and 143 lawyers
through the importer, the `lawyer` and `adviser` logins, a month of roster with its two
gaps flagged, consultations, and applications in every state; idempotent."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from accounts.roles import Role
from demo.legalaid import DEMO_SEED, load_demo_legalaid, panel_rows
from demo.users import load_demo_users
from legalaid.models import (
    Adviser,
    Application,
    ApplicationState,
    Consultation,
    DutyShift,
    LawFirm,
    Lawyer,
    PapersRequest,
    RosterGapAlert,
)
from legalaid.selectors import roster_gaps
from tests.legalaid.conftest import load_matter_types

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 16, 20, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_has_the_panel_the_advisers_and_every_state(db):
    load_matter_types()
    load_demo_users()
    assert panel_rows(random.Random(DEMO_SEED)) == panel_rows(random.Random(DEMO_SEED))
    summary = load_demo_legalaid(now=NOW)
    assert "36 firms, 143 lawyers" in summary
    assert LawFirm.objects.count() == 36 and Lawyer.objects.count() == 143
    assert Lawyer.objects.filter(user__isnull=True).count() == 0
    lawyer = Lawyer.objects.get(user__username="lawyer")
    assert "labour" in lawyer.specialisms and lawyer.user.check_password("gaoxin-demo")
    assert User.objects.get(username="lawyer099").check_password("gaoxin-demo")
    adviser = Adviser.objects.get(user__username="adviser")
    assert adviser.user.has_role(Role.LAWYER) and adviser.communities.count() == 2

    states = set(Application.objects.values_list("state", flat=True))
    assert states == set(ApplicationState.values)
    assert Application.objects.filter(green_channel=True, state=ApplicationState.CLOSED).exists()
    assert PapersRequest.objects.filter(status=PapersRequest.Status.LAPSED).exists()
    assert PapersRequest.objects.filter(status=PapersRequest.Status.OVERDUE).exists()

    today = NOW.date()
    assert DutyShift.objects.filter(day=today - timedelta(days=14)).count() == 17
    gaps = roster_gaps(today, today + timedelta(days=15))
    assert len(gaps) == 2 and RosterGapAlert.objects.count() == 2
    assert Consultation.objects.count() == 60
    assert Consultation.objects.filter(referral="legal_aid", application__isnull=False).exists()

    before = (Application.objects.count(), Consultation.objects.count(), DutyShift.objects.count())
    assert load_demo_legalaid(now=NOW) == summary
    assert (Application.objects.count(), Consultation.objects.count(), DutyShift.objects.count()) == before
