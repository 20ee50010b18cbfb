"""The live WebSocket endpoint, /ws/live/<page_id>/.

This slice accepts listeners for published consultation and roundtable pages and refuses
unknown or unpublished pages with a 4xxx close code; the event stream itself (seq, resume,
fan-out hub) arrives with the live issue. Origin is checked by AllowedHostsOriginValidator
in config.asgi before this consumer runs.

Client frames are answered with an `ack` (see ARCHITECTURE.md). A frame that is not a JSON
object, or whose type is unknown, gets `{"type": "ack", "ok": false, "error": {...}}` and never
closes or crashes the socket: a buggy client must not be able to take its own stream down.
"""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from consult import selectors

CLOSE_PAGE_NOT_FOUND = 4404
MAX_FRAME_CHARS = 4096  # client frames are small commands; anything larger is refused unread
MAX_REF_CHARS = 64


def language_from_scope(scope) -> str:
    """The language for this socket's messages: the language cookie, else Accept-Language."""
    cookie = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME)
    headers = dict(scope.get("headers") or [])
    candidates = [cookie] if cookie else []
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _q in translation.trans_real.parse_accept_lang_header(accept)]
    for candidate in candidates:
        try:
            return translation.get_supported_language_variant(candidate)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class LiveConsumer(AsyncJsonWebsocketConsumer):
    page_id: int | None = None

    async def connect(self):
        self.language = language_from_scope(self.scope)
        page_id = self.scope["url_route"]["kwargs"]["page_id"]
        page = await database_sync_to_async(selectors.live_page_for_stream)(page_id)
        # Accept first so the client sees a WebSocket close code it can act on, not a bare 403.
        await self.accept()
        if page is None:
            await self.close(code=CLOSE_PAGE_NOT_FOUND)
            return
        self.page_id = page.pk
        await self.send_json({"type": "hello", "data": {"page": page.pk}})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Decode defensively; the base class raises (and drops the socket) on bad input."""
        if self.page_id is None:  # refused in connect(); the close is already on its way
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._nack(None, "bad_frame", _("Send one JSON object per text frame."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._nack(None, "bad_frame", _("Send one JSON object per text frame."))
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self._nack(None, "bad_frame", _("Send one JSON object per text frame."))
            return
        ref = content.get("ref")
        ref = ref if isinstance(ref, str) and len(ref) <= MAX_REF_CHARS else None
        if content.get("type") == "vote":
            await self._nack(ref, "not_supported",
                             _("This stream is read-only for now; vote through the API."))
            return
        await self._nack(ref, "unknown_type", _("This message type is not known."))

    async def _nack(self, ref, code: str, message):
        """A refusal; `message` is lazy and rendered in the socket's language."""
        with translation.override(self.language):
            message = str(message)
        await self.send_json({"type": "ack", "ref": ref, "ok": False,
                              "error": {"code": code, "message": message}})


class UnknownStreamConsumer(AsyncJsonWebsocketConsumer):
    """Any other /ws/ path: accepted and closed with 4404, like an unknown page, rather than an
    unrouted connection that the server logs as an error."""

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_PAGE_NOT_FOUND)
