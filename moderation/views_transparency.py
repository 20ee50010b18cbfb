"""The transparency pages: a consultation's public moderation report, and a moderator's own
statistics with the state of the queue. Read-only; the figures come from moderation.transparency."""

from django.http import Http404
from django.shortcuts import render

from consult.selectors import live_page_for_stream
from moderation import transparency
from moderation.rules import moderated_page_ids
from moderation.views import _moderator_or_refuse

MAX_PAGE_ID = 2**31 - 1


def _duration(duration) -> dict | None:
    parts = transparency.duration_parts(duration)
    return None if parts is None else {"value": parts[0], "unit": parts[1]}


def public_report(request, page_id: int):
    """/<lang>/moderation/transparency/<page_id>/: counts only, no people, no items, no texts."""
    page = live_page_for_stream(page_id) if 0 < page_id <= MAX_PAGE_ID else None
    if page is None:
        raise Http404
    report = transparency.page_report(page.pk)
    # The page is `consultation`, not `page`: base.html would take `page` for the title and
    # the language switch, which belong to the report here.
    return render(request, "moderation/transparency.html", {
        "consultation": page, "report": report, "median": _duration(report.median_decision),
    })


def my_statistics(request):
    """/<lang>/moderation/statistics/: the signed-in moderator's own figures and the queue
    (the queue of their assigned pages when they moderate only some)."""
    refused = _moderator_or_refuse(request)
    if refused:
        return refused
    report = transparency.moderator_report(request.user, moderated_page_ids(request.user))
    return render(request, "moderation/statistics.html", {
        "report": report, "median": _duration(report.median_decision),
        "oldest": _duration(report.oldest_pending_age),
        "escalated_count": report.escalated, "appeals_count": report.appeals_pending,  # the moderation nav
    })
