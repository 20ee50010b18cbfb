"""The live WebSocket endpoint, /ws/live/<page_id>/.

This slice accepts listeners for published consultation and roundtable pages and refuses
unknown or unpublished pages with a 4xxx close code; the event stream itself (seq, resume,
fan-out hub) arrives with the live issue. Origin is checked by AllowedHostsOriginValidator
in config.asgi before this consumer runs.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from consult import selectors

CLOSE_PAGE_NOT_FOUND = 4404


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        page_id = self.scope["url_route"]["kwargs"]["page_id"]
        page = await database_sync_to_async(selectors.live_page_for_stream)(page_id)
        # Accept first so the client sees a WebSocket close code it can act on, not a bare 403.
        await self.accept()
        if page is None:
            await self.close(code=CLOSE_PAGE_NOT_FOUND)
            return
        self.page_id = page.pk
        await self.send_json({"type": "hello", "data": {"page": page.pk}})

    async def receive_json(self, content, **kwargs):
        await self.send_json({
            "type": "ack", "ref": content.get("ref") if isinstance(content, dict) else None, "ok": False,
            "error": {"code": "not_supported", "message": "This stream is read-only for now."},
        })
