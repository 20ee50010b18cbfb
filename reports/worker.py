"""The reports worker: recomputes opinion groups and campaigns when votes or comments arrive,
off the request path.

Each second it asks which pages have votes (or comments) newer than it has seen (indexed
queries on updated_at / created_at), and recomputes a page's groups at most once every
analysis.MIN_INTERVAL (5 s) while votes arrive, its campaigns at most once every
CAMPAIGN_INTERVAL. A cache lock per page and analysis keeps several workers (one per ASGI
process, or `manage.py reports_worker` processes) from computing the same thing twice.

On the embedded default it runs as a thread of the ASGI process (RAYZAN_REPORTS_WORKER=thread),
so `make run` needs nothing else; in production run `manage.py reports_worker` as its own
service and set RAYZAN_REPORTS_WORKER=off for the web workers.
"""

import datetime
import logging
import threading

from django.core.cache import cache
from django.db import close_old_connections
from django.db.models import Max
from django.utils import timezone

from consult.models import Comment, ConsultationPage
from consult.services.notifications import send_pending_emails
from reports import analysis, archive
from reports.models import AnalysisKind, PageAnalysis
from voting.models import CommentVote, StatementVote

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.0
CAMPAIGN_INTERVAL = datetime.timedelta(seconds=60)
FIGURES_INTERVAL = datetime.timedelta(seconds=10)
INTERVALS = {AnalysisKind.OPINION_GROUPS: analysis.MIN_INTERVAL, AnalysisKind.CAMPAIGNS: CAMPAIGN_INTERVAL,
             AnalysisKind.FIGURES: FIGURES_INTERVAL}
LOCK_SECONDS = 600
ARCHIVE_EVERY_ROUNDS = 60  # about once a minute: consultations close rarely
ARCHIVE_RETRY = datetime.timedelta(hours=1)  # after a failure, before trying that page again


class Worker:
    def __init__(self):
        self.seen_until = None  # the newest input time looked at so far
        self.dirty: dict[tuple[str, int], datetime.datetime] = {}  # (kind, page) -> newest input
        self.rounds = 0
        self.archive_failed: dict[int, datetime.datetime] = {}  # page -> when archiving it last failed

    def _changed_since(self, since) -> dict[tuple[str, int], datetime.datetime]:
        changed: dict = {}

        def note(kind, rows):
            for page_id, latest in rows:
                key = (kind, page_id)
                if latest and (key not in changed or latest > changed[key]):
                    changed[key] = latest

        statement_votes = StatementVote.objects.all()
        comment_votes = CommentVote.objects.all()
        comments = Comment.objects.all()
        if since is not None:
            statement_votes = statement_votes.filter(updated_at__gt=since)
            comment_votes = comment_votes.filter(updated_at__gt=since)
            comments = comments.filter(created_at__gt=since)
        note(AnalysisKind.OPINION_GROUPS, statement_votes.values("statement__page_id")
             .annotate(t=Max("updated_at")).values_list("statement__page_id", "t"))
        note(AnalysisKind.OPINION_GROUPS, comment_votes.values("comment__page_id")
             .annotate(t=Max("updated_at")).values_list("comment__page_id", "t"))
        note(AnalysisKind.OPINION_GROUPS, comments.values("page_id").annotate(t=Max("created_at"))
             .values_list("page_id", "t"))  # new stances count for groups on comment votes
        note(AnalysisKind.CAMPAIGNS, comments.values("page_id").annotate(t=Max("created_at"))
             .values_list("page_id", "t"))
        for (kind, page_id), latest in list(changed.items()):  # any change moves the dashboard's figures
            if kind == AnalysisKind.OPINION_GROUPS:
                changed[(AnalysisKind.FIGURES, page_id)] = latest
        return changed

    def _first_look(self) -> None:
        """On start: everything newer than its stored analysis (or never analysed) is dirty."""
        stored = {(a.kind, a.page_id): a.input_until for a in PageAnalysis.objects.only("kind", "page_id",
                                                                                          "input_until")}
        for key, latest in self._changed_since(None).items():
            if stored.get(key) is None or latest > stored[key]:
                self.dirty[key] = latest
        self.seen_until = max(self.dirty.values(), default=None) or timezone.now()

    def run_once(self) -> list[tuple[str, int]]:
        """Look for new input and compute what is due; returns what was computed."""
        if self.seen_until is None:
            self._first_look()
        else:
            for key, latest in self._changed_since(self.seen_until).items():
                self.dirty[key] = max(latest, self.dirty.get(key, latest))
                self.seen_until = max(self.seen_until, latest)
        send_pending_emails()  # bulk notices (a published response) go out here, not in a request
        done = []
        now = timezone.now()
        for (kind, page_id), _latest in sorted(self.dirty.items()):
            previous = PageAnalysis.objects.filter(page_id=page_id, kind=kind).values_list("computed_at",
                                                                                          flat=True).first()
            interval = INTERVALS[kind]
            if previous is not None and now - previous < interval:
                continue
            if self._compute(kind, page_id):
                done.append((kind, page_id))
                self.dirty.pop((kind, page_id), None)
        self.archive_closed()
        return done

    def _compute(self, kind: str, page_id: int) -> bool:
        lock = f"reports:lock:{kind}:{page_id}"
        if not cache.add(lock, 1, LOCK_SECONDS):
            return False  # another worker is on it
        try:
            {AnalysisKind.OPINION_GROUPS: analysis.compute_groups, AnalysisKind.CAMPAIGNS: analysis.compute_campaigns,
             AnalysisKind.FIGURES: analysis.compute_figures}[kind](page_id)
            return True
        except Exception:  # one page's trouble must not stop the others; retried on new input
            logger.exception("reports: %s of page %s failed", kind, page_id)
            return True
        finally:
            cache.delete(lock)

    # --- consultation records (reports.archive) -----------------------------------------------------

    def archive_closed(self) -> list[int]:
        """Every ARCHIVE_EVERY_ROUNDS rounds (the first included): archive the consultations that
        have closed and have no record yet, or one older than their closing or their latest
        published response. Returns the pages archived."""
        self.rounds += 1
        if (self.rounds - 1) % ARCHIVE_EVERY_ROUNDS:
            return []
        archived, now = [], timezone.now()
        for page_id in archive.due_page_ids(now):
            failed = self.archive_failed.get(page_id)
            if (failed and now - failed < ARCHIVE_RETRY) or not cache.add(f"reports:lock:archive:{page_id}", 1,
                                                                           LOCK_SECONDS):
                continue
            try:
                archive.archive_consultation(actor=None, page=ConsultationPage.objects.get(pk=page_id))
                archived.append(page_id)
                self.archive_failed.pop(page_id, None)
            except Exception:  # one page's trouble must not stop the others
                logger.exception("reports: archiving page %s failed", page_id)
                self.archive_failed[page_id] = now
            finally:
                cache.delete(f"reports:lock:archive:{page_id}")
        return archived

    def run_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            close_old_connections()
            try:
                self.run_once()
            except Exception:
                logger.exception("reports worker: a round failed")
            stop.wait(POLL_SECONDS)


_thread: threading.Thread | None = None


def start_in_thread() -> threading.Thread:
    """Start one worker thread in this process (the embedded default), once."""
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=Worker().run_forever, name="reports-worker", daemon=True)
        _thread.start()
    return _thread
