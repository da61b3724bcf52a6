"""Legal aid in a real browser, end to end: a migrant worker applies online for unpaid
wages without an account, the coordinator fast-tracks the application in the green
channel and assigns the suggested lawyer, the lawyer accepts, the worker uploads the
missing papers from the tracking page, and the lawyer closes the case with a report.
Screenshots at phone and desktop widths go to test-artifacts/screenshots/."""

from playwright.sync_api import expect

from accounts.roles import Role
from legalaid.models import Application, ApplicationEvent, PapersRequest
from tests.factories import make_user, photo
from tests.legalaid.conftest import load_matter_types, make_firm, make_lawyer

TEST_PASSWORD = "pw-for-tests-1"  # what tests.factories.make_user sets


def upload(name, content=None):
    if content is not None:
        return {"name": name, "mimeType": "application/pdf", "buffer": content}
    return {"name": name, "mimeType": "image/png", "buffer": photo(name).read()}


def test_a_migrant_worker_is_helped_through_the_green_channel(page, new_page, log_in, screenshots, settings):
    settings.LEGALAID_PUBLIC_RATE_PER_HOUR = 1000
    load_matter_types()
    firm = make_firm("广东唐家湾律师事务所", "31440000MD0100001A")
    first = make_lawyer(firm, "林志明", ["labour"])
    make_lawyer(firm, "陈慧敏", ["labour"])
    coordinator = make_user(Role.LEGAL_AID_COORDINATOR, first_name="郑援助")

    # The worker applies, guided by the kind of matter, with a photo of their ID card.
    page.goto("/legal-aid/apply/")
    page.locator("[data-matter=wage_arrears] a.button").click()
    expect(page.locator("#papers-needed")).to_contain_text("欠薪证据")
    page.fill("#id_applicant_name", "王农民工")
    page.fill("#id_applicant_id_number", "440402199001011234")
    page.fill("#id_applicant_phone", "13900000001")
    page.check("input[name=groups][value=migrant_worker]")
    page.fill("#id_other_party", "某某建筑劳务有限公司")
    page.select_option("#id_stage", "arbitration")
    page.fill("#id_facts", "在工地干了三个月，包工头拖欠工资 18000 元后不接电话。")
    page.fill("#id_claims", "要求支付拖欠的工资 18000 元")
    page.set_input_files("#id_paper_identity", upload("身份证.png"))
    screenshots(page, "legalaid-apply", lambda p: p.locator("#papers-needed").scroll_into_view_if_needed())
    page.click("main form button[type=submit]")
    expect(page.locator("#application-number")).to_be_visible()
    number = page.locator("#application-number").inner_text()
    application = Application.objects.get(number=number)
    assert application.green_eligible and application.papers.count() == 1

    # The coordinator checks identity, fast-tracks, and assigns the suggested lawyer.
    coordinator_page = new_page()
    log_in(coordinator_page, coordinator.username, TEST_PASSWORD)
    coordinator_page.goto("/legal-aid/applications/?queue=green")
    coordinator_page.get_by_role("link", name=number).click()
    coordinator_page.locator("#action-fast_track summary").click()
    coordinator_page.fill("#id_fast_track-identity_note", "已核对身份证原件，电话核实包工头")
    coordinator_page.check("input[name=fast_track-missing_papers][value=labour_relation]")
    coordinator_page.check("input[name=fast_track-missing_papers][value=wage_evidence]")
    coordinator_page.click("[data-submit=fast_track]")
    expect(coordinator_page.locator(".case-status .state")).to_have_text("待指派")
    expect(coordinator_page.locator("#suggestion")).to_contain_text("林志明")
    expect(coordinator_page.locator(".case-status")).to_contain_text("指派律师")
    screenshots(coordinator_page, "legalaid-assign", lambda p: p.locator("#rotation").scroll_into_view_if_needed())
    coordinator_page.locator("#action-assign summary").click()
    coordinator_page.click("[data-submit=assign]")
    expect(coordinator_page.locator(".case-status .state")).to_have_text("待律师确认")
    application.refresh_from_db()
    assert application.lawyer == first and application.green_channel
    assert ApplicationEvent.objects.get(application=application, action="assign").data["on_time"] is True

    # The lawyer accepts.
    lawyer_page = new_page()
    log_in(lawyer_page, first.user.username, TEST_PASSWORD)
    lawyer_page.goto("/legal-aid/cases/")
    lawyer_page.get_by_role("link", name=number).click()
    lawyer_page.locator("#action-accept summary").click()
    lawyer_page.click("[data-submit=accept]")
    expect(lawyer_page.locator(".case-status .state")).to_have_text("承办中")

    # The worker comes back to the tracking page and uploads the missing papers.
    page.reload()
    expect(page.locator("#papers-request")).to_contain_text("劳动关系证明")
    expect(page.locator("#lawyer")).to_contain_text("林志明")
    for kind, name in (("labour_relation", "工牌.png"), ("wage_evidence", "欠条.pdf")):
        page.locator("#action-supply_papers summary").click()
        page.select_option("#id_supply_papers-kind", kind)
        content = b"%PDF-1.4\n%%EOF\n" if name.endswith(".pdf") else None
        page.set_input_files("#id_supply_papers-files", upload(name, content))
        page.click("[data-submit=supply_papers]")
        expect(page.locator(".messages")).to_contain_text("补交材料")
    expect(page.locator("#papers-request")).to_have_count(0)
    assert PapersRequest.objects.get(application=application).status == PapersRequest.Status.SUPPLIED

    # The lawyer closes the case with a report.
    lawyer_page.reload()
    expect(lawyer_page.locator("#paper-list li")).to_have_count(3)
    lawyer_page.locator("#action-close summary").click()
    lawyer_page.select_option("#id_close-outcome", "won")
    lawyer_page.fill("#id_close-report", "经劳动仲裁调解，包工头当庭支付全部拖欠工资 18000 元，受援人满意。")
    lawyer_page.click("[data-submit=close]")
    expect(lawyer_page.locator(".case-status .state")).to_have_text("已结案")
    expect(lawyer_page.locator("#closing")).to_contain_text("当庭支付全部拖欠工资")
    page.reload()
    expect(page.locator("[data-state]")).to_have_text("已结案")
