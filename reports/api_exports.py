"""The open-data exports in the API: GET /api/v1/pages/<page_id>/exports/<dataset>.<csv|json>.

The same streamed file as the reports page's download links (reports.views_exports), for
officials, editors and admins signed in by session or token. Errors follow the contract
({"code","message","fields"}); the Accept header is not negotiated (the extension picks the
format), so a client asking for text/csv still gets its errors as JSON.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from consult.api_support import ErrorSerializer
from reports import exports
from reports.views_exports import export_response


class FirstRenderer(BaseContentNegotiation):
    """Always the first renderer (JSON, for errors): the file's format is in the URL."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


DESCRIPTION = """Open data for one consultation or roundtable, streamed as a file download.

Datasets: `comments` (published comments with section and tallies), `statements` (published
statements with agree/disagree/pass in total and per opinion group: `agree_g0`, ...), `votes`
(one row per vote on a published comment or statement), `polls` (counts per answer, no individual
answers, no "other" wording) and `groups` (each grouped participant's opinion group and map position).

Participants appear only as pseudonyms (`p-` and 16 hex digits) that are stable across downloads
of the same consultation and differ between consultations; no e-mail, username, display name or
account id is included. Withdrawn, held and rejected contributions are left out.

CSV is UTF-8 with a byte-order mark (for spreadsheets); cells starting with `=`, `+`, `-` or `@`
are prefixed with `'` so spreadsheets do not run them as formulas. JSON is
`{"meta": {...}, "records": [{...}], "count": n}`; `meta` names the page, the time, the licence
note, the columns and what was excluded. The same files are at
`/<lang>/reports/<page_id>/export/<dataset>.<csv|json>` for the browser."""


class ExportView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        operation_id="pages_export_retrieve",
        summary="Download a consultation's open data (officials, editors, admins)",
        description=DESCRIPTION,
        parameters=[OpenApiParameter("dataset", str, OpenApiParameter.PATH, enum=list(exports.DATASETS)),
                    OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(exports.FORMATS),
                                     description="csv or json")],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file (streamed)."),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT,
                                                       description="The JSON file (streamed)."),
            403: _error("Not signed in, or not an official, editor or administrator."),
            404: _error("No such consultation or roundtable, dataset or format."),
        },
        tags=["reports"],
    )
    def get(self, request, page_id: int, dataset: str, fmt: str):
        if not request.user.has_perm("reports.view_dashboard"):
            raise exceptions.PermissionDenied(_("Reports are for officials, editors and administrators."))
        return export_response(request._request, page_id, dataset, fmt)


urlpatterns = [
    path("pages/<int:page_id>/exports/<str:dataset>.<str:fmt>", ExportView.as_view(), name="api-export"),
]
