"""Channels beyond the in-app inbox. Each is a small class with `send(notifications)`;
settings.NOTIFICATION_CHANNELS lists the active ones, so SMS or app push is one more
class. Delivery runs in a Celery task; if the broker is down it runs inline, so nothing
is dropped."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.module_loading import import_string

from notifications.models import Notification

logger = logging.getLogger(__name__)


class EmailChannel:
    def send(self, notifications):
        messages = [
            (n.title, f"{n.body}\n\n{settings.SITE_URL}{n.link}".strip(), None, [n.recipient.email])
            for n in notifications
            if n.recipient.email
        ]
        if messages:
            send_mass_mail(messages, fail_silently=False)


def active_channels():
    return [import_string(path)() for path in settings.NOTIFICATION_CHANNELS]


def deliver_to_channels(notification_ids):
    if not notification_ids or not settings.NOTIFICATION_CHANNELS:
        return
    from notifications.tasks import deliver

    try:
        deliver.apply_async((notification_ids,), retry=False)
    except Exception:
        logger.warning("broker unavailable: delivering %d notifications inline", len(notification_ids))
        send(notification_ids)


def send(notification_ids):
    notifications = list(Notification.objects.filter(pk__in=notification_ids).select_related("recipient"))
    for channel in active_channels():
        channel.send(notifications)
