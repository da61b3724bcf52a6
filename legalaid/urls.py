from django.urls import path

from legalaid import views

app_name = "legalaid"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("apply/", views.ApplyIndexView.as_view(), name="apply"),
    path("apply/<slug:code>/", views.ApplyView.as_view(), name="apply_matter"),
    path("track/", views.TrackView.as_view(), name="track"),
    path("track/<int:pk>/", views.TrackedView.as_view(), name="tracked"),
    path("on-duty/", views.OnDutyView.as_view(), name="on_duty"),
    path("my/", views.MyApplicationsView.as_view(), name="my"),
    path("my/<int:pk>/", views.MyApplicationView.as_view(), name="my_application"),
    path("applications/", views.ApplicationListView.as_view(), name="applications"),
    path("applications/new/", views.RegisterView.as_view(), name="register"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application"),
    path("applications/<int:pk>/act/<slug:action>/", views.ActionView.as_view(), name="act"),
    path("applications/<int:pk>/refusal-letter/", views.RefusalLetterView.as_view(), name="refusal_letter"),
    path("applications/<int:pk>/papers/<int:paper_pk>/", views.PaperView.as_view(), name="paper"),
    path("cases/", views.MyCasesView.as_view(), name="my_cases"),
    path("lawyers/", views.PanelView.as_view(), name="panel"),
    path("roster/", views.RosterView.as_view(), name="roster"),
    path("consultations/", views.ConsultationListView.as_view(), name="consultations"),
    path("consultations/new/", views.ConsultationCreateView.as_view(), name="consultation_new"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
]
