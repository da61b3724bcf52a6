"""Pages for residents without a staff account: complain, follow the complaint, rate the
result, and see on a map what the district is working on."""

import json
import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.roles import STAFF_ROLES
from cases.errors import ActionNotAllowed
from cases.models import Case, CaseSource, CaseState, localized
from cases.photos import without_metadata
from cases.services import act, report
from cases.views.home import home as workspace_home
from public import throttle
from public.forms import RateForm, ReportForm, TrackForm
from public.photos import public_copy
from public.selectors import recent_case_features
from public.tracking import (
    PUBLIC_STATUS,
    after_photos,
    find_by_phone,
    my_cases,
    public_steps,
    remember,
    trackable_case,
)

MY_CASES_PER_PAGE = 20
# Part of the public map's cache key: change it when the GeoJSON's layout changes.
MAP_LAYOUT = "2"
REPORTED_SALT = "public.reported"
# The result page is for the moment after sending; the tracking page is for later.
REPORTED_MAX_AGE = 24 * 3600


def _rate_limited(request, retry_after):
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "public/rate_limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _to_tracking_form(number):
    """Back to the look-up, the number filled in: the case page needs the phone check."""
    return redirect(f"{reverse('public:track')}?{urlencode({'number': number[:16]})}")


def _signed_in(request):
    return request.user if request.user.is_authenticated else None


class HomeView(TemplateView):
    """The site's front door at "/": residents and visitors get the landing page; staff
    go on to the page of their work (cases.views.home, the `home` URL name)."""

    template_name = "public/home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (user.is_staff or user.has_role(*STAFF_ROLES)):
            return workspace_home(request)
        return super().get(request, *args, **kwargs)


class ReportView(View):
    template_name = "public/report.html"

    def get(self, request):
        user = _signed_in(request)
        initial = {"reporter_phone": user.phone, "reporter_name": user.get_full_name()} if user else {}
        return self._render(request, ReportForm(initial=initial))

    def post(self, request):
        address = throttle.client_address(request)
        wait = throttle.retry_after("attempt", [address], settings.PUBLIC_ATTEMPT_LIMIT)
        if wait:
            return _rate_limited(request, wait)
        throttle.count("attempt", [address])

        form = ReportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        phone = data["reporter_phone"]
        wait = throttle.retry_after("report", [address, phone], settings.PUBLIC_REPORT_LIMIT)
        if wait:
            return _rate_limited(request, wait)
        lon, lat = data["location"]
        try:
            case = report(
                actor=_signed_in(request),
                source=CaseSource.RESIDENT,
                category=form.categories[data["category"]],
                lon=lon,
                lat=lat,
                description=data["description"],
                address=data["address"],
                reporter_name=data["reporter_name"],
                reporter_phone=phone,
                # The stored copies carry no EXIF: the GPS in a photo can be the reporter's home.
                photos=[without_metadata(upload)[0] for upload in data["photos"]],
            )
        except ValidationError as exc:
            for field, field_messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
            return self._render(request, form, status=400)
        throttle.count("report", [address, phone])
        remember(request.session, case)
        return redirect("public:reported", token=signing.dumps(case.pk, salt=REPORTED_SALT))

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "map_config": {
                "gridsUrl": reverse("api-grids"),
                "labels": {
                    "locating": _("正在获取您的位置…"),
                    "located": _("已定位到您的位置，可拖动标记微调"),
                    "placed": _("已选择位置，可拖动标记微调"),
                    "denied": _("无法获取位置，请在地图上点选"),
                    "unsupported": _("此浏览器不支持定位，请在地图上点选"),
                    "noMatch": _("没有匹配的类别"),
                    "matches": _("找到 %(count)s 个类别"),
                },
            },
        }
        return render(request, self.template_name, context, status=status)


class ReportedView(View):
    def get(self, request, token):
        try:
            pk = signing.loads(token, salt=REPORTED_SALT, max_age=REPORTED_MAX_AGE)
        except signing.BadSignature:
            raise Http404 from None
        cases = Case.objects.select_related("grid", "community", "category").defer("grid__boundary")
        case = get_object_or_404(cases, pk=pk)
        return render(request, "public/reported.html", {"case": case})


class TrackView(View):
    template_name = "public/track.html"

    def get(self, request):
        form = TrackForm(initial={"number": request.GET.get("number", "")[:16]})
        return self._render(request, form)

    def post(self, request):
        form = TrackForm(request.POST)
        address = throttle.client_address(request)
        number = request.POST.get("number", "").strip()[:16]
        # Per number too: guessing the phone of one complaint from many addresses.
        wait = throttle.retry_after("lookup", [address, f"number:{number}"], settings.PUBLIC_ATTEMPT_LIMIT)
        if wait:
            return _rate_limited(request, wait)
        throttle.count("lookup", [address, f"number:{number}"])
        if not form.is_valid():
            return self._render(request, form, status=400)
        case = find_by_phone(form.cleaned_data["number"], form.cleaned_data["reporter_phone"])
        if case is None:
            form.add_error(None, _("没有找到与该编号和电话对应的投诉，请核对后重试"))
            return self._render(request, form, status=404)
        remember(request.session, case)
        return redirect("public:case", number=case.number)

    def _render(self, request, form, status=200):
        # Pages without a count: a resident's list is short, and counting costs a scan.
        number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
        number = max(number, 1)
        start = (number - 1) * MY_CASES_PER_PAGE
        rows = list(my_cases(request.user)[start : start + MY_CASES_PER_PAGE + 1])
        context = {
            "form": form,
            "my_cases": [
                (
                    {**case, "category_label": localized(case["category_name"], case["category_name_en"])},
                    PUBLIC_STATUS[case["state"]],
                )
                for case in rows[:MY_CASES_PER_PAGE]
            ],
            "page_number": number,
            "next_page": number + 1 if len(rows) > MY_CASES_PER_PAGE else None,
            "previous_page": number - 1 if number > 1 else None,
        }
        return render(request, self.template_name, context, status=status)


def _case_page(request, case, rate_form=None, status=200):
    can_rate = case.state == CaseState.CLOSED and case.satisfaction is None
    rate_needs_account = can_rate and case.reporter_id is not None and case.reporter_id != request.user.pk
    context = {
        "case": case,
        "status_label": PUBLIC_STATUS[case.state],
        "steps": public_steps(case),
        "photos": list(after_photos(case)),
        "can_rate": can_rate and not rate_needs_account,
        "rate_needs_account": rate_needs_account,
        "rate_form": rate_form or RateForm(),
    }
    return render(request, "public/case.html", context, status=status)


class CaseStatusView(View):
    def get(self, request, number):
        case = trackable_case(request, number)
        if case is None:
            return _to_tracking_form(number)
        return _case_page(request, case)


class RateView(View):
    def post(self, request, number):
        case = trackable_case(request, number)
        if case is None:
            return _to_tracking_form(number)
        form = RateForm(request.POST)
        if not form.is_valid():
            return _case_page(request, case, form, status=400)
        # The reporter's own account rates as itself; anyone else got here by the phone
        # check (tracking.remember), which is what the service's public path asks for.
        actor = request.user if case.reporter_id and case.reporter_id == request.user.pk else None
        try:
            act(
                case,
                "rate",
                actor,
                score=form.cleaned_data["score"],
                note=form.cleaned_data["note"],
                reporter_phone=case.reporter_phone,
            )
        except ValidationError as exc:
            for field, field_messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
            return _case_page(request, case, form, status=400)
        except ActionNotAllowed as exc:
            form.add_error(None, exc.message)
            return _case_page(request, case, form, status=409)
        except PermissionDenied:
            form.add_error(None, _("请登录投诉时使用的账号后评价"))
            return _case_page(request, case, form, status=403)
        messages.success(request, _("感谢您的评价"))
        return redirect("public:case", number=case.number)


class AfterPhotoView(View):
    def get(self, request, number, photo_id):
        case = trackable_case(request, number)
        if case is None:
            raise Http404
        photo = get_object_or_404(after_photos(case).only("id", "image"), pk=photo_id)
        try:
            with photo.image.open("rb") as file:
                copy = public_copy(file)
        except FileNotFoundError:
            copy = None
        if copy is None:
            raise Http404
        body, content_type = copy
        response = HttpResponse(body, content_type=content_type)
        patch_cache_control(response, private=True, max_age=3600)
        return response


class MapView(TemplateView):
    template_name = "public/map.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            days=settings.PUBLIC_MAP_DAYS,
            map_config={
                "casesUrl": reverse("public:map_data"),
                "gridsUrl": reverse("api-grids"),
                "labels": {
                    "open": _("办理中"),
                    "closed": _("已办结"),
                    "count": _("%(count)s 件"),
                    "loading": _("正在加载…"),
                    "loaded": _("近 %(days)s 天共 %(count)s 件投诉和上报"),
                    "limited": _("近 %(days)s 天最新的 %(count)s 件投诉和上报"),
                    "failed": _("数据加载失败，请刷新页面重试"),
                },
                "days": settings.PUBLIC_MAP_DAYS,
            },
            **kwargs,
        )


class MapDataView(View):
    def get(self, request):
        english = (get_language() or "").startswith("en")
        days, limit = settings.PUBLIC_MAP_DAYS, settings.PUBLIC_MAP_MAX_CASES
        # The database (test runs may share the Redis), the body's layout and what it holds.
        key = f"public-map:{connection.settings_dict['NAME']}:{MAP_LAYOUT}:{'en' if english else 'zh'}:{days}:{limit}"
        body = cache.get(key)
        if body is None:
            features = recent_case_features(timezone.now(), days, limit)
            body = json.dumps(features, ensure_ascii=False, separators=(",", ":")).encode()
            cache.set(key, body, settings.PUBLIC_MAP_CACHE_SECONDS)
        response = HttpResponse(body, content_type="application/geo+json")
        patch_cache_control(response, public=True, max_age=int(settings.PUBLIC_MAP_CACHE_SECONDS))
        patch_vary_headers(response, ["Cookie"])  # the language cookie picks the category names
        return response
