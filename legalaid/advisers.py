"""Community legal advisers (村居法律顾问): the duty roster that keeps one on duty in every
community every day, the check that flags gaps ahead of time, and consultations, which
refer a resident to legal aid or to people's mediation in the same step."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from gaoxin.inputs import given
from grid.models import Community
from legalaid import selectors, services
from legalaid.inputs import Input
from legalaid.models import Adviser, Channel, Consultation, ConsultationTopic, DutyShift, RosterGapAlert
from notifications.services import notify_many

# The mediation dispute type a consultation topic becomes when referred.
_DISPUTE_TYPE_OF_TOPIC = {
    ConsultationTopic.LABOUR: "labour",
    ConsultationTopic.FAMILY: "family",
    ConsultationTopic.NEIGHBOUR: "neighbour",
    ConsultationTopic.PROPERTY: "property",
    ConsultationTopic.CONTRACT: "contract",
    ConsultationTopic.INJURY: "damage",
    ConsultationTopic.CONSUMER: "consumer",
}


def _coordinator(actor):
    if actor is None or not actor.is_authenticated or not actor.has_role(Role.LEGAL_AID_COORDINATOR):
        raise PermissionDenied(_("只有法律援助协调员可以排班"))


# ---------------------------------------------------------------- roster


def set_shift(*, actor, **params) -> DutyShift:
    """Put an adviser on duty in a community on a day (a coordinator's job)."""
    _coordinator(actor)
    data = Input(params)
    community = data.one("community", Community.objects.all(), required=_("请选择社区"), invalid=_("请选择有效的社区"))
    day = data.day("day", required=_("请选择日期"))
    adviser = data.one(
        "adviser", Adviser.objects.filter(active=True), required=_("请选择法律顾问"), invalid=_("请选择在岗的法律顾问")
    )
    place = data.text("place", max_length=100)
    hours = data.text("hours", max_length=50)
    if adviser and community and not adviser.communities.filter(pk=community.pk).exists():
        data.error("adviser", _("该法律顾问不服务此社区"))
    data.check()
    defaults = {"place": place or "社区法律服务室", "hours": hours or "09:00-12:00 14:30-17:30"}
    try:
        with transaction.atomic():
            shift = DutyShift.objects.create(community=community, day=day, adviser=adviser, **defaults)
    except IntegrityError as exc:
        raise ValidationError({"adviser": _("该法律顾问当天已在此社区值班")}) from exc
    return shift


def remove_shift(*, actor, shift) -> None:
    _coordinator(actor)
    shift.delete()


def flag_roster_gaps(now=None) -> int:
    """Tell coordinators (and the community's advisers) of days ahead with nobody on duty,
    once per community-day; returns how many gaps were newly flagged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    gaps = selectors.roster_gaps(today, today + timedelta(days=settings.LEGALAID_ROSTER_LOOKAHEAD_DAYS - 1))
    if not gaps:
        return 0
    with transaction.atomic():
        known = set(
            RosterGapAlert.objects.filter(day__gte=today, day__in={day for day, _c in gaps}).values_list(
                "community_id", "day"
            )
        )
        new = [(day, community) for day, community in gaps if (community.pk, day) not in known]
        RosterGapAlert.objects.bulk_create(
            RosterGapAlert(community=community, day=day, alerted_at=now) for day, community in new
        )
        if not new:
            return 0
        coordinators = set(services.role_members(Role.LEGAL_AID_COORDINATOR).values_list("pk", flat=True))
        advisers = selectors.advisers_by_community({community.pk for _day, community in new})
        link = reverse("legalaid:roster")
        rows = []
        for day, community in new:
            title = _("%(day)s %(community)s 尚无法律顾问值班") % {
                "day": f"{day:%Y-%m-%d}",
                "community": community.name,
            }
            rows += [(user, title, _("请安排值班"), link) for user in sorted(coordinators | advisers[community.pk])]
        notify_many(rows)
    return len(new)


# ---------------------------------------------------------------- consultations


def log_consultation(*, actor, at=None, **params) -> Consultation:
    """Record a consultation by a community legal adviser; with referral `legal_aid` a
    legal-aid application is filed for the person, with `mediation` a mediation dispute
    is registered, in the same transaction.

    params: community, consulted_at, person_name, person_phone, topic, question, advice,
    referral, referral_note; for a referral also other_party and claims, and for legal aid
    applicant_id_number, matter_type, stage and groups.
    """
    now = at or timezone.now()
    adviser = selectors.adviser_profile(actor)
    if adviser is None:
        raise PermissionDenied(_("只有在岗的社区法律顾问可以登记咨询"))
    data = Input(params)
    community = data.one(
        "community", adviser.communities.all(), required=_("请选择社区"), invalid=_("只能登记您服务社区的咨询")
    )
    consulted_at = data.raw("consulted_at") or now
    if not isinstance(consulted_at, datetime) or timezone.is_naive(consulted_at) or consulted_at > now:
        data.error("consulted_at", _("咨询时间无效"))
        consulted_at = now
    person_name = data.text("person_name", required=_("请填写咨询人"), max_length=50)
    person_phone = data.phone("person_phone")
    topic = data.choice("topic", ConsultationTopic, required=_("请选择咨询类别"))
    question = data.text("question", required=_("请填写咨询问题"), max_length=3000)
    advice = data.text("advice", required=_("请填写解答意见"), max_length=3000)
    referral = data.choice("referral", Consultation.Referral, default=Consultation.Referral.NONE)
    referral_note = data.text("referral_note", max_length=300)
    referral_fields = ("other_party", "claims", "applicant_id_number", "matter_type", "stage", "groups")
    referral_params = given({name: data.raw(name) for name in referral_fields})
    if referral != Consultation.Referral.NONE and not person_phone:
        data.error("person_phone", _("转介须留下联系电话"))
    data.check()
    with transaction.atomic():
        consultation = Consultation(
            adviser=adviser,
            community=community,
            consulted_at=consulted_at,
            person_name=person_name,
            person_phone=person_phone,
            topic=topic,
            question=question,
            advice=advice,
            referral=referral,
            referral_note=referral_note,
            recorded_at=now,
        )
        if referral == Consultation.Referral.LEGAL_AID:
            consultation.application = _refer_to_legal_aid(actor, now, consultation, referral_params)
        consultation.save()
        if referral == Consultation.Referral.MEDIATION:
            # After the save: the dispute names the consultation it came from.
            consultation.dispute_number = _refer_to_mediation(actor, now, consultation, referral_params)
            consultation.save(update_fields=["dispute_number"])
    return consultation


_CONSULTATION_FIELD = {"applicant_name": "person_name", "applicant_phone": "person_phone", "facts": "question"}


def _refer_to_legal_aid(actor, now, consultation, params):
    try:
        return services.submit(
            actor=actor,
            at=now,
            channel=Channel.ADVISER,
            applicant_name=consultation.person_name,
            applicant_phone=consultation.person_phone,
            community=consultation.community,
            facts=consultation.question,
            **params,
        )
    except ValidationError as error:
        raise ValidationError(
            {_CONSULTATION_FIELD.get(name, name): messages for name, messages in error.message_dict.items()}
        ) from error


def _refer_to_mediation(actor, now, consultation, params) -> str:
    """Register a people's-mediation dispute for the consultation (mediation.services) as
    the adviser's referral: the adviser is its referrer and registrant (so they can follow
    it), the consultation its referral document; the consultation keeps the number."""
    from mediation import services as mediation

    other_party = (params.get("other_party") or "").strip()
    if not other_party:
        raise ValidationError({"other_party": _("转人民调解须填写对方当事人")})
    try:
        dispute = mediation.register(
            actor=actor,
            at=now,
            source="adviser",
            referral_org=_("社区法律顾问 %(adviser)s") % {"adviser": consultation.adviser.user.display_name},
            referral_number=_("法律咨询记录 %(id)s") % {"id": consultation.pk},
            dispute_type=_DISPUTE_TYPE_OF_TOPIC.get(consultation.topic, "other"),
            summary=consultation.question,
            claims=(params.get("claims") or "").strip(),
            community=consultation.community,
            contact_phone=consultation.person_phone,
            parties=[
                {"side": "applicant", "name": consultation.person_name, "phone": consultation.person_phone},
                {"side": "respondent", "name": other_party},
            ],
        )
    except ValidationError as error:
        fields = {"parties": "other_party", "contact_phone": "person_phone", "summary": "question"}
        raise ValidationError(
            {fields.get(name, name): messages for name, messages in error.message_dict.items()}
        ) from error
    return dispute.number
