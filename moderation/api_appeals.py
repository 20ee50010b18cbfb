"""Appeals and sanctions over the API, through the same services as the HTML pages:
POST /api/v1/moderation/cases/<id>/appeal/ (the author), GET /api/v1/moderation/appeals/ and
POST /api/v1/moderation/appeals/<id>/decision/ (another moderator), POST
/api/v1/moderation/people/<id>/sanctions/ and POST /api/v1/moderation/sanctions/<id>/lift/
(site-wide moderators)."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation import selectors, services, services_appeals, services_sanctions
from moderation.api import ERRORS, CaseSerializer, ConflictError, _error, _validated
from moderation.models import Appeal, AppealOutcome, Case, RejectReason, Sanction, SanctionKind
from moderation.rules import moderated_page_ids


class AppealRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services_appeals.APPEAL_MAX_CHARS,
                                 help_text=_("Why the decision is wrong."))


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    note_to_author = serializers.CharField()


class AppealWithCaseSerializer(AppealSerializer):
    case_detail = CaseSerializer(source="case")
    decided_by_me = serializers.SerializerMethodField(help_text=_("True when you made the decision under appeal: "
                                                                  "another moderator must rule on it."))

    def get_decided_by_me(self, appeal) -> bool:
        request = self.context.get("request")
        return bool(request and appeal.case.decided_by_id == request.user.pk)


class AppealPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.IntegerField(allow_null=True)
    results = AppealWithCaseSerializer(many=True)


class AppealDecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AppealOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_CHARS)


class SanctionRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    until = serializers.DateTimeField(required=False, allow_null=True,
                                      help_text=_("Required for a suspension: when it ends."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX_CHARS)


class SanctionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    kind = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField()
    until = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    lifted_at = serializers.DateTimeField(allow_null=True)
    in_force = serializers.BooleanField()


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=100_000)


def _get_case(case_id: int) -> Case:
    case = Case.objects.filter(pk=case_id).first() if 0 < case_id < 2**31 else None
    if case is None:
        raise Http404
    return case


class CaseAppealView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Appeal a rejection or redaction of your contribution (once)",
                   request=AppealRequestSerializer, responses={201: AppealSerializer, **ERRORS},
                   tags=["moderation"])
    def post(self, request, case_id: int):
        case = _get_case(case_id)
        data = _validated(AppealRequestSerializer, request.data)
        appeal = services_appeals.case_appeal(actor=request.user, case=case, note=data["note"])
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class AppealListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Appeals waiting for a decision, oldest first (moderators)",
                   parameters=[OpenApiParameter("page", int, description="Page number, 25 a page.")],
                   responses={200: AppealPageSerializer, **ERRORS}, tags=["moderation"])
    def get(self, request):
        services.require_moderator(request.user)
        number = _validated(PageQuerySerializer, request.query_params).get("page", 1)
        page = selectors.appeals_page(moderated_page_ids(request.user), number)
        if number > max(page.paginator.num_pages, 1):
            raise exceptions.NotFound(_("That page of appeals does not exist."))
        return Response({"count": page.paginator.count, "next": page.next_page_number() if page.has_next() else None,
                         "results": AppealWithCaseSerializer(page.object_list, many=True,
                                                             context={"request": request}).data})


class AppealDecisionView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Decide an appeal: reinstate or uphold (not by the moderator who decided the case)",
                   request=AppealDecisionSerializer,
                   responses={200: AppealSerializer, 409: _error("Already decided; nothing changed."), **ERRORS},
                   tags=["moderation"])
    def post(self, request, appeal_id: int):
        services.require_moderator(request.user)
        appeal = Appeal.objects.select_related("case").filter(pk=appeal_id).first() if appeal_id < 2**31 else None
        if appeal is None:
            raise Http404
        data = _validated(AppealDecisionSerializer, request.data)
        try:
            appeal = services_appeals.appeal_decide(actor=request.user, appeal=appeal, outcome=data["outcome"],
                                                    note=data.get("note", ""))
        except services.Conflict as exc:
            raise ConflictError(str(exc)) from exc
        return Response(AppealSerializer(appeal).data)


class SanctionView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Warn, suspend or ban a person (site-wide moderators)", request=SanctionRequestSerializer,
                   responses={201: SanctionSerializer, **ERRORS}, tags=["moderation"])
    def post(self, request, user_id: int):
        services_sanctions.require_sanctioner(request.user)
        person = get_user_model().objects.select_related("profile").filter(pk=user_id).first() \
            if user_id < 2**31 else None
        if person is None:
            raise Http404
        data = _validated(SanctionRequestSerializer, request.data)
        sanction = services_sanctions.person_sanction(actor=request.user, person=person, kind=data["kind"],
                                                      reason=data["reason"], note=data.get("note", ""),
                                                      until=data.get("until"))
        return Response(SanctionSerializer(sanction).data, status=status.HTTP_201_CREATED)


class SanctionLiftView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Lift a sanction (site-wide moderators)", request=None,
                   responses={200: SanctionSerializer, **ERRORS}, tags=["moderation"])
    def post(self, request, sanction_id: int):
        services_sanctions.require_sanctioner(request.user)
        sanction = Sanction.objects.filter(pk=sanction_id).first() if sanction_id < 2**31 else None
        if sanction is None:
            raise Http404
        sanction = services_sanctions.sanction_lift(actor=request.user, sanction=sanction)
        return Response(SanctionSerializer(sanction).data)


urlpatterns = [
    path("moderation/cases/<int:case_id>/appeal/", CaseAppealView.as_view(), name="api-case-appeal"),
    path("moderation/appeals/", AppealListView.as_view(), name="api-appeals"),
    path("moderation/appeals/<int:appeal_id>/decision/", AppealDecisionView.as_view(), name="api-appeal-decision"),
    path("moderation/people/<int:user_id>/sanctions/", SanctionView.as_view(), name="api-sanctions"),
    path("moderation/sanctions/<int:sanction_id>/lift/", SanctionLiftView.as_view(), name="api-sanction-lift"),
]
