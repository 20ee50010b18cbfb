"""Reads of a person's notifications. The unread count is on every signed-in page (the
account menu), so it is cached per person and dropped whenever it changes."""

from django.core.cache import cache

from consult.models import Notification

INBOX_PAGE_SIZE = 20
UNREAD_TTL = 300


def unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    key = unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_TTL)
    return count


def inbox(user, number: int = 1):
    from django.core.paginator import Paginator

    return Paginator(Notification.objects.filter(recipient=user), INBOX_PAGE_SIZE).get_page(number)
