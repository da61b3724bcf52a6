"""Web pages for legal aid: thin, calling legalaid.services and legalaid.selectors.

Applicants apply online (guided by matter type, in plain words) and follow their
application by number and phone or under their account; the centre's coordinators work
queues with countdowns, decide and assign; lawyers accept, record progress and close;
advisers keep the duty roster and log consultations. Every application is looked up
through the user's scope, so another's is a 404."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View

from accounts.roles import Role
from legalaid import advisers, letters, selectors, services
from legalaid.errors import ActionNotAllowed
from legalaid.forms import (
    ApplyForm,
    ConsultationForm,
    PeriodForm,
    RegisterForm,
    ShiftForm,
    TrackForm,
    action_form,
    default_period,
)
from legalaid.models import Application, ApplicationState, DutyShift, MatterType, PaperKind, Specialism
from legalaid.workflow import QUEUES, SPECIAL_QUEUES, TRANSITIONS

_REGISTER_ROLES = (Role.LEGAL_AID_COORDINATOR, Role.INTAKE_CLERK, Role.GRID_OFFICER)
_TRACKED = "legalaid_tracked"  # session: {application id: phone} looked up by number and phone
# The steps an applicant sees, in order, with the states that stand on each.
_STEPS = [
    (_("提交申请"), ()),
    (_("审查"), (ApplicationState.SUBMITTED, ApplicationState.AWAITING_PAPERS)),
    (_("指派律师"), (ApplicationState.APPROVED, ApplicationState.ASSIGNED)),
    (_("律师承办"), (ApplicationState.IN_PROGRESS,)),
    (_("结案"), (ApplicationState.CLOSED,)),
]


def _over_public_limit(request) -> bool:
    """Anonymous applications and look-ups, per client address and hour."""
    if request.user.is_authenticated:
        return False
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"legalaid-public:{connection.settings_dict['NAME']}:{request.META.get('REMOTE_ADDR', '')}:{hour}"
    cache.add(key, 0, 3600)
    return cache.incr(key) > settings.LEGALAID_PUBLIC_RATE_PER_HOUR


def _too_many(request):
    return render(request, "legalaid/too_many.html", status=429)


def _is_coordinator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.LEGAL_AID_COORDINATOR)


class HomeView(View):
    def get(self, request):
        user = request.user
        if selectors.works_applications(user):
            return redirect("legalaid:applications")
        if selectors.lawyer_profile(user) is not None:
            return redirect("legalaid:my_cases")
        if selectors.adviser_profile(user) is not None:
            return redirect("legalaid:roster")
        if user.is_authenticated and user.has_role(Role.INTAKE_CLERK, Role.GRID_OFFICER):
            return redirect("legalaid:register")
        return redirect("legalaid:apply")


# ---------------------------------------------------------------- applicants and the public


class ApplyIndexView(View):
    def get(self, request):
        context = {"matter_types": selectors.matter_types(), "green_days": settings.LEGALAID_GREEN_PAPERS_DAYS}
        return render(request, "legalaid/apply_index.html", context)


class ApplyView(View):
    template_name = "legalaid/apply.html"

    def _matter_type(self, code):
        return get_object_or_404(MatterType, code=code, active=True)

    def get(self, request, code):
        matter_type = self._matter_type(code)
        initial = {}
        if request.user.is_authenticated:
            initial = {"applicant_name": request.user.display_name, "applicant_phone": request.user.phone}
        form = ApplyForm(initial=initial, matter_type=matter_type)
        return render(request, self.template_name, {"form": form, "matter_type": matter_type})

    def post(self, request, code):
        matter_type = self._matter_type(code)
        if _over_public_limit(request):
            return _too_many(request)
        form = ApplyForm(request.POST, request.FILES, matter_type=matter_type)
        if form.is_valid():
            try:
                application = services.submit(actor=request.user, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            else:
                messages.success(
                    request,
                    _("申请已提交，编号 %(number)s。请记下编号，凭编号和手机号查询进度、补交材料。")
                    % {"number": application.number},
                )
                if application.applicant_id:
                    return redirect("legalaid:my_application", application.pk)
                _remember(request, application, application.applicant_phone)
                return redirect("legalaid:tracked", application.pk)
        return render(request, self.template_name, {"form": form, "matter_type": matter_type}, status=400)


def _remember(request, application, phone):
    tracked = dict(request.session.get(_TRACKED, {}))
    tracked[str(application.pk)] = phone
    request.session[_TRACKED] = dict(list(tracked.items())[-20:])


def _tracked_phone(request, pk) -> str:
    return request.session.get(_TRACKED, {}).get(str(pk), "")


class TrackView(View):
    def get(self, request):
        if "phone" not in request.GET:
            form = TrackForm(initial={"number": request.GET.get("number", "")})
            return render(request, "legalaid/track.html", {"form": form})
        if _over_public_limit(request):
            return _too_many(request)
        form = TrackForm(request.GET)
        if not form.is_valid():
            return render(request, "legalaid/track.html", {"form": form}, status=400)
        application = selectors.track(form.cleaned_data["number"], form.cleaned_data["phone"])
        if application is not None:
            _remember(request, application, application.applicant_phone)
            return redirect("legalaid:tracked", application.pk)
        form.add_error(None, _("没有找到与该编号和手机号相符的申请"))
        return render(request, "legalaid/track.html", {"form": form}, status=404)


class TrackedView(View):
    """An application followed by number and phone (the look-up is kept in the session)."""

    def get(self, request, pk):
        phone = _tracked_phone(request, pk)
        application = selectors.track(Application.objects.filter(pk=pk).values_list("number", flat=True).first(), phone)
        if application is None:
            return redirect("legalaid:track")
        return render(request, "legalaid/applicant_detail.html", applicant_context(request, application, phone=phone))


class MyApplicationsView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "legalaid/my_list.html", {"applications": selectors.applications_of(request.user)})


class MyApplicationView(LoginRequiredMixin, View):
    def get(self, request, pk):
        application = get_object_or_404(selectors.applications_of(request.user), pk=pk)
        return render(request, "legalaid/applicant_detail.html", applicant_context(request, application))


def applicant_context(request, application, *, phone="", failed_action=None, failed_form=None):
    papers_request = selectors.papers_request_of(application)
    missing = services.still_missing(papers_request) if papers_request and papers_request.is_pending else []
    actions = _actions(request, application, phone=phone, failed_action=failed_action, failed_form=failed_form)
    current = next((i for i, (_label, states) in enumerate(_STEPS) if application.state in states), None)
    return {
        "application": application,
        "personal": selectors.personal(application, request.user, reveal=True),
        "papers_request": papers_request,
        "missing": [(kind, label) for kind, label in PaperKind.choices if kind in missing],
        "papers": list(application.papers.all()),
        "actions": actions,
        "steps": [(label, i < (current or 0), i == current) for i, (label, _states) in enumerate(_STEPS)],
        "objection": selectors.objection_of(application),
        "lawyer": application.lawyer,
        "tracked": bool(phone),
    }


class OnDutyView(View):
    """Today's (or a given day's) community legal advisers on duty, for residents."""

    def get(self, request):
        day = parse_date(request.GET.get("day", "") or "") or timezone.localdate()
        return render(request, "legalaid/on_duty.html", {"day": day, "rows": selectors.on_duty(day)})


# ---------------------------------------------------------------- the centre


def _visible_or_404(user, pk) -> Application:
    try:
        return selectors.application_detail(user, pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


class ApplicationListView(LoginRequiredMixin, View):
    def get(self, request):
        user = request.user
        if not selectors.works_applications(user):
            if selectors.lawyer_profile(user) is not None:
                return redirect("legalaid:my_cases")
            if not user.has_role(*_REGISTER_ROLES, Role.LAWYER):
                return redirect("legalaid:my")
        queue = request.GET.get("queue", "")
        search = request.GET.get("q", "").strip()[:50]
        applications = selectors.application_list(user, queue=queue, search=search)
        context = {
            "page": Paginator(applications, 30).get_page(request.GET.get("page")),
            "queues": [(name, label) for name, (label, _states) in QUEUES.items()],
            "special_queues": list(SPECIAL_QUEUES.items()),
            "counts": selectors.queue_counts(user),
            "queue": queue,
            "search": search,
            "can_register": user.has_role(*_REGISTER_ROLES),
        }
        return render(request, "legalaid/application_list.html", context)


class RegisterView(LoginRequiredMixin, View):
    template_name = "legalaid/register.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_role(*_REGISTER_ROLES):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _form(self, request, *args, **kwargs):
        form = RegisterForm(*args, **kwargs)
        allowed = {channel for channel, roles in services.CHANNEL_ROLES.items() if request.user.has_role(*roles)} - {
            "adviser"
        }
        form.fields["channel"].choices = [c for c in form.fields["channel"].choices if c[0] in allowed]
        return form

    def get(self, request):
        return render(request, self.template_name, {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST, request.FILES)
        if form.is_valid():
            try:
                application = services.submit(actor=request.user, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            else:
                messages.success(request, _("已登记法律援助申请 %(number)s") % {"number": application.number})
                return redirect("legalaid:application", application.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class ApplicationDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        application = _visible_or_404(request.user, pk)
        if application.applicant_id == request.user.pk and not selectors.works_applications(request.user):
            return redirect("legalaid:my_application", pk)
        return render(request, "legalaid/application_detail.html", detail_context(request, application))


def _actions(request, application, *, phone="", failed_action=None, failed_form=None):
    user = request.user
    coordinator = _is_coordinator(user)
    papers_request = selectors.papers_request_of(application)
    missing = services.still_missing(papers_request) if papers_request and papers_request.is_pending else []
    suggestion = None
    items = []
    for transition in services.available_actions(application, user, phone=phone):
        if transition.action == "assign":
            suggestion = services.suggest(application).suggestion
        if transition.action == failed_action:
            form = failed_form
        else:
            form = action_form(
                transition.action, suggestion=suggestion, missing=missing, role_is_coordinator=coordinator
            )
        items.append({"transition": transition, "form": form, "open": transition.action == failed_action})
    return items


def detail_context(request, application, *, failed_action=None, failed_form=None):
    user = request.user
    actions = _actions(request, application, failed_action=failed_action, failed_form=failed_form)
    turn = None
    if application.state == ApplicationState.APPROVED and _is_coordinator(user):
        turn = services.suggest(application)
    return {
        "application": application,
        "personal": selectors.personal(application, user),
        "actions": actions,
        "turn": turn,
        "papers_request": selectors.papers_request_of(application),
        "objection": selectors.objection_of(application),
        "follow_up": selectors.follow_up_of(application),
        "assignments": list(application.assignments.all()),
        "skips": list(application.skips.all()),
        "progress": list(application.progress_notes.all()),
        "papers": list(application.papers.all()),
        "may_download": selectors.may_see_personal_data(user, application),
        "timeline": selectors.timeline(application),
    }


class ActionView(View):
    """One workflow action, from the staff page, the applicant's page or a tracked page."""

    def post(self, request, pk, action):
        if action not in TRANSITIONS:
            raise Http404
        if _over_public_limit(request):
            return _too_many(request)
        phone = _tracked_phone(request, pk)
        application = self._application(request, pk, phone)
        coordinator = _is_coordinator(request.user)
        form = action_form(action, data=request.POST, files=request.FILES, role_is_coordinator=coordinator)
        if form.is_valid():
            try:
                services.act(application, action, request.user, phone=phone, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            except ActionNotAllowed as conflict:
                messages.error(request, conflict.message)
                return redirect(self._back(request, application, phone))
            except PermissionDenied as denied:
                messages.error(request, str(denied))
                return redirect(self._back(request, application, phone))
            else:
                messages.success(request, _("已%(action)s") % {"action": TRANSITIONS[action].label})
                return redirect(self._back(request, application, phone))
        application = self._application(request, pk, phone)
        if self._staff_page(request, application):
            context = detail_context(request, application, failed_action=action, failed_form=form)
            return render(request, "legalaid/application_detail.html", context, status=400)
        context = applicant_context(request, application, phone=phone, failed_action=action, failed_form=form)
        return render(request, "legalaid/applicant_detail.html", context, status=400)

    def _application(self, request, pk, phone):
        if request.user.is_authenticated:
            try:
                return selectors.application_detail(request.user, pk)
            except Application.DoesNotExist:
                pass
        number = Application.objects.filter(pk=pk).values_list("number", flat=True).first()
        application = selectors.track(number, phone) if phone else None
        if application is None:
            raise Http404
        return application

    @staticmethod
    def _staff_page(request, application):
        user = request.user
        return (
            user.is_authenticated
            and application.applicant_id != user.pk
            and not _tracked_phone(request, application.pk)
        )

    def _back(self, request, application, phone):
        if self._staff_page(request, application):
            return reverse("legalaid:application", args=[application.pk])
        if application.applicant_id and application.applicant_id == request.user.pk:
            return reverse("legalaid:my_application", args=[application.pk])
        return reverse("legalaid:tracked", args=[application.pk])


def _readable(request, pk) -> Application:
    """An application this person may read: in their scope, or tracked by number and phone."""
    if request.user.is_authenticated:
        found = selectors.visible_applications(request.user).filter(pk=pk).first()
        if found is not None:
            return found
    phone = _tracked_phone(request, pk)
    number = Application.objects.filter(pk=pk).values_list("number", flat=True).first()
    application = selectors.track(number, phone) if phone else None
    if application is None:
        raise Http404
    return application


class RefusalLetterView(View):
    def get(self, request, pk):
        application = _readable(request, pk)
        if not application.refusal_reason:
            raise Http404
        applicant = application.applicant_id == request.user.pk or bool(_tracked_phone(request, pk))
        reveal = applicant or selectors.may_see_personal_data(request.user, application)
        content = letters.refusal_letter(application, selectors.personal(application, request.user, reveal=reveal))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, f"{application.number}-不予法律援助决定书.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response


class PaperView(View):
    def get(self, request, pk, paper_pk):
        application = _readable(request, pk)
        applicant = application.applicant_id == request.user.pk or bool(_tracked_phone(request, pk))
        if not applicant and not selectors.may_see_personal_data(request.user, application):
            raise PermissionDenied(_("申请材料仅法律援助中心、承办律师和申请人本人可以查看"))
        paper = get_object_or_404(application.papers.all(), pk=paper_pk)
        response = FileResponse(paper.file.open("rb"), content_type=paper.content_type)
        response["Content-Disposition"] = content_disposition_header(False, paper.title)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# ---------------------------------------------------------------- lawyers


class MyCasesView(LoginRequiredMixin, View):
    def get(self, request):
        lawyer = selectors.lawyer_profile(request.user)
        if lawyer is None:
            raise PermissionDenied(_("此页面供法律援助律师使用"))
        cases = selectors.my_cases(request.user)
        return render(request, "legalaid/my_cases.html", {"lawyer": lawyer, "cases": cases})


class PanelView(LoginRequiredMixin, View):
    def get(self, request):
        if not selectors.works_applications(request.user):
            raise PermissionDenied
        specialism = request.GET.get("specialism", "")
        search = request.GET.get("q", "").strip()[:50]
        lawyers = selectors.panel(search=search, specialism=specialism)
        context = {
            "page": Paginator(lawyers, 50).get_page(request.GET.get("page")),
            "specialisms": Specialism.choices,
            "specialism": specialism,
            "search": search,
        }
        return render(request, "legalaid/panel.html", context)


# ---------------------------------------------------------------- advisers


class RosterView(LoginRequiredMixin, View):
    template_name = "legalaid/roster.html"

    def _scope(self, request):
        if _is_coordinator(request.user) or selectors.works_applications(request.user):
            return None
        adviser = selectors.adviser_profile(request.user)
        if adviser is None:
            raise PermissionDenied(_("此页面供法律援助协调员和社区法律顾问使用"))
        return adviser

    def _context(self, request, adviser, form=None):
        start = parse_date(request.GET.get("start", "") or "") or timezone.localdate()
        end = start + timedelta(days=13)
        communities = adviser.communities.order_by("code") if adviser else None
        shifts = list(selectors.roster(start, end, communities=communities))
        gaps = selectors.roster_gaps(start, end, communities=communities)
        days = [start + timedelta(days=n) for n in range(14)]
        return {
            "start": start,
            "previous": start - timedelta(days=14),
            "next": start + timedelta(days=14),
            "days": days,
            "shifts": shifts,
            "gaps": gaps,
            "adviser": adviser,
            "form": form or (ShiftForm(initial={"day": start}) if _is_coordinator(request.user) else None),
        }

    def get(self, request):
        return render(request, self.template_name, self._context(request, self._scope(request)))

    def post(self, request):
        adviser = self._scope(request)
        if "remove" in request.POST:
            shift = get_object_or_404(
                DutyShift, pk=request.POST.get("remove") if str(request.POST.get("remove")).isdigit() else 0
            )
            advisers.remove_shift(actor=request.user, shift=shift)
            messages.success(request, _("已取消值班"))
            return redirect(request.get_full_path())
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                advisers.set_shift(actor=request.user, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            else:
                messages.success(request, _("已安排值班"))
                return redirect(request.get_full_path())
        return render(request, self.template_name, self._context(request, adviser, form), status=400)


class ConsultationListView(LoginRequiredMixin, View):
    def get(self, request):
        adviser = selectors.adviser_profile(request.user)
        if adviser is None and not selectors.works_applications(request.user):
            raise PermissionDenied(_("此页面供社区法律顾问和法律援助协调员使用"))
        consultations = selectors.visible_consultations(request.user)
        context = {"page": Paginator(consultations, 30).get_page(request.GET.get("page")), "adviser": adviser}
        return render(request, "legalaid/consultations.html", context)


class ConsultationCreateView(LoginRequiredMixin, View):
    template_name = "legalaid/consultation_form.html"

    def _adviser(self, request):
        adviser = selectors.adviser_profile(request.user)
        if adviser is None:
            raise PermissionDenied(_("只有在岗的社区法律顾问可以登记咨询"))
        return adviser

    def get(self, request):
        return render(request, self.template_name, {"form": ConsultationForm(adviser=self._adviser(request))})

    def post(self, request):
        adviser = self._adviser(request)
        form = ConsultationForm(request.POST, adviser=adviser)
        if form.is_valid():
            try:
                consultation = advisers.log_consultation(actor=request.user, **form.params())
            except ValidationError as error:
                form.show_errors(error)
            else:
                if consultation.application_id:
                    text = _("已登记咨询，并转法律援助（申请编号 %(number)s）") % {
                        "number": consultation.application.number
                    }
                elif consultation.dispute_number:
                    text = _("已登记咨询，并转人民调解（纠纷编号 %(number)s）") % {
                        "number": consultation.dispute_number
                    }
                else:
                    text = _("已登记咨询")
                messages.success(request, text)
                return redirect("legalaid:consultations")
        return render(request, self.template_name, {"form": form}, status=400)


# ---------------------------------------------------------------- statistics


class StatisticsView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_role(*selectors.STATISTICS_ROLES):
            raise PermissionDenied
        form = PeriodForm(request.GET or default_period())
        figures = None
        if form.is_valid():
            figures = selectors.statistics(selectors.Period(form.cleaned_data["start"], form.cleaned_data["end"]))
        return render(request, "legalaid/statistics.html", {"form": form, "figures": figures})
