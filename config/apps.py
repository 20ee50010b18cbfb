from django.apps import AppConfig


class SiteCompositionConfig(AppConfig):
    """config as an app: only so that site-wide hooks are wired once the other apps are loaded
    (the rich-text cleaning below; Wagtail finds config/wagtail_hooks.py by itself). No models."""

    name = "config"
    label = "rayzan_config"
    verbose_name = "Rayzan site composition"

    def ready(self):
        from django.db.models.signals import pre_save

        from config.richtext import clean_before_save

        pre_save.connect(clean_before_save, dispatch_uid="rayzan-clean-rich-text")
