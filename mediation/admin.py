"""Reference data in the admin: committees and their mediators, the council. Disputes are
shown read-only: every change to one goes through mediation.services and leaves an event."""

from django.contrib import admin

from gaoxin.admin_mixins import ReadOnlyInline, ServiceRecordsOnly
from mediation.models import Committee, CommitteeMembership, CouncilMember, Dispute, DisputeEvent, Party


class MembershipInline(admin.TabularInline):
    model = CommitteeMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(CouncilMember)
class CouncilMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "title", "community", "available", "active"]
    list_filter = ["kind", "available", "active"]
    search_fields = ["user__first_name", "user__username", "title", "specialties"]
    autocomplete_fields = ["user"]


class PartyInline(ReadOnlyInline):
    model = Party
    fields = ["side", "kind", "name"]


class EventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = ["created_at", "action", "actor", "from_state", "to_state", "note"]


@admin.register(Dispute)
class DisputeAdmin(ServiceRecordsOnly, admin.ModelAdmin):
    list_display = ["number", "dispute_type", "source", "community", "committee", "state", "registered_at"]
    list_filter = ["state", "outcome", "dispute_type", "source", "committee"]
    search_fields = ["number", "summary"]
    date_hierarchy = "registered_at"
    list_select_related = ["community", "committee"]
    inlines = [PartyInline, EventInline]
