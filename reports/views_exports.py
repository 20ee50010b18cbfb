"""Open-data downloads under /<lang>/reports/<page_id>/export/<dataset>.<csv|json> (officials,
editors and admins). The API serves the same response (reports.api_exports).

The body is streamed. Under ASGI (daphne, as served) Django would collect a synchronous iterator
into a list before sending it, which is the whole file in memory; so there the chunks are pulled
one at a time through sync_to_async, in the request's own thread, where the database cursor lives.
Under WSGI and the test client the plain iterator is streamed as it is.
"""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, StreamingHttpResponse
from django.utils.cache import patch_cache_control

from reports import exports
from reports.views import _refuse
from voting.selectors import participation_page

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


async def _pulled_in_request_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    pull = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await pull(chunks, None)) is not None:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()


def export_response(request, page_id: int, dataset: str, fmt: str) -> StreamingHttpResponse:
    """The streamed file; Http404 for an unknown page, dataset or format. Permission is the
    caller's to check first."""
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        raise Http404
    page = participation_page(page_id)
    if page is None:
        raise Http404
    chunks = exports.stream(page, dataset, fmt)
    content = _pulled_in_request_thread(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="consultation-{page.pk}-{dataset}.{fmt}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def export(request, page_id: int, dataset: str, fmt: str):
    refused = _refuse(request)
    if refused:
        return refused
    return export_response(request, page_id, dataset, fmt)
