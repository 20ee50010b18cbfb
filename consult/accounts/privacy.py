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

consult may not import voting, moderation or reports (imports go one way), so their models are
looked up by label in the app registry (`_model`); `USER_RELATIONS` names, for every relation
to the user model, what erasure does with it, and a test fails when a new one appears unnamed.
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
from django.db.models import Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token
from wagtail.models import Page

from consult import ratelimit, readcache
from consult.models import Comment, LiveEvent, Notification, Profile, RoundtableFacilitator, Statement
from consult.roles import has_role, role_names
from consult.selectors_notifications import unread_key

EXPORT_FORMAT = "rayzan-account-data"
EXPORT_VERSION = 1
ERASED_PREFIX = "erased-"
STAFF_ROLES = ("moderator", "official", "editor", "admin")
# Live events that carry a comment in its public shape, author's name included.
_COMMENT_EVENTS = ("comment.created", "comment.updated")

# What erasure does with each relation to the user model ("<app>.<Model>.<field>"):
#   "kept"    the row stays, pointing at the anonymised account (the public record, tallies);
#   "deleted" the rows are deleted (they exist only for the person);
#   "staff"   only staff have these, and staff accounts are not erased (see erasure_refusal).
USER_RELATIONS = {
    "consult.Profile.user": "kept",
    "consult.Comment.author": "kept",
    "consult.Statement.author": "kept",
    "consult.Notification.recipient": "deleted",
    "consult.RoundtableFacilitator.user": "staff",
    "consult.OfficialResponse.updated_by": "staff",
    "consult.OfficialResponse.published_by": "staff",
    "voting.CommentVote.voter": "kept",
    "voting.StatementVote.voter": "kept",
    "voting.PollResponse.respondent": "kept",
    "moderation.Flag.flagger": "kept",
    "moderation.Appeal.appellant": "kept",
    "moderation.Sanction.person": "kept",
    "moderation.AuditEntry.actor": "kept",  # append-only; holds ids, never names
    "moderation.Case.claimed_by": "staff",
    "moderation.Case.decided_by": "staff",
    "moderation.Case.escalated_by": "staff",
    "moderation.Appeal.decided_by": "staff",
    "moderation.Sanction.created_by": "staff",
    "moderation.Sanction.lifted_by": "staff",
    "moderation.ModeratorAssignment.user": "staff",
    "reports.ExternalParticipant.user": "deleted",
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


def _model(label: str) -> type[models.Model] | None:
    """A model of another app by "app_label.Model", or None when that app is not installed."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- the download -----------------------------------------------------------------------------


def account_data(user) -> dict:
    """Everything Rayzan holds about `user`, as JSON-ready data (the shape is documented in
    consult.accounts.api_privacy). Moderators' identities and internal notes are left out; the
    API token itself is a credential and is left out too (only that one exists, and since when)."""
    comments = Comment.objects.filter(author=user)
    statements = Statement.objects.filter(author=user)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": _iso(timezone.now()),
        "account": _account(user),
        "profile": _profile(user),
        "comments": [_comment(comment) for comment in
                     comments.select_related("page").prefetch_related("edits").order_by("created_at", "pk")],
        "statements": [_statement(statement) for statement in
                       statements.select_related("page").order_by("created_at", "pk")],
        **_votes(user),
        **_moderation(user, comments, statements),
        "notifications": [
            {"kind": note.kind, "language": note.language, "subject": note.subject, "body": note.body,
             "url": note.url, "created_at": _iso(note.created_at), "read_at": _iso(note.read_at),
             "emailed_at": _iso(note.emailed_at)}
            for note in Notification.objects.filter(recipient=user).order_by("created_at", "pk")],
        "external_ids": _external_ids(user),
    }


def _account(user) -> dict:
    token = Token.objects.filter(user=user).first()
    return {
        "id": user.pk, "username": user.username, "email": user.email,
        "email_addresses": [{"email": address.email, "verified": address.verified, "primary": address.primary}
                            for address in EmailAddress.objects.filter(user=user).order_by("pk")],
        "date_joined": _iso(user.date_joined), "last_login": _iso(user.last_login),
        "roles": sorted(role_names(user)),
        "api_token_created_at": _iso(token.created) if token else None,
    }


def _profile(user) -> dict | None:
    profile = Profile.objects.filter(user=user).select_related("region").first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "region": profile.region.name if profile.region else None,
        "preferred_language": profile.preferred_language,
        "consent_version": profile.consent_version, "consented_at": _iso(profile.consented_at),
        "created_at": _iso(profile.created_at),
        "restriction": profile.restriction, "restricted_until": _iso(profile.restricted_until),
    }


def _screening_codes(item) -> list[str]:
    return [hold.get("code", "") for hold in item.screening or [] if isinstance(hold, dict)]


def _comment(comment) -> dict:
    return {
        "id": comment.pk, "page": comment.page_id, "page_title": comment.page.title,
        "section": comment.section_id, "parent": comment.parent_id, "stance": comment.stance,
        "status": comment.status, "body": comment.body, "created_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at), "withdrawn_at": _iso(comment.withdrawn_at),
        "redacted_at": _iso(comment.redacted_at), "held_for": _screening_codes(comment),
        "support": comment.support_count, "oppose": comment.oppose_count, "replies": comment.reply_count,
        "earlier_versions": [{"body": edit.body, "stance": edit.stance, "replaced_at": _iso(edit.replaced_at)}
                             for edit in comment.edits.all()],
    }


def _statement(statement) -> dict:
    return {
        "id": statement.pk, "page": statement.page_id, "page_title": statement.page.title, "text": statement.text,
        "status": statement.status, "created_at": _iso(statement.created_at),
        "redacted_at": _iso(statement.redacted_at), "held_for": _screening_codes(statement),
        "agree": statement.agree_count, "disagree": statement.disagree_count, "pass": statement.pass_count,
    }


def _votes(user) -> dict:
    comment_votes = _model("voting.CommentVote").objects.filter(voter=user).order_by("created_at", "pk")
    statement_votes = _model("voting.StatementVote").objects.filter(voter=user).order_by("created_at", "pk")
    answers = _model("voting.PollResponse").objects.filter(respondent=user).order_by("created_at", "pk")
    return {
        "comment_votes": [{"comment": vote.comment_id, "value": vote.value, "created_at": _iso(vote.created_at),
                           "updated_at": _iso(vote.updated_at)} for vote in comment_votes],
        "statement_votes": [{"statement": vote.statement_id, "value": vote.value,
                             "created_at": _iso(vote.created_at), "updated_at": _iso(vote.updated_at)}
                            for vote in statement_votes],
        "poll_answers": [{"page": answer.page_id, "poll": answer.poll_id, "choices": list(answer.choices or []),
                          "scale": answer.scale, "other_text": answer.other_text,
                          "created_at": _iso(answer.created_at), "updated_at": _iso(answer.updated_at)}
                         for answer in answers],
    }


def _cases_about(comments, statements):
    """moderation's cases about these contributions (its Case rows name items by type and id)."""
    Case = _model("moderation.Case")
    return Case.objects.filter(Q(item_type="comment", item_id__in=comments.values("pk"))
                               | Q(item_type="statement", item_id__in=statements.values("pk")))


def _moderation(user, comments, statements) -> dict:
    cases = _cases_about(comments, statements).select_related("redaction").order_by("opened_at", "pk")
    Flag, Appeal, Sanction = (_model(f"moderation.{name}") for name in ("Flag", "Appeal", "Sanction"))
    return {
        "flags": [{"item_type": flag.item_type, "item_id": flag.item_id, "page": flag.page_id,
                   "reason": flag.reason, "note": flag.note, "created_at": _iso(flag.created_at)}
                  for flag in Flag.objects.filter(flagger=user).order_by("created_at", "pk")],
        "moderation_decisions": [_case(case) for case in cases],
        "appeals": [{"case": appeal.case_id, "note": appeal.note, "created_at": _iso(appeal.created_at),
                     "status": appeal.status, "outcome": appeal.outcome, "note_to_author": appeal.note_to_author,
                     "decided_at": _iso(appeal.decided_at)}
                    for appeal in Appeal.objects.filter(appellant=user).order_by("created_at", "pk")],
        "sanctions": [{"kind": sanction.kind, "reason": sanction.reason, "note": sanction.note,
                       "until": _iso(sanction.until), "created_at": _iso(sanction.created_at),
                       "lifted_at": _iso(sanction.lifted_at)}
                      for sanction in Sanction.objects.filter(person=user).order_by("created_at", "pk")],
    }


def _case(case) -> dict:
    redaction = getattr(case, "redaction", None)
    return {
        "case": case.pk, "item_type": case.item_type, "item_id": case.item_id, "page": case.page_id,
        "status": case.status, "reasons": list(case.reasons or []), "flag_count": case.flag_count,
        "opened_at": _iso(case.opened_at), "outcome": case.outcome, "reason": case.decision_reason,
        "note_to_author": case.note_to_author, "decided_at": _iso(case.decided_at),
        "redacted_original": redaction.original if redaction else None,
    }


def _external_ids(user) -> list[dict]:
    ExternalParticipant = _model("reports.ExternalParticipant")
    if ExternalParticipant is None:
        return []
    return [{"source": link.source, "external_id": link.external_id}
            for link in ExternalParticipant.objects.filter(user=user).order_by("pk")]


# --- erasure ----------------------------------------------------------------------------------


def erasure_refusal(user) -> str | None:
    """Why this account cannot be erased by its owner (in the active language), or None."""
    if user.is_superuser or user.is_staff or has_role(user, *STAFF_ROLES):
        return gettext("Accounts with a staff role (moderator, official, editor or administrator) cannot be "
                       "deleted here, because their decisions must stay attributable. Ask an administrator to "
                       "remove the role first; then you can delete your account.")
    Assignment = _model("moderation.ModeratorAssignment")
    moderates = Assignment is not None and Assignment.objects.filter(user=user).exists()
    if moderates or RoundtableFacilitator.objects.filter(user=user).exists():
        return gettext("You moderate or facilitate a consultation or roundtable. Ask an editor or an "
                       "administrator to remove you from it first; then you can delete your account.")
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
    comments = Comment.objects.filter(author=user)
    _anonymise_live_events(comments)
    Redaction = _model("moderation.Redaction")
    Redaction.objects.filter(case__in=_cases_about(comments, Statement.objects.filter(author=user))).delete()
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
    """Rows that exist only for the person ("deleted" in USER_RELATIONS)."""
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
    events = LiveEvent.objects.filter(page_id__in=page_ids, type__in=_COMMENT_EVENTS, data__id__in=ids)
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


def _took_part(user) -> bool:
    """True when any row that erasure keeps ("kept" in USER_RELATIONS, the profile aside) points at them."""
    for relation, fate in USER_RELATIONS.items():
        label, _sep, field = relation.rpartition(".")
        model = _model(label)
        if fate == "kept" and model is not None and model is not Profile and \
                model.objects.filter(**{field: user}).exists():
            return True
    return False


def _purge_unconfirmed_signups(joined_before: datetime) -> int:
    """Accounts made by signing up (they have an e-mail address row) whose address was never
    confirmed, that never signed in and took no part. Accounts made by an admin have no such row
    and are left alone."""
    unconfirmed = (get_user_model().objects
                   .filter(date_joined__lt=joined_before, last_login__isnull=True, is_staff=False,
                           is_superuser=False, emailaddress__isnull=False)
                   .exclude(emailaddress__verified=True).distinct())
    deleted = 0
    for user in unconfirmed.iterator(chunk_size=500):
        if _took_part(user):
            continue
        try:
            with transaction.atomic():
                user.delete()
        except (ProtectedError, RestrictedError):  # referenced by a record we do not know: keep it
            continue
        deleted += 1
    return deleted
