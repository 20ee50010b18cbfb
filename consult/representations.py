"""The public shapes of comments and statements, built directly from model instances.

The REST API and the live stream send the same shapes (ARCHITECTURE.md), so both build them
here. Plain dicts rather than serializer instances: a page of threads is built in one pass
(half a list's time used to go into a serializer per comment).
"""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import serializers

_DATETIME = serializers.DateTimeField()


def comment_data(comment, *, permalink_prefix: str) -> dict:
    """The REST comment (consult.api_comments.CommentSerializer documents it in the schema)."""
    profile = getattr(comment.author, "profile", None)
    hidden = comment.status == "withdrawn"
    return {
        "id": comment.pk, "page": comment.page_id, "section": comment.section_id, "parent": comment.parent_id,
        "depth": comment.depth,
        "author": {"display_name": profile.public_name if profile else _("Participant")},
        "is_official": comment.is_official, "stance": comment.stance, "status": comment.status,
        "body": "" if hidden else comment.body, "body_html": "" if hidden else comment.body_html,
        "created_at": _DATETIME.to_representation(comment.created_at),
        "edited_at": _DATETIME.to_representation(comment.edited_at) if comment.edited_at else None,
        "support": comment.support_count, "oppose": comment.oppose_count, "reply_count": comment.reply_count,
        "url": f"{permalink_prefix}{comment.pk}/", "held_because": comment.hold_messages,
    }


def thread_data(comment, *, permalink_prefix: str) -> dict:
    data = comment_data(comment, permalink_prefix=permalink_prefix)
    data["replies"] = [thread_data(reply, permalink_prefix=permalink_prefix)
                       for reply in getattr(comment, "thread_replies", [])]
    return data


def relative_permalink_prefix(language: str) -> str:
    """The start of a comment's permalink path in a language, for events (no request to
    make the link absolute against)."""
    with translation.override(language):
        return reverse("consult:comment", args=[0]).removesuffix("0/")


def statement_data(statement) -> dict:
    """The REST statement without the caller's own vote (voting.serializers.StatementSerializer)."""
    return {
        "id": statement.pk, "text": statement.text, "is_seed": bool(statement.seed_id), "status": statement.status,
        "created_at": _DATETIME.to_representation(statement.created_at),
        "agree": statement.agree_count, "disagree": statement.disagree_count, "pass": statement.pass_count,
        "held_because": statement.hold_messages,
    }
