"""moderation's permission rules (django-rules), on top of consult's predicates."""

import rules

from consult.models import CommentStatus, StatementStatus
from consult.rules import is_moderator, is_participant


@rules.predicate
def item_is_public(user, item):
    return item is not None and item.status in {CommentStatus.PUBLISHED, StatementStatus.PUBLISHED}


@rules.predicate
def is_not_author(user, item):
    return item is not None and getattr(item, "author_id", None) != user.pk


# Flag a public comment or statement (not one's own: withdraw or edit it instead).
rules.add_perm("moderation.flag_item", is_participant & item_is_public & is_not_author)
# See the queue and decide its cases: moderators (and admins). Per-consultation assignment
# would narrow this predicate; the services check it and nothing else does.
rules.add_perm("moderation.moderate", is_moderator)
