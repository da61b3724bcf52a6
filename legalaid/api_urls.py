"""The legal-aid routes of /api/v1/ (included from gaoxin.api_urls under legal-aid/)."""

from django.urls import path

from legalaid import api

urlpatterns = [
    path("applications/", api.ApplicationListView.as_view(), name="api-legalaid-applications"),
    path("applications/<int:pk>/", api.ApplicationDetailView.as_view(), name="api-legalaid-application"),
    *(
        path(
            f"applications/<int:pk>/{action.replace('_', '-')}/",
            view.as_view(),
            name=f"api-legalaid-{action.replace('_', '-')}",
        )
        for action, view in api.ACTION_VIEWS.items()
    ),
    path("applications/<int:pk>/suggestion/", api.SuggestionView.as_view(), name="api-legalaid-suggestion"),
    path("applications/<int:pk>/refusal-letter/", api.RefusalLetterView.as_view(), name="api-legalaid-refusal-letter"),
    path("matter-types/", api.MatterTypeListView.as_view(), name="api-legalaid-matter-types"),
    path("apply/", api.ApplyView.as_view(), name="api-legalaid-apply"),
    path("track/", api.TrackView.as_view(), name="api-legalaid-track"),
    path("track/papers/", api.TrackPapersView.as_view(), name="api-legalaid-track-papers"),
    path("on-duty/", api.OnDutyView.as_view(), name="api-legalaid-on-duty"),
    path("lawyers/", api.LawyerListView.as_view(), name="api-legalaid-lawyers"),
    path("roster/", api.RosterView.as_view(), name="api-legalaid-roster"),
    path("consultations/", api.ConsultationListView.as_view(), name="api-legalaid-consultations"),
    path("statistics/", api.StatisticsView.as_view(), name="api-legalaid-statistics"),
]
