from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from deadlines.calendar import default_working_hours
from deadlines.models import CalendarDay, WorkingHours


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(day.year), str(day.year)) for day in CalendarDay.objects.dates("date", "year", order="DESC")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("kind", YearFilter)
    date_hierarchy = "date"
    search_fields = ("name",)

    @admin.display(description=_("星期"), ordering="date")
    def weekday(self, day):
        return date_format(day.date, "l")


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return super().has_add_permission(request) and not WorkingHours.objects.exists()

    def get_changeform_initial_data(self, request):
        fields = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")
        return {
            **dict(zip(fields, default_working_hours(), strict=True)),
            **super().get_changeform_initial_data(request),
        }
