"""Roles are groups (created by migration consult.0003): citizen, moderator, official, editor,
admin. Superusers hold every role."""

ROLES = ("citizen", "moderator", "official", "editor", "admin")


def role_names(user) -> frozenset[str]:
    if user is None or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(ROLES)
    cached = getattr(user, "_rayzan_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._rayzan_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(role_names(user) & set(roles))
