"""Who sees what: a lawyer only their own cases, an adviser only their communities'
consultations, an applicant only their own application; personal numbers masked for
everyone but the centre, the assigned lawyer and the applicant."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from legalaid.advisers import log_consultation
from legalaid.selectors import visible_applications, visible_consultations
from legalaid.services import act, submit
from tests.api.conftest import token_client
from tests.legalaid.conftest import apply_online, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(law):
    """Two applications, assigned to the first and second labour lawyers in turn."""
    first = act(
        act(apply_online(law, papers=[{"kind": "identity", "file": pdf()}]), "approve", law.coordinator),
        "assign",
        law.coordinator,
    )
    second = apply_online(law, actor="other_resident", applicant_name="赵工人", applicant_phone="13900000002")
    second = act(act(second, "approve", law.coordinator), "assign", law.coordinator)
    assert (first.lawyer, second.lawyer) == (law.labour[0], law.labour[1])
    return first, second


def test_a_lawyer_sees_only_their_own_cases(law, two_cases, client):
    first, second = two_cases
    lawyer = law.labour[0].user
    assert list(visible_applications(lawyer)) == [first]
    client.force_login(lawyer)
    assert client.get(reverse("legalaid:application", args=[first.pk])).status_code == 200
    assert client.get(reverse("legalaid:application", args=[second.pk])).status_code == 404
    page = client.get(reverse("legalaid:my_cases")).content.decode()
    assert first.number in page and second.number not in page

    api = token_client(lawyer)
    listed = api.get(reverse("api-legalaid-applications")).json()
    assert [row["number"] for row in listed["results"]] == [first.number]
    assert api.get(reverse("api-legalaid-application", args=[second.pk])).status_code == 404
    assert api.post(reverse("api-legalaid-accept", args=[second.pk]), {}, format="json").status_code == 404
    assert api.post(reverse("api-legalaid-accept", args=[first.pk]), {}, format="json").status_code == 200


def test_a_lawyer_cannot_act_on_a_case_passed_to_another(law, two_cases):
    first, _second = two_cases
    api = token_client(law.labour[0].user)
    act(first, "change_lawyer", law.coordinator, reason="申请人要求")
    response = api.post(reverse("api-legalaid-accept", args=[first.pk]), {}, format="json")
    assert response.status_code == 403  # still visible (it was theirs), but no longer theirs to act on
    response = api.post(
        reverse("api-legalaid-record-progress", args=[first.pk]), {"kind": "other", "note": "x"}, format="json"
    )
    assert response.status_code == 403


def test_an_adviser_sees_only_their_communities_consultations(law, client):
    mine = log_consultation(
        actor=law.adviser.user,
        community=law.home.community,
        person_name="李大爷",
        topic="family",
        question="子女不给赡养费怎么办？",
        advice="可先协商，协商不成可起诉。",
    )
    theirs = log_consultation(
        actor=law.away_adviser.user,
        community=law.away.community,
        person_name="陈阿姨",
        topic="neighbour",
        question="楼上漏水",
        advice="可申请调解。",
    )
    assert list(visible_consultations(law.adviser.user)) == [mine]
    assert set(visible_consultations(law.coordinator)) == {mine, theirs}
    client.force_login(law.adviser.user)
    page = client.get(reverse("legalaid:consultations")).content.decode()
    assert "李大爷" in page and "陈阿姨" not in page
    api = token_client(law.away_adviser.user)
    assert [row["id"] for row in api.get(reverse("api-legalaid-consultations")).json()["results"]] == [theirs.pk]
    # Nor may an adviser log one for another community.
    response = api.post(
        reverse("api-legalaid-consultations"),
        {"community": law.home.community.pk, "person_name": "某", "topic": "other", "question": "q", "advice": "a"},
        format="json",
    )
    assert response.status_code == 400 and "community" in response.json()["fields"]


def test_an_applicant_sees_only_their_own_application(law, two_cases, client):
    first, second = two_cases
    assert list(visible_applications(law.resident)) == [first]
    client.force_login(law.resident)
    assert client.get(reverse("legalaid:my_application", args=[first.pk])).status_code == 200
    assert client.get(reverse("legalaid:my_application", args=[second.pk])).status_code == 404
    assert client.get(reverse("legalaid:application", args=[second.pk])).status_code == 404
    assert client.get(reverse("legalaid:paper", args=[second.pk, 1])).status_code == 404
    api = token_client(law.resident)
    assert [row["number"] for row in api.get(reverse("api-legalaid-applications")).json()["results"]] == [first.number]
    assert api.get(reverse("api-legalaid-application", args=[second.pk])).status_code == 404


def test_the_public_look_up_needs_the_number_and_the_phone(law, client):
    application = apply_online(law, actor=None, applicant_phone="13711112222")
    response = client.get(reverse("legalaid:track"), {"number": application.number, "phone": "13700000000"})
    assert response.status_code == 404
    # Without a successful look-up in this session, the tracked page sends you to the form.
    response = client.get(reverse("legalaid:tracked", args=[application.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("legalaid:track")
    response = client.get(reverse("legalaid:track"), {"number": application.number, "phone": "13711112222"})
    assert response.status_code == 302
    assert application.number in client.get(response["Location"]).content.decode()
    api = APIClient()
    found = api.get(reverse("api-legalaid-track"), {"number": application.number, "phone": "13711112222"})
    assert found.status_code == 200 and found.json()["state"]["code"] == "submitted"
    assert api.get(reverse("api-legalaid-track"), {"number": application.number, "phone": "1"}).status_code == 404


def test_personal_numbers_are_masked_except_for_those_who_need_them(law, two_cases):
    first, _second = two_cases
    officer_filed = submit(
        actor=law.officer,
        channel="grid_officer",
        matter_type=law.wages,
        stage="negotiation",
        applicant_name="孙工人",
        applicant_id_number="440402198808081234",
        applicant_phone="13812345678",
        groups=["migrant_worker"],
        facts="欠薪",
        claims="讨薪",
    )

    def shown(user, application):
        body = token_client(user).get(reverse("api-legalaid-application", args=[application.pk])).json()
        return body["applicant_id_number"], body["applicant_phone"]

    assert shown(law.coordinator, first) == ("440402199001011234", "13900000001")
    assert shown(law.labour[0].user, first) == ("440402199001011234", "13900000001")
    assert shown(law.resident, first) == ("440402199001011234", "13900000001")
    assert shown(law.supervisor, first) == ("4404**********1234", "139****0001")
    assert shown(law.officer, officer_filed) == ("4404**********1234", "138****5678")


def test_papers_are_for_the_centre_the_lawyer_and_the_applicant(law, two_cases, client):
    first, _second = two_cases
    paper = first.papers.get()
    url = reverse("legalaid:paper", args=[first.pk, paper.pk])
    for user, status in (
        (law.coordinator, 200),
        (law.labour[0].user, 200),
        (law.resident, 200),
        (law.supervisor, 403),
        (law.labour[1].user, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
