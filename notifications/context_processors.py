from functools import cache

from notifications.services import unread_count


def unread_notifications(request):
    """`unread_notification_count` for the header badge, counted only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": cache(lambda: unread_count(user))}
