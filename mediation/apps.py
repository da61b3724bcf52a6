from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("人民调解")

    def ready(self):
        from deadlines.services import register
        from mediation import escalation
        from mediation.models import Agreement, Dispute, FollowUp

        register(Dispute, escalation.on_dispute_crossings)
        register(Agreement, escalation.on_agreement_crossings)
        register(FollowUp, escalation.on_follow_up_crossings)
