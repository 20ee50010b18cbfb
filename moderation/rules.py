"""moderation's permission rules (django-rules), on top of consult's predicates.

Global moderators hold the moderator role (admins too); a person named in a
ModeratorAssignment moderates only that consultation or roundtable. Officials decide cases a
moderator escalated to them. Every service checks these and nothing else decides."""

import rules
from django.core.cache import cache

from consult.models import CommentStatus, StatementStatus
from consult.roles import has_role
from consult.rules import is_admin, is_moderator, is_official, is_participant
from moderation.models import ModeratorAssignment


@rules.predicate
def item_is_public(user, item):
    return item is not None and item.status in {CommentStatus.PUBLISHED, StatementStatus.PUBLISHED}


@rules.predicate
def is_not_author(user, item):
    return item is not None and getattr(item, "author_id", None) != user.pk


def assignments_key(user_id: int) -> str:
    return f"moderation:assigned:{user_id}"


def assigned_page_ids(user) -> frozenset[int]:
    """The pages this person moderates by assignment. Asked on every signed-in page (the
    account menu), so kept in the cache, dropped when an assignment changes (moderation.apps)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_rayzan_moderated_pages", None)
    if cached is None:
        stored = cache.get(assignments_key(user.pk))
        if stored is None:
            stored = list(ModeratorAssignment.objects.filter(user=user).values_list("page_id", flat=True))
            cache.set(assignments_key(user.pk), stored, 3600)
        cached = frozenset(stored)
        user._rayzan_moderated_pages = cached
    return cached


def moderated_page_ids(user) -> frozenset[int] | None:
    """None for a global moderator (every page); else the assigned pages (maybe none)."""
    if is_moderator(user):
        return None
    return assigned_page_ids(user)


@rules.predicate
def moderates_some_page(user):
    return bool(assigned_page_ids(user))


def _page_id(obj) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, int):
        return obj
    return getattr(obj, "page_id", None) or getattr(obj, "pk", None)


@rules.predicate
def moderates_this_page(user, obj):
    return _page_id(obj) in assigned_page_ids(user)


@rules.predicate
def may_decide_escalations(user):
    return has_role(user, "official", "admin")


# Flag a public comment or statement (not one's own: withdraw or edit it instead).
rules.add_perm("moderation.flag_item", is_participant & item_is_public & is_not_author)
# See the queue (global moderators see every page's cases, assigned ones their pages').
rules.add_perm("moderation.moderate", is_moderator | moderates_some_page)
# Decide the cases (and appeals) of one page: its object is a case, an item or a page id.
rules.add_perm("moderation.moderate_page", is_moderator | moderates_this_page)
# Cases a moderator escalated are decided by officials (and admins).
rules.add_perm("moderation.decide_escalated", may_decide_escalations)
# Sanctions act on people site-wide, so only global moderators impose or lift them.
rules.add_perm("moderation.sanction_person", is_moderator)
# The escalated list: officials, and moderators who want to see what they sent up.
rules.add_perm("moderation.view_escalated", is_official | is_moderator | is_admin)
