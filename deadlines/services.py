"""Deadlines that enforce themselves.

An app puts a clock on an object's current stage with `set_deadline(...)`. Two paths
mark crossings: ETA tasks queued when the deadline is set (on time, if the broker is up)
and a sweep every minute (the safety net). Both run `_CROSS_SQL`, a guarded UPDATE that
advances a deadline one level only if its next threshold has passed and it is still open,
and writes the crossing in the same statement: whichever path comes first records the
crossing, the other finds nothing. The app that owns the object learns of crossings
through the handler it registered for its model, called in the same transaction.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from deadlines.calendar import add_duration, hours_between
from deadlines.models import Deadline

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrossingInfo:
    deadline_id: int
    subject_id: int
    stage: str
    level: int
    due_at: datetime
    crossed_at: datetime


Handler = Callable[[list[CrossingInfo]], None]
_handlers: dict[str, Handler] = {}


def register(model, handler: Handler) -> None:
    """Have `handler(crossings)` called for crossings of deadlines on `model` objects."""
    _handlers[model._meta.label_lower] = handler


# Advance each due, open deadline by one level and record the crossing. `level` on the
# right-hand side is the old value, so the next threshold follows the one just crossed.
_CROSS_SQL = """
WITH crossed AS (
    UPDATE deadlines_deadline d
    SET level = d.level + 1,
        next_at = CASE d.level WHEN 0 THEN d.due_at WHEN 1 THEN d.escalate_at END
    WHERE d.id IN (
        SELECT id FROM deadlines_deadline
        WHERE closed_at IS NULL AND next_at <= %(now)s {only_one}
        ORDER BY next_at LIMIT %(batch)s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING d.id, d.subject_type_id, d.subject_id, d.stage, d.level, d.due_at
), recorded AS (
    INSERT INTO deadlines_crossing (deadline_id, level, crossed_at)
    SELECT id, level, %(now)s FROM crossed
    ON CONFLICT (deadline_id, level) DO NOTHING
    RETURNING deadline_id
)
SELECT c.id, c.subject_type_id, c.subject_id, c.stage, c.level, c.due_at
FROM crossed c JOIN recorded r ON r.deadline_id = c.id
"""


def set_deadline(subject, stage: str, started_at, due_at, basis, *, at=None, escalate_after_hours=None):
    """Put the clock of `subject`'s current stage at `due_at`, closing any earlier one.

    With `due_at` None the subject is left without a running clock. Setting the same
    stage and deadline again changes nothing. Call inside the transaction that changes
    the subject; ETA timers are queued when it commits.
    """
    subject_type = ContentType.objects.get_for_model(subject)
    open_deadline = (
        Deadline.objects.select_for_update()
        .filter(subject_type=subject_type, subject_id=subject.pk, closed_at__isnull=True)
        .first()
    )
    if open_deadline and open_deadline.stage == stage and open_deadline.due_at == due_at:
        return open_deadline
    if open_deadline:
        open_deadline.closed_at = at or timezone.now()
        open_deadline.save(update_fields=["closed_at"])
    if due_at is None:
        return None
    warn_at = _warn_at(started_at, due_at, basis)
    escalate_at = add_duration(due_at, escalate_after_hours, basis) if escalate_after_hours is not None else None
    deadline = Deadline.objects.create(
        subject_type=subject_type,
        subject_id=subject.pk,
        stage=stage,
        basis=basis,
        started_at=started_at,
        warn_at=warn_at,
        due_at=due_at,
        escalate_at=escalate_at,
        next_at=warn_at,
    )
    transaction.on_commit(lambda: _queue_timer_if_open(deadline.pk, warn_at))
    return deadline


def close_deadline(subject, at=None):
    """Stop the subject's running clock, if any (the stage ended or the object closed)."""
    Deadline.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, closed_at__isnull=True
    ).update(closed_at=at or timezone.now())


def _warn_at(started_at, due_at, basis):
    if due_at <= started_at:
        return due_at
    used = hours_between(started_at, due_at, basis) * settings.DEADLINE_WARNING_FRACTION
    return min(add_duration(started_at, used, basis), due_at)


def sweep(now=None, batch=5000) -> int:
    """Record every crossing that is due; returns how many. Safe to run at any time, from
    any number of workers at once (rows are claimed with SKIP LOCKED)."""
    now = now or timezone.now()
    if not Deadline.objects.filter(closed_at__isnull=True, next_at__lte=now).exists():
        return 0  # the common case: one indexed probe, no transaction
    total = 0
    # A deadline may have several missed thresholds (after an outage): each pass
    # advances a deadline by one level, so go round until nothing moves.
    while crossed := _cross(now, batch):
        total += crossed
    return total


def fire(deadline_id, now=None) -> int:
    """The ETA path for one deadline: record its due crossings, if the sweep has not."""
    now = now or timezone.now()
    total = 0
    while crossed := _cross(now, 1, deadline_id=deadline_id):
        total += crossed
    if total:
        upcoming = Deadline.objects.filter(pk=deadline_id, closed_at__isnull=True, next_at__isnull=False)
        for next_at in upcoming.values_list("next_at", flat=True):
            _queue_timer(deadline_id, next_at)
    return total


def _cross(now, batch, deadline_id=None) -> int:
    only_one = "AND id = %(deadline_id)s" if deadline_id is not None else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CROSS_SQL.format(only_one=only_one), {"now": now, "batch": batch, "deadline_id": deadline_id})
        rows = cursor.fetchall()
        by_type = defaultdict(list)
        for deadline, subject_type, subject, stage, level, due_at in rows:
            by_type[subject_type].append(CrossingInfo(deadline, subject, stage, level, due_at, now))
        for subject_type, crossings in by_type.items():
            model = ContentType.objects.get_for_id(subject_type).model_class()
            handler = _handlers.get(model._meta.label_lower)
            if handler:
                handler(crossings)
    return len(rows)


def _queue_timer_if_open(deadline_id, eta):
    # A stage opened and closed in one transaction (a quick action, demo timelines)
    # needs no timer; a probe is cheaper than a broker message.
    if Deadline.objects.filter(pk=deadline_id, closed_at__isnull=True).exists():
        _queue_timer(deadline_id, eta)


def _queue_timer(deadline_id, eta):
    """One ETA task for the next threshold only; each crossing it records queues the one
    after (see fire), so a deadline costs one broker message at a time."""
    from deadlines.tasks import fire_deadline

    try:
        fire_deadline.apply_async((deadline_id,), eta=eta, retry=False)
    except Exception:  # broker down: the sweep records the crossing when it is back
        logger.warning("could not queue the timer of deadline %s; the sweep will catch it", deadline_id)
