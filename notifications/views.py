"""The in-app inbox: read messages, follow their links, mark them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications.models import Notification
from notifications.services import mark_read

PAGE_SIZE = 20


@login_required
def inbox(request):
    messages = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
def open_notification(request, pk):
    """Follow a message's link; opening it marks it read."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(request.user, [notification.pk])
    if notification.link and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.link)
    return redirect("notifications:inbox")


@require_POST
@login_required
def read(request, pk):
    get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(request.user, [pk])
    return redirect(_back(request))


@require_POST
@login_required
def read_all(request):
    mark_read(request.user)
    return redirect(_back(request))


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "notifications:inbox"
