"""Admin pieces the apps share. Records written through a service layer (cases, disputes,
applications, patrols...) are looked at in the admin, never added, edited or deleted
there: that would skip the service's checks and its audit record."""

from django.contrib import admin


class ServiceRecordsOnly:
    """For a ModelAdmin (or LeafletGeoAdmin) or an inline of such records."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ServiceRecordsOnly, admin.TabularInline):
    extra = 0
    can_delete = False
