"""The work queues of the signed-in user (待核实, 待立案, 待派遣, 待处理…), most urgent first."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cases.selectors import case_table, queue, queue_counts, queues_for
from cases.views.common import CASE_STAFF_ROLES, page_of, roles_required
from cases.workflow import QUEUES


@roles_required(*CASE_STAFF_ROLES, message=gettext_lazy("只有工作人员可以查看待办队列"))
def queues(request, name=None):
    user = request.user
    if name is not None and name not in queues_for(user):
        raise Http404
    tabs = [{**tab, "url": reverse("cases:queue", args=[tab["name"]])} for tab in queue_counts(user)]
    if name is None and tabs:
        # The first queue with work in it; the first queue when all are empty.
        name = next((tab["name"] for tab in tabs if tab["count"]), tabs[0]["name"])
    page = None
    if name:
        count = next(tab["count"] for tab in tabs if tab["name"] == name)
        page = page_of(request, case_table(queue(user, name)), count=count)
    context = {"tabs": tabs, "current": name, "current_label": QUEUES[name][0] if name else "", "page": page}
    return render(request, "cases/queues.html", context)
