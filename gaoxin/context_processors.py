from django.conf import settings
from django.utils.translation import gettext_lazy as _


def site(request):
    return {"SITE_NAME": _("高新网格"), "PRODUCTION": settings.PRODUCTION}
