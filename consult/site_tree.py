"""The skeleton every Rayzan site needs: a home page and a consultation index per language.

Used by `load_demo` and by tests; idempotent (finds what exists, creates what is missing).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from cms.models import HomePage
from consult import services
from consult.models import ConsultationIndexPage

HOME_TITLES = {"fa": "رایزن", "en": "Rayzan"}
HOME_INTROS = {
    "fa": "<p>پیش‌نویس سیاست‌ها را بخوانید، دربارهٔ هر بخش نظر بدهید و ببینید مسئولان چه پاسخ می‌دهند.</p>",
    "en": "<p>Read draft policies, say what you think of each part, and see how officials answer.</p>",
}
INDEX_TITLES = {"fa": "مشورت‌های عمومی", "en": "Public consultations"}
INDEX_INTROS = {
    "fa": "<p>همهٔ مشورت‌ها و نشست‌های زنده؛ آن‌هایی که باز هستند اول آمده‌اند.</p>",
    "en": "<p>Every consultation and live roundtable; the open ones come first.</p>",
}


@dataclass
class SiteTree:
    homes: dict[str, HomePage]
    indexes: dict[str, ConsultationIndexPage]


@transaction.atomic
def ensure_site_tree() -> SiteTree:
    # Migrations create the locales and the root page; a flushed database (transactional tests,
    # a fresh restore) may lack them, so make sure they exist.
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    fa = Locale.objects.get(language_code="fa")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", locale=fa))
    home = HomePage.objects.filter(locale=fa, depth=2).first()
    if home is None:
        # Wagtail's migrations leave a placeholder "Welcome" page at /home/: replace it.
        for placeholder in root.get_children().exact_type(Page):
            Site.objects.filter(root_page=placeholder).delete()
            placeholder.delete()
        root.refresh_from_db()
        home = services.page_publish_child(parent=root, page=HomePage(
            title=HOME_TITLES["fa"], slug="home", locale=fa, intro=HOME_INTROS["fa"]))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, site_name="Rayzan", root_page=home,
                            is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = "Rayzan"
        site.save()
    index = ConsultationIndexPage.objects.child_of(home).first()
    if index is None:
        index = services.page_publish_child(parent=home, page=ConsultationIndexPage(
            title=INDEX_TITLES["fa"], slug="consultations", locale=fa, intro=INDEX_INTROS["fa"]))
    homes, indexes = {"fa": home}, {"fa": index}
    for code in ("en",):
        homes[code] = ensure_translation(home, code, {"title": HOME_TITLES[code], "intro": HOME_INTROS[code]})
        indexes[code] = ensure_translation(index, code, {"title": INDEX_TITLES[code], "intro": INDEX_INTROS[code]})
    _grant_editors(root)
    return SiteTree(homes=homes, indexes=indexes)


EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def _grant_editors(root: Page) -> None:
    """Editors (and the admin role) may add, edit and publish every page of the site."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    permissions = Permission.objects.filter(content_type__app_label="wagtailcore",
                                            codename__in=EDITOR_PAGE_PERMISSIONS)
    for group in Group.objects.filter(name__in=["editor", "admin"]):
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)


def ensure_translation(source: Page, language_code: str, fields: dict) -> Page:
    """The translation of `source` into the language, created and published if missing."""
    existing = source.get_translation_or_none(Locale.objects.get(language_code=language_code))
    if existing is not None:
        return existing.specific
    return services.page_translation_create(source=source, language_code=language_code, fields=fields)
