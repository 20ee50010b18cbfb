"""consult's commands on the live socket (see settings.RAYZAN_LIVE_COMMANDS)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from consult import selectors
from consult.representations import statement_data
from consult.services.statements import statement_create


def statement_command(*, actor, page_id: int, message: dict) -> dict:
    """`{"type": "statement", "text": "..."}`: add a statement, exactly as the API does."""
    page = selectors.live_page_for_stream(page_id)
    if page is None:
        raise Http404
    text = message.get("text")
    if not isinstance(text, str):
        raise ValidationError({"text": [_("Write the statement as text.")]})
    return statement_data(statement_create(actor=actor, page=page, text=text))
