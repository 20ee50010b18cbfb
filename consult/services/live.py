"""What each contribution write tells the live stream (consult.events), in one place.

Public content goes to the page's durable log; content nobody else may see yet (held for
review) is announced only to its author's and the moderators' own sockets.
"""

from consult import events
from consult.models import CommentStatus, StatementStatus
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
