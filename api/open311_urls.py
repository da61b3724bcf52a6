"""/open311/v2/: every resource with a .json or .xml suffix."""

from django.urls import re_path

from api import open311

FORMAT = r"\.(?P<fmt>json|xml)$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FORMAT, open311.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FORMAT, open311.ServiceListView.as_view(), name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FORMAT, open311.ServiceDefinitionView.as_view(), name="service"),
    re_path(r"^requests" + FORMAT, open311.RequestListView.as_view(), name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FORMAT, open311.RequestDetailView.as_view(), name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FORMAT, open311.TokenLookupView.as_view(), name="token"),
]
