"""Community legal advisers: a roster that keeps one on duty in every community every
day (gaps flagged ahead, once), consultations that refer to legal aid or mediation in the
same step, and the day's advisers shown to residents."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from grid.models import Community
from legalaid.advisers import flag_roster_gaps, log_consultation, set_shift
from legalaid.models import Adviser, Application, Consultation, DutyShift
from mediation.models import Committee, Dispute
from mediation.selectors import visible_disputes
from mediation.services import register as register_dispute
from notifications.models import Notification
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_roster(law, settings):
    """A roster adviser for every community, on duty every day of the next two weeks."""
    settings.LEGALAID_ROSTER_LOOKAHEAD_DAYS = 14
    everyone = Adviser.objects.create(user=make_user(Role.LAWYER, first_name="全区顾问"), office_phone="0756-9999999")
    communities = list(Community.objects.order_by("code"))
    everyone.communities.set(communities)
    today = timezone.localdate()
    DutyShift.objects.bulk_create(
        DutyShift(community=c, day=today + timedelta(days=n), adviser=everyone) for n in range(14) for c in communities
    )
    return everyone


def test_a_day_without_an_adviser_is_flagged_ahead_of_time_once(law, full_roster):
    gap_day = timezone.localdate() + timedelta(days=3)
    DutyShift.objects.filter(community=law.home.community, day=gap_day).delete()
    assert flag_roster_gaps() == 1
    told = Notification.objects.filter(title__contains=law.home.community.name)
    assert set(told.values_list("recipient", flat=True)) == {
        law.coordinator.pk,
        full_roster.user.pk,
        law.adviser.user.pk,
    }
    assert f"{gap_day:%Y-%m-%d}" in told.first().title
    assert flag_roster_gaps() == 0  # told once


def test_only_coordinators_keep_the_roster(law):
    day = timezone.localdate() + timedelta(days=1)
    with pytest.raises(PermissionDenied):
        set_shift(actor=law.adviser.user, community=law.home.community, day=day, adviser=law.adviser)
    with pytest.raises(ValidationError) as raised:
        set_shift(actor=law.coordinator, community=law.away.community, day=day, adviser=law.adviser)
    assert "adviser" in raised.value.message_dict
    shift = set_shift(actor=law.coordinator, community=law.home.community, day=day, adviser=law.adviser)
    assert shift.place == "社区法律服务室"
    with pytest.raises(ValidationError):
        set_shift(actor=law.coordinator, community=law.home.community, day=day, adviser=law.adviser)


def test_residents_see_the_day_s_advisers_by_community(law, client):
    today = timezone.localdate()
    set_shift(actor=law.coordinator, community=law.home.community, day=today, adviser=law.adviser, hours="09:00-17:00")
    page = client.get(reverse("legalaid:on_duty")).content.decode()
    assert "顾问甲" in page and "0756-1234567" in page and "暂无值班" in page
    rows = {row["community_code"]: row for row in APIClient().get(reverse("api-legalaid-on-duty")).json()}
    assert rows[law.home.community.code]["advisers"] == [
        {"name": "顾问甲", "phone": "0756-1234567", "place": "社区法律服务室", "hours": "09:00-17:00"}
    ]
    assert rows[law.away.community.code]["advisers"] == []


def test_a_consultation_refers_to_legal_aid_in_the_same_step(law):
    with pytest.raises(ValidationError) as raised:
        log_consultation(
            actor=law.adviser.user,
            community=law.home.community,
            person_name="王农民工",
            person_phone="13900000009",
            topic="labour",
            question="包工头欠我三个月工资",
            advice="可申请法律援助，走绿色通道",
            referral="legal_aid",
            matter_type=law.wages,
        )
    assert {"applicant_id_number", "stage", "claims"} <= set(raised.value.message_dict)
    assert not Consultation.objects.exists() and not Application.objects.exists()
    consultation = log_consultation(
        actor=law.adviser.user,
        community=law.home.community,
        person_name="王农民工",
        person_phone="13900000009",
        topic="labour",
        question="包工头欠我三个月工资",
        advice="可申请法律援助，走绿色通道",
        referral="legal_aid",
        matter_type=law.wages,
        stage="negotiation",
        applicant_id_number="440402199001019999",
        claims="讨回工资",
        groups=["migrant_worker"],
        other_party="某包工头",
    )
    application = consultation.application
    assert application.channel == "adviser" and application.submitted_by == law.adviser.user
    assert application.green_eligible and application.community == law.home.community
    assert application.facts == "包工头欠我三个月工资"


def test_a_consultation_refers_to_mediation_in_the_same_step(law):
    Committee.objects.create(name="唐家社区人民调解委员会", kind=Committee.Kind.COMMUNITY, community=law.home.community)
    with pytest.raises(ValidationError) as raised:
        log_consultation(
            actor=law.adviser.user,
            community=law.home.community,
            person_name="陈阿姨",
            person_phone="13900000008",
            topic="neighbour",
            question="楼上漏水",
            advice="建议调解",
            referral="mediation",
        )
    assert "other_party" in raised.value.message_dict
    assert not Consultation.objects.exists() and not Dispute.objects.exists()  # nothing half-written
    consultation = log_consultation(
        actor=law.adviser.user,
        community=law.home.community,
        person_name="陈阿姨",
        person_phone="13900000008",
        topic="neighbour",
        question="楼上漏水，多次协商未果",
        advice="建议调解",
        referral="mediation",
        other_party="楼上住户李某",
        claims="修好防水",
    )
    dispute = Dispute.objects.get(number=consultation.dispute_number)
    assert dispute.dispute_type == "neighbour" and dispute.community == law.home.community
    assert dispute.summary == "楼上漏水，多次协商未果" and dispute.claims == "修好防水"
    # The adviser's referral, naming the consultation it came from; the adviser follows it.
    assert dispute.source == "adviser" and dispute.get_source_display() == "法律顾问转介"
    assert dispute.referral_org == "社区法律顾问 顾问甲"
    assert dispute.referral_number == f"法律咨询记录 {consultation.pk}"
    assert dispute.registered_by == law.adviser.user and dispute.applicant is None
    assert dispute in visible_disputes(law.adviser.user) and dispute not in visible_disputes(law.away_adviser.user)
    assert list(dispute.parties.values_list("name", flat=True)) == ["陈阿姨", "楼上住户李某"]


def test_the_roster_page_shows_gaps_and_lets_the_coordinator_fill_them(law, client):
    client.force_login(law.adviser.user)
    page = client.get(reverse("legalaid:roster"))
    assert page.status_code == 200 and b'id="gaps"' in page.content and "安排值班" not in page.content.decode()
    client.force_login(law.coordinator)
    day = timezone.localdate()
    response = client.post(
        reverse("legalaid:roster"),
        {"community": law.home.community.pk, "day": f"{day:%Y-%m-%d}", "adviser": law.adviser.pk},
    )
    assert response.status_code == 302 and DutyShift.objects.filter(community=law.home.community, day=day).exists()


def test_only_an_adviser_or_a_mediator_registers_an_adviser_referral(law):
    Committee.objects.create(name="唐家社区人民调解委员会", kind=Committee.Kind.COMMUNITY, community=law.home.community)
    referral = {
        "source": "adviser",
        "dispute_type": "neighbour",
        "summary": "楼上漏水",
        "community": law.home.community.pk,
        "referral_org": "社区法律顾问",
        "contact_phone": "13900000008",
        "parties": [
            {"side": "applicant", "name": "陈阿姨", "phone": "13900000008"},
            {"side": "respondent", "name": "楼上住户李某"},
        ],
    }
    with pytest.raises(PermissionDenied):  # a panel lawyer without the adviser profile
        register_dispute(actor=law.family_lawyer.user, **referral)
    law.adviser.active = False
    law.adviser.save(update_fields=["active"])
    with pytest.raises(PermissionDenied):
        register_dispute(actor=law.adviser.user, **referral)
    law.adviser.active = True
    law.adviser.save(update_fields=["active"])
    assert register_dispute(actor=law.adviser.user, **referral).registered_by == law.adviser.user
