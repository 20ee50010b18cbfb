"""Template context the site frame needs from several apps (config wires them; frontend's
templates import none)."""

from django.utils.functional import SimpleLazyObject

from consult.roles import has_role


def navigation(request):
    """`show_moderation`: whether the account menu links the moderators' queue. Decided from
    the roles already read for this request, not through Django's permission tables (which
    cost every signed-in page two more queries)."""
    user = getattr(request, "user", None)
    return {"show_moderation": SimpleLazyObject(lambda: has_role(user, "moderator", "admin"))}
