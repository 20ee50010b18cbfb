"""Status changes that moderation decides on consult's contributions.

consult owns comments and statements and what a status change means for them (the reply
counts, the read cache, the live stream); moderation's services decide *whether* a change is
allowed and who made it, then call these. Nothing here checks permissions.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consult import readcache
from consult.models import Comment, CommentEdit, CommentStatus, Statement, StatementStatus
from consult.sanitize import render_markdown
from consult.services import live


@transaction.atomic
def comment_set_status(*, comment: Comment, status: str) -> Comment:
    """Publish, hold (pending) or reject a comment. A comment its author withdrew stays
    withdrawn: there is nothing left to moderate."""
    comment = (Comment.objects.select_for_update(of=("self",)).select_related("page", "author__profile")
               .get(pk=comment.pk))
    if comment.status in {status, CommentStatus.WITHDRAWN}:
        return comment
    was_public, now_public = comment.status == CommentStatus.PUBLISHED, status == CommentStatus.PUBLISHED
    comment.status = status
    comment.save(update_fields=["status"])
    if comment.parent_id and was_public != now_public:
        Comment.objects.filter(pk=comment.parent_id).update(reply_count=F("reply_count") + (1 if now_public else -1))
    readcache.discussion_changed(comment.page_id)
    if was_public:
        live.comment_removed(comment, reason="moderated")
    if now_public:
        live.comment_created(comment)
    return comment


@transaction.atomic
def statement_set_status(*, statement: Statement, status: str) -> Statement:
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status == status:
        return statement
    was_public = statement.status == StatementStatus.PUBLISHED
    statement.status = status
    statement.save(update_fields=["status"])
    readcache.discussion_changed(statement.page_id)
    if status == StatementStatus.PUBLISHED and not was_public:
        live.statement_created(statement)
    elif was_public:
        live.statement_removed(statement, reason="moderated")
    return statement


MASK = "█████"


def _mask(text: str, spans: list[str]) -> str:
    for span in spans:
        text = text.replace(span, MASK)
    return text


def check_spans(text: str, spans) -> list[str]:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    cleaned = [span.strip() for span in spans if isinstance(span, str) and span.strip()]
    if not cleaned:
        raise ValidationError({"spans": [_("Copy the words to mask from the text, one passage per line.")]})
    missing = [span for span in cleaned if span not in text]
    if missing:
        raise ValidationError({"spans": [_("This passage is not in the text exactly as written: “%(span)s”. "
                                           "Copy it from the text shown above.") % {"span": missing[0][:80]}]})
    # the longest first, so a passage inside another is not half-masked
    return sorted(set(cleaned), key=len, reverse=True)


@transaction.atomic
def comment_redact(*, comment: Comment, spans: list[str], publish: bool = True) -> tuple[Comment, str]:
    """Mask passages (personal data, say) of a comment and of its earlier versions, keep the
    rest, and publish it. Returns the comment and its original source text, which moderation
    keeps apart so that an appeal can restore it."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related("page", "author__profile").get(
        pk=comment.pk)
    spans = check_spans(comment.body, spans)
    original = comment.body
    comment.body = _mask(comment.body, spans)
    comment.body_html = render_markdown(comment.body)
    comment.redacted_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "redacted_at"])
    for edit in CommentEdit.objects.filter(comment=comment):
        masked = _mask(edit.body, spans)
        if masked != edit.body:
            CommentEdit.objects.filter(pk=edit.pk).update(body=masked, body_html=render_markdown(masked))
    if comment.status == CommentStatus.PUBLISHED:
        readcache.discussion_changed(comment.page_id)
        live.comment_updated(comment)
    elif publish:
        comment = comment_set_status(comment=comment, status=CommentStatus.PUBLISHED)
    return comment, original


@transaction.atomic
def comment_restore(*, comment: Comment, body: str) -> Comment:
    """Undo a redaction (an appeal reinstated the text): the original source, published."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related("page", "author__profile").get(
        pk=comment.pk)
    comment.body, comment.body_html, comment.redacted_at = body, render_markdown(body), None
    comment.save(update_fields=["body", "body_html", "redacted_at"])
    if comment.status == CommentStatus.PUBLISHED:
        readcache.discussion_changed(comment.page_id)
        live.comment_updated(comment)
        return comment
    return comment_set_status(comment=comment, status=CommentStatus.PUBLISHED)


@transaction.atomic
def statement_redact(*, statement: Statement, spans: list[str]) -> tuple[Statement, str]:
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    spans = check_spans(statement.text, spans)
    original = statement.text
    statement.text = _mask(statement.text, spans)
    statement.redacted_at = timezone.now()
    statement.save(update_fields=["text", "redacted_at"])
    readcache.discussion_changed(statement.page_id)
    live.statement_updated(statement)  # only if it was already public
    return statement_set_status(statement=statement, status=StatementStatus.PUBLISHED), original


@transaction.atomic
def statement_restore(*, statement: Statement, text: str) -> Statement:
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    statement.text, statement.redacted_at = text, None
    statement.save(update_fields=["text", "redacted_at"])
    readcache.discussion_changed(statement.page_id)
    live.statement_updated(statement)
    return statement_set_status(statement=statement, status=StatementStatus.PUBLISHED)
