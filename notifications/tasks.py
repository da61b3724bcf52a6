from celery import shared_task

from notifications import channels


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver(notification_ids):
    channels.send(notification_ids)
