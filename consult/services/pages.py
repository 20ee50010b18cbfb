"""Writes for consult. Keyword-only arguments, `actor` first (None for system jobs such as
importers and the demo loader, which run with an operator's authority)."""

from django.db import transaction
from wagtail.models import Locale, Page


@transaction.atomic
def page_publish_child(*, actor=None, parent: Page, page: Page) -> Page:
    """Add `page` under `parent`, save a revision and publish it (revisions are kept)."""
    parent.add_child(instance=page)
    page.save_revision(user=actor).publish(user=actor)
    page.refresh_from_db()
    return page


@transaction.atomic
def page_update_and_publish(*, actor=None, page: Page, fields: dict) -> Page:
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision(user=actor).publish(user=actor)
    page.refresh_from_db()
    return page


@transaction.atomic
def page_translation_create(*, actor=None, source: Page, language_code: str, fields: dict) -> Page:
    """Create (or update) the translation of `source` into a language, linked to it, published.

    Parents are translated first when they are not yet (Wagtail's copy_parents)."""
    locale = Locale.objects.get(language_code=language_code)
    existing = source.get_translation_or_none(locale)
    if existing is not None:
        return page_update_and_publish(actor=actor, page=existing.specific, fields=fields)
    translated = source.specific.copy_for_translation(locale, copy_parents=True)
    return page_update_and_publish(actor=actor, page=translated.specific, fields=fields)
