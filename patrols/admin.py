"""The admin: the data a district tunes (place types and their checklists, patrol
frequencies per grid, the places registry) is edited here; the records officers make
(patrols, inspections, hazards, visits, the work log) are shown, not edited — they change
through patrols.services only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from gaoxin.admin_mixins import ServiceRecordsOnly
from patrols.models import (
    DutyShift,
    GridPatrolRequirement,
    Hazard,
    Inspection,
    Patrol,
    Place,
    PlaceType,
    Visit,
    WorkLogEntry,
)


@admin.register(PlaceType)
class PlaceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "rectify_days", "case_category", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(GridPatrolRequirement)
class GridPatrolRequirementAdmin(admin.ModelAdmin):
    list_display = ["grid", "visits_per_day", "note"]
    list_select_related = ["grid"]
    search_fields = ["grid__code", "grid__name"]
    autocomplete_fields = ["grid"]


@admin.register(Place)
class PlaceAdmin(LeafletGeoAdmin):
    list_display = ["name", "code", "place_type", "grid", "address", "active"]
    list_filter = ["place_type", "active", "grid__community"]
    list_select_related = ["place_type", "grid"]
    search_fields = ["name", "code", "address", "grid__code"]
    autocomplete_fields = ["grid"]


class ReadOnlyAdmin(ServiceRecordsOnly, admin.ModelAdmin):
    """Records made through the services: looked at here, never edited."""


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ["officer", "checked_in_at", "check_in_grid", "checked_out_at"]
    list_select_related = ["officer", "check_in_grid"]
    date_hierarchy = "checked_in_at"
    search_fields = ["officer__username", "officer__first_name"]


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ["officer", "started_at", "ended_at", "distance_km", "point_count", "flagged_count"]
    list_select_related = ["officer"]
    date_hierarchy = "started_at"
    search_fields = ["officer__username", "officer__first_name"]
    exclude = ["track", "track_display"]

    @admin.display(description=_("里程（公里）"), ordering="distance_m")
    def distance_km(self, patrol):
        return f"{patrol.distance_m / 1000:.2f}"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("track", "track_display")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["place", "officer", "inspected_at", "result"]
    list_filter = ["result", "place__place_type"]
    list_select_related = ["place", "officer"]
    date_hierarchy = "inspected_at"
    search_fields = ["place__name", "officer__username"]


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    list_display = ["description", "grid", "severity", "state", "found_at", "rectify_due", "case"]
    list_filter = ["state", "severity", "source"]
    list_select_related = ["grid", "case"]
    date_hierarchy = "found_at"
    search_fields = ["description", "grid__code", "case__number"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["officer", "visited_at", "kind", "grid", "address"]
    list_filter = ["kind"]
    list_select_related = ["officer", "grid"]
    date_hierarchy = "visited_at"


@admin.register(WorkLogEntry)
class WorkLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["officer", "logged_at", "kind", "grid", "dispute_resolved"]
    list_filter = ["kind", "dispute_resolved"]
    list_select_related = ["officer", "grid"]
    date_hierarchy = "logged_at"
