"""Publishing live events (the contract in ARCHITECTURE.md), from inside a write's transaction.

Durable events (`record`) are appended to the page's event log with the next `seq` in the
caller's transaction and are sent to the page's group when it commits: a rolled-back write
sends nothing, and a committed one is in the log even if the send is lost (clients fill gaps
from the log). Ephemeral events (`tally_changed`, `notify`) are sent on commit and never logged.

Each event is serialised once here, per audience, and travels through the channel layer as
text; the hub in every worker process (consult.hub) writes that text to its own sockets.
Audiences: "public" (everyone on the page), "moderators", or "user:<id>" (one person's
sockets, e.g. the author of a comment held for review).
"""

import asyncio
import json
import logging
import os
import weakref

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from prometheus_client import Counter

from consult.models import LiveEvent, LiveStream

logger = logging.getLogger(__name__)
# Served at /metrics (config.metrics): each message is counted where it is serialised, so a
# broadcast counts once per process that sends it, a hello or a replayed event once per socket.
EVENTS_SENT = Counter("rayzan_live_events_sent", "Live event messages sent, by type.", ["type"])

PUBLIC = "public"
MODERATORS = "moderators"
REPLAY_BATCH = 500
TALLY_SEND_SECONDS = 0.1  # a worker sends the tallies that moved at most this often, per page

DURABLE_TYPES = frozenset({"comment.created", "comment.updated", "comment.removed", "statement.created",
                           "statement.updated", "statement.removed", "response.published", "roundtable.state"})


def group_name(page_id: int) -> str:
    return f"live.{page_id}"


def user_audience(user_id: int) -> str:
    return f"user:{user_id}"


def frame(event_type: str, data: dict, seq: int | None = None) -> str:
    EVENTS_SENT.labels(event_type).inc()
    message = {"type": event_type, "seq": seq, "data": data} if seq is not None else {"type": event_type,
                                                                                         "data": data}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _next_seq(page_id: int) -> int:
    """The page's next number. The UPDATE locks the page's stream row until the caller's
    transaction ends, so events commit in `seq` order (see consult.models.live)."""
    qn = connection.ops.quote_name
    table = qn(LiveStream._meta.db_table)
    sql = f"UPDATE {table} SET {qn('last_seq')} = {qn('last_seq')} + 1 WHERE {qn('page_id')} = %s RETURNING {qn('last_seq')}"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [page_id])
        row = cursor.fetchone()
        if row is None:
            LiveStream.objects.bulk_create([LiveStream(page_id=page_id)], ignore_conflicts=True)
            cursor.execute(sql, [page_id])
            row = cursor.fetchone()
    return row[0]


def _send(page_id: int, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message["page"] = page_id
    try:
        async_to_sync(layer.group_send)(group_name(page_id), message)
    except Exception:  # the log has it; clients that miss the frame fetch it by seq
        logger.exception("live: could not send %s to page %s", message.get("type"), page_id)


def record(page_id: int, event_type: str, data: dict) -> LiveEvent:
    """Append a durable public event; it is sent to listeners when the transaction commits."""
    if event_type not in DURABLE_TYPES:
        raise ValueError(f"not a durable event type: {event_type}")
    with transaction.atomic():
        seq = _next_seq(page_id)
        event = LiveEvent.objects.create(page_id=page_id, seq=seq, type=event_type, data=data)
    text = frame(event_type, data, seq)
    transaction.on_commit(lambda: _send(page_id, {"type": "live.frame", "audience": PUBLIC, "seq": seq,
                                                  "text": text}))
    return event


def notify(page_id: int, audience: str, event_type: str, data: dict) -> None:
    """An ephemeral notice to one audience on the page (never logged), sent on commit."""
    text = frame(event_type, data)
    transaction.on_commit(lambda: _send(page_id, {"type": "live.frame", "audience": audience, "seq": None,
                                                  "text": text}))


def tally_changed(page_id: int, target: str) -> None:
    """A tally moved ("comment:17", "statement:5"). The hubs coalesce these per target and read
    the current counts themselves, so what listeners see is always the committed truth."""
    transaction.on_commit(lambda: _queue_tally(page_id, target))


def _queue_tally(page_id: int, target: str) -> None:
    """Hand the moved tally to this worker's event loop without waiting for the send.

    Under the ASGI server a vote runs in a thread that `sync_to_async` started; a send from
    there (`async_to_sync`) cost a vote about as much as its database work. Instead the target
    joins the loop's outbox, which sends one message per page with every target that moved,
    at most every TALLY_SEND_SECONDS. Where there is no server loop (a management command,
    tests without one), the tally is sent at once; while the server is shutting down it is
    dropped (waiting on a stopped loop would hang the thread, and the counts are in the
    database for the next tally)."""
    loop = _server_loop()
    if loop is None:
        _send(page_id, {"type": "live.tally", "targets": [target]})
    elif loop.is_running() and not loop.is_closed():
        loop.call_soon_threadsafe(_TallyOutbox.add, loop, page_id, target)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop that started this thread through `sync_to_async`, as asgiref records it
    (and checks it, after a fork) for its own `async_to_sync`; None elsewhere."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop


class _TallyOutbox:
    """Per event loop, touched only on its loop's thread: the targets that moved, by page."""

    _by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _TallyOutbox]" = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self.pending: dict[int, set[str]] = {}

    @classmethod
    def add(cls, loop: asyncio.AbstractEventLoop, page_id: int, target: str) -> None:
        outbox = cls._by_loop.get(loop)
        if outbox is None:
            outbox = cls._by_loop[loop] = cls()
        if not outbox.pending:
            loop.call_later(TALLY_SEND_SECONDS, lambda: loop.create_task(outbox.flush()))
        outbox.pending.setdefault(page_id, set()).add(target)

    async def flush(self) -> None:
        pending, self.pending = self.pending, {}
        layer = get_channel_layer()
        if layer is None:
            return
        for page_id, targets in pending.items():
            try:
                await layer.group_send(group_name(page_id), {"type": "live.tally", "targets": sorted(targets),
                                                             "page": page_id})
            except Exception:  # ephemeral: the next vote on the target sends it again
                logger.exception("live: could not send tallies to page %s", page_id)


def state_changed(page_id: int, event_type: str, data: dict) -> None:
    """Ephemeral shared state, such as presence (no seq)."""
    _send(page_id, {"type": "live.frame", "audience": PUBLIC, "seq": None, "text": frame(event_type, data)})


# --- reading the log -------------------------------------------------------------------------

def current_seq(page_id: int) -> int:
    return LiveStream.objects.filter(page_id=page_id).values_list("last_seq", flat=True).first() or 0


def events_after(page_id: int, after: int, limit: int = REPLAY_BATCH) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(page_id=page_id, seq__gt=after).order_by("seq")[:limit])


def event_message(event: LiveEvent) -> dict:
    return {"type": event.type, "seq": event.seq, "data": event.data}
