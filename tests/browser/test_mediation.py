"""People's mediation in a real browser: a resident applies online, a mediator mediates
with a council member and records a written agreement, prints it, records a follow-up
visit, and the resident sees the outcome."""

import io
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.roles import Role
from grid.models import Grid
from mediation.models import Committee, CommitteeMembership, CouncilMember, Dispute
from tests.factories import make_user

PASSWORD = "pw-for-tests-1"  # what tests.factories.make_user sets


def action(page, name):
    """Open the folded form of workflow action `name` and return it."""
    section = page.locator(f"#action-{name}")
    section.locator("summary").click()
    return section


def submit(page, section):
    with page.expect_navigation():
        section.locator("button[type=submit]").click()


def test_resident_applies_mediator_agrees_with_council_resident_sees_outcome(page, log_in, screenshots):
    grid = Grid.objects.select_related("community").order_by("code")[40]
    committee = Committee.objects.create(
        name="测试人民调解委员会", kind=Committee.Kind.COMMUNITY, community=grid.community
    )
    mediator = make_user(Role.MEDIATOR, first_name="吴调解")
    CommitteeMembership.objects.create(committee=committee, user=mediator, is_head=True)
    elder = CouncilMember.objects.create(
        user=make_user(Role.RESIDENT, first_name="林长者"), kind=CouncilMember.Kind.ELDER, availability="周末"
    )
    resident = make_user(Role.RESIDENT, first_name="陈居民", phone="13900000001")

    # The resident applies online.
    log_in(page, resident.username, PASSWORD)
    page.goto("/mediation/apply/")
    expect(page.locator("#id_applicant_name")).to_have_value("陈居民")
    page.fill("#id_respondent_name", "李邻居")
    page.select_option("#id_dispute_type", "neighbour")
    page.select_option("#id_community", str(grid.community.pk))
    page.fill("#id_summary", "楼上卫生间漏水，天花板受损")
    page.fill("#id_claims", "修复防水并赔偿")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    dispute = Dispute.objects.get()
    expect(page.locator(".messages")).to_contain_text(dispute.number)
    expect(page.locator("#progress")).to_contain_text("待受理")
    page.click("header form button[type=submit]")  # log out

    # The mediator accepts, gives the rights notice, invites the elder with both parties'
    # consent, schedules a session with the elder and records it.
    log_in(page, mediator.username, PASSWORD)
    page.goto("/mediation/")
    page.click(f"text={dispute.number}")
    submit(page, action(page, "accept"))
    submit(page, action(page, "give_rights_notice"))
    invite = action(page, "invite_council")
    invite.locator("select").select_option(str(elder.pk))
    invite.get_by_label("陈居民").check()
    invite.get_by_label("李邻居").check()
    invite.get_by_label("当事人同意的方式").fill("双方当事人当面口头同意")
    submit(page, invite)
    expect(page.locator("#invitations")).to_contain_text("林长者")

    schedule = action(page, "schedule_session")
    when = timezone.localtime() + timedelta(days=1)
    schedule.get_by_label("调解时间").fill(when.strftime("%Y-%m-%dT10:00"))
    schedule.get_by_label("地点").fill("社区调解室")
    schedule.get_by_label("林长者").check()
    submit(page, schedule)
    expect(page.locator("[data-session='1']")).to_contain_text("林长者")

    record = action(page, "record_session")
    record.get_by_label("陈居民").check()
    record.get_by_label("李邻居").check()
    record.get_by_label("林长者").check()
    record.get_by_label("调解经过（摘要）").fill("双方陈述，林长者从邻里情分劝导，双方同意协商赔偿")
    submit(page, record)
    expect(page.locator(".case-status .state")).to_have_text("调解中")

    # A written agreement, recorded and printed.
    agree = action(page, "agree_written")
    agree.get_by_label("纠纷主要事实、争议事项及各方责任").fill("楼上防水层老化漏水，楼上住户负全部责任")
    agree.get_by_label("协议内容（各方的权利义务）").fill("李邻居十日内修复防水并赔偿陈居民 1500 元")
    agree.get_by_label("履行方式").fill("现金当面支付")
    agree.get_by_label("履行期限").fill((timezone.localdate() + timedelta(days=10)).isoformat())
    agree.get_by_label("各方当事人和调解员已签名，已加盖调委会印章").check()
    submit(page, agree)
    expect(page.locator("#outcome")).to_contain_text("达成书面协议")
    href = page.locator("#print-agreement").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "人民调解协议书" in text and "赔偿陈居民 1500 元" in text

    # The first follow-up visit.
    visit = action(page, "record_follow_up")
    visit.get_by_label("回访方式").select_option("visit")
    visit.get_by_label("协议履行情况").select_option("yes")
    visit.get_by_label("当事人满意度").select_option("5")
    visit.get_by_label("矛盾激化风险").select_option("none")
    visit.get_by_label("回访情况").fill("防水已修复，赔偿已付")
    submit(page, visit)
    expect(page.locator("[data-follow-up='1']")).to_contain_text("已回访")
    expect(page.locator("#performance-status")).to_have_text("已履行")
    screenshots(page, "mediation-dispute", show=lambda p: p.goto(f"/mediation/disputes/{dispute.pk}/"))
    page.click("header form button[type=submit]")

    # The resident sees the outcome.
    log_in(page, resident.username, PASSWORD)
    page.goto("/mediation/my/")
    page.click(f"text={dispute.number}")
    progress = page.locator("#progress")
    expect(progress).to_contain_text("达成书面协议")
    expect(progress).to_contain_text("李邻居十日内修复防水")
    expect(progress).to_contain_text("已履行")
    expect(page.locator("#documents")).to_contain_text("人民调解协议书")
    screenshots(page, "mediation-resident", show=lambda p: p.goto(f"/mediation/my/{dispute.pk}/"))
