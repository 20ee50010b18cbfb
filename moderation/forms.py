"""The moderation forms of the no-JavaScript path; the rules live in moderation.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import AppealOutcome, FlagReason, Outcome, RejectReason, SanctionKind
from moderation.services import NOTE_MAX_CHARS
from moderation.services_appeals import APPEAL_MAX_CHARS


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong with it?"), choices=FlagReason.choices, required=False,
                               widget=forms.RadioSelect)
    note = forms.CharField(label=_("Anything a moderator should know"), required=False,
                           help_text=_("Needed when you choose “something else”."),
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS, "dir": "auto"}))


class BulkDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=[(Outcome.APPROVED, _("Approve: show it")),
                                                              (Outcome.REJECTED, _("Reject: hide it"))],
                                required=False, widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason for rejecting"), required=False,
                               choices=[("", _("Choose a reason")), *RejectReason.choices],
                               help_text=_("Needed when you reject. The author is told it."))
    note = forms.CharField(label=_("Note to the author"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS, "dir": "auto"}))


class DecisionForm(BulkDecisionForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=[
        (Outcome.APPROVED, _("Approve: show it")), (Outcome.REJECTED, _("Reject: hide it")),
        (Outcome.REDACTED, _("Redact: mask part of it, show the rest"))], required=False, widget=forms.RadioSelect)
    spans = forms.CharField(label=_("Passages to mask"), required=False,
                            help_text=_("Needed when you redact. Copy each passage exactly from the text above, one "
                                        "per line."),
                            widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))
    field_order = ["outcome", "reason", "spans", "note"]


class EscalateForm(forms.Form):
    note = forms.CharField(label=_("What should the officials decide, and why?"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS, "dir": "auto"}))


class AppealForm(forms.Form):
    note = forms.CharField(label=_("Why is the decision wrong?"), required=False,
                           help_text=_("You can appeal once. A moderator who did not make the decision will read "
                                       "this and decide."),
                           widget=forms.Textarea(attrs={"rows": 5, "maxlength": APPEAL_MAX_CHARS, "dir": "auto"}))


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision on the appeal"), required=False, widget=forms.RadioSelect,
                                choices=[(AppealOutcome.REINSTATED, _("Reinstate: publish it as it was")),
                                         (AppealOutcome.UPHELD, _("Uphold the decision"))])
    note = forms.CharField(label=_("Note to the author"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS, "dir": "auto"}))


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=SanctionKind.choices, required=False,
                             widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), required=False,
                               choices=[("", _("Choose a reason")), *RejectReason.choices])
    until = forms.DateField(label=_("Suspended until"), required=False,
                            help_text=_("Needed for a suspension. Format: 2026-12-31."),
                            widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note to the person"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS, "dir": "auto"}))


# Every reason a case can carry: flag reasons and screener holds (consult.screening).
REASON_LABELS = {
    **dict(FlagReason.choices),
    "premoderation": _("Pre-moderated consultation"),
    "links": _("Contains links"),
    "blocked_words": _("Blocked term"),
    "new_account": _("New account"),
    "repeat": _("Repeated text"),
}


class QueueFilterForm(forms.Form):
    page = forms.TypedChoiceField(label=_("Consultation or roundtable"), required=False, coerce=int,
                                  empty_value=None)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("All")), ("fa", _("Persian")), ("en", _("English"))])

    def __init__(self, *args, pages=(), **kwargs):
        """`pages`: (id, title) of the consultations and roundtables with items waiting."""
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("All")), *REASON_LABELS.items()]
        self.fields["page"].choices = [("", _("All")), *((str(pk), title) for pk, title in pages)]
