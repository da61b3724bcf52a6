"""Read queries for cases: scoped to what the user may see, annotated, no N+1."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.measure import D
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.utils import timezone

from accounts.roles import Role
from accounts.scopes import officer_grid_ids
from cases.models import OPEN_STATES, Case, CaseRequest, RoutingRule, Unit
from cases.workflow import QUEUES, REQUEST_DECISIONS, TRANSITIONS, Scope

DISTRICT_ROLES = (Role.INTAKE_CLERK, Role.DUTY_CHIEF, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR)
_LIST_RELATED = ("category", "grid", "community", "unit")
# What a case table shows (templates/cases/includes/case_table.html, its countdown
# included): reading only these leaves out the description, the point and the grid's outline.
CASE_TABLE_FIELDS = (
    "number",
    "state",
    "address",
    "reported_at",
    "stage_started_at",
    "due_at",
    "category__major_code",
    "category__minor_code",
    "category__name",
    "category__name_en",
    "category__time_basis",
    "grid__name",
    "community__name",
    "unit__name",
    "unit__name_en",
)


def user_unit_ids(user):
    """A subquery of the units this user handles cases for (member or head)."""
    return Unit.objects.filter(Q(members=user) | Q(head=user)).values("pk")


def handled_unit_ids(user) -> list[int]:
    """The ids of the units this user handles cases for, read once per request (kept on
    the user object, like its roles) and put in the SQL as values. As a subquery the
    planner cannot tell how many cases they hold: it read a quarter of the unit index to
    count the first thousand cases of one unit, where the unit's id reads just those."""
    ids = user.__dict__.get("_handled_unit_ids")
    if ids is None:
        ids = user.__dict__["_handled_unit_ids"] = sorted(set(user_unit_ids(user).values_list("pk", flat=True)))
    return ids


def visible_cases(user):
    """Every case this user may see; nothing for anonymous users."""
    cases = Case.objects.all()
    if not user.is_authenticated:
        return cases.none()
    if user.has_role(*DISTRICT_ROLES):
        return cases
    visible = Q(pk__in=[])
    if user.has_role(Role.GRID_OFFICER):
        visible |= Q(grid_id__in=officer_grid_ids(user))
    if user.has_role(Role.UNIT_HANDLER):
        visible |= Q(unit_id__in=handled_unit_ids(user))
    if user.has_role(Role.RESIDENT):
        visible |= Q(reporter=user)
    return cases.filter(visible)


def case_list(user):
    return visible_cases(user).select_related(*_LIST_RELATED)


def case_table(cases):
    """`cases` reading only the columns a case table shows."""
    return cases.only(*CASE_TABLE_FIELDS)


def page_rows(cases, start, stop):
    """cases[start:stop], found narrow first: the page's ids come from the filters and the
    ordering alone (for the queues an index-only scan of case_open_queue, however deep the
    page), then only those rows are read in full with their related rows. Sorting a
    queue's full rows to keep 25 would read every one of them. The ids go back as values,
    not as a subquery, so the planner reads them by primary key."""
    ids = list(cases.values_list("pk", flat=True)[start:stop])
    return cases.filter(pk__in=ids)


def queues_for(user):
    """The queue names this user works, in workflow order."""
    return [name for name, (_label, _states, action) in QUEUES.items() if user.has_role(*TRANSITIONS[action].actors)]


def queue(user, name):
    """The cases waiting in one of the user's queues, most urgent first."""
    _label, states, action = QUEUES[name]
    cases = case_list(user).filter(state__in=states)
    if name == "approvals":
        decidable = [kind for act, kind in REQUEST_DECISIONS.items() if user.has_role(*TRANSITIONS[act].actors)]
        pending = CaseRequest.objects.filter(case=OuterRef("pk"), status=CaseRequest.Status.PENDING, kind__in=decidable)
        cases = cases.filter(Exists(pending))
    elif TRANSITIONS[action].actors.get(Role.UNIT_HANDLER) is Scope.UNIT and not user.has_role(*DISTRICT_ROLES):
        cases = cases.filter(unit_id__in=handled_unit_ids(user))
    return cases.order_by("due_at", "reported_at")


def queue_counts(user, names=None) -> list[dict]:
    """How many cases wait in each of the user's queues (or these of them), in one query:
    a UNION of the queues' own counts, so each is exactly what its queue page lists."""
    names = [name for name in queues_for(user) if names is None or name in names]
    if not names:
        return []
    counted = [
        # COUNT(*), not COUNT(id): an index alone answers it (an index-only scan).
        queue(user, name).order_by().annotate(queue=Value(name)).values("queue").annotate(n=Count("*"))
        for name in names
    ]
    rows = counted[0].union(*counted[1:], all=True) if len(counted) > 1 else counted[0]
    counts = {row["queue"]: row["n"] for row in rows}
    return [{"name": name, "label": QUEUES[name][0], "count": counts.get(name, 0)} for name in names]


def possible_duplicates(category, point, *, exclude_pk=None, now=None):
    """Open cases of the same category within the duplicate radius and period."""
    now = now or timezone.now()
    radius_deg = settings.CASE_DUPLICATE_RADIUS_M / 111_320 * 1.2  # index pre-filter, generous at 22°N
    cases = Case.objects.filter(
        category=category,
        state__in=OPEN_STATES,
        reported_at__gte=now - timedelta(days=settings.CASE_DUPLICATE_DAYS),
        location__dwithin=(point, radius_deg),
        location__distance_lte=(point, D(m=settings.CASE_DUPLICATE_RADIUS_M)),
    )
    if exclude_pk:
        cases = cases.exclude(pk=exclude_pk)
    return cases.select_related(*_LIST_RELATED).order_by("-reported_at")


def timeline(case):
    return case.events.select_related("actor").prefetch_related("photos")


def routing_suggestion(case):
    """The default unit for the case's category in its community, else district-wide."""
    rules = RoutingRule.objects.filter(category_id=case.category_id, unit__active=True).filter(
        Q(community_id=case.community_id) | Q(community__isnull=True)
    )
    rule = rules.select_related("unit").order_by("community_id").first()
    return rule.unit if rule else None
