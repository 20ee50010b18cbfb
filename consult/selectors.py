"""Reads for consult: pages, listings and filters. Never writes."""

from django.utils import timezone
from wagtail.models import Locale, Page

from consult.models import (
    ConsultationPage,
    ConsultationStatus,
    RoundtablePage,
    RoundtableState,
    status_q,
)

ROUNDTABLE_STATUS = {
    ConsultationStatus.UPCOMING: RoundtableState.SCHEDULED,
    ConsultationStatus.OPEN: RoundtableState.LIVE,
    ConsultationStatus.CLOSED: RoundtableState.ENDED,
}
_STATUS_RANK = {ConsultationStatus.OPEN: 0, ConsultationStatus.UPCOMING: 1, ConsultationStatus.CLOSED: 2}


def live_page_for_stream(page_id: int) -> Page | None:
    """The published consultation or roundtable with this id, or None."""
    page = (Page.objects.live().public().filter(pk=page_id)
            .type(ConsultationPage, RoundtablePage).first())
    return page.specific if page is not None else None


def participation_status(page) -> str:
    """upcoming / open / closed, for consultations and roundtables alike."""
    if isinstance(page, RoundtablePage):
        return {v: k for k, v in ROUNDTABLE_STATUS.items()}[page.state]
    return page.status


def consultation_listing(*, parent: Page | None = None, locale: Locale | None = None, status: str = "",
                         topic_id: int | None = None, region_id: int | None = None) -> list[Page]:
    """Published consultations and roundtables, open first, then upcoming, then closed."""
    now = timezone.now()
    consultations = ConsultationPage.objects.live().public()
    roundtables = RoundtablePage.objects.live().public()
    if parent is not None:
        consultations, roundtables = consultations.child_of(parent), roundtables.child_of(parent)
    if locale is not None:
        consultations, roundtables = consultations.filter(locale=locale), roundtables.filter(locale=locale)
    if status:
        consultations = consultations.filter(status_q(status, now))
        roundtables = roundtables.filter(state=ROUNDTABLE_STATUS[status])
    if topic_id:
        consultations, roundtables = consultations.filter(topics=topic_id), roundtables.filter(topics=topic_id)
    if region_id:
        consultations = consultations.filter(region_id=region_id)
        roundtables = roundtables.filter(region_id=region_id)
    pages = [
        *consultations.select_related("region", "locale").prefetch_related("topics"),
        *roundtables.select_related("region", "locale").prefetch_related("topics"),
    ]

    def key(page):
        state = participation_status(page)
        when = page.closes_at if isinstance(page, ConsultationPage) else page.starts_at
        when = when or page.first_published_at or now
        stamp = when.timestamp()
        return (_STATUS_RANK[state], -stamp if state == ConsultationStatus.CLOSED else stamp, page.pk)

    return sorted(pages, key=key)
