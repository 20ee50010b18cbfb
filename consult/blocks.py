"""Blocks of the draft policy, the roundtable agenda and seed statements.

Every StreamField child carries a UUID that Wagtail keeps across edits; comments and
statements anchor to that id, so editing the draft never orphans them.
"""

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
