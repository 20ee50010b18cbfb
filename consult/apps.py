from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = _("Consultations")

    def ready(self):
        # The search index and the seed statements follow publishing.
        from consult import signals, statement_seeds  # noqa: F401
