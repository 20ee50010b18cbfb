"""Blocks of the draft policy, the roundtable agenda and seed statements.

Every StreamField child carries a UUID that Wagtail keeps across edits; comments and
statements anchor to that id, so editing the draft never orphans them.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

SECTION_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "blockquote"]
STATEMENT_MAX_LENGTH = 280


class SectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=255, label=_("Heading"))
    body = blocks.RichTextBlock(features=SECTION_TEXT_FEATURES, label=_("Text"))

    class Meta:
        icon = "doc-full"
        label = _("Section")


class AgendaItemBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=200, label=_("Title"))
    description = blocks.TextBlock(required=False, label=_("Description"))
    duration_minutes = blocks.IntegerBlock(required=False, min_value=1, max_value=600,
                                           label=_("Duration (minutes)"))

    class Meta:
        icon = "list-ol"
        label = _("Agenda item")


class SeedStatementBlock(blocks.CharBlock):
    def __init__(self, **kwargs):
        super().__init__(max_length=STATEMENT_MAX_LENGTH, **kwargs)

    class Meta:
        icon = "openquote"
        label = _("Statement")


class PollKind(blocks.ChoiceBlock):
    def __init__(self, **kwargs):
        super().__init__(choices=[("single", _("Single choice")), ("multiple", _("Multiple choice")),
                                  ("scale", _("Scale from 1 to 5"))], default="single", **kwargs)


class PollBlock(blocks.StructBlock):
    """A poll editors place on a page; responses are keyed by this block's stable id."""

    question = blocks.CharBlock(max_length=300, label=_("Question"))
    kind = PollKind(label=_("Kind of answer"))
    options = blocks.ListBlock(blocks.CharBlock(max_length=200, label=_("Option")), required=False,
                               label=_("Options (for single and multiple choice)"))
    allow_other = blocks.BooleanBlock(required=False, label=_("Allow an “other” answer in the person’s own words"))
    scale_low_label = blocks.CharBlock(required=False, max_length=60, label=_("Label for 1 (scale)"))
    scale_high_label = blocks.CharBlock(required=False, max_length=60, label=_("Label for 5 (scale)"))
    results = blocks.ChoiceBlock(choices=[("after_answer", _("Show results after answering")),
                                          ("after_close", _("Show results only after the consultation closes"))],
                                 default="after_answer", label=_("When results are shown"))

    class Meta:
        icon = "list-ul"
        label = _("Poll")

    def clean(self, value):
        value = super().clean(value)
        if value["kind"] in {"single", "multiple"} and len(value["options"]) < 2:
            raise blocks.StructBlockValidationError(
                block_errors={"options": ValidationError(_("Give at least two options."))})
        return value
