"""Template tags for voting's panels: a person's own votes (one query per page) and the data
the statements and polls panels show. They only read, through voting.selectors."""

from django import template

from consult.models import Comment
from consult.rules import is_participant, page_is_open
from consult.selectors_statements import my_held_statements, statements_published
from voting import selectors
from voting.forms import StatementForm
from voting.panels import poll_context

register = template.Library()

PANEL_STATEMENTS = 20  # the page shows this many; the rest are on the paginated list page


@register.simple_tag(takes_context=True)
def my_comment_votes(context, comments) -> dict[int, int]:
    """{% my_comment_votes comments as my_votes %}: {comment id: 1 or -1} for the signed-in
    person, in one query for every comment given (pass replies too, flattened)."""
    request = context.get("request")
    return selectors.my_comment_votes(getattr(request, "user", None), _comment_ids(comments))


def _comment_ids(comments) -> list[int]:
    """The ids of a comment, or of a list of them, with their `thread_replies` (nested)."""
    if comments is None:
        return []
    if isinstance(comments, Comment):
        return [comments.pk, *_comment_ids(getattr(comments, "thread_replies", None))]
    if isinstance(comments, int):
        return [comments]
    return [pk for comment in comments for pk in _comment_ids(comment)]


@register.filter
def vote_for(my_votes, pk):
    """{{ my_votes|vote_for:comment.pk }}: 1, -1 (or 0 for statements), or None."""
    return (my_votes or {}).get(pk)


@register.filter
def can_vote_comment(user, comment) -> bool:
    """user.has_perm("voting.vote_comment", comment), sharing one page object per page among a
    list's comments, so a page of comments does not load its consultation once per comment."""
    if not user or not user.is_authenticated:
        return False
    if not Comment.page.is_cached(comment):
        pages = user.__dict__.setdefault("_voting_pages", {})
        if comment.page_id not in pages:
            pages[comment.page_id] = comment.page
        comment.page = pages[comment.page_id]
    return user.has_perm("voting.vote_comment", comment)


@register.filter
def percent_of(count, total) -> int:
    return round(100 * count / total) if total else 0


@register.simple_tag(takes_context=True)
def statements_panel(context, page) -> dict:
    """What voting/includes/statements_panel.html shows: at most PANEL_STATEMENTS statements."""
    request = context.get("request")
    user = getattr(request, "user", None)
    queryset = statements_published(page.pk)
    statements = list(queryset[:PANEL_STATEMENTS])
    total = len(statements) if len(statements) < PANEL_STATEMENTS else queryset.count()
    may_take_part = bool(user and is_participant(user) and page_is_open(user, page))
    return {
        "statements": statements,
        "total": total,
        "more": total > len(statements),
        "my_votes": selectors.my_statement_votes(user, [st.pk for st in statements]),
        "can_vote": may_take_part,
        "can_add": bool(may_take_part and user.has_perm("consult.add_statement", page)),
        "state": selectors.page_state(page),
        "form": context.get("statement_form") or StatementForm(page_id=page.pk),
        "held": my_held_statements(page.pk, user),
    }


@register.simple_tag
def presenter_polls(page) -> list[dict]:
    """A roundtable's polls on the projector: the ones the facilitator has opened or closed.
    Results show once a poll is closed, so the room's answers are not swayed while it is open."""
    items = []
    for poll in selectors.page_polls(page):
        state = selectors.poll_state(page, poll)
        if state in {"open", "closed"}:
            items.append(poll_context(page, poll, state=state, response=None, can_answer=False))
    return items


@register.simple_tag(takes_context=True)
def polls_panel(context, page) -> list[dict]:
    """Each poll on the page with the person's answer and, when they may be shown, results."""
    request = context.get("request")
    user = getattr(request, "user", None)
    polls = selectors.page_polls(page)
    if not polls:
        return []
    mine = selectors.my_poll_responses(user, page)
    may_answer = bool(user and user.has_perm("voting.respond_poll", page))
    items = []
    for poll in polls:
        state = selectors.poll_state(page, poll)
        items.append(poll_context(page, poll, state=state, response=mine.get(poll.id),
                                  can_answer=may_answer and state == "open"))
    return items
