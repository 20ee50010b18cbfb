"""Participant profiles: create (with recorded consent) and update. The sign-up form, the
profile and welcome pages and the /api/v1/me/ endpoint all call these, so the display-name
rules and the consent record cannot differ between them."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cms.models import Region
from consult import ratelimit, readcache, sockets
from consult.accounts.validation import TAKEN_MESSAGE, clean_display_name
from consult.models import Profile

CITIZEN_GROUP = "citizen"
UNSET = object()  # "leave as it is", for partial updates (PATCH)


def default_language() -> str:
    """The active language when it is one of ours, else the site default."""
    current = (get_language() or "").split("-")[0]
    return current if current in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _check_actor(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in to manage your profile."))


def _clean(errors: dict, *, actor, display_name=UNSET, region=UNSET, preferred_language=UNSET) -> dict:
    """Validate the given fields; put per-field messages into `errors`; return clean values."""
    values = {}
    if display_name is not UNSET:
        try:
            values["display_name"] = clean_display_name(display_name, exclude_user_id=actor.pk)
        except ValidationError as exc:
            errors["display_name"] = exc.messages
    if region is not UNSET:
        if region is not None and not isinstance(region, Region):
            errors["region"] = [_("Choose a region from the list, or leave it empty.")]
        else:
            values["region"] = region
    if preferred_language is not UNSET:
        if preferred_language not in dict(settings.LANGUAGES):
            errors["preferred_language"] = [_("Choose Persian or English.")]
        else:
            values["preferred_language"] = preferred_language
    return values


def _taken_error() -> ValidationError:
    return ValidationError({"display_name": ValidationError(TAKEN_MESSAGE, code="taken")})


@transaction.atomic
def profile_create(*, actor, display_name: str, region: Region | None = None,
                   preferred_language: str | None = None, consent: bool) -> Profile:
    """Give `actor` a participant profile, record which terms they agreed to and when, and
    make them a citizen. Refuses without consent and when they already have a profile."""
    _check_actor(actor)
    ratelimit.check(user_id=actor.pk, action="profile")  # also bounds probing which names are taken
    if Profile.objects.filter(user=actor).exists():
        raise ValidationError(_("You already have a profile. Change it on your profile page."), code="profile_exists")
    errors: dict = {}
    values = _clean(errors, actor=actor, display_name=display_name, region=region,
                    preferred_language=preferred_language or default_language())
    if consent is not True:
        errors["consent"] = [_("To take part, agree to the terms of use and the privacy notice.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            profile = Profile.objects.create(user=actor, consent_version=settings.RAYZAN_CONSENT_VERSION,
                                             consented_at=timezone.now(), **values)
    except IntegrityError as exc:  # a concurrent sign-up took the name (or made this profile)
        raise _taken_error() from exc
    group, _created = Group.objects.get_or_create(name=CITIZEN_GROUP)
    actor.groups.add(group)
    actor.__dict__.pop("_rayzan_roles", None)
    actor.profile = profile
    return profile


@transaction.atomic
def profile_update(*, actor, display_name=UNSET, region=UNSET, preferred_language=UNSET) -> Profile:
    """Change the actor's own display name, region or preferred language (only those given)."""
    _check_actor(actor)
    ratelimit.check(user_id=actor.pk, action="profile")
    profile = Profile.objects.select_for_update().filter(user=actor).first()
    if profile is None:
        raise ValidationError(_("Complete your profile first."), code="profile_required")
    errors: dict = {}
    values = _clean(errors, actor=actor, display_name=display_name, region=region,
                    preferred_language=preferred_language)
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(profile, name, value)
    if values:
        try:
            with transaction.atomic():
                profile.save(update_fields=list(values))
        except IntegrityError as exc:
            raise _taken_error() from exc
        if "display_name" in values:
            readcache.participants_changed()
    actor.profile = profile
    return profile


@transaction.atomic
def profile_set_restriction(*, user, kind: str, until=None, messages: dict | None = None) -> None:
    """Suspend ("suspend" until a time), ban ("ban") or free ("") a person. moderation's
    sanctions decide and record why; this only stores what consult's rules enforce."""
    if kind not in {"", "suspend", "ban"}:
        raise ValueError(f"unknown restriction {kind!r}")
    Profile.objects.filter(user=user).update(restriction=kind, restricted_until=until if kind == "suspend" else None,
                                             restriction_messages=(messages or {}) if kind else {})
    if hasattr(user, "profile"):
        user.profile.refresh_from_db(fields=["restriction", "restricted_until", "restriction_messages"])
    # Open sockets hold the profile as it was at their handshake: make them reconnect.
    sockets.sign_in_ended(user.pk)
