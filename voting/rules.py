"""voting's permission rules (django-rules), on top of consult's predicates."""

import rules

from consult.models import CommentStatus
from consult.rules import (
    comment_page_is_open,
    is_comment_author,
    is_participant,
    page_is_open,
    statement_is_published,
    statement_page_is_open,
)


@rules.predicate
def comment_is_published(user, comment):
    return comment.status == CommentStatus.PUBLISHED


rules.add_perm("voting.vote_comment",
               is_participant & comment_is_published & comment_page_is_open & ~is_comment_author)
rules.add_perm("voting.vote_statement", is_participant & statement_is_published & statement_page_is_open)
rules.add_perm("voting.respond_poll", is_participant & page_is_open)
