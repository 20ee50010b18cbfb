"""What each contribution write tells the live stream (consult.events), in one place.

Public content goes to the page's durable log; content nobody else may see yet (held for
review) is announced only to its author's and the moderators' own sockets.
"""

from django.utils import timezone
from wagtail.rich_text import expand_db_html

from consult import events
from consult.models import CommentStatus, LiveEvent, StatementStatus
from consult.representations import comment_data, relative_permalink_prefix, statement_data


def _language(page) -> str:
    return page.locale.language_code


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
    if comment.status == CommentStatus.PUBLISHED:
        data = comment_data(comment, permalink_prefix=relative_permalink_prefix(_language(comment.page)))
        events.record(comment.page_id, "comment.updated", data)


def comment_removed(comment, *, reason: str) -> None:
    """A comment that was public is no longer shown (withdrawn by its author, or moderated)."""
    events.record(comment.page_id, "comment.removed", {"id": comment.pk, "reason": reason})


def statement_created(statement) -> None:
    if statement.status == StatementStatus.PUBLISHED:
        events.record(statement.page_id, "statement.created", statement_data(statement))
    else:
        held = {"id": statement.pk, "kind": "statement", "status": statement.status}
        events.notify(statement.page_id, events.user_audience(statement.author_id), "statement.held", held)
        events.notify(statement.page_id, events.MODERATORS, "moderation.queued",
                      {**held, "item": statement_data(statement)})


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
