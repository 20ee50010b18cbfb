"""Keep the public search index, and the live stream's official responses, in step with
publishing (consult's own pages only)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from consult import search
from consult.models import ConsultationPage
from consult.services import live


@receiver(page_published)
def index_published_page(sender, instance, **kwargs):
    search.index_page(instance.specific)


@receiver(page_published)
def announce_official_response(sender, instance, **kwargs):
    page = instance.specific
    if isinstance(page, ConsultationPage):
        live.response_published(page)


@receiver(page_unpublished)
def unindex_unpublished_page(sender, instance, **kwargs):
    search.remove_page(instance)


@receiver(post_delete)
def unindex_deleted_page(sender, instance, **kwargs):
    if sender in search.indexed_page_types():
        search.remove_page(instance)
