"""/ws/moderation/: moderators' queue pages hear about new, claimed and decided cases, so the
queue updates without a reload. Only moderators may listen; an assigned moderator hears only
about the pages they moderate."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from moderation.live import QUEUE_GROUP
from moderation.rules import moderated_page_ids

CLOSE_NOT_ALLOWED = 4403


@database_sync_to_async
def _scope_of(user):
    if not (user and user.is_authenticated and user.has_perm("moderation.moderate")):
        return False, None
    return True, moderated_page_ids(user)


class QueueConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        allowed, self.pages = await _scope_of(self.scope.get("user"))
        if not allowed:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        await self.channel_layer.group_add(QUEUE_GROUP, self.channel_name)
        self.joined = True

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(QUEUE_GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Listeners only: anything sent is ignored."""

    async def queue_changed(self, message):
        if self.pages is not None and message["page"] not in self.pages:
            return
        await self.send(text_data=json.dumps({"type": "moderation.queue", "data": {
            key: message[key] for key in ("case", "page", "change", "priority", "status")}}))
