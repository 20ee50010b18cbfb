"""A person's notifications over the API: GET /api/v1/me/notifications/ and
POST /api/v1/me/notifications/read/ (some ids, or all)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.api_support import ErrorSerializer
from consult.selectors_notifications import inbox, unread_count
from consult.services.notifications import notifications_mark_read


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="What happened, e.g. moderation.rejected, moderation.appeal_reinstated.")
    language = serializers.CharField(help_text="The language it was written in: your preferred language then.")
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(help_text="A site path with the details, or empty.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    unread = serializers.IntegerField()
    next = serializers.IntegerField(allow_null=True, help_text="The next page number, if any.")
    results = NotificationSerializer(many=True)


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=100_000)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False,
                                max_length=500,
                                help_text="Leave out to mark every notification read.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


ERRORS = {400: OpenApiResponse(ErrorSerializer, description="A value is not valid."),
          403: OpenApiResponse(ErrorSerializer, description="Not signed in.")}


class NotificationsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Your notifications, newest first", tags=["accounts"],
                   parameters=[OpenApiParameter("page", int, description="Page number, 20 a page.")],
                   responses={200: NotificationPageSerializer, 404: OpenApiResponse(ErrorSerializer), **ERRORS})
    def get(self, request):
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("page", 1)
        page = inbox(request.user, number)
        if number > max(page.paginator.num_pages, 1):
            raise exceptions.NotFound(_("That page of notifications does not exist."))
        return Response({"count": page.paginator.count, "unread": unread_count(request.user),
                         "next": page.next_page_number() if page.has_next() else None,
                         "results": NotificationSerializer(page.object_list, many=True).data})


class NotificationsReadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(summary="Mark notifications read", tags=["accounts"], request=MarkReadSerializer,
                   responses={200: MarkedSerializer, **ERRORS})
    def post(self, request):
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = notifications_mark_read(actor=request.user, ids=body.validated_data.get("ids"))
        return Response({"marked": marked, "unread": unread_count(request.user)})


urlpatterns = [
    path("me/notifications/", NotificationsView.as_view(), name="api-notifications"),
    path("me/notifications/read/", NotificationsReadView.as_view(), name="api-notifications-read"),
]
