"""Every change to a dispute goes through here: one transaction that checks permission and
state against mediation.workflow, writes the change and its DisputeEvent together, and
queues notifications on commit. Web views, the API and the demo all call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.scopes import officer_works_in
from gaoxin.inputs import valid_phone
from mediation import clocks
from mediation.errors import ActionNotAllowed
from mediation.inputs import Input, valid_id_number
from mediation.models import (
    Agreement,
    Committee,
    CommitteeMembership,
    CouncilInvitation,
    CouncilMember,
    Dispute,
    DisputeDaySequence,
    DisputeDocument,
    DisputeEvent,
    DisputeSource,
    DisputeState,
    DisputeType,
    FollowUp,
    MediationSession,
    OtherRoute,
    Party,
    PerformanceRecord,
)
from mediation.workflow import COUNCIL, OUTCOME_OF_STATE, STAY, TRANSITIONS, Scope
from notifications.services import notify

PUBLIC_ACTOR = "public"
# Posts at the command centre that may refer a case of the seven-step loop to mediation.
CASE_REFERRERS = (Role.INTAKE_CLERK, Role.DUTY_CHIEF, Role.DISPATCHER)
_STAFF_SOURCES = {
    DisputeSource.DESK: (Role.MEDIATOR,),
    DisputeSource.COMMITTEE: (Role.MEDIATOR,),
    DisputeSource.POLICE: (Role.MEDIATOR,),
    DisputeSource.COURT: (Role.MEDIATOR,),
    DisputeSource.HOTLINE: (Role.MEDIATOR, *CASE_REFERRERS),
    DisputeSource.CASE: (Role.MEDIATOR, *CASE_REFERRERS),
    DisputeSource.GRID_OFFICER: (Role.GRID_OFFICER,),
    # A community legal adviser (a lawyer with an adviser profile) refers from a
    # consultation through legalaid.advisers; a mediator may register one phoned in.
    DisputeSource.ADVISER: (Role.MEDIATOR, Role.LAWYER),
}
_REFERRAL_ORG_REQUIRED = {DisputeSource.POLICE, DisputeSource.COURT, DisputeSource.ADVISER}
# Further conditions on the actors of a source, from the app that knows them (legal aid
# knows who is a community legal adviser; mediation does not import legal aid).
_source_conditions = {}


def require_for_source(source, condition):
    """Only actors for whom `condition(actor)` holds may register `source` (mediators
    always may). Called from another app's AppConfig.ready."""
    _source_conditions[source] = condition


# ---------------------------------------------------------------- intake


def register(*, actor, at=None, **params):
    """Register a new dispute; returns it in state `registered`, routed to a committee.

    params: source, dispute_type, summary, claims, parties (a list of dicts with side,
    kind, name, id_number, phone, address, representative), community, grid, address,
    contact_phone, committee, case, referral_org, referral_number, criminal_risk.
    Who may register which source: anyone applies online (`resident_online`), mediators
    register at the desk, on the committee's own initiative and referrals, grid officers
    report from their grids, command-centre posts refer hotline calls and cases, community
    legal advisers (lawyers) refer from a consultation (`adviser`).
    """
    now = at or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    data = Input(params)
    source = data.choice("source", DisputeSource, required=_("请选择纠纷来源"))
    dispute_type = data.choice("dispute_type", DisputeType, required=_("请选择纠纷类型"))
    summary = data.text("summary", required=_("请简述纠纷情况"), max_length=5000)
    claims = data.text("claims", max_length=2000)
    address = data.text("address", max_length=200)
    referral_org = data.text("referral_org", max_length=100)
    referral_number = data.text("referral_number", max_length=100)
    criminal_risk = data.boolean("criminal_risk")
    parties = _clean_parties(data)
    case = _clean_case(data, source)
    grid = data.one("grid", _grids(), invalid=_("请选择有效的网格"))
    community = data.one("community", _communities(), invalid=_("请选择有效的社区"))
    community = community or (grid.community if grid else None) or (case.community if case else None)
    grid = grid or (case.grid if case else None)
    if community is None:
        data.error("community", _("请选择纠纷所在社区"))
    elif grid is not None and grid.community_id != community.pk:
        data.error("grid", _("网格不属于所选社区"))
    committee = data.one("committee", Committee.objects.filter(active=True), invalid=_("请选择有效的调解组织"))
    applicant_phone = next((p["phone"] for p in parties if p["side"] == Party.Side.APPLICANT and p["phone"]), "")
    contact_phone = data.text("contact_phone") or applicant_phone or (actor.phone if actor else "")
    if not contact_phone:
        data.error("contact_phone", _("请留下联系电话，以便凭编号查询办理进度"))
    elif not valid_phone(contact_phone):
        data.error("contact_phone", _("请输入有效的电话号码"))
    if source:
        _check_source(data, actor, source, grid, referral_org)
    if source == DisputeSource.RESIDENT_ONLINE:
        criminal_risk = False  # staff judge the risk, not the form
    data.check()
    committee = committee or _route(source, community)
    if committee is None:
        raise ValidationError({"committee": _("尚未设立可受理的调解组织，请联系管理员")})

    with transaction.atomic():
        dispute = Dispute.objects.create(
            number=_next_number(now),
            source=source,
            referral_org=referral_org or (_("12345热线") if source == DisputeSource.HOTLINE else ""),
            referral_number=referral_number or (case.number if case else ""),
            case=case,
            dispute_type=dispute_type,
            summary=summary,
            claims=claims,
            community=community,
            grid=grid,
            address=address,
            committee=committee,
            applicant=actor if source == DisputeSource.RESIDENT_ONLINE else None,
            contact_phone=contact_phone,
            registered_by=actor,
            state=DisputeState.REGISTERED,
            criminal_risk=criminal_risk,
            registered_at=now,
        )
        Party.objects.bulk_create(
            Party(
                dispute=dispute,
                order=index,
                user=actor if source == DisputeSource.RESIDENT_ONLINE and index == 0 else None,
                **party,
            )
            for index, party in enumerate(parties)
        )
        clocks.enter_state(dispute, now)
        dispute.save(update_fields=["due_at"])
        clocks.sync_dispute(dispute, now)
        event_data = {"source": source, "committee": committee.pk}
        if case:
            event_data["case"] = case.number
        DisputeEvent.record(dispute, "register", actor, _role_of(actor), "", dispute.state, now, data=event_data)
    transaction.on_commit(lambda: _tell_committee(dispute, _("新纠纷待受理：%(number)s") % {"number": dispute.number}))
    if criminal_risk:
        transaction.on_commit(lambda: _tell_heads_of_criminal_risk(dispute))
    return dispute


def _clean_parties(data):
    rows = data.raw("parties") or []
    parties, errors = [], []
    for index, row in enumerate(rows):
        party = {
            "side": row.get("side") or "",
            "kind": row.get("kind") or Party.Kind.PERSON,
            "name": (row.get("name") or "").strip(),
            "id_number": (row.get("id_number") or "").strip().upper(),
            "phone": (row.get("phone") or "").strip(),
            "address": (row.get("address") or "").strip()[:200],
            "representative": (row.get("representative") or "").strip()[:100],
        }
        # Each problem names its party (params "index") and field (code), so a form can
        # show it next to that party's field.
        label = {"party": _("第 %(n)s 位当事人") % {"n": index + 1}, "index": index}
        if not party["name"]:
            errors.append(ValidationError(_("%(party)s：请填写姓名或名称"), code="name", params=label))
        elif len(party["name"]) > 100:
            errors.append(ValidationError(_("%(party)s：姓名或名称过长"), code="name", params=label))
        if party["side"] not in Party.Side.values or party["kind"] not in Party.Kind.values:
            errors.append(ValidationError(_("%(party)s：身份或类型无效"), code="kind", params=label))
        if party["phone"] and not valid_phone(party["phone"]):
            errors.append(ValidationError(_("%(party)s：电话号码无效"), code="phone", params=label))
        if party["id_number"] and not valid_id_number(party["id_number"]):
            errors.append(ValidationError(_("%(party)s：证件号码应为 15 或 18 位"), code="id_number", params=label))
        parties.append(party)
    sides = {p["side"] for p in parties}
    if not errors and not {Party.Side.APPLICANT, Party.Side.RESPONDENT} <= sides:
        errors.append(ValidationError(_("请至少填写申请人和被申请人各一方"), code="sides"))
    if errors:
        data.error("parties", errors)
    return parties


def _clean_case(data, source):
    from cases.models import Case  # read-only: the case stays in the seven-step loop

    value = data.raw("case")
    if value in (None, ""):
        if source == DisputeSource.CASE:
            data.error("case", _("请填写转办的网格案件编号"))
        return None
    if isinstance(value, Case):
        return value
    case = Case.objects.select_related("grid", "community").filter(number=str(value).strip()).first()
    if case is None and str(value).isdigit():
        case = Case.objects.select_related("grid", "community").filter(pk=value).first()
    if case is None:
        data.error("case", _("找不到该案件"))
    return case


def _check_source(data, actor, source, grid, referral_org):
    if source == DisputeSource.RESIDENT_ONLINE:
        if actor is not None and not actor.has_role(Role.RESIDENT):
            data.error("source", _("工作人员请以窗口登记或转办方式登记纠纷"))
        return
    roles = _STAFF_SOURCES[source]
    condition = _source_conditions.get(source)
    allowed = actor is not None and actor.has_role(*roles)
    if allowed and condition is not None and not actor.has_role(Role.MEDIATOR):
        allowed = condition(actor)
    if not allowed:
        raise PermissionDenied(_("您无权以“%(source)s”方式登记纠纷") % {"source": DisputeSource(source).label})
    if source == DisputeSource.GRID_OFFICER:
        if grid is None:
            data.error("grid", _("请选择您负责的网格"))
        elif not officer_works_in(actor, grid.pk):
            data.error("grid", _("只能上报本人负责网格内的纠纷"))
    if source in _REFERRAL_ORG_REQUIRED and not referral_org:
        data.error("referral_org", _("请填写移送或委托单位"))


def _route(source, community):
    """The committee that receives a new dispute: the police station's room for police
    referrals, else the community's committee, else the district studio."""
    committees = Committee.objects.filter(active=True)
    if source == DisputeSource.POLICE:
        police_room = committees.filter(kind=Committee.Kind.POLICE).order_by("pk").first()
        if police_room:
            return police_room
    local = committees.filter(kind=Committee.Kind.COMMUNITY, community=community).order_by("pk").first()
    studio = committees.filter(kind=Committee.Kind.STUDIO).order_by("pk").first()
    return local or studio or committees.order_by("pk").first()


def _next_number(now) -> str:
    day = timezone.localdate(now)
    return f"TJ{day:%Y%m%d}{DisputeDaySequence.next_number(day):04d}"


def _grids():
    from grid.models import Grid

    return Grid.objects.select_related("community")


def _communities():
    from grid.models import Community

    return Community.objects.all()


# ---------------------------------------------------------------- workflow actions


def act(dispute, action, actor, *, at=None, **params):
    """Take a workflow action on a dispute; returns the updated dispute.

    Raises PermissionDenied (403) when the actor may not take this action on this dispute,
    ActionNotAllowed (409) when its state does not allow it, ValidationError (400) for bad
    input. The row lock makes two people acting at once run one after the other.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("未知的操作：%(action)s") % {"action": action}})
    now = at or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=getattr(dispute, "pk", dispute))
        role = authorise(actor, dispute, transition)
        if dispute.state not in transition.sources:
            raise ActionNotAllowed(
                _("纠纷当前状态为“%(state)s”，不能%(action)s")
                % {"state": dispute.get_state_display(), "action": transition.label}
            )
        before = dispute.state
        data = Input(params)
        event_data = _EFFECTS[action](dispute, actor, data, now) or {}
        if transition.target != STAY:
            dispute.state = transition.target
        if dispute.state in OUTCOME_OF_STATE and before not in OUTCOME_OF_STATE:
            _conclude(dispute, now)
        if dispute.state != before:
            clocks.enter_state(dispute, now)
        dispute.save()
        clocks.sync_dispute(dispute, now)
        note = event_data.pop("_note", "")
        DisputeEvent.record(dispute, action, actor, role, before, dispute.state, now, note=note, data=event_data)
    return dispute


def authorise(actor, dispute, transition) -> str:
    """The role under which `actor` may take `transition` on `dispute`, else PermissionDenied."""
    if actor is not None:
        for role, scope in transition.actors.items():
            holds = is_council_member(actor) if role == COUNCIL else actor.has_role(role)
            if holds and _in_scope(actor, dispute, scope):
                return role
    raise PermissionDenied(_("您无权对该纠纷执行“%(action)s”") % {"action": transition.label})


def available_actions(dispute, user):
    """The transitions this user may take on this dispute now (for buttons and API hints)."""
    if not user.is_authenticated:
        return []
    council = is_council_member(user)
    scopes = {scope: _in_scope(user, dispute, scope) for scope in Scope}

    def may(transition):
        return any(
            (council if role == COUNCIL else user.has_role(role)) and scopes[scope]
            for role, scope in transition.actors.items()
        )

    return [
        transition
        for transition in TRANSITIONS.values()
        if dispute.state in transition.sources and may(transition) and _worth_offering(dispute, transition.action, user)
    ]


def _worth_offering(dispute, action, user) -> bool:
    """Hide actions whose precondition is plainly unmet, so pages offer only what works."""
    agreement = getattr(dispute, "agreement", None) if dispute.state in OUTCOME_OF_STATE else None
    if action == "give_rights_notice":
        return dispute.rights_notice_at is None
    if action == "record_session" or action == "cancel_session":
        return any(s.status == MediationSession.Status.SCHEDULED for s in dispute.sessions.all())
    if action == "apply_confirmation":
        return agreement is not None and agreement.confirmation_applied_at is None
    if action == "record_confirmation":
        return (
            agreement is not None
            and agreement.confirmation_applied_at is not None
            and not agreement.confirmation_result
        )
    if action == "record_follow_up":
        return any(f.status == FollowUp.Status.SCHEDULED for f in dispute.follow_ups.all())
    if action == "respond_invitation":
        awaiting = CouncilInvitation.Status.AWAITING
        return any(i.member.user_id == user.pk and i.status == awaiting for i in dispute.invitations.all())
    if action == "transfer":
        return Committee.objects.filter(active=True).exclude(pk=dispute.committee_id).exists()
    return True


def is_council_member(user) -> bool:
    return user.is_authenticated and CouncilMember.objects.filter(user=user, active=True).exists()


def _in_scope(actor, dispute, scope) -> bool:
    if scope is Scope.COMMITTEE:
        return CommitteeMembership.objects.filter(committee_id=dispute.committee_id, user=actor).exists()
    if scope is Scope.INVITED:
        return dispute.invitations.filter(member__user=actor, member__active=True).exists()
    return dispute.applicant_id is not None and dispute.applicant_id == actor.pk


def _role_of(actor):
    if actor is None:
        return PUBLIC_ACTOR
    return next(iter(sorted(actor.roles)), "")


def _conclude(dispute, now):
    dispute.outcome = OUTCOME_OF_STATE[dispute.state]
    dispute.concluded_at = now
    dispute.sessions.filter(status=MediationSession.Status.SCHEDULED).update(
        status=MediationSession.Status.CANCELLED, cancel_reason=_("调解已终结")
    )
    transaction.on_commit(
        lambda: _tell_applicant(dispute, _("您的调解申请 %(number)s 已办结") % {"number": dispute.number})
    )


# ---------------------------------------------------------------- what each action does


def _committee_mediators(dispute):
    return User.objects.filter(
        mediation_memberships__committee_id=dispute.committee_id, groups__name=Role.MEDIATOR, is_active=True
    ).distinct()


def _accept(dispute, actor, data, now):
    lead = data.one(
        "lead_mediator",
        _committee_mediators(dispute),
        default=actor,
        invalid=_("主调解员须为本调解组织的调解员"),
    )
    chosen = data.boolean("chosen_by_parties")
    note = data.text("note", max_length=500)
    data.check()
    dispute.lead_mediator, dispute.lead_chosen_by_parties = lead, chosen
    dispute.accepted_at = now
    transaction.on_commit(
        lambda: _tell_lead(dispute, _("您被指定为纠纷 %(number)s 的主调解员") % {"number": dispute.number})
    )
    transaction.on_commit(
        lambda: _tell_applicant(dispute, _("您的调解申请 %(number)s 已受理") % {"number": dispute.number})
    )
    return {"lead_mediator": lead.pk, "lead_name": lead.display_name, "chosen_by_parties": chosen, "_note": note}


def _transfer(dispute, actor, data, now):
    committee = data.one(
        "committee",
        Committee.objects.filter(active=True).exclude(pk=dispute.committee_id),
        required=_("请选择移交的调解组织"),
    )
    note = data.text("note", required=_("请说明移交原因"), max_length=500)
    data.check()
    previous = dispute.committee.name
    dispute.committee = committee
    dispute.lead_mediator, dispute.accepted_at = None, None
    transaction.on_commit(
        lambda: _tell_committee(dispute, _("移交纠纷待受理：%(number)s") % {"number": dispute.number})
    )
    return {"from": previous, "to": committee.name, "_note": note}


def _reassign(dispute, actor, data, now):
    lead = data.one(
        "lead_mediator",
        _committee_mediators(dispute).exclude(pk=dispute.lead_mediator_id),
        required=_("请选择新的主调解员"),
        invalid=_("主调解员须为本调解组织的其他调解员"),
    )
    chosen = data.boolean("chosen_by_parties")
    note = data.text("note", required=_("请说明更换原因（如当事人要求更换）"), max_length=500)
    data.check()
    dispute.lead_mediator, dispute.lead_chosen_by_parties = lead, chosen
    transaction.on_commit(
        lambda: _tell_lead(dispute, _("您被指定为纠纷 %(number)s 的主调解员") % {"number": dispute.number})
    )
    return {"lead_mediator": lead.pk, "lead_name": lead.display_name, "chosen_by_parties": chosen, "_note": note}


def _flag_police(dispute, actor, data, now):
    note = data.text("note", required=_("请记录报告的公安机关及方式"), max_length=500)
    data.check()
    dispute.criminal_risk = True
    dispute.police_notified_at, dispute.police_note = now, note
    transaction.on_commit(lambda: _tell_heads_of_criminal_risk(dispute))
    return {"_note": note}


def _give_rights_notice(dispute, actor, data, now):
    method = data.text("method") or "written"
    note = data.text("note", max_length=500)
    if method not in ("written", "oral"):
        data.error("method", _("无效的选项"))
    data.check()
    if dispute.rights_notice_at is not None:
        raise ActionNotAllowed(_("已告知当事人权利义务"))
    dispute.rights_notice_at, dispute.rights_notice_by, dispute.rights_notice_method = now, actor, method
    return {"method": method, "_note": note}


def _invite_council(dispute, actor, data, now):
    member = data.one(
        "member",
        CouncilMember.objects.filter(active=True).select_related("user"),
        required=_("请选择议事会成员"),
    )
    parties = list(dispute.parties.all())
    consenting = data.many("consenting_parties", dispute.parties.all(), invalid=_("当事人选择无效"))
    consent_note = data.text("consent_note", max_length=300)
    reason = data.text("reason", max_length=500)
    if member is not None and not member.available:
        data.error("member", _("该成员目前不接受邀请"))
    missing = [p.name for p in parties if p not in consenting]
    if missing:
        data.error(
            "consenting_parties",
            _("邀请议事会成员须征得全体当事人同意，尚未同意：%(names)s") % {"names": "、".join(missing)},
        )
    elif not consent_note:
        data.error("consent_note", _("请记录当事人同意的方式"))
    data.check()
    if dispute.invitations.filter(member=member).exists():
        raise ActionNotAllowed(_("已邀请过该成员"))
    invitation = CouncilInvitation.objects.create(
        dispute=dispute, member=member, reason=reason, invited_by=actor, invited_at=now, consent_note=consent_note
    )
    invitation.consented_parties.set(consenting)
    link = reverse("mediation:council")
    transaction.on_commit(
        lambda: notify(
            [member.user], _("调解邀请：%(number)s") % {"number": dispute.number}, reason or dispute.summary[:200], link
        )
    )
    return {
        "invitation": invitation.pk,
        "member": member.pk,
        "member_name": member.user.display_name,
        "consenting_parties": [p.pk for p in consenting],
        "_note": consent_note,
    }


def _schedule_session(dispute, actor, data, now):
    scheduled_at = data.moment("scheduled_at", required=_("请选择调解时间"))
    place = data.text("place", required=_("请填写调解地点"), max_length=200)
    is_public = data.boolean("is_public")
    mediators = data.many("mediators", _committee_mediators(dispute), invalid=_("调解员须为本调解组织成员"))
    council = data.many(
        "council_members",
        CouncilMember.objects.filter(
            pk__in=dispute.invitations.exclude(status=CouncilInvitation.Status.DECLINED).values("member_id")
        ),
        invalid=_("议事会成员须经当事人同意邀请且未谢绝邀请"),
    )
    note = data.text("note", max_length=500)
    data.check()
    mediators = mediators or [dispute.lead_mediator or actor]
    sequence = (dispute.sessions.aggregate(last=Max("sequence"))["last"] or 0) + 1
    session = MediationSession.objects.create(
        dispute=dispute,
        sequence=sequence,
        scheduled_at=scheduled_at,
        place=place,
        is_public=is_public,
        created_by=actor,
    )
    session.mediators.set(mediators)
    session.council_members.set(council)
    when = timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M")
    title = _("调解安排：%(number)s，%(when)s，%(place)s") % {"number": dispute.number, "when": when, "place": place}
    people = [*mediators, *(member.user for member in council)]
    transaction.on_commit(
        lambda: notify([p for p in people if p != actor], title, dispute.summary[:200], _link(dispute))
    )
    transaction.on_commit(lambda: _tell_applicant(dispute, title))
    return {
        "session": session.pk,
        "sequence": sequence,
        "scheduled_at": scheduled_at.isoformat(),
        "place": place,
        "is_public": is_public,
        "council_members": [m.pk for m in council],
        "_note": note,
    }


def _scheduled_session(dispute, data):
    scheduled = dispute.sessions.filter(status=MediationSession.Status.SCHEDULED)
    return data.one(
        "session",
        scheduled,
        default=scheduled.order_by("scheduled_at", "sequence").first(),
        required=_("请选择调解会"),
        invalid=_("请选择本纠纷尚未举行的调解会"),
    )


def _cancel_session(dispute, actor, data, now):
    session = _scheduled_session(dispute, data)
    note = data.text("note", required=_("请说明取消原因"), max_length=300)
    data.check()
    session.status, session.cancel_reason = MediationSession.Status.CANCELLED, note
    session.save(update_fields=["status", "cancel_reason"])
    return {"session": session.pk, "sequence": session.sequence, "_note": note}


def _record_session(dispute, actor, data, now):
    session = _scheduled_session(dispute, data)
    attended = data.many("attended_parties", dispute.parties.all(), required=_("请选择到场的当事人"))
    council_present = data.many(
        "attended_council",
        session.council_members.all() if session else CouncilMember.objects.none(),
        invalid=_("只能选择本次调解会邀请的议事会成员"),
    )
    others = data.text("others_present", max_length=300)
    summary = data.text("summary", required=_("请简要记录调解经过"), max_length=10000)
    next_steps = data.text("next_steps", max_length=2000)
    data.check()
    if dispute.rights_notice_at is None:
        raise ActionNotAllowed(_("首次调解前须先告知当事人权利义务"))
    session.status = MediationSession.Status.HELD
    session.others_present, session.summary, session.next_steps = others, summary, next_steps
    session.recorded_by, session.recorded_at = actor, now
    session.save()
    session.attended_parties.set(attended)
    session.attended_council.set(council_present)
    if dispute.first_session_at is None:
        dispute.first_session_at = session.scheduled_at
    return {
        "session": session.pk,
        "sequence": session.sequence,
        "attended_parties": [p.pk for p in attended],
        "attended_council": [m.pk for m in council_present],
    }


def _agree_written(dispute, actor, data, now):
    facts = data.text("facts", required=_("请写明纠纷的主要事实、争议事项及各方责任"), max_length=10000)
    obligations = data.text("obligations", required=_("请写明当事人达成的协议内容"), max_length=10000)
    method = data.text("performance_method", required=_("请写明履行方式"), max_length=300)
    place = data.text("performance_place", max_length=200)
    deadline = data.day("performance_deadline", required=_("请填写履行期限"))
    signed_at = data.moment("signed_at", default=now)
    sealed = data.boolean("sealed")
    copies = data.integer("copies", low=2, high=10) or 3
    if not sealed:
        data.error("sealed", _("书面协议须经各方当事人和调解员签名并加盖调解委员会印章"))
    if signed_at and signed_at > now:
        data.error("signed_at", _("签订时间不能晚于现在"))
    data.check()
    agreement = Agreement.objects.create(
        dispute=dispute,
        kind=Agreement.Kind.WRITTEN,
        facts=facts,
        obligations=obligations,
        performance_method=method,
        performance_place=place,
        performance_deadline=deadline,
        signed_at=signed_at,
        sealed=True,
        copies=copies,
        recorded_by=actor,
    )
    clocks.start_confirmation_window(agreement, now)
    agreement.save(update_fields=["confirmation_due_at"])
    _schedule_follow_ups(dispute, agreement, now)
    return {"agreement": agreement.pk, "confirmation_due_at": agreement.confirmation_due_at.isoformat()}


def _agree_oral(dispute, actor, data, now):
    obligations = data.text("obligations", required=_("请记录口头协议的内容"), max_length=10000)
    deadline = data.day("performance_deadline")
    method = data.text("performance_method", max_length=300)
    data.check()
    agreement = Agreement.objects.create(
        dispute=dispute,
        kind=Agreement.Kind.ORAL,
        obligations=obligations,
        performance_method=method,
        performance_deadline=deadline,
        signed_at=now,
        recorded_by=actor,
    )
    _schedule_follow_ups(dispute, agreement, now)
    return {"agreement": agreement.pk}


def _schedule_follow_ups(dispute, agreement, now):
    from django.conf import settings

    signed_on = timezone.localdate(agreement.signed_at)
    for sequence, months in enumerate(sorted(set(settings.MEDIATION_FOLLOW_UP_MONTHS)), start=1):
        follow_up = FollowUp.objects.create(
            dispute=dispute, sequence=sequence, months_after=months, due_on=clocks.add_months(signed_on, months)
        )
        clocks.start_follow_up(follow_up, agreement.signed_at, now)


def _fail(dispute, actor, data, now):
    reason = data.text("note", required=_("请说明调解不成的原因"), max_length=2000)
    routes = data.choices("other_routes", OtherRoute, required=_("请记录已告知当事人的其他解决途径"))
    routes_note = data.text("other_routes_note", max_length=500)
    data.check()
    dispute.end_reason, dispute.other_routes, dispute.other_routes_note = reason, routes, routes_note
    return {"other_routes": routes, "_note": reason}


def _refuse(dispute, actor, data, now):
    party = data.one("party", dispute.parties.all(), invalid=_("当事人选择无效"))
    reason = data.text("note", required=_("请记录当事人拒绝调解的情况"), max_length=2000)
    data.check()
    dispute.end_reason = reason
    return {"party": party.pk if party else None, "party_name": party.name if party else "", "_note": reason}


def _withdraw(dispute, actor, data, now):
    reason = data.text("note", max_length=2000)
    data.check()
    dispute.end_reason = reason
    return {"_note": reason}


def _attach(dispute, data, name, kind, title, actor, now, *, required=None):
    upload, content_type = data.upload(name, required=required)
    return upload, content_type, lambda: _save_document(dispute, kind, title, upload, content_type, actor, now)


def _save_document(dispute, kind, title, upload, content_type, actor, now):
    if upload is None:
        return None
    document = DisputeDocument(
        dispute=dispute,
        kind=kind,
        title=title,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
        uploaded_at=now,
    )
    document.file.save(upload.name, upload, save=False)
    document.save()
    return document


def _record_performance(dispute, actor, data, now):
    statuses = {c for c in Agreement.Performance.values if c != Agreement.Performance.PENDING}
    status = data.text("status")
    if status not in statuses:
        data.error("status", _("请选择履行情况"))
    note = data.text("note", max_length=2000)
    _upload, _type, save = _attach(
        dispute, data, "evidence", DisputeDocument.Kind.PERFORMANCE, _("履行凭证"), actor, now
    )
    data.check()
    agreement = dispute.agreement
    evidence = save()
    PerformanceRecord.objects.create(
        agreement=agreement, status=status, note=note, evidence=evidence, recorded_by=actor, recorded_at=now
    )
    agreement.performance_status = status
    agreement.performed_at = now if status == Agreement.Performance.PERFORMED else None
    agreement.save(update_fields=["performance_status", "performed_at"])
    return {"status": status, "evidence": evidence.pk if evidence else None, "_note": note}


def _apply_confirmation(dispute, actor, data, now):
    court = data.text("court", required=_("请填写受理的人民法院"), max_length=100)
    applied_at = data.moment("applied_at", default=now)
    joint = data.boolean("joint")
    if not joint:
        data.error("joint", _("司法确认须由双方当事人共同申请"))
    _upload, _type, save = _attach(
        dispute, data, "document", DisputeDocument.Kind.CONFIRMATION, _("司法确认申请书"), actor, now
    )
    data.check()
    agreement = dispute.agreement
    if agreement.confirmation_applied_at is not None:
        raise ActionNotAllowed(_("已登记司法确认申请"))
    if applied_at > now:
        raise ValidationError({"applied_at": _("申请时间不能晚于现在")})
    if applied_at > agreement.confirmation_due_at:
        raise ActionNotAllowed(_("已超过自协议生效之日起三十日的申请期限"))
    agreement.confirmation_applied_at, agreement.confirmation_court = applied_at, court
    agreement.save(update_fields=["confirmation_applied_at", "confirmation_court"])
    clocks.stop(agreement, now)
    document = save()
    return {"court": court, "document": document.pk if document else None}


def _record_confirmation(dispute, actor, data, now):
    result = data.choice("result", Agreement.Confirmation, required=_("请选择裁定结果"))
    decided_at = data.moment("decided_at", default=now)
    note = data.text("note", max_length=1000)
    _upload, _type, save = _attach(
        dispute, data, "document", DisputeDocument.Kind.CONFIRMATION, _("司法确认裁定书"), actor, now
    )
    data.check()
    agreement = dispute.agreement
    if agreement.confirmation_applied_at is None:
        raise ActionNotAllowed(_("尚未登记司法确认申请"))
    if agreement.confirmation_result:
        raise ActionNotAllowed(_("已登记司法确认结果"))
    agreement.confirmation_result, agreement.confirmation_decided_at = result, decided_at
    agreement.save(update_fields=["confirmation_result", "confirmation_decided_at"])
    document = save()
    return {"result": result, "document": document.pk if document else None, "_note": note}


def _record_follow_up(dispute, actor, data, now):
    pending = dispute.follow_ups.filter(status=FollowUp.Status.SCHEDULED)
    follow_up = data.one(
        "follow_up", pending, default=pending.order_by("sequence").first(), invalid=_("请选择待进行的回访")
    )
    method = data.choice("method", FollowUp.Method, required=_("请选择回访方式"))
    performed = data.choice("performed", FollowUp.Performed, required=_("请记录协议履行情况"))
    satisfaction = data.integer("satisfaction", low=1, high=5, required=_("请记录当事人满意度"))
    lawsuit = data.boolean("lawsuit")
    risk = data.choice("escalation_risk", FollowUp.Risk, required=_("请评估矛盾激化风险"))
    note = data.text("note", max_length=2000)
    visited_at = data.moment("visited_at", default=now)
    if follow_up is None and not data.errors:
        data.error("follow_up", _("没有待进行的回访"))
    data.check()
    follow_up.status = FollowUp.Status.DONE
    follow_up.visited_at, follow_up.visited_by, follow_up.method = visited_at, actor, method
    follow_up.performed, follow_up.satisfaction, follow_up.lawsuit = performed, satisfaction, lawsuit
    follow_up.escalation_risk, follow_up.note = risk, note
    follow_up.save()
    clocks.stop(follow_up, now)
    agreement = dispute.agreement
    if performed == FollowUp.Performed.YES and agreement.performance_status != Agreement.Performance.PERFORMED:
        agreement.performance_status, agreement.performed_at = Agreement.Performance.PERFORMED, now
        agreement.save(update_fields=["performance_status", "performed_at"])
        PerformanceRecord.objects.create(
            agreement=agreement,
            status=Agreement.Performance.PERFORMED,
            note=_("第 %(n)s 次回访核实已履行") % {"n": follow_up.sequence},
            recorded_by=actor,
            recorded_at=now,
        )
    if lawsuit or risk == FollowUp.Risk.HIGH:
        title = _("回访发现风险：%(number)s") % {"number": dispute.number}
        transaction.on_commit(lambda: notify(_heads(dispute), title, note[:200], _link(dispute)))
    return {
        "follow_up": follow_up.pk,
        "sequence": follow_up.sequence,
        "performed": performed,
        "satisfaction": satisfaction,
        "lawsuit": lawsuit,
        "escalation_risk": risk,
        "_note": note,
    }


def _attach_document(dispute, actor, data, now):
    kind = data.choice("kind", DisputeDocument.Kind, required=_("请选择材料类别"))
    title = data.text("title", max_length=200)
    _upload, _type, save = _attach(dispute, data, "file", kind, "", actor, now, required=_("请选择要上传的文件"))
    data.check()
    document = save()
    document.title = title or DisputeDocument.Kind(kind).label
    document.save(update_fields=["title"])
    return {"document": document.pk, "kind": kind, "title": document.title}


def _archive(dispute, actor, data, now):
    note = data.text("note", max_length=500)
    data.check()
    pending = dispute.follow_ups.filter(status=FollowUp.Status.SCHEDULED).count()
    if pending:
        raise ActionNotAllowed(_("还有 %(n)s 次回访未完成，不能归档") % {"n": pending})
    agreement = getattr(dispute, "agreement", None)
    if agreement is not None:
        clocks.stop(agreement, now)
    dispute.archived_at = now
    return {"_note": note}


def _respond_invitation(dispute, actor, data, now):
    mine = list(dispute.invitations.filter(member__user=actor).order_by("-invited_at"))
    awaiting = next((i for i in mine if i.status == CouncilInvitation.Status.AWAITING), mine[0] if mine else None)
    invitation = data.one(
        "invitation", dispute.invitations.filter(member__user=actor), default=awaiting, invalid=_("邀请无效")
    )
    accept = data.boolean("accept")
    note = data.text("note", max_length=300)
    if invitation is None and not data.errors:
        data.error("invitation", _("没有待回复的邀请"))
    data.check()
    if invitation.status != CouncilInvitation.Status.AWAITING:
        raise ActionNotAllowed(_("已回复该邀请"))
    invitation.status = CouncilInvitation.Status.ACCEPTED if accept else CouncilInvitation.Status.DECLINED
    invitation.responded_at, invitation.response_note = now, note
    invitation.save(update_fields=["status", "responded_at", "response_note"])
    if not accept:
        for session in dispute.sessions.filter(status=MediationSession.Status.SCHEDULED):
            session.council_members.remove(invitation.member)
    verb = _("接受") if accept else _("谢绝")
    title = _("%(name)s %(verb)s了纠纷 %(number)s 的邀请") % {
        "name": actor.display_name,
        "verb": verb,
        "number": dispute.number,
    }
    transaction.on_commit(lambda: _tell_lead(dispute, title))
    return {"invitation": invitation.pk, "accepted": accept, "_note": note}


_EFFECTS = {
    "accept": _accept,
    "transfer": _transfer,
    "reassign": _reassign,
    "flag_police": _flag_police,
    "give_rights_notice": _give_rights_notice,
    "invite_council": _invite_council,
    "schedule_session": _schedule_session,
    "cancel_session": _cancel_session,
    "record_session": _record_session,
    "agree_written": _agree_written,
    "agree_oral": _agree_oral,
    "fail": _fail,
    "refuse": _refuse,
    "withdraw": _withdraw,
    "record_performance": _record_performance,
    "apply_confirmation": _apply_confirmation,
    "record_confirmation": _record_confirmation,
    "record_follow_up": _record_follow_up,
    "attach_document": _attach_document,
    "archive": _archive,
    "respond_invitation": _respond_invitation,
}
assert set(_EFFECTS) == set(TRANSITIONS), "every transition needs an effect"


# ---------------------------------------------------------------- notifications


def _link(dispute):
    return reverse("mediation:dispute", args=[dispute.pk])


def _heads(dispute):
    return User.objects.filter(
        mediation_memberships__committee_id=dispute.committee_id, mediation_memberships__is_head=True
    )


def _tell_committee(dispute, title):
    notify(_committee_mediators(dispute), title, dispute.summary[:200], _link(dispute))


def _tell_lead(dispute, title):
    if dispute.lead_mediator_id:
        notify([dispute.lead_mediator], title, dispute.summary[:200], _link(dispute))


def _tell_applicant(dispute, title):
    if dispute.applicant_id:
        notify([dispute.applicant], title, "", reverse("mediation:my_dispute", args=[dispute.pk]))


def _tell_heads_of_criminal_risk(dispute):
    title = _("【可能激化】纠纷 %(number)s 需报告公安机关") % {"number": dispute.number}
    if dispute.police_notified_at:
        title = _("【可能激化】纠纷 %(number)s 已报告公安机关") % {"number": dispute.number}
    notify([*_heads(dispute), dispute.lead_mediator], title, dispute.summary[:200], _link(dispute))
