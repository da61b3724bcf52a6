"""The /api/v1/ namespace: each app contributes its routes here."""

from django.urls import include, path

urlpatterns = [
    path("", include("grid.api_urls")),
    path("", include("api.urls")),
    path("", include("patrols.api_urls")),
    path("mediation/", include("mediation.api_urls")),
    path("legal-aid/", include("legalaid.api_urls")),
]
