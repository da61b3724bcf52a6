from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("时限")

    def ready(self):
        # The calendar module connects the receivers that drop its cache on edits.
        from deadlines import calendar  # noqa: F401
