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
