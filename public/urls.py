from django.urls import path

from public import views

app_name = "public"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("report/done/<str:token>/", views.ReportedView.as_view(), name="reported"),
    path("track/", views.TrackView.as_view(), name="track"),
    path("track/<str:number>/", views.CaseStatusView.as_view(), name="case"),
    path("track/<str:number>/rate/", views.RateView.as_view(), name="rate"),
    path("track/<str:number>/photos/<int:photo_id>/", views.AfterPhotoView.as_view(), name="after_photo"),
    path("map/", views.MapView.as_view(), name="map"),
    path("map/cases.geojson", views.MapDataView.as_view(), name="map_data"),
]
