from django.urls import path

from mediation import views

app_name = "mediation"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("track/", views.TrackView.as_view(), name="track"),
    path("my/", views.MyApplicationsView.as_view(), name="my"),
    path("my/<int:pk>/", views.MyDisputeView.as_view(), name="my_dispute"),
    path("disputes/", views.DisputeListView.as_view(), name="disputes"),
    path("disputes/new/", views.RegisterView.as_view(), name="register"),
    path("disputes/<int:pk>/", views.DisputeDetailView.as_view(), name="dispute"),
    path("disputes/<int:pk>/act/<slug:action>/", views.ActionView.as_view(), name="act"),
    path("disputes/<int:pk>/file/", views.CaseFileView.as_view(), name="case_file"),
    path("disputes/<int:pk>/file/archive.zip", views.ArchiveZipView.as_view(), name="archive_zip"),
    path("disputes/<int:pk>/file/<slug:key>/", views.DocumentView.as_view(), name="document"),
    path("sessions/", views.SessionsView.as_view(), name="sessions"),
    path("council/", views.CouncilView.as_view(), name="council"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
]
