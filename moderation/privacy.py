"""moderation's share of a person's data (settings.RAYZAN_PRIVACY_PARTS; the interface and the
orchestration are consult.accounts.privacy's). The download holds the person's reports of others'
contributions, the cases about their own (with the original of a redacted text), their appeals
and sanctions, never the moderators' identities or internal notes. Erasure keeps all of that, as
the record, but deletes the redacted originals, the one place moderation keeps text that may hold
personal data; and a page moderator must lose that role before erasing their account."""

from django.db.models import Q
from rest_framework import serializers

from consult.accounts.privacy import PrivacyPart, iso, page_role_refusal
from consult.models import Comment, Statement
from moderation.models import Appeal, AuditEntry, Case, Flag, ModeratorAssignment, Redaction, Sanction


class FlagDataSerializer(serializers.Serializer):
    item_type = serializers.CharField()
    item_id = serializers.IntegerField()
    page = serializers.IntegerField()
    reason = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class DecisionDataSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    item_type = serializers.CharField()
    item_id = serializers.IntegerField()
    page = serializers.IntegerField()
    status = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Screening and report reasons.")
    flag_count = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    reason = serializers.CharField()
    note_to_author = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    redacted_original = serializers.CharField(allow_null=True, help_text="Your text before a moderator masked part "
                                                                         "of it.")


class AppealDataSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    note_to_author = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class SanctionDataSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField()
    until = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    lifted_at = serializers.DateTimeField(allow_null=True)


class ModerationPrivacy(PrivacyPart):
    """Flags, cases, appeals and sanctions: exported and kept; redacted originals deleted."""

    relations = {
        "moderation.Flag.flagger": "kept",
        "moderation.Appeal.appellant": "kept",
        "moderation.Sanction.person": "kept",
        "moderation.AuditEntry.actor": "kept",  # append-only; holds ids, never names
        "moderation.Case.claimed_by": "staff",
        "moderation.Case.decided_by": "staff",
        "moderation.Case.escalated_by": "staff",
        "moderation.Appeal.decided_by": "staff",
        "moderation.Sanction.created_by": "staff",
        "moderation.Sanction.lifted_by": "staff",
        "moderation.ModeratorAssignment.user": "staff",
    }

    def export(self, user) -> dict[str, list]:
        cases = _cases_about(user).select_related("redaction").order_by("opened_at", "pk")
        return {
            "flags": [_flag(flag) for flag in Flag.objects.filter(flagger=user).order_by("created_at", "pk")],
            "moderation_decisions": [_case(case) for case in cases],
            "appeals": [_appeal(appeal)
                        for appeal in Appeal.objects.filter(appellant=user).order_by("created_at", "pk")],
            "sanctions": [_sanction(sanction)
                          for sanction in Sanction.objects.filter(person=user).order_by("created_at", "pk")],
        }

    def export_fields(self) -> dict:
        return {"flags": FlagDataSerializer(many=True, help_text="Your reports of others' contributions."),
                "moderation_decisions": DecisionDataSerializer(many=True,
                                                               help_text="Moderation cases about your contributions."),
                "appeals": AppealDataSerializer(many=True),
                "sanctions": SanctionDataSerializer(many=True)}

    def refusal(self, user) -> str | None:
        """A page moderator's decisions must stay attributable, as a site-wide moderator's do."""
        return page_role_refusal() if ModeratorAssignment.objects.filter(user=user).exists() else None

    def erase(self, user) -> None:
        """The originals of redacted texts are the person's words as they wrote them, personal data
        included (that is usually why a moderator masked them): they go; the cases stay."""
        Redaction.objects.filter(case__in=_cases_about(user)).delete()

    def took_part(self, user) -> bool:
        return (Flag.objects.filter(flagger=user).exists() or Appeal.objects.filter(appellant=user).exists()
                or Sanction.objects.filter(person=user).exists() or AuditEntry.objects.filter(actor=user).exists())


def _cases_about(user):
    """The cases about the person's comments and statements (a Case names its item by type and id)."""
    return Case.objects.filter(
        Q(item_type="comment", item_id__in=Comment.objects.filter(author=user).values("pk"))
        | Q(item_type="statement", item_id__in=Statement.objects.filter(author=user).values("pk")))


def _flag(flag) -> dict:
    return {"item_type": flag.item_type, "item_id": flag.item_id, "page": flag.page_id, "reason": flag.reason,
            "note": flag.note, "created_at": iso(flag.created_at)}


def _case(case) -> dict:
    redaction = getattr(case, "redaction", None)
    return {
        "case": case.pk, "item_type": case.item_type, "item_id": case.item_id, "page": case.page_id,
        "status": case.status, "reasons": list(case.reasons or []), "flag_count": case.flag_count,
        "opened_at": iso(case.opened_at), "outcome": case.outcome, "reason": case.decision_reason,
        "note_to_author": case.note_to_author, "decided_at": iso(case.decided_at),
        "redacted_original": redaction.original if redaction else None,
    }


def _appeal(appeal) -> dict:
    return {"case": appeal.case_id, "note": appeal.note, "created_at": iso(appeal.created_at), "status": appeal.status,
            "outcome": appeal.outcome, "note_to_author": appeal.note_to_author, "decided_at": iso(appeal.decided_at)}


def _sanction(sanction) -> dict:
    return {"kind": sanction.kind, "reason": sanction.reason, "note": sanction.note, "until": iso(sanction.until),
            "created_at": iso(sanction.created_at), "lifted_at": iso(sanction.lifted_at)}
