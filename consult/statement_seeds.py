"""Keep a page's seed statements (its `seed_statements` blocks) in step with publishing."""

from django.dispatch import receiver
from wagtail.signals import page_published

from consult.services.statements import statements_sync_seeds


@receiver(page_published)
def sync_seed_statements(sender, instance, **kwargs):
    if hasattr(instance.specific_class or type(instance), "seed_statements"):
        statements_sync_seeds(page=instance)
