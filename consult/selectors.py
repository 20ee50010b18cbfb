"""Reads for consult: pages, listings and filters. Never writes."""

from django.db.models import Case, Count, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Locale, Page

from consult.models import (
    Comment,
    CommentStatus,
    ConsultationPage,
    ConsultationStatus,
    RoundtablePage,
    RoundtableState,
)
from consult.models.contributions import MAX_REPLY_DEPTH

ROUNDTABLE_STATUS = {
    ConsultationStatus.UPCOMING: RoundtableState.SCHEDULED,
    ConsultationStatus.OPEN: RoundtableState.LIVE,
    ConsultationStatus.CLOSED: RoundtableState.ENDED,
}


OPEN, UPCOMING, CLOSED = 0, 1, 2  # listing ranks, the order of consultation_listing
RANK_OF_STATUS = {ConsultationStatus.OPEN: OPEN, ConsultationStatus.UPCOMING: UPCOMING,
                   ConsultationStatus.CLOSED: CLOSED}
_RANK_OF_STATE = {state: RANK_OF_STATUS[status] for status, state in ROUNDTABLE_STATUS.items()}


def _ordered_by_rank(queryset, rank, when):
    """Rank ascending; within the closed rank the latest first, otherwise the soonest first."""
    return queryset.annotate(listing_rank=rank, listing_when=when).order_by(
        "listing_rank",
        Case(When(listing_rank=CLOSED, then=F("listing_when"))).desc(nulls_last=True),
        Case(When(listing_rank__lt=CLOSED, then=F("listing_when"))).asc(nulls_last=True),
        "pk",
    )


def consultations_listed(now=None):
    """Published, public consultations in listing order, with a `listing_rank` to filter on.

    The rank mirrors ConsultationPage.status_at exactly (upcoming is tested before closed)."""
    now = now or timezone.now()
    rank = Case(
        When(Q(opens_at__isnull=True) | Q(opens_at__gt=now), then=Value(UPCOMING)),
        When(closes_at__lte=now, then=Value(CLOSED)),
        default=Value(OPEN), output_field=IntegerField(),
    )
    when = Coalesce("closes_at", "first_published_at", output_field=DateTimeField())
    queryset = (ConsultationPage.objects.live().public()
                .select_related("locale", "region").prefetch_related("topics"))
    return _ordered_by_rank(queryset, rank, when)


def roundtables_listed():
    """Published, public roundtables: live first, then scheduled, then ended."""
    rank = Case(*[When(state=state, then=Value(value)) for state, value in _RANK_OF_STATE.items()],
                default=Value(CLOSED), output_field=IntegerField())
    queryset = (RoundtablePage.objects.live().public()
                .select_related("locale", "region").prefetch_related("topics"))
    return _ordered_by_rank(queryset, rank, F("starts_at"))


def live_page_for_stream(page_id: int) -> Page | None:
    """The published consultation or roundtable with this id, or None."""
    page = (Page.objects.live().public().filter(pk=page_id)
            .type(ConsultationPage, RoundtablePage).first())
    return page.specific if page is not None else None


def live_roundtable(page_id: int) -> RoundtablePage | None:
    """A published, public roundtable by id, or None (the console, presenter view and API)."""
    if not 0 < page_id <= 2**31 - 1:
        return None
    return RoundtablePage.objects.live().public().filter(pk=page_id).first()


def participation_status(page) -> str:
    """upcoming / open / closed, for consultations and roundtables alike."""
    if isinstance(page, RoundtablePage):
        return {v: k for k, v in ROUNDTABLE_STATUS.items()}[page.state]
    return page.status


def consultation_listing(*, parent: Page | None = None, locale: Locale | None = None, status: str = "",
                         topic_id: int | None = None, region_id: int | None = None) -> list[Page]:
    """Published consultations and roundtables together, open first, then upcoming, then closed
    (the same order as the API's lists, merged across the two page types)."""
    now = timezone.now()
    consultations, roundtables = consultations_listed(now), roundtables_listed()
    if parent is not None:
        consultations, roundtables = consultations.child_of(parent), roundtables.child_of(parent)
    if locale is not None:
        consultations, roundtables = consultations.filter(locale=locale), roundtables.filter(locale=locale)
    if status:
        consultations = consultations.filter(listing_rank=RANK_OF_STATUS[status])
        roundtables = roundtables.filter(listing_rank=RANK_OF_STATUS[status])
    if topic_id:
        consultations, roundtables = consultations.filter(topics=topic_id), roundtables.filter(topics=topic_id)
    if region_id:
        consultations = consultations.filter(region_id=region_id)
        roundtables = roundtables.filter(region_id=region_id)

    def key(page):
        stamp = (page.listing_when or now).timestamp()
        return (page.listing_rank, -stamp if page.listing_rank == CLOSED else stamp, page.pk)

    return sorted([*consultations, *roundtables], key=key)


# --- comments -------------------------------------------------------------------------------

COMMENT_SORTS = {
    "newest": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
    "supported": ("-support_count", "-created_at", "-pk"),
    "discussed": ("-reply_count", "-created_at", "-pk"),
}
COMMENTS_PER_PAGE = 20


def visible_comments(viewer):
    """Comments a viewer may see: public ones (published, or withdrawn as a placeholder), the
    viewer's own comments awaiting moderation, and everything for moderators."""
    from consult.roles import has_role

    queryset = Comment.objects.select_related("author__profile")
    if viewer is not None and viewer.is_authenticated and has_role(viewer, "moderator", "admin"):
        return queryset
    public = Q(status__in=[CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN])
    if viewer is not None and viewer.is_authenticated:
        public |= Q(author=viewer, status=CommentStatus.PENDING)
    return queryset.filter(public)


def attach_replies(comments: list, viewer) -> list:
    """Give each comment a `thread_replies` list, two levels down, in two queries."""
    level = comments
    for comment in comments:
        comment.thread_replies = []
    for _depth in range(MAX_REPLY_DEPTH):
        if not level:
            break
        by_parent = {c.pk: c for c in level}
        replies = list(visible_comments(viewer).filter(parent_id__in=by_parent).order_by("created_at", "pk"))
        for reply in replies:
            reply.thread_replies = []
            by_parent[reply.parent_id].thread_replies.append(reply)
        level = replies
    return comments


def comment_threads(*, page, section_id: str, viewer, sort: str = "newest", number: int = 1):
    """One page of top-level comments on a section (or the whole: section_id "") with replies."""
    from django.core.paginator import Paginator

    queryset = (visible_comments(viewer).filter(page=page, section_id=section_id, depth=0)
                .order_by(*COMMENT_SORTS[sort]))
    page_obj = Paginator(queryset, COMMENTS_PER_PAGE).page(number)
    page_obj.object_list = attach_replies(list(page_obj.object_list), viewer)
    return page_obj


def comment_thread_root(comment):
    """The top-level comment of a comment's thread (at most two steps up)."""
    while comment.parent_id is not None:
        comment = Comment.objects.select_related("author__profile").get(pk=comment.parent_id)
    return comment


def section_comment_stats(page) -> dict:
    """Per section id ("" for the whole consultation): public comments in total and the stance
    split of top-level ones. One query, whatever the number of comments."""
    stats: dict = {}
    rows = (Comment.objects.filter(page=page, status=CommentStatus.PUBLISHED)
            .values("section_id", "depth", "stance").annotate(n=Count("pk")))
    for row in rows:
        entry = stats.setdefault(row["section_id"], {"total": 0, "support": 0, "oppose": 0, "neutral": 0})
        entry["total"] += row["n"]
        if row["depth"] == 0 and row["stance"]:
            entry[row["stance"]] += row["n"]
    return stats


def response_accountability(locale, now=None) -> dict:
    """For the public index: closed consultations whose official response is overdue, and the
    median number of days from closing to a published response (one query)."""
    import statistics

    now = now or timezone.now()
    closed = list(ConsultationPage.objects.live().filter(locale=locale, closes_at__lt=now)
                  .only("pk", "title", "url_path", "closes_at", "response_due_at", "response_published_at",
                        "locale_id").order_by("closes_at"))
    overdue = [page for page in closed if page.response_overdue]
    days = [(page.response_published_at - page.closes_at).total_seconds() / 86400 for page in closed
            if page.response_published_at]
    return {"overdue": overdue, "responded": len(days), "closed": len(closed),
            "median_days": round(statistics.median(days)) if days else None}
