from django.contrib import admin
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from grid.models import Community, District, Grid, GridAssignment
from grid.templatetags.grid_format import area


@admin.register(District)
class DistrictAdmin(LeafletGeoAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "district", "first_responsible", "grid_count"]
    list_filter = ["district"]
    search_fields = ["code", "name", "name_en", "first_responsible"]
    autocomplete_fields = ["first_responsible_user"]
    list_select_related = ["district"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(grid_count=Count("grids"))

    @admin.display(description=_("网格数"), ordering="grid_count")
    def grid_count(self, community):
        return community.grid_count


class GridAssignmentInline(admin.TabularInline):
    model = GridAssignment
    autocomplete_fields = ["officer"]
    extra = 1


@admin.register(Grid)
class GridAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "community", "area_display", "officer_names"]
    list_filter = ["community__district", "community"]
    search_fields = ["code", "name", "community__name", "officers__username", "officers__first_name"]
    list_select_related = ["community"]
    readonly_fields = ["area_display"]
    fields = ["community", "code", "name", "area_display", "boundary"]
    inlines = [GridAssignmentInline]

    def get_queryset(self, request):
        assignments = GridAssignment.objects.select_related("officer").order_by("-is_primary", "pk")
        return super().get_queryset(request).prefetch_related(Prefetch("assignments", queryset=assignments))

    @admin.display(description=_("面积"), ordering="area_m2")
    def area_display(self, grid):
        return area(grid.area_m2)

    @admin.display(description=_("网格员"))
    def officer_names(self, grid):
        return "、".join(assignment.officer.display_name for assignment in grid.assignments.all())
