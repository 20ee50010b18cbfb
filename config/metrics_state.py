"""Figures read from the database when Prometheus scrapes: the moderation queue's size and the
reports worker's lag. Each is a few indexed queries, so a scrape every 15 s costs nothing
noticeable, and they are right whichever worker answers (they are not per process)."""

import datetime
import logging

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

# How far back the lag query looks at individual votes and comments. A worker that has been
# behind longer still shows: the newest unanalysed change alone proves a lag at least that old.
LAG_LOOKBACK = datetime.timedelta(hours=1)


def moderation_backlog() -> tuple[dict[str, int], int]:
    """Open cases by status (pending, escalated) and appeals waiting for a decision."""
    from moderation.models import OPEN_STATUSES, Appeal, AppealStatus, Case

    cases = {str(status): 0 for status in OPEN_STATUSES}
    cases.update(Case.objects.filter(status__in=OPEN_STATUSES).order_by().values("status")
                 .annotate(n=Count("pk")).values_list("status", "n"))
    return cases, Appeal.objects.filter(status=AppealStatus.PENDING).count()


def _changes():
    """What the reports worker analyses: (queryset, time field, page field)."""
    from consult.models import Comment
    from voting.models import CommentVote, StatementVote

    return [(CommentVote.objects.all(), "updated_at", "comment__page_id"),
            (StatementVote.objects.all(), "updated_at", "statement__page_id"),
            (Comment.objects.all(), "created_at", "page_id")]


def reports_lag_seconds(now: datetime.datetime | None = None) -> float:
    """Seconds since the oldest vote or comment that the reports worker has not analysed yet
    (0 when it is up to date).

    Every change makes its page's dashboard figures due, and the figures record the time up to
    which they counted (PageAnalysis.input_until), so a change is unanalysed when it is newer
    than its page's figures, or its page has none. Changes in the last LAG_LOOKBACK are checked
    one by one (a range of the time indexes); older ones through the newest change anywhere: if
    it is newer than every page's figures, it is unanalysed, and the lag is at least its age.
    """
    from reports.models import AnalysisKind, PageAnalysis

    now = now or timezone.now()
    figures = PageAnalysis.objects.filter(kind=AnalysisKind.FIGURES)
    newest_analysed = figures.aggregate(t=Max("input_until"))["t"]
    oldest_unanalysed, newest_change = None, None
    for changes, stamp, page in _changes():
        counted_until = Subquery(figures.filter(page_id=OuterRef(page)).values("input_until")[:1])
        first = (changes.filter(**{f"{stamp}__gt": now - LAG_LOOKBACK}).annotate(counted_until=counted_until)
                 .filter(Q(counted_until__isnull=True) | Q(**{f"{stamp}__gt": F("counted_until")}))
                 .aggregate(t=Min(stamp))["t"])
        last = changes.aggregate(t=Max(stamp))["t"]
        if first is not None and (oldest_unanalysed is None or first < oldest_unanalysed):
            oldest_unanalysed = first
        if last is not None and (newest_change is None or last > newest_change):
            newest_change = last
    lag = (now - oldest_unanalysed).total_seconds() if oldest_unanalysed else 0.0
    if newest_change is not None and (newest_analysed is None or newest_change > newest_analysed):
        lag = max(lag, (now - newest_change).total_seconds())
    return max(lag, 0.0)


class DatabaseFigures:
    """A Prometheus collector: runs its queries at each scrape. A database that does not answer
    leaves these figures out of the scrape (and /readyz says why) rather than failing it."""

    def describe(self):
        return []

    def collect(self):
        try:
            cases, appeals = moderation_backlog()
            lag = reports_lag_seconds()
        except Exception:
            logger.warning("metrics: could not read the database figures", exc_info=True)
            return
        queue = GaugeMetricFamily("rayzan_moderation_queue_cases",
                                  "Moderation cases waiting for a decision, by status.", labels=["status"])
        for status, count in sorted(cases.items()):
            queue.add_metric([status], count)
        yield queue
        yield GaugeMetricFamily("rayzan_moderation_appeals_pending", "Appeals waiting for a decision.", value=appeals)
        yield GaugeMetricFamily("rayzan_reports_lag_seconds",
                                "Seconds since the oldest vote or comment the reports worker has not analysed yet.",
                                value=lag)
