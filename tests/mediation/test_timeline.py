"""A dispute's timeline (gaoxin.workflow.WorkflowEvent): written with each change, never
changed or deleted afterwards."""

import pytest
from django.core.exceptions import ValidationError

from tests.mediation.conftest import apply_online

pytestmark = pytest.mark.django_db


def test_timeline_events_cannot_be_changed_or_deleted(mworld):
    dispute = apply_online(mworld)
    event = dispute.events.get()
    assert (event.action, event.from_state, event.to_state) == ("register", "", dispute.state)
    event.note = "改写"
    with pytest.raises(ValidationError, match="纠纷记录不可修改"):
        event.save()
    with pytest.raises(ValidationError, match="纠纷记录不可删除"):
        event.delete()
    event.refresh_from_db()
    assert event.note == ""
