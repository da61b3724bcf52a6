from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("案件")

    def ready(self):
        from cases.escalation import on_crossings
        from cases.models import Case
        from deadlines.services import register

        register(Case, on_crossings)
