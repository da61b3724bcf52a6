"""The one entry point for telling people something: `notify(...)` for a few users,
`notify_many(...)` for thousands at once (the deadline sweep). Both write the in-app
inbox and, after commit, hand the new messages to the other channels."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from gaoxin.db import copy_insert
from notifications.models import Notification


def notify(recipients: Iterable, title: str, body: str = "", link: str = "") -> int:
    """Put a message in each recipient's inbox (duplicates and None are skipped)."""
    ids = {user.pk for user in recipients if user is not None}
    return notify_many([(recipient, title, body, link) for recipient in sorted(ids)])


def notify_many(rows: list[tuple[int, str, str, str]]) -> int:
    """Insert (recipient id, title, body, link) rows in one statement; returns the count."""
    if not rows:
        return 0
    now = timezone.now()
    inserted = copy_insert(
        "notifications_notification",
        ("recipient_id", "title", "body", "link", "created_at"),
        ((recipient, title, body, link, now) for recipient, title, body, link in rows),
        returning="id",
    )
    ids = [row[0] for row in inserted]
    transaction.on_commit(lambda: _fan_out(ids))
    return len(ids)


def _fan_out(ids):
    from notifications.channels import deliver_to_channels

    deliver_to_channels(ids)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, ids=None) -> int:
    """Mark the user's unread messages read: those with these ids, or all of them."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
