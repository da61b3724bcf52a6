"""The project's URLs plus the floor of the case-list benchmark: a bare Django view that
runs the officer's case-list page query (the same SQL as GET /api/v1/cases/ sends for
its page) and returns the same 50 rows as JSON, with no authentication, throttling,
count or serializer."""

from django.http import JsonResponse
from django.urls import path

from accounts.models import User
from cases.selectors import case_list
from gaoxin.urls import urlpatterns as project_urlpatterns

COLUMNS = (
    "id",
    "number",
    "state",
    "source",
    "priority",
    "category_id",
    "category__major_code",
    "category__minor_code",
    "category__name",
    "grid_id",
    "grid__code",
    "grid__name",
    "community_id",
    "community__code",
    "community__name",
    "unit_id",
    "unit__name",
    "address",
    "description",
    "location",
    "reported_at",
    "due_at",
    "external_system",
    "external_id",
)


def floor_case_list(request):
    officer = User(pk=int(request.GET["officer"]))
    rows = list(case_list(officer).order_by("-reported_at", "-id").values(*COLUMNS)[:50])
    for row in rows:
        point = row.pop("location")
        row["lon"], row["lat"] = point.x, point.y
    return JsonResponse({"results": rows})


urlpatterns = [path("bench/floor/cases/", floor_case_list), *project_urlpatterns]
