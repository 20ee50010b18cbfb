"""Roles are groups (created by migration consult.0003): citizen, moderator, official, editor,
admin. Superusers hold every role.

Every API request asks for the caller's roles (config.security: staff need two-factor sign-in),
so they are kept in the cache per person, like moderator assignments. Any change to anyone's
groups forgets the cached roles of the people it touches, at once and again when the
transaction commits, so a request that read the old groups in between cannot leave them
cached (consult.signals)."""

from django.core.cache import cache
from django.db import transaction

ROLES = ("citizen", "moderator", "official", "editor", "admin")
ROLES_CACHE_SECONDS = 600


def roles_key(user_id: int) -> str:
    return f"roles:{user_id}"


def role_names(user) -> frozenset[str]:
    if user is None or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(ROLES)
    cached = getattr(user, "_rayzan_roles", None)
    if cached is None:
        stored = cache.get(roles_key(user.pk))
        if stored is None:
            stored = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
            cache.set(roles_key(user.pk), stored, ROLES_CACHE_SECONDS)
        cached = frozenset(stored)
        user._rayzan_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(role_names(user) & set(roles))


def forget_roles(user_ids) -> None:
    """These people's groups changed: their cached roles go now and after the commit."""
    keys = [roles_key(user_id) for user_id in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))
