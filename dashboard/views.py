"""The command centre's dashboard: the grid map by open and overdue cases, today's, this
week's and this month's KPIs, trend charts, people's mediation this year, and the queues
waiting for the viewer."""

from django.conf import settings
from django.contrib.auth.mixins import AccessMixin
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from cases.models import localized
from cases.selectors import DISTRICT_ROLES
from dashboard.figures import KEEP_FACTOR, cache_key, current_figures, figures_and_queues

CENTRE_ROLES = DISTRICT_ROLES
PERIOD_LABELS = {"today": gettext_lazy("今日"), "week": gettext_lazy("本周"), "month": gettext_lazy("本月")}


class CentreOnly(AccessMixin):
    """Signed-in command-centre staff; anonymous users go to the login page, everyone
    else gets a 403 page."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_role(*CENTRE_ROLES):
            return render(request, "dashboard/forbidden.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class DashboardView(CentreOnly, TemplateView):
    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        figures, queue_counts = figures_and_queues(user)
        queues = [{**item, "url": reverse("cases:queue", args=[item["name"]])} for item in queue_counts]
        kpis = [{**card, "label": PERIOD_LABELS[card["period"]]} for card in figures["kpis"]]
        # Figures are computed once for every viewer; names take the viewer's language here.
        categories = [{**row, "name": localized(row["name"], row.get("name_en", ""))} for row in figures["categories"]]
        charts = {
            "flow": figures["flow"],
            "onTime": figures["on_time"],
            "categories": categories,
            "communities": figures["communities"],
            "labels": {
                "reported": _("上报"),
                "closed": _("结案"),
                "due": _("应结案"),
                "onTimeRate": _("按期结案率"),
                "open": _("办理中"),
                "filed": _("立案"),
                "cases": _("件数"),
            },
        }
        map_config = {
            "gridsUrl": reverse("api-grids"),
            "countsUrl": reverse("dashboard:grid_counts"),
            "labels": {
                "open": _("在办案件"),
                "overdue": _("超期案件"),
                "none": _("无"),
                "loading": _("正在加载网格…"),
                "loaded": _("%(count)s 个网格有在办案件"),
                "failed": _("地图数据加载失败，请刷新页面重试"),
                "code": _("网格编码"),
                "community": _("社区"),
            },
        }
        return super().get_context_data(
            computed_at=figures["computed_at"],
            # The rendered figures are cached with them: the same figures, the same HTML.
            figures_key=cache_key("html", figures["computed_at"].isoformat()),
            figures_seconds=max(int(settings.DASHBOARD_CACHE_SECONDS * KEEP_FACTOR), 0),
            kpis=kpis,
            charts=charts,
            categories=categories,
            communities=figures["communities"],
            flow_rows=zip(figures["flow"]["days"], figures["flow"]["reported"], figures["flow"]["closed"], strict=True),
            # Absent from figures cached before mediation joined the dashboard.
            mediation_figures=figures.get("mediation"),
            queues=queues,
            map_config=map_config,
            **kwargs,
        )


class GridCountsView(CentreOnly, View):
    """Open and overdue cases per grid code, for colouring the dashboard's map."""

    def get(self, request):
        figures = current_figures()
        response = JsonResponse({"computed_at": figures["computed_at"].isoformat(), "grids": figures["grids"]})
        patch_cache_control(response, private=True, max_age=30)
        return response
