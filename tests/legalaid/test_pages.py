"""The web pages and the API around the workflow: the guided online application, the
queues with countdowns, deciding and assigning from the page, the printable refusal,
the statistics, and the API list's constant query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from legalaid.models import Application, Paper
from legalaid.services import act
from tests.api.conftest import token_client
from tests.legalaid.conftest import HARDSHIP, MIGRANT, apply_online, fast_track, pdf, photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_public_limit(settings):
    settings.LEGALAID_PUBLIC_RATE_PER_HOUR = 1000


def test_the_guided_application_lists_the_papers_for_the_matter(law, client):
    index = client.get(reverse("legalaid:apply")).content.decode()
    assert "追索劳动报酬（讨薪）" in index and "绿色通道" in index
    page = client.get(reverse("legalaid:apply_matter", args=["wage_arrears"])).content.decode()
    assert "欠薪证据（工资条、欠条、银行流水等）" in page and 'name="paper_wage_evidence"' in page
    assert client.get(reverse("legalaid:apply_matter", args=["no-such-matter"])).status_code == 404


def test_an_anonymous_application_with_papers_is_followed_by_number_and_phone(law, client):
    form = {**MIGRANT, "paper_identity": photo("id.png"), "paper_wage_evidence": [pdf("a.pdf"), pdf("b.pdf")]}
    response = client.post(reverse("legalaid:apply_matter", args=["wage_arrears"]), form)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("legalaid:tracked", args=[application.pk])
    assert application.channel == "online" and application.applicant is None and application.green_eligible
    assert sorted(Paper.objects.values_list("kind", flat=True)) == ["identity", "wage_evidence", "wage_evidence"]
    page = client.get(response["Location"]).content.decode()
    assert application.number in page and "440402199001011234" in page


def test_a_bad_application_shows_errors_next_to_the_fields_and_keeps_the_input(law, client):
    form = {**MIGRANT, "applicant_phone": "12", "facts": "", "paper_identity": pdf().__class__("x.exe", b"MZ\x90\x00")}
    response = client.post(reverse("legalaid:apply_matter", args=["wage_arrears"]), form)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "请输入有效的电话号码" in page and "请简要说明发生了什么" in page and "只能上传 PDF、PNG 或 JPEG 文件" in page
    )
    assert "某某建筑劳务有限公司" in page  # kept
    assert not Application.objects.exists()


def test_the_coordinator_works_the_queue_and_assigns_the_suggested_lawyer(law, client):
    application = apply_online(law)
    client.force_login(law.coordinator)
    page = client.get(reverse("legalaid:applications"), {"queue": "green"}).content.decode()
    assert application.number in page and "可走绿色通道" in page and "审查决定：剩余" in page
    detail = client.get(reverse("legalaid:application", args=[application.pk])).content.decode()
    assert 'data-action="fast_track"' in detail and 'data-action="request_papers"' in detail

    url = reverse("legalaid:act", args=[application.pk, "fast_track"])
    bad = client.post(url, {"fast_track-reason": "green_channel"})
    assert bad.status_code == 400 and "请写明身份核验情况" in bad.content.decode()
    response = client.post(
        url,
        {
            "fast_track-reason": "green_channel",
            "fast_track-identity_note": "已核对身份证原件",
            "fast_track-basis": "法律援助法第42条",
            "fast_track-missing_papers": ["labour_relation"],
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("legalaid:application", args=[application.pk])).content.decode()
    assert 'id="suggestion"' in detail and law.labour[0].name in detail and "指派律师：" in detail
    client.post(reverse("legalaid:act", args=[application.pk, "assign"]), {"assign-lawyer": law.labour[0].pk})
    application.refresh_from_db()
    assert application.state == "assigned" and application.lawyer == law.labour[0]


def test_the_refusal_letter_prints_for_the_centre_and_the_applicant(law, client):
    application = apply_online(law, actor=None, matter_type=law.family, groups=[], **HARDSHIP)
    act(application, "refuse", law.coordinator, reason="means", note="收入高于标准。")
    client.force_login(law.coordinator)
    response = client.get(reverse("legalaid:refusal_letter", args=[application.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.logout()
    assert client.get(reverse("legalaid:refusal_letter", args=[application.pk])).status_code == 404
    client.get(reverse("legalaid:track"), {"number": application.number, "phone": MIGRANT["applicant_phone"]})
    assert client.get(reverse("legalaid:refusal_letter", args=[application.pk])).status_code == 200
    # and may object from the tracked page
    response = client.post(reverse("legalaid:act", args=[application.pk, "object"]), {"object-reason": "收入已下降"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "objected"


def test_statistics_show_green_channel_times_refusals_and_fairness(law, client):
    now = timezone.now()
    for minutes in (30, 90, 240):
        application = fast_track(law, apply_online(law, at=now - timedelta(hours=6)), at=now - timedelta(hours=5))
        act(application, "assign", law.coordinator, at=now - timedelta(hours=5) + timedelta(minutes=minutes))
    refused = apply_online(law, matter_type=law.family, groups=[], **HARDSHIP)
    act(refused, "refuse", law.coordinator, reason="scope", note="不属于援助范围")
    today = f"{timezone.localdate():%Y-%m-%d}"
    client.force_login(law.coordinator)
    page = client.get(reverse("legalaid:statistics"), {"start": today, "end": today})
    assert page.status_code == 200
    body = token_client(law.coordinator).get(reverse("api-legalaid-statistics"), {"start": today, "end": today}).json()
    assert body["applications"] == 4 and body["refused"] == 1 and body["fast_tracked"] == 3
    assert body["green"]["cases"] == 3 and body["green"]["median_hours"] == 1.5 and body["green"]["worst_hours"] == 4.0
    assert body["refusal_reasons"] == [{"code": "scope", "label": "申请事项不属于法律援助范围", "count": 1}]
    labour = next(row for row in body["fairness"] if row["code"] == "labour")
    assert (labour["lawyers"], labour["fewest"], labour["most"]) == (5, 0, 1)
    assert (
        token_client(law.resident).get(reverse("api-legalaid-statistics"), {"start": today, "end": today}).status_code
        == 403
    )


def test_the_api_list_takes_the_same_queries_for_few_or_many(law):
    api = token_client(law.coordinator)
    url = reverse("api-legalaid-applications")
    act(fast_track(law, apply_online(law)), "assign", law.coordinator)
    api.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).status_code == 200
    for _ in range(6):
        act(fast_track(law, apply_online(law)), "assign", law.coordinator)
        apply_online(law)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url).json()["results"]) == 13
    assert len(many) == len(few)


def test_the_api_takes_an_application_and_its_papers_from_the_public(law):
    api = APIClient()
    body = {key: value for key, value in MIGRANT.items()}
    response = api.post(reverse("api-legalaid-apply"), {**body, "matter_type": "wage_arrears"}, format="json")
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    response = api.post(
        reverse("api-legalaid-track-papers"),
        {"number": number, "phone": MIGRANT["applicant_phone"], "kind": "identity", "files": [pdf()]},
        format="multipart",
    )
    assert response.status_code == 200
    assert Paper.objects.filter(application__number=number, kind="identity").count() == 1
    bad = api.post(reverse("api-legalaid-apply"), {**body, "matter_type": "nothing"}, format="json")
    assert bad.status_code == 400 and "matter_type" in bad.json()["fields"]


def test_a_notice_is_registered_from_the_desk_page(law, client):
    client.force_login(law.coordinator)
    response = client.post(
        reverse("legalaid:register"),
        {
            "channel": "notice",
            "notice_authority": "police",
            "notice_org": "高新公安分局",
            "notice_number": "高公（刑）通字〔2026〕18号",
            "matter_type": law.severe.pk,
            "stage": "investigation",
            "applicant_name": "犯罪嫌疑人某",
            "facts": "涉嫌重大犯罪，可能判处无期徒刑",
            "claims": "指派辩护律师",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get()
    assert application.state == "approved" and application.channel == "notice"
    client.force_login(law.clerk)
    form = client.get(reverse("legalaid:register")).context["form"]
    assert [code for code, _label in form.fields["channel"].choices] == ["desk"]


def test_every_page_renders_for_the_people_it_serves(law, client):
    application = act(act(apply_online(law), "approve", law.coordinator), "assign", law.coordinator)
    pages = [
        (None, "legalaid:apply", []),
        (None, "legalaid:track", []),
        (None, "legalaid:on_duty", []),
        (law.resident, "legalaid:my", []),
        (law.resident, "legalaid:my_application", [application.pk]),
        (law.coordinator, "legalaid:applications", []),
        (law.coordinator, "legalaid:application", [application.pk]),
        (law.coordinator, "legalaid:register", []),
        (law.coordinator, "legalaid:panel", []),
        (law.coordinator, "legalaid:roster", []),
        (law.coordinator, "legalaid:consultations", []),
        (law.coordinator, "legalaid:statistics", []),
        (law.supervisor, "legalaid:applications", []),
        (law.labour[0].user, "legalaid:my_cases", []),
        (law.labour[0].user, "legalaid:application", [application.pk]),
        (law.adviser.user, "legalaid:roster", []),
        (law.adviser.user, "legalaid:consultations", []),
        (law.adviser.user, "legalaid:consultation_new", []),
        (law.officer, "legalaid:register", []),
    ]
    for user, name, args in pages:
        client.logout()
        if user:
            client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 200, name
    client.force_login(law.resident)
    assert client.get(reverse("legalaid:panel")).status_code == 403
    assert client.get(reverse("legalaid:home")).status_code == 302


def test_the_api_gives_the_coordinator_the_rotation_and_the_roster(law):
    application = act(apply_online(law), "approve", law.coordinator)
    api = token_client(law.coordinator)
    turn = api.get(reverse("api-legalaid-suggestion", args=[application.pk])).json()
    assert turn["suggestion"]["lawyer"]["name"] == law.labour[0].name and len(turn["candidates"]) == 5
    assert (
        token_client(law.supervisor).get(reverse("api-legalaid-suggestion", args=[application.pk])).status_code == 403
    )
    day = f"{timezone.localdate():%Y-%m-%d}"
    created = api.post(
        reverse("api-legalaid-roster"),
        {"community": law.home.community.pk, "day": day, "adviser": law.adviser.pk},
        format="json",
    )
    assert created.status_code == 201
    roster = token_client(law.adviser.user).get(reverse("api-legalaid-roster"), {"start": day, "days": 1}).json()
    assert [shift["adviser_name"] for shift in roster["shifts"]] == ["顾问甲"] and roster["gaps"] == []
    lawyers = api.get(reverse("api-legalaid-lawyers"), {"specialism": "criminal"}).json()["results"]
    assert {row["name"] for row in lawyers} == {"庚律师", "辛律师"}
    types = APIClient().get(reverse("api-legalaid-matter-types")).json()
    assert types[0]["code"] == "wage_arrears" and "migrant_worker" in types[0]["green_channel_groups"]
