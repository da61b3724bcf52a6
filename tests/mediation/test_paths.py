"""Each path of a dispute at the service layer, end to end."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import CaseKind, CaseSource, Category
from cases.services import report
from deadlines.models import Deadline
from mediation import clocks
from mediation.errors import ActionNotAllowed
from mediation.models import Agreement, DisputeState, FollowUp, MediationSession, Outcome
from mediation.services import act, register
from notifications.models import Notification
from tests.factories import point_in
from tests.mediation.conftest import PARTIES, apply_online, into_mediation, parties_of

pytestmark = pytest.mark.django_db


def actions_of(dispute):
    return list(dispute.events.values_list("action", flat=True))


def open_deadline(subject):
    subject_type = ContentType.objects.get_for_model(subject)
    return Deadline.objects.filter(subject_type=subject_type, subject_id=subject.pk, closed_at__isnull=True).first()


def test_application_sessions_written_agreement_performance_follow_ups(
    mworld, django_capture_on_commit_callbacks, settings
):
    settings.MEDIATION_FOLLOW_UP_MONTHS = [1, 3]
    with django_capture_on_commit_callbacks(execute=True):
        dispute = apply_online(mworld)
    assert dispute.state == DisputeState.REGISTERED
    assert dispute.number.startswith("TJ" + timezone.localdate().strftime("%Y%m%d"))
    assert dispute.committee == mworld.committee  # routed to the community's committee
    assert dispute.applicant == mworld.resident and dispute.contact_phone == "13900000001"
    assert open_deadline(dispute).stage == "accept"
    assert Notification.objects.filter(recipient=mworld.mediator, title__contains=dispute.number).exists()

    with django_capture_on_commit_callbacks(execute=True):
        dispute = into_mediation(dispute, mworld, council=mworld.elder)
    assert dispute.state == DisputeState.IN_MEDIATION
    assert dispute.lead_mediator == mworld.mediator and dispute.first_session_at is not None
    assert open_deadline(dispute).stage == "mediation"
    assert open_deadline(dispute).due_at == dispute.accepted_at + timedelta(days=30)
    assert Notification.objects.filter(recipient=mworld.elder.user, title__startswith="调解邀请").exists()

    dispute = act(
        dispute,
        "agree_written",
        mworld.mediator,
        facts="楼上卫生间防水层老化导致漏水，楼上住户负主要责任",
        obligations="李邻居于两周内修复防水，并赔偿陈居民 2000 元",
        performance_method="现金当面支付，修复由物业见证",
        performance_place="社区调解室",
        performance_deadline=timezone.localdate() + timedelta(days=14),
        sealed=True,
    )
    assert dispute.state == DisputeState.AGREED_WRITTEN and dispute.outcome == Outcome.AGREED_WRITTEN
    assert dispute.concluded_at is not None and dispute.due_at is None
    assert open_deadline(dispute) is None  # the one-month clock stopped
    agreement = dispute.agreement
    assert agreement.confirmation_due_at >= agreement.signed_at + timedelta(days=30)
    assert open_deadline(agreement).stage == "confirmation"
    follow_ups = list(dispute.follow_ups.order_by("sequence"))
    assert [f.months_after for f in follow_ups] == [1, 3]
    assert follow_ups[0].due_on == clocks.add_months(timezone.localdate(agreement.signed_at), 1)
    assert all(open_deadline(f).stage == "follow_up" for f in follow_ups)

    dispute = act(dispute, "record_performance", mworld.mediator, status="partly", note="已赔偿，防水待修")
    dispute = act(dispute, "apply_confirmation", mworld.mediator, court="高新区人民法院", joint=True)
    assert open_deadline(agreement) is None
    dispute = act(dispute, "record_confirmation", mworld.mediator, result="confirmed")
    dispute = act(
        dispute,
        "record_follow_up",
        mworld.mediator,
        method="visit",
        performed="yes",
        satisfaction=5,
        escalation_risk="none",
        note="防水已修复",
    )
    agreement.refresh_from_db()
    assert agreement.performance_status == Agreement.Performance.PERFORMED
    assert open_deadline(follow_ups[0]) is None and open_deadline(follow_ups[1]) is not None
    with pytest.raises(ActionNotAllowed):  # a follow-up is still due
        act(dispute, "archive", mworld.mediator)
    dispute = act(
        dispute,
        "record_follow_up",
        mworld.mediator,
        method="phone",
        performed="yes",
        satisfaction=4,
        escalation_risk="none",
    )
    dispute = act(dispute, "archive", mworld.mediator)
    assert dispute.state == DisputeState.ARCHIVED and dispute.outcome == Outcome.AGREED_WRITTEN
    assert actions_of(dispute) == [
        "register",
        "accept",
        "give_rights_notice",
        "invite_council",
        "schedule_session",
        "record_session",
        "agree_written",
        "record_performance",
        "apply_confirmation",
        "record_confirmation",
        "record_follow_up",
        "record_follow_up",
        "archive",
    ]
    assert list(dispute.events.values_list("actor_role", flat=True)[:2]) == ["resident", "mediator"]


def test_oral_agreement(mworld):
    dispute = into_mediation(apply_online(mworld), mworld)
    with pytest.raises(ValidationError) as error:
        act(dispute, "agree_oral", mworld.mediator)
    assert "obligations" in error.value.message_dict
    dispute = act(dispute, "agree_oral", mworld.mediator, obligations="双方各让一步，共用楼道不再堆物")
    assert dispute.state == DisputeState.AGREED_ORAL
    assert dispute.agreement.kind == Agreement.Kind.ORAL
    assert dispute.agreement.confirmation_due_at is None  # oral agreements are not confirmed by a court
    assert dispute.follow_ups.count() == 2
    with pytest.raises(ActionNotAllowed):
        act(dispute, "apply_confirmation", mworld.mediator, court="法院", joint=True)


def test_failure_with_the_other_routes_told(mworld, django_capture_on_commit_callbacks):
    dispute = into_mediation(apply_online(mworld), mworld)
    with pytest.raises(ValidationError) as error:
        act(dispute, "fail", mworld.mediator, note="分歧过大")
    assert "other_routes" in error.value.message_dict
    scheduled = act(
        dispute,
        "schedule_session",
        mworld.mediator,
        scheduled_at=timezone.now() + timedelta(days=3),
        place="社区调解室",
    ).sessions.get(sequence=2)
    with django_capture_on_commit_callbacks(execute=True):
        dispute = act(dispute, "fail", mworld.mediator, note="分歧过大", other_routes=["litigation", "legal_aid"])
    assert dispute.state == DisputeState.FAILED and dispute.outcome == Outcome.FAILED
    assert dispute.other_routes == ["litigation", "legal_aid"]
    scheduled.refresh_from_db()
    assert scheduled.status == MediationSession.Status.CANCELLED
    assert dispute.follow_ups.count() == 0
    assert Notification.objects.filter(recipient=mworld.resident, title__contains="已办结").exists()
    dispute = act(dispute, "archive", mworld.head)
    assert dispute.state == DisputeState.ARCHIVED


def test_a_party_that_clearly_refuses_ends_the_matter(mworld):
    dispute = apply_online(mworld)
    dispute = act(dispute, "accept", mworld.mediator)
    respondent = dispute.parties.get(side="respondent")
    with pytest.raises(ValidationError):
        act(dispute, "refuse", mworld.mediator, party=respondent)  # the reason is required
    dispute = act(dispute, "refuse", mworld.mediator, party=respondent, note="被申请人明确表示不接受调解")
    assert dispute.state == DisputeState.REFUSED and dispute.outcome == Outcome.REFUSED
    assert dispute.end_reason == "被申请人明确表示不接受调解"
    assert dispute.events.last().data["party_name"] == "李邻居"
    with pytest.raises(ActionNotAllowed):
        act(dispute, "schedule_session", mworld.mediator, scheduled_at=timezone.now(), place="x")


def test_the_applicant_may_withdraw(mworld):
    dispute = apply_online(mworld)
    with pytest.raises(PermissionDenied):
        act(dispute, "withdraw", mworld.other_resident)
    dispute = act(dispute, "withdraw", mworld.resident, note="已私下和解")
    assert dispute.outcome == Outcome.WITHDRAWN


def test_referral_from_a_case_of_the_seven_step_loop_stays_linked(mworld):
    category = Category.objects.get(kind=CaseKind.EVENT, major_code="01", minor_code="02")
    lon, lat = point_in(mworld.home)
    case = report(
        actor=mworld.resident,
        source=CaseSource.RESIDENT,
        category=category,
        lon=lon,
        lat=lat,
        description="邻居占道堆物",
    )
    state_before = case.state
    dispute = register(
        actor=mworld.dispatcher,
        source="case",
        case=case.number,
        dispute_type="neighbour",
        summary="占道堆物引发邻里矛盾",
        parties=[dict(p) for p in PARTIES],
    )
    assert dispute.case == case and dispute.referral_number == case.number
    assert dispute.community == case.community and dispute.grid == case.grid
    assert dispute.committee == mworld.committee
    assert dispute.events.get().data["case"] == case.number
    case.refresh_from_db()
    assert case.state == state_before  # the case goes on in its own loop
    assert list(case.mediation_disputes.all()) == [dispute]

    with pytest.raises(ValidationError) as error:
        register(
            actor=mworld.dispatcher,
            source="case",
            case="20990101999",
            dispute_type="neighbour",
            summary="x",
            parties=PARTIES,
        )
    assert "case" in error.value.message_dict


def test_police_referral_goes_to_the_police_room_and_criminal_risk_is_flagged(
    mworld, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as error:
        register(
            actor=mworld.mediator,
            source="police",
            dispute_type="damage",
            summary="x",
            parties=PARTIES,
            community=mworld.home.community,
        )
    assert "referral_org" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        dispute = register(
            actor=mworld.mediator,
            source="police",
            referral_org="唐家派出所",
            dispute_type="damage",
            summary="酒后争执致轻微伤",
            parties=[dict(p) for p in PARTIES],
            community=mworld.home.community,
            criminal_risk=True,
        )
    assert dispute.committee == mworld.police_room and dispute.criminal_risk
    dispute = act(dispute, "flag_police", mworld.police_mediator, note="已电话报告唐家派出所值班室")
    assert dispute.police_notified_at is not None


def test_a_council_member_invited_without_the_parties_consent_is_refused(mworld):
    dispute = act(apply_online(mworld), "accept", mworld.mediator)
    applicant, respondent = parties_of(dispute)
    with pytest.raises(ValidationError) as error:
        act(
            dispute,
            "invite_council",
            mworld.mediator,
            member=mworld.elder,
            consenting_parties=[applicant],
            consent_note="申请人同意",
        )
    assert "李邻居" in error.value.message_dict["consenting_parties"][0]
    assert not dispute.invitations.exists()
    with pytest.raises(ValidationError) as error:  # nor can one be put on a session uninvited
        act(
            dispute,
            "schedule_session",
            mworld.mediator,
            scheduled_at=timezone.now() + timedelta(days=1),
            place="社区调解室",
            council_members=[mworld.elder],
        )
    assert "council_members" in error.value.message_dict
    assert not dispute.sessions.exists()


def test_a_council_member_answers_an_invitation(mworld):
    dispute = act(apply_online(mworld), "accept", mworld.mediator)
    act(
        dispute,
        "invite_council",
        mworld.mediator,
        member=mworld.deputy,
        consenting_parties=parties_of(dispute),
        consent_note="双方书面同意",
    )
    with pytest.raises(PermissionDenied):
        act(dispute, "respond_invitation", mworld.elder.user, accept=True)  # not invited
    dispute = act(dispute, "respond_invitation", mworld.deputy.user, accept=False, note="近期出差")
    with pytest.raises(ValidationError):  # declined: no longer on the list for sessions
        act(
            dispute,
            "schedule_session",
            mworld.mediator,
            scheduled_at=timezone.now(),
            place="x",
            council_members=[mworld.deputy],
        )
    with pytest.raises(ActionNotAllowed):
        act(dispute, "respond_invitation", mworld.deputy.user, accept=True)


def test_the_first_session_needs_the_rights_notice(mworld):
    dispute = act(apply_online(mworld), "accept", mworld.mediator)
    dispute = act(dispute, "schedule_session", mworld.mediator, scheduled_at=timezone.now(), place="调解室")
    with pytest.raises(ActionNotAllowed):
        act(
            dispute,
            "record_session",
            mworld.mediator,
            session=dispute.sessions.get(),
            attended_parties=parties_of(dispute),
            summary="x",
        )


def test_written_agreement_must_be_signed_and_sealed(mworld):
    dispute = into_mediation(apply_online(mworld), mworld)
    with pytest.raises(ValidationError) as error:
        act(
            dispute,
            "agree_written",
            mworld.mediator,
            facts="f",
            obligations="o",
            performance_method="m",
            performance_deadline=timezone.localdate(),
        )
    assert "sealed" in error.value.message_dict
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.IN_MEDIATION and not Agreement.objects.filter(dispute=dispute).exists()


def test_confirmation_after_the_30_day_window_is_refused(mworld):
    dispute = into_mediation(apply_online(mworld), mworld)
    signed = timezone.now() - timedelta(days=40)
    dispute = act(
        dispute,
        "agree_written",
        mworld.mediator,
        facts="f",
        obligations="o",
        performance_method="m",
        performance_deadline=timezone.localdate(),
        signed_at=signed,
        sealed=True,
    )
    with pytest.raises(ActionNotAllowed):
        act(dispute, "apply_confirmation", mworld.mediator, court="法院", joint=True)


def test_confirmation_window_rolls_past_a_holiday(db):
    from datetime import date, datetime

    from deadlines.models import CalendarDay

    CalendarDay.objects.update_or_create(date=date(2031, 5, 1), defaults={"kind": "holiday", "name": "劳动节"})
    signed = timezone.make_aware(datetime(2031, 4, 1, 10, 0))  # day 30 is Thursday 1 May 2031
    assert timezone.localdate(clocks.confirmation_due(signed)) == date(2031, 5, 2)


def test_follow_up_records_a_lawsuit_and_escalation_risk(mworld, django_capture_on_commit_callbacks):
    dispute = into_mediation(apply_online(mworld), mworld)
    dispute = act(dispute, "agree_oral", mworld.mediator, obligations="按月还款")
    with django_capture_on_commit_callbacks(execute=True):
        dispute = act(
            dispute,
            "record_follow_up",
            mworld.mediator,
            method="phone",
            performed="no",
            satisfaction=2,
            lawsuit=True,
            escalation_risk="high",
            note="对方拒不还款，申请人已起诉",
        )
    visit = dispute.follow_ups.get(sequence=1)
    assert visit.status == FollowUp.Status.DONE and visit.lawsuit and visit.escalation_risk == "high"
    assert dispute.agreement.performance_status == Agreement.Performance.PENDING
    assert Notification.objects.filter(recipient=mworld.head, title__contains="回访发现风险").exists()
