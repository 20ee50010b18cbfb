"""Status changes that moderation decides on consult's contributions.

consult owns comments and statements and what a status change means for them (the reply
counts, the read cache, the live stream); moderation's services decide *whether* a change is
allowed and who made it, then call these. Nothing here checks permissions.
"""

from django.db import transaction
from django.db.models import F

from consult import readcache
from consult.models import Comment, CommentStatus, Statement, StatementStatus
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
    return statement
