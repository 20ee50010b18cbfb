"""The live event log over REST: GET /api/v1/pages/<id>/events/?after=<seq>&limit=<n>.

The fallback where WebSockets are blocked, and how a client fills a gap in `seq`: the same
durable events, in the same shape, as the socket replays. Public events only.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from consult import events, selectors
from consult.api_support import ErrorSerializer
from consult.serializers import MAX_ID

MAX_LIMIT = events.REPLAY_BATCH


class EventQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, max_value=2**62, required=False, default=0,
                                     help_text=_("Return events with a larger sequence number."))
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, required=False, default=100)


class EventSerializer(serializers.Serializer):
    type = serializers.CharField()
    seq = serializers.IntegerField()
    data = serializers.JSONField()


class EventPageSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text=_("The page's current sequence number."))
    events = EventSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text=_("The next batch, while more remain."))


class PageEventsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="A page's live events after a sequence number", tags=["live"],
                   parameters=[EventQuerySerializer, OpenApiParameter("page_id", int, OpenApiParameter.PATH)],
                   responses={200: EventPageSerializer, 400: OpenApiResponse(ErrorSerializer),
                              404: OpenApiResponse(ErrorSerializer)})
    def get(self, request, page_id: int):
        page = selectors.live_page_for_stream(page_id) if 0 < page_id <= MAX_ID else None
        if page is None:
            raise exceptions.NotFound(_("There is no published consultation or roundtable with this id."))
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        batch = events.events_after(page.pk, after, limit + 1)
        more = len(batch) > limit
        batch = batch[:limit]
        next_link = None
        if more:
            params = request.query_params.copy()
            params["after"] = batch[-1].seq
            next_link = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response({"seq": events.current_seq(page.pk), "events": [events.event_message(e) for e in batch],
                         "next": next_link})


urlpatterns = [path("pages/<int:page_id>/events/", PageEventsView.as_view(), name="api-page-events")]
