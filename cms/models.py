"""The generic Wagtail site: home, standard pages, snippets and site settings."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, TranslatableMixin
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from cms.blocks import RICH_TEXT_FEATURES, body_blocks


class HomePage(Page):
    """The root of each language's tree. Lists open consultations first (see its template)."""

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES, verbose_name=_("introduction"))
    body = StreamField(body_blocks(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")


class StandardPage(Page):
    """An ordinary content page: about, how to take part, privacy notice."""

    intro = models.TextField(blank=True, verbose_name=_("introduction"))
    body = StreamField(body_blocks(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("standard page")


@register_snippet
class Topic(TranslatableMixin, models.Model):
    """A policy area (transport, budget, health…) used to filter consultations."""

    name = models.CharField(max_length=80, verbose_name=_("name"))
    slug = models.SlugField(max_length=80, allow_unicode=True, verbose_name=_("slug"))

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self):
        return self.name


@register_snippet
class Region(TranslatableMixin, models.Model):
    """A place a consultation concerns, and later where a participant lives."""

    name = models.CharField(max_length=80, verbose_name=_("name"))
    code = models.SlugField(max_length=40, verbose_name=_("code"))

    panels = [FieldPanel("name"), FieldPanel("code")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self):
        return self.name


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """What the footer and the contact line say, editable without a deploy."""

    organisation_name = models.CharField(max_length=120, blank=True, verbose_name=_("organisation name"))
    contact_email = models.EmailField(blank=True, verbose_name=_("contact e-mail"))
    footer_text = models.TextField(blank=True, verbose_name=_("footer text"))

    panels = [FieldPanel("organisation_name"), FieldPanel("contact_email"), FieldPanel("footer_text")]

    class Meta:
        verbose_name = _("site settings")
