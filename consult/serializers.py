"""Serializers of the public read API (/api/v1/): query validation and page rendering.

They validate and render only; the querysets come from consult.api. Every field that needs a
request (absolute URLs) takes it from the serializer context.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from consult.models import (
    ConsultationPage,
    ConsultationStatus,
    ModerationMode,
    RoundtablePage,
    RoundtableState,
)
from consult.selectors import participation_status

MAX_ID = 2**31 - 1  # Page ids are 32-bit; larger values would overflow some databases' integers
SEQ_HELP = _("The page's current event sequence number: subscribe to /ws/live/<id>/?after=<seq> "
             "to receive every later event without a gap.")


# --- query parameters -------------------------------------------------------------------------

class _QuerySerializer(serializers.Serializer):
    """Validates a QueryDict: each parameter at most once (a repeated filter is ambiguous)."""

    def to_internal_value(self, data):
        getlist = getattr(data, "getlist", None)
        if getlist is not None:
            repeated = {name: [_("Give this parameter only once.")]
                        for name in self.fields if len(getlist(name)) > 1}
            if repeated:
                raise serializers.ValidationError(repeated)
        return super().to_internal_value(data)


class PagingQuerySerializer(_QuerySerializer):
    """`page` and `page_size`; validated here so a bad value is a 400, not DRF's silent fallback.

    Not listed in the schema's parameters (the paginator documents them already)."""

    page = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)


class _ListingQuerySerializer(_QuerySerializer):
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                     help_text=_("Only pages about this topic (a topic id)."))
    region = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                      help_text=_("Only pages about this region (a region id)."))
    lang = serializers.ChoiceField(choices=[code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES],
                                   required=False, help_text=_("Only pages in this language."))


class ConsultationQuerySerializer(_ListingQuerySerializer):
    status = serializers.ChoiceField(choices=ConsultationStatus.choices, required=False,
                                     help_text=_("Only consultations with this participation status."))


class RoundtableQuerySerializer(_ListingQuerySerializer):
    status = serializers.ChoiceField(
        choices=ConsultationStatus.choices, required=False,
        help_text=_("Only roundtables with this participation status (upcoming = scheduled, "
                    "open = live, closed = ended)."))
    state = serializers.ChoiceField(choices=RoundtableState.choices, required=False,
                                    help_text=_("Only roundtables in this state."))


# --- shared pieces ----------------------------------------------------------------------------

class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TranslationLinkSerializer(serializers.Serializer):
    language = serializers.CharField(source="locale.language_code")
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, page):
        return page.get_full_url(self.context.get("request"))


class _PageSerializer(serializers.Serializer):
    # Fields every published consultation and roundtable has. (A comment, not a docstring:
    # drf-spectacular would copy a docstring into every component's description.)

    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    language = serializers.CharField(source="locale.language_code")
    summary = serializers.CharField()
    url = serializers.SerializerMethodField(help_text=_("The public page."))
    topics = NamedSerializer(many=True, source="topics.all")
    region = NamedSerializer(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, page):
        return page.get_full_url(self.context.get("request"))

    def _now(self):
        # One instant for the whole response, so every item's status agrees with the filter.
        if "now" not in self.context:
            self.context["now"] = timezone.now()
        return self.context["now"]


def _translations_field():
    return serializers.SerializerMethodField(
        help_text=_("Published translations of this page (not including itself)."))


def _seq_field():
    return serializers.SerializerMethodField(help_text=SEQ_HELP)


class _DetailMixin:
    """`translations` and `seq`, declared last in each detail serializer so they come last."""

    @extend_schema_field(TranslationLinkSerializer(many=True))
    def get_translations(self, page):
        pages = (page.get_translations().live().public()
                 .select_related("locale").order_by("locale__language_code"))
        return TranslationLinkSerializer(pages, many=True, context=self.context).data

    @extend_schema_field(serializers.IntegerField(min_value=0, help_text=SEQ_HELP))
    def get_seq(self, page):
        from consult.events import current_seq

        return current_seq(page.pk)


# --- consultations ----------------------------------------------------------------------------

class ConsultationListSerializer(_PageSerializer):
    """A consultation as listed: enough to show a card and link to it."""

    status = serializers.SerializerMethodField()
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    section_count = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=ConsultationStatus.choices))
    def get_status(self, page: ConsultationPage):
        return page.status_at(self._now())

    @extend_schema_field(OpenApiTypes.INT)
    def get_section_count(self, page: ConsultationPage):
        # The raw stream data: counting needs no block conversion.
        return sum(1 for block in page.sections.raw_data if block.get("type") == "section")


class SectionSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text=_("The section's stable block id; comments anchor to it."))
    number = serializers.IntegerField()
    heading = serializers.CharField()
    body = serializers.CharField(help_text=_("HTML."))
    anchor = serializers.CharField()
    url = serializers.URLField()


class ConsultationDetailSerializer(_DetailMixin, ConsultationListSerializer):
    """A consultation with its sections, translations and live-stream position."""

    introduction = serializers.SerializerMethodField(help_text=_("HTML."))
    agency = serializers.CharField()
    contact_email = serializers.EmailField(allow_blank=True)
    contact_details = serializers.CharField(allow_blank=True)
    source_reference = serializers.CharField(allow_blank=True)
    moderation_mode = serializers.ChoiceField(choices=ModerationMode.choices)
    official_response = serializers.SerializerMethodField(
        help_text=_("HTML; empty until an official answers."))
    response_published_at = serializers.DateTimeField(allow_null=True)
    sections = serializers.SerializerMethodField()
    translations = _translations_field()
    seq = _seq_field()

    @extend_schema_field(OpenApiTypes.STR)
    def get_introduction(self, page):
        return expand_db_html(page.introduction)

    @extend_schema_field(OpenApiTypes.STR)
    def get_official_response(self, page):
        return expand_db_html(page.official_response)

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, page: ConsultationPage):
        page_url = page.get_full_url(self.context.get("request")) or ""
        return [
            {**section, "body": str(section["body"]), "url": f"{page_url}#{section['anchor']}"}
            for section in page.section_list
        ]


# --- roundtables ------------------------------------------------------------------------------

class RoundtableListSerializer(_PageSerializer):
    """A roundtable as listed: enough to show a card and link to it."""

    state = serializers.ChoiceField(choices=RoundtableState.choices)
    status = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    venue = serializers.CharField(allow_blank=True)

    @extend_schema_field(serializers.ChoiceField(choices=ConsultationStatus.choices))
    def get_status(self, page: RoundtablePage):
        return participation_status(page)


class AgendaItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True, allow_null=True)
    duration_minutes = serializers.IntegerField(allow_null=True)


class SeedStatementSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField()


class FacilitatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField(allow_blank=True)


class RoundtableDetailSerializer(_DetailMixin, RoundtableListSerializer):
    """A roundtable with its agenda, seed statements, facilitators, translations and live-stream position."""

    current_agenda_item = serializers.CharField(
        allow_blank=True, help_text=_("The id of the agenda item under discussion, if any."))
    agenda = serializers.SerializerMethodField()
    seed_statements = serializers.SerializerMethodField()
    facilitators = FacilitatorSerializer(many=True, source="facilitators.all")
    consultation = serializers.IntegerField(
        source="consultation_id", allow_null=True,
        help_text=_("The consultation this roundtable discusses: facilitators may spotlight its comments "
                    "(`comment:<id>` in the control endpoint)."))
    translations = _translations_field()
    seq = _seq_field()

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_agenda(self, page: RoundtablePage):
        return AgendaItemSerializer(page.agenda_items, many=True).data

    @extend_schema_field(SeedStatementSerializer(many=True))
    def get_seed_statements(self, page: RoundtablePage):
        return SeedStatementSerializer(page.statements, many=True).data
