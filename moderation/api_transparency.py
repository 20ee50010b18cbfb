"""The transparency API under /api/v1/: a page's public moderation report, and a moderator's own
statistics with the state of the queue. The same selectors as the HTML pages
(moderation.transparency); errors follow the contract ({"code","message","fields"})."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.api_support import ErrorSerializer
from consult.selectors import live_page_for_stream
from moderation import services, transparency
from moderation.rules import moderated_page_ids

MAX_PAGE_ID = 2**31 - 1
REASON_CODE_HELP = "A reason code; its label, in the request's language, is `label`."


class ReasonCountSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=REASON_CODE_HELP)
    label = serializers.CharField()
    count = serializers.IntegerField()


class FlagReasonCountSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A flag reason: spam, abuse, off_topic, personal_data or other.")
    label = serializers.CharField()
    items = serializers.IntegerField(help_text="Distinct contributions reported at least once for this reason.")
    flags = serializers.IntegerField(help_text="Reports for this reason.")


class AppealReasonCountSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The reason of the decision appealed; empty when none was recorded.")
    label = serializers.CharField()
    appealed = serializers.IntegerField()
    reinstated = serializers.IntegerField()


class FlaggedFiguresSerializer(serializers.Serializer):
    items = serializers.IntegerField(source="flagged_items", help_text="Distinct contributions reported.")
    flags = serializers.IntegerField(help_text="Reports received (one per person per contribution).")
    by_reason = FlagReasonCountSerializer(source="flags_by_reason", many=True)


class HeldFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="held", help_text="Contributions held by automatic checks.")
    by_reason = ReasonCountSerializer(source="held_by_reason", many=True,
                                      help_text="A contribution can be held for several reasons.")


class OutcomeFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    by_reason = ReasonCountSerializer(many=True, help_text="Per decision reason; an entry with an empty code "
                                                           "counts decisions without a recorded reason.")


class AppealFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="appealed")
    pending = serializers.IntegerField(source="appeals_pending")
    upheld = serializers.IntegerField()
    reinstated = serializers.IntegerField()
    by_reason = AppealReasonCountSerializer(source="appeals_by_reason", many=True)


class PageReportSerializer(serializers.Serializer):
    page = serializers.IntegerField(source="page_id")
    flagged = FlaggedFiguresSerializer(source="*")
    held = HeldFiguresSerializer(source="*")
    hidden_by_flags = serializers.IntegerField(help_text="Hidden after reaching the page's report threshold.")
    pending = serializers.IntegerField(help_text="Waiting for a moderator now.")
    escalated = serializers.IntegerField(help_text="Escalated to an official now.")
    decided = serializers.IntegerField()
    approved = serializers.IntegerField()
    rejected = serializers.SerializerMethodField()
    redacted = serializers.SerializerMethodField(help_text="Published with part of the text masked.")
    appeals = AppealFiguresSerializer(source="*")
    median_decision_seconds = serializers.IntegerField(
        allow_null=True, help_text="Median time from reaching the moderators to the decision; null before any.")

    @extend_schema_field(OutcomeFiguresSerializer)
    def get_rejected(self, report) -> dict:
        return OutcomeFiguresSerializer({"count": report.rejected, "by_reason": report.rejected_by_reason}).data

    @extend_schema_field(OutcomeFiguresSerializer)
    def get_redacted(self, report) -> dict:
        return OutcomeFiguresSerializer({"count": report.redacted, "by_reason": report.redacted_by_reason}).data


class ModeratorReportSerializer(serializers.Serializer):
    decided_last_7_days = serializers.IntegerField()
    decided_last_30_days = serializers.IntegerField()
    median_decision_seconds = serializers.IntegerField(
        allow_null=True, help_text="Median of your decisions of the last 30 days; null when there are none.")
    appeals_received = serializers.IntegerField(help_text="Appeals against your decisions.")
    appeals_reinstated = serializers.IntegerField(help_text="Of those, reinstated.")
    pending = serializers.IntegerField(help_text="Cases waiting for a moderator now.")
    escalated = serializers.IntegerField(help_text="Cases escalated to an official now.")
    oldest_pending_since = serializers.DateTimeField(allow_null=True)
    oldest_pending_seconds = serializers.IntegerField(allow_null=True, help_text="How long the oldest has waited.")
    appeals_pending = serializers.IntegerField(help_text="Appeals waiting for a decision now.")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class PageReportView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="A consultation's or roundtable's public moderation report", tags=["moderation"],
                   description="Counts only: no people, no contributions, no texts.",
                   parameters=[OpenApiParameter("page_id", int, OpenApiParameter.PATH)],
                   responses={200: PageReportSerializer,
                              404: _error("No published consultation or roundtable with this id.")})
    def get(self, request, page_id: int):
        page = live_page_for_stream(page_id) if 0 < page_id <= MAX_PAGE_ID else None
        if page is None:
            raise exceptions.NotFound(_("There is no published consultation or roundtable with this id."))
        return Response(PageReportSerializer(transparency.page_report(page.pk)).data)


class ModeratorStatisticsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Your moderation statistics and the queue now (moderators)", tags=["moderation"],
                   description="A moderator assigned to some consultations sees the queue of those only.",
                   responses={200: ModeratorReportSerializer,
                              403: _error("Not signed in, or not a moderator.")})
    def get(self, request):
        services.require_moderator(request.user)
        report = transparency.moderator_report(request.user, moderated_page_ids(request.user))
        return Response(ModeratorReportSerializer(report).data)


urlpatterns = [
    path("pages/<int:page_id>/moderation-report/", PageReportView.as_view(), name="api-page-moderation-report"),
    path("moderation/statistics/", ModeratorStatisticsView.as_view(), name="api-moderation-statistics"),
]
