"""The countdown shown on lists and the case page: normal, warning, overdue, in words."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import Case, CaseState
from cases.templatetags.case_tags import countdown, countdown_of

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday


def calendar_case(world, hours=10, state=CaseState.TO_VERIFY):
    return Case(category=world.collapse, state=state, stage_started_at=START, due_at=START + timedelta(hours=hours))


@pytest.mark.parametrize(
    ("elapsed", "status", "text"),
    [
        (1, "normal", "剩余 9 小时 0 分"),
        (8.5, "warning", "预警：剩余 1 小时 30 分"),  # 85% used, past the 80% line
        (11.25, "overdue", "已超期 1 小时 15 分"),
    ],
)
def test_countdown_on_calendar_time(world, elapsed, status, text):
    state = countdown_of(calendar_case(world), now=START + timedelta(hours=elapsed))
    assert (state.status, state.text) == (status, text)


def test_countdown_on_working_time_counts_office_hours(world):
    case = Case(category=world.garbage, state=CaseState.HANDLING, stage_started_at=START)
    case.due_at = datetime(2026, 11, 12, 9, 0, tzinfo=START.tzinfo)  # 14 working hours later
    state = countdown_of(case, now=START)
    assert (state.status, state.text) == ("normal", "剩余 2 个工作日 0 小时")


def test_the_warning_line_is_a_setting(world, settings):
    settings.DEADLINE_WARNING_FRACTION = 0.5
    assert countdown_of(calendar_case(world), now=START + timedelta(hours=6)).status == "warning"


def test_held_untimed_and_finished_cases(world):
    assert countdown_of(calendar_case(world, state=CaseState.HELD)).status == "paused"
    assert countdown_of(Case(category=world.collapse, state=CaseState.TO_FILE)).status == "untimed"
    assert countdown_of(calendar_case(world, state=CaseState.CLOSED)).status == "done"
    assert countdown(calendar_case(world, state=CaseState.CLOSED)) == ""


def test_the_label_has_colour_class_words_and_due_time(world):
    due = timezone.now() - timedelta(hours=2)
    html = countdown(Case(category=world.collapse, state=CaseState.TO_CHECK, stage_started_at=due, due_at=due))
    assert 'class="countdown is-overdue"' in html
    assert "已超期 2 小时" in html
    assert f'title="时限 {timezone.localtime(due):%Y-%m-%d %H:%M}"' in html
