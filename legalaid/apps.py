from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalaidConfig(AppConfig):
    name = "legalaid"
    verbose_name = _("法律援助")

    def ready(self):
        from deadlines.services import register
        from legalaid import escalation
        from legalaid.models import Adviser, Application, Assignment, Objection, PapersRequest
        from mediation.models import DisputeSource
        from mediation.services import require_for_source

        register(Application, escalation.on_application_crossings)
        register(PapersRequest, escalation.on_papers_crossings)
        register(Objection, escalation.on_objection_crossings)
        register(Assignment, escalation.on_assignment_crossings)
        # A lawyer refers to mediation as a community legal adviser only with that profile.
        require_for_source(DisputeSource.ADVISER, lambda user: Adviser.objects.filter(user=user, active=True).exists())
