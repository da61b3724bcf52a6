"""Demo people's mediation: a committee in every community, the police station's mediation
room and the district's studio, their mediators, the council of notables, and a few dozen
disputes in every state, each walked through mediation.services with timestamps in the past.

Logins: `mediator` leads the studio and sits on the first community's committee and the
police room, so their lists are full. `council` is a council member: council members are
not a role but a CouncilMember profile, so `council` is a resident with a profile (a
notable); the `lawyer` login also sits on the council as a community lawyer.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cases.models import Case
from demo.users import ensure_demo_user, person_name
from grid.models import Community, Grid
from mediation.models import (
    Committee,
    CommitteeMembership,
    CouncilMember,
    Dispute,
    DisputeState,
    FollowUp,
    Party,
)
from mediation.services import act, register

DEMO_SEED = 20250701
STUDIO = "高新区“和事佬”品牌调解工作室"
POLICE_ROOM = "唐家派出所人民调解室"

# (username, kind, display name, title, specialties); `council` is the demo login.
COUNCIL = [
    ("council", CouncilMember.Kind.NOTABLE, "梁乡贤", "乡贤，退休中学校长", "邻里、婚姻家庭"),
    ("council02", CouncilMember.Kind.ELDER, "唐宗伯", "唐氏宗亲会长者", "土地山林、宅基地"),
    ("council03", CouncilMember.Kind.DEPUTY, "何代表", "区人大代表", "劳资、物业"),
    ("council04", CouncilMember.Kind.DEPUTY, "苏代表", "区人大代表，企业负责人", "合同、消费"),
    ("council05", CouncilMember.Kind.ELDER, "卢阿婆", "社区老人协会会长", "婚姻家庭、赡养"),
    ("council06", CouncilMember.Kind.NOTABLE, "冯先生", "返乡企业家", "损害赔偿、交通事故"),
]
AVAILABILITY = ["工作日晚上、周末", "周末全天", "工作日下午", "提前三天预约"]

# How many disputes end in each state (the newest open ones are registered last).
TARGETS = [
    (DisputeState.ARCHIVED, 8),
    (DisputeState.AGREED_WRITTEN, 12),
    (DisputeState.AGREED_ORAL, 8),
    (DisputeState.FAILED, 3),
    (DisputeState.REFUSED, 3),
    (DisputeState.WITHDRAWN, 3),
    (DisputeState.IN_MEDIATION, 6),
    (DisputeState.ACCEPTED, 4),
    (DisputeState.REGISTERED, 4),
]

STORIES = {
    "neighbour": ("楼上住户装修噪音持续到深夜，多次沟通无果", "停止夜间施工并赔礼道歉"),
    "family": ("兄弟二人就父母赡养费分担发生争执", "按月分担赡养费"),
    "property": ("业主以服务质量差为由拒交物业费，物业公司催缴", "协商物业费及整改服务"),
    "labour": ("装修班组工人被拖欠工资三个月", "支付拖欠工资"),
    "land": ("两户村民就宅基地边界发生争议", "确认边界，拆除越界围墙"),
    "consumer": ("购买的预付卡健身房停业，要求退款", "退还剩余卡费"),
    "traffic": ("电动车与小汽车刮碰，就赔偿金额协商不成", "赔偿维修费和误工费"),
    "contract": ("房屋租赁到期，押金退还发生争议", "退还押金"),
    "damage": ("楼上漏水导致楼下天花板受损", "修复防水并赔偿损失"),
}
FAILURE_REASONS = ["双方对赔偿金额分歧过大，经三次调解未能达成一致", "被申请人坚持通过诉讼解决"]
REFUSALS = ["被申请人明确表示不接受调解", "申请人表示已决定向法院起诉，不同意调解"]
WITHDRAWALS = ["双方已自行和解", "申请人撤回申请"]


def load_demo_mediation(scale=1.0, seed=DEMO_SEED, *, now=None) -> str:
    """Committees, mediators, council and disputes (once); a one-line summary for load_demo.

    `scale` multiplies the number of disputes in each state (at least one each)."""
    committees = _committees()
    council = _council()
    if not Dispute.objects.exists():
        now = now or timezone.now()
        rng = random.Random(seed)
        plans = [state for state, n in TARGETS for _ in range(max(1, round(n * scale)))]
        for index, target in enumerate(plans):
            with transaction.atomic():
                _Story(rng, committees, council, index, len(plans), target, now).run()
    counts = dict(Dispute.objects.values_list("state").annotate(n=Count("pk")))
    states = ", ".join(f"{DisputeState(s).label} {counts[s]}" for s in DisputeState.values if s in counts)
    return f"{len(committees)} committees, {len(council)} council members (login: council); {states}"


def _mediator(username, name, phone):
    return ensure_demo_user(username, Role.MEDIATOR, name, phone=phone)


def _committees() -> list[Committee]:
    communities = list(Community.objects.order_by("code"))
    lead = User.objects.get(username="mediator")
    studio, _ = Committee.objects.get_or_create(
        name=STUDIO,
        defaults={"kind": Committee.Kind.STUDIO, "address": "高新区公共法律服务中心一楼", "phone": "0756-3600000"},
    )
    police, _ = Committee.objects.get_or_create(
        name=POLICE_ROOM, defaults={"kind": Committee.Kind.POLICE, "address": "唐家派出所", "phone": "0756-3610110"}
    )
    CommitteeMembership.objects.get_or_create(committee=studio, user=lead, defaults={"is_head": True})
    CommitteeMembership.objects.get_or_create(committee=police, user=lead)
    police_mediator = _mediator("mediator_police", "邓警调", "13600000100")
    CommitteeMembership.objects.get_or_create(committee=police, user=police_mediator, defaults={"is_head": True})
    result = [studio, police]
    for index, community in enumerate(communities, start=1):
        committee, _ = Committee.objects.get_or_create(
            name=f"{community.name}人民调解委员会",
            defaults={"kind": Committee.Kind.COMMUNITY, "community": community, "phone": f"0756-36{index:05d}"},
        )
        head = _mediator(f"mediator{index:02d}", person_name(200 + index), f"136{index:08d}")
        CommitteeMembership.objects.get_or_create(committee=committee, user=head, defaults={"is_head": True})
        if index == 1:
            CommitteeMembership.objects.get_or_create(committee=committee, user=lead)
        result.append(committee)
    return result


def _council() -> list[CouncilMember]:
    members = []
    communities = list(Community.objects.order_by("code"))
    for index, (username, kind, name, title, specialties) in enumerate(COUNCIL):
        user = ensure_demo_user(username, Role.RESIDENT, name, phone=f"135{index:08d}")
        member, _ = CouncilMember.objects.get_or_create(
            user=user,
            defaults={
                "kind": kind,
                "title": title,
                "specialties": specialties,
                "availability": AVAILABILITY[index % len(AVAILABILITY)],
                "community": communities[index % len(communities)],
            },
        )
        members.append(member)
    lawyer = User.objects.filter(username="lawyer").first()
    if lawyer:
        member, _ = CouncilMember.objects.get_or_create(
            user=lawyer,
            defaults={
                "kind": CouncilMember.Kind.LAWYER,
                "title": "社区法律顾问",
                "specialties": "合同、劳资、损害赔偿",
                "availability": "每周三下午",
            },
        )
        members.append(member)
    return members


class _Story:
    """One dispute from registration to its target state, each step at a past moment."""

    def __init__(self, rng, committees, council, index, total, target, now):
        self.rng, self.council, self.target, self.now = rng, council, target, now
        self.studio, self.police = committees[0], committees[1]
        self.community_committees = committees[2:]
        # Older disputes go further: archived ones ended months ago, open ones are recent.
        open_target = target in (DisputeState.REGISTERED, DisputeState.ACCEPTED, DisputeState.IN_MEDIATION)
        days_ago = rng.uniform(1, 12) if open_target else rng.uniform(20, 170)
        if target == DisputeState.ARCHIVED:
            days_ago = rng.uniform(110, 200)
        self.t = now - timedelta(days=days_ago)
        self.index = index

    def later(self, low_hours, high_hours):
        self.t = min(self.t + timedelta(hours=self.rng.uniform(low_hours, high_hours)), self.now - timedelta(minutes=5))
        return self.t

    def run(self):
        dispute = self._register()
        mediator = self._lead(dispute)
        if self.target == DisputeState.REGISTERED:
            return
        if self.target == DisputeState.WITHDRAWN and self.rng.random() < 0.5:
            act(dispute, "withdraw", mediator, note=self.rng.choice(WITHDRAWALS), at=self.later(2, 30))
            return
        dispute = act(dispute, "accept", mediator, chosen_by_parties=self.rng.random() < 0.2, at=self.later(1, 30))
        if self.target == DisputeState.REFUSED:
            party = dispute.parties.get(side=Party.Side.RESPONDENT)
            act(dispute, "refuse", mediator, party=party, note=self.rng.choice(REFUSALS), at=self.later(2, 48))
            return
        if self.target == DisputeState.WITHDRAWN:
            act(dispute, "withdraw", mediator, note=self.rng.choice(WITHDRAWALS), at=self.later(2, 48))
            return
        act(dispute, "give_rights_notice", mediator, method="written", at=self.later(0.5, 4))
        if self.target == DisputeState.ACCEPTED:
            self._session(dispute, mediator, self._council_for(dispute, mediator), hold=False)
            return
        member = self._council_for(dispute, mediator)
        self._session(dispute, mediator, member, hold=True)
        if self.target == DisputeState.IN_MEDIATION:
            self._session(dispute, mediator, member, hold=False)
            return
        if self.rng.random() < 0.4:
            self._session(dispute, mediator, member, hold=True)
        self._conclude(dispute, mediator)

    def _register(self):
        rng = self.rng
        dispute_type = rng.choice(list(STORIES))
        summary, claims = STORIES[dispute_type]
        grid = Grid.objects.select_related("community").order_by("code")[rng.randrange(136)]
        parties = [
            _party(rng, Party.Side.APPLICANT, self.index * 2),
            _party(rng, Party.Side.RESPONDENT, self.index * 2 + 1),
        ]
        if dispute_type == "property":
            parties[1].update(kind=Party.Kind.ORGANISATION, name="金鼎物业服务有限公司", representative="物业经理")
        params = {"dispute_type": dispute_type, "summary": summary, "claims": claims, "parties": parties}
        source = rng.choices(
            ["resident_online", "desk", "committee", "grid_officer", "police", "court", "hotline", "case"],
            weights=[25, 25, 8, 12, 10, 5, 10, 5],
        )[0]
        mediator = User.objects.get(username="mediator")
        if self.index % 9 == 0:  # the demo resident's own applications
            source = "resident_online"
        if source == "resident_online":
            applicant = User.objects.get(username="resident") if self.index % 9 == 0 else None
            if applicant:
                parties[0].update(name=applicant.display_name, phone=applicant.phone or parties[0]["phone"])
            return register(actor=applicant, source=source, community=grid.community, at=self.t, **params)
        if source == "grid_officer":
            officer = grid.assignments.select_related("officer").first()
            if officer:
                return register(actor=officer.officer, source=source, grid=grid, at=self.t, **params)
            source = "desk"
        if source == "case":
            case = Case.objects.filter(grid__community=grid.community).order_by("reported_at").first()
            dispatcher = User.objects.filter(username="dispatcher").first()
            if case and dispatcher:
                return register(actor=dispatcher, source=source, case=case, at=self.t, **params)
            source = "hotline"
        committee = self.studio if rng.random() < 0.35 else None
        if source == "police":
            return register(
                actor=mediator,
                source=source,
                referral_org="唐家派出所",
                referral_number=f"唐公调字〔{self.t:%Y}〕{self.index + 1}号",
                community=grid.community,
                grid=grid,
                criminal_risk=rng.random() < 0.3,
                at=self.t,
                **params,
            )
        referral = {"court": {"referral_org": "高新区人民法院"}, "hotline": {}}.get(source, {})
        return register(
            actor=mediator,
            source=source,
            community=grid.community,
            grid=grid,
            committee=committee,
            at=self.t,
            **referral,
            **params,
        )

    def _lead(self, dispute):
        """The mediator who works the dispute: the demo login where they sit, else the head."""
        members = CommitteeMembership.objects.filter(committee=dispute.committee).select_related("user")
        by_name = {m.user.username: m.user for m in members}
        mediator = by_name.get("mediator") or next(m.user for m in members if m.is_head)
        if dispute.criminal_risk:
            act(dispute, "flag_police", mediator, note="已电话报告唐家派出所值班民警", at=self.later(0.2, 2))
        return mediator

    def _council_for(self, dispute, mediator):
        if self.rng.random() > 0.45:
            return None
        # The demo login gets the first pick, so its pages have something in them.
        member = self.council[0] if self.rng.random() < 0.5 else self.rng.choice(self.council)
        act(
            dispute,
            "invite_council",
            mediator,
            member=member,
            consenting_parties=list(dispute.parties.all()),
            consent_note=self.rng.choice(["双方当事人当面口头同意", "双方当事人书面同意"]),
            reason=f"{member.get_kind_display()}熟悉{dispute.get_dispute_type_display()}，当事人信任",
            at=self.later(1, 24),
        )
        if self.target == DisputeState.ACCEPTED and self.rng.random() < 0.6:
            return member  # the invitation still waits for an answer
        act(dispute, "respond_invitation", member.user, accept=True, at=self.later(1, 24))
        return member

    def _session(self, dispute, mediator, member, *, hold):
        scheduled = self.later(0.5, 3)
        if hold:
            when = self.later(20, 72)
        else:  # a session still to come
            day = timezone.localdate(self.now) + timedelta(days=self.rng.randint(1, 6))
            when = timezone.make_aware(datetime.combine(day, time(self.rng.choice([9, 10, 14, 15]))))
        members = [member] if member else []
        dispute = act(
            dispute,
            "schedule_session",
            mediator,
            scheduled_at=when,
            place=self.rng.choice([dispute.committee.name + "调解室", "社区党群服务中心议事厅", "当事人家中"]),
            is_public=self.rng.random() < 0.2,
            council_members=members,
            at=scheduled,
        )
        if not hold:
            return
        session = dispute.sessions.order_by("-sequence").first()
        act(
            dispute,
            "record_session",
            mediator,
            session=session,
            attended_parties=list(dispute.parties.all()),
            attended_council=members,
            summary="双方陈述各自诉求，调解员释法析理" + ("，议事会成员从情理角度劝导" if members else ""),
            next_steps="双方回去考虑，下次调解前提出方案",
            at=self.later(1, 3),
        )

    def _conclude(self, dispute, mediator):
        rng, target = self.rng, self.target
        if target == DisputeState.ARCHIVED:
            target = DisputeState.FAILED if rng.random() < 0.15 else DisputeState.AGREED_WRITTEN
        when = self.later(24, 24 * 12)
        if target == DisputeState.FAILED:
            routes = rng.sample(["litigation", "arbitration", "administrative", "legal_aid"], 2)
            act(dispute, "fail", mediator, note=rng.choice(FAILURE_REASONS), other_routes=routes, at=when)
        elif target == DisputeState.AGREED_ORAL:
            act(dispute, "agree_oral", mediator, obligations="双方同意各让一步，当场履行完毕", at=when)
        else:
            summary, claims = STORIES[dispute.dispute_type]
            act(
                dispute,
                "agree_written",
                mediator,
                facts=f"{summary}。经调解查明，双方对纠纷均负有一定责任。",
                obligations=f"一、被申请人同意{claims}；二、双方就本纠纷再无其他争议。",
                performance_method="当面交付，调解员见证",
                performance_place=dispute.committee.name,
                performance_deadline=timezone.localdate(when) + timedelta(days=rng.choice([7, 15, 30])),
                sealed=True,
                at=when,
            )
            if rng.random() < 0.35:
                act(
                    dispute,
                    "apply_confirmation",
                    mediator,
                    court="高新区人民法院",
                    joint=True,
                    at=self.later(24, 24 * 20),
                )
        if target != DisputeState.FAILED:
            self._afterwards(dispute, mediator)
        if self.target == DisputeState.ARCHIVED and not dispute.follow_ups.filter(status=FollowUp.Status.SCHEDULED):
            act(dispute, "archive", mediator, at=self.later(1, 48))

    def _afterwards(self, dispute, mediator):
        """Performance and the follow-up visits whose day has come."""
        rng = self.rng
        if rng.random() < 0.75:
            act(
                dispute,
                "record_performance",
                mediator,
                status="performed",
                note="已按协议履行",
                at=self.later(24, 24 * 10),
            )
        for visit in dispute.follow_ups.order_by("sequence"):
            due = timezone.make_aware(datetime.combine(visit.due_on, time(10)))
            if due >= self.now:
                break
            self.t = max(self.t, due - timedelta(days=rng.randint(0, 5)))
            act(
                dispute,
                "record_follow_up",
                mediator,
                follow_up=visit,
                method=rng.choice([FollowUp.Method.VISIT, FollowUp.Method.PHONE]),
                performed=rng.choices(["yes", "partly", "no"], weights=[8, 1, 1])[0],
                satisfaction=rng.choices([5, 4, 3, 2], weights=[6, 3, 1, 0.3])[0],
                lawsuit=rng.random() < 0.03,
                escalation_risk=rng.choices(["none", "low", "high"], weights=[8, 2, 0.3])[0],
                note="当事人表示矛盾已化解",
                visited_at=self.t,
                at=self.t,
            )


def _party(rng, side, index):
    birth = datetime(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    return {
        "side": side,
        "name": person_name(400 + index),
        "phone": f"13{rng.randrange(3, 10)}{rng.randrange(10**8):08d}",
        "id_number": f"440402{birth:%Y%m%d}{rng.randrange(1000):03d}{rng.choice('0123456789X')}",
        "address": f"唐家湾镇{rng.choice(['港湾', '金鼎', '唐乐', '东岸'])}小区{rng.randint(1, 30)}栋{rng.randint(101, 2802)}",
    }
