"""The case page and its actions: scope (404), permission (403), state (409), input
errors that keep what was typed (400), and what a successful action leads to."""

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseState
from cases.services import act
from tests.cases.conftest import advance
from tests.factories import photo
from tests.web.conftest import resident_report

pytestmark = pytest.mark.django_db


def detail(client, user, case):
    client.force_login(user)
    return client.get(f"/cases/{case.pk}/")


def post_action(client, user, case, action, data=None):
    client.force_login(user)
    return client.post(f"/cases/{case.pk}/act/{action}/", data or {})


def offered_actions(response):
    html = response.content.decode()
    return {part.split('"', 1)[0] for part in html.split('data-action="')[1:]}


def test_a_case_outside_the_users_scope_is_not_found(client, world, resident_case):
    assert detail(client, world.officer, resident_case).status_code == 200
    assert detail(client, world.away_officer, resident_case).status_code == 404
    assert detail(client, world.other_resident, resident_case).status_code == 404
    advance(resident_case, world, "dispatch")
    assert detail(client, world.handler, resident_case).status_code == 200
    assert detail(client, world.other_handler, resident_case).status_code == 404
    assert post_action(client, world.other_handler, resident_case, "accept").status_code == 404


def test_the_page_offers_exactly_the_actions_the_user_may_take(client, world, resident_case):
    assert offered_actions(detail(client, world.officer, resident_case)) == {"verify"}
    assert offered_actions(detail(client, world.chief, resident_case)) == {"void"}  # no duplicate to merge into
    assert offered_actions(detail(client, world.dispatcher, resident_case)) == set()
    case = advance(resident_case, world, "accept")
    assert offered_actions(detail(client, world.handler, case)) == {
        "feedback",
        "return",
        "request_extension",
        "request_hold",
    }


def test_the_case_page_shows_facts_countdown_photos_and_map(client, world, resident_case):
    response = detail(client, world.chief, resident_case)
    html = response.content.decode()
    assert resident_case.number in html and "小区门口垃圾堆积" in html
    assert 'class="countdown is-normal"' in html
    assert 'id="case-map"' in html and "case-map-config" in html
    assert response.context["map_config"]["grids"][0]["code"] == world.home.code
    assert len(response.context["before_photos"]) == 1


def test_dispatch_preselects_the_routing_suggestion(client, world, resident_case):
    advance(resident_case, world, "file")
    response = detail(client, world.dispatcher, resident_case)
    form = response.context["actions"][0]["form"]
    assert form.action == "dispatch"
    assert response.context["suggested_unit"] is not None
    assert form["unit"].value() == response.context["suggested_unit"].pk


def test_an_action_the_user_may_not_take_is_forbidden(client, world, resident_case):
    response = post_action(client, world.officer, resident_case, "file")
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    resident_case.refresh_from_db()
    assert resident_case.state == CaseState.TO_VERIFY


def test_an_action_the_state_does_not_allow_is_a_conflict(client, world, resident_case):
    advance(resident_case, world, "verify")
    response = post_action(client, world.chief, resident_case, "close")
    assert response.status_code == 409
    assert "不能结案" in response.context["conflict"]
    resident_case.refresh_from_db()
    assert resident_case.state == CaseState.TO_FILE


def test_a_second_click_after_someone_else_acted_is_a_conflict(client, world, resident_case):
    page = detail(client, world.officer, resident_case)
    assert "verify" in offered_actions(page)
    act(resident_case, "verify", world.officer)
    response = post_action(client, world.officer, resident_case, "verify")
    assert response.status_code == 409
    assert resident_case.events.filter(action="verify").count() == 1


def test_input_errors_show_next_to_the_field_and_keep_the_input(client, world, resident_case):
    case = advance(resident_case, world, "accept")
    response = post_action(client, world.handler, case, "request_extension", {"hours": "6", "note": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_request_extension_note_error"' in html
    assert "请说明延期理由" in html
    assert 'name="hours" value="6"' in html
    assert not case.requests.exists()


def test_a_successful_action_redirects_to_the_case_with_a_message(client, world, resident_case):
    response = post_action(client, world.officer, resident_case, "verify", {"note": "现场属实"})
    assert response.status_code == 302 and response.url == f"/cases/{resident_case.pk}/"
    page = client.get(response.url)
    assert f"已核实：案件 {resident_case.number}" in page.content.decode()
    resident_case.refresh_from_db()
    assert resident_case.state == CaseState.TO_FILE


def test_feedback_uploads_after_photos(client, world, resident_case):
    case = advance(resident_case, world, "accept")
    response = post_action(
        client, world.handler, case, "feedback", {"note": "已清运完毕", "photos": [photo("a.png"), photo("b.png")]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.TO_CHECK
    assert len(client.get(f"/cases/{case.pk}/").context["after_photos"]) == 2


def test_a_case_returned_by_the_unit_leaves_the_handler_on_their_queue(client, world, resident_case):
    case = advance(resident_case, world, "dispatch")
    response = post_action(client, world.handler, case, "return", {"note": "不属于本单位职责"})
    assert response.status_code == 302 and response.url == "/cases/queues/"
    case.refresh_from_db()
    assert case.state == CaseState.TO_DISPATCH and case.unit is None


def test_a_failed_check_goes_back_to_the_unit(client, world, resident_case):
    case = advance(resident_case, world, "feedback")
    assert post_action(client, world.officer, case, "check_fail", {"note": "垃圾仍未清理"}).status_code == 302
    case.refresh_from_db()
    assert (case.state, case.rework_count) == (CaseState.HANDLING, 1)
    assert "feedback" in offered_actions(detail(client, world.handler, case))


def test_extension_request_and_approval(client, world, resident_case):
    case = advance(resident_case, world, "accept")
    due = case.handle_due_at
    post_action(client, world.handler, case, "request_extension", {"hours": "3", "note": "等待配件"})
    page = detail(client, world.dispatcher, case)
    assert {"approve_extension", "reject_extension"} <= offered_actions(page)
    assert "等待配件" in page.content.decode()
    assert post_action(client, world.dispatcher, case, "approve_extension").status_code == 302
    case.refresh_from_db()
    assert case.handle_due_at > due and case.extension_count == 1


def test_merge_offers_only_possible_duplicates(client, world, resident_case):
    duplicate = resident_report(world, description="同一堆垃圾")
    far_away = resident_report(world, grid=world.away, description="另一处垃圾")
    page = detail(client, world.chief, duplicate)
    choices = page.context["actions"][[a["transition"].action for a in page.context["actions"]].index("merge")]
    assert list(choices["form"].fields["duplicate_of"].queryset) == [resident_case]
    assert post_action(client, world.chief, duplicate, "merge", {"duplicate_of": far_away.pk}).status_code == 400
    assert post_action(client, world.chief, duplicate, "merge", {"duplicate_of": resident_case.pk}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.state == CaseState.MERGED and duplicate.merged_into == resident_case


def test_supervisor_evaluates_a_closed_case(client, world, resident_case):
    case = advance(resident_case, world, "close")
    assert post_action(client, world.supervisor, case, "evaluate", {"score": "9"}).status_code == 400
    assert post_action(client, world.supervisor, case, "evaluate", {"score": "4"}).status_code == 302
    assert Case.objects.get(pk=case.pk).evaluation_score == 4


def test_the_timeline_sets_deadline_events_apart(client, world, resident_case):
    for action in ("deadline_warning", "deadline_overdue", "deadline_escalated"):
        CaseEvent.objects.create(
            case=resident_case,
            action=action,
            actor_role="system",
            from_state=resident_case.state,
            to_state=resident_case.state,
            note=action,
            created_at=timezone.now(),
        )
    html = detail(client, world.chief, resident_case).content.decode()
    for tone, label in (("warning", "时限预警"), ("overdue", "超期"), ("escalated", "超期升级")):
        assert f'tone-{tone}" data-event="deadline_{tone}"' in html
        assert f"<strong>{label}</strong>" in html


def test_the_reporters_phone_is_masked_for_unit_handlers(client, world, resident_case):
    case = advance(resident_case, world, "dispatch")
    assert "13900000001" in detail(client, world.dispatcher, case).content.decode()
    html = detail(client, world.handler, case).content.decode()
    assert "13900000001" not in html and "139****0001" in html


def test_category_and_unit_names_follow_the_page_language(client, world, resident_case):
    case = advance(resident_case, world, "accept")
    case.category.name_en, case.unit.name_en = "Garbage piled up", "Sanitation Office"
    case.category.save(update_fields=["name_en"])
    case.unit.save(update_fields=["name_en"])
    client.force_login(world.chief)
    chinese = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.category.name in chinese and "Garbage piled up" not in chinese
    client.cookies["django_language"] = "en"
    for url in (f"/cases/{case.pk}/", "/cases/search/"):
        english = client.get(url).content.decode()
        assert "Garbage piled up" in english and "Sanitation Office" in english, url
