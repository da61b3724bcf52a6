"""Every change to a case goes through here: one transaction that checks permission and
state against the transition table, writes the change and its event together, and
queues side effects on commit. Web views, the API, tasks and commands all call these."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.scopes import officer_works_in
from cases.errors import ActionNotAllowed
from cases.escalation import HANDLING_STAGE, escalation_delay_hours, stage_of
from cases.models import Case, CaseDaySequence, CaseEvent, CasePhoto, CaseRequest, CaseSource, CaseState, Category, Unit
from cases.photos import validate_photos
from cases.selectors import user_unit_ids
from cases.workflow import REQUEST_DECISIONS, RESUME, STAY, TRANSITIONS, Scope
from deadlines.calendar import add_duration, remaining
from deadlines.services import close_deadline, set_deadline
from grid.lookup import locate
from notifications.services import notify

_STAGE_LIMITS = {
    CaseState.TO_VERIFY: "verify_hours",
    CaseState.TO_FILE: "file_hours",
    CaseState.TO_DISPATCH: "dispatch_hours",
    CaseState.TO_CHECK: "check_hours",
    CaseState.TO_CLOSE: "close_hours",
}
_HANDLING_STATES = (CaseState.DISPATCHED, CaseState.HANDLING)
PUBLIC_ACTOR = "public"


@dataclass
class ActionInput:
    """What an actor supplies with an action; each action reads the fields it needs."""

    note: str = ""
    photos: list = field(default_factory=list)
    unit: Unit | None = None
    hours: Decimal | None = None
    score: int | None = None
    duplicate_of: Case | None = None
    reporter_phone: str = ""


# ---------------------------------------------------------------- intake


def report(
    *,
    actor,
    source,
    category,
    lon,
    lat,
    description,
    address="",
    reporter_name="",
    reporter_phone="",
    photos=(),
    external_system="",
    external_id="",
    resolve_on_spot=False,
    after_photos=(),
    at=None,
):
    """Record a new report (step 1) and place it in its grid.

    A grid officer's report goes straight to filing; any other source is verified on
    site first. A small matter the category allows may be resolved on the spot by the
    officer, which closes it at once with an after-photo. A report from another platform
    with an external id already seen returns the case filed the first time.
    """
    now = at or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    if external_id:
        existing = Case.objects.filter(external_system=external_system, external_id=external_id).first()
        if existing:
            return existing

    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请描述问题")
    if source not in CaseSource.values:
        errors["source"] = _("未知的来源")
    if isinstance(category, Category):
        category_obj = category if category.active else None
    else:
        category_obj = Category.objects.filter(pk=category, active=True).first() if str(category).isdigit() else None
    if category_obj is None:
        errors["category"] = _("请选择有效的案件类别")
    if actor is None and not reporter_phone:
        errors["reporter_phone"] = _("请留下联系电话，以便查询办理进度")
    if source == CaseSource.OFFICER and (actor is None or not actor.has_role(Role.GRID_OFFICER)):
        errors["source"] = _("只有网格员可以以网格员身份上报")
    if resolve_on_spot:
        if category_obj is not None and not category_obj.officer_may_resolve:
            errors["category"] = _("该类别不允许现场处置")
        if source != CaseSource.OFFICER:
            errors.setdefault("source", _("只有网格员可以现场处置"))
        if not after_photos:
            errors["after_photos"] = _("现场处置需要上传处置后照片")
    try:
        match = locate(lon, lat)
    except ValidationError as exc:
        errors["location"] = exc.messages[0]
    for name, files in (("photos", photos), ("after_photos", after_photos)):
        try:
            validate_photos(files, field=name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    grid = match.grid
    initial = CaseState.TO_FILE if source == CaseSource.OFFICER else CaseState.TO_VERIFY
    try:
        with transaction.atomic():
            case = Case(
                number=_next_number(now),
                source=source,
                external_system=external_system,
                external_id=external_id,
                category=category_obj,
                priority=category_obj.priority,
                location=Point(float(lon), float(lat), srid=4326),
                grid=grid,
                community_id=grid.community_id,
                address=address.strip(),
                description=description,
                reporter=actor,
                reporter_name=reporter_name.strip() or (actor.display_name if actor else ""),
                reporter_phone=reporter_phone.strip() or (actor.phone if actor else ""),
                state=initial,
                reported_at=now,
            )
            if source == CaseSource.OFFICER:
                case.verified_at, case.verified_by = now, actor
            _enter_stage(case, now)
            case.save()
            event = CaseEvent.record(case, "report", actor, _role_of(actor), "", initial, now, data=_snap_data(match))
            _attach(case, event, photos, CasePhoto.Kind.BEFORE, actor)
            if resolve_on_spot:
                _resolve_on_spot(case, actor, after_photos, now)
            _sync_deadline(case, now)
    except IntegrityError:
        if external_id:  # a concurrent retry of the same submission won the race
            return Case.objects.get(external_system=external_system, external_id=external_id)
        raise
    if case.state == CaseState.TO_VERIFY:
        transaction.on_commit(lambda: _tell_grid_officers(case))
    return case


def _resolve_on_spot(case, actor, after_photos, now):
    before = case.state
    case.state = CaseState.CLOSED
    case.resolved_on_spot = True
    case.filed_at = case.handled_at = case.checked_at = case.closed_at = now
    case.checked_by = actor
    _enter_stage(case, now)
    case.save()
    event = CaseEvent.record(
        case, "resolve_on_spot", actor, Role.GRID_OFFICER, before, case.state, now, note=_("现场处置")
    )
    _attach(case, event, after_photos, CasePhoto.Kind.AFTER, actor)


def _snap_data(match):
    return {"snapped_m": round(match.distance_m, 1)} if match.snapped else {}


def _next_number(now) -> str:
    day = timezone.localdate(now)
    return f"{day:%Y%m%d}{CaseDaySequence.next_number(day):05d}"


# ---------------------------------------------------------------- workflow actions


def act(case, action, actor, *, at=None, **params):
    """Take a workflow action on a case; returns the updated case.

    Raises PermissionDenied (403) when the actor may not take this action on this case,
    ActionNotAllowed (409) when the case's state does not allow it, ValidationError (400)
    for bad input. Two people acting at once: the row lock makes the second one see the
    first one's result, so exactly one succeeds.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": _("未知的操作：%(action)s") % {"action": action}})
    data = _clean_input(action, ActionInput(**params))
    now = at or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("category").get(pk=_pk(case))
        role = _authorise(actor, case, transition, data)
        if case.state not in transition.sources:
            raise ActionNotAllowed(
                _("案件当前状态为“%(state)s”，不能%(action)s")
                % {"state": case.get_state_display(), "action": transition.label}
            )
        before = case.state
        event_data = _EFFECTS[action](case, actor, data, now) or {}
        if transition.target == RESUME:
            case.state = case.held_from_state
            case.held_from_state = ""
        elif transition.target != STAY:
            case.state = transition.target
        if case.state != before:
            _enter_stage(case, now, resumed=transition.target == RESUME)
        case.save()
        _sync_deadline(case, now)
        event = CaseEvent.record(case, action, actor, role, before, case.state, now, note=data.note, data=event_data)
        kind = CasePhoto.Kind.AFTER if action == "feedback" else CasePhoto.Kind.BEFORE
        _attach(case, event, data.photos, kind, actor)
    return case


def available_actions(case, user, *, reporter_phone=""):
    """The transitions this user may take on this case now (for buttons and API hints)."""
    data = ActionInput(reporter_phone=reporter_phone)
    allowed = []
    pending = {r.kind for r in case.requests.all() if r.status == CaseRequest.Status.PENDING}
    for transition in TRANSITIONS.values():
        if case.state not in transition.sources:
            continue
        needed = REQUEST_DECISIONS.get(transition.action)
        if needed and needed not in pending:
            continue
        if transition.action.startswith("request_") and transition.action.removeprefix("request_") in pending:
            continue
        try:
            _authorise(user if user.is_authenticated else None, case, transition, data)
        except PermissionDenied:
            continue
        allowed.append(transition)
    return allowed


def _pk(case):
    return case.pk if isinstance(case, Case) else case


def _clean_input(action, data):
    data.note = (data.note or "").strip()
    errors = {}
    if action in _NOTE_REQUIRED and not data.note:
        errors["note"] = _NOTE_REQUIRED[action]
    if action == "feedback" and not data.photos:
        errors["photos"] = _("请上传处置后照片")
    if action == "dispatch" and not isinstance(data.unit, Unit):
        errors["unit"] = _("请选择处置单位")
    elif action == "dispatch" and not data.unit.active:
        errors["unit"] = _("该处置单位已停用")
    if action == "merge" and not isinstance(data.duplicate_of, Case):
        errors["duplicate_of"] = _("请选择要合并到的案件")
    if action == "request_extension":
        try:
            data.hours = Decimal(str(data.hours))
        except (InvalidOperation, TypeError, ValueError):
            data.hours = None
        if data.hours is None or not (0 < data.hours <= 2000):
            errors["hours"] = _("延期时长须在 0 到 2000 小时之间")
    valid_score = isinstance(data.score, int) and not isinstance(data.score, bool) and 1 <= data.score <= 5
    if action in ("rate", "evaluate") and not valid_score:
        errors["score"] = _("评分须为 1 到 5 的整数")
    try:
        validate_photos(data.photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return data


_NOTE_REQUIRED = {
    "void": _("请说明注销原因"),
    "request_verification": _("请说明需要核实的内容"),
    "return": _("请说明回退原因"),
    "feedback": _("请填写处置情况"),
    "check_fail": _("请说明核查不通过的原因"),
    "rework": _("请说明返工原因"),
    "request_extension": _("请说明延期理由"),
    "request_hold": _("请说明挂账理由"),
    "reject_extension": _("请说明驳回理由"),
    "reject_hold": _("请说明驳回理由"),
}


def _authorise(actor, case, transition, data) -> str:
    for role, scope in transition.actors.items():
        if actor is None:
            if scope is Scope.REPORTER and case.reporter_id is None and _same_phone(case, data.reporter_phone):
                return PUBLIC_ACTOR
            continue
        if actor.has_role(role) and _in_scope(actor, case, scope):
            return role
    raise PermissionDenied(_("您无权对该案件执行“%(action)s”") % {"action": transition.label})


def _same_phone(case, phone):
    return bool(phone) and bool(case.reporter_phone) and phone.strip() == case.reporter_phone


def _in_scope(actor, case, scope) -> bool:
    if scope is Scope.DISTRICT:
        return True
    if scope is Scope.GRID:
        return officer_works_in(actor, case.grid_id)
    if scope is Scope.UNIT:
        return case.unit_id is not None and user_unit_ids(actor).filter(pk=case.unit_id).exists()
    return case.reporter_id == actor.pk


def _role_of(actor):
    if actor is None:
        return PUBLIC_ACTOR
    return next(iter(sorted(actor.roles)), "")


# ---------------------------------------------------------------- what each action does


def _verify(case, actor, data, now):
    case.verified_at, case.verified_by = now, actor
    return {"on_time": _on_time(case, now)}


def _on_time(case, now):
    return case.due_at is None or now <= case.due_at


def _request_verification(case, actor, data, now):
    case.verified_at = case.verified_by = None


def _file(case, actor, data, now):
    case.filed_at = now


def _void(case, actor, data, now):
    transaction.on_commit(lambda: _tell_reporter(case, _("您反映的问题经核实不予立案：%(note)s") % {"note": data.note}))


def _merge(case, actor, data, now):
    target = data.duplicate_of
    if target.pk == case.pk or not target.is_open or target.state == CaseState.MERGED:
        raise ActionNotAllowed(_("只能合并到另一个未办结的案件"))
    case.merged_into = target
    CaseEvent.record(
        target,
        "merged_from",
        actor,
        _role_of(actor),
        target.state,
        target.state,
        now,
        note=_("合并重复案件 %(number)s") % {"number": case.number},
        data={"case": case.number},
    )
    transaction.on_commit(
        lambda: _tell_reporter(case, _("您反映的问题已与案件 %(number)s 合并办理") % {"number": target.number})
    )
    return {"merged_into": target.number}


def _dispatch(case, actor, data, now):
    case.unit = data.unit
    case.dispatched_at = now
    case.accepted_at = None
    case.handle_due_at = _due(case, now, "handle_hours")
    transaction.on_commit(lambda: _tell_unit(case, _("新派遣案件 %(number)s") % {"number": case.number}))
    return {"unit": data.unit.pk, "unit_name": data.unit.name}


def _accept(case, actor, data, now):
    case.accepted_at = now


def _return(case, actor, data, now):
    unit_id, unit_name = case.unit_id, case.unit.name if case.unit_id else ""
    case.unit = None
    case.handle_due_at = None
    case.return_count += 1
    CaseRequest.objects.filter(case=case, status=CaseRequest.Status.PENDING).update(
        status=CaseRequest.Status.REJECTED, decided_at=now
    )
    return {"unit": unit_id, "unit_name": unit_name}


def _feedback(case, actor, data, now):
    case.handled_at = now
    return {"on_time": case.handle_due_at is None or now <= case.handle_due_at}


def _check_pass(case, actor, data, now):
    case.checked_at, case.checked_by = now, actor
    return {"on_time": _on_time(case, now)}


def _rework(case, actor, data, now):
    case.rework_count += 1
    case.handled_at = None
    if settings.CASE_REWORK_RESTARTS_CLOCK:
        case.handle_due_at = _due(case, now, "handle_hours")
    transaction.on_commit(lambda: _tell_unit(case, _("案件 %(number)s 核查未通过，需返工") % {"number": case.number}))
    return {"rework": case.rework_count}


def _close(case, actor, data, now):
    case.closed_at = now
    transaction.on_commit(lambda: _tell_reporter(case, _("您反映的问题已办结，欢迎评价")))


def _request(kind):
    def effect(case, actor, data, now):
        if CaseRequest.objects.filter(case=case, kind=kind, status=CaseRequest.Status.PENDING).exists():
            raise ActionNotAllowed(_("已有待审批的申请"))
        request = CaseRequest.objects.create(
            case=case, kind=kind, hours=data.hours, reason=data.note, requested_by=actor, requested_at=now
        )
        return {"request": request.pk, "hours": str(data.hours) if data.hours else None}

    return effect


def _decide(kind, approve):
    def effect(case, actor, data, now):
        request = (
            CaseRequest.objects.select_for_update()
            .filter(case=case, kind=kind, status=CaseRequest.Status.PENDING)
            .first()
        )
        if request is None:
            raise ActionNotAllowed(_("没有待审批的申请"))
        request.status = CaseRequest.Status.APPROVED if approve else CaseRequest.Status.REJECTED
        request.decided_by, request.decided_at = actor, now
        request.save(update_fields=["status", "decided_by", "decided_at"])
        result = {"request": request.pk}
        if approve and kind == CaseRequest.Kind.EXTENSION:
            case.extension_count += 1
            basis = case.category.time_basis
            case.handle_due_at = add_duration(case.handle_due_at or now, request.hours, basis)
            result["handle_due_at"] = case.handle_due_at.isoformat()
            case.due_at = case.handle_due_at
        if approve and kind == CaseRequest.Kind.HOLD:
            case.held_from_state = case.state
            case.held_remaining_hours = remaining(now, case.due_at, case.category.time_basis) if case.due_at else None
        return result

    return effect


def _release(case, actor, data, now):
    return {"resumed": case.held_from_state}


def _rate(case, actor, data, now):
    if case.satisfaction is not None:
        raise ActionNotAllowed(_("该案件已评价"))
    case.satisfaction = data.score
    case.satisfaction_comment = data.note[:500]
    return {"score": data.score}


def _evaluate(case, actor, data, now):
    if case.evaluation_score is not None:
        raise ActionNotAllowed(_("该案件已评价"))
    case.evaluation_score = data.score
    return {"score": data.score}


_EFFECTS = {
    "verify": _verify,
    "request_verification": _request_verification,
    "file": _file,
    "void": _void,
    "merge": _merge,
    "dispatch": _dispatch,
    "accept": _accept,
    "return": _return,
    "feedback": _feedback,
    "check_pass": _check_pass,
    "check_fail": _rework,
    "rework": _rework,
    "close": _close,
    "request_extension": _request(CaseRequest.Kind.EXTENSION),
    "approve_extension": _decide(CaseRequest.Kind.EXTENSION, approve=True),
    "reject_extension": _decide(CaseRequest.Kind.EXTENSION, approve=False),
    "request_hold": _request(CaseRequest.Kind.HOLD),
    "approve_hold": _decide(CaseRequest.Kind.HOLD, approve=True),
    "reject_hold": _decide(CaseRequest.Kind.HOLD, approve=False),
    "release": _release,
    "rate": _rate,
    "evaluate": _evaluate,
}
assert set(_EFFECTS) == set(TRANSITIONS), "every transition needs an effect"


# ---------------------------------------------------------------- deadlines, events, photos


def _due(case, start, limit_field):
    hours = getattr(case.category, limit_field)
    return add_duration(start, hours, case.category.time_basis) if hours is not None else None


def _enter_stage(case, now, *, resumed=False):
    """Set the deadline of the stage the case has just entered."""
    case.stage_started_at = now
    if case.state == CaseState.HELD or case.state not in _STAGE_LIMITS and case.state not in _HANDLING_STATES:
        case.due_at = None
        return
    if resumed and case.held_remaining_hours is not None:
        case.due_at = add_duration(now, max(case.held_remaining_hours, 0), case.category.time_basis)
        if case.state in _HANDLING_STATES:
            case.handle_due_at = case.due_at
        case.held_remaining_hours = None
        return
    if case.state in _HANDLING_STATES:
        case.due_at = case.handle_due_at
    else:
        case.due_at = _due(case, now, _STAGE_LIMITS[case.state])


def _sync_deadline(case, now):
    """Keep the deadline engine's clock on the case's current stage."""
    if case.due_at is None:
        close_deadline(case, at=now)
        return
    stage = stage_of(case.state)
    started = case.dispatched_at if stage == HANDLING_STAGE else case.stage_started_at
    set_deadline(
        case,
        stage,
        started or now,
        case.due_at,
        case.category.time_basis,
        at=now,
        escalate_after_hours=escalation_delay_hours(),
    )


def _attach(case, event, files, kind, actor):
    CasePhoto.objects.bulk_create(
        CasePhoto(case=case, event=event, kind=kind, image=_saved(case, upload), uploaded_by=actor) for upload in files
    )


def _saved(case, upload):
    photo = CasePhoto(case=case)
    photo.image.save(upload.name, upload, save=False)
    return photo.image.name


# ---------------------------------------------------------------- notifications (after commit)


def _tell_grid_officers(case):
    officers = [assignment.officer for assignment in case.grid.assignments.select_related("officer")]
    notify(officers, _("待核实：%(number)s") % {"number": case.number}, case.description[:200], _case_link(case))


def _tell_unit(case, title):
    unit = Unit.objects.prefetch_related("members").select_related("head").get(pk=case.unit_id)
    notify([*unit.members.all(), unit.head], title, case.description[:200], _case_link(case))


def _tell_reporter(case, title):
    if case.reporter_id:
        notify([case.reporter], title, case.number, _case_link(case))


def _case_link(case):
    return f"/cases/{case.pk}/"
