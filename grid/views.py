from django.views.generic import TemplateView


class GridMapView(TemplateView):
    template_name = "grid/map.html"
