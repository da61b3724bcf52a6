"""The web pages: residents apply and follow, mediators work, council members answer,
documents print as PDF, the case file downloads whole."""

import io
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mediation.models import CouncilMember, Dispute, DisputeState
from mediation.services import act
from tests.factories import photo
from tests.mediation.conftest import PARTIES, apply_online, into_mediation

pytestmark = pytest.mark.django_db


def pdf_text(content):
    assert content.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def agreed(world):
    dispute = into_mediation(apply_online(world), world, council=world.elder)
    return act(
        dispute,
        "agree_written",
        world.mediator,
        facts="楼上漏水，楼上负主要责任",
        obligations="李邻居两周内修复防水并赔偿 2000 元",
        performance_method="现金支付",
        performance_deadline=timezone.localdate() + timedelta(days=14),
        sealed=True,
    )


def test_anonymous_application_and_tracking(client, mworld):
    form = {
        "applicant_name": "王先生",
        "applicant_phone": "13712345678",
        "respondent_kind": "organisation",
        "respondent_name": "某物业公司",
        "dispute_type": "property",
        "community": mworld.home.community.pk,
        "summary": "物业费争议",
    }
    response = client.post(reverse("mediation:apply"), {**form, "summary": ""})
    assert response.status_code == 400
    assert "请简述纠纷情况" in response.content.decode()
    assert 'value="王先生"' in response.content.decode()  # the input is kept

    response = client.post(reverse("mediation:apply"), form)
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and dispute.number in response["Location"]
    assert dispute.applicant is None and dispute.committee == mworld.committee

    page = client.get(reverse("mediation:track"), {"number": dispute.number, "phone": "13712345678"})
    assert dispute.get_state_display() in page.content.decode()
    wrong = client.get(reverse("mediation:track"), {"number": dispute.number, "phone": "13700000000"})
    assert "没有找到" in wrong.content.decode() and "物业费争议" not in wrong.content.decode()


def _field_error(html, field):
    """The errors shown in field `field`'s own block (up to the next field), or ""."""
    block = html.split(f'data-field="{field}"', 1)[1].split("data-field=", 1)[0]
    return (
        " ".join(re.findall(r"<p>(.*?)</p>", block.split('class="field-error"', 1)[1]))
        if "field-error" in block
        else ""
    )


def test_party_errors_show_next_to_the_party_fields(client, mworld):
    form = {"applicant_phone": "1371", "respondent_kind": "person", "respondent_phone": "12", "summary": "漏水"}
    html = client.post(reverse("mediation:apply"), form).content.decode()
    assert "请填写姓名或名称" in _field_error(html, "applicant_name")
    assert "请填写姓名或名称" in _field_error(html, "respondent_name")
    assert "电话号码无效" in _field_error(html, "respondent_phone")
    assert "电话号码无效" in _field_error(html, "applicant_phone")
    assert _field_error(html, "summary") == ""


def test_public_forms_are_throttled(client, mworld, settings):
    settings.MEDIATION_PUBLIC_RATE_PER_HOUR = 2
    address = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    for _ in range(2):
        assert client.get(reverse("mediation:track"), {"number": "X", "phone": "1"}, **address).status_code == 200
    assert client.get(reverse("mediation:track"), {"number": "X", "phone": "1"}, **address).status_code == 429


def test_resident_follows_their_own_application(client, mworld):
    dispute = agreed(mworld)
    client.force_login(mworld.resident)
    page = client.get(reverse("mediation:my_dispute", args=[dispute.pk])).content.decode()
    assert "达成书面协议" in page and "李邻居两周内修复防水" in page
    assert "4404**********5678" not in page  # only parties' names on this page
    assert client.get(reverse("mediation:my_dispute", args=[dispute.pk])).status_code == 200
    client.force_login(mworld.other_resident)
    assert client.get(reverse("mediation:my_dispute", args=[dispute.pk])).status_code == 404
    assert client.get(reverse("mediation:document", args=[dispute.pk, "agreement"])).status_code == 404


def test_mediator_pages_and_an_action_with_errors_next_to_the_field(client, mworld):
    dispute = act(apply_online(mworld), "accept", mworld.mediator)
    client.force_login(mworld.mediator)
    with CaptureQueriesContext(connection) as queries:
        listing = client.get(reverse("mediation:disputes"))
    assert dispute.number in listing.content.decode()
    assert len(queries) < 20
    page = client.get(reverse("mediation:dispute", args=[dispute.pk])).content.decode()
    assert 'data-action="give_rights_notice"' in page and 'data-action="invite_council"' in page

    url = reverse("mediation:act", args=[dispute.pk, "invite_council"])
    applicant = dispute.parties.get(side="applicant")
    response = client.post(url, {"member": mworld.elder.pk, "consenting_parties": [applicant.pk], "consent_note": "x"})
    assert response.status_code == 400
    assert "须征得全体当事人同意" in response.content.decode()
    assert not dispute.invitations.exists()

    response = client.post(
        reverse("mediation:act", args=[dispute.pk, "give_rights_notice"]), {"method": "written"}, follow=True
    )
    assert "已告知权利义务" in response.content.decode()
    response = client.post(reverse("mediation:act", args=[dispute.pk, "give_rights_notice"]), {"method": "written"})
    assert response.status_code == 302  # already given: a conflict, said in a message

    client.force_login(mworld.away_mediator)
    assert client.get(reverse("mediation:dispute", args=[dispute.pk])).status_code == 404
    assert client.post(reverse("mediation:act", args=[dispute.pk, "accept"]), {}).status_code == 404


def _detail_queries(client, dispute):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("mediation:dispute", args=[dispute.pk]))
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_dispute_page_queries_do_not_grow_with_sessions_parties_or_invitations(
    client, mworld, django_assert_max_num_queries
):
    third = {"side": "third", "name": "王房东", "phone": "13800009999"}
    dispute = into_mediation(apply_online(mworld, parties=[*PARTIES, third]), mworld, council=mworld.elder)
    client.force_login(mworld.head)
    small, _page = _detail_queries(client, dispute)

    for days in (2, 3, 4):
        act(
            dispute, "schedule_session", mworld.mediator, scheduled_at=timezone.now() + timedelta(days=days), place="室"
        )
    act(
        dispute,
        "invite_council",
        mworld.mediator,
        member=mworld.deputy,
        consenting_parties=list(dispute.parties.all()),
        consent_note="三方同意",
    )
    large, page = _detail_queries(client, dispute)
    assert large == small
    # Every form offers what it did when each asked the database: the later sessions,
    # both council members, all three parties.
    scheduled = [f'value="{pk}"' for pk in dispute.sessions.filter(status="scheduled").values_list("pk", flat=True)]
    for form in ("cancel_session", "record_session"):
        select = re.search(f'<select name="session" id="id_{form}_session">(.*?)</select>', page, re.S).group(1)
        assert len(scheduled) == 3 and all(value in select for value in scheduled)
    assert f'name="council_members" value="{mworld.deputy.pk}"' in page
    assert page.count('name="attended_parties" value=') == 3
    with django_assert_max_num_queries(30):  # session, user, roles, the dispute and its rows, scope checks
        assert client.get(reverse("mediation:dispute", args=[dispute.pk])).status_code == 200


def test_agreement_prints_as_pdf_with_numbers_masked_for_others(client, mworld):
    dispute = agreed(mworld)
    client.force_login(mworld.mediator)
    response = client.get(reverse("mediation:document", args=[dispute.pk, "agreement"]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "人民调解协议书",
        dispute.number,
        "李邻居两周内修复防水",
        "440402198502025678",
        "（印章）",
        "三十日内",
    ):
        assert expected in text
    client.force_login(mworld.elder.user)
    text = pdf_text(client.get(reverse("mediation:document", args=[dispute.pk, "agreement"])).content)
    assert "440402198502025678" not in text and "4404**********5678" in text


def test_case_file_lists_every_document_and_downloads_whole(client, mworld):
    dispute = agreed(mworld)
    act(dispute, "record_performance", mworld.mediator, status="performed", evidence=photo("receipt.png"))
    act(dispute, "apply_confirmation", mworld.mediator, court="高新区人民法院", joint=True)
    act(
        dispute,
        "record_follow_up",
        mworld.mediator,
        method="visit",
        performed="yes",
        satisfaction=5,
        escalation_risk="none",
    )
    client.force_login(mworld.mediator)
    page = client.get(reverse("mediation:case_file", args=[dispute.pk])).content.decode()
    keys = ["application", "rights-notice", "session-1", "agreement", "performance", "confirmation", "follow-up-1"]
    for key in keys:
        assert f'data-document="{key}"' in page
        response = client.get(reverse("mediation:document", args=[dispute.pk, key]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), key
    upload = dispute.documents.get()
    assert client.get(reverse("mediation:document", args=[dispute.pk, f"upload-{upload.pk}"])).content.startswith(
        b"\x89PNG"
    )

    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("mediation:archive_zip", args=[dispute.pk])).content))
    names = archive.namelist()
    assert len(names) == 8 and names[0].startswith("01-") and names[-1].endswith(".png")

    client.force_login(mworld.elder.user)  # council members see the file, not the uploaded scans
    assert client.get(reverse("mediation:document", args=[dispute.pk, f"upload-{upload.pk}"])).status_code == 403
    assert client.get(reverse("mediation:archive_zip", args=[dispute.pk])).status_code == 403
    assert client.get(reverse("mediation:document", args=[dispute.pk, "session-9"])).status_code == 404


def test_uploads_are_checked_for_type(client, mworld):
    dispute = act(apply_online(mworld), "accept", mworld.mediator)
    client.force_login(mworld.mediator)
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf")
    fake.name = "scan.pdf"
    response = client.post(
        reverse("mediation:act", args=[dispute.pk, "attach_document"]), {"kind": "evidence", "file": fake}
    )
    assert response.status_code == 400 and "只能上传 PDF、PNG 或 JPEG 文件" in response.content.decode()
    assert not dispute.documents.exists()


def test_council_member_answers_from_their_page(client, mworld):
    dispute = act(apply_online(mworld), "accept", mworld.mediator)
    act(
        dispute,
        "invite_council",
        mworld.mediator,
        member=mworld.elder,
        consenting_parties=list(dispute.parties.all()),
        consent_note="双方同意",
    )
    client.force_login(mworld.elder.user)
    page = client.get(reverse("mediation:council")).content.decode()
    assert dispute.number in page and "接受邀请" in page
    invitation = dispute.invitations.get()
    response = client.post(
        reverse("mediation:act", args=[dispute.pk, "respond_invitation"]),
        {"invitation": invitation.pk, "accept": "1", "next": reverse("mediation:council")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("mediation:council")
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    client.force_login(mworld.deputy.user)
    assert client.get(reverse("mediation:dispute", args=[dispute.pk])).status_code == 404


def test_statistics_page(client, mworld):
    dispute = into_mediation(apply_online(mworld), mworld)
    act(dispute, "agree_oral", mworld.mediator, obligations="o")
    client.force_login(mworld.supervisor)
    page = client.get(reverse("mediation:statistics")).content.decode()
    assert 'data-figure="success_rate">100.0%' in page
    client.force_login(mworld.resident)
    assert client.get(reverse("mediation:statistics")).status_code == 403


def test_home_sends_each_user_to_their_page(client, mworld):
    assert client.get(reverse("mediation:home"))["Location"] == reverse("mediation:apply")
    for user, page in (
        (mworld.mediator, "mediation:disputes"),
        (mworld.elder.user, "mediation:council"),
        (mworld.resident, "mediation:my"),
    ):
        client.force_login(user)
        assert client.get(reverse("mediation:home"))["Location"] == reverse(page)


def test_register_at_the_desk_keeps_input_on_error(client, mworld):
    client.force_login(mworld.mediator)
    form = {
        "source": "court",
        "applicant_kind": "person",
        "applicant_name": "甲",
        "respondent_kind": "person",
        "respondent_name": "乙",
        "dispute_type": "contract",
        "community": mworld.home.community.pk,
        "summary": "借款纠纷",
        "applicant_phone": "13700001111",
    }
    response = client.post(reverse("mediation:register"), form)
    assert response.status_code == 400 and "请填写移送或委托单位" in response.content.decode()
    response = client.post(reverse("mediation:register"), {**form, "referral_org": "高新区人民法院"})
    dispute = Dispute.objects.get()
    assert response["Location"] == reverse("mediation:dispute", args=[dispute.pk])
    assert dispute.state == DisputeState.REGISTERED and dispute.registered_by == mworld.mediator


def test_a_follow_up_is_not_recorded_from_the_forms_first_options(client, mworld):
    """The findings of a visit start blank: an untouched form records nothing."""
    dispute = agreed(mworld)
    client.force_login(mworld.mediator)
    page = client.get(reverse("mediation:dispute", args=[dispute.pk])).content.decode()
    form = page[page.index('id="action-record_follow_up"') :]
    assert '<option value="" selected>—</option>' in form[: form.index('name="performed"') + 200]
    response = client.post(reverse("mediation:act", args=[dispute.pk, "record_follow_up"]), {})
    assert response.status_code == 400
    assert "请记录协议履行情况" in _field_error(response.content.decode(), "performed")
    assert not dispute.follow_ups.filter(status="done").exists()


def test_the_invitation_form_is_not_offered_when_nobody_is_left_to_invite(client, mworld):
    dispute = act(apply_online(mworld), "accept", mworld.mediator)
    client.force_login(mworld.mediator)
    page = reverse("mediation:dispute", args=[dispute.pk])
    assert 'data-action="invite_council"' in client.get(page).content.decode()
    CouncilMember.objects.update(available=False)
    assert 'data-action="invite_council"' not in client.get(page).content.decode()
