"""The records of closed consultations, for anyone: /<lang>/reports/archive/<page_id>/<digest>.zip
(record.json, record.html and manifest.json) and each file on its own under
/<lang>/reports/archive/<page_id>/<digest>/<file>.

A record is public data, so no sign-in; only records of published, public consultations are
served. An address names one immutable record (its digest), so the answer is cacheable for a
year by anyone. record.html is served with a Content-Security-Policy that allows inline styles
and nothing else (no script, no fetch, a sandbox): it is self-contained by construction, and the
header makes sure citizen text inside it could not run even if it got past the sanitiser.
"""

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.urls import path
from django.views.decorators.http import require_safe

from consult.selectors import live_page_for_stream
from reports import archive
from reports.models import ConsultationArchive

MAX_PAGE_ID = 2**31 - 1
CACHE_FOREVER = "public, max-age=31536000, immutable"
HTML_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'; sandbox")
CONTENT_TYPES = {archive.RECORD: "application/json", archive.HTML: "text/html; charset=utf-8",
                 archive.MANIFEST: "application/json"}


def _archive(page_id: int, digest: str) -> ConsultationArchive:
    if not (0 < page_id <= MAX_PAGE_ID and archive.DIGEST_PATTERN.fullmatch(digest)):
        raise Http404
    found = ConsultationArchive.objects.filter(page_id=page_id, digest=digest).first()
    if found is None or live_page_for_stream(page_id) is None:
        raise Http404
    return found


def _answer(request, body: bytes, content_type: str, etag: str, filename: str, *, attachment: bool):
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
        disposition = "attachment" if attachment else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_FOREVER
    return response


@require_safe
def bundle(request, page_id: int, digest: str):
    record = _archive(page_id, digest)
    return _answer(request, archive.zip_bytes(archive.stored_bundle(record)), "application/zip", f'"{digest}"',
                   f"consultation-{page_id}-record-{digest[:12]}.zip", attachment=True)


@require_safe
def single_file(request, page_id: int, digest: str, name: str):
    if name not in CONTENT_TYPES:
        raise Http404
    record = _archive(page_id, digest)
    response = _answer(request, archive.stored_bundle(record).files[name], CONTENT_TYPES[name],
                       f'"{digest}-{name}"', name, attachment=False)
    if name == archive.HTML:
        response["Content-Security-Policy"] = HTML_POLICY
    return response


urlpatterns = [
    path("<int:page_id>/<str:digest>.zip", bundle, name="archive-zip"),
    path("<int:page_id>/<str:digest>/<str:name>", single_file, name="archive-file"),
]
