"""The written refusal (不予法律援助决定书, Legal Aid Law Art 43) as a printable PDF.

Chinese text uses the Adobe CID font STSong-Light that ReportLab ships (as the mediation
case file does), so no font file has to be installed. The caller decides whether the
identity number is masked (it passes the numbers as the reader may see them)."""

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=22, wordWrap="CJK", firstLineIndent=24)
_PLAIN = ParagraphStyle("plain", parent=_BODY, firstLineIndent=0)
_TITLE = ParagraphStyle("title", parent=_PLAIN, fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=6)
_NUMBER = ParagraphStyle("number", parent=_PLAIN, alignment=TA_RIGHT)
_SIGN = ParagraphStyle("sign", parent=_PLAIN, alignment=TA_RIGHT, spaceBefore=18)


def _day(moment):
    return f"{timezone.localdate(moment):%Y年%m月%d日}"


def _para(text, style=_BODY):
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def refusal_letter(application, personal) -> bytes:
    """The refusal of `application` as PDF bytes; `personal` holds the numbers to print."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=25 * mm,
        title=_("不予法律援助决定书"),
        author=settings.LEGALAID_CENTRE_NAME,
    )
    identity = personal.applicant_id_number or _("（未提供）")
    story = [
        _para(settings.LEGALAID_CENTRE_NAME, _TITLE),
        _para(_("不予法律援助决定书"), _TITLE),
        _para(_("编号：%(number)s") % {"number": application.number}, _NUMBER),
        Spacer(1, 6 * mm),
        _para(_("申请人：%(name)s（身份证号：%(id)s）") % {"name": application.applicant_name, "id": identity}, _PLAIN),
        Spacer(1, 4 * mm),
        _para(
            _("你于%(day)s向本中心申请法律援助，申请事项为%(matter)s。")
            % {
                "day": _day(application.submitted_at),
                "matter": application.matter_type.name,
            }
        ),
        _para(
            _("经审查，你的申请不符合法律援助条件，理由是：%(reason)s。")
            % {"reason": application.get_refusal_reason_display()}
        ),
        _para(application.refusal_note),
        _para(_("根据《中华人民共和国法律援助法》第四十三条的规定，本中心决定不予法律援助。")),
        _para(
            _(
                "如对本决定有异议，可以向%(authority)s提出。%(authority)s应当自收到异议之日起五日内进行审查，"
                "作出维持决定或者责令法律援助机构改正的决定（《中华人民共和国法律援助法》第四十九条）。"
            )
            % {"authority": settings.LEGALAID_REVIEW_AUTHORITY}
        ),
        _para(_("特此决定。")),
        _para(settings.LEGALAID_CENTRE_NAME, _SIGN),
        _para(_("（印章）"), _SIGN),
        _para(_day(application.decided_at or timezone.now()), _SIGN),
    ]
    document.build(story)
    return buffer.getvalue()
