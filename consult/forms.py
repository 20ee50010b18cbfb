"""Forms of the no-JavaScript path. They only shape input; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consult import submissions
from consult.models import Stance
from consult.models.contributions import COMMENT_MAX_CHARS
from consult.selectors import COMMENT_SORTS


class CommentForm(forms.Form):
    stance = forms.ChoiceField(choices=Stance.choices, widget=forms.RadioSelect, label=_("Your position"),
                               error_messages={"required": _("Say whether you support or oppose this, or are "
                                                             "neutral.")})
    text = forms.CharField(
        label=_("Your comment"), strip=False,
        help_text=_("Up to 5,000 characters. You can use *emphasis*, lists, links and > quotes."),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": COMMENT_MAX_CHARS, "dir": "auto"}),
        error_messages={"required": _("Write your comment before sending it.")},
    )
    # This rendering's key, so a repeated POST of it posts nothing twice (consult.submissions).
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(self.fields["text"].error_messages["required"], code="required")
        return text

    def __init__(self, *args, reply: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = submissions.new_key()
        if reply:
            self.fields["text"].label = _("Your reply")
            self.fields["stance"].required = False
            self.fields["stance"].choices = [("", _("No position")), *Stance.choices]
            self.fields["stance"].label = _("Your position (optional)")


class SortForm(forms.Form):
    sort = forms.ChoiceField(choices=[(key, key) for key in COMMENT_SORTS], required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)


class ConsoleForm(forms.Form):
    """One facilitator action (each console button is its own little form)."""

    action = forms.CharField(max_length=20)
    target = forms.CharField(max_length=64, required=False)
