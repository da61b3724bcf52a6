from django.urls import path

from patrols import views

app_name = "patrols"
urlpatterns = [
    path("", views.today, name="today"),
    path("duty/check-in/", views.check_in, name="check_in"),
    path("duty/check-out/", views.check_out, name="check_out"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", views.patrol_page, name="patrol"),
    path("<int:pk>/end/", views.end, name="end"),
    path("places/", views.places, name="places"),
    path("places/<int:pk>/inspect/", views.inspect, name="inspect"),
    path("hazards/", views.hazards, name="hazards"),
    path("hazards/new/", views.hazard_new, name="hazard_new"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard"),
    path("hazards/<int:pk>/reinspect/", views.hazard_reinspect, name="hazard_reinspect"),
    path("hazards/<int:pk>/escalate/", views.hazard_escalate, name="hazard_escalate"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("log/new/", views.log_new, name="log_new"),
    path("supervise/", views.supervise_tracks, name="supervise_tracks"),
    path("supervise/coverage/", views.supervise_coverage, name="supervise_coverage"),
    path("supervise/statistics/", views.supervise_statistics, name="supervise_statistics"),
]
