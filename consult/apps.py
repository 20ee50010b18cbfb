from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = _("Consultations")

    def ready(self):
        from consult import signals  # noqa: F401  (keeps the search index in step with publishing)
