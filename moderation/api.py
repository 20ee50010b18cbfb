"""The moderation API under /api/v1/: reporting contributions, the queue, claims and decisions.

The same services as the HTML pages, so the rules, the 409 on a case someone else decided or
holds, and the audit log are identical. Errors follow the contract ({"code","message","fields"}).
"""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.api_support import ErrorSerializer
from consult.models import Comment, CommentStatus, Statement, StatementStatus
from moderation import selectors, services
from moderation.forms import REASON_LABELS
from moderation.models import Case, CaseStatus, FlagReason, Outcome, RejectReason
from moderation.rules import moderated_page_ids


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("Another moderator has already decided this, or is reviewing it.")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


ERRORS = {400: _error("A value is not valid (per-field messages in `fields`)."),
          403: _error("Not allowed: not signed in as a participant, or not a moderator."),
          404: _error("No such item or case."), 429: _error("Too many reports in a short time.")}


class FlagSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_CHARS,
                                 help_text=_("Required when the reason is “other”."))


class FlaggedSerializer(serializers.Serializer):
    flagged = serializers.BooleanField()


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    reason = serializers.ChoiceField(choices=RejectReason.choices, required=False, allow_blank=True,
                                     help_text=_("Required when rejecting; the author is told it."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_CHARS)
    spans = serializers.ListField(child=serializers.CharField(max_length=1000), required=False, max_length=20,
                                  help_text=_("Redaction only: passages copied exactly from the text, to mask."))


class EscalationSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services.NOTE_MAX_CHARS,
                                 help_text=_("What the officials should decide, and why."))


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item_type = serializers.CharField()
    item_id = serializers.IntegerField()
    page = serializers.IntegerField(source="page_id")
    language = serializers.CharField()
    status = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    reason_labels = serializers.SerializerMethodField()
    flag_count = serializers.IntegerField()
    hidden_by_flags = serializers.BooleanField()
    priority = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    claimed_until = serializers.DateTimeField(allow_null=True)
    claimed_by_me = serializers.SerializerMethodField()
    outcome = serializers.CharField()
    decision_reason = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    escalation_note = serializers.CharField()
    text = serializers.SerializerMethodField()

    def get_reason_labels(self, case) -> list[str]:
        return [str(REASON_LABELS.get(code, code)) for code in case.reasons]

    def get_claimed_by_me(self, case) -> bool:
        request = self.context.get("request")
        return bool(request and case.claimed_by_id == request.user.pk)

    def get_text(self, case) -> str:
        item = getattr(case, "item", None)
        if item is None:
            return ""
        return item.body if case.item_type == "comment" else item.text


class CasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.IntegerField(allow_null=True, help_text=_("The next page number, if any."))
    results = CaseSerializer(many=True)


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _FlagView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]
    model = Comment
    public_status = CommentStatus.PUBLISHED

    def post(self, request, item_id: int):
        item = self.model.objects.select_related("page").filter(pk=item_id, status=self.public_status).first()
        if item is None:
            raise Http404
        data = _validated(FlagSerializer, request.data)
        services.item_flag(actor=request.user, item=item, reason=data["reason"], note=data.get("note", ""))
        return Response({"flagged": True}, status=status.HTTP_201_CREATED)


class CommentFlagView(_FlagView):
    @extend_schema(summary="Report a comment to the moderators", request=FlagSerializer,
                   responses={201: FlaggedSerializer, **ERRORS}, tags=["moderation"])
    def post(self, request, comment_id: int):
        return super().post(request, comment_id)


class StatementFlagView(_FlagView):
    model = Statement
    public_status = StatementStatus.PUBLISHED

    @extend_schema(summary="Report a statement to the moderators", request=FlagSerializer,
                   responses={201: FlaggedSerializer, **ERRORS}, tags=["moderation"])
    def post(self, request, statement_id: int):
        return super().post(request, statement_id)


class QueueView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="The moderation queue, most urgent first (moderators)",
                   parameters=[OpenApiParameter("page_id", int, description="Only this consultation or roundtable."),
                               OpenApiParameter("reason", str, description="Only cases with this reason code."),
                               OpenApiParameter("language", str, enum=["fa", "en"]),
                               OpenApiParameter("status", str, enum=["pending", "escalated"],
                                                description="The moderators' queue (default) or the cases "
                                                            "escalated to officials."),
                               OpenApiParameter("page", int, description="Page number, 25 cases a page.")],
                   responses={200: CasePageSerializer, **ERRORS}, tags=["moderation"])
    def get(self, request):
        params = _validated(QueueQuerySerializer, request.query_params)
        escalated = params.get("status") == CaseStatus.ESCALATED
        if escalated:
            if not request.user.has_perm("moderation.view_escalated"):
                raise exceptions.PermissionDenied(_("Only officials and moderators can see escalated items."))
        else:
            services.require_moderator(request.user)
        filters = selectors.QueueFilters(page_id=params.get("page_id"), reason=params.get("reason", ""),
                                         language=params.get("language", ""),
                                         status=params.get("status") or CaseStatus.PENDING,
                                         page_ids=None if escalated else moderated_page_ids(request.user))
        number = params.get("page", 1)
        page = selectors.queue_page(filters, number)
        if number > max(page.paginator.num_pages, 1):
            raise exceptions.NotFound(_("That page of the queue does not exist."))
        return Response({"count": page.paginator.count,
                         "next": page.next_page_number() if page.has_next() else None,
                         "results": CaseSerializer(page.object_list, many=True, context={"request": request}).data})


class QueueQuerySerializer(serializers.Serializer):
    page_id = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.ChoiceField(choices=list(REASON_LABELS), required=False)
    language = serializers.ChoiceField(choices=["fa", "en"], required=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    status = serializers.ChoiceField(choices=["pending", "escalated"], required=False)


def require_case_worker(user) -> None:
    """Before looking a case up: only moderators and officials handle cases at all (the
    service then checks this very case). Everyone else is refused without learning more."""
    if not (user.has_perm("moderation.moderate") or user.has_perm("moderation.decide_escalated")):
        raise exceptions.PermissionDenied(_("Only moderators of this consultation can review its contributions."))


def _case(case_id: int) -> Case:
    case = selectors.case_detail(case_id) if 0 < case_id < 2**31 else None
    if case is None:
        raise Http404
    return case


class CaseClaimView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Claim a case for five minutes", request=None,
                   responses={200: CaseSerializer, 409: _error("Another moderator holds it or decided it."),
                              **ERRORS}, tags=["moderation"])
    def post(self, request, case_id: int):
        require_case_worker(request.user)
        case = _case(case_id)
        try:
            services.case_claim(actor=request.user, case=case)
        except services.Conflict as exc:
            raise ConflictError(str(exc)) from exc
        return Response(CaseSerializer(_case(case_id), context={"request": request}).data)


class CaseDecisionView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Approve, reject or redact a case (exactly one decision per case)",
                   request=DecisionSerializer,
                   responses={200: CaseSerializer, 409: _error("Another moderator decided it first, or holds it; "
                                                               "nothing changed."), **ERRORS},
                   tags=["moderation"])
    def post(self, request, case_id: int):
        require_case_worker(request.user)
        case = _case(case_id)
        data = _validated(DecisionSerializer, request.data)
        try:
            services.case_decide(actor=request.user, case=case, outcome=data["outcome"],
                                 reason=data.get("reason", ""), note=data.get("note", ""),
                                 spans=data.get("spans", []))
        except services.Conflict as exc:
            raise ConflictError(str(exc)) from exc
        return Response(CaseSerializer(_case(case_id), context={"request": request}).data)


class CaseEscalateView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Escalate a pending case to the officials", request=EscalationSerializer,
                   responses={200: CaseSerializer, 409: _error("No longer pending, or another moderator holds it."),
                              **ERRORS}, tags=["moderation"])
    def post(self, request, case_id: int):
        require_case_worker(request.user)
        case = _case(case_id)
        data = _validated(EscalationSerializer, request.data)
        try:
            services.case_escalate(actor=request.user, case=case, note=data["note"])
        except services.Conflict as exc:
            raise ConflictError(str(exc)) from exc
        return Response(CaseSerializer(_case(case_id), context={"request": request}).data)


urlpatterns = [
    path("comments/<int:comment_id>/flag/", CommentFlagView.as_view(), name="api-comment-flag"),
    path("statements/<int:statement_id>/flag/", StatementFlagView.as_view(), name="api-statement-flag"),
    path("moderation/queue/", QueueView.as_view(), name="api-moderation-queue"),
    path("moderation/cases/<int:case_id>/claim/", CaseClaimView.as_view(), name="api-case-claim"),
    path("moderation/cases/<int:case_id>/decision/", CaseDecisionView.as_view(), name="api-case-decision"),
    path("moderation/cases/<int:case_id>/escalate/", CaseEscalateView.as_view(), name="api-case-escalate"),
]
