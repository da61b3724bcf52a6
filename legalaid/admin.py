"""Reference data in the admin: matter types, the lawyer panel (also loaded with
import_lawyers), firms' declared adverse parties, advisers and the duty roster.
Applications are shown read-only: every change goes through legalaid.services and leaves
an event."""

from django.contrib import admin

from gaoxin.admin_mixins import ReadOnlyInline, ServiceRecordsOnly
from legalaid.models import (
    Adviser,
    Application,
    ApplicationEvent,
    Assignment,
    Consultation,
    DutyShift,
    FirmAdverseParty,
    LawFirm,
    Lawyer,
    MatterType,
    RotationSkip,
)


@admin.register(MatterType)
class MatterTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "specialism", "min_years", "order", "active"]
    list_filter = ["specialism", "active"]
    search_fields = ["name", "code"]


class LawyerInline(admin.TabularInline):
    model = Lawyer
    extra = 0
    fields = ["name", "licence_number", "licensed_year", "specialisms", "status"]
    show_change_link = True


class AdversePartyInline(admin.TabularInline):
    model = FirmAdverseParty
    extra = 0
    fields = ["name", "id_number", "note"]


@admin.register(LawFirm)
class LawFirmAdmin(admin.ModelAdmin):
    list_display = ["name", "licence_number", "phone", "active"]
    list_filter = ["active"]
    search_fields = ["name", "licence_number"]
    inlines = [LawyerInline, AdversePartyInline]


@admin.register(Lawyer)
class LawyerAdmin(admin.ModelAdmin):
    list_display = ["name", "firm", "licence_number", "licensed_year", "status"]
    list_filter = ["status", "firm"]
    search_fields = ["name", "licence_number", "firm__name"]
    autocomplete_fields = ["user", "firm"]


@admin.register(Adviser)
class AdviserAdmin(admin.ModelAdmin):
    list_display = ["user", "lawyer", "office_phone", "active"]
    list_filter = ["active", "communities"]
    search_fields = ["user__first_name", "user__username"]
    autocomplete_fields = ["user", "lawyer"]
    filter_horizontal = ["communities"]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["day", "community", "adviser", "place", "hours"]
    list_filter = ["community"]
    date_hierarchy = "day"


class EventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["created_at", "action", "actor", "actor_role", "from_state", "to_state", "note"]


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fk_name = "application"
    fields = ["lawyer", "suggested", "override_reason", "assigned_at", "status", "end_reason"]


class SkipInline(ReadOnlyInline):
    model = RotationSkip
    fields = ["created_at", "lawyer", "reason", "note"]


@admin.register(Application)
class ApplicationAdmin(ServiceRecordsOnly, admin.ModelAdmin):
    """Read-only: changes go through the workflow (legalaid.services)."""

    list_display = ["number", "applicant_name", "matter_type", "channel", "state", "green_channel", "submitted_at"]
    list_filter = ["state", "channel", "green_channel", "matter_type"]
    search_fields = ["number", "applicant_name"]
    date_hierarchy = "submitted_at"
    inlines = [AssignmentInline, SkipInline, EventInline]
    exclude = ["applicant_id_number", "other_party_id_number"]


@admin.register(Consultation)
class ConsultationAdmin(ServiceRecordsOnly, admin.ModelAdmin):
    list_display = ["consulted_at", "community", "adviser", "person_name", "topic", "referral"]
    list_filter = ["topic", "referral", "community"]
    date_hierarchy = "consulted_at"
