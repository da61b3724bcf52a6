from django.urls import path

from grid import views

app_name = "grid"
urlpatterns = [
    path("map/", views.GridMapView.as_view(), name="map"),
]
