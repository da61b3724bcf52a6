"""The REST API's own routes under /api/v1/ (the grid map's are in grid.api_urls)."""

from django.urls import path

from api.views import accounts, cases, inbox, reference

urlpatterns = [
    path("auth/token/", accounts.TokenView.as_view(), name="api-token"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="api-logout"),
    path("me/", accounts.MeView.as_view(), name="api-me"),
    path("categories/", reference.CategoryListView.as_view(), name="api-categories"),
    path("units/", reference.UnitListView.as_view(), name="api-units"),
    path("cases/", cases.CaseListView.as_view(), name="api-cases"),
    path("cases/<int:pk>/", cases.CaseDetailView.as_view(), name="api-case"),
    *(
        path(f"cases/<int:pk>/{action}/", view.as_view(), name=f"api-case-{action}")
        for action, view in cases.ACTION_VIEWS.items()
    ),
    path("notifications/", inbox.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/unread-count/", inbox.UnreadCountView.as_view(), name="api-notifications-unread"),
    path("notifications/read-all/", inbox.MarkAllReadView.as_view(), name="api-notifications-read-all"),
    path("notifications/<int:pk>/read/", inbox.MarkReadView.as_view(), name="api-notification-read"),
    path("kpis/", inbox.KpiView.as_view(), name="api-kpis"),
]
