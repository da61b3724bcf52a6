from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from cases.views.home import home

# API clients get JSON for unknown URLs under /api/ and /open311/, people the usual page.
handler404 = "api.exceptions.page_not_found"

urlpatterns = [
    # The residents' landing page is the site's front door at "/" (public:home).
    path("", include("public.urls")),
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("grids/", include("grid.urls")),
    path("mediation/", include("mediation.urls")),
    path("cases/", include("cases.urls")),
    path("patrols/", include("patrols.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("gaoxin.api_urls")),
    path("open311/v2/", include("api.open311_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    path("legal-aid/", include("legalaid.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
