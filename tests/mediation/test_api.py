"""The mediation REST API: scope, errors as status codes, public application and tracking,
statistics, and every route in the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from mediation.models import Dispute
from mediation.services import act
from mediation.workflow import TRANSITIONS
from tests.mediation.conftest import PARTIES, apply_online, into_mediation

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_list_is_scoped_and_its_query_count_is_flat(api, mworld):
    for _ in range(3):
        apply_online(mworld)
    api.force_authenticate(mworld.mediator)
    api.get(reverse("api-mediation-disputes"))  # the user's roles are read once per request user
    with CaptureQueriesContext(connection) as queries:
        body = api.get(reverse("api-mediation-disputes")).json()
    assert body["count"] == 3
    first = len(queries)
    for _ in range(5):
        apply_online(mworld)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(reverse("api-mediation-disputes")).json()["count"] == 8
    assert len(queries) == first
    api.force_authenticate(mworld.away_mediator)
    assert api.get(reverse("api-mediation-disputes")).json()["count"] == 0


def test_register_act_and_errors(api, mworld):
    api.force_authenticate(mworld.mediator)
    body = {
        "source": "desk",
        "dispute_type": "family",
        "summary": "赡养费纠纷",
        "parties": PARTIES,
        "community": mworld.home.community.pk,
    }
    created = api.post(reverse("api-mediation-disputes"), body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["state"]["code"] == "registered" and data["parties"][1]["id_number"] == "4404**********5678"
    pk = data["id"]
    assert {a["action"] for a in data["actions"]} >= {"accept", "refuse"}

    accepted = api.post(reverse("api-mediation-accept", args=[pk]), {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["lead_mediator"]["id"] == mworld.mediator.pk
    assert accepted.json()["parties"][1]["id_number"] == "440402198502025678"  # the lead sees in full
    bad = api.post(
        reverse("api-mediation-invite-council", args=[pk]),
        {"member": mworld.elder.pk, "consenting_parties": [data["parties"][0]["id"]], "consent_note": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "consenting_parties" in bad.json()["fields"]
    conflict = api.post(reverse("api-mediation-agree-oral", args=[pk]), {"obligations": "o"}, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "action_not_allowed"
    api.force_authenticate(mworld.elder.user)
    assert api.post(reverse("api-mediation-give-rights-notice", args=[pk]), {}, format="json").status_code == 404
    api.force_authenticate(mworld.resident)
    assert api.post(reverse("api-mediation-withdraw", args=[pk]), {}, format="json").status_code == 404
    api.force_authenticate(None)
    assert api.get(reverse("api-mediation-dispute", args=[pk])).status_code in (401, 403)


def test_public_application_and_tracking(api, mworld):
    body = {
        "dispute_type": "neighbour",
        "summary": "噪音扰民",
        "parties": PARTIES,
        "community": mworld.home.community.pk,
    }
    created = api.post(reverse("api-mediation-apply"), body, format="json")
    assert created.status_code == 201, created.json()
    dispute = Dispute.objects.get(number=created.json()["number"])
    assert dispute.source == "resident_online" and dispute.applicant is None
    track = api.get(reverse("api-mediation-track"), {"number": dispute.number, "phone": "13800005678"})
    assert track.status_code == 200 and track.json()["state"] == "待受理"
    assert "parties" not in track.json()
    assert api.get(reverse("api-mediation-track"), {"number": dispute.number, "phone": "1"}).status_code == 404


def test_documents_over_the_api(api, mworld):
    dispute = into_mediation(apply_online(mworld), mworld)
    dispute = act(
        dispute,
        "agree_written",
        mworld.mediator,
        facts="f",
        obligations="o",
        performance_method="m",
        performance_deadline=timezone.localdate() + timedelta(days=7),
        sealed=True,
    )
    api.force_authenticate(mworld.mediator)
    entries = api.get(reverse("api-mediation-documents", args=[dispute.pk])).json()
    assert [e["key"] for e in entries] == ["application", "rights-notice", "session-1", "agreement"]
    pdf = api.get(entries[-1]["download"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_council_invitations_and_sessions(api, mworld):
    dispute = into_mediation(apply_online(mworld), mworld, council=mworld.elder)
    api.force_authenticate(mworld.elder.user)
    invitations = api.get(reverse("api-mediation-invitations")).json()
    assert [i["dispute_number"] for i in invitations] == [dispute.number]
    sessions = api.get(reverse("api-mediation-sessions")).json()
    assert len(sessions) == 1 and sessions[0]["status"]["code"] == "held"
    assert api.get(reverse("api-mediation-committees")).status_code == 403  # staff reference data


def test_statistics_endpoint(api, mworld):
    dispute = into_mediation(apply_online(mworld), mworld)
    act(dispute, "agree_oral", mworld.mediator, obligations="o")
    api.force_authenticate(mworld.supervisor)
    today = timezone.localdate()
    body = api.get(reverse("api-mediation-statistics"), {"start": today, "end": today}).json()
    assert body["registered"] == 1 and body["success_rate"] == 1.0 and body["by_outcome"][0]["code"] == "agreed_oral"
    bad = api.get(reverse("api-mediation-statistics"), {"start": today, "end": today - timedelta(days=1)})
    assert bad.status_code == 400
    api.force_authenticate(mworld.resident)
    assert api.get(reverse("api-mediation-statistics"), {"start": today, "end": today}).status_code == 403


def test_every_route_is_in_the_openapi_schema(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/mediation/disputes/" in paths and "/api/v1/mediation/statistics/" in paths
    assert "/api/v1/mediation/applications/" in paths and "/api/v1/mediation/applications/track/" in paths
    for action in TRANSITIONS:
        assert f"/api/v1/mediation/disputes/{{id}}/{action.replace('_', '-')}/" in paths, action
