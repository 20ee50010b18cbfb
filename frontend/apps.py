from django.apps import AppConfig


class FrontendConfig(AppConfig):
    """Presentation toolkit: base templates, CSS, the JS client and formatting filters."""

    name = "frontend"
