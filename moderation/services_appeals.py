"""Appeals: an author asks, once, for a rejection or redaction to be looked at again, and a
moderator other than the one who decided it rules on the appeal. Reinstating publishes the
contribution again (a redaction is undone); upholding keeps the decision, and is final."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.models import Comment
from consult.sanitize import clean_text
from consult.services.moderated import comment_restore, comment_set_status, statement_restore, statement_set_status
from moderation import audit, live, notices
from moderation.models import Appeal, AppealOutcome, AppealStatus, Case, CaseStatus, Outcome, Redaction
from moderation.services import NOTE_MAX_CHARS, Conflict, case_item, require_moderator

APPEAL_MAX_CHARS = 2000
APPEALABLE = (Outcome.REJECTED, Outcome.REDACTED)


def appeal_deadline(case: Case):
    return case.decided_at + datetime.timedelta(days=settings.RAYZAN_APPEAL_DAYS) if case.decided_at else None


def may_appeal(user, case: Case, item=None) -> bool:
    """Is the appeal form for this person: the author, a rejection or redaction, in time, not
    appealed yet. (The service gives the reason when it is not.)"""
    try:
        _check_appeal(user, case, item)
    except (PermissionDenied, ValidationError):
        return False
    return True


def _check_appeal(actor, case: Case, item=None) -> None:
    item = item or case_item(case)
    if not (actor and actor.is_authenticated and item.author_id == actor.pk):
        raise PermissionDenied(_("Only the author of a contribution can appeal a decision about it."))
    if case.status != CaseStatus.DECIDED or case.outcome not in APPEALABLE:
        raise ValidationError({"note": [_("Only a rejection or a redaction can be appealed.")]})
    if Appeal.objects.filter(case=case).exists():
        raise ValidationError({"note": [_("You have already appealed this decision. Each decision can be appealed "
                                          "once.")]})
    if timezone.now() > appeal_deadline(case):
        raise ValidationError({"note": [_("The time to appeal this decision has passed (%(days)s days).")
                                        % {"days": settings.RAYZAN_APPEAL_DAYS}]})


@transaction.atomic
def case_appeal(*, actor, case: Case, note) -> Appeal:
    case = Case.objects.select_for_update().get(pk=case.pk)
    item = case_item(case)
    _check_appeal(actor, case, item)
    note = clean_text(note) if isinstance(note, str) else ""
    if not note:
        raise ValidationError({"note": [_("Say why you think the decision is wrong.")]})
    if len(note) > APPEAL_MAX_CHARS:
        raise ValidationError({"note": [_("Keep your appeal to %(max)s characters or fewer.")
                                        % {"max": APPEAL_MAX_CHARS}]})
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(case=case, appellant=actor, note=note)
    except IntegrityError:
        raise ValidationError({"note": [_("You have already appealed this decision.")]}) from None
    # The appeal's words are the author's and may be personal: the append-only log keeps only
    # their digest (the text itself lives in the Appeal row, which erasure can reach).
    audit.append(action="appeal.filed", actor=actor, item=item, page_id=case.page_id,
                 after={"case": case.pk, "appeal": appeal.pk,
                        "note_sha256": hashlib.sha256(note.encode()).hexdigest()})
    live.queue_changed(case, "appealed")
    return appeal


def require_appeal_judge(actor, appeal: Appeal) -> None:
    require_moderator(actor, appeal.case)
    if appeal.case.decided_by_id == actor.pk:
        raise PermissionDenied(_("You made the decision under appeal: another moderator must decide the appeal."))


def _reinstate(case: Case, item):
    if case.outcome == Outcome.REDACTED:
        redaction = Redaction.objects.filter(case=case).first()
        if redaction is not None:
            if isinstance(item, Comment):
                return comment_restore(comment=item, body=redaction.original)
            return statement_restore(statement=item, text=redaction.original)
    if isinstance(item, Comment):
        return comment_set_status(comment=item, status="published")
    return statement_set_status(statement=item, status="published")


@transaction.atomic
def appeal_decide(*, actor, appeal: Appeal, outcome: str, note: str = "") -> Appeal:
    appeal = Appeal.objects.select_related("case").get(pk=appeal.pk)
    require_appeal_judge(actor, appeal)
    if outcome not in AppealOutcome.values:
        raise ValidationError({"outcome": [_("Choose to uphold the decision or reinstate the contribution.")]})
    note = clean_text(note) if isinstance(note, str) else ""
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError({"note": [_("Keep the note to %(max)s characters or fewer.") % {"max": NOTE_MAX_CHARS}]})
    decided = Appeal.objects.filter(pk=appeal.pk, status=AppealStatus.PENDING).update(
        status=AppealStatus.DECIDED, decided_by=actor, decided_at=timezone.now(), outcome=outcome,
        note_to_author=note)
    if not decided:
        raise Conflict(_("Another moderator has already decided this appeal. Nothing was changed."))
    case = appeal.case
    item = case_item(case)
    before = item.status
    if outcome == AppealOutcome.REINSTATED:
        item = _reinstate(case, item)
    audit.append(action=f"appeal.{outcome}", actor=actor, item=item, page_id=case.page_id, note=note,
                 before={"status": before}, after={"status": item.status, "case": case.pk, "appeal": appeal.pk})
    appeal = Appeal.objects.select_related("case", "appellant__profile").get(pk=appeal.pk)
    notices.appeal_decided(appeal)
    live.queue_changed(case, "appeal_decided")
    return appeal
