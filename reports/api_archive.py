"""GET /api/v1/pages/<page_id>/archive/: the records of a closed consultation (reports.archive),
for anyone: the current record's digest, its files with their SHA-256, and download links, then
every earlier record of the same consultation (kept when a later one differs)."""

import json

from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.api_support import ErrorSerializer
from consult.models import ConsultationPage
from consult.selectors import live_page_for_stream
from reports import archive
from reports.models import ConsultationArchive

MAX_PAGE_ID = 2**31 - 1
MAX_LISTED = 100  # a consultation gets a new record only when its content changes after closing


class ArchiveFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sha256 = serializers.CharField()


class ArchiveLinksSerializer(serializers.Serializer):
    zip = serializers.URLField(help_text="record.json, record.html and manifest.json in one zip file.")
    record_json = serializers.URLField()
    record_html = serializers.URLField()
    manifest = serializers.URLField()


class ArchiveSerializer(serializers.Serializer):
    digest = serializers.CharField(help_text="SHA-256 of manifest.json: compare it with a copy's.")
    created_at = serializers.DateTimeField(help_text="When this content was first archived.")
    confirmed_at = serializers.DateTimeField(help_text="When archiving last found the consultation unchanged.")
    size = serializers.IntegerField(help_text="Bytes of the three files together.")
    files = ArchiveFileSerializer(many=True, help_text="As listed in manifest.json.")
    links = ArchiveLinksSerializer()


class PageArchivesSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="upcoming, open or closed: only a closed consultation has a record.")
    current = ArchiveSerializer(allow_null=True, help_text="The record confirmed last; null before the first.")
    archives = ArchiveSerializer(many=True, help_text="Every record of this consultation, the current one first.")


def _described(request, page: ConsultationPage, stored: ConsultationArchive) -> dict:
    with translation.override(page.locale.language_code):  # links in the consultation's language
        zip_url = reverse("reports:archive-zip", args=[page.pk, stored.digest])
        file_urls = {key: reverse("reports:archive-file", args=[page.pk, stored.digest, name])
                     for key, name in (("record_json", archive.RECORD), ("record_html", archive.HTML),
                                       ("manifest", archive.MANIFEST))}
    return {"digest": stored.digest, "created_at": stored.created_at, "confirmed_at": stored.confirmed_at,
            "size": stored.size, "files": json.loads(stored.manifest)["files"],
            "links": {"zip": request.build_absolute_uri(zip_url),
                      **{key: request.build_absolute_uri(url) for key, url in file_urls.items()}}}


class PageArchivesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="pages_archive_retrieve", tags=["reports"],
        summary="A closed consultation's record: digest, files and download links",
        description="The record freezes a closed consultation: its published versions, public comments and "
                    "statements with tallies, poll results, opinion groups, moderation figures and the official "
                    "response (record.json), a readable rendering (record.html) and manifest.json listing both "
                    "with their SHA-256. The digest is the SHA-256 of manifest.json; the same digest is shown on "
                    "the consultation page. Participants appear as pseudonyms only.",
        parameters=[OpenApiParameter("page_id", int, OpenApiParameter.PATH)],
        responses={200: PageArchivesSerializer,
                   404: OpenApiResponse(ErrorSerializer, description="No published consultation with this id.")},
    )
    def get(self, request, page_id: int):
        page = live_page_for_stream(page_id) if 0 < page_id <= MAX_PAGE_ID else None
        if not isinstance(page, ConsultationPage):
            raise exceptions.NotFound(_("There is no published consultation with this id."))
        stored = list(ConsultationArchive.objects.filter(page_id=page.pk).defer("record", "html")[:MAX_LISTED])
        described = [_described(request, page, item) for item in stored]
        return Response(PageArchivesSerializer({
            "page": page.pk, "title": page.title, "status": page.status,
            "current": described[0] if described else None, "archives": described}).data)


urlpatterns = [path("pages/<int:page_id>/archive/", PageArchivesView.as_view(), name="api-page-archive")]
