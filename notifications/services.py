"""The one entry point for telling people something: `notify(...)`."""

from collections.abc import Iterable

from notifications.models import Notification


def notify(recipients: Iterable, title: str, body: str = "", link: str = "") -> list[Notification]:
    """Put a message in each recipient's inbox (duplicates and None are skipped)."""
    unique = {user.pk: user for user in recipients if user is not None}
    return Notification.objects.bulk_create(
        Notification(recipient=user, title=title, body=body, link=link) for user in unique.values()
    )
