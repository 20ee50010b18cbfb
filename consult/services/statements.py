"""Writes for statements: short claims people vote agree / disagree / pass on.

A statement is consult content (votes on it live in voting). Seeds come from the page's
`seed_statements` StreamField and are kept in step when the page is published
(consult.statement_seeds); citizens add the others through `statement_create`.
"""

import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Page

from consult import ratelimit, screening
from consult.models import Statement, StatementStatus
from consult.models.contributions import STATEMENT_MAX_CHARS
from consult.rules import is_participant, participant_refusal
from consult.sanitize import clean_line
from consult.services import live


def is_blank(text: str) -> bool:
    """Empty, or only spaces and invisible format characters (zero-width spaces and joiners)."""
    return all(unicodedata.category(ch) in {"Cf", "Zs", "Zl", "Zp"} for ch in text)


def _clean_statement_text(text) -> str:
    text = clean_line(text if isinstance(text, str) else "")
    if is_blank(text):
        raise ValidationError({"text": [_("Write your statement.")]})
    if len(text) > STATEMENT_MAX_CHARS:
        raise ValidationError({"text": [
            _("A statement can be at most %(max)s characters; yours has %(count)s.")
            % {"max": STATEMENT_MAX_CHARS, "count": len(text)}]})
    return text


def statement_create(*, actor, page: Page, text: str) -> Statement:
    """Add a citizen's statement to a consultation or roundtable page.

    Published at once, or pending when screening holds it (a pre-moderated consultation holds
    everything; see consult.screening)."""
    page = page.specific
    if not actor.has_perm("consult.add_statement", page):
        if not is_participant(actor):
            raise PermissionDenied(participant_refusal(
                actor, _("Sign in and set up your participant profile to add statements.")))
        raise PermissionDenied(_("This page is not open for new statements."))
    text = _clean_statement_text(text)
    ratelimit.check(user_id=actor.pk, action="statement")
    holds = screening.screen(screening.Submission(kind="statement", text=text, author=actor, page=page))
    status = StatementStatus.PENDING if holds else StatementStatus.PUBLISHED
    with transaction.atomic():
        statement = Statement.objects.create(page=page, author=actor, text=text, status=status,
                                             screening=[hold.as_dict() for hold in holds])
        if holds:
            screening.held(statement, holds)
        live.statement_created(statement)
    return statement


@transaction.atomic
def statements_sync_seeds(*, page: Page) -> list[Statement]:
    """Create or update one Statement per `seed_statements` block (seed_id = the block id).

    Seeds an editor later removes from the page keep their rows: people have voted on them,
    and the record of a consultation stays whole. An edited seed keeps its votes."""
    page = page.specific
    blocks = getattr(page, "seed_statements", None) or []
    synced = []
    for child in blocks:
        text = clean_line(str(child.value))[:STATEMENT_MAX_CHARS]
        if is_blank(text):
            continue
        statement, created = Statement.objects.get_or_create(
            page_id=page.pk, seed_id=str(child.id),
            defaults={"text": text, "status": StatementStatus.PUBLISHED})
        if not created and statement.text != text:
            statement.text = text
            statement.save(update_fields=["text"])
        synced.append(statement)
    return synced
