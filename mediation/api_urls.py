"""The mediation routes of /api/v1/ (included from gaoxin.api_urls under mediation/)."""

from django.urls import path

from mediation import api

urlpatterns = [
    path("disputes/", api.DisputeListView.as_view(), name="api-mediation-disputes"),
    path("disputes/<int:pk>/", api.DisputeDetailView.as_view(), name="api-mediation-dispute"),
    *(
        path(
            f"disputes/<int:pk>/{action.replace('_', '-')}/",
            view.as_view(),
            name=f"api-mediation-{action.replace('_', '-')}",
        )
        for action, view in api.ACTION_VIEWS.items()
    ),
    path("disputes/<int:pk>/documents/", api.DocumentListView.as_view(), name="api-mediation-documents"),
    path("disputes/<int:pk>/documents/<slug:key>/", api.DocumentView.as_view(), name="api-mediation-document"),
    path("applications/", api.ApplicationView.as_view(), name="api-mediation-apply"),
    path("applications/track/", api.TrackView.as_view(), name="api-mediation-track"),
    path("invitations/", api.InvitationListView.as_view(), name="api-mediation-invitations"),
    path("sessions/", api.SessionListView.as_view(), name="api-mediation-sessions"),
    path("committees/", api.CommitteeListView.as_view(), name="api-mediation-committees"),
    path("council-members/", api.CouncilMemberListView.as_view(), name="api-mediation-council-members"),
    path("statistics/", api.StatisticsView.as_view(), name="api-mediation-statistics"),
]
