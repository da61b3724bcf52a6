"""The work queues of the signed-in user (待核实, 待立案, 待派遣, 待处理…), most urgent first."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cases.selectors import queue, queues_for
from cases.views.common import CASE_STAFF_ROLES, page_of, roles_required
from cases.workflow import QUEUES


@roles_required(*CASE_STAFF_ROLES, message=gettext_lazy("只有工作人员可以查看待办队列"))
def queues(request, name=None):
    user = request.user
    names = queues_for(user)
    if name is not None and name not in names:
        raise Http404
    tabs = [
        {"name": n, "label": QUEUES[n][0], "count": queue(user, n).count(), "url": reverse("cases:queue", args=[n])}
        for n in names
    ]
    if name is None and tabs:
        # The first queue with work in it; the first queue when all are empty.
        name = next((tab["name"] for tab in tabs if tab["count"]), tabs[0]["name"])
    page = page_of(request, queue(user, name).defer("grid__boundary")) if name else None
    context = {"tabs": tabs, "current": name, "current_label": QUEUES[name][0] if name else "", "page": page}
    return render(request, "cases/queues.html", context)
