"""Comments: create, edit (within the window, history kept), withdraw (the record stays).

The HTML forms, the REST API and (later) the socket call these; permission, validation, rate
limit and write happen here and nowhere else.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from consult import ratelimit, readcache, screening
from consult.models import Comment, CommentEdit, CommentStatus, ConsultationPage, Stance
from consult.models.contributions import COMMENT_MAX_CHARS, MAX_REPLY_DEPTH
from consult.roles import has_role
from consult.rules import participant_refusal
from consult.sanitize import clean_text, render_markdown
from consult.services import live
from consult.textnorm import localised_number


def _clean_body(text) -> str:
    if not isinstance(text, str):
        raise ValidationError({"text": [_("Write your comment as text.")]})
    body = clean_text(text)
    if not body:
        raise ValidationError({"text": [_("Write your comment before sending it.")]})
    if len(body) > COMMENT_MAX_CHARS:
        raise ValidationError({"text": [
            _("Your comment is %(count)s characters long. Shorten it to %(max)s characters or fewer.")
            % {"count": localised_number(len(body)), "max": localised_number(COMMENT_MAX_CHARS)}]})
    return body


def _clean_stance(stance, *, required: bool) -> str:
    stance = stance or ""
    if stance and stance not in Stance.values:
        raise ValidationError({"stance": [_("Choose support, oppose or neutral.")]})
    if required and not stance:
        raise ValidationError({"stance": [_("Say whether you support or oppose this, or are neutral.")]})
    return stance


def _check_section(page: ConsultationPage, section_id) -> str:
    section_id = section_id or ""
    if not isinstance(section_id, str) or (section_id and page.section_by_id(section_id) is None):
        raise ValidationError({"section": [_("That section is not part of this consultation.")]})
    return section_id


def _check_parent(page: ConsultationPage, parent: Comment | None) -> Comment | None:
    if parent is None:
        return None
    if parent.page_id != page.pk:
        raise ValidationError({"parent": [_("You can only reply to a comment on the same consultation.")]})
    if parent.status != CommentStatus.PUBLISHED:
        raise ValidationError({"parent": [_("This comment cannot be replied to.")]})
    if parent.depth >= MAX_REPLY_DEPTH:
        raise ValidationError({"parent": [_("Replies go at most three levels deep. Reply to an earlier comment.")]})
    return parent


@transaction.atomic
def comment_create(*, actor, page: ConsultationPage, text, stance="", section_id="",
                   parent: Comment | None = None) -> Comment:
    page = page.specific
    if not isinstance(page, ConsultationPage):
        raise ValidationError({"page": [_("Comments can only be made on a consultation.")]})
    if not actor.has_perm("consult.add_comment", page):
        raise PermissionDenied(participant_refusal(
            actor, _("You cannot comment here: the consultation is not open, or you are not signed in.")))
    parent = _check_parent(page, parent)
    section_id = parent.section_id if parent else _check_section(page, section_id)
    body = _clean_body(text)
    stance = _clean_stance(stance, required=parent is None)
    ratelimit.check(user_id=actor.pk, action="comment")
    holds = screening.screen(screening.Submission(kind="comment", text=body, author=actor, page=page))
    status = CommentStatus.PENDING if holds else CommentStatus.PUBLISHED
    comment = Comment.objects.create(
        page=page, section_id=section_id, page_revision_id=page.live_revision_id, author=actor,
        parent=parent, depth=(parent.depth + 1) if parent else 0, stance=stance, body=body,
        body_html=render_markdown(body), status=status, is_official=has_role(actor, "official"),
        screening=[hold.as_dict() for hold in holds],
    )
    if parent is not None and status == CommentStatus.PUBLISHED:
        Comment.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
    if holds:
        screening.held(comment, holds)
    readcache.discussion_changed(page.pk)
    live.comment_created(comment)
    return comment


@transaction.atomic
def comment_edit(*, actor, comment: Comment, text, stance=None) -> Comment:
    comment = Comment.objects.select_for_update().select_related("page").get(pk=comment.pk)
    if not actor.has_perm("consult.change_comment", comment):
        raise PermissionDenied(participant_refusal(actor, _(
            "You can edit your own comment for 30 minutes after posting, while the consultation is open.")))
    body = _clean_body(text)
    stance = comment.stance if stance is None else _clean_stance(stance, required=comment.parent_id is None)
    if body == comment.body and stance == comment.stance:
        return comment
    ratelimit.check(user_id=actor.pk, action="comment")
    # An edit is screened like a new comment: otherwise personal data or a blocked word could
    # be added after a clean first version. A held edit takes a public comment off the page.
    holds = screening.screen(screening.Submission(kind="comment", text=body, author=actor, page=comment.page,
                                                  item_id=comment.pk))
    was_public = comment.status == CommentStatus.PUBLISHED
    CommentEdit.objects.create(comment=comment, body=comment.body, body_html=comment.body_html,
                               stance=comment.stance)
    comment.body, comment.body_html, comment.stance = body, render_markdown(body), stance
    comment.edited_at = timezone.now()
    fields = ["body", "body_html", "stance", "edited_at"]
    if holds:
        comment.status, comment.screening = CommentStatus.PENDING, [hold.as_dict() for hold in holds]
        fields += ["status", "screening"]
        if was_public and comment.parent_id:
            Comment.objects.filter(pk=comment.parent_id).update(reply_count=F("reply_count") - 1)
    comment.save(update_fields=fields)
    readcache.discussion_changed(comment.page_id)
    if holds:
        screening.held(comment, holds)
        if was_public:
            live.comment_removed(comment, reason="held")
        live.comment_created(comment)  # a held comment: told to its author and the moderators only
    else:
        live.comment_updated(comment)
    return comment


@transaction.atomic
def comment_withdraw(*, actor, comment: Comment) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not actor.has_perm("consult.withdraw_comment", comment):
        raise PermissionDenied(_("Only the author can withdraw this comment."))
    was_public = comment.status == CommentStatus.PUBLISHED
    comment.status = CommentStatus.WITHDRAWN
    comment.withdrawn_at = timezone.now()
    comment.save(update_fields=["status", "withdrawn_at"])
    readcache.discussion_changed(comment.page_id)
    if was_public:
        live.comment_removed(comment, reason="withdrawn")
    return comment
