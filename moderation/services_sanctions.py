"""Sanctions on people: a warning (recorded and told), a suspension until a date, a ban.
Suspended and banned people read but cannot write: the sanction in force is mirrored on their
profile, which consult's rules check on every write, with the reason shown to them."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult.roles import has_role
from consult.services.profiles import profile_set_restriction
from moderation import audit, notices
from moderation.models import Case, RejectReason, Sanction, SanctionKind
from moderation.services import clean_note

STAFF_ROLES = ("moderator", "official", "editor", "admin")


def require_sanctioner(actor) -> None:
    if not actor.has_perm("moderation.sanction_person"):
        raise PermissionDenied(_("Only site-wide moderators can warn, suspend or ban people."))


def _clean_until(kind: str, until):
    if kind != SanctionKind.SUSPEND:
        return None
    if isinstance(until, datetime.date) and not isinstance(until, datetime.datetime):
        until = timezone.make_aware(datetime.datetime.combine(until, datetime.time(0, 0)))
    now = timezone.now()
    if not isinstance(until, datetime.datetime) or until <= now:
        raise ValidationError({"until": [_("Choose a date in the future for the suspension to end.")]})
    if until > now + datetime.timedelta(days=settings.RAYZAN_MAX_SUSPENSION_DAYS):
        raise ValidationError({"until": [_("A suspension lasts at most %(days)s days; choose a ban instead.")
                                         % {"days": settings.RAYZAN_MAX_SUSPENSION_DAYS}]})
    return until


def _mirror(person) -> None:
    """Put the strongest sanction in force on the profile (or clear it)."""
    in_force = [s for s in Sanction.objects.filter(person=person, lifted_at__isnull=True)
                .exclude(kind=SanctionKind.WARN) if s.in_force]
    if not in_force:
        profile_set_restriction(user=person, kind="")
        return
    strongest = max(in_force, key=lambda s: (s.kind == SanctionKind.BAN, s.until or timezone.now()))
    messages = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            messages[language] = notices.restriction_text(strongest)
    profile_set_restriction(user=person, kind=strongest.kind, until=strongest.until, messages=messages)


@transaction.atomic
def person_sanction(*, actor, person, kind: str, reason: str, note: str = "", until=None,
                    case: Case | None = None) -> Sanction:
    require_sanctioner(actor)
    if person.pk == actor.pk:
        raise PermissionDenied(_("You cannot sanction yourself."))
    if has_role(person, *STAFF_ROLES):
        raise PermissionDenied(_("Moderators, officials, editors and administrators are not sanctioned here: an "
                                 "administrator changes their roles."))
    if kind not in SanctionKind.values:
        raise ValidationError({"kind": [_("Choose a warning, a suspension or a ban.")]})
    if reason not in RejectReason.values:
        raise ValidationError({"reason": [_("Choose the reason from the list.")]})
    until = _clean_until(kind, until)
    note = clean_note(note)
    sanction = Sanction.objects.create(person=person, kind=kind, reason=reason, note=note, until=until, case=case,
                                       created_by=actor)
    _mirror(person)
    audit.append(action=f"sanction.{kind}", actor=actor, item_type="person", item_id=person.pk, reason=reason,
                 note=note, page_id=case.page_id if case else None,
                 after={"sanction": sanction.pk, "until": until.isoformat() if until else None})
    notices.sanction_imposed(sanction)
    return sanction


@transaction.atomic
def sanction_lift(*, actor, sanction: Sanction, note: str = "") -> Sanction:
    require_sanctioner(actor)
    note = clean_note(note)
    lifted = Sanction.objects.filter(pk=sanction.pk, lifted_at__isnull=True).update(lifted_by=actor,
                                                                                  lifted_at=timezone.now())
    sanction = Sanction.objects.select_related("person__profile").get(pk=sanction.pk)
    if not lifted:
        raise ValidationError({"sanction": [_("This sanction was already lifted.")]})
    _mirror(sanction.person)
    audit.append(action="sanction.lift", actor=actor, item_type="person", item_id=sanction.person_id, note=note,
                 before={"sanction": sanction.pk, "kind": sanction.kind}, after={"lifted": True})
    if sanction.kind != SanctionKind.WARN:
        notices.sanction_lifted(sanction)
    return sanction
