from django import template
from wagtail.models import Locale

from consult import selectors
from consult.models import ConsultationIndexPage, ConsultationStatus

register = template.Library()

FEATURED_PER_GROUP = 6


@register.simple_tag
def featured_consultations():
    """For the home page: open consultations first, then upcoming, then recently closed."""
    locale = Locale.get_active()
    pages = selectors.consultation_listing(locale=locale)
    groups = {status: [] for status in ConsultationStatus.values}
    for page in pages:
        status = selectors.participation_status(page)
        if len(groups[status]) < FEATURED_PER_GROUP:
            groups[status].append((page, status))
    groups["index"] = ConsultationIndexPage.objects.live().filter(locale=locale).first()
    return groups


@register.simple_tag(takes_context=True)
def can_edit_comment(context, comment) -> bool:
    request = context.get("request")
    return bool(request and request.user.has_perm("consult.change_comment", comment))


@register.simple_tag
def section_stats(page):
    """Per-section comment counts for a consultation page (one query)."""
    from consult import selectors

    return selectors.section_comment_stats(page)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key) or {}


@register.filter
def restriction_notice(user) -> str:
    """Why a suspended or banned person cannot take part (empty for everyone else)."""
    from consult.rules import restriction_message

    return restriction_message(user) or ""
