"""Navigation helpers for every page: the home of the active language, language links."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info
from wagtail.models import Locale, Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def localized_home(context):
    """The site's home page in the active language (falls back to the default language)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    root = site.root_page if site else None
    if root is None:
        return None
    return root.localized


@register.simple_tag(takes_context=True)
def language_links(context, page=None):
    """Links to this page in the other languages: the translation when one is published,
    otherwise the same path under the other language prefix (for non-page views)."""
    request = context.get("request")
    current = get_language()
    links = []
    translations = {}
    if isinstance(page, Page) and page.pk:
        translations = {p.locale.language_code: p for p in
                        page.get_translations(inclusive=False).live().select_related("locale")}
    for code, _name in settings.LANGUAGES:
        if code == current:
            continue
        if isinstance(page, Page):
            target = translations.get(code)
            if target is None:
                home = page.get_site().root_page if page.get_site() else None
                locale = Locale.objects.filter(language_code=code).first()
                target = home.get_translation_or_none(locale) if home and locale else None
                url = target.url if target else None
            else:
                url = target.url
        else:
            url = translate_url(request.get_full_path(), code) if request else None
        if url:
            links.append({"code": code, "name": get_language_info(code)["name_local"], "url": url,
                          "is_translation": code in translations})
    return links
