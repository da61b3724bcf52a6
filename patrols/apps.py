from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = _("巡查")

    def ready(self):
        from deadlines.services import register
        from patrols.hazards import on_rectify_crossings
        from patrols.models import Hazard

        register(Hazard, on_rectify_crossings)
