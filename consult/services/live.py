"""What each contribution write tells the live stream (consult.events), in one place.

Public content goes to the page's durable log; content nobody else may see yet (held for
review) is announced only to its author's and the moderators' own sockets.

Anyone can read the log (REST, and every resume replays it), so it must never show more than
the page does now: when a comment or statement is edited, masked or leaves public view, its
earlier events are rewritten, in the same transaction, to what the public may see of it now.
"""

from django.utils import timezone
from wagtail.rich_text import expand_db_html

from consult import events
from consult.models import CommentStatus, LiveEvent, RoundtablePage, StatementStatus
from consult.representations import comment_data, relative_permalink_prefix, statement_data
from consult.services import roundtables


def _language(page) -> str:
    return page.locale.language_code


# The events that carry a copy of a comment (rewritten when it changes, or its author is erased).
COMMENT_EVENTS = ("comment.created", "comment.updated")


def public_comment_data(comment) -> dict:
    """The comment as the log may hold it: the REST shape, with no text once it is not public."""
    data = comment_data(comment, permalink_prefix=relative_permalink_prefix(_language(comment.page)))
    if comment.status != CommentStatus.PUBLISHED:
        data.update(body="", body_html="", held_because=[])
    return data


def public_statement_data(statement) -> dict:
    data = statement_data(statement)
    if statement.status != StatementStatus.PUBLISHED:
        data.update(text="", held_because=[])
    return data


def _rewrite_comment_events(comment, data: dict) -> None:
    LiveEvent.objects.filter(page_id=comment.page_id, type__in=COMMENT_EVENTS, data__id=comment.pk).update(
        data=data)


def _rewrite_statement_events(statement) -> None:
    """Earlier copies of a statement, and the spotlights that showed its text, say what the
    public may see of it now."""
    data = public_statement_data(statement)
    LiveEvent.objects.filter(page_id=statement.page_id, type__in=("statement.created", "statement.updated"),
                             data__id=statement.pk).update(data=data)
    _rewrite_spotlights(statement.page_id, "statement", statement.pk, data["text"])


def _rewrite_spotlights(page_id: int, kind: str, pk: int, text: str) -> None:
    """`roundtable.state` events carry the spotlighted item's text: a statement on its own
    roundtable's log, a comment on the logs of the roundtables that discuss its consultation."""
    pages = ([page_id] if kind == "statement" else
             list(RoundtablePage.objects.filter(consultation_id=page_id).values_list("pk", flat=True)))
    if not pages:
        return
    for event in LiveEvent.objects.filter(page_id__in=pages, type="roundtable.state",
                                          data__spotlight__kind=kind, data__spotlight__id=pk):
        if event.data["spotlight"].get("text") != text:
            event.data["spotlight"]["text"] = text
            LiveEvent.objects.filter(pk=event.pk).update(data=event.data)


def comment_created(comment) -> None:
    data = comment_data(comment, permalink_prefix=relative_permalink_prefix(_language(comment.page)))
    if comment.status == CommentStatus.PUBLISHED:
        events.record(comment.page_id, "comment.created", data)
        if comment.parent_id:
            events.tally_changed(comment.page_id, f"comment:{comment.parent_id}")
    else:
        held = {"id": comment.pk, "kind": "comment", "status": comment.status}
        events.notify(comment.page_id, events.user_audience(comment.author_id), "comment.held", held)
        events.notify(comment.page_id, events.MODERATORS, "moderation.queued", {**held, "item": data})


def comment_updated(comment) -> None:
    """A public comment's new text (an edit, a masked passage, a restored one): earlier copies
    in the log take it too, so a masked passage is gone from every replay."""
    if comment.status == CommentStatus.PUBLISHED:
        data = public_comment_data(comment)
        _rewrite_comment_events(comment, data)
        events.record(comment.page_id, "comment.updated", data)


def comment_removed(comment, *, reason: str) -> None:
    """A comment that was public is no longer shown (withdrawn by its author, or moderated):
    its earlier copies in the log lose their text."""
    _rewrite_comment_events(comment, public_comment_data(comment))
    _rewrite_spotlights(comment.page_id, "comment", comment.pk, "")
    events.record(comment.page_id, "comment.removed", {"id": comment.pk, "reason": reason})
    roundtables.spotlit_item_gone("comment", comment.pk, page_id=comment.page_id)


def statement_created(statement) -> None:
    if statement.status == StatementStatus.PUBLISHED:
        events.record(statement.page_id, "statement.created", statement_data(statement))
    else:
        held = {"id": statement.pk, "kind": "statement", "status": statement.status}
        events.notify(statement.page_id, events.user_audience(statement.author_id), "statement.held", held)
        events.notify(statement.page_id, events.MODERATORS, "moderation.queued",
                      {**held, "item": statement_data(statement)})


def statement_updated(statement) -> None:
    """A public statement's text changed (a masked passage, or one an appeal restored)."""
    if statement.status == StatementStatus.PUBLISHED:
        _rewrite_statement_events(statement)
        events.record(statement.page_id, "statement.updated", public_statement_data(statement))


def statement_removed(statement, *, reason: str) -> None:
    """A statement that was public is no longer shown (moderated)."""
    _rewrite_statement_events(statement)
    events.record(statement.page_id, "statement.removed", {"id": statement.pk, "reason": reason})
    roundtables.spotlit_item_gone("statement", statement.pk, page_id=statement.page_id)


def response_published(page) -> bool:
    """After a consultation is published: if that made a new official response public (the
    first one, or a changed text), append `response.published` with the response as readers
    see it. Republishing for another reason (a typo in the draft) records nothing."""
    if not page.official_response:
        return False
    html = expand_db_html(page.official_response)
    last = (LiveEvent.objects.filter(page_id=page.pk, type="response.published").order_by("-seq")
            .values_list("data", flat=True).first())
    if last and last.get("html") == html:
        return False
    published_at = page.response_published_at or timezone.now()
    events.record(page.pk, "response.published", {"html": html, "published_at": published_at.isoformat()})
    return True
