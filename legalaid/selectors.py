"""Read queries for legal aid: scoped to what the user may see, with identity and phone
numbers masked for those who do not need them, and the statistics as SQL aggregates."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
)
from django.utils import timezone

from accounts.privacy import mask_id_number, mask_phone
from accounts.roles import Role
from grid.models import Community
from legalaid.models import (
    ACTIVE_ASSIGNMENT,
    Adviser,
    ApplicantGroup,
    Application,
    ApplicationEvent,
    ApplicationState,
    Assignment,
    Channel,
    Consultation,
    DutyShift,
    FastTrackReason,
    FollowUpVisit,
    LawFirm,
    Lawyer,
    MatterType,
    Outcome,
    PapersRequest,
    RefusalReason,
    RotationSkip,
    Specialism,
)
from legalaid.workflow import QUEUES

# The legal-aid centre works every application and sees personal numbers in full.
CENTRE_ROLES = (Role.LEGAL_AID_COORDINATOR,)
# Oversight posts see every application (with personal numbers masked).
OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# Who may read the statistics: aggregates only, no personal data.
STATISTICS_ROLES = (Role.LEGAL_AID_COORDINATOR, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.DUTY_CHIEF)
_LIST_RELATED = ("matter_type", "community", "lawyer__firm", "papers_request")


def adviser_profile(user) -> Adviser | None:
    if user is None or not user.is_authenticated or not user.has_role(Role.LAWYER):
        return None
    return Adviser.objects.filter(user=user, active=True).first()


def lawyer_profile(user) -> Lawyer | None:
    if user is None or not user.is_authenticated or not user.has_role(Role.LAWYER):
        return None
    return Lawyer.objects.filter(user=user).select_related("firm").first()


def works_applications(user) -> bool:
    """Staff who work through the application lists (not only their own filings)."""
    return user.is_authenticated and user.has_role(*CENTRE_ROLES, *OVERSIGHT_ROLES)


def visible_applications(user):
    """Every application this user may see; nothing for anonymous users.

    The centre and oversight posts: all. Lawyers: the applications assigned to them, now
    or before. Residents: their own online applications. Anyone: what they filed for
    someone else (a grid officer, an intake clerk, an adviser's referral)."""
    applications = Application.objects.all()
    if not user.is_authenticated:
        return applications.none()
    if user.has_role(*CENTRE_ROLES, *OVERSIGHT_ROLES):
        return applications
    visible = Q(applicant_id=user.pk) | Q(submitted_by_id=user.pk)
    if user.has_role(Role.LAWYER):
        mine = Assignment.objects.filter(application=OuterRef("pk"), lawyer__user_id=user.pk)
        visible |= Q(Exists(mine))
    return applications.filter(visible)


def application_list(user, *, queue="", search="", mine=False):
    applications = visible_applications(user).select_related(*_LIST_RELATED)
    if queue in QUEUES:
        applications = applications.filter(state__in=QUEUES[queue][1])
    elif queue == "papers_overdue":
        applications = applications.filter(
            Q(papers_request__status=PapersRequest.Status.OVERDUE)
            | Q(papers_request__status=PapersRequest.Status.OPEN, papers_request__due_at__lt=timezone.now())
        )
    elif queue == "green":
        applications = applications.filter(
            Q(green_channel=True) | Q(green_eligible=True, state=ApplicationState.SUBMITTED)
        )
    if mine:
        applications = applications.filter(lawyer__user_id=user.pk)
    if search:
        applications = applications.filter(
            Q(number__icontains=search) | Q(applicant_name__icontains=search) | Q(facts__icontains=search)
        )
    return applications.order_by(F("due_at").asc(nulls_last=True), "-submitted_at")


def queue_counts(user) -> dict[str, int]:
    applications = visible_applications(user)
    return applications.aggregate(
        **{name: Count("id", filter=Q(state__in=states)) for name, (_label, states) in QUEUES.items()}
    )


def application_detail(user, pk):
    """One visible application with what its page shows, or Application.DoesNotExist."""
    return (
        visible_applications(user)
        .select_related(*_LIST_RELATED, "applicant", "preferred_lawyer__firm", "decided_by", "fast_tracked_by")
        .prefetch_related(
            "papers",
            Prefetch(
                "assignments", queryset=Assignment.objects.select_related("lawyer__firm", "suggested", "assigned_by")
            ),
            Prefetch("skips", queryset=RotationSkip.objects.select_related("lawyer")),
            "progress_notes__recorded_by",
        )
        .get(pk=pk)
    )


def timeline(application):
    return application.events.select_related("actor")


def objection_of(application):
    return _related(application, "objection")


def follow_up_of(application):
    return _related(application, "follow_up")


def papers_request_of(application):
    return _related(application, "papers_request")


def _related(application, name):
    try:
        return getattr(application, name)
    except ObjectDoesNotExist:
        return None


def applications_of(user):
    """A resident's own online applications."""
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(applicant=user).select_related(*_LIST_RELATED).order_by("-submitted_at")


def my_cases(user):
    """A lawyer's aid cases: everything assigned to them, open ones first."""
    lawyer = lawyer_profile(user)
    if lawyer is None:
        return Application.objects.none()
    mine = Assignment.objects.filter(application=OuterRef("pk"), lawyer=lawyer)
    return (
        Application.objects.filter(Exists(mine))
        .select_related(*_LIST_RELATED)
        .annotate(is_current=ExpressionWrapper(Q(lawyer=lawyer), output_field=BooleanField()))
        .order_by("-is_current", F("closed_at").desc(nulls_first=True), "-submitted_at")
    )


def track(number, phone) -> Application | None:
    """An application by its number and the applicant's phone (public look-up)."""
    number, phone = (number or "").strip().upper(), (phone or "").strip()
    if not number or not phone:
        return None
    return (
        Application.objects.select_related("matter_type", "lawyer__firm", "papers_request")
        .filter(number=number, applicant_phone=phone)
        .first()
    )


# ---------------------------------------------------------------- personal data


def may_see_personal_data(user, application) -> bool:
    """The centre, the lawyers assigned to the application and the applicant themselves
    see identity and phone numbers in full; everyone else masked."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_role(*CENTRE_ROLES) or application.applicant_id == user.pk:
        return True
    if user.has_role(Role.LAWYER):
        return application.assignments.filter(lawyer__user_id=user.pk).exists()
    return False


@dataclass(frozen=True)
class Personal:
    applicant_id_number: str
    applicant_phone: str
    other_party_id_number: str
    masked: bool


def personal(application, user, *, reveal=None) -> Personal:
    reveal = may_see_personal_data(user, application) if reveal is None else reveal
    if reveal:
        return Personal(
            application.applicant_id_number, application.applicant_phone, application.other_party_id_number, False
        )
    return Personal(
        mask_id_number(application.applicant_id_number),
        mask_phone(application.applicant_phone),
        mask_id_number(application.other_party_id_number),
        True,
    )


# ---------------------------------------------------------------- panel


def panel(*, search="", specialism="", firm=None):
    """The lawyers with their open aid cases and total assignments."""
    lawyers = Lawyer.objects.select_related("firm", "user").annotate(
        open_cases=Count("assignments", filter=Q(assignments__status__in=ACTIVE_ASSIGNMENT)),
        total_cases=Count("assignments"),
        last_assigned_at=Max("assignments__assigned_at"),
    )
    if search:
        lawyers = lawyers.filter(Q(name__icontains=search) | Q(firm__name__icontains=search))
    if specialism in Specialism.values:
        lawyers = lawyers.filter(specialisms__contains=[specialism])
    if firm is not None:
        lawyers = lawyers.filter(firm=firm)
    return lawyers.order_by("firm__name", "name")


# ---------------------------------------------------------------- advisers


def visible_consultations(user):
    """Advisers see their communities' consultations; the centre and oversight all."""
    consultations = Consultation.objects.select_related("community", "adviser__user", "application")
    if not user.is_authenticated:
        return consultations.none()
    if user.has_role(*CENTRE_ROLES, *OVERSIGHT_ROLES):
        return consultations
    adviser = adviser_profile(user)
    if adviser is None:
        return consultations.none()
    return consultations.filter(community__in=adviser.communities.all())


def advisers_by_community(community_ids) -> dict[int, set[int]]:
    """Community id -> the user ids of the active advisers who serve it."""
    found = defaultdict(set)
    rows = Adviser.communities.through.objects.filter(community_id__in=community_ids, adviser__active=True)
    for community_id, user_id in rows.values_list("community_id", "adviser__user_id"):
        found[community_id].add(user_id)
    return found


def roster(start: date, end: date, *, communities=None):
    shifts = DutyShift.objects.filter(day__gte=start, day__lte=end).select_related("community", "adviser__user")
    if communities is not None:
        shifts = shifts.filter(community__in=communities)
    return shifts.order_by("day", "community__code", "adviser__user__first_name")


def roster_gaps(start: date, end: date, *, communities=None) -> list[tuple[date, Community]]:
    """(day, community) for every day in [start, end] with nobody on duty there."""
    communities = list(communities if communities is not None else Community.objects.order_by("code"))
    covered = set(
        DutyShift.objects.filter(day__gte=start, day__lte=end, community__in=communities).values_list(
            "day", "community_id"
        )
    )
    gaps = []
    day = start
    while day <= end:
        gaps += [(day, c) for c in communities if (day, c.pk) not in covered]
        day += timedelta(days=1)
    return gaps


def on_duty(day: date):
    """Every community with the advisers on duty there on `day` (an empty list: a gap)."""
    by_community = defaultdict(list)
    for shift in roster(day, day):
        by_community[shift.community_id].append(shift)
    return [(community, by_community[community.pk]) for community in Community.objects.order_by("code")]


# ---------------------------------------------------------------- statistics


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(self.start, time.min), zone),
            timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), zone),
        )


def statistics(period: Period, *, now=None) -> dict:
    """Legal-aid figures for a period, each one SQL aggregate.

    Applications are those filed in the period; decisions, refusals, assignments,
    outcomes and consultations those made in it. Green-channel time to assignment runs
    from the fast-track decision (identity qualified) to the first lawyer assigned.
    Papers overdue: requests due in the period that were not supplied by their due date.
    Fairness: per specialism, the fewest and most assignments in the period among its
    active lawyers.
    """
    now = now or timezone.now()
    start, end = period.bounds
    filed = Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    events = ApplicationEvent.objects.filter(created_at__gte=start, created_at__lt=end)
    decisions = events.aggregate(
        approved=Count("id", filter=Q(action__in=["approve", "correct_refusal"])),
        fast_tracked=Count("id", filter=Q(action="fast_track")),
        refused=Count("id", filter=Q(action="refuse")),
        objections=Count("id", filter=Q(action="object")),
        upheld=Count("id", filter=Q(action="uphold_refusal")),
        corrected=Count("id", filter=Q(action="correct_refusal")),
        lapsed=Count("id", filter=Q(action="papers_lapsed")),
    )
    refusal_reasons = _labelled(
        events.filter(action="refuse").values("data__reason").annotate(count=Count("id")).order_by("-count"),
        "data__reason",
        RefusalReason.choices,
    )
    green = Application.objects.filter(
        fast_track_reason=FastTrackReason.GREEN_CHANNEL, fast_tracked_at__gte=start, fast_tracked_at__lt=end
    )
    time_to_assign = F("first_assigned_at") - F("fast_tracked_at")
    green_figures = green.aggregate(
        cases=Count("id"),
        assigned=Count("id", filter=Q(first_assigned_at__isnull=False)),
        median=Median(time_to_assign, filter=Q(first_assigned_at__isnull=False)),
        worst=Max(time_to_assign, filter=Q(first_assigned_at__isnull=False)),
    )
    green_figures["on_time"] = events.filter(
        action="assign", data__green_channel=True, data__on_time=True, application__in=green
    ).count()
    green_figures["median_hours"] = _hours(green_figures.pop("median"))
    green_figures["worst_hours"] = _hours(green_figures.pop("worst"))
    due_in_period = PapersRequest.objects.filter(due_at__gte=start, due_at__lt=end)
    papers = due_in_period.aggregate(
        due=Count("id"),
        lapsed=Count("id", filter=Q(status=PapersRequest.Status.LAPSED)),
        overdue_open=Count(
            "id",
            filter=Q(status=PapersRequest.Status.OVERDUE) | Q(status=PapersRequest.Status.OPEN, due_at__lt=now),
        ),
        supplied_late=Count("id", filter=Q(status=PapersRequest.Status.SUPPLIED, supplied_at__gt=F("due_at"))),
        supplied_on_time=Count("id", filter=Q(status=PapersRequest.Status.SUPPLIED, supplied_at__lte=F("due_at"))),
    )
    assignments = Assignment.objects.filter(assigned_at__gte=start, assigned_at__lt=end)
    closed = Application.objects.filter(closed_at__gte=start, closed_at__lt=end)
    consultations = Consultation.objects.filter(consulted_at__gte=start, consulted_at__lt=end)
    per_lawyer = list(
        Lawyer.objects.annotate(
            assigned=Count(
                "assignments", filter=Q(assignments__assigned_at__gte=start, assignments__assigned_at__lt=end)
            ),
            overridden_to=Count(
                "assignments",
                filter=Q(assignments__assigned_at__gte=start, assignments__assigned_at__lt=end)
                & ~Q(assignments__override_reason=""),
            ),
        )
        .filter(Q(assigned__gt=0) | Q(status=Lawyer.Status.ACTIVE))
        .values("id", "name", "firm__name", "specialisms", "status", "assigned", "overridden_to")
        .order_by("-assigned", "firm__name", "name")
    )
    skips = dict(
        RotationSkip.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("lawyer_id")
        .annotate(count=Count("id"))
        .values_list("lawyer_id", "count")
    )
    for row in per_lawyer:
        row["skipped"] = skips.get(row["id"], 0)
    return {
        "period": period,
        "applications": filed.count(),
        "by_channel": _labelled(
            filed.values("channel").annotate(count=Count("id")).order_by("-count"), "channel", Channel.choices
        ),
        "by_matter": list(
            filed.values("matter_type__name").annotate(count=Count("id")).order_by("-count", "matter_type__name")
        ),
        "by_group": _by_group(filed),
        **decisions,
        "refusal_reasons": refusal_reasons,
        "green": green_figures,
        "papers": papers,
        "assignments": assignments.count(),
        "overrides": assignments.exclude(override_reason="").count(),
        "per_lawyer": [row for row in per_lawyer if row["assigned"]],
        "per_firm": list(
            LawFirm.objects.annotate(
                assigned=Count(
                    "lawyers__assignments",
                    filter=Q(lawyers__assignments__assigned_at__gte=start, lawyers__assignments__assigned_at__lt=end),
                )
            )
            .filter(assigned__gt=0)
            .values("name", "assigned")
            .order_by("-assigned", "name")
        ),
        "fairness": _fairness(per_lawyer),
        "closed": closed.count(),
        "outcomes": _labelled(
            closed.values("outcome").annotate(count=Count("id")).order_by("-count"), "outcome", Outcome.choices
        ),
        "satisfaction": FollowUpVisit.objects.filter(visited_at__gte=start, visited_at__lt=end).aggregate(
            visits=Count("id"), average=Avg("satisfaction")
        ),
        "consultations": consultations.count(),
        "consultations_by_community": list(
            consultations.values("community__name").annotate(count=Count("id")).order_by("-count", "community__name")
        ),
        "consultation_referrals": _labelled(
            consultations.values("referral").annotate(count=Count("id")).order_by("-count"),
            "referral",
            Consultation.Referral.choices,
        ),
    }


def _labelled(rows, field, choices):
    labels = dict(choices)
    return [
        {"code": row[field], "label": str(labels.get(row[field], row[field])), "count": row["count"]} for row in rows
    ]


def _by_group(applications):
    counts = applications.aggregate(
        **{code: Count("id", filter=Q(groups__contains=[code])) for code in ApplicantGroup.values}
    )
    return [
        {"code": code, "label": str(ApplicantGroup(code).label), "count": counts[code]}
        for code in ApplicantGroup.values
        if counts[code]
    ]


def _fairness(per_lawyer):
    """Per specialism: active lawyers, the fewest and the most assignments in the period."""
    by_specialism = defaultdict(list)
    for row in per_lawyer:
        if row["status"] == Lawyer.Status.ACTIVE:
            for code in row["specialisms"]:
                by_specialism[code].append(row["assigned"])
    return [
        {
            "code": code,
            "label": str(Specialism(code).label),
            "lawyers": len(counts),
            "fewest": min(counts),
            "most": max(counts),
            "spread": max(counts) - min(counts),
        }
        for code, counts in sorted(by_specialism.items())
        if code in Specialism.values
    ]


def _hours(duration):
    return round(duration.total_seconds() / 3600, 2) if duration is not None else None


def matter_types():
    return MatterType.objects.filter(active=True)
