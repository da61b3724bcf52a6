"""Thin, idempotent Celery tasks over api.webhooks; the database decides what is sent."""

from celery import shared_task

from api import webhooks


@shared_task(ignore_result=True)
def deliver_webhooks(subscription_id, case_id):
    """Send what is due for one (subscription, case) pair, in order; after a failed
    attempt, come back when its retry is due (the periodic sweep would too)."""
    outcome = webhooks.deliver_due(subscription_id, case_id)
    if outcome.retry_at is None:
        return
    try:
        deliver_webhooks.apply_async((subscription_id, case_id), eta=outcome.retry_at, retry=False)
    except Exception:  # broker down: retry_due_webhooks picks the row up
        webhooks.logger.warning("could not schedule the webhook retry of case %s", case_id)


@shared_task(ignore_result=True)
def retry_due_webhooks():
    """Every minute (beat): queue every pair with a due delivery, so a lost or never
    queued task delays an event by a minute at most."""
    for subscription_id, case_id in webhooks.due_pairs():
        deliver_webhooks.delay(subscription_id, case_id)
