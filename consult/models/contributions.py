"""Citizens' contributions: profiles, comments anchored to sections, statements.

Nothing here is hard-deleted by moderation or by its author: status changes, the record stays.
Tallies (support/oppose, agree/disagree/pass, replies) are caches of rows in voting and of
replies here, updated with F() in the same transaction as the row they count.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult.screening import hold_messages

DISPLAY_NAME_MAX = 40
COMMENT_MAX_CHARS = 5000
STATEMENT_MAX_CHARS = 280
MAX_REPLY_DEPTH = 2  # depth 0 is a comment, 1 a reply, 2 a reply to a reply: three levels


class Profile(models.Model):
    """A participant's public face: a pseudonym, never a real name."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX, verbose_name=_("display name"))
    # The name in consult.textnorm.compact form: spelling variants (ي/ی, ZWNJ, case) collide here.
    display_name_key = models.CharField(max_length=4 * DISPLAY_NAME_MAX, editable=False, default="")
    region = models.ForeignKey("cms.Region", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("region"))
    preferred_language = models.CharField(max_length=8, choices=settings.LANGUAGES,
                                          default=settings.LANGUAGE_CODE, verbose_name=_("preferred language"))
    consent_version = models.CharField(max_length=20, verbose_name=_("terms and privacy notice version"))
    consented_at = models.DateTimeField(verbose_name=_("consented at"))
    created_at = models.DateTimeField(default=timezone.now)
    # Set by moderation's sanctions (consult cannot import moderation): while active, the person
    # reads but cannot write. The messages say why, in each language, as the moderator gave it.
    restriction = models.CharField(max_length=10, blank=True, choices=[("", _("None")),
                                                                       ("suspend", _("Suspended")),
                                                                       ("ban", _("Banned"))])
    restricted_until = models.DateTimeField(null=True, blank=True)
    restriction_messages = models.JSONField(default=dict, blank=True)
    # Set when the person erased their account (consult.accounts.privacy): display_name then
    # holds a random key that only keeps the unique constraints happy, and pages show
    # "Former participant" instead (public_name).
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("participant profile")
        constraints = [
            models.UniqueConstraint(Lower("display_name"), name="profile_display_name_unique_ci"),
            models.UniqueConstraint(fields=["display_name_key"], name="profile_display_name_key_unique"),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        from consult.textnorm import compact

        self.display_name_key = compact(self.display_name)
        if kwargs.get("update_fields") is not None and "display_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "display_name_key"}
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        """The name shown beside their contributions, in the active language once erased."""
        return gettext("Former participant") if self.erased_at else self.display_name

    def restriction_active(self, now=None) -> bool:
        if self.restriction == "ban":
            return True
        if self.restriction == "suspend" and self.restricted_until:
            return self.restricted_until > (now or timezone.now())
        return False


class Stance(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")
    NEUTRAL = "neutral", _("Neutral")


class CommentStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Awaiting moderation")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn by the author")


class Comment(models.Model):
    """A comment on a consultation, anchored to one section (or the whole, when section_id is
    empty) of the page revision it was written against. Replies thread to MAX_REPLY_DEPTH."""

    page = models.ForeignKey("consult.ConsultationPage", on_delete=models.CASCADE, related_name="comments")
    section_id = models.CharField(max_length=64, blank=True)
    page_revision = models.ForeignKey("wagtailcore.Revision", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=0)
    stance = models.CharField(max_length=8, choices=Stance.choices, blank=True)
    body = models.TextField(help_text="The sanitised source (a small Markdown subset).")
    body_html = models.TextField(help_text="body rendered and sanitised (consult.sanitize).")
    status = models.CharField(max_length=10, choices=CommentStatus.choices, default=CommentStatus.PUBLISHED)
    is_official = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    support_count = models.PositiveIntegerField(default=0)
    oppose_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    screening = models.JSONField(default=list, blank=True,
                                 help_text="Why screening held it: [{code, detail}] (consult.screening).")
    redacted_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When a moderator masked part of the text.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["page", "status", "created_at"], name="comment_page_status_created"),
            models.Index(fields=["page", "section_id", "status"], name="comment_page_section_status"),
            models.Index(fields=["author", "created_at"], name="comment_author_created"),
            models.Index(fields=["created_at"], name="comment_created"),  # reports' worker: what is new
        ]
        constraints = [
            models.CheckConstraint(condition=Q(depth__lte=MAX_REPLY_DEPTH), name="comment_depth_max"),
            models.CheckConstraint(condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
                                   name="comment_depth_matches_parent"),
        ]

    def __str__(self):
        return f"Comment {self.pk} on page {self.page_id}"

    @property
    def is_visible_to_public(self) -> bool:
        return self.status in {CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN}

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @property
    def hold_messages(self) -> list[str]:
        """Why it is held, in plain words for its author (empty unless screening held it)."""
        return hold_messages(self.screening) if self.status == CommentStatus.PENDING else []


class CommentEdit(models.Model):
    """An earlier version of a comment, kept when its author edits it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    body_html = models.TextField()
    stance = models.CharField(max_length=8, choices=Stance.choices, blank=True)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["replaced_at", "pk"]

    def __str__(self):
        return f"Earlier version of comment {self.comment_id}"


class StatementStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Awaiting moderation")
    REJECTED = "rejected", _("Rejected")


class Statement(models.Model):
    """A short claim people vote agree / disagree / pass on (Pol.is style). Seeds come from
    the page's seed_statements StreamField (seed_id is the block id); citizens add others."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="statements")
    seed_id = models.CharField(max_length=64, blank=True)
    text = models.CharField(max_length=STATEMENT_MAX_CHARS)
    status = models.CharField(max_length=10, choices=StatementStatus.choices, default=StatementStatus.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    pass_count = models.PositiveIntegerField(default=0)
    screening = models.JSONField(default=list, blank=True,
                                 help_text="Why screening held it: [{code, detail}] (consult.screening).")
    redacted_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When a moderator masked part of the text.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["page", "status", "created_at"], name="statement_page_status")]
        constraints = [
            models.UniqueConstraint(fields=["page", "seed_id"], condition=~Q(seed_id=""),
                                    name="statement_one_row_per_seed"),
        ]

    def __str__(self):
        return self.text

    @property
    def hold_messages(self) -> list[str]:
        return hold_messages(self.screening) if self.status == StatementStatus.PENDING else []

    @property
    def vote_count(self) -> int:
        return self.agree_count + self.disagree_count + self.pass_count
