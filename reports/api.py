"""GET /api/v1/consultations/<id>/report/: the dashboard's figures and the stored analyses as
JSON, for officials, editors and admins (the same reads as the HTML dashboard)."""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.api_support import ErrorSerializer
from consult.models import ConsultationPage, RoundtablePage
from reports import dashboard, findings
from reports.analysis import latest
from reports.models import AnalysisKind


class TopCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = serializers.CharField(source="body")
    support = serializers.IntegerField(source="support_count")
    replies = serializers.IntegerField(source="reply_count")


class SectionFiguresSerializer(serializers.Serializer):
    id = serializers.CharField(help_text=_("The section's stable id; empty for the consultation as a whole."))
    number = serializers.IntegerField()
    heading = serializers.CharField()
    comments = serializers.IntegerField()
    support = serializers.IntegerField()
    oppose = serializers.IntegerField()
    neutral = serializers.IntegerField()
    balance = serializers.FloatField(help_text=_("-1 all oppose … +1 all support (top-level stances)."))
    most_supported = TopCommentSerializer(many=True)
    most_discussed = TopCommentSerializer(many=True)


class StatementRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = serializers.CharField()
    agree = serializers.IntegerField(source="agree_count")
    disagree = serializers.IntegerField(source="disagree_count")
    passed = serializers.IntegerField(source="pass_count")


class ReportDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    comments = serializers.IntegerField()
    votes = serializers.IntegerField()
    statements = serializers.IntegerField()


class ParticipantCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The region's name in the request's language, or the language code."))
    region = serializers.IntegerField(required=False, allow_null=True)
    participants = serializers.IntegerField()


class AnalysisSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField()
    result = serializers.JSONField(help_text=_("Targets are statement:<id>, comment:<id> or section:<id>."))


class ReportSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    as_of = serializers.DateTimeField(help_text=_("When these figures were counted (the background worker keeps "
                                                  "them within seconds of the votes)."))
    participants = serializers.IntegerField()
    comments = serializers.IntegerField()
    comment_votes = serializers.IntegerField()
    statement_votes = serializers.IntegerField()
    statements = serializers.IntegerField()
    poll_responses = serializers.IntegerField()
    excluded_comments = serializers.DictField(child=serializers.IntegerField(),
                                              help_text=_("Comments left out: withdrawn, and held or rejected."))
    per_day = ReportDaySerializer(many=True)
    by_region = ParticipantCountSerializer(many=True)
    by_language = ParticipantCountSerializer(many=True)
    sections = SectionFiguresSerializer(many=True)
    statement_rows = StatementRowSerializer(many=True)
    opinion_groups = AnalysisSerializer(allow_null=True)
    campaigns = AnalysisSerializer(allow_null=True)


class ReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="A consultation's report: figures, opinion groups and campaigns (officials, editors, "
                           "admins)", tags=["reports"],
                   parameters=[OpenApiParameter("points", bool, description="Include every participant's point "
                                                                           "on the opinion map (large).")],
                   responses={200: ReportSerializer, 403: OpenApiResponse(ErrorSerializer),
                              404: OpenApiResponse(ErrorSerializer)})
    def get(self, request, page_id: int):
        if not request.user.has_perm("reports.view_dashboard"):
            raise exceptions.PermissionDenied(_("Reports are for officials, editors and administrators."))
        page = (ConsultationPage.objects.live().filter(pk=page_id).first()
                or RoundtablePage.objects.live().filter(pk=page_id).first()) if page_id < 2**31 else None
        if page is None:
            raise Http404
        figures, as_of = findings.figures(page)
        names = dashboard.region_names(figures.by_region)
        with_points = request.query_params.get("points") in {"1", "true", "yes"}
        data = {**figures.__dict__, "page": page.pk,
                "as_of": as_of,
                "by_region": [{"key": names.get(region_id, "") if region_id else "", "region": region_id,
                               "participants": n} for region_id, n in figures.by_region],
                "by_language": [{"key": code, "participants": n} for code, n in figures.by_language],
                "opinion_groups": _analysis(page.pk, AnalysisKind.OPINION_GROUPS, with_points),
                "campaigns": _analysis(page.pk, AnalysisKind.CAMPAIGNS, True)}
        return Response(ReportSerializer(data).data)


def _analysis(page_id: int, kind: str, with_points: bool) -> dict | None:
    stored = latest(page_id, kind)
    if stored is None:
        return None
    result = stored.result if with_points else {k: v for k, v in stored.result.items() if k != "points"}
    return {"computed_at": stored.computed_at, "result": result}


urlpatterns = [path("consultations/<int:page_id>/report/", ReportView.as_view(), name="api-report")]
