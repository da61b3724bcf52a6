"""The /api/v1/ namespace: each app contributes its routes here."""

from django.urls import include, path

urlpatterns = [
    path("", include("grid.api_urls")),
]
