"""Serializers of the voting API: they validate request bodies and render results.

They do not call services; voting.api does. The content of an answer (is this option on the
poll? is the statement too long after cleaning?) is the service's to judge, so the form path
and the API report the same errors.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class CommentVoteSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=[1, -1], help_text=_("1 supports the comment, -1 opposes it."))


class StatementVoteSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=[1, -1, 0], help_text=_("1 agree, -1 disagree, 0 pass."))


class CommentTallySerializer(serializers.Serializer):
    target = serializers.CharField(help_text='"comment:<id>", as in the live tally.updated event.')
    up = serializers.IntegerField()
    down = serializers.IntegerField()
    my_vote = serializers.IntegerField(allow_null=True)


class StatementSerializer(serializers.Serializer):
    """A statement with its tallies and the caller's own vote (context["my_votes"])."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    is_seed = serializers.SerializerMethodField()
    status = serializers.CharField(help_text=_("published, or pending while a moderator reviews it."))
    created_at = serializers.DateTimeField()
    agree = serializers.IntegerField(source="agree_count")
    disagree = serializers.IntegerField(source="disagree_count")
    pass_ = serializers.IntegerField(source="pass_count")
    my_vote = serializers.SerializerMethodField()
    held_because = serializers.ListField(
        child=serializers.CharField(), source="hold_messages",
        help_text=_("While it awaits moderation, why it was held, in plain words for its author; otherwise empty."))

    def get_fields(self):
        fields = super().get_fields()
        fields["pass"] = fields.pop("pass_")  # "pass" is a Python keyword
        return fields

    def get_is_seed(self, statement) -> bool:
        return bool(statement.seed_id)

    def get_my_vote(self, statement) -> int | None:
        return self.context.get("my_votes", {}).get(statement.pk)


class TextField(serializers.CharField):
    """A JSON string, nothing else (DRF's CharField would turn 5 into "5")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StatementCreateSerializer(serializers.Serializer):
    text = TextField(allow_blank=True, trim_whitespace=False,
                                 help_text=_("At most 280 characters, on one line."))


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "enum": ["other"]}]})
class PollChoiceField(serializers.Field):
    """An option's index (0-based), or "other" when the poll allows an answer in one's own words."""

    default_error_messages = {"invalid": _('Give an option number or "other".')}

    def to_internal_value(self, data):
        if data == "other" or (isinstance(data, int) and not isinstance(data, bool)):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


class StatementPageSerializer(serializers.Serializer):
    """A page of statements, as the API's paginator answers (for the schema)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StatementSerializer(many=True)


class PollAnswerSerializer(serializers.Serializer):
    choices = serializers.ListField(child=PollChoiceField(), required=False, max_length=100,
                                    help_text=_("For single (exactly one) and multiple choice polls."))
    scale = serializers.IntegerField(required=False, allow_null=True, help_text=_("1 to 5, for scale polls."))
    other_text = TextField(required=False, allow_blank=True, trim_whitespace=False, max_length=1000,
                                       help_text=_('Required with "other"; at most 200 characters.'))


class PollOptionResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField()


class PollCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    percent = serializers.IntegerField()


class PollScaleResultSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField()


class PollResultsSerializer(serializers.Serializer):
    respondents = serializers.IntegerField()
    options = PollOptionResultSerializer(many=True)
    other = PollCountSerializer()
    scale = PollScaleResultSerializer(many=True)
    mean = serializers.FloatField(allow_null=True)


class PollResponseSerializer(serializers.Serializer):
    choices = serializers.ListField(child=PollChoiceField())
    scale = serializers.IntegerField(allow_null=True)
    other_text = serializers.CharField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, response):
        data = super().to_representation(response)
        if response.other_text:
            data["choices"] = [*data["choices"], "other"]
        return data


class PollSerializer(serializers.Serializer):
    """A poll block with, when they may be shown, its results, and the caller's answer.

    Rendered from a dict {"poll", "state", "results", "my_response"} built by voting.api."""

    id = serializers.CharField(source="poll.id")
    question = serializers.CharField(source="poll.question")
    kind = serializers.ChoiceField(source="poll.kind", choices=["single", "multiple", "scale"])
    options = serializers.ListField(source="poll.options", child=serializers.CharField())
    allow_other = serializers.BooleanField(source="poll.allow_other")
    scale_low_label = serializers.CharField(source="poll.scale_low_label")
    scale_high_label = serializers.CharField(source="poll.scale_high_label")
    results_shown = serializers.ChoiceField(source="poll.results", choices=["after_answer", "after_close"])
    state = serializers.ChoiceField(choices=["upcoming", "open", "closed"],
                                    help_text=_("open while answers may be given or changed."))
    results = PollResultsSerializer(allow_null=True, help_text=_("null until they may be shown."))
    my_response = PollResponseSerializer(allow_null=True)
