from django.urls import path

from grid import api

urlpatterns = [
    path("grids/", api.GridCollectionView.as_view(), name="api-grids"),
]
