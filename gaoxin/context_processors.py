from django.conf import settings


def site(request):
    return {"SITE_NAME": "高新网格", "PRODUCTION": settings.PRODUCTION}
