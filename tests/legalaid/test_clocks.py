"""The statutory clocks on fixed dates (Legal Aid Law Art 36, 43, 49; calendar days, a
period ending on a non-working day runs to the end of the next working day), the green
channel (half a working day to assign: 3.5 office hours with 08:30-12:00, 14:00-17:30;
papers within a week), papers never arriving, a refusal and an objection.

2026 holidays from the migration: 1-7 October off, Saturday 10 October worked."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from deadlines import services as engine
from deadlines.models import Deadline, TimeBasis
from legalaid.errors import ActionNotAllowed
from legalaid.letters import refusal_letter
from legalaid.models import Application, ApplicationEvent, Assignment, Objection, PapersRequest
from legalaid.selectors import personal
from legalaid.services import act, submit
from notifications.models import Notification
from tests.legalaid.conftest import HARDSHIP, apply_online, at, fast_track, pdf, photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def office_hours(settings):
    settings.DEADLINES_WORKING_HOURS = ["08:30", "12:00", "14:00", "17:30"]
    settings.LEGALAID_GREEN_ASSIGN_HOURS = 3.5
    settings.LEGALAID_GREEN_PAPERS_DAYS = 7
    settings.LEGALAID_PAPERS_DAYS = 15


def clock(subject):
    return Deadline.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, closed_at__isnull=True
    ).first()


def events(application):
    return list(ApplicationEvent.objects.filter(application=application).values_list("action", flat=True))


# ---------------------------------------------------------------- decision and assignment


def test_the_decision_is_due_seven_days_after_a_complete_application(law):
    application = apply_online(law, at=at("2026-11-03 10:00"))
    assert application.state == "submitted" and application.means_exempt
    deadline = clock(application)
    assert (deadline.stage, deadline.basis) == ("decide", TimeBasis.CALENDAR)
    assert deadline.due_at == application.due_at == at("2026-11-10 23:59:59")


def test_a_decision_period_ending_in_the_national_day_holiday_runs_to_the_next_working_day(law):
    application = apply_online(law, at=at("2026-09-29 10:00"))  # + 7 = Tue 6 Oct, a holiday
    assert clock(application).due_at == at("2026-10-08 23:59:59")


def test_missing_papers_are_asked_once_and_the_seven_days_run_from_the_complete_file(law):
    application = apply_online(law, at=at("2026-09-30 10:00"))
    application = act(
        application,
        "request_papers",
        law.coordinator,
        at=at("2026-09-30 15:00"),
        items=["labour_relation", "wage_evidence"],
    )
    assert application.state == "awaiting_papers" and clock(application) is None
    papers_request = PapersRequest.objects.get(application=application)
    assert papers_request.due_at == at("2026-10-15 23:59:59")  # 15 days, a Thursday
    assert clock(papers_request).due_at == papers_request.due_at

    application = act(
        application, "supply_papers", law.resident, at=at("2026-10-09 09:00"), kind="labour_relation", files=[pdf()]
    )
    assert application.state == "awaiting_papers"  # wage evidence still missing
    application = act(
        application, "supply_papers", law.resident, at=at("2026-10-12 09:00"), kind="wage_evidence", files=[photo()]
    )
    assert application.state == "submitted" and application.complete_at == at("2026-10-12 09:00")
    assert clock(application).due_at == at("2026-10-19 23:59:59")
    assert clock(papers_request) is None
    papers_request.refresh_from_db()
    assert papers_request.status == PapersRequest.Status.SUPPLIED

    with pytest.raises(ActionNotAllowed):
        act(application, "request_papers", law.coordinator, items=["hardship"])


def test_assignment_is_due_three_days_after_the_decision_and_the_agreement_five_after_assignment(law):
    application = apply_online(law, at=at("2026-09-29 10:00"))
    application = act(application, "approve", law.coordinator, at=at("2026-09-30 16:00"))
    assert application.state == "approved"
    assert clock(application).stage == "assign" and application.due_at == at("2026-10-08 23:59:59")

    application = act(application, "assign", law.coordinator, at=at("2026-10-08 10:00"))
    assert application.state == "assigned" and clock(application) is None
    assignment = Assignment.objects.get(application=application)
    assert assignment.agreement_due_at == at("2026-10-13 23:59:59")
    assert clock(assignment).stage == "agreement"
    assert ApplicationEvent.objects.get(application=application, action="assign").data["on_time"] is True

    application = act(application, "accept", assignment.lawyer.user, at=at("2026-10-08 14:00"))
    application = act(application, "sign_agreement", assignment.lawyer.user, at=at("2026-10-10 11:00"))
    assert clock(assignment) is None
    assert ApplicationEvent.objects.get(application=application, action="sign_agreement").data["on_time"] is True


def test_a_notice_from_a_court_is_assigned_within_three_days_of_receipt(law):
    application = submit(
        actor=law.coordinator,
        at=at("2026-11-05 15:00"),
        channel="notice",
        notice_authority="court",
        notice_org="珠海市中级人民法院",
        notice_number="（2026）粤04刑初12号",
        notice_received_at=at("2026-11-05 09:00"),
        matter_type=law.severe,
        stage="trial",
        applicant_name="被告人某",
        facts="被告人涉嫌故意杀人罪，可能判处无期徒刑以上刑罚，没有委托辩护人。",
        claims="指派辩护律师",
    )
    assert application.state == "approved" and application.means_exempt
    assert application.due_at == at("2026-11-09 23:59:59")  # Thu + 3 = Sunday: Monday
    assert clock(application).started_at == at("2026-11-05 09:00")
    # Art 26: only a lawyer with three years' practice; the junior one is not in the pool.
    application = act(application, "assign", law.coordinator, at=at("2026-11-06 09:00"))
    assert application.lawyer == law.senior_criminal
    application = act(application, "change_lawyer", law.coordinator, reason="被告人要求更换")
    with pytest.raises(ValidationError) as raised:
        act(application, "assign", law.coordinator, lawyer=law.junior_criminal.pk, override_reason="就近")
    assert "lawyer" in raised.value.message_dict


def test_an_overdue_decision_tells_the_coordinators_then_the_supervisors(law):
    application = apply_online(law, at=at("2026-11-03 10:00"))
    deadline = clock(application)
    engine.sweep(now=deadline.warn_at + timedelta(seconds=1))
    assert Notification.objects.filter(recipient=law.coordinator, title__contains="预警").exists()
    assert not Notification.objects.filter(recipient=law.supervisor).exists()
    engine.sweep(now=deadline.due_at + timedelta(seconds=1))
    assert Notification.objects.filter(recipient=law.supervisor, title__contains=application.number).exists()
    assert events(application)[-2:] == ["deadline_warning", "deadline_overdue"]


# ---------------------------------------------------------------- the green channel


def test_a_migrant_worker_is_assigned_within_half_a_day_and_the_papers_follow(law, django_capture_on_commit_callbacks):
    application = apply_online(law, at=at("2026-11-03 09:10"), papers=[{"kind": "identity", "file": photo()}])
    assert application.green_eligible and not application.green_channel
    application = fast_track(law, application, at=at("2026-11-03 09:30"))
    assert application.state == "approved" and application.green_channel
    assert application.fast_track_basis.startswith("法律援助法第42条")
    deadline = clock(application)
    # 09:30-12:00 is 2.5 office hours, the last hour runs from 14:00.
    assert (deadline.basis, deadline.due_at) == (TimeBasis.WORKING, at("2026-11-03 15:00"))
    papers_request = PapersRequest.objects.get(application=application)
    assert papers_request.fast_track and papers_request.due_at == at("2026-11-10 23:59:59")
    assert papers_request.items == ["labour_relation", "wage_evidence"]

    application = act(application, "assign", law.coordinator, at=at("2026-11-03 11:00"))
    assert application.state == "assigned"
    assert application.first_assigned_at - application.fast_tracked_at == timedelta(hours=1, minutes=30)
    assert ApplicationEvent.objects.get(application=application, action="assign").data["on_time"] is True
    lawyer_user = application.lawyer.user
    application = act(application, "accept", lawyer_user, at=at("2026-11-03 14:30"))

    with django_capture_on_commit_callbacks(execute=True):
        application = act(
            application, "supply_papers", law.resident, at=at("2026-11-05 10:00"), kind="labour_relation", files=[pdf()]
        )
        application = act(
            application, "supply_papers", law.resident, at=at("2026-11-06 10:00"), kind="wage_evidence", files=[pdf()]
        )
    assert application.state == "in_progress"
    papers_request.refresh_from_db()
    assert papers_request.status == PapersRequest.Status.SUPPLIED and clock(papers_request) is None
    told = Notification.objects.filter(title__contains="材料已补齐")
    assert {law.coordinator.pk, lawyer_user.pk} <= set(told.values_list("recipient", flat=True))


def test_the_green_channel_is_only_for_its_groups(law):
    application = apply_online(law, groups=[], **HARDSHIP)
    with pytest.raises(ValidationError) as raised:
        fast_track(law, application)
    assert "reason" in raised.value.message_dict
    # Art 44 (a limitation period about to run out) is open to anyone.
    application = act(
        application,
        "fast_track",
        law.coordinator,
        reason="limitation",
        basis="仲裁时效将于 5 日后届满（法律援助法第44条）",
        identity_note="已核对身份证",
    )
    assert application.state == "approved" and not application.green_channel
    assert clock(application).basis == TimeBasis.CALENDAR


def test_a_green_channel_assignment_late_by_the_afternoon_is_overdue(law):
    application = fast_track(law, apply_online(law, at=at("2026-11-03 09:10")), at=at("2026-11-03 09:30"))
    engine.sweep(now=at("2026-11-03 15:01"))
    assert "deadline_overdue" in events(application)
    assert Notification.objects.filter(recipient=law.coordinator, title__contains="超期").exists()


# ---------------------------------------------------------------- papers never arriving


def test_papers_never_supplied_count_as_a_withdrawal(law):
    application = apply_online(law, groups=[], **HARDSHIP, at=at("2026-11-02 10:00"))
    application = act(
        application,
        "request_papers",
        law.coordinator,
        at=at("2026-11-02 11:00"),
        items=["hardship"],
        due_on="2026-11-09",
    )
    papers_request = PapersRequest.objects.get(application=application)
    assert papers_request.due_at == at("2026-11-09 23:59:59")
    engine.sweep(now=papers_request.due_at + timedelta(minutes=1))
    application.refresh_from_db()
    papers_request.refresh_from_db()
    assert application.state == "withdrawn" and "视为撤回" in application.withdraw_reason
    assert papers_request.status == PapersRequest.Status.LAPSED
    assert events(application)[-2:] == ["papers_reminder", "papers_lapsed"]
    assert Notification.objects.filter(recipient=law.resident, title__contains="补交").exists()
    with pytest.raises(ActionNotAllowed):
        act(application, "supply_papers", law.resident, kind="hardship", files=[pdf()])


def test_papers_owed_after_a_fast_track_are_chased_not_lapsed(law):
    application = fast_track(law, apply_online(law, at=at("2026-11-03 09:10")), at=at("2026-11-03 09:30"))
    application = act(application, "assign", law.coordinator, at=at("2026-11-03 10:00"))
    papers_request = PapersRequest.objects.get(application=application)
    engine.sweep(now=papers_request.due_at + timedelta(minutes=1))
    application.refresh_from_db()
    papers_request.refresh_from_db()
    assert application.state == "assigned"  # the case goes on
    assert papers_request.status == PapersRequest.Status.OVERDUE
    assert "papers_overdue" in events(application)
    assert Notification.objects.filter(recipient=law.coordinator, title__contains="逾期").exists()
    assert Notification.objects.filter(recipient=law.resident, title__contains="补交").exists()
    # Late papers are still taken.
    act(application, "supply_papers", law.resident, kind="labour_relation", files=[pdf()])
    act(application, "supply_papers", law.resident, kind="wage_evidence", files=[pdf()])
    papers_request.refresh_from_db()
    assert papers_request.status == PapersRequest.Status.SUPPLIED


# ---------------------------------------------------------------- refusal and objection


def test_a_refusal_is_written_with_reasons_and_an_objection_is_reviewed_within_five_days(law):
    application = apply_online(law, matter_type=law.family, groups=[], **HARDSHIP, at=at("2026-09-25 10:00"))
    with pytest.raises(ValidationError) as raised:
        act(application, "refuse", law.coordinator, reason="means")
    assert "note" in raised.value.message_dict
    application = act(
        application,
        "refuse",
        law.coordinator,
        at=at("2026-09-27 10:00"),
        reason="means",
        note="家庭人均月收入高于本市法律援助经济困难标准。",
    )
    assert application.state == "refused" and clock(application) is None
    letter = refusal_letter(application, personal(application, law.coordinator))
    assert letter.startswith(b"%PDF") and len(letter) > 1000

    application = act(
        application, "object", law.resident, at=at("2026-09-28 09:00"), reason="我家刚失业两人，收入已大幅下降。"
    )
    assert application.state == "objected"
    objection = Objection.objects.get(application=application)
    assert objection.due_at == at("2026-10-08 23:59:59")  # + 5 = Sat 3 Oct in the holiday
    engine.sweep(now=objection.due_at + timedelta(seconds=1))
    assert "objection_deadline_overdue" in events(application)
    assert Notification.objects.filter(recipient=law.supervisor, title__contains="异议审查").exists()

    application = act(
        application, "correct_refusal", law.supervisor, at=at("2026-10-09 10:00"), note="收入已变化，应予援助。"
    )
    assert application.state == "approved" and clock(objection) is None
    objection.refresh_from_db()
    assert objection.result == Objection.Result.CORRECTED
    assert application.due_at == at("2026-10-12 23:59:59")  # 3 days to assign from the correction


def test_a_refusal_upheld_is_final_and_objected_to_once(law):
    application = apply_online(law, matter_type=law.family, groups=[], **HARDSHIP)
    application = act(application, "refuse", law.coordinator, reason="scope", note="不属于法律援助事项范围。")
    application = act(application, "object", law.resident, reason="我认为属于")
    application = act(application, "uphold_refusal", law.coordinator, note="维持。")
    assert application.state == "refused"
    with pytest.raises(ActionNotAllowed):
        act(application, "object", law.resident, reason="再次异议")


def test_without_a_means_test_exemption_the_hardship_declaration_is_needed(law):
    with pytest.raises(ValidationError) as raised:
        apply_online(law, matter_type=law.family, groups=[])
    assert {"household_size", "monthly_income", "hardship_declared"} <= set(raised.value.message_dict)
    application = apply_online(law, matter_type=law.family, groups=["low_income"])
    assert application.means_exempt and "第42条" in application.exemption_note


def test_the_applicant_may_ask_for_another_lawyer_and_closing_needs_a_report(law):
    application = act(apply_online(law), "approve", law.coordinator)
    application = act(application, "assign", law.coordinator)
    first = application.lawyer
    application = act(application, "accept", first.user)
    application = act(application, "change_lawyer", law.resident, reason="律师联系不上")
    assert application.state == "approved" and application.lawyer is None
    assert Assignment.objects.get(lawyer=first, application=application).status == Assignment.Status.REPLACED
    application = act(application, "assign", law.coordinator)
    assert application.lawyer != first
    application = act(application, "accept", application.lawyer.user)
    with pytest.raises(ValidationError) as raised:
        act(application, "close", application.lawyer.user, outcome="won")
    assert "report" in raised.value.message_dict
    application = act(application, "close", application.lawyer.user, outcome="won", report="仲裁裁决支付全部工资。")
    assert application.state == "closed" and application.outcome == "won"
    application = act(application, "follow_up", law.coordinator, method="phone", satisfaction=5, note="满意")
    assert Application.objects.get(pk=application.pk).follow_up.satisfaction == 5
