"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signed bodies, retries
with backoff, every event delivered in order per case after the receiver was down for
hours, and no delivery sent twice by workers racing each other."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.utils import timezone

from api import tasks, webhooks
from api.models import WebhookDelivery, WebhookSubscription
from cases.models import CaseSource
from cases.services import act, report
from tests.api.conftest import make_api_key
from tests.cases.conftest import advance
from tests.factories import point_in


class Receiver:
    """An HTTP server that records what it is sent and answers with `status`."""

    def __init__(self):
        self.received = []
        self.status = 200
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    status = receiver.status
                    if status < 300:
                        receiver.received.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self):
        return [json.loads(body) for _headers, body in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def subscription(db, receiver):
    api_key = make_api_key()
    return WebhookSubscription.objects.create(api_key=api_key, url=receiver.url, all_cases=True)


def file_case(world, actor=None, **extra):
    lon, lat = point_in(world.home)
    return report(
        actor=actor or world.resident,
        source=extra.pop("source", CaseSource.RESIDENT),
        category=world.garbage,
        lon=lon,
        lat=lat,
        description="垃圾",
        **extra,
    )


@pytest.mark.django_db
def test_status_changes_are_posted_signed(world, subscription, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "verify", world.officer)
    assert [(e["type"], e["sequence"]) for e in receiver.events()] == [
        ("case.created", 1),
        ("case.status_changed", 2),
    ]
    headers, body = receiver.received[1]
    assert webhooks.verify_signature(
        subscription.secret, headers["X-Gaoxin-Timestamp"], body, headers["X-Gaoxin-Signature"]
    )
    assert not webhooks.verify_signature(
        "other-secret", headers["X-Gaoxin-Timestamp"], body, headers["X-Gaoxin-Signature"]
    )
    assert not webhooks.verify_signature(
        subscription.secret, headers["X-Gaoxin-Timestamp"], body + b" ", headers["X-Gaoxin-Signature"]
    )
    old = str(int(headers["X-Gaoxin-Timestamp"]) - 3600)
    assert not webhooks.verify_signature(
        subscription.secret, old, body, webhooks.signature(subscription.secret, old, body)
    )
    event = json.loads(body)
    assert headers["X-Gaoxin-Event"] == "case.status_changed"
    assert headers["X-Gaoxin-Delivery"] == event["id"]
    assert event["case"]["number"] == case.number
    assert event["case"]["status"] == "open"
    assert event["change"] == {"action": "verify", "from_state": "to_verify", "to_state": "to_file"}
    assert "reporter_phone" not in json.dumps(event)  # no personal data leaves


@pytest.mark.django_db
def test_only_subscribed_events_of_the_systems_own_cases(world, receiver, django_capture_on_commit_callbacks):
    api_key = make_api_key()
    WebhookSubscription.objects.create(api_key=api_key, url=receiver.url, events=["case.status_changed"])
    with django_capture_on_commit_callbacks(execute=True):
        own = file_case(world, actor=api_key.user, source=CaseSource.PLATFORM, reporter_phone="13000000000")
        others = file_case(world)
        act(own, "verify", world.officer)
        act(others, "verify", world.officer)
        act(own, "request_verification", world.clerk, note="再核实")  # a change of state too
    assert [(e["case"]["number"], e["change"]["action"]) for e in receiver.events()] == [
        (own.number, "verify"),
        (own.number, "request_verification"),
    ]


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(world, subscription, receiver):
    case = file_case(world)
    WebhookDelivery.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        act(case, "verify", world.officer)
        raise RuntimeError("the request failed after the action")
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_failures_are_retried_with_backoff_then_delivered(world, subscription, receiver, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.status = 503
    case = file_case(world)  # queued; the on-commit nudge is not run inside this test's transaction
    start = timezone.now()
    outcome = webhooks.deliver_due(subscription.pk, case.pk, now=start)
    delivery = WebhookDelivery.objects.get()
    assert (outcome.delivered, delivery.attempts, delivery.last_status_code) == (0, 1, 503)
    assert delivery.next_attempt_at == start + timedelta(seconds=30)
    assert outcome.retry_at == delivery.next_attempt_at
    # Not due yet: nothing is sent.
    assert webhooks.deliver_due(subscription.pk, case.pk, now=start + timedelta(seconds=29)).delivered == 0
    webhooks.deliver_due(subscription.pk, case.pk, now=start + timedelta(seconds=31))
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == start + timedelta(seconds=31 + 60)  # doubled
    receiver.status = 200
    assert webhooks.deliver_due(subscription.pk, case.pk, now=start + timedelta(minutes=2)).delivered == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_a_receiver_down_for_hours_gets_every_event_in_order(world, subscription, receiver, settings):
    settings.WEBHOOK_RETRY_MAX_SECONDS = 600
    receiver.status = 503
    first, second = file_case(world), file_case(world)
    advance(first, world, "accept")
    act(second, "verify", world.officer)
    start = timezone.now()
    clock = start
    while clock < start + timedelta(hours=5):  # the sweep, every minute, five hours long
        for subscription_id, case_id in webhooks.due_pairs(now=clock):
            webhooks.deliver_due(subscription_id, case_id, now=clock)
        clock += timedelta(minutes=1)
    assert receiver.received == []
    # While down, only the first event of each case was tried: later ones waited their turn.
    tried = WebhookDelivery.objects.filter(attempts__gt=0)
    assert sorted(tried.values_list("sequence", flat=True)) == [1, 1]
    assert tried.first().attempts > 20  # backoff capped at ten minutes over five hours

    receiver.status = 200
    for subscription_id, case_id in webhooks.due_pairs(now=clock + timedelta(minutes=10)):
        webhooks.deliver_due(subscription_id, case_id, now=clock + timedelta(minutes=10))
    by_case = {}
    for event in receiver.events():
        by_case.setdefault(event["case"]["number"], []).append((event["sequence"], event["change"]["action"]))
    assert by_case[first.number] == [(1, "report"), (2, "verify"), (3, "file"), (4, "dispatch"), (5, "accept")]
    assert by_case[second.number] == [(1, "report"), (2, "verify")]
    assert not WebhookDelivery.objects.exclude(status="delivered").exists()


@pytest.mark.django_db
def test_abandoned_after_the_give_up_time_and_the_next_goes_on(world, subscription, receiver, settings):
    settings.WEBHOOK_GIVE_UP_HOURS = 1
    receiver.status = 500
    case = file_case(world)
    act(case, "verify", world.officer)
    later = timezone.now() + timedelta(hours=2)
    webhooks.deliver_due(subscription.pk, case.pk, now=later)
    assert WebhookDelivery.objects.get(sequence=1).status == "abandoned"
    receiver.status = 200
    webhooks.deliver_due(subscription.pk, case.pk, now=later)
    assert [e["sequence"] for e in receiver.events()] == [2]


@pytest.mark.django_db
def test_a_broker_outage_loses_nothing(world, subscription, receiver, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_webhooks, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case(world)  # the request still succeeds
    assert receiver.received == []
    monkeypatch.undo()
    tasks.retry_due_webhooks()  # the periodic sweep
    assert [e["case"]["number"] for e in receiver.events()] == [case.number]


@pytest.mark.django_db(transaction=True)
def test_racing_workers_send_each_event_once_in_order(committed_db, world, receiver):
    subscription = WebhookSubscription.objects.create(api_key=make_api_key(), url=receiver.url, all_cases=True)
    receiver.status = 503
    case = file_case(world)
    advance(case, world, "close")
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # all due now
    receiver.status = 200
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        for _ in range(10):
            webhooks.deliver_due(subscription.pk, case.pk)
        connection.close()

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    sequences = [event["sequence"] for event in receiver.events()]
    assert sequences == list(range(1, 9))  # report and seven steps, each once, in order
