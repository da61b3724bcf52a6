"""A case's page (facts, map, photos, timeline, countdown) and the workflow actions
taken from it. Every action is a POST to cases.services.act; the page offers only what
services.available_actions allows this user now."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import Role
from cases import services
from cases.errors import ActionNotAllowed
from cases.forms import ACTION_SPECS, ActionForm, add_service_errors
from cases.models import CasePhoto, CaseRequest, CaseState
from cases.selectors import DISTRICT_ROLES, case_list, possible_duplicates, routing_suggestion, timeline, visible_cases
from cases.views.common import forbidden
from cases.workflow import TRANSITIONS

# Duplicates matter while a case is still being established.
_INTAKE_STATES = (CaseState.TO_VERIFY, CaseState.TO_FILE)
# Who sees a reporter's phone number in full (to call back or to find the place).
_CONTACT_ROLES = (*DISTRICT_ROLES, Role.GRID_OFFICER)

_EVENT_LABELS = {
    "report": gettext_lazy("上报"),
    "resolve_on_spot": gettext_lazy("现场处置"),
    "merged_from": gettext_lazy("合并重复案件"),
    "deadline_warning": gettext_lazy("时限预警"),
    "deadline_overdue": gettext_lazy("超期"),
    "deadline_escalated": gettext_lazy("超期升级"),
}
# How a timeline line looks: deadline crossings and send-backs stand out.
_EVENT_TONES = {
    "deadline_warning": "warning",
    "deadline_overdue": "overdue",
    "deadline_escalated": "escalated",
    "check_fail": "danger",
    "rework": "danger",
    "return": "danger",
    "void": "danger",
    "reject_extension": "danger",
    "reject_hold": "danger",
}
_ACTOR_LABELS = {"system": gettext_lazy("系统"), services.PUBLIC_ACTOR: gettext_lazy("公众")}


def _case_or_404(user, pk):
    requests = CaseRequest.objects.select_related("requested_by", "decided_by").order_by("-requested_at")
    cases = case_list(user).select_related("reporter", "merged_into").prefetch_related(Prefetch("requests", requests))
    return get_object_or_404(cases, pk=pk)


@login_required
def case_detail(request, pk):
    return _render_detail(request, _case_or_404(request.user, pk))


@require_POST
@login_required
def case_act(request, pk, action):
    case = _case_or_404(request.user, pk)
    transition = TRANSITIONS.get(action)
    if transition is None or action not in ACTION_SPECS:
        raise Http404
    if not request.user.has_role(*transition.actors):
        return forbidden(request, _("您无权对该案件执行“%(action)s”") % {"action": transition.label})
    if case.state not in transition.sources:
        return _conflict(request, case, _state_conflict(case, transition))

    form = ActionForm(action, request.POST, request.FILES, duplicates=_duplicates(case, request.user))
    if form.is_valid():
        try:
            services.act(case, action, request.user, **form.service_input())
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except ActionNotAllowed as exc:
            return _conflict(request, _case_or_404(request.user, pk), exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("已%(action)s：案件 %(number)s") % {"action": transition.label, "number": case.number}
            )
            if not visible_cases(request.user).filter(pk=case.pk).exists():
                return redirect("cases:queues")  # e.g. returned by the unit: no longer theirs
            return redirect("cases:detail", pk=case.pk)
    return _render_detail(request, case, bound=form, status=400)


def _state_conflict(case, transition):
    return _("案件当前状态为“%(state)s”，不能%(action)s") % {
        "state": case.get_state_display(),
        "action": transition.label,
    }


def _conflict(request, case, message):
    return _render_detail(request, case, status=409, conflict=message)


def _duplicates(case, user):
    """Open cases that may report the same problem, among those the user may see."""
    if case.state not in _INTAKE_STATES:
        return None
    return possible_duplicates(case.category, case.location, exclude_pk=case.pk) & visible_cases(user)


def _render_detail(request, case, *, bound=None, status=200, conflict=None):
    user = request.user
    duplicates = _duplicates(case, user)
    duplicate_list = list(duplicates) if duplicates is not None else []
    transitions = services.available_actions(case, user)
    suggested_unit = routing_suggestion(case) if any(t.action == "dispatch" for t in transitions) else None
    actions = []
    for transition in transitions:
        if transition.action not in ACTION_SPECS or (transition.action == "merge" and not duplicate_list):
            continue
        if bound is not None and bound.action == transition.action:
            form = bound
        else:
            form = ActionForm(transition.action, duplicates=duplicates, suggested_unit=suggested_unit)
        actions.append({"transition": transition, "form": form, "url": _act_url(case, transition.action)})
    # Moving the case on comes first; sending it back or ending it, last.
    actions.sort(key=lambda item: item["form"].spec.tone == "danger")

    photos = list(case.photos.all())
    pending = [r for r in case.requests.all() if r.status == CaseRequest.Status.PENDING]
    context = {
        "case": case,
        "actions": actions,
        "conflict": conflict,
        "failed": next((item for item in actions if item["form"] is bound), None),
        "duplicates": duplicate_list,
        "suggested_unit": suggested_unit,
        "pending_requests": {r.kind: r for r in pending},
        "requests": list(case.requests.all()),
        "before_photos": [p for p in photos if p.kind == CasePhoto.Kind.BEFORE],
        "after_photos": [p for p in photos if p.kind == CasePhoto.Kind.AFTER],
        "events": [_event_row(event) for event in timeline(case)],
        "reporter_phone": _phone_for(user, case),
        "map_config": _map_config(case),
    }
    return render(request, "cases/detail.html", context, status=status)


def _act_url(case, action):
    return reverse("cases:act", kwargs={"pk": case.pk, "action": action})


def _event_row(event):
    transition = TRANSITIONS.get(event.action)
    actor = event.actor.display_name if event.actor is not None else _ACTOR_LABELS.get(event.actor_role, "")
    role = Role(event.actor_role).label if event.actor_role in Role.values else ""
    return {
        "event": event,
        "label": _EVENT_LABELS.get(event.action) or (transition.label if transition else event.action),
        "tone": _EVENT_TONES.get(event.action, ""),
        "actor": actor,
        "role": role,
        "moved": event.from_state and event.from_state != event.to_state,
        "from_label": CaseState(event.from_state).label if event.from_state else "",
        "to_label": CaseState(event.to_state).label,
        "photos": list(event.photos.all()),
    }


def _phone_for(user, case):
    phone = case.reporter_phone
    if not phone or user.has_role(*_CONTACT_ROLES) or case.reporter_id == user.pk:
        return phone
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def _map_config(case):
    return {
        "points": [{"lat": case.location.y, "lon": case.location.x, "label": case.address or case.number}],
        "grids": [{"name": case.grid.name, "code": case.grid.code, "geometry": _geojson(case.grid.boundary)}],
    }


def _geojson(geometry):
    return json.loads(geometry.geojson)
