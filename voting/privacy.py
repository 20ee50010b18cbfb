"""voting's share of a person's data (settings.RAYZAN_PRIVACY_PARTS; the interface and the
orchestration are consult.accounts.privacy's): their votes on comments and statements and their
poll answers are in the download, and they stay when the account is erased, so tallies and
reports do not change."""

from rest_framework import serializers

from consult.accounts.privacy import PrivacyPart, iso
from voting.models import CommentVote, PollResponse, StatementVote


class CommentVoteDataSerializer(serializers.Serializer):
    comment = serializers.IntegerField()
    value = serializers.IntegerField(help_text="1 support, -1 oppose.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StatementVoteDataSerializer(serializers.Serializer):
    statement = serializers.IntegerField()
    value = serializers.IntegerField(help_text="1 agree, -1 disagree, 0 pass.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PollAnswerDataSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    poll = serializers.CharField()
    choices = serializers.ListField(child=serializers.IntegerField(), help_text="Indexes of the chosen options.")
    scale = serializers.IntegerField(allow_null=True)
    other_text = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class VotingPrivacy(PrivacyPart):
    """Votes and poll answers: exported, kept on erasure, and proof of taking part."""

    relations = {
        "voting.CommentVote.voter": "kept",
        "voting.StatementVote.voter": "kept",
        "voting.PollResponse.respondent": "kept",
    }

    def export(self, user) -> dict[str, list]:
        return {"comment_votes": _comment_votes(user), "statement_votes": _statement_votes(user),
                "poll_answers": _poll_answers(user)}

    def export_fields(self) -> dict:
        return {"comment_votes": CommentVoteDataSerializer(many=True),
                "statement_votes": StatementVoteDataSerializer(many=True),
                "poll_answers": PollAnswerDataSerializer(many=True)}

    def took_part(self, user) -> bool:
        return (CommentVote.objects.filter(voter=user).exists() or StatementVote.objects.filter(voter=user).exists()
                or PollResponse.objects.filter(respondent=user).exists())


def _comment_votes(user) -> list[dict]:
    return [{"comment": vote.comment_id, "value": vote.value, "created_at": iso(vote.created_at),
             "updated_at": iso(vote.updated_at)}
            for vote in CommentVote.objects.filter(voter=user).order_by("created_at", "pk")]


def _statement_votes(user) -> list[dict]:
    return [{"statement": vote.statement_id, "value": vote.value, "created_at": iso(vote.created_at),
             "updated_at": iso(vote.updated_at)}
            for vote in StatementVote.objects.filter(voter=user).order_by("created_at", "pk")]


def _poll_answers(user) -> list[dict]:
    return [{"page": answer.page_id, "poll": answer.poll_id, "choices": list(answer.choices or []),
             "scale": answer.scale, "other_text": answer.other_text, "created_at": iso(answer.created_at),
             "updated_at": iso(answer.updated_at)}
            for answer in PollResponse.objects.filter(respondent=user).order_by("created_at", "pk")]
