"""Demo legal aid: a panel of 36 law firms and 143 lawyers (generated deterministically and
loaded through the same importer as `import_lawyers`), community legal advisers with a
month of duty roster (two gaps left for the gap check to flag), consultations, and a few
dozen applications in every state, each walked through legalaid.services with
timestamps in the past.

Logins: `legalaid` is the coordinator; `lawyer` is the first panel lawyer (labour and
family, so green-channel wage cases come their way); `adviser` is a community legal
adviser: advisers are not a role but an Adviser profile on a lawyer's account, so
`adviser` holds the lawyer role (with no panel record) and serves the first two
communities.
"""

import io
import random
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.roles import Role
from deadlines.models import Deadline
from deadlines.services import fire
from demo.users import DEMO_PASSWORD, ensure_demo_user, person_name
from grid.models import Community, GridAssignment
from legalaid.advisers import flag_roster_gaps, log_consultation
from legalaid.models import (
    Adviser,
    Application,
    ApplicationState,
    Consultation,
    ConsultationTopic,
    DutyShift,
    LawFirm,
    Lawyer,
    MatterType,
    PapersRequest,
)
from legalaid.panel import import_panel
from legalaid.services import act, submit
from mediation.models import Committee

DEMO_SEED = 20261127
FIRM_COUNT = 36
LAWYER_COUNT = 143
_FIRM_WORDS = [
    "唐家湾",
    "金鼎",
    "淇澳",
    "港湾",
    "科创",
    "南屏",
    "香山",
    "凤凰",
    "海岸",
    "珠江",
    "华发",
    "横琴",
    "金湾",
    "博雅",
    "正平",
    "德衡",
    "明法",
    "信诚",
    "广和",
    "立信",
    "中恒",
    "东方",
    "天平",
    "公正",
    "维权",
    "同心",
    "仁和",
    "致远",
    "启航",
    "海天",
    "岭南",
    "湾区",
    "新城",
    "前山",
    "拱北",
    "翠微",
]
_SPECIALISM_WEIGHTS = {
    "labour": 0.4,
    "family": 0.35,
    "tort": 0.25,
    "contract": 0.3,
    "administrative": 0.12,
    "criminal": 0.28,
    "minors": 0.08,
}
_LANGUAGES = (("粤语", 0.6), ("英语", 0.15), ("客家话", 0.08), ("潮汕话", 0.05))


def load_demo_legalaid(seed=DEMO_SEED, *, now=None) -> str:
    """The panel, advisers and roster, consultations and applications (once); a one-line summary."""
    now = now or timezone.now()
    rng = random.Random(seed)
    if not Lawyer.objects.exists():
        _load_panel(rng)
    advisers = _advisers()
    if not DutyShift.objects.exists():
        _roster(advisers, timezone.localdate(now))
        flag_roster_gaps(now)
    if not Consultation.objects.exists():
        _consultations(rng, advisers, now)
    if not Application.objects.exclude(channel="adviser").exists():
        _applications(rng, now)
    counts = dict(Application.objects.values_list("state").annotate(n=Count("pk")))
    states = ", ".join(f"{ApplicationState(s).label} {counts[s]}" for s in ApplicationState.values if s in counts)
    return (
        f"{LawFirm.objects.count()} firms, {Lawyer.objects.count()} lawyers (login: lawyer), "
        f"{Adviser.objects.count()} advisers (login: adviser), {Consultation.objects.count()} consultations; {states}"
    )


# ---------------------------------------------------------------- the panel


def panel_rows(rng) -> list[dict]:
    """The demo panel as import rows (the same columns as the CSV)."""
    firms = [
        {
            "firm_name": f"广东{word}律师事务所",
            "firm_licence": f"3144000{index + 1:08d}X",
            "firm_address": f"珠海市高新区{word}路{index + 1}号",
            "firm_phone": f"0756-33{index + 1:05d}",
        }
        for index, word in enumerate(_FIRM_WORDS[:FIRM_COUNT])
    ]
    rows = []
    for index in range(LAWYER_COUNT):
        year = rng.randint(1996, 2024)
        specialisms = [code for code, share in _SPECIALISM_WEIGHTS.items() if rng.random() < share]
        specialisms = specialisms[:3] or [rng.choice(list(_SPECIALISM_WEIGHTS))]
        languages = ["普通话"] + [language for language, share in _LANGUAGES if rng.random() < share]
        status = "suspended" if index % 37 == 36 else "active"
        if index == 0:  # the `lawyer` login
            specialisms, languages, year, status = ["labour", "family"], ["普通话", "粤语"], 2012, "active"
        rows.append(
            {
                **firms[index % FIRM_COUNT],
                "name": person_name(1000 + index * 7),
                "licence_number": f"14404{year}1{index + 1:07d}",
                "phone": f"137{index + 1:08d}",
                "licensed_year": str(year),
                "specialisms": "|".join(specialisms),
                "languages": "|".join(languages),
                "status": status,
                "username": "lawyer" if index == 0 else f"lawyer{index + 1:03d}",
            }
        )
    return rows


@transaction.atomic
def _load_panel(rng):
    report = import_panel(panel_rows(rng), commit=True)
    if report.errors:
        raise RuntimeError(f"demo panel rows are invalid: {report.errors[:3]}")
    User.objects.filter(pk__in=report.created_users).update(password=make_password(DEMO_PASSWORD))


# ---------------------------------------------------------------- advisers, roster, consultations


def _advisers() -> dict[int, list[Adviser]]:
    """Two advisers for every community (panel lawyers), the `adviser` login for the first two."""
    communities = list(Community.objects.order_by("code"))
    login = ensure_demo_user("adviser", Role.LAWYER, "冯顾问", phone="13500000001")
    adviser, _ = Adviser.objects.get_or_create(user=login, defaults={"office_phone": "0756-3399001"})
    adviser.communities.add(*communities[:2])
    lawyers = list(Lawyer.objects.filter(status=Lawyer.Status.ACTIVE, user__isnull=False).order_by("pk")[10:])
    by_community = {community.pk: [] for community in communities}
    for index, community in enumerate(communities):
        lawyer = lawyers[index % len(lawyers)]
        profile, _ = Adviser.objects.get_or_create(
            user=lawyer.user, defaults={"lawyer": lawyer, "office_phone": f"0756-3399{index + 10:03d}"}
        )
        profile.communities.add(community)
        by_community[community.pk].append(profile)
    for community in communities[:2]:
        by_community[community.pk].insert(0, adviser)
    for index, community in enumerate(communities[2:], start=2):
        other = by_community[communities[(index + 1) % len(communities)].pk][-1]
        other.communities.add(community)
        by_community[community.pk].append(other)
    return by_community


def _roster(advisers, today):
    """A month, two weeks back and two ahead; two future community-days left open."""
    communities = list(Community.objects.order_by("code"))
    gaps = {(communities[4].pk, today + timedelta(days=4)), (communities[11].pk, today + timedelta(days=9))}
    shifts = []
    for offset in range(-14, 16):
        day = today + timedelta(days=offset)
        for community in communities:
            if (community.pk, day) in gaps:
                continue
            people = advisers[community.pk]
            shifts.append(DutyShift(community=community, day=day, adviser=people[(offset + 14) % len(people)]))
    DutyShift.objects.bulk_create(shifts)


_QUESTIONS = {
    ConsultationTopic.LABOUR: (
        "老板拖欠三个月工资不给，怎么办？",
        "可向劳动监察投诉或申请劳动仲裁，农民工讨薪可申请法律援助。",
    ),
    ConsultationTopic.FAMILY: ("离婚时孩子抚养权怎么判？", "以有利于未成年子女为原则，两周岁以下一般随母亲。"),
    ConsultationTopic.NEIGHBOUR: ("楼上漏水不肯修，怎么处理？", "可先协商，协商不成可申请人民调解或起诉。"),
    ConsultationTopic.PROPERTY: ("租的房子房东提前收回，押金不退", "可依合同主张退还押金并要求违约金。"),
    ConsultationTopic.CONTRACT: ("朋友借钱不还，只有微信记录", "微信转账和聊天记录可作为证据，注意诉讼时效三年。"),
    ConsultationTopic.INJURY: ("电动车被撞，对方只愿意赔一半", "可依交警责任认定主张赔偿，协商不成可调解或起诉。"),
    ConsultationTopic.CONSUMER: ("健身房跑路，预付卡怎么退？", "可向市场监管部门投诉，并保留付款凭证。"),
    ConsultationTopic.ADMINISTRATIVE: ("低保申请被拒，能复议吗？", "可在六十日内申请行政复议。"),
}


def _consultations(rng, advisers, now):
    """About sixty consultations over the last two weeks, by the advisers on duty; some
    referred to legal aid or to mediation."""
    wages = MatterType.objects.get(code="wage_arrears")
    today = timezone.localdate(now)
    shifts = list(
        DutyShift.objects.filter(day__gte=today - timedelta(days=14), day__lt=today).select_related("adviser__user")
    )
    rng.shuffle(shifts)
    for index, shift in enumerate(shifts[:60]):
        topic = rng.choice(list(_QUESTIONS))
        question, advice = _QUESTIONS[topic]
        moment = timezone.make_aware(datetime.combine(shift.day, time(9 + rng.randrange(8), rng.randrange(60))))
        params = {
            "community": shift.community,
            "consulted_at": moment,
            "person_name": person_name(5000 + index),
            "person_phone": f"138{5000 + index:08d}",
            "topic": topic,
            "question": question,
            "advice": advice,
        }
        if topic == ConsultationTopic.LABOUR and index % 3 == 0:
            params.update(
                referral="legal_aid",
                matter_type=wages,
                stage="negotiation",
                applicant_id_number=_id_number(rng),
                groups=["migrant_worker"],
                other_party="某装修工程队",
                claims="支付拖欠的工资",
            )
        elif topic == ConsultationTopic.NEIGHBOUR and index % 2 == 0 and Committee.objects.exists():
            params.update(referral="mediation", other_party="楼上住户", claims="修复漏水并赔偿")
        log_consultation(actor=shift.adviser.user, at=moment, **params)


# ---------------------------------------------------------------- applications

# (target state, how many, green channel?)
TARGETS = [
    (ApplicationState.CLOSED, 8, False),
    (ApplicationState.CLOSED, 4, True),
    (ApplicationState.IN_PROGRESS, 5, False),
    (ApplicationState.IN_PROGRESS, 4, True),
    (ApplicationState.ASSIGNED, 2, False),
    (ApplicationState.ASSIGNED, 2, True),
    (ApplicationState.APPROVED, 3, False),
    (ApplicationState.APPROVED, 1, True),
    (ApplicationState.SUBMITTED, 4, False),
    (ApplicationState.SUBMITTED, 2, True),
    (ApplicationState.AWAITING_PAPERS, 3, False),
    (ApplicationState.REFUSED, 3, False),
    (ApplicationState.OBJECTED, 2, False),
    (ApplicationState.WITHDRAWN, 3, False),
]
_STANDARD_MATTERS = ["family", "personal_injury", "debt_contract", "labour_dispute", "social_benefits"]
_FACTS = {
    "wage_arrears": ("在工地做了四个月钢筋工，包工头拖欠工资 2.4 万元后失联。", "支付拖欠工资 24000 元"),
    "work_injury": ("在厂里操作冲床时右手受伤，单位不承认劳动关系。", "确认劳动关系并赔偿工伤待遇"),
    "domestic_violence": ("丈夫多次殴打，派出所已出具告诫书。", "申请人身安全保护令并离婚"),
    "family": ("离婚后对方不支付孩子抚养费已一年。", "每月支付抚养费 1500 元"),
    "personal_injury": ("骑电动车被小汽车撞伤，住院二十天。", "赔偿医疗费、误工费等 6 万元"),
    "debt_contract": ("借给同乡 3 万元，到期不还。", "归还借款 30000 元及利息"),
    "labour_dispute": ("在超市工作五年，被无故辞退。", "支付违法解除劳动合同赔偿金"),
    "social_benefits": ("申请低保被拒，理由是有车辆登记，但车已报废。", "重新审核低保申请"),
}


def _id_number(rng):
    born = datetime(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
    return f"440402{born:%Y%m%d}{rng.randrange(1000):03d}{rng.choice('0123456789X')}"


def _papers(names):
    files = []
    for name in names:
        buffer = io.BytesIO()
        Image.new("RGB", (16, 12), (230, 230, 220)).save(buffer, format="PNG")
        files.append(SimpleUploadedFile(f"{name}.png", buffer.getvalue(), content_type="image/png"))
    return files


def _applications(rng, now):
    coordinator = User.objects.get(username="legalaid")
    resident = User.objects.get(username="resident")
    officers = list(GridAssignment.objects.select_related("officer", "grid__community").order_by("grid__code")[:8])
    communities = list(Community.objects.order_by("code"))
    plans = [(state, green) for state, count, green in TARGETS for _ in range(count)]
    for index, (target, green) in enumerate(plans):
        with transaction.atomic():
            _Story(rng, index, target, green, now, coordinator, resident, officers, communities).run()


class _Story:
    """One application from filing to its target state, each step later than the last."""

    def __init__(self, rng, index, target, green, now, coordinator, resident, officers, communities):
        self.rng, self.index, self.target, self.green, self.now = rng, index, target, green, now
        self.coordinator, self.resident = coordinator, resident
        self.officers, self.communities = officers, communities
        days_back = {
            ApplicationState.CLOSED: 40 + rng.randrange(30),
            ApplicationState.IN_PROGRESS: 15 + rng.randrange(10),
            ApplicationState.ASSIGNED: 1.5,
            ApplicationState.APPROVED: 0.4 if green else 1.2,
            ApplicationState.SUBMITTED: 0.2 + rng.random(),
            ApplicationState.AWAITING_PAPERS: 4 + rng.randrange(3),
            ApplicationState.REFUSED: 10 + rng.randrange(15),
            ApplicationState.OBJECTED: 3.5,
            ApplicationState.WITHDRAWN: 25 + rng.randrange(10),
        }[target]
        self.at = now - timedelta(days=days_back)

    def later(self, hours):
        self.at = min(self.at + timedelta(hours=hours), self.now - timedelta(minutes=5))
        return self.at

    def run(self):
        application = self._submit()
        target = self.target
        if target == ApplicationState.SUBMITTED:
            return
        if target == ApplicationState.AWAITING_PAPERS:
            act(
                application, "request_papers", self.coordinator, at=self.later(20), items=["hardship", "case_documents"]
            )
            return
        if target == ApplicationState.WITHDRAWN:
            self._withdraw(application)
            return
        if target in (ApplicationState.REFUSED, ApplicationState.OBJECTED):
            self._refuse(application)
            return
        application = self._decide(application)
        if target == ApplicationState.APPROVED:
            return
        application = act(
            application, "assign", self.coordinator, at=self.later(self.rng.uniform(0.3, 3) if self.green else 20)
        )
        if target == ApplicationState.ASSIGNED:
            return
        lawyer = application.lawyer.user
        application = act(application, "accept", lawyer, at=self.later(3))
        act(application, "sign_agreement", lawyer, at=self.later(30))
        if self.green:
            kinds = PapersRequest.objects.get(application=application).items
            self._supply(application, kinds, self.later(50), leave_one=self.index % 4 == 3)
        act(
            application, "record_progress", lawyer, at=self.later(72), kind="meeting", note="约见受援人，梳理证据材料。"
        )
        act(
            application,
            "record_progress",
            lawyer,
            at=self.later(120),
            kind="filing",
            note="已向劳动人事争议仲裁委员会提交仲裁申请。",
        )
        if target == ApplicationState.IN_PROGRESS:
            return
        act(application, "record_progress", lawyer, at=self.later(240), kind="hearing", note="参加仲裁庭审。")
        outcome = self.rng.choice(["won", "won", "partly", "settled", "lost"])
        act(
            application,
            "close",
            lawyer,
            at=self.later(200),
            outcome=outcome,
            report="经仲裁（调解），用人单位同意支付大部分拖欠款项，受援人表示认可。办案材料已归档。",
        )
        if self.index % 3 != 2:
            act(
                application,
                "follow_up",
                self.coordinator,
                at=self.later(48),
                method="phone",
                satisfaction=self.rng.choice([4, 5, 5]),
            )

    def _submit(self):
        rng = self.rng
        matter = "wage_arrears" if self.green else rng.choice(_STANDARD_MATTERS)
        if self.green and self.index % 3 == 1:
            matter = "domestic_violence"
        facts, claims = _FACTS.get(matter, _FACTS["wage_arrears"])
        groups = {"wage_arrears": ["migrant_worker"], "domestic_violence": ["dv_victim"]}.get(matter, [])
        community = self.communities[self.index % len(self.communities)]
        params = {
            "matter_type": MatterType.objects.get(code=matter),
            "stage": "arbitration"
            if "labour" in matter or matter in ("wage_arrears", "work_injury")
            else "first_instance",
            "applicant_name": person_name(7000 + self.index),
            "applicant_id_number": _id_number(rng),
            "applicant_phone": f"139{7000 + self.index:08d}",
            "community": community,
            "groups": groups,
            "other_party": rng.choice(["某建筑劳务有限公司", "某电子厂", "某装饰工程队", "张某", "李某", "某物业公司"]),
            "facts": facts,
            "claims": claims,
        }
        if not groups:
            params.update(
                household_size=rng.randint(2, 5), monthly_income=rng.choice([1800, 2600, 3200]), hardship_declared=True
            )
        kind = self.index % 5
        if kind == 0:
            actor, channel = (self.resident if self.index % 10 == 0 else None), "online"
            if actor:
                params.update(
                    applicant_name=self.resident.display_name, applicant_phone=self.resident.phone or "13900000000"
                )
        elif kind == 1:
            assignment = self.officers[self.index % len(self.officers)]
            actor, channel = assignment.officer, "grid_officer"
            params["community"] = assignment.grid.community
        else:
            actor, channel = self.coordinator, "desk"
        papers = [{"kind": "identity", "file": upload} for upload in _papers(["身份证"])]
        return submit(actor=actor, at=self.at, channel=channel, papers=papers, **params)

    def _decide(self, application):
        if self.green:
            kind = "family" if application.matter_type.code == "domestic_violence" else "wage"
            missing = ["dv_evidence"] if kind == "family" else ["labour_relation", "wage_evidence"]
            return act(
                application,
                "fast_track",
                self.coordinator,
                at=self.later(0.5),
                reason="green_channel",
                basis="《法律援助法》第三十二条、第四十二条；高新区农民工和家庭暴力受害人法律援助绿色通道规定",
                identity_note="已核对身份证原件，电话核实用工单位（派出所告诫书）",
                missing_papers=missing,
            )
        if self.index % 4 == 0:
            application = act(
                application, "request_papers", self.coordinator, at=self.later(20), items=["case_documents"]
            )
            self._supply(application, ["case_documents"], self.later(50))
        return act(application, "approve", self.coordinator, at=self.later(30), note="符合法律援助条件。")

    def _supply(self, application, kinds, at, *, leave_one=False):
        for kind in kinds:
            if leave_one and kind == kinds[-1]:
                papers_request = PapersRequest.objects.get(application=application)
                if papers_request.due_at < self.now:  # never came: the engine chases it
                    _run_out(papers_request)
                return
            application = act(
                application,
                "supply_papers",
                None if application.applicant_id is None else application.applicant,
                at=at,
                phone=application.applicant_phone,
                kind=kind,
                files=_papers([kind]),
            )

    def _refuse(self, application):
        application = act(
            application,
            "refuse",
            self.coordinator,
            at=self.later(40),
            reason=self.rng.choice(["means", "means", "scope", "no_basis"]),
            note="经核查，申请人家庭人均收入高于本市法律援助经济困难标准。",
        )
        if self.target == ApplicationState.OBJECTED:
            act(
                application,
                "object",
                self.coordinator,
                at=self.later(20),
                reason="申请人称家中一人失业，收入已下降，提交了新的证明。",
            )

    def _withdraw(self, application):
        if self.index % 2:
            act(application, "withdraw", self.coordinator, at=self.later(30), reason="申请人已与对方和解")
            return
        act(
            application,
            "request_papers",
            self.coordinator,
            at=self.later(10),
            items=["hardship"],
            due_on=self.at.date() + timedelta(days=10),
        )
        _run_out(PapersRequest.objects.get(application=application))


def _run_out(papers_request):
    """Let the deadline engine cross a papers request's due date now, as its timer would."""
    deadline = Deadline.objects.get(
        subject_type=ContentType.objects.get_for_model(PapersRequest),
        subject_id=papers_request.pk,
        closed_at__isnull=True,
    )
    fire(deadline.pk, now=papers_request.due_at + timedelta(minutes=1))
