"""What reports store: analyses computed off the request path, and the link between imported
participants and their ids elsewhere (a Pol.is conversation)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AnalysisKind(models.TextChoices):
    OPINION_GROUPS = "groups", "opinion groups"
    CAMPAIGNS = "campaigns", "campaigns"
    FIGURES = "figures", "dashboard figures"


class PageAnalysis(models.Model):
    """The latest result of one analysis of a page, with the time it was computed and the time
    of the newest input it saw (so the worker knows when it is out of date)."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=AnalysisKind.choices)
    computed_at = models.DateTimeField(default=timezone.now)
    input_until = models.DateTimeField(null=True, blank=True, help_text="The newest vote or comment included.")
    seconds = models.FloatField(default=0, help_text="How long the computation took.")
    state = models.JSONField(default=dict, blank=True, help_text="Carried to the next run (the k hysteresis).")
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "kind"], name="one_analysis_per_page_kind")]

    def __str__(self):
        return f"{self.kind} of page {self.page_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class ExternalParticipant(models.Model):
    """A participant brought in by an import, with the id they had in the source, so results
    can be compared with other tools (`manage.py opinion_groups PAGE --format csv`)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_id")
    source = models.CharField(max_length=120, help_text="e.g. polis:15-per-hour-seattle")
    external_id = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="one_user_per_external_id")]

    def __str__(self):
        return f"{self.source}:{self.external_id}"


class ConsultationArchive(models.Model):
    """The frozen record of a closed consultation (reports.archive): record.json, its readable
    record.html and manifest.json listing both with their SHA-256. `digest` is the SHA-256 of
    manifest.json, published on the consultation page so anyone can check a copy.

    The three files are kept byte for byte (a digest is over bytes, not over parsed JSON). The
    digest covers content only, so archiving unchanged content finds the same row again and moves
    `confirmed_at`; changed content (a response published later, a late moderation decision) adds
    a row and keeps the earlier ones. The current record is the one confirmed last."""

    page = models.ForeignKey("consult.ConsultationPage", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, help_text="SHA-256 of manifest.json (hex).")
    created_at = models.DateTimeField(default=timezone.now, help_text="When this content was first archived.")
    confirmed_at = models.DateTimeField(default=timezone.now,
                                        help_text="When archiving last found the consultation's record unchanged.")
    manifest = models.TextField(help_text="manifest.json, exactly as hashed.")
    record = models.TextField(help_text="record.json (canonical JSON).")
    html = models.TextField(help_text="record.html (self-contained).")
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of the three files together.")

    class Meta:
        ordering = ["-confirmed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["page", "digest"], name="one_archive_per_page_digest")]
        indexes = [models.Index(fields=["page", "-confirmed_at"], name="archive_page_confirmed")]

    def __str__(self):
        return f"record of page {self.page_id}: {self.digest[:12]}…"
