"""The fair rotation: over many assignments no lawyer of a specialism gets more than one
case ahead of another unless a logged skip (or an override, which logs skips) explains
it; a conflict of interest blocks; an override needs a reason and is audited."""

from collections import Counter
from itertools import combinations

import pytest
from django.core.exceptions import ValidationError

from legalaid.models import ApplicationEvent, Assignment, FirmAdverseParty, Lawyer, RotationSkip
from legalaid.services import act, suggest
from tests.legalaid.conftest import apply_online

pytestmark = pytest.mark.django_db


def approved(law, **overrides):
    return act(apply_online(law, **overrides), "approve", law.coordinator)


def counts(lawyers):
    assigned = Counter(Assignment.objects.filter(lawyer__in=lawyers).values_list("lawyer_id", flat=True))
    return {lawyer.pk: assigned[lawyer.pk] for lawyer in lawyers}


def test_plain_rotation_goes_round_in_turn(law):
    order = [act(approved(law), "assign", law.coordinator).lawyer for _ in range(10)]
    assert order == law.labour + law.labour
    assert not RotationSkip.objects.exists()


def test_over_many_assignments_only_logged_skips_put_a_lawyer_more_than_one_ahead(law):
    """60 assignments with the applicants' language wishes, conflicts and overrides mixed
    in: for any two labour lawyers, the gap in cases is at most one plus the skips logged
    against the one behind."""
    cantonese = law.labour[2]
    for n in range(60):
        params = {"applicant_name": f"申请人{n}", "applicant_id_number": f"44040219900101{n:04d}"}
        if n % 7 == 3:
            params["preferred_language"] = "粤语"
        if n % 13 == 5:
            # The other party was the client in an earlier aid case: its firm is in conflict.
            earlier = Assignment.objects.order_by("-pk").select_related("application").first().application
            params["other_party"] = earlier.applicant_name
        application = approved(law, **params)
        if n % 11 == 10:
            turn = suggest(application)
            chosen = next(c.lawyer for c in reversed(turn.candidates) if not c.blocked)
            act(
                application, "assign", law.coordinator, lawyer=chosen.pk, override_reason="申请人与该律师同乡，沟通方便"
            )
        else:
            act(application, "assign", law.coordinator)
    tally = counts(law.labour)
    skips = Counter(RotationSkip.objects.values_list("lawyer_id", flat=True))
    assert sum(tally.values()) == 60
    assert skips, "the mix must have caused skips"
    for a, b in combinations(law.labour, 2):
        for ahead, behind in ((a, b), (b, a)):
            gap = tally[ahead.pk] - tally[behind.pk]
            assert gap <= 1 + skips[behind.pk], (ahead.name, behind.name, tally, skips)
    reasons = set(RotationSkip.objects.values_list("reason", flat=True))
    assert {"language", "conflict", "override"} <= reasons
    assert Assignment.objects.filter(lawyer=cantonese).count() >= 60 // 7 - 1


def test_a_conflict_of_interest_blocks_the_firm(law):
    first = act(
        approved(law, applicant_name="李工人", applicant_id_number="440402199202021111"), "assign", law.coordinator
    )
    firm = first.lawyer.firm
    # Now 李工人 is the other side: the firm that acted for them may not act against them.
    application = approved(law, other_party="李工人", other_party_id_number="440402199202021111")
    turn = suggest(application)
    blocked = {c.lawyer.pk for c in turn.candidates if c.conflict}
    assert blocked == set(
        Lawyer.objects.filter(firm=firm, specialisms__contains=["labour"]).values_list("pk", flat=True)
    )
    assert turn.suggestion.lawyer.firm != firm
    with pytest.raises(ValidationError) as raised:
        act(application, "assign", law.coordinator, lawyer=first.lawyer.pk, override_reason="坚持指派")
    assert "利益冲突" in raised.value.message_dict["lawyer"][0]
    application = act(application, "assign", law.coordinator)
    logged = RotationSkip.objects.filter(application=application, reason="conflict")
    ranked_ahead = [c.lawyer.pk for c in turn.candidates[: turn.position_of(application.lawyer)] if c.conflict]
    assert sorted(logged.values_list("lawyer_id", flat=True)) == sorted(ranked_ahead)


def test_a_firm_s_declared_adverse_party_blocks_it_too(law):
    FirmAdverseParty.objects.create(firm=law.firms[1], name="王农民工", note="2024 年某劳动争议案对方")
    application = approved(law)
    turn = suggest(application)
    assert all(c.conflict for c in turn.candidates if c.lawyer.firm == law.firms[1])
    assert turn.suggestion.lawyer.firm != law.firms[1]


def test_an_override_needs_a_reason_and_is_audited(law):
    application = approved(law)
    turn = suggest(application)
    other = turn.candidates[3].lawyer
    with pytest.raises(ValidationError) as raised:
        act(application, "assign", law.coordinator, lawyer=other.pk)
    assert "override_reason" in raised.value.message_dict
    application = act(application, "assign", law.coordinator, lawyer=other.pk, override_reason="申请人曾由该律师咨询")
    assignment = Assignment.objects.get(application=application)
    assert assignment.suggested == turn.suggestion.lawyer and assignment.override_reason == "申请人曾由该律师咨询"
    event = ApplicationEvent.objects.get(application=application, action="assign")
    assert event.actor == law.coordinator
    assert event.data["overridden"] is True and event.data["override_reason"] == "申请人曾由该律师咨询"
    assert event.data["suggested"] == turn.suggestion.lawyer.pk
    skipped = RotationSkip.objects.filter(assignment=assignment)
    assert list(skipped.values_list("reason", flat=True)) == ["override"] * 3
    assert [s.lawyer for s in skipped] == [c.lawyer for c in turn.candidates[:3]]


def test_the_applicant_s_wishes_are_considered(law):
    named = law.labour[4]
    application = act(approved(law, preferred_lawyer=named.pk), "assign", law.coordinator)
    assert application.lawyer == named
    assert set(RotationSkip.objects.filter(application=application).values_list("reason", flat=True)) == {"preferred"}
    application = act(approved(law, preferred_language="粤语"), "assign", law.coordinator)
    assert application.lawyer == law.labour[2]
    # Nobody speaks it: the wish cannot be met and the turn goes on.
    turn = suggest(approved(law, preferred_language="潮汕话"))
    assert turn.suggestion is not None and "潮汕话" in turn.wish_note


def test_lawyers_who_declined_or_were_replaced_are_passed_over_and_the_skip_logged(law):
    jia = law.labour[0]
    first = [act(approved(law), "assign", law.coordinator) for _ in law.labour]  # one case each
    assert first[0].lawyer == jia
    # The applicant asks for another lawyer: 甲 has the fewest open cases but is passed over.
    application = act(first[0], "change_lawyer", law.resident, reason="律师联系不上")
    application = act(application, "assign", law.coordinator)
    assert application.lawyer != jia
    assert RotationSkip.objects.get(application=application, lawyer=jia).reason == "replaced"
    # 甲 is next for a new case, declines it, and is passed over when it is assigned again.
    application = act(approved(law), "assign", law.coordinator)
    assert application.lawyer == jia
    application = act(application, "decline", jia.user, reason="与对方有亲属关系，需回避")
    assert application.state == "approved"
    application = act(application, "assign", law.coordinator)
    assert application.lawyer != jia
    assert RotationSkip.objects.get(application=application, lawyer=jia).reason == "declined"


def test_suspended_lawyers_and_other_specialisms_are_not_in_the_pool(law):
    suspended = law.labour[0]
    suspended.status = Lawyer.Status.SUSPENDED
    suspended.save()
    pool = {c.lawyer for c in suggest(approved(law)).candidates}
    assert pool == set(law.labour[1:])
