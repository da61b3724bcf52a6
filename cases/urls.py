from django.urls import path

from cases.views import detail, officer, queues, search

app_name = "cases"
urlpatterns = [
    path("queues/", queues.queues, name="queues"),
    path("queues/<slug:name>/", queues.queues, name="queue"),
    path("search/", search.search, name="search"),
    path("search/export/", search.export, name="export"),
    path("officer/", officer.officer_home, name="officer_home"),
    path("report/", officer.report_case, name="report"),
    path("<int:pk>/", detail.case_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", detail.case_act, name="act"),
]
