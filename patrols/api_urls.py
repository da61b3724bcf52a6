from django.urls import path

from patrols import api

urlpatterns = [
    path("duty/check-in/", api.CheckInView.as_view(), name="api-duty-check-in"),
    path("duty/check-out/", api.CheckOutView.as_view(), name="api-duty-check-out"),
    path("duty/shifts/", api.ShiftListView.as_view(), name="api-duty-shifts"),
    path("patrols/", api.PatrolListView.as_view(), name="api-patrols"),
    path("patrols/tracks/", api.TrackMapView.as_view(), name="api-patrol-tracks"),
    path("patrols/coverage/", api.CoverageView.as_view(), name="api-patrol-coverage"),
    path("patrols/statistics/", api.StatisticsView.as_view(), name="api-patrol-statistics"),
    path("patrols/<int:pk>/", api.PatrolDetailView.as_view(), name="api-patrol"),
    path("patrols/<int:pk>/end/", api.PatrolEndView.as_view(), name="api-patrol-end"),
    path("patrols/<int:pk>/points/", api.PatrolPointsView.as_view(), name="api-patrol-points"),
    path("place-types/", api.PlaceTypeListView.as_view(), name="api-place-types"),
    path("places/", api.PlaceListView.as_view(), name="api-places"),
    path("places/import/", api.PlaceImportView.as_view(), name="api-places-import"),
    path("places/<int:pk>/", api.PlaceDetailView.as_view(), name="api-place"),
    path("inspections/", api.InspectionListView.as_view(), name="api-inspections"),
    path("hazards/", api.HazardListView.as_view(), name="api-hazards"),
    path("hazards/<int:pk>/", api.HazardDetailView.as_view(), name="api-hazard"),
    path("hazards/<int:pk>/reinspect/", api.HazardReinspectView.as_view(), name="api-hazard-reinspect"),
    path("hazards/<int:pk>/escalate/", api.HazardEscalateView.as_view(), name="api-hazard-escalate"),
    path("visits/", api.VisitListView.as_view(), name="api-visits"),
    path("work-log/", api.WorkLogListView.as_view(), name="api-work-log"),
]
