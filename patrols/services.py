"""Every change to officers' daily work goes through here: one transaction per call that
checks who acts and on what, writes the record, and queues side effects on commit. Web
views, the API and the demo loader all call these."""

import os
from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.scopes import officer_works_in
from cases.errors import ActionNotAllowed
from cases.models import CaseKind, CaseSource, Category
from cases.photos import validate_photos, without_metadata
from cases.services import report
from deadlines.models import TimeBasis
from deadlines.services import close_deadline, set_deadline
from grid.lookup import locate, validate_coordinates
from grid.models import GridAssignment
from patrols import tracks
from patrols.hazards import RECTIFY_STAGE
from patrols.models import (
    Answer,
    DutyShift,
    Hazard,
    HazardCheck,
    HazardPhoto,
    HazardSource,
    HazardState,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    Patrol,
    Place,
    Severity,
    Visit,
    WorkLogEntry,
)
from patrols.workflow import HAZARD_ACTIONS, Condition, Scope

MAX_RECTIFY_DAYS = 365


# ---------------------------------------------------------------- duty


def check_in(officer, *, lon, lat, at=None) -> DutyShift:
    """Start a duty shift (签到) where the officer is now."""
    now = at or timezone.now()
    _require_officer(officer)
    match = _locate_or_error(lon, lat)
    try:
        with transaction.atomic():
            return DutyShift.objects.create(
                officer=officer,
                checked_in_at=now,
                check_in_location=_point(lon, lat),
                check_in_grid_id=match.grid_id,
            )
    except IntegrityError:
        raise ActionNotAllowed(_("您已签到，请勿重复签到")) from None


def check_out(officer, *, lon, lat, at=None) -> DutyShift:
    """End the officer's shift (签退), and the patrol still going, if any."""
    now = at or timezone.now()
    _require_officer(officer)
    match = _locate_or_error(lon, lat)
    with transaction.atomic():
        shift = DutyShift.objects.select_for_update().filter(officer=officer, checked_out_at__isnull=True).first()
        if shift is None:
            raise ActionNotAllowed(_("您尚未签到"))
        active = _patrols_to_lock().filter(officer=officer, ended_at__isnull=True).first()
        if active is not None:
            _end(active, max(now, active.started_at))
        shift.checked_out_at = max(now, shift.checked_in_at)
        shift.check_out_location = _point(lon, lat)
        shift.check_out_grid_id = match.grid_id
        shift.save(update_fields=["checked_out_at", "check_out_location", "check_out_grid"])
    return shift


def open_shift(officer):
    return DutyShift.objects.filter(officer=officer, checked_out_at__isnull=True).first()


# ---------------------------------------------------------------- patrols


def start_patrol(officer, *, at=None) -> Patrol:
    """Start a patrol; the officer must be on duty and not already patrolling."""
    now = at or timezone.now()
    _require_officer(officer)
    shift = open_shift(officer)
    if shift is None:
        raise ActionNotAllowed(_("请先签到，再开始巡查"))
    try:
        with transaction.atomic():
            return Patrol.objects.create(officer=officer, shift=shift, started_at=now)
    except IntegrityError:
        raise ActionNotAllowed(_("您有一次巡查正在进行，请先结束它")) from None


def end_patrol(patrol, actor, *, at=None) -> Patrol:
    now = at or timezone.now()
    with transaction.atomic():
        patrol = _patrols_to_lock().get(pk=_pk(patrol))
        _require_own_patrol(patrol, actor)
        if not patrol.is_active:
            raise ActionNotAllowed(_("这次巡查已经结束"))
        _end(patrol, max(now, patrol.started_at))
    return patrol


def _patrols_to_lock():
    # A day's track is thousands of vertices: never read it just to lock the row.
    return Patrol.objects.select_for_update().defer("track", "track_display")


def _end(patrol, when):
    patrol.ended_at = when
    patrol.save(update_fields=["ended_at"])


def record_points(patrol, actor, raw_points, *, at=None, batch_json=None) -> tracks.IngestResult:
    """Store a batch of track points (in any order, possibly sent before) and rebuild the
    track. Points may arrive after the patrol ended: phones upload what they queued
    offline. See patrols.tracks for how bad points are handled; `batch_json` is the JSON
    text {"points": raw_points} was parsed from, when the caller has it."""
    points = tracks.parse_points(raw_points)
    now = at or timezone.now()
    with transaction.atomic():
        # The lock orders concurrent uploads of one patrol: the speed check of each sees
        # the points of the one before.
        patrol = _patrols_to_lock().get(pk=_pk(patrol))
        _require_own_patrol(patrol, actor)
        return tracks.ingest(patrol, points, now=now, batch_json=batch_json)


# ---------------------------------------------------------------- inspections


def inspect_place(
    place, officer, *, answers=None, not_open=False, note="", photos=(), lon=None, lat=None, patrol=None, at=None
) -> Inspection:
    """Record an inspection of a place in one of the officer's grids against its type's
    checklist: every item answered ok / problem / na, unless the place was not open."""
    now = at or timezone.now()
    _require_officer(officer)
    place = Place.objects.select_related("place_type").get(pk=_pk(place))
    if not officer_works_in(officer, place.grid_id):
        raise PermissionDenied(_("只能检查本人负责网格内的场所"))
    errors = {}
    answers = answers or {}
    if not_open:
        answers = {}
    else:
        errors.update(_checklist_errors(place.place_type.checklist, answers))
    location = _optional_point(lon, lat, errors)
    patrol = _own_patrol_or_error(patrol, officer, errors)
    photos = _checked_photos(photos, errors)
    if errors:
        raise ValidationError(errors)
    if not_open:
        result = InspectionResult.NOT_OPEN
    elif Answer.PROBLEM in answers.values():
        result = InspectionResult.PROBLEMS
    else:
        result = InspectionResult.PASSED
    with transaction.atomic():
        inspection = Inspection.objects.create(
            place=place,
            grid_id=place.grid_id,
            officer=officer,
            patrol=patrol,
            inspected_at=now,
            answers=answers,
            result=result,
            note=(note or "").strip(),
            location=location,
        )
        for upload in photos:
            photo = InspectionPhoto(inspection=inspection)
            photo.image.save(upload.name, upload, save=False)
            photo.save()
    return inspection


def _checklist_errors(checklist, answers):
    if not isinstance(answers, dict):
        return {"answers": _("检查结果必须是 检查项 → 结论 的对象")}
    keys = [item["key"] for item in checklist]
    missing = [item["label"] for item in checklist if item["key"] not in answers]
    unknown = sorted(set(answers) - set(keys))
    invalid = sorted(key for key in keys if key in answers and answers[key] not in Answer.values)
    messages = []
    if missing:
        messages.append(_("以下检查项未填写：%(items)s") % {"items": "、".join(missing)})
    if unknown:
        messages.append(_("未知的检查项：%(items)s") % {"items": "、".join(unknown)})
    if invalid:
        messages.append(_("检查结论只能是 ok、problem 或 na：%(items)s") % {"items": "、".join(invalid)})
    return {"answers": messages} if messages else {}


# ---------------------------------------------------------------- hazards


def record_hazard(
    officer,
    *,
    description,
    lon=None,
    lat=None,
    severity=Severity.GENERAL,
    inspection=None,
    patrol=None,
    category=None,
    rectify_days=None,
    photos=(),
    at=None,
) -> Hazard:
    """Record a hazard found in an inspection (at its place) or on patrol (where the
    officer stands). It gets a rectification deadline on the deadline engine; a serious
    hazard becomes a case of the seven-step loop at once."""
    now = at or timezone.now()
    _require_officer(officer)
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请描述隐患")
    if severity not in Severity.values:
        errors["severity"] = _("未知的隐患等级")
    place = None
    if inspection is not None:
        inspection = Inspection.objects.select_related("place__place_type").filter(pk=_pk(inspection)).first()
        if inspection is None or inspection.officer_id != officer.pk:
            errors["inspection"] = _("只能为本人的检查记录隐患")
        else:
            place = inspection.place
            patrol = patrol or inspection.patrol
    patrol = _own_patrol_or_error(patrol, officer, errors)
    if lon is None and lat is None and place is not None:
        lon, lat = place.location.x, place.location.y
    match = None
    if lon in (None, "") and lat in (None, ""):
        errors["location"] = _("未能获取隐患位置，请允许浏览器定位后重试")
    else:
        try:
            match = locate(lon, lat)
        except ValidationError as exc:
            errors["location"] = exc.messages[0]
    category = _category_or_error(category, errors)
    days = _rectify_days(rectify_days, place, errors)
    photos = _checked_photos(photos, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hazard = Hazard.objects.create(
            source=HazardSource.INSPECTION if inspection else HazardSource.PATROL,
            inspection=inspection,
            patrol=patrol,
            place=place,
            grid_id=place.grid_id if place else match.grid_id,
            location=_point(lon, lat),
            description=description,
            severity=severity,
            category=category or (place.place_type.case_category if place else None),
            found_by=officer,
            found_at=now,
            rectify_due=now + timedelta(days=days),
        )
        _attach_hazard_photos(hazard, photos, HazardPhoto.Kind.FOUND)
        set_deadline(
            hazard,
            RECTIFY_STAGE,
            now,
            hazard.rectify_due,
            TimeBasis.CALENDAR,
            at=now,
            escalate_after_hours=settings.HAZARD_ESCALATE_AFTER_HOURS,
        )
        if severity == Severity.SERIOUS:
            # Policy: a serious hazard does not wait for its owner to rectify it.
            _escalate(hazard, officer, None, now)
    return hazard


def reinspect_hazard(hazard, officer, *, rectified, note="", photos=(), at=None) -> HazardCheck:
    """Record a re-inspection (复查). Rectified: the hazard is done and its clock stops.
    Not rectified: it stays open and may be turned into a case."""
    now = at or timezone.now()
    errors = {}
    if not isinstance(rectified, bool):
        errors["rectified"] = _("请选择是否已整改")
    note = (note or "").strip()
    if rectified is False and not note:
        errors["note"] = _("请说明未整改的情况")
    photos = _checked_photos(photos, errors)
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update().get(pk=_pk(hazard))
        _authorise_hazard(hazard, officer, "reinspect", now)
        if errors:
            raise ValidationError(errors)
        check = HazardCheck.objects.create(
            hazard=hazard, officer=officer, checked_at=now, rectified=rectified, note=note
        )
        _attach_hazard_photos(hazard, photos, HazardPhoto.Kind.CHECK, check=check)
        if rectified:
            hazard.state = HazardState.RECTIFIED
            hazard.rectified_at = now
            hazard.save(update_fields=["state", "rectified_at"])
            close_deadline(hazard, at=now)
    return check


def escalate_hazard_to_case(hazard, actor, *, category=None, at=None):
    """Turn a hazard that was not rectified (serious, overdue, or failed its
    re-inspection) into a case of the seven-step loop, reported as the grid officer's
    own report (it skips on-site verification), and link the two. Returns the case."""
    now = at or timezone.now()
    errors = {}
    category = _category_or_error(category, errors)
    with transaction.atomic():
        hazard = Hazard.objects.select_for_update(of=("self",)).select_related("place").get(pk=_pk(hazard))
        _authorise_hazard(hazard, actor, "escalate", now)
        if errors:
            raise ValidationError(errors)
        return _escalate(hazard, actor, category, now)


def _escalate(hazard, actor, category, now):
    category = category or hazard.category or _default_category()
    if category is None:
        raise ValidationError({"category": _("请选择案件类别")})
    # A case from a grid officer skips verification: the officer who found the hazard is
    # its reporter when someone else (a supervisor) escalates it.
    reporter = actor if actor.has_role(Role.GRID_OFFICER) else hazard.found_by
    description = _("【隐患转办】%(text)s（%(found)s 发现，整改期限 %(due)s）") % {
        "text": hazard.description,
        "found": f"{timezone.localtime(hazard.found_at):%Y-%m-%d}",
        "due": f"{timezone.localtime(hazard.rectify_due):%Y-%m-%d %H:%M}",
    }
    files = [
        File(photo.image.open("rb"), name=os.path.basename(photo.image.name))
        for photo in hazard.photos.all()[: settings.CASE_MAX_PHOTOS]
    ]
    try:
        case = report(
            actor=reporter,
            source=CaseSource.OFFICER,
            category=category,
            lon=hazard.location.x,
            lat=hazard.location.y,
            description=description,
            address=hazard.place.address if hazard.place_id else "",
            photos=files,
            at=now,
        )
    finally:
        for upload in files:
            upload.close()
    hazard.state = HazardState.ESCALATED
    hazard.case = case
    hazard.category = category
    hazard.escalated_at = now
    hazard.escalated_by = actor
    hazard.save(update_fields=["state", "case", "category", "escalated_at", "escalated_by"])
    close_deadline(hazard, at=now)
    return case


def hazard_actions(hazard, user, *, now=None):
    """The hazard actions this user may take now (for buttons and API hints)."""
    allowed = []
    for name in HAZARD_ACTIONS:
        try:
            _authorise_hazard(hazard, user, name, now or timezone.now())
        except (PermissionDenied, ActionNotAllowed):
            continue
        allowed.append(HAZARD_ACTIONS[name])
    return allowed


def is_overdue(hazard, now=None) -> bool:
    return hazard.state == HazardState.OPEN and (now or timezone.now()) > hazard.rectify_due


def _authorise_hazard(hazard, actor, action, now):
    rule = HAZARD_ACTIONS[action]
    allowed = (
        actor is not None
        and actor.is_authenticated
        and any(actor.has_role(role) and _hazard_in_scope(hazard, actor, scope) for role, scope in rule.actors.items())
    )
    if not allowed:
        raise PermissionDenied(_("您无权对该隐患执行“%(action)s”") % {"action": rule.label})
    if hazard.state not in rule.sources:
        raise ActionNotAllowed(
            _("隐患当前状态为“%(state)s”，不能%(action)s") % {"state": hazard.get_state_display(), "action": rule.label}
        )
    if rule.condition is Condition.NOT_RECTIFIED and not (
        hazard.severity == Severity.SERIOUS
        or now > hazard.rectify_due
        or hazard.checks.filter(rectified=False).exists()
    ):
        raise ActionNotAllowed(_("隐患尚在整改期限内且未复查不合格，暂不能转为案件"))


def _hazard_in_scope(hazard, actor, scope) -> bool:
    if scope is Scope.DISTRICT:
        return True
    return hazard.found_by_id == actor.pk or officer_works_in(actor, hazard.grid_id)


def _default_category():
    return Category.objects.filter(kind=CaseKind.EVENT, major_code="99", minor_code="01", active=True).first()


def _category_or_error(category, errors):
    if category in (None, ""):
        return None
    if isinstance(category, Category):
        found = category if category.active else None
    else:
        found = Category.objects.filter(pk=category, active=True).first() if str(category).isdigit() else None
    if found is None:
        errors["category"] = _("请选择有效的案件类别")
    return found


def _rectify_days(days, place, errors):
    if days in (None, ""):
        return place.place_type.rectify_days if place else settings.HAZARD_DEFAULT_RECTIFY_DAYS
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_RECTIFY_DAYS:
        errors["rectify_days"] = _("整改期限须为 1 到 %(max)d 天") % {"max": MAX_RECTIFY_DAYS}
    return days


def _attach_hazard_photos(hazard, photos, kind, check=None):
    for upload in photos:
        photo = HazardPhoto(hazard=hazard, check_record=check, kind=kind)
        photo.image.save(upload.name, upload, save=False)
        photo.save()


# ---------------------------------------------------------------- visits and the work log


def record_visit(officer, *, address, summary, kind=Visit.Kind.HOUSEHOLD, household="", lon=None, lat=None, at=None):
    now = timezone.now()
    _require_officer(officer)
    errors = {}
    address, summary = (address or "").strip(), (summary or "").strip()
    if not address:
        errors["address"] = _("请填写走访地址")
    if not summary:
        errors["summary"] = _("请填写走访情况")
    if kind not in Visit.Kind.values:
        errors["kind"] = _("未知的走访类型")
    location = _optional_point(lon, lat, errors)
    grid_id = _grid_of_record(officer, location, errors)
    visited_at = _record_time(at, now, "visited_at", errors)
    if errors:
        raise ValidationError(errors)
    return Visit.objects.create(
        officer=officer,
        visited_at=visited_at,
        kind=kind,
        grid_id=grid_id,
        location=location,
        address=address,
        household=(household or "").strip(),
        summary=summary,
    )


def log_work(
    officer,
    *,
    content,
    kind=WorkLogEntry.Kind.OTHER,
    place_text="",
    dispute_resolved=False,
    lon=None,
    lat=None,
    at=None,
):
    now = timezone.now()
    _require_officer(officer)
    errors = {}
    content = (content or "").strip()
    if not content:
        errors["content"] = _("请填写工作内容")
    if kind not in WorkLogEntry.Kind.values:
        errors["kind"] = _("未知的日志类型")
    if dispute_resolved and kind != WorkLogEntry.Kind.DISPUTE:
        errors["dispute_resolved"] = _("只有矛盾纠纷可以标记为已化解")
    location = _optional_point(lon, lat, errors)
    grid_id = _grid_of_record(officer, location, errors)
    logged_at = _record_time(at, now, "logged_at", errors)
    if errors:
        raise ValidationError(errors)
    return WorkLogEntry.objects.create(
        officer=officer,
        logged_at=logged_at,
        kind=kind,
        grid_id=grid_id,
        location=location,
        place_text=(place_text or "").strip(),
        content=content,
        dispute_resolved=bool(dispute_resolved),
    )


def _grid_of_record(officer, location, errors):
    """Where a short record counts: the grid of its position, else the officer's own."""
    if location is not None:
        try:
            return locate(location.x, location.y).grid_id
        except ValidationError as exc:
            errors["location"] = exc.messages[0]
            return None
    own = GridAssignment.objects.filter(officer=officer).order_by("-is_primary", "grid__code").first()
    if own is None:
        errors["location"] = _("请提供位置（您没有负责的网格）")
        return None
    return own.grid_id


def _record_time(value, now, field, errors):
    """Records typed up later (offline) carry their own time; never in the future."""
    if value is None:
        return now
    if timezone.is_naive(value):
        errors[field] = _("时间须带时区")
        return value
    try:
        # Python takes UTC offsets up to 24 hours, PostgreSQL up to 16.
        value = value.astimezone(UTC)
    except OverflowError:
        errors[field] = _("日期时间超出范围")
        return value
    if value > now + timedelta(seconds=settings.PATROL_CLOCK_SKEW_SECONDS):
        errors[field] = _("时间不能晚于现在")
    return value


# ---------------------------------------------------------------- shared checks


def _require_officer(user):
    if user is None or not user.is_authenticated or not user.has_role(Role.GRID_OFFICER):
        raise PermissionDenied(_("只有网格员可以进行此操作"))


def _require_own_patrol(patrol, actor):
    if actor is None or patrol.officer_id != actor.pk:
        raise PermissionDenied(_("只能操作本人的巡查"))


def _own_patrol_or_error(patrol, officer, errors):
    if patrol in (None, ""):
        return None
    found = Patrol.objects.filter(pk=_pk(patrol), officer=officer).first() if str(_pk(patrol)).isdigit() else None
    if found is None:
        errors["patrol"] = _("只能关联本人的巡查")
    return found


def _locate_or_error(lon, lat):
    try:
        return locate(lon, lat)
    except ValidationError as exc:
        raise ValidationError({"location": exc.messages[0]}) from None


def _optional_point(lon, lat, errors):
    if lon in (None, "") and lat in (None, ""):
        return None
    try:
        lon, lat = validate_coordinates(lon, lat)
    except ValidationError as exc:
        errors["location"] = exc.messages[0]
        return None
    return _point(lon, lat)


def _checked_photos(photos, errors):
    """Checked, then copied without their metadata (a photo's GPS tag says where the
    officer's phone was, which the record does not need)."""
    try:
        validate_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return []
    return [without_metadata(upload)[0] for upload in photos]


def _point(lon, lat):
    return Point(float(lon), float(lat), srid=4326)


def _pk(obj):
    return getattr(obj, "pk", obj)
