"""Moderation's data: the blocked-terms list and the append-only, hash-chained audit log."""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.textnorm import compact


class BlockedTermQuerySet(models.QuerySet):
    def for_language(self, language: str):
        return self.filter(models.Q(language="") | models.Q(language=language or ""))


class BlockedTerm(models.Model):
    """A word or phrase that holds a contribution for a moderator. Matched after normalisation
    (letter forms, ZWNJ, diacritics, digits, spaces and punctuation inside the word)."""

    LANGUAGES = [("", _("Every language")), ("fa", _("Persian")), ("en", _("English"))]

    term = models.CharField(_("word or phrase"), max_length=100)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, blank=True)
    compact = models.CharField(max_length=100, editable=False, db_index=True)
    note = models.CharField(_("why it is on the list"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = BlockedTermQuerySet.as_manager()

    class Meta:
        ordering = ["language", "term"]
        verbose_name = _("blocked term")
        verbose_name_plural = _("blocked terms")
        constraints = [models.UniqueConstraint(fields=["compact", "language"], name="blocked_term_unique")]

    def __str__(self):
        return self.term

    def save(self, *args, **kwargs):
        self.compact = compact(self.term)
        super().save(*args, **kwargs)

    def clean(self):
        if not compact(self.term):
            raise ValidationError({"term": _("Enter a word or phrase with at least one letter or digit.")})


class AppendOnlyError(Exception):
    """The audit log is never changed or deleted, not even by code."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")

    # bulk paths that would bypass the chain
    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be updated")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("append audit entries one by one with moderation.audit.append")


class AuditEntry(models.Model):
    """One moderation event: who did what to which item, why, the state before and after.

    `digest` is the SHA-256 of this entry's content together with the previous entry's digest,
    so changing or removing any entry breaks every digest after it (`manage.py
    verify_audit_log`). Entries are appended only through moderation.audit.append."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Empty for the system (a screener, a threshold).")
    action = models.CharField(max_length=40)
    item_type = models.CharField(max_length=20, blank=True)
    item_id = models.PositiveBigIntegerField(null=True, blank=True)
    page_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["item_type", "item_id"], name="audit_item")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.item_type}:{self.item_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")

    def content(self) -> dict:
        """What the digest covers: everything but the digests and the row id."""
        return {"created_at": self.created_at.isoformat(), "actor": self.actor_id, "action": self.action,
                "item_type": self.item_type, "item_id": self.item_id, "page_id": self.page_id,
                "reason": self.reason, "note": self.note, "before": self.before, "after": self.after}

    def compute_digest(self) -> str:
        payload = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                             default=str)
        return hashlib.sha256((self.previous_digest + "\n" + payload).encode()).hexdigest()


class AuditHead(models.Model):
    """One row: the digest of the last entry. Appending locks it, so the chain stays a line
    even when moderators act at the same moment in different workers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_digest = models.CharField(max_length=64, default="0" * 64)
    entries = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"audit head after {self.entries} entries"


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Abuse or harassment")
    OFF_TOPIC = "off_topic", _("Off-topic")
    PERSONAL_DATA = "personal_data", _("Personal data")
    OTHER = "other", _("Something else (say what)")


# How urgent a reason is, for the queue's order (flags and screener holds together).
SEVERITY = {"abuse": 3, "personal_data": 3, "spam": 2, "blocked_words": 2, "links": 2, "repeat": 2,
            "off_topic": 1, "other": 1, "new_account": 1, "premoderation": 0}
ITEM_TYPES = [("comment", _("comment")), ("statement", _("statement"))]


class Flag(models.Model):
    """A participant's report of a comment or statement: one per person per item."""

    item_type = models.CharField(max_length=10, choices=ITEM_TYPES)
    item_id = models.PositiveBigIntegerField()
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    flagger = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["item_type", "item_id", "flagger"], name="one_flag_per_person")]
        indexes = [models.Index(fields=["item_type", "item_id"], name="flag_item")]

    def __str__(self):
        return f"{self.reason} flag on {self.item_type}:{self.item_id}"


class CaseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    ESCALATED = "escalated", _("Escalated to an official")
    DECIDED = "decided", _("Decided")


# A case still to be decided: in the moderators' queue, or escalated to officials.
OPEN_STATUSES = (CaseStatus.PENDING, CaseStatus.ESCALATED)


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REDACTED = "redacted", _("Published with part of it masked")


class RejectReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Abuse or harassment")
    OFF_TOPIC = "off_topic", _("Off-topic")
    PERSONAL_DATA = "personal_data", _("Personal data")
    ILLEGAL = "illegal", _("Unlawful content")
    DUPLICATE = "duplicate", _("A repeat of an earlier contribution")


class Case(models.Model):
    """An item in the moderators' queue: a held or flagged contribution, until one decision.

    One pending case per item at a time (a database constraint); a decided case stays as the
    record, and new flags on an approved item open a new case."""

    item_type = models.CharField(max_length=10, choices=ITEM_TYPES)
    item_id = models.PositiveBigIntegerField()
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.PENDING)
    reasons = models.JSONField(default=list, blank=True, help_text="Screener codes and flag reasons, in order.")
    flag_count = models.PositiveIntegerField(default=0)
    hidden_by_flags = models.BooleanField(default=False)
    priority = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    claimed_until = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    decision_reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    note_to_author = models.TextField(blank=True)
    escalated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-priority", "opened_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["item_type", "item_id"],
                                               condition=models.Q(status__in=["pending", "escalated"]),
                                               name="one_open_case_per_item")]
        indexes = [models.Index(fields=["status", "-priority", "opened_at"], name="case_queue_order"),
                   models.Index(fields=["item_type", "item_id"], name="case_item")]

    def __str__(self):
        return f"case {self.pk}: {self.item_type}:{self.item_id} ({self.status})"

    def add_reasons(self, codes) -> None:
        for code in codes:
            if code not in self.reasons:
                self.reasons.append(code)
        severity = max((SEVERITY.get(code, 1) for code in self.reasons), default=0)
        self.priority = severity * 10 + min(self.flag_count, 9)


class Redaction(models.Model):
    """What a redaction masked, kept apart from the public text so that an appeal can restore
    it. The audit log records only the masked spans' digests, never the text itself."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="redaction")
    original = models.TextField()
    spans = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"redaction of case {self.case_id}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    DECIDED = "decided", _("Decided")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Decision upheld")
    REINSTATED = "reinstated", _("Reinstated")


class Appeal(models.Model):
    """An author's one appeal against a rejection or redaction, decided by another moderator."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AppealOutcome.choices, blank=True)
    note_to_author = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_queue")]

    def __str__(self):
        return f"appeal on case {self.case_id} ({self.status})"


class SanctionKind(models.TextChoices):
    WARN = "warn", _("Warning")
    SUSPEND = "suspend", _("Suspension")
    BAN = "ban", _("Ban")


class Sanction(models.Model):
    """A measure against a person, not an item: a warning, a suspension until a date, a ban.
    The one in force is mirrored on the person's profile, which consult's rules enforce."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=SanctionKind.choices)
    reason = models.CharField(max_length=20, choices=RejectReason.choices)
    note = models.TextField(blank=True, help_text="Shown to the person.")
    until = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "-created_at"], name="sanction_person")]

    def __str__(self):
        return f"{self.kind} for {self.person_id}"

    @property
    def in_force(self) -> bool:
        if self.lifted_at or self.kind == SanctionKind.WARN:
            return False
        return self.kind == SanctionKind.BAN or bool(self.until and self.until > timezone.now())


class ModeratorAssignment(models.Model):
    """A person who moderates one consultation or roundtable (global moderators hold the
    moderator role instead). Managed in the Wagtail admin."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("consultation or roundtable"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("moderator"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["page", "user"]
        verbose_name = _("moderator assignment")
        verbose_name_plural = _("moderator assignments")
        constraints = [models.UniqueConstraint(fields=["page", "user"], name="one_assignment_per_page_user")]

    def __str__(self):
        return f"{self.user} moderates {self.page}"
