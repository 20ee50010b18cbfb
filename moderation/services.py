"""Moderation's writes on cases: flags, claims, decisions (approve, reject, redact) and
escalation to officials. Every one checks its rule here, appends to the audit log in the same
transaction, tells the author (moderation.notices) and the moderators' live queue
(moderation.live). Appeals and sanctions live in services_appeals and services_sanctions."""

import datetime
import hashlib

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
from consult.services.moderated import (
    check_spans,
    comment_redact,
    comment_set_status,
    statement_redact,
    statement_set_status,
)
from moderation import audit, live, notices
from moderation.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Flag,
    FlagReason,
    Outcome,
    Redaction,
    RejectReason,
)

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
    case = Case.objects.select_for_update().filter(item_type=kind, item_id=item.pk, status__in=OPEN_STATUSES).first()
    opened = case is None
    if opened:
        try:
            with transaction.atomic():
                case = Case.objects.create(item_type=kind, item_id=item.pk, page_id=item.page_id,
                                           language=_language(item.page))
        except IntegrityError:  # opened at the same moment by another request
            opened = False
            case = Case.objects.select_for_update().get(item_type=kind, item_id=item.pk, status__in=OPEN_STATUSES)
    case.flag_count += flags
    case.add_reasons(codes)
    case.save(update_fields=["flag_count", "reasons", "priority"])
    live.queue_changed(case, "opened" if opened else "updated")
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

def require_moderator(actor, page=None) -> None:
    """The one check for every moderation page and endpoint, reads included: without `page`,
    may this person see the queue at all; with it (a case, an item or a page id), may they
    decide that page's cases."""
    if page is None:
        allowed = actor.has_perm("moderation.moderate")
    else:
        allowed = actor.has_perm("moderation.moderate_page", page)
    if not allowed:
        raise PermissionDenied(_("Only moderators of this consultation can review its contributions."))


def require_decider(actor, case: Case) -> None:
    """Moderators of the page decide pending cases; officials decide escalated ones."""
    if case.status == CaseStatus.ESCALATED:
        if not actor.has_perm("moderation.decide_escalated"):
            raise PermissionDenied(_("A moderator escalated this to the officials: an official decides it."))
        return
    require_moderator(actor, case)


def _claimable(actor, now):
    return Q(claimed_by__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=actor)


@transaction.atomic
def case_claim(*, actor, case: Case) -> Case:
    """Claim an open case for CLAIM_MINUTES so no one else works on it meanwhile (claiming
    again extends one's own claim). Conflict when someone else holds it."""
    require_decider(actor, case)
    now = timezone.now()
    claimed = Case.objects.filter(_claimable(actor, now), pk=case.pk, status__in=OPEN_STATUSES).update(
        claimed_by=actor, claimed_until=now + datetime.timedelta(minutes=CLAIM_MINUTES))
    case = Case.objects.select_related("claimed_by__profile").get(pk=case.pk)
    if not claimed:
        if case.status not in OPEN_STATUSES:
            raise Conflict(_("Another moderator has already decided this."))
        raise Conflict(_("Another moderator is reviewing this. It is yours to take if they have not decided "
                         "by %(time)s.") % {"time": timezone.localtime(case.claimed_until).strftime("%H:%M")})
    audit.append(action="case.claim", actor=actor, item_type=case.item_type, item_id=case.item_id,
                 page_id=case.page_id, after={"case": case.pk, "until": case.claimed_until.isoformat()})
    live.queue_changed(case, "claimed")
    return case


def case_item(case: Case):
    model = Comment if case.item_type == "comment" else Statement
    return model.objects.select_related("page", "author__profile").get(pk=case.item_id)


def clean_note(note, *, required_message: str = "") -> str:
    note = clean_line(note) if isinstance(note, str) else ""
    if required_message and not note:
        raise ValidationError({"note": [required_message]})
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": [_("Keep the note to %(max)s characters or fewer.") % {"max": NOTE_MAX_CHARS}]})
    return note


def _clean_decision(outcome, reason, spans) -> list[str]:
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Choose approve, reject or redact.")]})
    if outcome == Outcome.REJECTED and reason not in RejectReason.values:
        raise ValidationError({"reason": [_("Choose the reason for rejecting it.")]})
    if outcome == Outcome.REDACTED:
        if reason and reason not in RejectReason.values:
            raise ValidationError({"reason": [_("Choose a reason from the list.")]})
        if isinstance(spans, str):
            spans = spans.splitlines()
        if not isinstance(spans, list | tuple) or not any(isinstance(s, str) and s.strip() for s in spans):
            raise ValidationError({"spans": [_("Copy the words to mask from the text, one passage per line.")]})
        return list(spans)
    return []


def _apply(case: Case, item, outcome: str, spans: list[str]):
    """Carry the decision out on the item (consult owns what a status change means)."""
    if outcome == Outcome.REDACTED:
        if isinstance(item, Comment):
            item, original = comment_redact(comment=item, spans=spans)
        else:
            item, original = statement_redact(statement=item, spans=spans)
        Redaction.objects.create(case=case, original=original, spans=len(spans))
        return item
    if isinstance(item, Comment):
        target = CommentStatus.PUBLISHED if outcome == Outcome.APPROVED else CommentStatus.REJECTED
        return comment_set_status(comment=item, status=target)
    target = StatementStatus.PUBLISHED if outcome == Outcome.APPROVED else StatementStatus.REJECTED
    return statement_set_status(statement=item, status=target)


@transaction.atomic
def case_decide(*, actor, case: Case, outcome: str, reason: str = "", note: str = "", spans=()) -> Case:
    """Approve (publish), reject (hide from the public, with a reason from the list and an
    optional note to the author) or redact (mask the given passages, publish the rest).
    Exactly one decision per case: a second one is a Conflict and changes nothing, as is
    deciding a case someone else has claimed."""
    case = Case.objects.get(pk=case.pk)
    require_decider(actor, case)
    if case.status not in OPEN_STATUSES:
        raise Conflict(_("Another moderator has already decided this. Nothing was changed."))
    spans = _clean_decision(outcome, reason, spans)
    note = clean_note(note)
    item = case_item(case)
    if outcome == Outcome.REDACTED:  # validate the passages before anything changes
        check_spans(item.body if isinstance(item, Comment) else item.text, spans)
    now = timezone.now()
    decided = Case.objects.filter(_claimable(actor, now), pk=case.pk, status=case.status).update(
        status=CaseStatus.DECIDED, decided_by=actor, decided_at=now, outcome=outcome,
        decision_reason=reason if outcome != Outcome.APPROVED else "", note_to_author=note,
        claimed_by=None, claimed_until=None)
    if not decided:
        current = Case.objects.get(pk=case.pk)
        if current.status not in OPEN_STATUSES or current.status != case.status:
            raise Conflict(_("Another moderator has already decided this. Nothing was changed."))
        raise Conflict(_("Another moderator is reviewing this. Nothing was changed."))
    before = item.status
    item = _apply(case, item, outcome, spans)
    after = {"status": item.status, "case": case.pk}
    if outcome == Outcome.REDACTED:  # what was masked, by digest only: the log keeps no personal data
        after["masked"] = [hashlib.sha256(span.strip().encode()).hexdigest() for span in spans if span.strip()]
    audit.append(action=f"decision.{outcome}", actor=actor, item=item, page_id=case.page_id, reason=reason,
                 note=note, before={"status": before}, after=after)
    case = Case.objects.get(pk=case.pk)
    if item.author_id and (outcome != Outcome.APPROVED or before != "published"):
        notices.case_decided(case, item.author)
    live.queue_changed(case, "decided")
    return case


def cases_decide(*, actor, cases: list[Case], outcome: str, reason: str = "", note: str = "") -> dict:
    """A bulk decision (approve or reject): each case on its own, one conflict or refusal does
    not undo the others."""
    if outcome == Outcome.REDACTED:
        raise ValidationError({"outcome": [_("Redact items one at a time: each needs its own passages.")]})
    done, conflicts, refused = [], [], []
    for case in cases:
        try:
            case_decide(actor=actor, case=case, outcome=outcome, reason=reason, note=note)
            done.append(case.pk)
        except Conflict:
            conflicts.append(case.pk)
        except PermissionDenied:
            refused.append(case.pk)
    return {"decided": done, "conflicts": conflicts, "refused": refused}


@transaction.atomic
def case_escalate(*, actor, case: Case, note: str = "") -> Case:
    """Hand a pending case to the officials (a legal question, a threat, a public figure): it
    stays hidden until an official decides, and the officials are told."""
    case = Case.objects.get(pk=case.pk)
    if case.status != CaseStatus.PENDING:
        raise Conflict(_("This is no longer waiting for a moderator. Nothing was changed."))
    require_moderator(actor, case)
    note = clean_note(note, required_message=_("Say what the officials should decide, and why."))
    now = timezone.now()
    changed = Case.objects.filter(_claimable(actor, now), pk=case.pk, status=CaseStatus.PENDING).update(
        status=CaseStatus.ESCALATED, escalated_by=actor, escalated_at=now, escalation_note=note,
        claimed_by=None, claimed_until=None)
    if not changed:
        raise Conflict(_("Another moderator is reviewing this. Nothing was changed."))
    item = case_item(case)
    if item.status == "published":  # still public (flags below the threshold): hide it meanwhile
        _hide(item)
    case = Case.objects.get(pk=case.pk)
    audit.append(action="case.escalate", actor=actor, item_type=case.item_type, item_id=case.item_id,
                 page_id=case.page_id, note=note, before={"status": CaseStatus.PENDING},
                 after={"status": CaseStatus.ESCALATED, "case": case.pk})
    notices.case_escalated(case)
    live.queue_changed(case, "escalated")
    return case
