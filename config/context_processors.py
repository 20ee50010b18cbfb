"""Template context the site frame needs from several apps (config wires them; frontend's
templates import none)."""

from django.utils.functional import SimpleLazyObject

from consult.roles import has_role
from consult.selectors_notifications import unread_count
from moderation.rules import assigned_page_ids


def navigation(request):
    """`show_moderation`: whether the account menu links the moderators' queue. Decided from
    the roles already read for this request, not through Django's permission tables (which
    cost every signed-in page two more queries)."""
    user = getattr(request, "user", None)
    return {"show_moderation": SimpleLazyObject(lambda: has_role(user, "moderator", "admin")
                                                or bool(assigned_page_ids(user))),
            "show_escalations": SimpleLazyObject(lambda: has_role(user, "official") and not has_role(user, "admin")),
            "show_reports": SimpleLazyObject(lambda: has_role(user, "official", "editor", "admin")),
            "unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
