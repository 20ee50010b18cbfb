"""A person's notifications: what happened to their contributions, in their language.

Other apps (moderation, reports) write them through consult.services.notifications, rendering
the text under the recipient's preferred language at the time, so the in-app copy and the
e-mail say the same thing in the language the person chose."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, help_text="What happened, e.g. moderation.rejected.")
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True, help_text="Where to read more or act (a site path).")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_pending = models.BooleanField(default=False, help_text="To be mailed by the background worker (bulk "
                                                                 "notices such as a published response).")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"
