"""Read queries for mediation: scoped to what the user may see, with personal numbers
masked for those who do not need them, and the statistics as SQL aggregates."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from accounts.privacy import mask_id_number, mask_phone
from accounts.roles import Role
from mediation.models import (
    AGREED_OUTCOMES,
    CONCLUDED_OUTCOMES,
    OPEN_STATES,
    Agreement,
    Committee,
    CommitteeMembership,
    CouncilInvitation,
    CouncilMember,
    Dispute,
    FollowUp,
    MediationSession,
    Outcome,
    Party,
)
from mediation.workflow import QUEUES

# Oversight posts see every dispute (with personal numbers masked).
OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# Who may read the statistics: aggregates only, no personal data.
STATISTICS_ROLES = (
    Role.MEDIATOR,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.DUTY_CHIEF,
    Role.DISPATCHER,
    Role.INTAKE_CLERK,
)
_LIST_RELATED = ("committee", "community", "lead_mediator")


def committee_ids(user):
    """A subquery of the committees this user mediates for."""
    return CommitteeMembership.objects.filter(user_id=user.pk).values("committee_id")


def council_profile(user) -> CouncilMember | None:
    if not user.is_authenticated:
        return None
    return CouncilMember.objects.filter(user=user, active=True).first()


def visible_disputes(user):
    """Every dispute this user may see; nothing for anonymous users.

    Mediators: their committees' disputes. Council members: the disputes they were invited
    into. Residents: their own applications. Grid officers and command-centre posts: what
    they reported or referred. Supervisors and administrators: all.
    """
    disputes = Dispute.objects.all()
    if not user.is_authenticated:
        return disputes.none()
    if user.has_role(*OVERSIGHT_ROLES):
        return disputes
    visible = Q(applicant_id=user.pk)
    if user.has_role(Role.MEDIATOR):
        visible |= Q(committee_id__in=committee_ids(user))
    else:
        visible |= Q(registered_by_id=user.pk)
    visible |= Q(pk__in=CouncilInvitation.objects.filter(member__user_id=user.pk).values("dispute_id"))
    return disputes.filter(visible)


def dispute_list(user, *, queue=None, mine=False, search=""):
    disputes = visible_disputes(user).select_related(*_LIST_RELATED)
    if queue in QUEUES:
        disputes = disputes.filter(state__in=QUEUES[queue][1])
    if mine:
        disputes = disputes.filter(lead_mediator_id=user.pk)
    if search:
        disputes = disputes.filter(Q(number__icontains=search) | Q(summary__icontains=search))
    return disputes.order_by(F("due_at").asc(nulls_last=True), "-registered_at")


def dispute_detail(user, pk):
    """One visible dispute with what its page shows, or Dispute.DoesNotExist."""
    sessions = MediationSession.objects.prefetch_related(
        "mediators", "council_members__user", "attended_parties", "attended_council__user"
    )
    return (
        visible_disputes(user)
        .select_related(*_LIST_RELATED, "grid", "case", "applicant", "rights_notice_by")
        .prefetch_related(
            "parties",
            Prefetch("sessions", queryset=sessions),
            Prefetch("invitations", queryset=CouncilInvitation.objects.select_related("member__user", "invited_by")),
            "follow_ups__visited_by",
            "documents",
        )
        .get(pk=pk)
    )


def agreement_of(dispute) -> Agreement | None:
    try:
        return dispute.agreement
    except Agreement.DoesNotExist:
        return None


def timeline(dispute):
    return dispute.events.select_related("actor")


def queue_counts(user) -> dict[str, int]:
    disputes = visible_disputes(user)
    counts = disputes.aggregate(
        **{name: Count("id", filter=Q(state__in=states)) for name, (_label, states) in QUEUES.items()}
    )
    return counts


# ---------------------------------------------------------------- personal data


def may_see_personal_data(user, dispute) -> bool:
    """The dispute's mediators (its lead and those on its sessions) and the heads of its
    committee see parties' identity and phone numbers in full; everyone else masked."""
    if not user.is_authenticated:
        return False
    if dispute.lead_mediator_id == user.pk:
        return True
    if CommitteeMembership.objects.filter(committee_id=dispute.committee_id, user_id=user.pk, is_head=True).exists():
        return True
    return MediationSession.objects.filter(dispute_id=dispute.pk, mediators=user).exists()


@dataclass(frozen=True)
class PartyView:
    pk: int
    side: str
    side_label: str
    kind_label: str
    name: str
    id_number: str
    phone: str
    address: str
    representative: str


def party_views(dispute, user, *, reveal=None) -> list[PartyView]:
    """The parties as this user may see them: numbers masked unless the user needs them
    (a party who is the user sees their own numbers)."""
    reveal = may_see_personal_data(user, dispute) if reveal is None else reveal
    return [
        PartyView(
            pk=party.pk,
            side=party.side,
            side_label=party.get_side_display(),
            kind_label=party.get_kind_display(),
            name=party.name,
            id_number=party.id_number if reveal or _is(user, party) else mask_id_number(party.id_number),
            phone=party.phone if reveal or _is(user, party) else mask_phone(party.phone),
            address=party.address,
            representative=party.representative,
        )
        for party in dispute.parties.all()
    ]


def _is(user, party: Party) -> bool:
    return user.is_authenticated and party.user_id == user.pk


# ---------------------------------------------------------------- residents and the public


def track(number: str, phone: str) -> Dispute | None:
    """The dispute with this number whose contact or a party's phone is `phone`."""
    number, phone = (number or "").strip().upper(), (phone or "").strip()
    if not number or not phone:
        return None
    phone_matches = Q(contact_phone=phone) | Exists(Party.objects.filter(dispute=OuterRef("pk"), phone=phone))
    return (
        Dispute.objects.filter(number=number)
        .filter(phone_matches)
        .select_related("committee", "community")
        .prefetch_related("sessions")
        .first()
    )


def applications_of(user):
    return Dispute.objects.filter(applicant_id=user.pk).select_related("committee").order_by("-registered_at")


def next_session(dispute):
    upcoming = [s for s in dispute.sessions.all() if s.status == MediationSession.Status.SCHEDULED]
    return min(upcoming, key=lambda s: s.scheduled_at, default=None)


# ---------------------------------------------------------------- mediators and council members


def upcoming_sessions(user, *, now=None):
    """Scheduled sessions in the user's committees, or that the user takes part in."""
    now = now or timezone.now()
    sessions = MediationSession.objects.filter(
        status=MediationSession.Status.SCHEDULED, scheduled_at__gte=now - timedelta(days=1)
    )
    sessions = sessions.filter(Q(dispute__committee_id__in=committee_ids(user)) | Q(mediators=user)).distinct()
    return sessions.select_related("dispute").prefetch_related("council_members__user").order_by("scheduled_at")


def invitations_of(user):
    return (
        CouncilInvitation.objects.filter(member__user_id=user.pk)
        .select_related("dispute__committee", "invited_by")
        .order_by("-invited_at")
    )


def council_sessions(user):
    return (
        MediationSession.objects.filter(council_members__user_id=user.pk)
        .exclude(status=MediationSession.Status.CANCELLED)
        .select_related("dispute")
        .order_by("-scheduled_at")
    )


def committee_mediators(dispute):
    from accounts.models import User

    return (
        User.objects.filter(mediation_memberships__committee_id=dispute.committee_id, groups__name=Role.MEDIATOR)
        .distinct()
        .order_by("first_name", "username")
    )


def invitable_council(dispute):
    """Active, available council members not yet invited into this dispute."""
    invited = dispute.invitations.values("member_id")
    return (
        CouncilMember.objects.filter(active=True, available=True)
        .exclude(pk__in=invited)
        .select_related("user", "community")
    )


class ActionChoices:
    """What the action forms of one dispute page offer, read once for all of them.

    Parties, sessions, invitations and follow-ups come from the rows dispute_detail()
    prefetched; the committee's mediators, the council members still to invite and the
    other committees cost one query each, and only if an offered form needs them. So the
    page's queries do not grow with its forms, sessions, parties or invitations.
    """

    def __init__(self, dispute, user=None):
        self.dispute, self.user = dispute, user

    @cached_property
    def parties(self) -> list[Party]:
        return list(self.dispute.parties.all())

    @cached_property
    def scheduled_sessions(self) -> list[MediationSession]:
        sessions = [s for s in self.dispute.sessions.all() if s.status == MediationSession.Status.SCHEDULED]
        return sorted(sessions, key=lambda s: s.sequence)

    @cached_property
    def next_scheduled_session(self) -> MediationSession | None:
        return min(self.scheduled_sessions, key=lambda s: (s.scheduled_at, s.sequence), default=None)

    @cached_property
    def session_council(self) -> list[CouncilMember]:
        """Council members asked to any of the dispute's sessions."""
        members = {m.pk: m for s in self.dispute.sessions.all() for m in s.council_members.all()}
        return _council_order(members.values())

    @cached_property
    def schedulable_council(self) -> list[CouncilMember]:
        """Council members invited with the parties' consent who have not declined."""
        declined = CouncilInvitation.Status.DECLINED
        return _council_order(i.member for i in self.dispute.invitations.all() if i.status != declined)

    @cached_property
    def own_invitations(self) -> list[CouncilInvitation]:
        user_id = getattr(self.user, "pk", None)
        return [i for i in self.dispute.invitations.all() if i.member.user_id == user_id]

    @cached_property
    def scheduled_follow_ups(self) -> list[FollowUp]:
        visits = [f for f in self.dispute.follow_ups.all() if f.status == FollowUp.Status.SCHEDULED]
        return sorted(visits, key=lambda f: f.sequence)

    @cached_property
    def mediators(self):
        return list(committee_mediators(self.dispute))

    @cached_property
    def invitable_council(self):
        return list(invitable_council(self.dispute))

    @cached_property
    def other_committees(self):
        return list(Committee.objects.filter(active=True).exclude(pk=self.dispute.committee_id))


def _council_order(members) -> list[CouncilMember]:
    return sorted(members, key=lambda m: (m.kind, m.user.first_name, m.pk))


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )


def statistics(period: Period, *, committee=None) -> dict:
    """Mediation figures for a period, each one SQL aggregate.

    Counts by type, source and community are of disputes registered in the period; the
    outcome figures are of disputes that ended in it. A concluded mediation is one that
    ended in an agreement (written or oral) or in failure; refusals and withdrawals are
    counted by outcome but are not mediations. Success rate: agreements / concluded.
    Average duration: registration to conclusion, in days. Council participation:
    concluded mediations in which a council member attended a session.
    """
    start, end = period.bounds
    disputes = _of_committee(committee)
    registered = disputes.filter(registered_at__gte=start, registered_at__lt=end)
    ended = disputes.filter(concluded_at__gte=start, concluded_at__lt=end)
    concluded = ended.filter(outcome__in=CONCLUDED_OUTCOMES)
    follow_ups = FollowUp.objects.filter(
        dispute__in=disputes, status=FollowUp.Status.DONE, visited_at__gte=start, visited_at__lt=end
    ).aggregate(
        done=Count("id"),
        satisfaction=Avg("satisfaction"),
        lawsuits=Count("id", filter=Q(lawsuit=True)),
        high_risk=Count("id", filter=Q(escalation_risk=FollowUp.Risk.HIGH)),
    )
    council_members = (
        MediationSession.attended_council.through.objects.filter(mediationsession__dispute__in=concluded.values("pk"))
        .values("councilmember_id")
        .distinct()
        .count()
    )
    return {
        "period": period,
        **headline(period, committee=committee),
        "by_type": _grouped(registered, "dispute_type", Dispute._meta.get_field("dispute_type").choices),
        "by_source": _grouped(registered, "source", Dispute._meta.get_field("source").choices),
        "by_community": list(
            registered.values("community__name").annotate(count=Count("id")).order_by("-count", "community__name")
        ),
        "by_outcome": _grouped(ended.exclude(outcome=""), "outcome", Outcome.choices),
        "council_members": council_members,
        "follow_ups": follow_ups,
    }


def headline(period: Period, *, committee=None) -> dict:
    """The period's headline figures (see statistics()), in two queries: plain numbers,
    no labels, so the dashboard can cache them for every language."""
    start, end = period.bounds
    disputes = _of_committee(committee)
    council_attended = MediationSession.attended_council.through.objects.filter(
        mediationsession__dispute=OuterRef("pk")
    )
    concluded = disputes.filter(concluded_at__gte=start, concluded_at__lt=end, outcome__in=CONCLUDED_OUTCOMES)
    totals = concluded.aggregate(
        concluded=Count("id"),
        agreed=Count("id", filter=Q(outcome__in=AGREED_OUTCOMES)),
        written=Count("id", filter=Q(outcome=Outcome.AGREED_WRITTEN)),
        oral=Count("id", filter=Q(outcome=Outcome.AGREED_ORAL)),
        failed=Count("id", filter=Q(outcome=Outcome.FAILED)),
        performed=Count("id", filter=Q(agreement__performance_status=Agreement.Performance.PERFORMED)),
        with_council=Count("id", filter=Exists(council_attended)),
        average_duration=Avg(F("concluded_at") - F("registered_at")),
        confirmation_applied=Count("id", filter=Q(agreement__confirmation_applied_at__isnull=False)),
    )
    duration = totals.pop("average_duration")
    return {
        "registered": disputes.filter(registered_at__gte=start, registered_at__lt=end).count(),
        **totals,
        "success_rate": _ratio(totals["agreed"], totals["concluded"]),
        "performance_rate": _ratio(totals["performed"], totals["agreed"]),
        "council_rate": _ratio(totals["with_council"], totals["concluded"]),
        "average_days": round(duration.total_seconds() / 86400, 1) if duration is not None else None,
    }


def _of_committee(committee):
    disputes = Dispute.objects.all()
    return disputes if committee is None else disputes.filter(committee=committee)


def _grouped(disputes, field, choices):
    labels = dict(choices)
    rows = disputes.values(field).annotate(count=Count("id")).order_by("-count", field)
    return [
        {"code": row[field], "label": str(labels.get(row[field], row[field])), "count": row["count"]} for row in rows
    ]


def _ratio(part, whole):
    return round(part / whole, 4) if whole else None


def dashboard_figures(now=None) -> dict:
    """What the command-centre dashboard shows of mediation: this year's headline figures
    so far, and the open disputes now. Three queries; dashboard.figures computes them in
    the background and caches them with the rest of the dashboard's figures."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    figures = headline(Period(date(today.year, 1, 1), today))
    figures.update(
        Dispute.objects.filter(state__in=OPEN_STATES).aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_at__lt=now)),
            unreported_risk=Count("id", filter=Q(criminal_risk=True, police_notified_at__isnull=True)),
        )
    )
    return figures
