"""The fan-out hub: one per worker process, between the channel layer and this process's sockets.

Plain Channels fan-out (a layer channel per socket, every socket in the page's group) costs the
layer one delivery per socket and saturates a core at a few thousand deliveries a second. Here
the process joins each page's group once, receives each event once (already serialised by
consult.events), and hands the same text to every local socket that may see it. Each socket
keeps a bounded outbox and writes on its own task, so a client that stops reading fills only
its own outbox and is then disconnected (it resumes by `seq`); it never slows the others.

The hub also coalesces tallies (at most one update per target every 250 ms, with counts read
from the database at that moment, so a burst of votes ends in the exact figure) and keeps the
presence count, summed over every worker through the layer.
"""

import asyncio
import contextlib
import logging
import time
import uuid

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from prometheus_client import Counter, Gauge

from consult.events import PUBLIC, frame, group_name
from consult.models import Comment, CommentStatus, Statement, StatementStatus
from consult.sockets import ACCOUNTS_GROUP, SIGN_IN_ENDED

logger = logging.getLogger(__name__)
# Served at /metrics (config.metrics); "livesum": the open sockets of the running workers, summed.
SOCKETS_OPEN = Gauge("rayzan_live_sockets_open", "Live WebSocket connections open now.", multiprocess_mode="livesum")
SOCKETS_OPENED = Counter("rayzan_live_sockets_opened", "Live WebSocket connections opened.")

TALLY_INTERVAL = 0.5       # seconds between two tally updates for a page: 2 a second per target (contract: ≤ 4)
PRESENCE_INTERVAL = 1.0    # how often presence is summed and, when it changed, announced
PRESENCE_HEARTBEAT = 10.0  # a worker repeats its count this often, even unchanged
PRESENCE_STALE = 30.0      # a worker not heard from for this long counts for nothing


def read_tallies(page_id: int, targets: set[str]) -> list[dict]:
    """Current counts for "comment:<id>" and "statement:<id>" targets on one page (public only)."""
    comment_ids = {int(t.split(":", 1)[1]) for t in targets if t.startswith("comment:")}
    statement_ids = {int(t.split(":", 1)[1]) for t in targets if t.startswith("statement:")}
    out = []
    if comment_ids:
        rows = (Comment.objects.filter(pk__in=comment_ids, page_id=page_id, status=CommentStatus.PUBLISHED)
                .values_list("pk", "support_count", "oppose_count", "reply_count"))
        out += [{"target": f"comment:{pk}", "up": up, "down": down, "replies": replies}
                for pk, up, down, replies in rows]
    if statement_ids:
        rows = (Statement.objects.filter(pk__in=statement_ids, page_id=page_id, status=StatementStatus.PUBLISHED)
                .values_list("pk", "agree_count", "disagree_count", "pass_count"))
        out += [{"target": f"statement:{pk}", "agree": agree, "disagree": disagree, "pass": passed}
                for pk, agree, disagree, passed in rows]
    return out


class Room:
    """One page's sockets in this process."""

    def __init__(self, page_id: int):
        self.page_id = page_id
        self.sockets: set = set()
        self.dirty_tallies: set[str] = set()
        self.tally_task: asyncio.Task | None = None
        self.remote_presence: dict[str, tuple[int, float]] = {}
        self.announced_local: int | None = None
        self.announced_at = 0.0
        self.shown_total: int | None = None

    def total_presence(self, now: float) -> int:
        remote = sum(count for count, seen in self.remote_presence.values() if now - seen < PRESENCE_STALE)
        return len(self.sockets) + remote


class Hub:
    def __init__(self):
        self.layer = get_channel_layer()
        self.rooms: dict[int, Room] = {}
        self.worker = uuid.uuid4().hex[:12]
        self.channel: str | None = None
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []

    # --- sockets ---------------------------------------------------------------------------

    async def join(self, socket, page_id: int) -> None:
        async with self._lock:
            if self.channel is None:
                await self._start()
            if not self.rooms:  # the first socket: hear about sign-ins that end (consult.sockets)
                await self.layer.group_add(ACCOUNTS_GROUP, self.channel)
            room = self.rooms.get(page_id)
            if room is None:
                room = self.rooms[page_id] = Room(page_id)
                await self.layer.group_add(group_name(page_id), self.channel)
            room.sockets.add(socket)
            SOCKETS_OPEN.inc()
            SOCKETS_OPENED.inc()

    async def leave(self, socket, page_id: int) -> None:
        async with self._lock:
            room = self.rooms.get(page_id)
            if room is None or socket not in room.sockets:
                return
            room.sockets.remove(socket)
            SOCKETS_OPEN.dec()
            if not room.sockets:
                del self.rooms[page_id]
                if room.tally_task:
                    room.tally_task.cancel()
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(group_name(page_id), self.channel)
                    if not self.rooms:
                        await self.layer.group_discard(ACCOUNTS_GROUP, self.channel)
                await self._announce_presence(room, force=True)

    def local_count(self) -> int:
        return sum(len(room.sockets) for room in self.rooms.values())

    # --- the layer -------------------------------------------------------------------------

    async def _start(self) -> None:
        self.channel = await self.layer.new_channel(prefix="live-hub.")
        self._tasks = [asyncio.create_task(self._read(), name="live-hub-read"),
                       asyncio.create_task(self._tick(), name="live-hub-presence")]

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a dropped Redis connection: wait, then listen again
                logger.exception("live hub: receive failed")
                await asyncio.sleep(1)
                continue
            try:
                self.dispatch(message)
            except Exception:
                logger.exception("live hub: could not dispatch %r", message.get("type"))

    def dispatch(self, message: dict) -> None:
        kind = message.get("type")
        if kind == SIGN_IN_ENDED:
            self._end_sign_in(message["user"])
            return
        room = self.rooms.get(message.get("page"))
        if room is None:
            return
        if kind == "live.frame":
            audience, seq, text = message["audience"], message.get("seq"), message["text"]
            for socket in tuple(room.sockets):
                if audience == PUBLIC or socket.in_audience(audience):
                    socket.push(text, seq)
        elif kind == "live.tally":
            room.dirty_tallies.update(message["targets"])
            if room.tally_task is None or room.tally_task.done():
                room.tally_task = asyncio.create_task(self._flush_tallies(room))
        elif kind == "live.presence" and message.get("worker") != self.worker:
            room.remote_presence[message["worker"]] = (int(message["count"]), time.monotonic())

    def _end_sign_in(self, user_id: int) -> None:
        """Close the person's sockets here (sign-outs are rare next to frames: a scan is fine)."""
        for room in self.rooms.values():
            for socket in tuple(room.sockets):
                if socket.user_id == user_id:
                    socket.end_sign_in()

    async def _flush_tallies(self, room: Room) -> None:
        """Send the dirty targets' current counts, then wait, while votes keep arriving."""
        while room.dirty_tallies and room.sockets:
            targets, room.dirty_tallies = room.dirty_tallies, set()
            try:
                tallies = await database_sync_to_async(read_tallies)(room.page_id, targets)
            except Exception:
                logger.exception("live hub: could not read tallies for page %s", room.page_id)
                tallies = []
            for tally in tallies:
                text = frame("tally.updated", tally)
                for socket in tuple(room.sockets):
                    socket.push(text, None)
            await asyncio.sleep(TALLY_INTERVAL)

    # --- presence --------------------------------------------------------------------------

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_INTERVAL)
            for room in tuple(self.rooms.values()):
                try:
                    await self._announce_presence(room)
                    self._show_presence(room)
                except Exception:
                    logger.exception("live hub: presence for page %s", room.page_id)

    async def _announce_presence(self, room: Room, *, force: bool = False) -> None:
        """Tell the other workers this worker's count for the page, when it changed (or as a
        heartbeat, so a worker that died is forgotten)."""
        now = time.monotonic()
        local = len(room.sockets)
        if not force and local == room.announced_local and now - room.announced_at < PRESENCE_HEARTBEAT:
            return
        room.announced_local, room.announced_at = local, now
        await self.layer.group_send(group_name(room.page_id), {
            "type": "live.presence", "page": room.page_id, "worker": self.worker, "count": local})

    def _show_presence(self, room: Room) -> None:
        total = room.total_presence(time.monotonic())
        if total != room.shown_total:
            room.shown_total = total
            text = frame("presence", {"count": total})
            for socket in tuple(room.sockets):
                socket.push(text, None)


_hubs: dict[int, Hub] = {}


def get_hub() -> Hub:
    """This process's hub for the running event loop (tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None or hub.loop is not loop:
        hub = Hub()
        hub.loop = loop
        _hubs[id(loop)] = hub
    return hub
