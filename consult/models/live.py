"""The live event log: every durable change on a page, numbered per page with no gaps.

A write appends its event in the same transaction as the change (consult.events.record), taking
the page's next `seq` from its LiveStream row. The row stays locked until the transaction
commits, so events commit in `seq` order: a client that saw `seq` n live and resumes with
`?after=n` can never miss an earlier number that committed later.

Only public events are logged here. Notices meant for one person or for moderators (a comment
held for review) are ephemeral and go to their own sockets, so a public listener never sees a
gap it cannot fill.
"""

from django.db import models
from django.utils import timezone
from wagtail.models import Page


class LiveStream(models.Model):
    """The last `seq` handed out on a page."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.page_id}#{self.last_seq}"


class LiveEvent(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "seq"], name="live_event_page_seq_unique")]
        ordering = ["page", "seq"]

    def __str__(self):
        return f"{self.page_id}#{self.seq} {self.type}"
