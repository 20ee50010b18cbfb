"""Moderation's writes: flags, claims and decisions. Every one checks its rule here and appends
to the audit log in the same transaction."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consult import ratelimit
from consult.models import Comment, CommentStatus, Statement, StatementStatus
from consult.sanitize import clean_line
from consult.screening import Hold
from consult.services.moderated import comment_set_status, statement_set_status
from moderation import audit
from moderation.models import Case, CaseStatus, Flag, FlagReason, Outcome, RejectReason

CLAIM_MINUTES = 5
NOTE_MAX_CHARS = 500


class Conflict(Exception):
    """Someone else decided the case, or holds its claim: HTTP 409, nothing changed."""


def _kind(item) -> str:
    return "comment" if isinstance(item, Comment) else "statement"


def _language(page) -> str:
    locale = getattr(page, "locale", None)
    return getattr(locale, "language_code", "") or ""


def _open_case(item, codes: list[str], *, flags: int = 0) -> Case:
    """The item's pending case, created if there is none, with these reasons added."""
    kind = _kind(item)
    case = Case.objects.select_for_update().filter(item_type=kind, item_id=item.pk, status=CaseStatus.PENDING).first()
    if case is None:
        try:
            with transaction.atomic():
                case = Case.objects.create(item_type=kind, item_id=item.pk, page_id=item.page_id,
                                           language=_language(item.page))
        except IntegrityError:  # opened at the same moment by another request
            case = Case.objects.select_for_update().get(item_type=kind, item_id=item.pk, status=CaseStatus.PENDING)
    case.flag_count += flags
    case.add_reasons(codes)
    case.save(update_fields=["flag_count", "reasons", "priority"])
    return case


def hold_recorded(item, holds: list[Hold]) -> None:
    """consult held a new or edited contribution (settings.RAYZAN_HOLD_LISTENERS): queue it."""
    case = _open_case(item, [hold.code for hold in holds])
    audit.append(action="screener.hold", item=item, reason=holds[0].code,
                 after={"status": item.status, "holds": [hold.as_dict() for hold in holds], "case": case.pk})


# --- flags -------------------------------------------------------------------------------------

def flag_threshold(page) -> int:
    return getattr(page, "flag_threshold", None) or settings.RAYZAN_FLAG_THRESHOLD


@transaction.atomic
def item_flag(*, actor, item, reason, note="") -> Flag:
    """Report a public comment or statement. One flag per person per item; when an item's flags
    reach the page's threshold it is hidden until a moderator decides."""
    if not actor.has_perm("moderation.flag_item", item):
        if getattr(item, "author_id", None) == getattr(actor, "pk", None):
            raise PermissionDenied(_("You cannot report your own contribution. You can edit or withdraw it."))
        raise PermissionDenied(_("Sign in with a participant profile to report a contribution."))
    if reason not in FlagReason.values:
        raise ValidationError({"reason": [_("Choose why you are reporting this.")]})
    note = clean_line(note or "") if isinstance(note, str) else ""
    if reason == FlagReason.OTHER and not note:
        raise ValidationError({"note": [_("Say in a few words what is wrong.")]})
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": [_("Keep the note to %(max)s characters or fewer.") % {"max": NOTE_MAX_CHARS}]})
    ratelimit.check(user_id=actor.pk, action="flag")
    kind = _kind(item)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(item_type=kind, item_id=item.pk, page_id=item.page_id, flagger=actor,
                                       reason=reason, note=note)
    except IntegrityError:
        raise ValidationError({"reason": [_("You have already reported this.")]}) from None
    case = _open_case(item, [reason], flags=1)
    if not case.hidden_by_flags and case.flag_count >= flag_threshold(item.page.specific):
        _hide(item)
        Case.objects.filter(pk=case.pk).update(hidden_by_flags=True)
        audit.append(action="flag.threshold", item=item, reason=reason,
                     before={"status": CommentStatus.PUBLISHED},
                     after={"status": CommentStatus.PENDING, "flags": case.flag_count, "case": case.pk})
    return flag


def _hide(item) -> None:
    if isinstance(item, Comment):
        comment_set_status(comment=item, status=CommentStatus.PENDING)
    else:
        statement_set_status(statement=item, status=StatementStatus.PENDING)


# --- claims and decisions ----------------------------------------------------------------------

def require_moderator(actor) -> None:
    """The one check for every moderation page and endpoint, reads included."""
    if not actor.has_perm("moderation.moderate"):
        raise PermissionDenied(_("Only moderators can review contributions."))


@transaction.atomic
def case_claim(*, actor, case: Case) -> Case:
    """Claim a pending case for CLAIM_MINUTES so no other moderator works on it meanwhile
    (claiming again extends one's own claim). Conflict when another moderator holds it."""
    require_moderator(actor)
    now = timezone.now()
    claimed = Case.objects.filter(
        Q(claimed_by__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=actor),
        pk=case.pk, status=CaseStatus.PENDING,
    ).update(claimed_by=actor, claimed_until=now + datetime.timedelta(minutes=CLAIM_MINUTES))
    case = Case.objects.select_related("claimed_by__profile").get(pk=case.pk)
    if not claimed:
        if case.status != CaseStatus.PENDING:
            raise Conflict(_("Another moderator has already decided this."))
        raise Conflict(_("Another moderator is reviewing this. It is yours to take if they have not decided "
                         "by %(time)s.") % {"time": timezone.localtime(case.claimed_until).strftime("%H:%M")})
    audit.append(action="case.claim", actor=actor, item_type=case.item_type, item_id=case.item_id,
                 page_id=case.page_id, after={"case": case.pk, "until": case.claimed_until.isoformat()})
    return case


def case_item(case: Case):
    model = Comment if case.item_type == "comment" else Statement
    return model.objects.select_related("page").get(pk=case.item_id)


@transaction.atomic
def case_decide(*, actor, case: Case, outcome: str, reason: str = "", note: str = "") -> Case:
    """Approve (publish) or reject (hide from the public, with a reason from the list and an
    optional note to the author). Exactly one decision per case: a second one is a Conflict
    and changes nothing, as is deciding a case someone else has claimed."""
    require_moderator(actor)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose approve or reject.")]})
    if outcome == Outcome.REJECTED and reason not in RejectReason.values:
        raise ValidationError({"reason": [_("Choose the reason for rejecting it.")]})
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": [_("Keep the note to %(max)s characters or fewer.") % {"max": NOTE_MAX_CHARS}]})
    now = timezone.now()
    decided = Case.objects.filter(
        Q(claimed_by__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=actor),
        pk=case.pk, status=CaseStatus.PENDING,
    ).update(status=CaseStatus.DECIDED, decided_by=actor, decided_at=now, outcome=outcome,
             decision_reason=reason if outcome == Outcome.REJECTED else "", note_to_author=note,
             claimed_by=None, claimed_until=None)
    if not decided:
        current = Case.objects.get(pk=case.pk)
        if current.status != CaseStatus.PENDING:
            raise Conflict(_("Another moderator has already decided this. Nothing was changed."))
        raise Conflict(_("Another moderator is reviewing this. Nothing was changed."))
    item = case_item(case)
    before = item.status
    if isinstance(item, Comment):
        target = CommentStatus.PUBLISHED if outcome == Outcome.APPROVED else CommentStatus.REJECTED
        item = comment_set_status(comment=item, status=target)
    else:
        target = StatementStatus.PUBLISHED if outcome == Outcome.APPROVED else StatementStatus.REJECTED
        item = statement_set_status(statement=item, status=target)
    audit.append(action=f"decision.{outcome}", actor=actor, item=item, page_id=case.page_id, reason=reason,
                 note=note, before={"status": before}, after={"status": item.status, "case": case.pk})
    return Case.objects.get(pk=case.pk)


def cases_decide(*, actor, cases: list[Case], outcome: str, reason: str = "", note: str = "") -> dict:
    """A bulk decision: each case on its own (one conflict does not undo the others)."""
    done, conflicts = [], []
    for case in cases:
        try:
            case_decide(actor=actor, case=case, outcome=outcome, reason=reason, note=note)
            done.append(case.pk)
        except Conflict:
            conflicts.append(case.pk)
    return {"decided": done, "conflicts": conflicts}
