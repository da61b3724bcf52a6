"""The one entry point for telling people something: `notify(...)` for a few users,
`notify_many(...)` for thousands at once (the deadline sweep). Both write the in-app
inbox and, after commit, hand the new messages to the other channels."""

from collections.abc import Iterable

from django.db import connection, transaction

from notifications.models import Notification


def notify(recipients: Iterable, title: str, body: str = "", link: str = "") -> int:
    """Put a message in each recipient's inbox (duplicates and None are skipped)."""
    ids = {user.pk for user in recipients if user is not None}
    return notify_many([(recipient, title, body, link) for recipient in sorted(ids)])


def notify_many(rows: list[tuple[int, str, str, str]]) -> int:
    """Insert (recipient id, title, body, link) rows in one statement; returns the count."""
    if not rows:
        return 0
    recipients, titles, bodies, links = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO notifications_notification (recipient_id, title, body, link, created_at)
            SELECT r, t, b, l, now() FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS u(r, t, b, l)
            RETURNING id
            """,
            [recipients, titles, bodies, links],
        )
        ids = [row[0] for row in cursor.fetchall()]
    transaction.on_commit(lambda: _fan_out(ids))
    return len(ids)


def _fan_out(ids):
    from notifications.channels import deliver_to_channels

    deliver_to_channels(ids)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
