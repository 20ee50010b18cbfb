"""Tell a person what happened to their contributions: in the app and by e-mail, in the
language they chose (their profile's preferred language).

Callers (moderation's decisions, later the official response) pass a `compose` function that
returns (subject, body, url); it is called with the recipient's language active, so gettext,
reverse() and number formatting all speak that language. The e-mail goes out after the
transaction commits, so a rolled-back decision never mails anyone.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from consult.models import Notification
from consult.selectors_notifications import unread_key

log = logging.getLogger(__name__)
SUBJECT_MAX = 200


def language_of(user) -> str:
    profile = getattr(user, "profile", None)
    language = getattr(profile, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def notify(*, recipient, kind: str, compose: Callable[[], tuple[str, str, str]], email: bool = True) -> Notification:
    language = language_of(recipient)
    with translation.override(language):
        subject, body, url = compose()
    notification = Notification.objects.create(recipient=recipient, kind=kind, language=language,
                                               subject=str(subject)[:SUBJECT_MAX], body=str(body), url=url or "")
    transaction.on_commit(lambda: cache.delete(unread_key(recipient.pk)))
    if email and recipient.email:
        transaction.on_commit(lambda: _send(notification.pk))
    return notification


def notify_many(*, recipients, kind: str, compose: Callable[[], tuple[str, str, str]]) -> int:
    """The same notice to many people (everyone who took part): composed once per language,
    stored in bulk, e-mailed later by the background worker (send_pending_emails), so a
    request never waits for thousands of mails."""
    by_language: dict[str, list] = {}
    for person in recipients:
        by_language.setdefault(language_of(person), []).append(person)
    created = 0
    for language, people in by_language.items():
        with translation.override(language):
            subject, body, url = compose()
        rows = [Notification(recipient=person, kind=kind, language=language, subject=str(subject)[:SUBJECT_MAX],
                             body=str(body), url=url or "", email_pending=bool(person.email)) for person in people]
        Notification.objects.bulk_create(rows, batch_size=1000)
        created += len(rows)
        keys = [unread_key(person.pk) for person in people]
        transaction.on_commit(lambda keys=keys: cache.delete_many(keys))
    return created


def send_pending_emails(limit: int = 200) -> int:
    """Mail up to `limit` bulk notices waiting for it; returns how many were handled."""
    pending = list(Notification.objects.filter(email_pending=True).order_by("pk").values_list("pk", flat=True)[:limit])
    for notification_id in pending:
        _send(notification_id)  # a failure leaves it pending: tried again next round
    return len(pending)


def _send(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    link = f"\n\n{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{notification.url}" if notification.url else ""
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    try:
        send_mail(f"{prefix}{notification.subject}", f"{notification.body}{link}", None,
                  [notification.recipient.email])
    except OSError:  # the record in the app stays; the mail server's trouble is logged
        log.exception("notification %s: e-mail not sent", notification_id)
        return
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now(), email_pending=False)


def notifications_mark_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark some (or all) of one's own notifications read; returns how many changed."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:  # an id past the column's range matches nothing (and would overflow SQLite)
        unread = unread.filter(pk__in=[pk for pk in ids if 0 < pk < 2**63])
    changed = unread.update(read_at=timezone.now())
    cache.delete(unread_key(actor.pk))
    return changed
