from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from grid.api import can_see_officer_names
from grid.selectors import communities_in_legend_order, grids_with_details
from grid.templatetags.grid_format import SQUARE_KILOMETRE_FROM_M2

# Kenneth Kelly's colours of maximum contrast (1965) in his order, without white, black and
# the grey that failed map tiles also show: communities next in code order differ most.
COMMUNITY_PALETTE = (
    "#F3C300",
    "#875692",
    "#F38400",
    "#A1CAF1",
    "#BE0032",
    "#C2B280",
    "#008856",
    "#E68FAC",
    "#0067A5",
    "#F99379",
    "#604E97",
    "#F6A600",
    "#B3446C",
    "#DCD300",
    "#882D17",
    "#8DB600",
    "#654522",
)


class GridMapView(TemplateView):
    template_name = "grid/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        with_officers = can_see_officer_names(self.request.user)
        legend = [
            {"community": community, "colour": COMMUNITY_PALETTE[index % len(COMMUNITY_PALETTE)]}
            for index, community in enumerate(communities_in_legend_order())
        ]
        context.update(
            legend=legend,
            grids=grids_with_details(with_officers=with_officers),
            with_officers=with_officers,
            map_config={
                "apiUrl": reverse("api-grids"),
                "colours": {item["community"].code: item["colour"] for item in legend},
                "squareKilometreFromM2": SQUARE_KILOMETRE_FROM_M2,
                "labels": {
                    "code": _("网格编码"),
                    "community": _("社区"),
                    "area": _("面积"),
                    "officers": _("网格员"),
                    "noOfficer": _("未分配"),
                    "squareMetres": _("%(value)s 平方米"),
                    "squareKilometres": _("%(value)s 平方公里"),
                    "loading": _("正在加载网格…"),
                    "loaded": _("地图上共 %(count)s 个网格"),
                    "failed": _("网格数据加载失败，请刷新页面重试"),
                },
            },
        )
        return context
