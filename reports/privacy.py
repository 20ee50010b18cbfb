"""reports' share of a person's data (settings.RAYZAN_PRIVACY_PARTS; the interface and the
orchestration are consult.accounts.privacy's): the ids a person had in data imported from other
tools (a Pol.is conversation). They close the download, and erasure deletes them: they exist
only to tie the account to the person's id in that source, which may identify them there."""

from rest_framework import serializers

from consult.accounts.privacy import PrivacyPart
from reports.models import ExternalParticipant


class ExternalIdDataSerializer(serializers.Serializer):
    source = serializers.CharField()
    external_id = serializers.CharField()


class ReportsPrivacy(PrivacyPart):
    """Links to imported ids: exported last, deleted on erasure."""

    relations = {"reports.ExternalParticipant.user": "deleted"}
    export_last = True

    def export(self, user) -> dict[str, list]:
        return {"external_ids": [{"source": link.source, "external_id": link.external_id}
                                 for link in ExternalParticipant.objects.filter(user=user).order_by("pk")]}

    def export_fields(self) -> dict:
        return {"external_ids": ExternalIdDataSerializer(many=True,
                                                         help_text="Ids you had in data imported from other tools.")}

    def erase(self, user) -> None:
        ExternalParticipant.objects.filter(user=user).delete()
