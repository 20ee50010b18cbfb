"""Consultation and roundtable pages: the domain that editors publish."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import RICH_TEXT_FEATURES
from consult.blocks import AgendaItemBlock, PollBlock, SectionBlock, SeedStatementBlock


class ConsultationStatus(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ModerationMode(models.TextChoices):
    POST = "post", _("Post-moderation: contributions appear at once and are reviewed afterwards")
    PRE = "pre", _("Pre-moderation: contributions appear after a moderator approves them")


class RoundtableState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")


class ConsultationIndexPage(Page):
    """Lists consultations and roundtables with filters (see consult.views)."""

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES, verbose_name=_("introduction"))

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["consult.ConsultationPage", "consult.RoundtablePage"]
    parent_page_types = ["cms.HomePage"]

    class Meta:
        verbose_name = _("consultation index")

    def serve(self, request, *args, **kwargs):
        from consult.views import consultation_index

        return consultation_index(request, self)


class ConsultationPage(Page):
    """A draft policy split into sections, open for comment between two dates."""

    summary = models.TextField(verbose_name=_("summary"))
    introduction = RichTextField(blank=True, features=RICH_TEXT_FEATURES, verbose_name=_("introduction"))
    sections = StreamField([("section", SectionBlock())], verbose_name=_("draft sections"))
    seed_statements = StreamField([("statement", SeedStatementBlock())], blank=True,
                                  verbose_name=_("seed statements"),
                                  help_text=_("Short claims people vote agree, disagree or pass on."))
    polls = StreamField([("poll", PollBlock())], blank=True, verbose_name=_("polls"))
    opens_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opens at"))
    closes_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closes at"))
    moderation_mode = models.CharField(
        max_length=8, choices=ModerationMode.choices, default=ModerationMode.POST,
        verbose_name=_("moderation mode"),
    )
    topics = ParentalManyToManyField("cms.Topic", blank=True, related_name="consultations",
                                     verbose_name=_("topics"))
    region = models.ForeignKey("cms.Region", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("region"))
    agency = models.CharField(max_length=255, blank=True, verbose_name=_("responsible office"))
    contact_email = models.EmailField(blank=True, verbose_name=_("contact e-mail"))
    contact_details = models.TextField(blank=True, verbose_name=_("contact details"))
    source_reference = models.CharField(max_length=255, blank=True, verbose_name=_("source reference"),
                                        help_text=_("For example the official gazette number of the document."))
    flag_threshold = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)], verbose_name=_("flags that hide"),
        help_text=_("When this many people report a contribution, it is hidden until a moderator decides."))
    official_response = RichTextField(blank=True, features=RICH_TEXT_FEATURES,
                                      verbose_name=_("official response"))
    response_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("response due by"),
        help_text=_("Leave empty for the default: a set number of days after closing (RAYZAN_RESPONSE_DAYS)."))
    response_published_at = models.DateTimeField(null=True, blank=True,
                                                 verbose_name=_("response published at"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("introduction"),
        FieldPanel("sections"),
        FieldPanel("seed_statements"),
        FieldPanel("polls"),
        MultiFieldPanel([FieldPanel("opens_at"), FieldPanel("closes_at"), FieldPanel("moderation_mode"),
                          FieldPanel("flag_threshold")],
                        heading=_("Participation")),
        MultiFieldPanel([FieldPanel("topics"), FieldPanel("region")], heading=_("Classification")),
        MultiFieldPanel([FieldPanel("agency"), FieldPanel("contact_email"), FieldPanel("contact_details"),
                         FieldPanel("source_reference")], heading=_("Responsible office")),
        MultiFieldPanel([FieldPanel("official_response"), FieldPanel("response_published_at"),
                         FieldPanel("response_due_at")],
                        heading=_("Official response")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("sections")]
    parent_page_types = ["consult.ConsultationIndexPage"]
    subpage_types = []
    template = "consult/consultation_page.html"

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})

    def status_at(self, now=None) -> str:
        now = now or timezone.now()
        if self.opens_at is None or now < self.opens_at:
            return ConsultationStatus.UPCOMING
        if self.closes_at is not None and now >= self.closes_at:
            return ConsultationStatus.CLOSED
        return ConsultationStatus.OPEN

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def response_deadline(self):
        """When the official response is due: set by the editor, or RAYZAN_RESPONSE_DAYS after closing."""
        if self.response_due_at:
            return self.response_due_at
        if self.closes_at:
            return self.closes_at + datetime.timedelta(days=settings.RAYZAN_RESPONSE_DAYS)
        return None

    @property
    def response_overdue(self) -> bool:
        deadline = self.response_deadline
        return bool(deadline and not self.response_published_at and timezone.now() > deadline)

    @property
    def status_label(self):
        return ConsultationStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.OPEN

    @cached_property
    def section_list(self) -> list[dict]:
        """Sections as plain dicts with their stable ids, in order."""
        result = []
        for number, child in enumerate(self.sections, start=1):
            if child.block_type != "section":
                continue
            result.append({
                "id": str(child.id),
                "number": number,
                "heading": child.value["heading"],
                "body": child.value["body"],
                "anchor": f"section-{child.id}",
            })
        return result

    def section_by_id(self, section_id: str):
        return next((s for s in self.section_list if s["id"] == str(section_id)), None)

    def get_context(self, request, *args, **kwargs):
        from consult.selectors import section_comment_stats

        context = super().get_context(request, *args, **kwargs)
        from consult.events import current_seq

        context["live_seq"] = current_seq(self.pk)  # first: what is read after it is then never missed
        context["sections"] = self.section_list
        from consult.models.responses import OfficialResponse

        published = (OfficialResponse.objects.filter(page=self, published_at__isnull=False).first()
                     if self.response_published_at else None)  # no query until a response exists
        context["response_sections"] = published.published_by_section() if published else {}
        context["stats"] = section_comment_stats(self)
        return context


class RoundtablePage(Page):
    """A scheduled live session with an agenda, seed statements and facilitators."""

    summary = models.TextField(verbose_name=_("summary"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ends at"))
    venue = models.CharField(max_length=255, blank=True, verbose_name=_("venue"),
                             help_text=_("Where people can attend in person, if anywhere."))
    agenda = StreamField([("item", AgendaItemBlock())], blank=True, verbose_name=_("agenda"))
    seed_statements = StreamField([("statement", SeedStatementBlock())], blank=True,
                                  verbose_name=_("seed statements"))
    polls = StreamField([("poll", PollBlock())], blank=True, verbose_name=_("polls"))
    state = models.CharField(max_length=12, choices=RoundtableState.choices,
                             default=RoundtableState.SCHEDULED, verbose_name=_("state"))
    current_agenda_item = models.CharField(max_length=64, blank=True, verbose_name=_("current agenda item"))
    # "statement:<id>" or "comment:<id>": what the facilitator put on the big screen.
    spotlight = models.CharField(max_length=40, blank=True, verbose_name=_("spotlight"))
    # poll block id -> "open" or "closed", as the facilitator set it; a poll not named is not open yet.
    poll_states = models.JSONField(default=dict, blank=True, verbose_name=_("poll states"))
    topics = ParentalManyToManyField("cms.Topic", blank=True, related_name="roundtables",
                                     verbose_name=_("topics"))
    region = models.ForeignKey("cms.Region", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("region"))
    # The draft this session talks about, if any: its facilitators can spotlight its comments.
    consultation = models.ForeignKey(
        "consult.ConsultationPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="roundtables",
        verbose_name=_("consultation discussed"),
        help_text=_("Facilitators can put this consultation's comments in the spotlight."))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("consultation"),
        MultiFieldPanel([FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("venue")],
                        heading=_("Schedule")),
        FieldPanel("agenda"),
        FieldPanel("seed_statements"),
        FieldPanel("polls"),
        InlinePanel("facilitators", label=_("Facilitators")),
        MultiFieldPanel([FieldPanel("topics"), FieldPanel("region")], heading=_("Classification")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("agenda")]
    parent_page_types = ["consult.ConsultationIndexPage"]
    subpage_types = []
    template = "consult/roundtable_page.html"

    class Meta:
        verbose_name = _("roundtable")
        verbose_name_plural = _("roundtables")

    # The session's live state belongs to the facilitator console (consult.services.roundtables),
    # not to the page's revisions: publishing an edit during a session must not rewind it.
    SESSION_FIELDS = ("state", "current_agenda_item", "spotlight", "poll_states")

    def with_content_json(self, content):
        page = super().with_content_json(content)
        for name in self.SESSION_FIELDS:
            setattr(page, name, getattr(self, name))
        return page

    @property
    def state_label(self):
        return RoundtableState(self.state).label

    @cached_property
    def agenda_items(self) -> list[dict]:
        return [
            {"id": str(child.id), "number": n, **child.value}
            for n, child in enumerate(self.agenda, start=1)
        ]

    @cached_property
    def statements(self) -> list[dict]:
        return [{"id": str(child.id), "text": child.value} for child in self.seed_statements]

    def get_context(self, request, *args, **kwargs):
        from consult.events import current_seq
        from consult.services.roundtables import roundtable_state

        context = super().get_context(request, *args, **kwargs)
        context["live_seq"] = current_seq(self.pk)
        context["session"] = roundtable_state(self)
        user = getattr(request, "user", None)
        context["can_facilitate"] = bool(user and user.has_perm("consult.facilitate_roundtable", self))
        return context

    @property
    def current_item(self) -> dict | None:
        return next((item for item in self.agenda_items if item["id"] == self.current_agenda_item), None)


class RoundtableFacilitator(Orderable):
    page = ParentalKey(RoundtablePage, on_delete=models.CASCADE, related_name="facilitators")
    name = models.CharField(max_length=120, verbose_name=_("name"))
    role = models.CharField(max_length=120, blank=True, verbose_name=_("role"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("account"),
                             help_text=_("The account that may run the facilitator console."))

    panels = [FieldPanel("name"), FieldPanel("role"), FieldPanel("user")]

    class Meta(Orderable.Meta):
        verbose_name = _("facilitator")

    def __str__(self):
        return self.name


class SearchEntry(models.Model):
    """One searchable unit (a page, or one section of a consultation), normalised.

    `text` is normalised with consult.textnorm.normalise (letters, digits, diacritics, ZWNJ);
    `compact` is the same with every space removed, so "می‌شود", "می شود" and "میشود" meet.
    """

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    locale = models.ForeignKey("wagtailcore.Locale", on_delete=models.CASCADE, related_name="+")
    section_id = models.CharField(max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=255)
    snippet = models.TextField()
    text = models.TextField()
    compact = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["locale", "page"])]
        constraints = [models.UniqueConstraint(fields=["page", "section_id"], name="search_entry_unique")]

    def __str__(self):
        return self.title


def html_to_text(html) -> str:
    return strip_tags(str(html)).replace("&nbsp;", " ")
