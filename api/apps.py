from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("接口与外部系统")

    def ready(self):
        # Webhook deliveries are written in the transaction of the case event they report.
        from api import webhooks  # noqa: F401
