"""The public read API: /api/v1/consultations/ and /api/v1/roundtables/ (see ARCHITECTURE.md).

Read-only and public. Lists are ordered like consult.selectors.consultation_listing (open
first, then upcoming, then closed; soonest deadline first, most recently closed first), but as
one database query so they paginate without loading every page.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from consult import serializers as s
from consult.api_support import ErrorSerializer, Pagination
from consult.models import RoundtableState
from consult.selectors import RANK_OF_STATUS, consultations_listed, roundtables_listed

PAGE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The page id.")
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A query parameter is not valid."),
    404: OpenApiResponse(ErrorSerializer, description="No such page of results."),
}
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No published page of this kind has this id "
                            "(unknown, unpublished, or another kind of page).")


class _PageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shared behaviour: public, read-only, validated query parameters, contract errors."""

    permission_classes = [AllowAny]
    pagination_class = Pagination
    http_method_names = ["get", "head", "options"]
    query_serializer_class: type[s.serializers.Serializer]
    not_found_message: str  # a property in each subclass, so it is translated per request

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": self.now}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.now = timezone.now()

    def list(self, request, *args, **kwargs):
        self.filters = self._validated_query()
        return super().list(request, *args, **kwargs)

    def _validated_query(self) -> dict:
        """Filters and paging together, so one 400 reports every bad parameter."""
        errors, values = {}, {}
        for serializer_class in (self.query_serializer_class, s.PagingQuerySerializer):
            serializer = serializer_class(data=self.request.query_params)
            if serializer.is_valid():
                values.update(serializer.validated_data)
            else:
                errors.update(serializer.errors)
        if errors:
            raise exceptions.ValidationError(errors)
        return values

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filters = self.filters
        if "topic" in filters:
            queryset = queryset.filter(topics=filters["topic"])
        if "region" in filters:
            queryset = queryset.filter(region_id=filters["region"])
        if "lang" in filters:
            queryset = queryset.filter(locale__language_code=filters["lang"])
        if "status" in filters:
            queryset = queryset.filter(listing_rank=RANK_OF_STATUS[filters["status"]])
        return queryset

    def get_object(self):
        # Any lookup that is not a plain id is simply "not found", with the contract body.
        lookup = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not lookup.isdigit() or int(lookup) > s.MAX_ID:
            raise exceptions.NotFound(self.not_found_message)
        try:
            return super().get_object()
        except Http404 as exc:  # DRF's get_object_or_404 raises Django's Http404
            raise exceptions.NotFound(self.not_found_message) from exc


@extend_schema_view(
    list=extend_schema(
        summary="Published consultations",
        description="Open consultations first, then upcoming, then closed. Paginated.",
        parameters=[s.ConsultationQuerySerializer],
        responses={200: s.ConsultationListSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One published consultation, with its sections",
        description="The consultation with its sections (each with its stable id), its published "
        "translations and `seq`, the event sequence number to resume the live stream from.",
        parameters=[PAGE_ID],
        responses={200: s.ConsultationDetailSerializer, 404: NOT_FOUND},
    ),
)
class ConsultationViewSet(_PageViewSet):
    query_serializer_class = s.ConsultationQuerySerializer

    @property
    def not_found_message(self):
        return _("There is no published consultation with this id.")

    def get_queryset(self):
        return consultations_listed(getattr(self, "now", None))

    def get_serializer_class(self):
        return s.ConsultationDetailSerializer if self.action == "retrieve" else s.ConsultationListSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Published roundtables",
        description="Live roundtables first, then scheduled, then ended. Paginated.",
        parameters=[s.RoundtableQuerySerializer],
        responses={200: s.RoundtableListSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One published roundtable, with its agenda and seed statements",
        description="The roundtable with its agenda, seed statements, facilitators, published "
        "translations and `seq`, the event sequence number to resume the live stream from.",
        parameters=[PAGE_ID],
        responses={200: s.RoundtableDetailSerializer, 404: NOT_FOUND},
    ),
)
class RoundtableViewSet(_PageViewSet):
    query_serializer_class = s.RoundtableQuerySerializer

    @property
    def not_found_message(self):
        return _("There is no published roundtable with this id.")

    def get_queryset(self):
        queryset = roundtables_listed()
        return queryset.prefetch_related("facilitators") if self.action == "retrieve" else queryset

    def get_serializer_class(self):
        return s.RoundtableDetailSerializer if self.action == "retrieve" else s.RoundtableListSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and "state" in self.filters:
            queryset = queryset.filter(state=RoundtableState(self.filters["state"]))
        return queryset


router = DefaultRouter()
router.include_root_view = False
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register("roundtables", RoundtableViewSet, basename="roundtable")
