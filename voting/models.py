"""Votes on comments, agree/disagree/pass on statements, poll responses.

One person one vote is a database UniqueConstraint, never a check-then-insert. The tallies
shown to people are cached counters on the voted object, changed with F() in the same
transaction as the vote row; tests prove they equal a recount after concurrent storms.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommentVoteValue(models.IntegerChoices):
    SUPPORT = 1, _("Support")
    OPPOSE = -1, _("Oppose")


class StatementVoteValue(models.IntegerChoices):
    AGREE = 1, _("Agree")
    DISAGREE = -1, _("Disagree")
    PASS = 0, _("Pass")


class CommentVote(models.Model):
    comment = models.ForeignKey("consult.Comment", on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_votes")
    value = models.SmallIntegerField(choices=CommentVoteValue.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter"], name="comment_vote_one_per_person"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="comment_vote_value_valid"),
        ]
        indexes = [models.Index(fields=["updated_at"], name="comment_vote_updated")]  # reports' worker

    def __str__(self):
        return f"{self.voter_id} on comment {self.comment_id}: {self.value}"


class StatementVote(models.Model):
    statement = models.ForeignKey("consult.Statement", on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="statement_votes")
    value = models.SmallIntegerField(choices=StatementVoteValue.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "voter"], name="statement_vote_one_per_person"),
            models.CheckConstraint(condition=Q(value__in=[1, -1, 0]), name="statement_vote_value_valid"),
        ]
        indexes = [models.Index(fields=["voter", "statement"], name="statement_vote_voter"),
                   # reports' worker finds pages with new votes since it last looked
                   models.Index(fields=["updated_at"], name="statement_vote_updated")]

    def __str__(self):
        return f"{self.voter_id} on statement {self.statement_id}: {self.value}"


class PollResponse(models.Model):
    """One person's answer to one poll block (by its StreamField id) on a page."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    poll_id = models.CharField(max_length=64)
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="poll_responses")
    choices = models.JSONField(default=list, blank=True, help_text="Indexes of the chosen options.")
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    other_text = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "poll_id", "respondent"], name="poll_response_one_per_person"),
            models.CheckConstraint(condition=Q(scale__isnull=True) | Q(scale__gte=1, scale__lte=5),
                                   name="poll_response_scale_1_to_5"),
        ]

    def __str__(self):
        return f"{self.respondent_id} on poll {self.poll_id}"
