"""The official response to a consultation, structured: a summary and a response per section
("you said, we did"), each linked to the comments and campaigns it answers.

The published summary is also written into the page's `official_response` through a page
revision, so the page history keeps every published version and the live stream announces
it (response.published)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class OfficialResponse(models.Model):
    page = models.OneToOneField("consult.ConsultationPage", on_delete=models.CASCADE,
                                related_name="structured_response")
    summary = models.TextField(blank=True, help_text="Source text (the comments' Markdown subset).")
    summary_html = models.TextField(blank=True)
    # [{"section_id", "body", "body_html", "comments": [ids], "campaigns": [representative comment ids]}]
    sections = models.JSONField(default=list, blank=True)
    # What readers see: the sections as they were last published (a later draft does not leak).
    published_sections = models.JSONField(default=list, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    def __str__(self):
        return f"Official response to page {self.page_id}"

    def section(self, section_id: str) -> dict | None:
        return next((s for s in self.sections if s.get("section_id") == section_id), None)

    def published_by_section(self) -> dict[str, dict]:
        return {s["section_id"]: s for s in self.published_sections}
