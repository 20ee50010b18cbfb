"""The statement form of the no-JavaScript path. Its content rules live in the service
(consult.services.statements), so the form and the API give the same messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consult.models.contributions import STATEMENT_MAX_CHARS


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Add a statement"), required=False, strip=False,
        help_text=_("One short claim that others can agree or disagree with, in at most 280 characters."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": STATEMENT_MAX_CHARS, "dir": "auto",
                                     "data-char-count": STATEMENT_MAX_CHARS}),
    )

    def __init__(self, *args, page_id: int | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"statement-{page_id}-%s" if page_id else "id_%s")
        super().__init__(*args, **kwargs)
