"""/ws/moderation/: moderators' queue pages hear about new, claimed and decided cases, so the
queue updates without a reload. Only moderators may listen; an assigned moderator hears only
about the pages they moderate. When the moderator's sign-in ends (consult.sockets), the socket is
closed with 4401 and the page reconnects, authenticating again."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from consult.sockets import ACCOUNTS_GROUP, CLOSE_SIGN_IN_ENDED
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
        self.user_id = self.scope["user"].pk
        await self.channel_layer.group_add(QUEUE_GROUP, self.channel_name)
        await self.channel_layer.group_add(ACCOUNTS_GROUP, self.channel_name)
        self.joined = True

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(QUEUE_GROUP, self.channel_name)
            await self.channel_layer.group_discard(ACCOUNTS_GROUP, self.channel_name)

    async def account_ended(self, message):
        if message["user"] == self.user_id:
            await self.close(code=CLOSE_SIGN_IN_ENDED)

    async def receive(self, text_data=None, bytes_data=None):
        """Listeners only: anything sent is ignored."""

    async def queue_changed(self, message):
        if self.pages is not None and message["page"] not in self.pages:
            return
        await self.send(text_data=json.dumps({"type": "moderation.queue", "data": {
            key: message[key] for key in ("case", "page", "change", "priority", "status")}}))
