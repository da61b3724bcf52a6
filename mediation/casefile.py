"""A dispute's case file (卷宗): every document of the matter in one list, generated from
the record or uploaded, each downloadable, and the whole as one ZIP for the archive."""

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from django.urls import reverse
from django.utils.translation import gettext as _

from mediation import documents
from mediation.models import Agreement, DisputeState, MediationSession
from mediation.selectors import agreement_of


@dataclass(frozen=True)
class Entry:
    key: str  # "application", "session-2", "upload-17"...
    title: str
    kind: str
    when: datetime | None
    generated: bool

    def url(self, dispute):
        return reverse("mediation:document", args=[dispute.pk, self.key])


def entries(dispute) -> list[Entry]:
    """The documents of the case file in the order of the matter."""
    items = [Entry("application", _application_title(dispute), _("申请与受理"), dispute.registered_at, True)]
    if dispute.rights_notice_at:
        items.append(
            Entry("rights-notice", _("当事人权利义务告知书"), _("权利义务告知"), dispute.rights_notice_at, True)
        )
    for session in dispute.sessions.all():
        if session.status == MediationSession.Status.HELD:
            title = _("调解笔录（第 %(n)s 次）") % {"n": session.sequence}
            items.append(Entry(f"session-{session.sequence}", title, _("调解笔录"), session.recorded_at, True))
    agreement = agreement_of(dispute)
    if agreement is not None:
        title = _("人民调解协议书") if agreement.kind == Agreement.Kind.WRITTEN else _("口头调解协议登记表")
        items.append(Entry("agreement", title, _("调解协议"), agreement.signed_at, True))
        if agreement.performance_records.exists():
            items.append(Entry("performance", _("协议履行情况记录"), _("履行"), agreement.performed_at, True))
        if agreement.confirmation_applied_at:
            items.append(
                Entry("confirmation", _("司法确认申请登记"), _("司法确认"), agreement.confirmation_applied_at, True)
            )
    elif dispute.outcome in (DisputeState.FAILED, DisputeState.REFUSED, DisputeState.WITHDRAWN):
        items.append(Entry("termination", dispute.get_outcome_display(), _("调解终结"), dispute.concluded_at, True))
    for visit in dispute.follow_ups.all():
        if visit.visited_at:
            title = _("回访记录（第 %(n)s 次）") % {"n": visit.sequence}
            items.append(Entry(f"follow-up-{visit.sequence}", title, _("回访"), visit.visited_at, True))
    for document in dispute.documents.all():
        items.append(
            Entry(f"upload-{document.pk}", document.title, document.get_kind_display(), document.uploaded_at, False)
        )
    return items


def _application_title(dispute):
    return _("人民调解申请书") if dispute.source in ("resident_online", "desk") else _("纠纷受理登记表")


class NotInFile(LookupError):
    pass


def render(dispute, key, parties) -> tuple[str, bytes, str]:
    """The document `key` of the case file: (file name, content, content type).

    `parties` are the parties as the requesting user may see them (masked or not)."""
    if key.startswith("upload-"):
        document = dispute.documents.filter(pk=_number(key)).first()
        if document is None:
            raise NotInFile(key)
        with document.file.open("rb") as stored:
            content = stored.read()
        suffix = PurePath(document.file.name).suffix
        return f"{dispute.number}-{document.title}{suffix}", content, document.content_type
    content = _generate(dispute, key, parties)
    title = next((e.title for e in entries(dispute) if e.key == key), key)
    return f"{dispute.number}-{title}.pdf", content, "application/pdf"


def _generate(dispute, key, parties) -> bytes:
    agreement = agreement_of(dispute)
    if key == "application":
        return documents.application(dispute, parties)
    if key == "rights-notice" and dispute.rights_notice_at:
        return documents.rights_notice(dispute, parties)
    if key.startswith("session-"):
        session = dispute.sessions.filter(sequence=_number(key), status=MediationSession.Status.HELD).first()
        if session:
            return documents.session_record(dispute, session, parties)
    if key == "agreement" and agreement:
        return documents.agreement(dispute, agreement, parties, mediators_of(dispute))
    if key == "performance" and agreement and agreement.performance_records.exists():
        return documents.performance(dispute, agreement)
    if key == "confirmation" and agreement and agreement.confirmation_applied_at:
        return documents.confirmation(dispute, agreement)
    if key == "termination" and agreement is None and dispute.concluded_at:
        return documents.termination(dispute)
    if key.startswith("follow-up-"):
        visit = dispute.follow_ups.filter(sequence=_number(key), visited_at__isnull=False).first()
        if visit:
            return documents.follow_up(dispute, visit)
    raise NotInFile(key)


def mediators_of(dispute) -> list[str]:
    """Names of the mediators who signed: the lead and everyone on a held session."""
    names = [dispute.lead_mediator.display_name] if dispute.lead_mediator_id else []
    for session in dispute.sessions.filter(status=MediationSession.Status.HELD).prefetch_related("mediators"):
        names += [user.display_name for user in session.mediators.all()]
    return list(dict.fromkeys(names))


def _number(key) -> int:
    tail = key.rsplit("-", 1)[-1]
    if not tail.isdigit():
        raise NotInFile(key)
    return int(tail)


def archive_zip(dispute, parties) -> bytes:
    """Every document of the case file in one ZIP, numbered in the order of the matter."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, entry in enumerate(entries(dispute), start=1):
            name, content, _type = render(dispute, entry.key, parties)
            archive.writestr(f"{index:02d}-{name}", content)
    return buffer.getvalue()
