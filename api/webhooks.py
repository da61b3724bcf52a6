"""Outbound webhooks: external systems told about case events, reliably and in order.

Queueing. A receiver of CaseEvent's post_save writes one WebhookDelivery per interested
subscription in the transaction of the event itself, so an event that happened is never
lost and one rolled back is never sent. After commit a Celery task is queued per
(subscription, case); if the broker is down, the periodic retry_due_webhooks finds the
rows anyway. The database is the truth, tasks only nudge it.

Order. Deliveries of one (subscription, case) carry increasing sequence numbers and go
out one at a time: only the lowest undelivered one is ever sent, claimed with a guarded
update so two workers never send it twice. A receiver that is down holds back that
case's later events (other cases go on) and gets them all, in order, once it is back.

Retries. A failure (network error, timeout, any non-2xx status) is retried with
exponential backoff (WEBHOOK_RETRY_BASE_SECONDS doubling up to WEBHOOK_RETRY_MAX_SECONDS)
until WEBHOOK_GIVE_UP_HOURS after the event, then the row is abandoned (an admin can
requeue it) so the case's later events can go on.

Signature. Each POST carries
    X-Gaoxin-Event: case.status_changed
    X-Gaoxin-Delivery: <event id, the same on every retry: receivers deduplicate on it>
    X-Gaoxin-Timestamp: <unix seconds of this attempt>
    X-Gaoxin-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>
Receivers recompute the HMAC over the raw body (verify_signature does) and reject
timestamps far from their clock, so a captured request cannot be replayed later."""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from cases.models import FINAL_STATES, CaseEvent

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Gaoxin-Signature"
TIMESTAMP_HEADER = "X-Gaoxin-Timestamp"
EVENT_HEADER = "X-Gaoxin-Event"
DELIVERY_HEADER = "X-Gaoxin-Delivery"


# ---------------------------------------------------------------- signing


def body_of(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, header: str, *, tolerance_seconds=300, now=None) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs((now or time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= tolerance_seconds and hmac.compare_digest(signature(secret, timestamp, body), header or "")


# ---------------------------------------------------------------- queueing


def event_type_of(event: CaseEvent) -> str | None:
    if event.action == "report":
        return WebhookEvent.CASE_CREATED
    if event.from_state and event.from_state != event.to_state:
        return WebhookEvent.CASE_STATUS_CHANGED
    return None


def payload_of(event: CaseEvent, event_type: str, delivery: WebhookDelivery) -> dict:
    case = event.case
    unit = case.unit if case.unit_id else None
    return {
        "id": str(delivery.event_id),
        "type": event_type,
        "sequence": delivery.sequence,
        "occurred_at": event.created_at.isoformat(),
        "case": {
            "id": case.pk,
            "number": case.number,
            "external_system": case.external_system,
            "external_id": case.external_id,
            "category": case.category.code,
            "state": case.state,
            "state_label": str(case.get_state_display()),
            "status": "closed" if case.state in FINAL_STATES else "open",
            "unit": unit.name if unit else None,
            "due_at": case.due_at.isoformat() if case.due_at else None,
        },
        "change": {"action": event.action, "from_state": event.from_state, "to_state": event.to_state},
    }


@receiver(post_save, sender=CaseEvent, dispatch_uid="api.webhooks.queue_deliveries")
def queue_deliveries(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    event_type = event_type_of(instance)
    if event_type is None:
        return
    case = instance.case
    subscriptions = WebhookSubscription.objects.filter(active=True, api_key__active=True).filter(
        Q(all_cases=True) | Q(api_key__user_id=case.reporter_id)
    )
    queued = []
    for subscription in subscriptions:
        if event_type not in subscription.events:
            continue
        # Events of one case are written under its row lock (services.act), so the
        # numbers cannot race; the unique constraint would refuse a duplicate.
        last = WebhookDelivery.objects.filter(subscription=subscription, case=case).aggregate(n=Max("sequence"))["n"]
        delivery = WebhookDelivery(
            subscription=subscription, case=case, case_event=instance, event_type=event_type, sequence=(last or 0) + 1
        )
        delivery.payload = payload_of(instance, event_type, delivery)
        delivery.save()
        queued.append(subscription.pk)
    for subscription_id in queued:
        transaction.on_commit(lambda s=subscription_id: nudge(s, case.pk))


def nudge(subscription_id, case_id):
    """Ask a worker to send what is due for this pair; the periodic sweep covers a
    broker that cannot take the task."""
    from api.tasks import deliver_webhooks

    try:
        deliver_webhooks.apply_async((subscription_id, case_id), retry=False)
    except Exception:
        logger.warning("could not queue webhook delivery for case %s; the sweep will send it", case_id)


# ---------------------------------------------------------------- delivery


@dataclass
class Attempt:
    ok: bool
    status_code: int | None = None
    error: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer of the receiver's, not a place to resend a signed body."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(delivery: WebhookDelivery) -> Attempt:
    subscription = delivery.subscription
    body = body_of(delivery.payload)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "gaoxin-webhooks/1",
            EVENT_HEADER: delivery.event_type,
            DELIVERY_HEADER: str(delivery.event_id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(subscription.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return Attempt(ok=200 <= response.status < 300, status_code=response.status)
    except urllib.error.HTTPError as exc:
        return Attempt(ok=False, status_code=exc.code, error=f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Attempt(ok=False, error=str(getattr(exc, "reason", exc))[:500])


def backoff(attempts: int) -> timedelta:
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


@dataclass
class Outcome:
    delivered: int = 0
    retry_at: object = None  # when the delivery that just failed is due again


def deliver_due(subscription_id, case_id, now=None) -> Outcome:
    """Send this pair's due deliveries in order until one fails or is not yet due."""
    outcome = Outcome()
    while True:
        moment = now or timezone.now()
        head = (
            WebhookDelivery.objects.select_related("subscription")
            .filter(subscription_id=subscription_id, case_id=case_id, status=WebhookDelivery.Status.PENDING)
            .order_by("sequence")
            .first()
        )
        if head is None or head.next_attempt_at > moment or not _claim(head, moment):
            return outcome
        if not head.subscription.active:
            _release(head)
            return outcome
        attempt = post(head)
        _record(head, attempt, now or timezone.now())
        if not attempt.ok:
            if head.status == WebhookDelivery.Status.PENDING:
                outcome.retry_at = head.next_attempt_at
            return outcome
        outcome.delivered += 1


def _claim(delivery, now) -> bool:
    """Take the row for one attempt; False if another worker holds it."""
    hold = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + hold)
    )


def _release(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=None)


def _record(delivery, attempt: Attempt, now):
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = attempt.status_code
    delivery.last_error = attempt.error
    delivery.claimed_until = None
    if attempt.ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
    elif now - delivery.created_at > timedelta(hours=settings.WEBHOOK_GIVE_UP_HOURS):
        delivery.status = WebhookDelivery.Status.ABANDONED
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "claimed_until",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def due_pairs(now=None, limit=500):
    """(subscription, case) pairs whose first undelivered row is due: what the sweep sends."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("subscription_id", "case_id")
        .values_list("subscription_id", "case_id")
        .distinct()[:limit]
    )
