"""The workflow pieces legal aid shares with mediation (gaoxin.workflow, gaoxin.inputs): an
immutable timeline, a state conflict as HTTP 409, an unknown id as an input error."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from legalaid.services import act
from tests.api.conftest import token_client
from tests.legalaid.conftest import apply_online

pytestmark = pytest.mark.django_db


def test_timeline_events_cannot_be_changed_or_deleted(law):
    event = apply_online(law).events.get(action="submit")
    event.note = "改写"
    with pytest.raises(ValidationError, match="办理记录不可修改"):
        event.save()
    with pytest.raises(ValidationError, match="办理记录不可删除"):
        event.delete()
    event.refresh_from_db()
    assert event.note == ""


def test_an_action_the_state_does_not_allow_is_a_conflict(law):
    application = act(apply_online(law), "approve", law.coordinator)
    response = token_client(law.coordinator).post(
        reverse("api-legalaid-approve", args=[application.pk]), {}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "action_not_allowed"


def test_an_id_beyond_the_database_is_an_input_error(law):
    application = act(apply_online(law), "approve", law.coordinator)
    with pytest.raises(ValidationError) as error:
        act(application, "assign", law.coordinator, lawyer="99999999999999999999")
    assert error.value.message_dict == {"lawyer": ["请选择有效的律师"]}
