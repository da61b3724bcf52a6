"""The case file's printable documents, generated from the record as PDF: the application
or register form, the rights notice, session records, the agreement, the termination
notice, performance and confirmation records, follow-up records.

Chinese text uses the Adobe CID font STSong-Light that ReportLab ships, so no font file
has to be installed. Every document carries the dispute number and page numbers; the
caller decides whether personal numbers are masked (it passes the parties as seen)."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mediation.models import Agreement, DisputeState, OtherRoute

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4)
_SUBTITLE = ParagraphStyle("subtitle", parent=_BODY, alignment=TA_CENTER, textColor=colors.HexColor("#444444"))
_RIGHT = ParagraphStyle("right", parent=_BODY, alignment=TA_RIGHT, spaceBefore=4)
_HEADING = ParagraphStyle("heading", parent=_BODY, fontSize=12, leading=20, spaceBefore=8, spaceAfter=2)


def _fmt_time(value):
    return f"{timezone.localtime(value):%Y年%m月%d日 %H:%M}" if value else ""


def _fmt_day(value):
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localdate(value)
    return f"{value:%Y年%m月%d日}"


def _para(text, style=_BODY):
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


class _Document:
    def __init__(self, dispute, title):
        self.dispute, self.title = dispute, title
        self.story = [_para(dispute.committee.name, _SUBTITLE), _para(title, _TITLE)]
        self.story.append(_para(_("编号：%(number)s") % {"number": dispute.number}, _SUBTITLE))
        self.story.append(Spacer(1, 6 * mm))

    def heading(self, text):
        self.story.append(_para(text, _HEADING))

    def text(self, text):
        self.story.append(_para(text))

    def fields(self, rows):
        """A two-column table of label and value."""
        data = [[_para(label), _para(value)] for label, value in rows]
        table = Table(data, colWidths=[38 * mm, 132 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f3f5")),
                ]
            )
        )
        self.story.append(table)

    def parties(self, parties):
        for party in parties:
            self.fields(
                [
                    (party.side_label, f"{party.name}（{party.kind_label}）"),
                    (_("证件号码"), party.id_number or "—"),
                    (_("联系电话"), party.phone or "—"),
                    (_("住址"), party.address or "—"),
                ]
                + ([(_("法定代表人/代理人"), party.representative)] if party.representative else [])
            )
            self.story.append(Spacer(1, 2 * mm))

    def signatures(self, lines, closing=()):
        """Lines to sign on, then any closing lines (seal, date), kept on one page."""
        block = [Spacer(1, 8 * mm)]
        for line in lines:
            block += [_para(f"{line}  ____________________"), Spacer(1, 3 * mm)]
        block += [_para(line, _RIGHT) for line in closing]
        self.story.append(KeepTogether(block))

    def render(self) -> bytes:
        buffer = io.BytesIO()
        number = self.dispute.number

        def footer(canvas, document):
            canvas.saveState()
            canvas.setFont(FONT, 9)
            canvas.drawCentredString(
                A4[0] / 2,
                12 * mm,
                _("%(number)s　%(title)s　第 %(page)s 页")
                % {"number": number, "title": self.title, "page": document.page},
            )
            canvas.restoreState()

        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=20 * mm,
            title=f"{self.title} {number}",
            author=self.dispute.committee.name,
        )
        document.build(self.story, onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue()


def application(dispute, parties) -> bytes:
    online = dispute.source in ("resident_online", "desk")
    doc = _Document(dispute, _("人民调解申请书") if online else _("纠纷受理登记表"))
    doc.fields(
        [
            (_("纠纷类型"), dispute.get_dispute_type_display()),
            (_("来源"), dispute.get_source_display()),
            (_("移送/委托单位"), " ".join(filter(None, [dispute.referral_org, dispute.referral_number])) or "—"),
            (_("关联网格案件"), dispute.case.number if dispute.case_id else "—"),
            (
                _("社区 / 网格"),
                " / ".join(filter(None, [dispute.community.name, dispute.grid.name if dispute.grid_id else ""])),
            ),
            (_("纠纷发生地"), dispute.address or "—"),
            (_("登记时间"), _fmt_time(dispute.registered_at)),
            (_("受理调解组织"), dispute.committee.name),
        ]
    )
    doc.heading(_("当事人"))
    doc.parties(parties)
    doc.heading(_("纠纷简要情况"))
    doc.text(dispute.summary)
    doc.heading(_("申请事项"))
    doc.text(dispute.claims or "—")
    if dispute.criminal_risk:
        doc.heading(_("风险提示"))
        doc.text(_("该纠纷可能激化为刑事案件。") + (dispute.police_note or ""))
    doc.signatures([_("申请人（签名）") if online else _("登记人（签名）")], closing=[_fmt_day(dispute.registered_at)])
    return doc.render()


RIGHTS = [
    gettext_lazy("选择或者接受人民调解员；"),
    gettext_lazy("接受调解、拒绝调解或者要求终止调解；"),
    gettext_lazy("要求调解公开进行或者不公开进行；"),
    gettext_lazy("自主表达意愿、自愿达成调解协议。"),
]
OBLIGATIONS = [
    gettext_lazy("如实陈述纠纷事实；"),
    gettext_lazy("遵守调解现场秩序，尊重人民调解员；"),
    gettext_lazy("尊重对方当事人行使权利。"),
]


def rights_notice(dispute, parties) -> bytes:
    doc = _Document(dispute, _("人民调解当事人权利义务告知书"))
    doc.text(_("根据《中华人民共和国人民调解法》第二十三条、第二十四条，当事人在人民调解活动中享有下列权利："))
    for index, line in enumerate(RIGHTS, start=1):
        doc.text(f"{index}. {line}")
    doc.text(_("当事人在人民调解活动中履行下列义务："))
    for index, line in enumerate(OBLIGATIONS, start=1):
        doc.text(f"{index}. {line}")
    doc.text(_("人民调解委员会调解民间纠纷，不收取任何费用。"))
    doc.fields(
        [
            (_("告知时间"), _fmt_time(dispute.rights_notice_at)),
            (_("告知方式"), _("书面告知") if dispute.rights_notice_method == "written" else _("口头告知")),
            (_("告知人"), dispute.rights_notice_by.display_name if dispute.rights_notice_by else ""),
        ]
    )
    doc.signatures([_("当事人签收：%(name)s") % {"name": p.name} for p in parties])
    return doc.render()


def session_record(dispute, session, parties) -> bytes:
    doc = _Document(dispute, _("人民调解笔录（第 %(n)s 次）") % {"n": session.sequence})
    attended = {p.pk for p in session.attended_parties.all()}
    doc.fields(
        [
            (_("时间"), _fmt_time(session.scheduled_at)),
            (_("地点"), session.place),
            (_("方式"), _("公开调解") if session.is_public else _("不公开调解")),
            (_("调解员"), "、".join(u.display_name for u in session.mediators.all())),
            (
                _("乡贤议事会成员"),
                "、".join(m.user.display_name for m in session.attended_council.all()) or "—",
            ),
            (_("到场当事人"), "、".join(p.name for p in parties if p.pk in attended) or "—"),
            (_("其他到场人员"), session.others_present or "—"),
            (_("记录人"), session.recorded_by.display_name if session.recorded_by else ""),
        ]
    )
    doc.heading(_("调解经过"))
    doc.text(session.summary)
    doc.heading(_("下一步安排"))
    doc.text(session.next_steps or "—")
    doc.signatures([_("当事人签名"), _("调解员签名"), _("记录人签名")])
    return doc.render()


def agreement(dispute, agreement: Agreement, parties, mediators) -> bytes:
    if agreement.kind == Agreement.Kind.ORAL:
        return _oral_agreement(dispute, agreement, parties, mediators)
    doc = _Document(dispute, _("人民调解协议书"))
    doc.heading(_("当事人"))
    doc.parties(parties)
    doc.heading(_("纠纷主要事实、争议事项及各方当事人的责任"))
    doc.text(agreement.facts)
    doc.heading(_("经调解，各方当事人自愿达成如下协议"))
    doc.text(agreement.obligations)
    doc.heading(_("履行方式、地点、期限"))
    doc.fields(
        [
            (_("履行方式"), agreement.performance_method),
            (_("履行地点"), agreement.performance_place or "—"),
            (_("履行期限"), _fmt_day(agreement.performance_deadline)),
        ]
    )
    doc.story.append(Spacer(1, 3 * mm))
    doc.text(
        _(
            "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
            "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
            "当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。"
        )
    )
    doc.text(_("本协议一式 %(n)s 份，当事人、人民调解委员会各执一份。") % {"n": agreement.copies})
    lines = [_("当事人（签名、盖章或按指印）：%(name)s") % {"name": p.name} for p in parties]
    lines += [_("人民调解员（签名）：%(name)s") % {"name": name} for name in mediators]
    seal = _("%(committee)s（印章）") % {"committee": dispute.committee.name}
    doc.signatures(lines, closing=[seal, _fmt_day(agreement.signed_at)])
    return doc.render()


def _oral_agreement(dispute, agreement, parties, mediators) -> bytes:
    doc = _Document(dispute, _("口头调解协议登记表"))
    doc.fields(
        [
            (_("当事人"), "、".join(f"{p.side_label} {p.name}" for p in parties)),
            (_("纠纷简要情况"), dispute.summary),
            (_("协议内容"), agreement.obligations),
            (_("履行方式"), agreement.performance_method or "—"),
            (_("履行期限"), _fmt_day(agreement.performance_deadline) or "—"),
            (_("达成时间"), _fmt_time(agreement.signed_at)),
            (_("记录人（人民调解员）"), agreement.recorded_by.display_name),
        ]
    )
    doc.signatures([_("人民调解员签名")])
    return doc.render()


def termination(dispute) -> bytes:
    titles = {
        DisputeState.FAILED: _("调解终止告知书"),
        DisputeState.REFUSED: _("不予调解（当事人拒绝调解）记录"),
        DisputeState.WITHDRAWN: _("撤回调解申请记录"),
    }
    doc = _Document(dispute, titles.get(dispute.outcome, _("调解终止告知书")))
    doc.fields(
        [
            (_("结果"), dispute.get_outcome_display()),
            (_("时间"), _fmt_time(dispute.concluded_at)),
            (_("原因"), dispute.end_reason or "—"),
        ]
    )
    if dispute.other_routes:
        doc.heading(_("经调解未能达成协议。根据《人民调解法》第二十六条，已告知当事人可以通过以下途径维护权利："))
        for index, code in enumerate(dispute.other_routes, start=1):
            doc.text(f"（{index}）{OtherRoute(code).label}")
        if dispute.other_routes_note:
            doc.text(dispute.other_routes_note)
    doc.signatures([_("人民调解员（签名）")], closing=[dispute.committee.name, _fmt_day(dispute.concluded_at)])
    return doc.render()


def performance(dispute, agreement: Agreement) -> bytes:
    doc = _Document(dispute, _("调解协议履行情况记录"))
    doc.fields(
        [
            (_("协议形式"), agreement.get_kind_display()),
            (_("履行期限"), _fmt_day(agreement.performance_deadline) or "—"),
            (_("当前履行情况"), agreement.get_performance_status_display()),
        ]
    )
    for record in agreement.performance_records.select_related("recorded_by"):
        doc.heading(f"{_fmt_time(record.recorded_at)} {record.get_status_display()}")
        doc.text(record.note or "—")
    return doc.render()


def confirmation(dispute, agreement: Agreement) -> bytes:
    doc = _Document(dispute, _("司法确认申请登记"))
    doc.fields(
        [
            (_("协议签订"), _fmt_day(agreement.signed_at)),
            (_("申请期限届满"), _fmt_day(agreement.confirmation_due_at)),
            (_("共同申请时间"), _fmt_time(agreement.confirmation_applied_at)),
            (_("受理法院"), agreement.confirmation_court),
            (_("裁定结果"), agreement.get_confirmation_result_display() or _("待裁定")),
            (_("裁定时间"), _fmt_day(agreement.confirmation_decided_at) or "—"),
        ]
    )
    return doc.render()


def follow_up(dispute, visit) -> bytes:
    doc = _Document(dispute, _("人民调解回访记录（第 %(n)s 次）") % {"n": visit.sequence})
    doc.fields(
        [
            (_("应回访日期"), _fmt_day(visit.due_on)),
            (_("回访时间"), _fmt_time(visit.visited_at)),
            (_("回访方式"), visit.get_method_display()),
            (_("回访人"), visit.visited_by.display_name if visit.visited_by else ""),
            (_("协议履行"), visit.get_performed_display()),
            (_("当事人满意度"), f"{visit.satisfaction} / 5" if visit.satisfaction else "—"),
            (_("是否起诉"), _("是") if visit.lawsuit else _("否")),
            (_("矛盾激化风险"), visit.get_escalation_risk_display()),
        ]
    )
    doc.heading(_("回访情况"))
    doc.text(visit.note or "—")
    doc.signatures([_("回访人签名")])
    return doc.render()
