"""Web pages for mediation: thin, calling mediation.services and mediation.selectors.

Residents apply online and follow their applications; mediators work their committees'
disputes; council members answer invitations; the statistics page serves the command
centre. Every dispute is looked up through the user's scope, so another's is a 404."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from accounts.roles import STAFF_ROLES, Role
from deadlines.calendar import hours_between
from deadlines.models import TimeBasis
from mediation import casefile, selectors, services
from mediation.errors import ActionNotAllowed
from mediation.forms import ACTION_FORMS, ApplyForm, PeriodForm, RegisterForm, TrackForm
from mediation.models import Committee, Dispute, MediationSession, OtherRoute
from mediation.workflow import QUEUES, TRANSITIONS

_REGISTER_ROLES = (Role.MEDIATOR, Role.GRID_OFFICER, *services.CASE_REFERRERS)


def _is_council(user) -> bool:
    return selectors.council_profile(user) is not None


def _works_disputes(user) -> bool:
    """Staff and council members get the working pages; residents their own."""
    return user.is_authenticated and (user.has_role(*STAFF_ROLES) or _is_council(user))


def _over_public_limit(request) -> bool:
    """Anonymous applications and look-ups, per client address and hour."""
    if request.user.is_authenticated:
        return False
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"mediation-public:{connection.settings_dict['NAME']}:{request.META.get('REMOTE_ADDR', '')}:{hour}"
    cache.add(key, 0, 3600)
    return cache.incr(key) > settings.MEDIATION_PUBLIC_RATE_PER_HOUR


def _too_many(request):
    return render(request, "mediation/too_many.html", status=429)


class HomeView(View):
    def get(self, request):
        user = request.user
        if not user.is_authenticated:
            return redirect("mediation:apply")
        if user.has_role(Role.MEDIATOR, *selectors.OVERSIGHT_ROLES):
            return redirect("mediation:disputes")
        if _is_council(user):
            return redirect("mediation:council")
        if user.has_role(*STAFF_ROLES):
            return redirect("mediation:disputes")
        return redirect("mediation:my")


# ---------------------------------------------------------------- residents and the public


class ApplyView(View):
    template_name = "mediation/apply.html"

    def get(self, request):
        initial = {}
        if request.user.is_authenticated:
            initial = {"applicant_name": request.user.display_name, "applicant_phone": request.user.phone}
        return render(request, self.template_name, {"form": ApplyForm(initial=initial)})

    def post(self, request):
        if _over_public_limit(request):
            return _too_many(request)
        form = ApplyForm(request.POST)
        if form.is_valid():
            try:
                dispute = services.register(actor=request.user, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            else:
                messages.success(
                    request,
                    _("申请已提交，纠纷编号 %(number)s。请记下编号，凭编号和手机号查询进度。")
                    % {"number": dispute.number},
                )
                if request.user.is_authenticated:
                    return redirect("mediation:my_dispute", dispute.pk)
                return redirect(f"{reverse('mediation:track')}?number={dispute.number}")
        return render(request, self.template_name, {"form": form}, status=400)


class TrackView(View):
    def get(self, request):
        if "phone" not in request.GET:
            form = TrackForm(initial={"number": request.GET.get("number", "")})
            return render(request, "mediation/track.html", {"form": form})
        if _over_public_limit(request):
            return _too_many(request)
        form = TrackForm(request.GET)
        dispute = None
        if form.is_valid():
            dispute = selectors.track(form.cleaned_data["number"], form.cleaned_data["phone"])
            if dispute is None:
                form.add_error(None, _("没有找到与该编号和手机号相符的申请"))
        context = {"form": form, "dispute": dispute}
        if dispute:
            context.update(_outcome_context(dispute), next_session=selectors.next_session(dispute))
        return render(request, "mediation/track.html", context)


def _outcome_context(dispute):
    return {
        "agreement": selectors.agreement_of(dispute),
        "follow_ups": list(dispute.follow_ups.all()),
        "route_choices": OtherRoute.choices,
    }


class MyApplicationsView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "mediation/my_list.html", {"disputes": selectors.applications_of(request.user)})


class MyDisputeView(LoginRequiredMixin, View):
    def get(self, request, pk):
        dispute = get_object_or_404(selectors.applications_of(request.user).prefetch_related("sessions"), pk=pk)
        context = {
            "dispute": dispute,
            "parties": selectors.party_views(dispute, request.user),
            "next_session": selectors.next_session(dispute),
            "sessions": [s for s in dispute.sessions.all() if s.status != MediationSession.Status.CANCELLED],
            "can_withdraw": any(t.action == "withdraw" for t in services.available_actions(dispute, request.user)),
            "documents": [e for e in casefile.entries(dispute) if e.generated],
            **_outcome_context(dispute),
        }
        return render(request, "mediation/my_detail.html", context)


# ---------------------------------------------------------------- mediators


class DisputeListView(LoginRequiredMixin, View):
    def get(self, request):
        if not _works_disputes(request.user):
            return redirect("mediation:my")
        queue = request.GET.get("queue", "")
        mine = request.GET.get("mine") == "1"
        search = request.GET.get("q", "").strip()[:50]
        disputes = selectors.dispute_list(request.user, queue=queue, mine=mine, search=search)
        page = Paginator(disputes, 30).get_page(request.GET.get("page"))
        context = {
            "page": page,
            "queues": [(name, label) for name, (label, _states) in QUEUES.items()],
            "counts": selectors.queue_counts(request.user),
            "queue": queue,
            "mine": mine,
            "search": search,
            "now": timezone.now(),
            "can_register": request.user.has_role(*_REGISTER_ROLES),
        }
        return render(request, "mediation/dispute_list.html", context)


class RegisterView(LoginRequiredMixin, View):
    template_name = "mediation/register.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_role(*_REGISTER_ROLES):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        initial = {"case": request.GET.get("case", "")}
        if initial["case"]:
            initial["source"] = "case"
        return render(request, self.template_name, {"form": RegisterForm(initial=initial)})

    def post(self, request):
        form = RegisterForm(request.POST)
        if form.is_valid():
            try:
                dispute = services.register(actor=request.user, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            else:
                messages.success(request, _("已登记纠纷 %(number)s") % {"number": dispute.number})
                return redirect("mediation:dispute", dispute.pk)
        return render(request, self.template_name, {"form": form}, status=400)


def _visible_or_404(user, pk) -> Dispute:
    try:
        return selectors.dispute_detail(user, pk)
    except Dispute.DoesNotExist as exc:
        raise Http404 from exc


class DisputeDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        if not _works_disputes(request.user):
            return redirect("mediation:my_dispute", pk)
        dispute = _visible_or_404(request.user, pk)
        return render(request, "mediation/dispute_detail.html", detail_context(request, dispute))


def detail_context(request, dispute, *, failed_action=None, failed_form=None):
    user = request.user
    choices = selectors.ActionChoices(dispute, user)  # one read of the options for every form
    actions = []
    for transition in services.available_actions(dispute, user):
        if transition.action == failed_action:
            form = failed_form
        else:
            form_class = ACTION_FORMS[transition.action]
            form = form_class(dispute, user=user, choices=choices, auto_id=f"id_{transition.action}_%s")
            if not form.worth_offering():
                continue
        actions.append({"transition": transition, "form": form, "open": transition.action == failed_action})
    now = timezone.now()
    reveal = selectors.may_see_personal_data(user, dispute)
    return {
        "dispute": dispute,
        "parties": selectors.party_views(dispute, user, reveal=reveal),
        "sees_personal_data": reveal,
        "actions": actions,
        "agreement": selectors.agreement_of(dispute),
        "timeline": selectors.timeline(dispute),
        "entries": casefile.entries(dispute),
        "now": now,
        "days_left": _days_left(dispute, now),
    }


def _days_left(dispute, now):
    if dispute.due_at is None:
        return None
    return round(hours_between(now, dispute.due_at, TimeBasis.CALENDAR) / 24, 1)


class ActionView(LoginRequiredMixin, View):
    def post(self, request, pk, action):
        form_class = ACTION_FORMS.get(action)
        if form_class is None:
            raise Http404
        dispute = _visible_or_404(request.user, pk)
        form = form_class(dispute, request.POST, request.FILES, user=request.user, auto_id=f"id_{action}_%s")
        if form.is_valid():
            try:
                services.act(dispute, action, request.user, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            except ActionNotAllowed as conflict:
                messages.error(request, conflict.message)
                return redirect(self._next(request, dispute))
            else:
                messages.success(request, _("已%(action)s") % {"action": TRANSITIONS[action].label})
                return redirect(self._next(request, dispute))
        if not _works_disputes(request.user):
            messages.error(request, "；".join(str(m) for errors in form.errors.values() for m in errors))
            return redirect(self._next(request, dispute))
        dispute = _visible_or_404(request.user, pk)
        context = detail_context(request, dispute, failed_action=action, failed_form=form)
        return render(request, "mediation/dispute_detail.html", context, status=400)

    @staticmethod
    def _next(request, dispute):
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return target
        return reverse("mediation:dispute", args=[dispute.pk])


class SessionsView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_role(Role.MEDIATOR):
            raise PermissionDenied
        return render(request, "mediation/sessions.html", {"sessions": selectors.upcoming_sessions(request.user)})


# ---------------------------------------------------------------- case file


class CaseFileView(LoginRequiredMixin, View):
    def get(self, request, pk):
        dispute = _visible_or_404(request.user, pk)
        context = {
            "dispute": dispute,
            "entries": casefile.entries(dispute),
            "may_download_uploads": selectors.may_see_personal_data(request.user, dispute),
        }
        return render(request, "mediation/case_file.html", context)


class DocumentView(LoginRequiredMixin, View):
    def get(self, request, pk, key):
        dispute = _visible_or_404(request.user, pk)
        reveal = selectors.may_see_personal_data(request.user, dispute)
        if key.startswith("upload-") and not reveal:
            raise PermissionDenied(_("上传的材料仅承办调解员和调委会主任可以下载"))
        try:
            name, content, content_type = casefile.render(dispute, key, selectors.party_views(dispute, request.user))
        except casefile.NotInFile as exc:
            raise Http404 from exc
        response = HttpResponse(content, content_type=content_type)
        attachment = request.GET.get("download") == "1"
        response["Content-Disposition"] = content_disposition_header(attachment, name)
        response["Cache-Control"] = "private, no-store"
        return response


class ArchiveZipView(LoginRequiredMixin, View):
    def get(self, request, pk):
        dispute = _visible_or_404(request.user, pk)
        if not selectors.may_see_personal_data(request.user, dispute):
            raise PermissionDenied(_("完整卷宗仅承办调解员和调委会主任可以下载"))
        content = casefile.archive_zip(dispute, selectors.party_views(dispute, request.user, reveal=True))
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, f"{dispute.number}-卷宗.zip")
        response["Cache-Control"] = "private, no-store"
        return response


# ---------------------------------------------------------------- council members


class CouncilView(LoginRequiredMixin, View):
    def get(self, request):
        profile = selectors.council_profile(request.user)
        if profile is None:
            raise PermissionDenied(_("此页面供乡贤议事会成员使用"))
        invitations = list(selectors.invitations_of(request.user))
        context = {
            "profile": profile,
            "invitations": invitations,
            "sessions": selectors.council_sessions(request.user),
            "now": timezone.now(),
        }
        return render(request, "mediation/council.html", context)


# ---------------------------------------------------------------- statistics


class StatisticsView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_role(*selectors.STATISTICS_ROLES):
            raise PermissionDenied
        today = timezone.localdate()
        form = PeriodForm(request.GET or {"start": date(today.year, 1, 1), "end": today})
        committees = Committee.objects.filter(active=True)
        committee = committees.filter(pk=request.GET.get("committee") or 0).first()
        figures = None
        if form.is_valid():
            period = selectors.Period(form.cleaned_data["start"], form.cleaned_data["end"])
            figures = selectors.statistics(period, committee=committee)
        context = {"form": form, "figures": figures, "committees": committees, "committee": committee}
        return render(request, "mediation/statistics.html", context)
