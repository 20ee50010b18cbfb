"""Reads for voting: a person's own votes, the next statement to vote on, polls and their
results. Never writes. Counts of comment and statement votes are the cached counters on the
voted objects (kept exact by voting.services); poll results are counted from the responses."""

from dataclasses import dataclass
from functools import cache

from django.db.models import F, QuerySet
from wagtail.models import Page

from consult.models import (
    Comment,
    CommentStatus,
    ConsultationPage,
    RoundtablePage,
    Statement,
    StatementStatus,
)
from consult.rows import JoinedLookup, Table, relate
from consult.rules import page_is_open
from consult.selectors import participation_status
from consult.selectors_statements import statement_visible
from voting.models import CommentVote, PollResponse, StatementVote

SCALE = range(1, 6)
OTHER = "other"


def my_comment_votes(user, comment_ids) -> dict[int, int]:
    """{comment id: 1 or -1} for the comments among `comment_ids` this person voted on (one query)."""
    ids = {int(pk) for pk in comment_ids if pk is not None}
    if not ids or user is None or not user.is_authenticated:
        return {}
    return dict(CommentVote.objects.filter(voter=user, comment_id__in=ids).values_list("comment_id", "value"))


def my_statement_votes(user, statement_ids) -> dict[int, int]:
    """{statement id: 1, -1 or 0} for the statements among `statement_ids` this person voted on."""
    ids = {int(pk) for pk in statement_ids if pk is not None}
    if not ids or user is None or not user.is_authenticated:
        return {}
    return dict(StatementVote.objects.filter(voter=user, statement_id__in=ids)
                .values_list("statement_id", "value"))


def statements_to_vote_on(*, user, page) -> QuerySet[Statement]:
    """Published statements on the page this person has not voted on yet, newest and
    least-voted first, so every statement gets votes (not only the early ones)."""
    queryset = Statement.objects.filter(page_id=page.pk, status=StatementStatus.PUBLISHED)
    if user is not None and user.is_authenticated:
        queryset = queryset.exclude(votes__voter=user)
    return queryset.order_by(F("agree_count") + F("disagree_count") + F("pass_count"), "-created_at", "-pk")


def next_statement(*, user, page) -> Statement | None:
    return statements_to_vote_on(user=user, page=page).first()


# --- polls -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Poll:
    """One PollBlock on a page, by its stable block id."""

    id: str
    question: str
    kind: str  # single, multiple or scale
    options: tuple[str, ...]
    allow_other: bool
    scale_low_label: str
    scale_high_label: str
    results: str  # after_answer or after_close


def page_polls(page) -> list[Poll]:
    page = getattr(page, "specific", page)
    if not isinstance(page, (ConsultationPage, RoundtablePage)):
        return []
    polls = []
    for child in page.polls:
        value = child.value
        kind = value.get("kind") or "single"
        polls.append(Poll(
            id=str(child.id), question=value.get("question", ""), kind=kind,
            options=tuple(str(option) for option in value.get("options") or []) if kind != "scale" else (),
            allow_other=bool(value.get("allow_other")) and kind != "scale",
            scale_low_label=value.get("scale_low_label") or "", scale_high_label=value.get("scale_high_label") or "",
            results=value.get("results") or "after_answer",
        ))
    return polls


def poll_on_page(page, poll_id) -> Poll | None:
    return next((poll for poll in page_polls(page) if poll.id == str(poll_id)), None)


def page_state(page) -> str:
    """open (people may answer and vote), upcoming or closed, for both kinds of page."""
    page = getattr(page, "specific", page)
    if page_is_open(None, page):
        return "open"
    if not page.live:
        return "upcoming"
    status = participation_status(page)
    return "closed" if status == "closed" else "upcoming"


def poll_state(page, poll: Poll) -> str:
    """open, upcoming or closed for one poll. A consultation's polls follow the consultation; a
    roundtable's are opened and closed one by one by its facilitator (and all close at the end)."""
    page = getattr(page, "specific", page)
    if isinstance(page, RoundtablePage) and page_state(page) != "closed":
        return {"open": "open", "closed": "closed"}.get(page.poll_states.get(poll.id), "upcoming")
    return page_state(page)


def poll_results_visible(poll: Poll, *, state: str, answered: bool) -> bool:
    if state == "closed":
        return True
    return poll.results == "after_answer" and answered


def my_poll_responses(user, page) -> dict[str, PollResponse]:
    if user is None or not user.is_authenticated:
        return {}
    return {response.poll_id: response
            for response in PollResponse.objects.filter(page_id=page.pk, respondent=user)}


def _percent(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


def poll_results(page, poll_id) -> dict | None:
    """Counts per option (and of "other" answers), the 1–5 histogram and mean, respondents.

    Counted from the responses in one pass over (choices, scale, other_text): a poll has at
    most one row per person, and only three small columns are read."""
    poll = poll_on_page(page, poll_id)
    if poll is None:
        return None
    option_counts = [0] * len(poll.options)
    scale_counts = dict.fromkeys(SCALE, 0)
    respondents = other = 0
    rows = PollResponse.objects.filter(page_id=page.pk, poll_id=poll.id).values_list("choices", "scale", "other_text")
    for choices, scale, other_text in rows.iterator():
        respondents += 1
        for index in choices or []:
            if isinstance(index, int) and 0 <= index < len(option_counts):
                option_counts[index] += 1
        if other_text:
            other += 1
        if scale in scale_counts:
            scale_counts[scale] += 1
    answered_scale = sum(scale_counts.values())
    mean = (sum(value * count for value, count in scale_counts.items()) / answered_scale
            if answered_scale else None)
    return {
        "poll_id": poll.id,
        "kind": poll.kind,
        "respondents": respondents,
        "options": [{"index": i, "label": label, "count": option_counts[i], "percent": _percent(option_counts[i],
                                                                                               respondents)}
                    for i, label in enumerate(poll.options)],
        "other": {"count": other, "percent": _percent(other, respondents)},
        "scale": [{"value": value, "count": count, "percent": _percent(count, answered_scale)}
                  for value, count in scale_counts.items()] if poll.kind == "scale" else [],
        "mean": round(mean, 2) if mean is not None else None,
    }


# --- lookups for the views and the API (None means "not found") ----------------------------

MAX_ID = 2**31 - 1  # ids are 32-bit on some databases; larger ones are simply not found
# A vote needs the comment's counters and the page's dates and status, not the text of either:
# loading (and parsing) the draft's StreamFields was once the largest cost of a vote, and
# naming the few columns needed halves what is left of the lookup. Anything else a caller
# touches (the page's URL for the no-JavaScript redirect) still loads, with one more query.
COMMENT_VOTE_FIELDS = ("id", "page_id", "author_id", "status", "support_count", "oppose_count")
COMMENT_VOTE_PAGE_FIELDS = ("id", "page_ptr_id", "live", "opens_at", "closes_at", "content_type_id", "url_path",
                            "locale_id")


def participation_page(page_id: int):
    """A live consultation or roundtable page by id, as its specific class."""
    if not 0 < page_id <= MAX_ID:
        return None
    page = Page.objects.live().filter(pk=page_id).first()
    page = page.specific if page is not None else None
    return page if isinstance(page, (ConsultationPage, RoundtablePage)) else None


@cache
def _votable_comment_lookup() -> JoinedLookup:
    """A comment with the consultation it is on (a Wagtail page: two tables)."""
    comment, page, base = Comment._meta.db_table, ConsultationPage._meta.db_table, Page._meta.db_table
    return JoinedLookup(
        [Table(Comment, COMMENT_VOTE_FIELDS), Table(ConsultationPage, COMMENT_VOTE_PAGE_FIELDS)],
        lambda qn: (f"{qn(comment)} INNER JOIN {qn(page)} "
                    f"ON {qn(page)}.{qn('page_ptr_id')} = {qn(comment)}.{qn('page_id')} "
                    f"INNER JOIN {qn(base)} ON {qn(base)}.{qn('id')} = {qn(page)}.{qn('page_ptr_id')}"),
        lambda qn: (f"{qn(comment)}.{qn('id')} = %s AND {qn(base)}.{qn('live')} = %s "
                    f"AND {qn(comment)}.{qn('status')} IN (%s, %s)"))


def comment_votable(comment_id: int) -> Comment | None:
    """A public comment (published or withdrawn) on a live consultation, or None.

    The same as Comment.objects.select_related("page").only(…).filter(…).first(), written out
    (consult.rows): every vote asks."""
    if not 0 < comment_id <= MAX_ID:
        return None
    found = _votable_comment_lookup().fetch([comment_id, True, CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN])
    if found is None:
        return None
    comment, page = found
    relate(comment, "page", page)
    return comment


def statement_votable(statement_id: int) -> Statement | None:
    if not 0 < statement_id <= MAX_ID:
        return None
    return statement_visible(statement_id)
