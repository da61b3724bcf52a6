"""Every change to a legal-aid application goes through here: one transaction that checks
permission and state against legalaid.workflow, writes the change and its
ApplicationEvent together, and queues notifications on commit. Web views, the API, the
deadline handlers, the consultation referral and the demo all call these."""

from datetime import datetime, time

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import STAFF_ROLES, Role
from deadlines.calendar import add_calendar_days_rolling
from legalaid import clocks, rotation
from legalaid.errors import ActionNotAllowed
from legalaid.inputs import Input
from legalaid.models import (
    ACTIVE_ASSIGNMENT,
    ALWAYS_EXEMPT_GROUPS,
    Adviser,
    ApplicantGroup,
    Application,
    ApplicationDaySequence,
    ApplicationEvent,
    ApplicationState,
    Assignment,
    Channel,
    FastTrackReason,
    FollowUpVisit,
    Lawyer,
    MatterStage,
    MatterType,
    NoticeAuthority,
    Objection,
    Outcome,
    Paper,
    PaperKind,
    PapersRequest,
    ProgressNote,
    RefusalReason,
    RotationSkip,
)
from legalaid.workflow import STAY, TRANSITIONS, Scope
from notifications.services import notify

PUBLIC_ACTOR = "public"
SYSTEM_ACTOR = "system"
# Who may file an application through which channel; anyone may apply online.
CHANNEL_ROLES = {
    Channel.DESK: (Role.LEGAL_AID_COORDINATOR, Role.INTAKE_CLERK),
    Channel.GRID_OFFICER: (Role.GRID_OFFICER,),
    Channel.ADVISER: (Role.LAWYER,),
    Channel.NOTICE: (Role.LEGAL_AID_COORDINATOR,),
}
# Serialises assignments, so two coordinators assigning at once do not both take the
# same lawyer's turn (the rotation reads every lawyer's open caseload).
_ROTATION_LOCK = 0x1E6A1A1D


# ---------------------------------------------------------------- intake


def submit(*, actor, at=None, **params):
    """File a new application; returns it, `submitted` (its 7-day decision clock running)
    or, for a notice from a court, procuratorate or police, `approved` (3 days to assign).

    params: channel, applicant_name, applicant_id_number, applicant_phone,
    applicant_address, community, groups, matter_type, stage, other_party,
    other_party_id_number, facts, claims, household_size, monthly_income,
    hardship_statement, hardship_declared, preferred_language, preferred_lawyer, wishes,
    papers (a list of {"kind", "file"}), and for a notice notice_authority, notice_org,
    notice_number, notice_received_at.
    """
    now = at or timezone.now()
    actor = _person(actor)
    data = Input(params)
    channel = data.choice("channel", Channel, required=_("请选择申请方式"))
    notice = channel == Channel.NOTICE
    matter_type = data.one(
        "matter_type",
        MatterType.objects.filter(active=True),
        required=_("请选择事项类型"),
        invalid=_("请选择有效的事项类型"),
    )
    stage = data.choice("stage", MatterStage, required=_("请选择案件阶段"))
    fields = {
        "applicant_name": data.text("applicant_name", required=_("请填写申请人姓名"), max_length=50),
        "applicant_id_number": data.id_number("applicant_id_number", required=None if notice else _("请填写身份证号")),
        "applicant_phone": data.phone("applicant_phone", required=None if notice else _("请填写联系电话")),
        "applicant_address": data.text("applicant_address", max_length=200),
        "community": data.one("community", _communities(), invalid=_("请选择有效的社区")),
        "groups": data.choices("groups", ApplicantGroup),
        "other_party": data.text("other_party", max_length=100),
        "other_party_id_number": data.id_number("other_party_id_number"),
        "facts": data.text("facts", required=_("请简要说明发生了什么"), max_length=5000),
        "claims": data.text("claims", required=_("请说明您希望解决的问题"), max_length=2000),
        "household_size": data.integer("household_size", low=1, high=30),
        "monthly_income": data.decimal("monthly_income", low=0, high=10_000_000),
        "hardship_statement": data.text("hardship_statement", max_length=2000),
        "hardship_declared": data.boolean("hardship_declared"),
        "preferred_language": data.text("preferred_language", max_length=20),
        "preferred_lawyer": data.one(
            "preferred_lawyer", Lawyer.objects.filter(status=Lawyer.Status.ACTIVE), invalid=_("请选择在册的律师")
        ),
        "wishes": data.text("wishes", max_length=300),
    }
    notice_fields = {
        "notice_authority": data.choice("notice_authority", NoticeAuthority),
        "notice_org": data.text("notice_org", max_length=100),
        "notice_number": data.text("notice_number", max_length=100),
        "notice_received_at": _moment(data, "notice_received_at"),
    }
    papers = _read_papers(data)
    if channel:
        _check_channel(data, actor, channel)
    if notice:
        _check_notice(data, notice_fields, now)
    else:
        notice_fields = {}
    exempt, exemption_note = means_exemption(fields["groups"], matter_type, channel)
    if matter_type and not exempt and channel in (Channel.ONLINE, Channel.DESK, Channel.GRID_OFFICER):
        _check_hardship(data, fields)
    data.check()

    green_eligible = bool(set(fields["groups"]) & set(matter_type.green_channel_groups))
    with transaction.atomic():
        application = Application(
            number=_next_number(now),
            channel=channel,
            applicant=actor if channel == Channel.ONLINE and actor and actor.has_role(Role.RESIDENT) else None,
            submitted_by=actor,
            matter_type=matter_type,
            stage=stage,
            means_exempt=exempt,
            exemption_note=exemption_note,
            green_eligible=green_eligible and not notice,
            state=ApplicationState.APPROVED if notice else ApplicationState.SUBMITTED,
            submitted_at=now,
            complete_at=None if notice else now,
            approved_at=now if notice else None,
            **fields,
            **notice_fields,
        )
        clocks.enter_state(application, now)
        application.save()
        clocks.sync_application(application, now)
        _save_papers(application, papers, actor, now, supplement=False)
        ApplicationEvent.record(
            application,
            "submit",
            actor,
            _role_of(actor),
            "",
            application.state,
            now,
            data={"channel": channel, "green_eligible": application.green_eligible, "papers": len(papers)},
        )
    transaction.on_commit(lambda: _tell_new(application))
    return application


def means_exemption(groups, matter_type, channel) -> tuple[bool, str]:
    """Whether the applicant skips the means test, and the legal basis."""
    if channel == Channel.NOTICE:
        return True, _("公检法机关通知指派，无需审查经济状况（法律援助法第25条、第28条、第36条）")
    if matter_type is None:
        return False, ""
    labels = [str(ApplicantGroup(g).label) for g in groups if g in set(matter_type.exempt_groups)]
    if labels:
        return True, _("%(groups)s申请%(matter)s，免予经济困难审查（法律援助法第32条、第42条）") % {
            "groups": "、".join(labels),
            "matter": matter_type.name,
        }
    labels = [str(ApplicantGroup(g).label) for g in groups if g in ALWAYS_EXEMPT_GROUPS]
    if labels:
        return True, _("%(groups)s免予经济困难审查（法律援助法第42条）") % {"groups": "、".join(labels)}
    return False, ""


def _check_hardship(data, fields):
    if fields["household_size"] is None:
        data.error("household_size", _("请填写家庭人口"))
    if fields["monthly_income"] is None:
        data.error("monthly_income", _("请填写家庭月收入"))
    if not fields["hardship_declared"]:
        data.error("hardship_declared", _("请确认经济困难状况说明真实"))


def _check_channel(data, actor, channel):
    if channel == Channel.ONLINE:
        if actor is not None and actor.has_role(*STAFF_ROLES) and not actor.has_role(Role.RESIDENT):
            data.error("channel", _("工作人员请以窗口申请或代为申请方式登记"))
        return
    if actor is None or not actor.has_role(*CHANNEL_ROLES[channel]):
        raise PermissionDenied(_("您无权以“%(channel)s”方式登记申请") % {"channel": Channel(channel).label})
    if channel == Channel.ADVISER and not Adviser.objects.filter(user=actor, active=True).exists():
        raise PermissionDenied(_("只有在岗的社区法律顾问可以转介"))


def _check_notice(data, notice, now):
    if not notice["notice_authority"]:
        data.error("notice_authority", _("请选择通知机关类别"))
    if not notice["notice_org"]:
        data.error("notice_org", _("请填写通知机关"))
    if not notice["notice_number"]:
        data.error("notice_number", _("请填写通知书文号"))
    received = notice["notice_received_at"]
    if received is None:
        notice["notice_received_at"] = now
    elif received > now:
        data.error("notice_received_at", _("收到通知的时间不能晚于现在"))


def _moment(data, name):
    value = data.raw(name)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    day = data.day(name)
    return timezone.make_aware(datetime.combine(day, time(9, 0))) if day else None


def _read_papers(data, name="papers"):
    """[{"kind": ..., "file": ...}] → [(kind, upload, content_type)], checked."""
    rows = data.raw(name) or []
    if not isinstance(rows, list | tuple):
        data.error(name, _("材料格式无效"))
        return []
    papers = []
    for row in rows:
        kind = row.get("kind") if isinstance(row, dict) else None
        if kind not in PaperKind.values:
            data.error(name, _("请选择材料类别"))
            return []
        checker = Input({name: row.get("file")})
        checked = checker.uploads(name)
        if checker.errors:
            data.error(name, checker.errors[name])
            return []
        papers += [(kind, upload, content_type) for upload, content_type in checked]
    return papers


def _next_number(now) -> str:
    day = timezone.localdate(now)
    return f"FY{day:%Y%m%d}{ApplicationDaySequence.next_number(day):04d}"


def _communities():
    from grid.models import Community

    return Community.objects.all()


# ---------------------------------------------------------------- workflow actions


def act(application, action, actor, *, at=None, phone="", **params):
    """Take a workflow action on an application; returns the updated application.

    Raises PermissionDenied (403) when the actor may not take this action on this
    application, ActionNotAllowed (409) when its state does not allow it, ValidationError
    (400) for bad input. An applicant without an account acts with the phone number the
    application gives. The row lock makes two people acting at once run one after the other.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("未知的操作：%(action)s") % {"action": action}})
    now = at or timezone.now()
    actor = _person(actor)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("matter_type", "lawyer__user")
            .get(pk=getattr(application, "pk", application))
        )
        role = authorise(actor, application, transition, phone=phone)
        if application.state not in transition.sources:
            raise ActionNotAllowed(
                _("申请当前状态为“%(state)s”，不能%(action)s")
                % {"state": application.get_state_display(), "action": transition.label}
            )
        before = application.state
        data = Input(params)
        event_data = _EFFECTS[action](application, actor, role, data, now) or {}
        target = transition.target_from(before)
        if target != STAY and not event_data.pop("_stay", False):
            application.state = target
        if application.state != before:
            clocks.enter_state(application, now)
        application.save()
        clocks.sync_application(application, now)
        note = event_data.pop("_note", "")
        ApplicationEvent.record(
            application, action, actor, role, before, application.state, now, note=note, data=event_data
        )
    return application


def authorise(actor, application, transition, *, phone="") -> str:
    """The role under which `actor` may take `transition`, else PermissionDenied."""
    for role, scope in transition.actors.items():
        if scope is Scope.APPLICANT and _same_phone(application, phone):
            return PUBLIC_ACTOR
        if actor is not None and actor.has_role(role) and _in_scope(actor, application, scope):
            return role
    raise PermissionDenied(_("您无权对该申请执行“%(action)s”") % {"action": transition.label})


def available_actions(application, user, *, phone=""):
    """The transitions this user may take on this application now (for buttons and API hints)."""
    actor = _person(user)
    allowed = []
    for transition in TRANSITIONS.values():
        if application.state not in transition.sources or not _worth_offering(application, transition.action):
            continue
        try:
            authorise(actor, application, transition, phone=phone)
        except PermissionDenied:
            continue
        allowed.append(transition)
    return allowed


def _worth_offering(application, action) -> bool:
    """Hide actions whose precondition is plainly unmet, so pages offer only what works."""
    papers_request = _papers_request(application)
    if action == "request_papers":
        return papers_request is None
    if action == "supply_papers":
        pending = papers_request is not None and papers_request.is_pending
        return pending or application.state == ApplicationState.SUBMITTED
    if action == "fast_track":
        return application.fast_tracked_at is None
    if action == "object":
        return not Objection.objects.filter(application=application).exists()
    if action == "follow_up":
        return not FollowUpVisit.objects.filter(application=application).exists()
    if action == "sign_agreement":
        assignment = current_assignment(application)
        return assignment is not None and assignment.agreement_signed_at is None
    return True


def _papers_request(application):
    try:
        return application.papers_request
    except PapersRequest.DoesNotExist:
        return None


def current_assignment(application):
    return application.assignments.filter(status__in=ACTIVE_ASSIGNMENT).select_related("lawyer__user").first()


def _same_phone(application, phone) -> bool:
    return bool(phone) and application.applicant_id is None and phone.strip() == application.applicant_phone


def _in_scope(actor, application, scope) -> bool:
    if scope is Scope.CENTRE:
        return True
    if scope is Scope.LAWYER:
        return application.lawyer_id is not None and application.lawyer.user_id == actor.pk
    if scope is Scope.APPLICANT:
        return application.applicant_id is not None and application.applicant_id == actor.pk
    return application.submitted_by_id is not None and application.submitted_by_id == actor.pk


def _person(user):
    return user if user is not None and user.is_authenticated else None


def _role_of(actor):
    if actor is None:
        return PUBLIC_ACTOR
    return next(iter(sorted(actor.roles)), "")


def _closing_day(data, name, now, *, not_before=None):
    """A date given for something already done (default today): not in the future."""
    day = data.day(name)
    if day is None:
        return now
    if day > timezone.localdate(now):
        data.error(name, _("日期不能晚于今天"))
        return now
    if not_before is not None and day < timezone.localdate(not_before):
        data.error(name, _("日期不能早于 %(day)s") % {"day": f"{timezone.localdate(not_before):%Y-%m-%d}"})
        return now
    if day == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


# ---------------------------------------------------------------- papers


def _request_papers(application, actor, role, data, now):
    items = data.choices("items", PaperKind, required=_("请列出需要补充的全部材料"))
    note = data.text("note", max_length=1000)
    due_on = data.day("due_on")
    today = timezone.localdate(now)
    if due_on is not None and not 0 < (due_on - today).days <= 60:
        data.error("due_on", _("补充期限须在今后 60 日内"))
    data.check()
    if _papers_request(application) is not None:
        raise ActionNotAllowed(_("补充材料只能一次性告知，本申请已告知过"))
    if due_on is not None:
        due = add_calendar_days_rolling(now, (due_on - today).days)
    else:
        due = clocks.papers_due(application, now, fast_track=False)
    papers_request = PapersRequest.objects.create(
        application=application, items=items, note=note, requested_at=now, requested_by=actor, due_at=due
    )
    clocks.start(papers_request, clocks.PAPERS_STAGE, now, due, now)
    application.complete_at = None
    transaction.on_commit(
        lambda: _tell_applicant(
            application,
            _("申请 %(number)s 需要补充材料，请于 %(due)s 前提交") % {"number": application.number, "due": _day(due)},
        )
    )
    return {"items": items, "due_at": due.isoformat(), "_note": note}


def _supply_papers(application, actor, role, data, now):
    kind = data.choice("kind", PaperKind, required=_("请选择材料类别"))
    files = data.uploads("files", required=_("请选择要上传的文件"))
    mark_complete = data.boolean("complete") and role == Role.LEGAL_AID_COORDINATOR
    data.check()
    papers_request = _papers_request(application)
    if papers_request is not None:
        papers_request = PapersRequest.objects.select_for_update().get(pk=papers_request.pk)
    pending = papers_request is not None and papers_request.is_pending
    _save_papers(application, [(kind, upload, ct) for upload, ct in files], actor, now, supplement=pending)
    result = {"kind": kind, "files": len(files)}
    if not pending:
        if application.state == ApplicationState.AWAITING_PAPERS:
            result["_stay"] = True
        return result
    missing = still_missing(papers_request)
    result["missing"] = missing
    if missing and not mark_complete:
        result["_stay"] = True
        return result
    papers_request.status = PapersRequest.Status.SUPPLIED
    papers_request.supplied_at = now
    papers_request.save(update_fields=["status", "supplied_at"])
    clocks.stop(papers_request, now)
    result["papers_complete"] = True
    result["late"] = now > papers_request.due_at
    if application.state == ApplicationState.AWAITING_PAPERS:
        application.complete_at = now  # the 7 days to decide run from here
    transaction.on_commit(lambda: _tell_papers_complete(application))
    return result


def still_missing(papers_request) -> list[str]:
    supplied = set(
        Paper.objects.filter(
            application_id=papers_request.application_id, uploaded_at__gte=papers_request.requested_at
        ).values_list("kind", flat=True)
    )
    return [kind for kind in papers_request.items if kind not in supplied]


def _save_papers(application, papers, actor, now, *, supplement):
    for kind, upload, content_type in papers:
        paper = Paper(
            application=application,
            kind=kind,
            title=(getattr(upload, "name", "") or kind)[-200:],
            content_type=content_type,
            size=upload.size,
            supplement=supplement,
            uploaded_by=actor,
            uploaded_at=now,
        )
        paper.file.save(_safe_name(upload, content_type), upload, save=False)
        paper.save()


def _safe_name(upload, content_type):
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
    return f"paper.{extension}"


def lapse_papers(papers_request_ids, now):
    """Papers not supplied by their due date (called by the deadline handler). A standard
    request lapses and the application counts as withdrawn (Art 43); the papers a
    fast-tracked application owes are marked overdue, the applicant reminded and the
    coordinators alerted, and the case goes on."""
    requests = (
        PapersRequest.objects.select_for_update()
        .filter(pk__in=papers_request_ids, status=PapersRequest.Status.OPEN, due_at__lte=now)
        .select_related("application")
    )
    for papers_request in requests:
        application = Application.objects.select_for_update().get(pk=papers_request.application_id)
        before = application.state
        if papers_request.fast_track:
            papers_request.status = PapersRequest.Status.OVERDUE
            papers_request.save(update_fields=["status"])
            title = _("申请 %(number)s 先行指派后应补的材料已逾期") % {"number": application.number}
            ApplicationEvent.record(application, "papers_overdue", None, SYSTEM_ACTOR, before, before, now, note=title)
            _tell_papers_overdue(application, title)  # the inbox rows commit with the crossing
            continue
        papers_request.status = PapersRequest.Status.LAPSED
        papers_request.save(update_fields=["status"])
        if application.state != ApplicationState.AWAITING_PAPERS:
            continue
        application.state = ApplicationState.WITHDRAWN
        application.withdrawn_at = now
        application.withdraw_reason = _("逾期未补充材料，视为撤回申请（法律援助法第43条）")
        clocks.enter_state(application, now)
        application.save()
        clocks.sync_application(application, now)
        ApplicationEvent.record(
            application,
            "papers_lapsed",
            None,
            SYSTEM_ACTOR,
            before,
            application.state,
            now,
            note=application.withdraw_reason,
        )
        _tell_applicant(application, _("申请 %(number)s 因逾期未补充材料，视为撤回") % {"number": application.number})


# ---------------------------------------------------------------- decisions


def _fast_track(application, actor, role, data, now):
    reason = data.choice("reason", FastTrackReason, required=_("请选择先行指派的理由"))
    basis = data.text("basis", required=_("请写明先行指派的依据"), max_length=1000)
    identity_note = data.text(
        "identity_note", required=_("请写明身份核验情况（如核对身份证原件、用工或报警记录）"), max_length=300
    )
    missing = data.choices("missing_papers", PaperKind)
    if reason == FastTrackReason.GREEN_CHANNEL and not application.green_eligible:
        data.error("reason", _("申请人的群体和事项类型不适用绿色通道"))
    data.check()
    application.green_channel = reason == FastTrackReason.GREEN_CHANNEL
    application.fast_track_reason = reason
    application.fast_track_basis = basis
    application.identity_note = identity_note
    application.fast_tracked_at = application.decided_at = application.approved_at = now
    application.fast_tracked_by = application.decided_by = actor
    papers_request = _papers_request(application)
    due = clocks.papers_due(application, now, fast_track=True)
    if papers_request is not None and papers_request.is_pending:
        papers_request.fast_track, papers_request.due_at = True, due
        papers_request.save(update_fields=["fast_track", "due_at"])
        clocks.start(papers_request, clocks.PAPERS_STAGE, now, due, now)
        missing = papers_request.items
    elif missing and papers_request is None:
        papers_request = PapersRequest.objects.create(
            application=application,
            items=missing,
            note=_("先行指派，材料后补"),
            fast_track=True,
            requested_at=now,
            requested_by=actor,
            due_at=due,
        )
        clocks.start(papers_request, clocks.PAPERS_STAGE, now, due, now)
    else:
        missing, due = [], None
    text = _("已决定先行为您指派律师") if application.green_channel else _("已决定给予法律援助并先行指派律师")
    if due:
        text += _("，请于 %(due)s 前补交材料") % {"due": _day(due)}
    transaction.on_commit(lambda: _tell_applicant(application, f"{application.number}：{text}"))
    return {
        "reason": reason,
        "basis": basis,
        "identity": identity_note,
        "missing": missing,
        "papers_due_at": due.isoformat() if due else None,
    }


def _approve(application, actor, role, data, now):
    note = data.text("note", max_length=1000)
    data.check()
    declared = application.hardship_declared or application.papers.filter(kind=PaperKind.HARDSHIP).exists()
    if not application.means_exempt and not declared:
        raise ValidationError(_("申请人尚未说明经济困难状况（未免予审查），请先一次性告知补充材料"))
    application.decided_at = application.approved_at = now
    application.decided_by = actor
    transaction.on_commit(
        lambda: _tell_applicant(application, _("申请 %(number)s：决定给予法律援助") % {"number": application.number})
    )
    return {"_note": note}


def _refuse(application, actor, role, data, now):
    reason = data.choice("reason", RefusalReason, required=_("请选择不予援助的理由"))
    note = data.text("note", required=_("请写明不予援助的具体理由，将载入书面决定"), max_length=2000)
    data.check()
    application.refusal_reason, application.refusal_note = reason, note
    application.decided_at, application.decided_by = now, actor
    transaction.on_commit(
        lambda: _tell_applicant(
            application,
            _("申请 %(number)s：决定不予法律援助，可于收到决定后提出异议") % {"number": application.number},
        )
    )
    return {"reason": reason, "_note": note}


def _object(application, actor, role, data, now):
    reason = data.text("reason", required=_("请说明异议理由"), max_length=2000)
    received = _closing_day(data, "received_on", now, not_before=application.decided_at)
    if role != Role.LEGAL_AID_COORDINATOR:
        received = now  # only the centre records a written objection received earlier
    data.check()
    if Objection.objects.filter(application=application).exists():
        raise ActionNotAllowed(_("对不予援助的决定只能提出一次异议"))
    due = clocks.objection_due(received)
    objection = Objection.objects.create(
        application=application, reason=reason, received_at=received, recorded_by=actor, due_at=due
    )
    clocks.start(objection, clocks.OBJECTION_STAGE, received, due, now)
    transaction.on_commit(
        lambda: _tell_role(
            (Role.LEGAL_AID_COORDINATOR, Role.SUPERVISOR),
            _("申请 %(number)s 的异议待审查，%(due)s 前作出决定") % {"number": application.number, "due": _day(due)},
            reason[:200],
            application,
        )
    )
    return {"due_at": due.isoformat(), "_note": reason}


def _review_objection(result):
    def effect(application, actor, role, data, now):
        note = data.text("note", required=_("请写明审查意见"), max_length=2000)
        data.check()
        objection = Objection.objects.select_for_update().get(application=application)
        objection.result, objection.review_note = result, note
        objection.reviewed_by, objection.reviewed_at = actor, now
        objection.save(update_fields=["result", "review_note", "reviewed_by", "reviewed_at"])
        clocks.stop(objection, now)
        if result == Objection.Result.CORRECTED:
            application.decided_at = application.approved_at = now
            application.decided_by = actor
            title = _("申请 %(number)s 异议成立，决定给予法律援助")
        else:
            title = _("申请 %(number)s 异议审查：维持不予援助的决定")
        transaction.on_commit(lambda: _tell_applicant(application, title % {"number": application.number}))
        return {"result": result, "on_time": now <= objection.due_at, "_note": note}

    return effect


def _withdraw(application, actor, role, data, now):
    required = _("请说明撤回原因") if role == Role.LEGAL_AID_COORDINATOR else None
    reason = data.text("reason", required=required, max_length=300)
    data.check()
    application.withdrawn_at = now
    application.withdraw_reason = reason or _("申请人撤回")
    papers_request = _papers_request(application)
    if papers_request is not None and papers_request.is_pending:
        clocks.stop(papers_request, now)
    return {"_note": application.withdraw_reason}


# ---------------------------------------------------------------- assignment


def suggest(application):
    """The rotation for this application as it stands (read only)."""
    return rotation.rotation(application)


def _assign(application, actor, role, data, now):
    lawyers = Lawyer.objects.select_related("firm", "user")
    chosen = data.one("lawyer", lawyers, invalid=_("请选择有效的律师"))
    override_reason = data.text("override_reason", max_length=300)
    data.check()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ROTATION_LOCK])
    turn = rotation.rotation(application)
    suggested = turn.suggestion.lawyer if turn.suggestion else None
    chosen = chosen or suggested
    if chosen is None:
        raise ValidationError({"lawyer": _("轮候范围内没有可指派的律师，请检查律师库的专业领域和在册状态")})
    _check_assignable(application, chosen, turn)
    overridden = suggested is None or chosen.pk != suggested.pk
    if overridden and not override_reason:
        raise ValidationError({"override_reason": _("未按轮候建议指派，请说明理由（将记入审计）")})
    due = clocks.agreement_due(now)
    assignment = Assignment.objects.create(
        application=application,
        lawyer=chosen,
        suggested=suggested,
        override_reason=override_reason if overridden else "",
        assigned_at=now,
        assigned_by=actor,
        agreement_due_at=due,
    )
    clocks.start(assignment, clocks.AGREEMENT_STAGE, now, due, now)
    passed = rotation.skips(turn, chosen, override_reason=override_reason)
    RotationSkip.objects.bulk_create(
        RotationSkip(
            application=application, assignment=assignment, lawyer=lawyer, reason=reason, note=note, created_at=now
        )
        for lawyer, reason, note in passed
    )
    on_time = application.due_at is None or now <= application.due_at
    application.lawyer = chosen
    application.first_assigned_at = application.first_assigned_at or now
    transaction.on_commit(lambda: _tell_assigned(application, chosen, due))
    result = {
        "lawyer": chosen.pk,
        "lawyer_name": chosen.name,
        "firm": chosen.firm.name,
        "suggested": suggested.pk if suggested else None,
        "overridden": overridden,
        "skips": [{"lawyer": lawyer.pk, "name": lawyer.name, "reason": reason} for lawyer, reason, _note in passed],
        "on_time": on_time,
        "green_channel": application.green_channel,
    }
    if overridden:
        result["override_reason"] = override_reason
        result["_note"] = _("未按轮候建议指派：%(reason)s") % {"reason": override_reason}
    return result


def _check_assignable(application, lawyer, turn):
    matter_type = application.matter_type
    if lawyer.status != Lawyer.Status.ACTIVE or not lawyer.firm.active:
        raise ValidationError({"lawyer": _("该律师暂停指派或所在律所不在册")})
    if lawyer.years_of_practice < matter_type.min_years:
        raise ValidationError(
            {"lawyer": _("本事项须由执业 %(years)s 年以上的律师承办") % {"years": matter_type.min_years}}
        )
    position = turn.position_of(lawyer)
    candidate = turn.candidates[position] if position is not None else None
    conflict = candidate.conflict if candidate else rotation.firm_in_conflict(application, lawyer.firm)
    if conflict:
        raise ValidationError({"lawyer": _("利益冲突，不能指派：%(why)s") % {"why": conflict}})
    if candidate and candidate.excluded:
        raise ValidationError({"lawyer": _("该律师已不能承办本案（曾拒绝或被更换）")})
    if candidate is None and application.assignments.filter(lawyer=lawyer).exists():
        raise ValidationError({"lawyer": _("该律师已不能承办本案（曾拒绝或被更换）")})


def _active_assignment(application):
    assignment = (
        Assignment.objects.select_for_update().filter(application=application, status__in=ACTIVE_ASSIGNMENT).first()
    )
    if assignment is None:
        raise ActionNotAllowed(_("本申请没有在办的指派"))
    return assignment


def _accept(application, actor, role, data, now):
    data.check()
    assignment = _active_assignment(application)
    assignment.status, assignment.accepted_at = Assignment.Status.ACCEPTED, now
    assignment.save(update_fields=["status", "accepted_at"])
    transaction.on_commit(
        lambda: _tell_applicant(
            application,
            _("申请 %(number)s：%(lawyer)s律师已确认承办")
            % {"number": application.number, "lawyer": assignment.lawyer.name},
        )
    )
    return {"lawyer": assignment.lawyer_id}


def _end_assignment(application, status, reason, now):
    assignment = _active_assignment(application)
    assignment.status, assignment.ended_at, assignment.end_reason = status, now, reason
    assignment.save(update_fields=["status", "ended_at", "end_reason"])
    clocks.stop(assignment, now)
    application.lawyer = None
    return assignment


def _decline(application, actor, role, data, now):
    reason = data.text("reason", required=_("请说明不能承办的理由"), max_length=300)
    data.check()
    assignment = _end_assignment(application, Assignment.Status.DECLINED, reason, now)
    transaction.on_commit(
        lambda: _tell_role(
            (Role.LEGAL_AID_COORDINATOR,),
            _("申请 %(number)s：律师不能承办，请重新指派") % {"number": application.number},
            reason,
            application,
        )
    )
    return {"lawyer": assignment.lawyer_id, "_note": reason}


def _change_lawyer(application, actor, role, data, now):
    reason = data.text("reason", required=_("请说明更换律师的理由"), max_length=300)
    data.check()
    assignment = _end_assignment(application, Assignment.Status.REPLACED, reason, now)
    lawyer_user = assignment.lawyer.user
    transaction.on_commit(
        lambda: _tell_role(
            (Role.LEGAL_AID_COORDINATOR,),
            _("申请 %(number)s：申请人要求更换律师，请重新指派") % {"number": application.number},
            reason,
            application,
            also=[lawyer_user],
        )
    )
    return {"lawyer": assignment.lawyer_id, "_note": reason}


def _sign_agreement(application, actor, role, data, now):
    assignment = _active_assignment(application)
    signed = _closing_day(data, "signed_on", now, not_before=assignment.assigned_at)
    data.check()
    if assignment.agreement_signed_at is not None:
        raise ActionNotAllowed(_("委托协议已登记"))
    assignment.agreement_signed_at = signed
    assignment.save(update_fields=["agreement_signed_at"])
    clocks.stop(assignment, now)
    return {"signed_at": signed.isoformat(), "on_time": signed <= assignment.agreement_due_at}


def _record_progress(application, actor, role, data, now):
    kind = data.choice("kind", ProgressNote.Kind, required=_("请选择进展类别"))
    happened = _closing_day(data, "happened_on", now)
    note = data.text("note", required=_("请填写办案进展"), max_length=3000)
    data.check()
    ProgressNote.objects.create(
        application=application,
        kind=kind,
        happened_on=timezone.localdate(happened),
        note=note,
        recorded_by=actor,
        recorded_at=now,
    )
    return {"kind": kind, "_note": note}


def _close(application, actor, role, data, now):
    outcome = data.choice("outcome", Outcome, required=_("请选择案件结果"))
    report = data.text("report", required=_("结案须提交结案报告"), max_length=10000)
    data.check()
    assignment = _active_assignment(application)
    assignment.status, assignment.ended_at, assignment.end_reason = Assignment.Status.COMPLETED, now, _("结案")
    assignment.save(update_fields=["status", "ended_at", "end_reason"])
    clocks.stop(assignment, now)
    application.outcome, application.closing_report, application.closed_at = outcome, report, now
    transaction.on_commit(
        lambda: _tell_role(
            (Role.LEGAL_AID_COORDINATOR,),
            _("申请 %(number)s 已结案，待回访") % {"number": application.number},
            "",
            application,
        )
    )
    return {"outcome": outcome}


def _follow_up(application, actor, role, data, now):
    method = data.choice("method", FollowUpVisit.Method, required=_("请选择回访方式"))
    satisfaction = data.integer("satisfaction", low=1, high=5, required=_("请记录满意度（1-5）"))
    note = data.text("note", max_length=2000)
    data.check()
    if FollowUpVisit.objects.filter(application=application).exists():
        raise ActionNotAllowed(_("本案已回访"))
    FollowUpVisit.objects.create(
        application=application, method=method, satisfaction=satisfaction, note=note, visited_by=actor, visited_at=now
    )
    return {"satisfaction": satisfaction, "method": method, "_note": note}


_EFFECTS = {
    "request_papers": _request_papers,
    "supply_papers": _supply_papers,
    "fast_track": _fast_track,
    "approve": _approve,
    "refuse": _refuse,
    "object": _object,
    "uphold_refusal": _review_objection(Objection.Result.UPHELD),
    "correct_refusal": _review_objection(Objection.Result.CORRECTED),
    "assign": _assign,
    "accept": _accept,
    "decline": _decline,
    "sign_agreement": _sign_agreement,
    "record_progress": _record_progress,
    "change_lawyer": _change_lawyer,
    "close": _close,
    "follow_up": _follow_up,
    "withdraw": _withdraw,
}
assert set(_EFFECTS) == set(TRANSITIONS), "every transition needs an effect"


# ---------------------------------------------------------------- notifications


def _day(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d}"


def staff_link(application):
    return reverse("legalaid:application", args=[application.pk])


def applicant_link(application):
    return reverse("legalaid:my_application", args=[application.pk])


def role_members(*roles):
    from accounts.models import User

    return User.objects.filter(groups__in=Group.objects.filter(name__in=roles), is_active=True).distinct()


def _tell_role(roles, title, body, application, *, also=()):
    notify([*role_members(*roles), *also], title, body, staff_link(application))


def _tell_applicant(application, title):
    if application.applicant_id:
        notify([application.applicant], title, application.matter_type.name, applicant_link(application))


def _tell_new(application):
    if application.state == ApplicationState.APPROVED:
        title = _("公检法通知指派：%(number)s，3 日内指派律师") % {"number": application.number}
    elif application.green_eligible:
        title = _("【绿色通道】新法律援助申请 %(number)s，请尽快核验身份") % {"number": application.number}
    else:
        title = _("新法律援助申请 %(number)s") % {"number": application.number}
    _tell_role((Role.LEGAL_AID_COORDINATOR,), title, application.matter_type.name, application)


def _tell_assigned(application, lawyer, agreement_due):
    if lawyer.user_id:
        notify(
            [lawyer.user],
            _("新指派的法律援助案件 %(number)s，请确认承办") % {"number": application.number},
            _("请于 %(due)s 前与受援人签订委托协议") % {"due": _day(agreement_due)},
            staff_link(application),
        )
    _tell_applicant(
        application,
        _("申请 %(number)s 已指派%(lawyer)s律师（%(firm)s）")
        % {"number": application.number, "lawyer": lawyer.name, "firm": lawyer.firm.name},
    )


def _tell_papers_complete(application):
    application.refresh_from_db(fields=["lawyer"])
    also = [application.lawyer.user] if application.lawyer_id and application.lawyer.user_id else []
    _tell_role(
        (Role.LEGAL_AID_COORDINATOR,),
        _("申请 %(number)s 的材料已补齐") % {"number": application.number},
        "",
        application,
        also=also,
    )


def _tell_papers_overdue(application, title):
    _tell_applicant(application, _("请尽快补交申请 %(number)s 的材料") % {"number": application.number})
    _tell_role((Role.LEGAL_AID_COORDINATOR,), title, _("请联系申请人补交"), application)
