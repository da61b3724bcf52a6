"""Who is next: the fair rotation of the lawyer panel.

The pool for an application is every active lawyer of an active firm with the specialism
its matter type needs and at least the years of practice it requires. The pool is ranked
by open aid cases (fewest first: the rotation is weighted by caseload), then by who was
assigned longest ago (never first), then by panel id, so equal loads go round in turn.

The suggestion is the first in that order who is not blocked by a conflict of interest
(the firm acted against the applicant, or for the other party, in a past aid case or a
declared past case) and has not declined or been replaced on this application; the
applicant's wishes are considered: a named lawyer who is in the pool and free of conflict
is suggested, else the first who speaks the language asked for, else the first at all.
Whoever is ranked ahead of the lawyer finally assigned is logged as skipped, with why."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from legalaid.models import ACTIVE_ASSIGNMENT, Assignment, FirmAdverseParty, LawFirm, Lawyer, RotationSkip

Reason = RotationSkip.Reason


@dataclass
class Candidate:
    lawyer: Lawyer
    open_cases: int
    last_assigned_at: datetime | None
    conflict: str = ""  # why the firm is in conflict, or ""
    excluded: str = ""  # a RotationSkip reason when the lawyer already left this application
    speaks: bool = True  # speaks the language the applicant asked for (or none was asked)

    @property
    def blocked(self) -> bool:
        return bool(self.conflict or self.excluded)


@dataclass
class Rotation:
    candidates: list[Candidate] = field(default_factory=list)
    suggestion: Candidate | None = None
    honours: str = ""  # the wish the suggestion honours: Reason.PREFERRED, Reason.LANGUAGE or ""
    wish_note: str = ""  # a wish that could not be met, for the coordinator

    def position_of(self, lawyer) -> int | None:
        return next((i for i, c in enumerate(self.candidates) if c.lawyer.pk == lawyer.pk), None)


def pool(matter_type, *, today=None):
    """The active lawyers the matter type allows, ranked by the rotation."""
    year = (today or timezone.localdate()).year
    return (
        Lawyer.objects.filter(
            status=Lawyer.Status.ACTIVE,
            firm__active=True,
            specialisms__contains=[matter_type.specialism],
            licensed_year__lte=year - matter_type.min_years,
        )
        .annotate(
            open_cases=Count("assignments", filter=Q(assignments__status__in=ACTIVE_ASSIGNMENT)),
            last_assigned_at=Max("assignments__assigned_at"),
        )
        .select_related("firm", "user")
        .order_by("open_cases", F("last_assigned_at").asc(nulls_first=True), "pk")
    )


def conflicts(application) -> dict[int, str]:
    """Firms in conflict for this application, with the reason: firm id -> text."""
    found = {}
    against_applicant = _same_party("other_party", application.applicant_key, application.applicant_id_number)
    for_other_party = (
        _same_party("applicant", application.other_party_key, application.other_party_id_number)
        if application.other_party_key
        else Q(pk__in=[])
    )
    past = (
        Assignment.objects.exclude(status=Assignment.Status.DECLINED)
        .exclude(application_id=application.pk)
        .filter(against_applicant | for_other_party)
        .values_list("lawyer__firm_id", "application__number", "application__applicant_key")
    )
    for firm_id, number, applicant_key in past:
        if applicant_key == application.other_party_key and application.other_party_key:
            found.setdefault(firm_id, _("本所曾代理对方当事人（援助案件 %(number)s）") % {"number": number})
        else:
            found.setdefault(firm_id, _("本所曾代理申请人的对方（援助案件 %(number)s）") % {"number": number})
    declared = Q(name_key=application.applicant_key)
    if application.applicant_id_number:
        declared = Q(id_number=application.applicant_id_number) | Q(name_key=application.applicant_key, id_number="")
    for firm_id, note in FirmAdverseParty.objects.filter(declared).values_list("firm_id", "note"):
        found.setdefault(firm_id, _("本所曾在其他案件中与申请人对立（%(note)s）") % {"note": note or _("律所申报")})
    return found


def _same_party(role, key, id_number):
    """The person named `key` (with this id number, when known) as an aid case's `role`."""
    name, number = f"application__{role}_key", f"application__{role}_id_number"
    if id_number:
        return Q(**{number: id_number}) | Q(**{name: key, number: ""})
    return Q(**{name: key})


def rotation(application, *, today=None) -> Rotation:
    matter_type = application.matter_type
    firm_conflicts = conflicts(application)
    left = dict(
        application.assignments.filter(status__in=[Assignment.Status.DECLINED, Assignment.Status.REPLACED]).values_list(
            "lawyer_id", "status"
        )
    )
    language = application.preferred_language
    candidates = [
        Candidate(
            lawyer=lawyer,
            open_cases=lawyer.open_cases,
            last_assigned_at=lawyer.last_assigned_at,
            conflict=firm_conflicts.get(lawyer.firm_id, ""),
            excluded={Assignment.Status.DECLINED: Reason.DECLINED, Assignment.Status.REPLACED: Reason.REPLACED}.get(
                left.get(lawyer.pk), ""
            ),
            speaks=not language or language in lawyer.languages,
        )
        for lawyer in pool(matter_type, today=today)
    ]
    result = Rotation(candidates=candidates)
    free = [c for c in candidates if not c.blocked]
    preferred = application.preferred_lawyer_id
    if preferred:
        named = next((c for c in free if c.lawyer.pk == preferred), None)
        if named:
            result.suggestion, result.honours = named, Reason.PREFERRED
            return result
        result.wish_note = _("申请人希望指派的律师不在本事项的轮候范围内或存在利益冲突")
    if language:
        speaking = [c for c in free if c.speaks]
        if speaking:
            result.suggestion = speaking[0]
            result.honours = Reason.LANGUAGE if speaking[0] is not (free[0] if free else None) else ""
            return result
        result.wish_note = _("轮候范围内没有使用%(language)s的律师") % {"language": language}
    result.suggestion = free[0] if free else None
    return result


def skips(result: Rotation, chosen: Lawyer, *, override_reason="") -> list[tuple[Lawyer, str, str]]:
    """(lawyer, reason, note) for everyone ranked ahead of `chosen` (the whole pool when
    the chosen lawyer is outside it)."""
    position = result.position_of(chosen)
    ahead = result.candidates if position is None else result.candidates[:position]
    suggested = result.suggestion.lawyer.pk if result.suggestion else None
    rows = []
    for candidate in ahead:
        if candidate.conflict:
            rows.append((candidate.lawyer, Reason.CONFLICT, candidate.conflict[:300]))
        elif candidate.excluded:
            rows.append((candidate.lawyer, candidate.excluded, ""))
        elif chosen.pk == suggested and result.honours == Reason.PREFERRED:
            rows.append((candidate.lawyer, Reason.PREFERRED, ""))
        elif chosen.pk == suggested and result.honours == Reason.LANGUAGE and not candidate.speaks:
            rows.append((candidate.lawyer, Reason.LANGUAGE, ""))
        else:
            rows.append((candidate.lawyer, Reason.OVERRIDE, override_reason[:300]))
    return rows


def firm_in_conflict(application, firm: LawFirm) -> str:
    return conflicts(application).get(firm.pk, "")
