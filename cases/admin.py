from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from cases.models import Case, CaseEvent, CasePhoto, Category, RoutingRule, Unit
from gaoxin.admin_mixins import ReadOnlyInline, ServiceRecordsOnly


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "major_name",
        "priority",
        "time_basis",
        "handle_hours",
        "officer_may_resolve",
        "active",
    )
    list_filter = ("kind", "major_name", "time_basis", "priority", "officer_may_resolve", "active")
    search_fields = ("name", "name_en", "major_name", "major_code", "minor_code")
    fieldsets = (
        (None, {"fields": ("kind", ("major_code", "major_name"), ("minor_code", "name"), "name_en", "priority")}),
        (
            _("时限"),
            {
                "fields": (
                    "time_basis",
                    ("verify_hours", "file_hours", "dispatch_hours"),
                    ("handle_hours", "check_hours", "close_hours"),
                )
            },
        ),
        (None, {"fields": ("officer_may_resolve", "active")}),
    )


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    autocomplete_fields = ("category", "community")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "community", "head", "active")
    list_filter = ("level", "active")
    search_fields = ("name", "name_en")
    autocomplete_fields = ("head", "members", "community")
    inlines = [RoutingRuleInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "community", "unit")
    list_filter = ("unit",)
    search_fields = ("category__name", "unit__name", "community__name")
    autocomplete_fields = ("category", "community", "unit")


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("created_at", "action", "actor", "actor_role", "from_state", "to_state", "note")
    readonly_fields = fields


class CasePhotoInline(ReadOnlyInline):
    model = CasePhoto
    fields = ("kind", "image", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ServiceRecordsOnly, LeafletGeoAdmin):
    """Read-only in the admin: every change goes through the workflow services."""

    list_display = ("number", "category", "state", "community", "grid", "unit", "reported_at", "due_at")
    list_filter = ("state", "source", "category__kind", "community")
    search_fields = ("number", "description", "address", "external_id")
    date_hierarchy = "reported_at"
    list_select_related = ("category", "community", "grid", "unit")
    inlines = [CaseEventInline, CasePhotoInline]
