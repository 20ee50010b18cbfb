"""A participant's own data: a copy of all of it (`account_data`), and erasure (`account_erase`).

Erasure anonymises the person and keeps the record (ARCHITECTURE.md, "Data rules"): comments,
statements, votes, poll answers and reports stay, so tallies, threads and moderation records do
not change, but they point at an account that no longer says who it was. The account row stays
(contributions reference it with PROTECT) with a random `erased-…` username, no e-mail, no names,
no usable password, inactive; its profile keeps region and language (the dashboards count by
them) and shows as "Former participant". What exists only for the person is deleted: e-mail
addresses, sessions, API tokens, notifications, two-factor devices, links to imported ids, and
the originals that moderators redacted out of their texts (they are what may hold personal data).

Staff accounts (moderator, official, editor, admin, and people who moderate or facilitate one
page) are not erased here: their decisions must stay attributable, so an administrator removes
the role first (`erasure_refusal` says so).

consult may not import voting, moderation or reports (imports go one way, ARCHITECTURE.md), yet
they hold much of a person's data: votes and poll answers, reports, moderation decisions, ids
from imported data. So consult runs the orchestration and defines `PrivacyPart`, and each of
those apps plugs in its share through `settings.RAYZAN_PRIVACY_PARTS` (dotted paths of
`PrivacyPart` subclasses, loaded with `import_string` when used): its sections of the download
and their schema, its step of erasure, its reason to refuse erasure, its relations to the user
model, and whether the person took part there (which keeps a sign-up from the retention purge).
An app absent from the setting adds nothing: its sections are left out of the download.

`user_relations()` names, for every relation to the user model, what erasure does with it
(consult's and other libraries' in `USER_RELATIONS`, the rest in the parts); a test fails when a
new one appears unnamed.
"""

import secrets
from datetime import datetime, timedelta
from importlib import import_module

from allauth.account.models import EmailAddress, EmailConfirmation
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token
from wagtail.models import Page

from consult import ratelimit, readcache, sockets
from consult.models import Comment, LiveEvent, Notification, Profile, RoundtableFacilitator, Statement
from consult.roles import has_role, role_names
from consult.selectors_notifications import unread_key
from consult.services.live import COMMENT_EVENTS

EXPORT_FORMAT = "rayzan-account-data"
EXPORT_VERSION = 1
ERASED_PREFIX = "erased-"
STAFF_ROLES = ("moderator", "official", "editor", "admin")
# What erasure does with each relation to the user model ("<app>.<Model>.<field>"):
#   "kept"    the row stays, pointing at the anonymised account (the public record, tallies);
#   "deleted" the rows are deleted (they exist only for the person);
#   "staff"   only staff have these, and staff accounts are not erased (see erasure_refusal).
# consult's own and other libraries' relations; voting's, moderation's and reports' are named in
# their PrivacyPart.relations (user_relations() gives them all).
USER_RELATIONS = {
    "consult.Profile.user": "kept",
    "consult.Comment.author": "kept",
    "consult.Statement.author": "kept",
    "consult.Notification.recipient": "deleted",
    "consult.RoundtableFacilitator.user": "staff",
    "consult.OfficialResponse.updated_by": "staff",
    "consult.OfficialResponse.published_by": "staff",
    "account.EmailAddress.user": "deleted",
    "authtoken.Token.user": "deleted",
    "mfa.Authenticator.user": "deleted",
    "auth.User_groups.user": "deleted",
    "auth.User_user_permissions.user": "deleted",
    "wagtailusers.UserProfile.user": "deleted",
    "wagtailcore.PageSubscription.user": "deleted",
    "wagtailcore.APIToken.user": "deleted",
    "wagtailadmin.EditingSession.user": "deleted",
    "wagtailadmin.FormState.user": "deleted",
    "wagtailcore.Page.owner": "staff",
    "wagtailcore.Page.locked_by": "staff",
    "wagtailcore.Revision.user": "staff",
    "wagtailcore.PageLogEntry.user": "staff",
    "wagtailcore.ModelLogEntry.user": "staff",
    "wagtailcore.Comment.user": "staff",
    "wagtailcore.Comment.resolved_by": "staff",
    "wagtailcore.CommentReply.user": "staff",
    "wagtailcore.WorkflowState.requested_by": "staff",
    "wagtailcore.TaskState.finished_by": "staff",
    "wagtailcore.UploadedFile.uploaded_by_user": "staff",
    "wagtaildocs.Document.uploaded_by_user": "staff",
    "wagtailimages.Image.uploaded_by_user": "staff",
}


# --- the parts other apps plug in ---------------------------------------------------------------


class PrivacyPart:
    """One app's share of a person's data, for an app consult may not import (voting, moderation,
    reports). List a subclass's dotted path in settings.RAYZAN_PRIVACY_PARTS; consult makes one
    with no arguments whenever it needs the parts and calls them in the setting's order. Every
    method has a harmless default, so a part overrides only what its app holds."""

    # Its app's relations to the user model, "<app>.<Model>.<field>" -> "kept", "deleted" or
    # "staff" (as in USER_RELATIONS). Naming them is what the completeness test checks; acting
    # on them is the methods' job.
    relations: dict[str, str] = {}
    # False: its sections follow the person's own contributions (what they did there and what was
    # done about it). True: they close the download, after consult's notifications (ids and links
    # from other systems).
    export_last: bool = False

    def export(self, user) -> dict[str, list]:
        """Its sections of the download, as JSON-ready data: section name -> list of dicts in
        creation order. Leave out other people's identities and moderators' internal notes."""
        return {}

    def export_fields(self) -> dict:
        """The same sections as DRF serializer fields (new instances on every call), so the
        OpenAPI schema of GET /api/v1/me/data/ documents exactly what `export` gives."""
        return {}

    def refusal(self, user) -> str | None:
        """Why this person may not erase their account because of a role in this app (in the
        active language), or None."""
        return None

    def erase(self, user) -> None:
        """Delete what in this app exists only for the person ("deleted" relations, and rows
        that may hold personal data). Runs in account_erase's transaction, before the account
        is anonymised; rows that form the record ("kept") stay."""

    def took_part(self, user) -> bool:
        """True when the person left a record here ("kept" rows): such an account is never
        deleted by the retention purge."""
        return False


def privacy_parts() -> list[PrivacyPart]:
    """The parts named in settings.RAYZAN_PRIVACY_PARTS, read on every call (import_string caches
    the modules), so a changed setting applies at once and nothing is imported at start-up."""
    return [import_string(path)() for path in getattr(settings, "RAYZAN_PRIVACY_PARTS", [])]


def user_relations() -> dict[str, str]:
    """Every relation to the user model that erasure knows, consult's and the parts'."""
    relations = dict(USER_RELATIONS)
    for part in privacy_parts():
        relations.update(part.relations)
    return relations


def with_parts(head: dict, tail: dict, parts: list[PrivacyPart], share) -> dict:
    """The download's layout: consult's `head` sections, each part's `share(part)` in the
    setting's order, consult's `tail`, then the shares of the parts that go last. The data and
    its schema are both laid out here, so their keys and order cannot drift apart."""
    return {**head, **_shares(parts, share, last=False), **tail, **_shares(parts, share, last=True)}


def _shares(parts: list[PrivacyPart], share, *, last: bool) -> dict:
    """The parts' shares that go in one place (before consult's tail, or after it), merged."""
    merged = {}
    for part in parts:
        if part.export_last == last:
            merged.update(share(part))
    return merged


def page_role_refusal() -> str:
    """The refusal for people who moderate or facilitate one page. consult gives it for
    roundtable facilitators; a part whose app gives such a role (moderation's page moderators)
    returns it too, so the person reads one message whatever the role."""
    return gettext("You moderate or facilitate a consultation or roundtable. Ask an editor or an "
                   "administrator to remove you from it first; then you can delete your account.")


def _model(label: str) -> type[models.Model] | None:
    """A model of consult or of a library (allauth, mfa, Wagtail) by "app_label.Model", or None
    when that app is not installed. Never voting's, moderation's or reports': their parts handle
    their rows."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def iso(value: datetime | None) -> str | None:
    """A date and time as the download writes it (ISO 8601), or None; the parts use it too."""
    return value.isoformat() if value else None


# --- the download -----------------------------------------------------------------------------


def account_data(user) -> dict:
    """Everything Rayzan holds about `user`, as JSON-ready data (the shape is documented in
    consult.accounts.api_privacy), consult's sections and those of the configured parts.
    Moderators' identities and internal notes are left out; the API token itself is a credential
    and is left out too (only that one exists, and since when)."""
    comments = Comment.objects.filter(author=user)
    statements = Statement.objects.filter(author=user)
    head = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": iso(timezone.now()),
        "account": _account(user),
        "profile": _profile(user),
        "comments": [_comment(comment) for comment in
                     comments.select_related("page").prefetch_related("edits").order_by("created_at", "pk")],
        "statements": [_statement(statement) for statement in
                       statements.select_related("page").order_by("created_at", "pk")],
    }
    return with_parts(head, {"notifications": _notifications(user)}, privacy_parts(), lambda part: part.export(user))


def _account(user) -> dict:
    token = Token.objects.filter(user=user).first()
    return {
        "id": user.pk, "username": user.username, "email": user.email,
        "email_addresses": [{"email": address.email, "verified": address.verified, "primary": address.primary}
                            for address in EmailAddress.objects.filter(user=user).order_by("pk")],
        "date_joined": iso(user.date_joined), "last_login": iso(user.last_login),
        "roles": sorted(role_names(user)),
        "api_token_created_at": iso(token.created) if token else None,
    }


def _profile(user) -> dict | None:
    profile = Profile.objects.filter(user=user).select_related("region").first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "region": profile.region.name if profile.region else None,
        "preferred_language": profile.preferred_language,
        "consent_version": profile.consent_version, "consented_at": iso(profile.consented_at),
        "created_at": iso(profile.created_at),
        "restriction": profile.restriction, "restricted_until": iso(profile.restricted_until),
    }


def _screening_codes(item) -> list[str]:
    return [hold.get("code", "") for hold in item.screening or [] if isinstance(hold, dict)]


def _comment(comment) -> dict:
    return {
        "id": comment.pk, "page": comment.page_id, "page_title": comment.page.title,
        "section": comment.section_id, "parent": comment.parent_id, "stance": comment.stance,
        "status": comment.status, "body": comment.body, "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at), "withdrawn_at": iso(comment.withdrawn_at),
        "redacted_at": iso(comment.redacted_at), "held_for": _screening_codes(comment),
        "support": comment.support_count, "oppose": comment.oppose_count, "replies": comment.reply_count,
        "earlier_versions": [{"body": edit.body, "stance": edit.stance, "replaced_at": iso(edit.replaced_at)}
                             for edit in comment.edits.all()],
    }


def _statement(statement) -> dict:
    return {
        "id": statement.pk, "page": statement.page_id, "page_title": statement.page.title, "text": statement.text,
        "status": statement.status, "created_at": iso(statement.created_at),
        "redacted_at": iso(statement.redacted_at), "held_for": _screening_codes(statement),
        "agree": statement.agree_count, "disagree": statement.disagree_count, "pass": statement.pass_count,
    }


def _notifications(user) -> list[dict]:
    """What Rayzan told the person (consult's tail section: it follows the parts' activity)."""
    return [{"kind": note.kind, "language": note.language, "subject": note.subject, "body": note.body,
             "url": note.url, "created_at": iso(note.created_at), "read_at": iso(note.read_at),
             "emailed_at": iso(note.emailed_at)}
            for note in Notification.objects.filter(recipient=user).order_by("created_at", "pk")]


# --- erasure ----------------------------------------------------------------------------------


def erasure_refusal(user) -> str | None:
    """Why this account cannot be erased by its owner (in the active language), or None: a staff
    role, facilitating a roundtable, or a role a part knows of (moderating one page)."""
    if user.is_superuser or user.is_staff or has_role(user, *STAFF_ROLES):
        return gettext("Accounts with a staff role (moderator, official, editor or administrator) cannot be "
                       "deleted here, because their decisions must stay attributable. Ask an administrator to "
                       "remove the role first; then you can delete your account.")
    if RoundtableFacilitator.objects.filter(user=user).exists():
        return page_role_refusal()
    for part in privacy_parts():
        refusal = part.refusal(user)
        if refusal:
            return refusal
    return None


@transaction.atomic
def account_erase(*, actor, password: str) -> None:
    """Anonymise `actor` after checking their password (see the module's docstring for what
    stays and what goes). Wrong password: ValidationError and nothing changes; staff:
    PermissionDenied; too many attempts: consult.ratelimit.RateLimited."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(gettext("Sign in to delete your account."))
    refusal = erasure_refusal(actor)
    if refusal:
        raise PermissionDenied(refusal)
    ratelimit.check(user_id=actor.pk, action="account_erase")
    if not isinstance(password, str) or not password or not actor.check_password(password):
        raise ValidationError({"password": [gettext("That is not your password. Nothing was deleted.")]})

    user = get_user_model().objects.select_for_update().get(pk=actor.pk)
    _anonymise_live_events(Comment.objects.filter(author=user))
    for part in privacy_parts():  # e.g. moderation deletes the originals it redacted
        part.erase(user)
    _delete_own_rows(user)
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        profile.display_name, profile.erased_at = _unused(Profile, "display_name"), timezone.now()
        profile.save(update_fields=["display_name", "erased_at"])  # and display_name_key (Profile.save)
    user.username = _unused(get_user_model(), "username")
    user.email = user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    _delete_sessions(user.pk)
    sockets.sign_in_ended(user.pk)  # open live sockets still hold the person: close them
    transaction.on_commit(lambda: cache.delete(unread_key(user.pk)))
    readcache.participants_changed()  # every page that showed the name
    actor.__dict__.pop("_rayzan_roles", None)


def _unused(model: type[models.Model], field: str) -> str:
    """A random `erased-…` value not yet used in `field`: unique, and saying nothing."""
    while True:
        candidate = ERASED_PREFIX + secrets.token_hex(8)
        if not model.objects.filter(**{field: candidate}).exists():
            return candidate


def _delete_own_rows(user) -> None:
    """Rows of consult and the libraries that exist only for the person ("deleted" in
    USER_RELATIONS; the parts delete their own in PrivacyPart.erase)."""
    for relation, fate in USER_RELATIONS.items():
        if fate != "deleted" or relation.startswith("auth."):
            continue
        label, _sep, field = relation.rpartition(".")
        model = _model(label)
        if model is not None and not model._meta.proxy:
            model.objects.filter(**{field: user}).delete()


def former_participant(language: str) -> str:
    with translation.override(language):
        return gettext("Former participant")


def _anonymise_live_events(comments) -> None:
    """The event log keeps each comment as it was sent, with its author's name: rewrite those
    of the person's comments to show the anonymous author, in each page's language."""
    ids = list(comments.values_list("pk", flat=True))
    if not ids:
        return
    page_ids = set(comments.values_list("page_id", flat=True))
    languages = dict(Page.objects.filter(pk__in=page_ids).values_list("pk", "locale__language_code"))
    events = LiveEvent.objects.filter(page_id__in=page_ids, type__in=COMMENT_EVENTS, data__id__in=ids)
    for event in events.iterator(chunk_size=500):
        if isinstance(event.data.get("author"), dict):
            language = languages.get(event.page_id) or settings.LANGUAGE_CODE
            event.data["author"] = {**event.data["author"], "display_name": former_participant(language)}
            event.save(update_fields=["data"])


def _delete_sessions(user_id: int) -> None:
    """Sign the person out everywhere. Database-backed sessions are found by decoding them
    (a session names its user only inside its encoded data); cache-only sessions cannot be
    listed and end at their expiry."""
    database_backed = settings.SESSION_ENGINE.endswith(("sessions.backends.db", "sessions.backends.cached_db"))
    if "django.contrib.sessions" not in settings.INSTALLED_APPS or not database_backed:
        return
    from django.contrib.sessions.models import Session

    engine = import_module(settings.SESSION_ENGINE)

    wanted = str(user_id)
    for session in Session.objects.iterator(chunk_size=1000):
        if str(session.get_decoded().get("_auth_user_id", "")) == wanted:
            engine.SessionStore(session_key=session.session_key).delete()


# --- retention --------------------------------------------------------------------------------


def expired_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what is kept only for a while (`manage.py purge_expired`): expired sessions and
    e-mail confirmations, and sign-ups whose e-mail address was not confirmed within
    settings.RAYZAN_RETENTION_DAYS and that hold no record (an account that took part in any way
    is never deleted here). Rayzan's database holds no IP addresses or user agents to purge.
    Returns how many of each were deleted."""
    now = now or timezone.now()
    return {"sessions": _purge_sessions(now), "email_confirmations": _purge_confirmations(),
            "unconfirmed_signups": _purge_unconfirmed_signups(now - timedelta(
                days=settings.RAYZAN_RETENTION_DAYS))}


def _purge_sessions(now: datetime) -> int:
    if "django.contrib.sessions" not in settings.INSTALLED_APPS:
        return 0
    engine = import_module(settings.SESSION_ENGINE)
    expired = 0
    if settings.SESSION_ENGINE.endswith(("sessions.backends.db", "sessions.backends.cached_db")):
        from django.contrib.sessions.models import Session

        expired, _by_model = Session.objects.filter(expire_date__lt=now).delete()
    engine.SessionStore.clear_expired()  # the backend's own sweep (a no-op for cache-only sessions)
    return expired


def _purge_confirmations() -> int:
    """Stored confirmation keys past ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS (allauth's default
    keys are signed, not stored, so there are usually none)."""
    deleted, _by_model = EmailConfirmation.objects.all_expired().delete()
    return deleted


def _took_part(user, parts: list[PrivacyPart]) -> bool:
    """True when any row that erasure keeps points at them: consult's ("kept" in USER_RELATIONS,
    the profile aside, which every account has) or a part's (votes, reports, appeals...)."""
    for relation, fate in USER_RELATIONS.items():
        label, _sep, field = relation.rpartition(".")
        model = _model(label)
        if fate == "kept" and model is not None and model is not Profile and \
                model.objects.filter(**{field: user}).exists():
            return True
    return any(part.took_part(user) for part in parts)


def _purge_unconfirmed_signups(joined_before: datetime) -> int:
    """Accounts made by signing up (they have an e-mail address row) whose address was never
    confirmed, that never signed in and took no part. Accounts made by an admin have no such row
    and are left alone."""
    unconfirmed = (get_user_model().objects
                   .filter(date_joined__lt=joined_before, last_login__isnull=True, is_staff=False,
                           is_superuser=False, emailaddress__isnull=False)
                   .exclude(emailaddress__verified=True).distinct())
    deleted, parts = 0, privacy_parts()
    for user in unconfirmed.iterator(chunk_size=500):
        if _took_part(user, parts):
            continue
        try:
            with transaction.atomic():
                user.delete()
        except (ProtectedError, RestrictedError):  # referenced by a record we do not know: keep it
            continue
        deleted += 1
    return deleted
