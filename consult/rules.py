"""consult's permission rules, checked with user.has_perm(perm, obj) (django-rules).

One vocabulary, `<app>.<verb>_<model>`; services check these and nothing else decides.
"""

import datetime

import rules
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.models import CommentStatus, ConsultationPage, RoundtablePage, RoundtableState, StatementStatus
from consult.roles import has_role


@rules.predicate
def has_profile(user):
    """Signed in, active, with a participant profile (a display name and recorded consent)."""
    return bool(user and user.is_authenticated and user.is_active and hasattr(user, "profile"))


def is_restricted(user) -> bool:
    """Suspended or banned by a moderator (moderation mirrors its sanctions on the profile)."""
    profile = getattr(user, "profile", None) if user and user.is_authenticated else None
    return bool(profile and profile.restriction_active())


@rules.predicate
def is_participant(user):
    """May write: has a participant profile and is neither suspended nor banned."""
    return bool(has_profile(user) and not is_restricted(user))


def restriction_message(user) -> str | None:
    """Why this person cannot write, in the active language, or None when nothing stops them."""
    if not is_restricted(user):
        return None
    from django.utils.translation import get_language

    messages = user.profile.restriction_messages or {}
    language = (get_language() or "").split("-")[0]
    return messages.get(language) or messages.get(settings.LANGUAGE_CODE) or next(iter(messages.values()), None) \
        or str(_("Your account cannot take part at the moment."))


def participant_refusal(user, default) -> str:
    """The refusal a person can act on: the sanction's reason when they are restricted."""
    return restriction_message(user) or str(default)


@rules.predicate
def is_moderator(user):
    return has_role(user, "moderator", "admin")


@rules.predicate
def is_official(user):
    return has_role(user, "official", "admin")


@rules.predicate
def is_editor(user):
    return has_role(user, "editor", "admin")


@rules.predicate
def page_is_open(user, page):
    """A consultation open for comment, or a roundtable that has not ended; published."""
    page = getattr(page, "specific", page)
    if page is None or not page.live:
        return False
    if isinstance(page, ConsultationPage):
        return page.is_open
    if isinstance(page, RoundtablePage):
        return page.state != RoundtableState.ENDED
    return False


@rules.predicate
def comment_page_is_open(user, comment):
    return page_is_open(user, comment.page)


@rules.predicate
def is_comment_author(user, comment):
    return comment is not None and user.is_authenticated and comment.author_id == user.pk


@rules.predicate
def within_edit_window(user, comment):
    window = datetime.timedelta(minutes=settings.COMMENT_EDIT_WINDOW_MINUTES)
    return timezone.now() - comment.created_at <= window


@rules.predicate
def comment_is_live(user, comment):
    return comment.status in {CommentStatus.PUBLISHED, CommentStatus.PENDING}


@rules.predicate
def comment_is_public(user, comment):
    return comment.status in {CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN}


@rules.predicate
def statement_is_published(user, statement):
    return statement.status == StatementStatus.PUBLISHED


@rules.predicate
def statement_page_is_open(user, statement):
    return page_is_open(user, statement.page)


@rules.predicate
def is_admin(user):
    return has_role(user, "admin") or bool(user and user.is_superuser)


@rules.predicate
def is_assigned_facilitator(user, page):
    """An official or moderator named as one of this roundtable's facilitators."""
    if not (user and user.is_authenticated and isinstance(page, RoundtablePage)):
        return False
    return (has_role(user, "official", "moderator")
            and page.facilitators.filter(user_id=user.pk).exists())


rules.add_perm("consult.add_comment", is_participant & page_is_open)
# The official response to a consultation: officials (and admins) write and publish it.
rules.add_perm("consult.respond_consultation", is_official | is_admin)
rules.add_perm("consult.facilitate_roundtable", is_assigned_facilitator | is_admin)
rules.add_perm("consult.change_comment",
               is_participant & is_comment_author & comment_is_live & within_edit_window & comment_page_is_open)
# Withdrawing stays open to a suspended author: it only takes their words down.
rules.add_perm("consult.withdraw_comment", has_profile & is_comment_author & comment_is_live)
rules.add_perm("consult.view_comment", comment_is_public | is_comment_author | is_moderator)
rules.add_perm("consult.add_statement", is_participant & page_is_open)
rules.add_perm("consult.view_statement", statement_is_published | is_moderator)
