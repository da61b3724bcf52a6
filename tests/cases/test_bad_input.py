"""Bad input gets a clear error and leaves nothing half-written."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.errors import ActionNotAllowed
from cases.models import Case, CaseEvent, CasePhoto, CaseSource
from cases.services import act, report
from tests.cases.conftest import advance
from tests.factories import photo, point_in

pytestmark = pytest.mark.django_db


def _counts():
    return Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()


def _report(world, **overrides):
    lon, lat = point_in(world.home)
    values = {
        "actor": world.resident,
        "source": CaseSource.RESIDENT,
        "category": world.garbage,
        "lon": lon,
        "lat": lat,
        "description": "有问题",
    }
    return report(**{**values, **overrides})


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"category": 999999}, "category", "类别"),
        ({"category": "not-a-number"}, "category", "类别"),
        ({"lon": 114.3, "lat": 22.7}, "location", "不在辖区内"),
        ({"lon": "abc"}, "location", "数字"),
        ({"description": "   "}, "description", "描述"),
        (
            {"photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")]},
            "photos",
            "不是有效的图片",
        ),
        ({"photos": [photo(image_format="GIF", name="a.gif")]}, "photos", "格式不支持"),
        ({"photos": [photo() for _ in range(6)]}, "photos", "最多"),
        ({"actor": None}, "reporter_phone", "联系电话"),
        ({"source": CaseSource.OFFICER}, "source", "网格员"),
    ],
)
def test_bad_report_is_refused_with_a_clear_message(world, overrides, field, message):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        _report(world, **overrides)
    assert message in " ".join(error.value.message_dict[field])
    assert _counts() == before


def test_oversized_photo_is_refused(world, settings):
    settings.CASE_PHOTO_MAX_BYTES = 100
    before = _counts()
    with pytest.raises(ValidationError) as error:
        _report(world, photos=[photo(size=(200, 200))])
    assert "超过" in error.value.message_dict["photos"][0]
    assert _counts() == before


def test_several_errors_are_reported_together(world):
    with pytest.raises(ValidationError) as error:
        _report(world, description="", category=0, lon=0, lat=0)
    assert {"description", "category", "location"} <= set(error.value.message_dict)


def test_action_in_the_wrong_state_is_a_conflict(world, resident_case):
    before = _counts()
    with pytest.raises(ActionNotAllowed) as error:
        act(resident_case, "close", world.chief)
    assert "待核实" in error.value.message
    assert _counts() == before


def test_action_input_is_checked(world, resident_case):
    case = advance(resident_case, world, "accept")
    with pytest.raises(ValidationError) as error:
        act(case, "feedback", world.handler, note="")
    assert {"note", "photos"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError):
        act(case, "request_extension", world.handler, hours="lots", note="x")
    with pytest.raises(ValidationError):
        act(case, "unknown_action", world.handler)
    case.refresh_from_db()
    assert case.state == "handling" and case.events.count() == 5


def test_a_failing_effect_rolls_back_the_whole_action(world, resident_case):
    case = advance(resident_case, world, "verify")
    with pytest.raises(ActionNotAllowed):
        act(case, "merge", world.clerk, duplicate_of=case)
    case.refresh_from_db()
    assert case.state == "to_file" and not case.events.filter(action="merge").exists()


def test_retried_external_submission_returns_the_same_case(world):
    first = _report(
        world, actor=None, source=CaseSource.PLATFORM, reporter_phone="1", external_system="12345", external_id="A-1"
    )
    again = _report(
        world, actor=None, source=CaseSource.PLATFORM, reporter_phone="1", external_system="12345", external_id="A-1"
    )
    assert again.pk == first.pk
    assert Case.objects.filter(external_id="A-1").count() == 1
