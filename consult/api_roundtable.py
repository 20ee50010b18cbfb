"""The facilitator console over REST: POST /api/v1/roundtables/<id>/control/ and GET …/session/."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from consult import selectors
from consult.api_support import ErrorSerializer
from consult.models import RoundtablePage
from consult.services.roundtables import ACTIONS, roundtable_control, roundtable_state

PAGE = OpenApiParameter("page_id", int, OpenApiParameter.PATH)
ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 403, 404, 415)}


class ControlSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    target = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                   help_text=_("An agenda item id, a poll id, or statement:<id> for the spotlight."))


class CurrentAgendaItemSerializer(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()


class SpotlightSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    text = serializers.CharField()


class SessionSerializer(serializers.Serializer):
    """The payload of the `roundtable.state` event."""

    state = serializers.CharField()
    agenda_item = CurrentAgendaItemSerializer(allow_null=True)
    spotlight = SpotlightSerializer(allow_null=True)
    polls = serializers.DictField(child=serializers.CharField(), help_text=_("Poll id → open or closed."))


def _roundtable(page_id: int) -> RoundtablePage:
    page = selectors.live_roundtable(page_id)
    if page is None:
        raise exceptions.NotFound(_("There is no published roundtable with this id."))
    return page


class SessionView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="A roundtable's live session", tags=["live"], parameters=[PAGE],
                   responses={200: SessionSerializer, 404: OpenApiResponse(ErrorSerializer)})
    def get(self, request, page_id: int):
        return Response(roundtable_state(_roundtable(page_id)))


class ControlView(APIView):
    permission_classes = [AllowAny]  # the service decides: only this roundtable's facilitators
    parser_classes = [JSONParser]

    @extend_schema(summary="Run a live roundtable (facilitators)", tags=["live"], parameters=[PAGE],
                   request=ControlSerializer, responses={200: SessionSerializer, **ERRORS})
    def post(self, request, page_id: int):
        page = _roundtable(page_id)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        data = ControlSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(roundtable_control(actor=request.user, page=page, action=data.validated_data["action"],
                                           target=data.validated_data["target"]))


urlpatterns = [
    path("roundtables/<int:page_id>/session/", SessionView.as_view(), name="api-roundtable-session"),
    path("roundtables/<int:page_id>/control/", ControlView.as_view(), name="api-roundtable-control"),
]
