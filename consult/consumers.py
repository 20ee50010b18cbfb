"""The live WebSocket endpoint, /ws/live/<page_id>/ (the contract in ARCHITECTURE.md).

Connect: the page must be a published consultation or roundtable (else close 4404). Origin is
checked by AllowedHostsOriginValidator in config.asgi before this consumer runs; a missing or
foreign Origin never gets here. The socket joins this process's hub (consult.hub) and says
`hello` with the page's current `seq`. With `?after=<seq>` it first replays every logged event
after that number, then goes live; live frames that arrived during the replay wait in the
socket's outbox and are deduplicated by `seq`, so there is no gap and no duplicate. A gap seen
later (a frame the layer dropped) is filled from the log before the next frame is written.

Client frames (optional fast path; the REST API stays primary): `{"type": "vote", ...}` and
`{"type": "statement", ...}` are handled by the commands in settings.RAYZAN_LIVE_COMMANDS, which
call the same services as the API, so permissions, validation and rate limits are identical;
each is answered with an `ack`. Bad frames get an error ack, never an exception. Limits per
socket: 10 messages a second (burst 20), 64 KB a frame, and a socket that breaks them more than
20 times within a minute is closed with 4429; 5 sockets per signed-in person (close 4409); a socket whose outbox fills
because it stopped reading is closed with 4008 and resumes by `seq`. When the person's sign-in
ends (consult.sockets.sign_in_ended) the socket is closed with 4401, and the client reconnects.
"""

import asyncio
import json
import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from consult import events, selectors, sockets
from consult.hub import get_hub
from consult.ratelimit import RateLimited
from consult.rules import is_moderator, is_participant

logger = logging.getLogger(__name__)

CLOSE_SLOW_CONSUMER = 4008
CLOSE_ABUSE = 4429
CLOSE_TOO_MANY_SOCKETS = 4409
CLOSE_PAGE_NOT_FOUND = 4404
MAX_FRAME_BYTES = 64 * 1024
MAX_REF_CHARS = 64
RATE_PER_SECOND, RATE_BURST = 10.0, 20.0
MAX_STRIKES = 20           # refused frames (over the rate, malformed, oversize) before the socket is closed
STRIKE_WINDOW = 60.0       # ... within this many seconds: a long-lived client's rare mistakes never add up
OUTBOX_LIMIT = 2000        # frames waiting for a client that is not reading


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


def _after(scope) -> int | None:
    raw = parse_qs((scope.get("query_string") or b"").decode("latin-1")).get("after", [None])[0]
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


def _viewer(user, page_id: int) -> dict:
    return {"participant": is_participant(user), "moderator": bool(user.is_authenticated and is_moderator(user))}


# Client commands (and the lookups of a new connection) run on a small pool of threads, not on
# the one thread that asgiref keeps for "thread-sensitive" code: with one thread, every socket's
# vote in the process waited for every other's database round trips. Each call closes its
# database connection when done (back to the pool on PostgreSQL), as database_sync_to_async does.
COMMAND_THREADS = 4
_command_executor = ThreadPoolExecutor(max_workers=COMMAND_THREADS, thread_name_prefix="live-command")


def _closing_connections(func):
    from django.db import close_old_connections

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()
    return run


def _in_command_thread(func):
    return SyncToAsync(_closing_connections(func), thread_sensitive=False, executor=_command_executor)


def _command(kind: str):
    path = settings.RAYZAN_LIVE_COMMANDS.get(kind)
    return import_string(path) if path else None


def _run_command(handler, user, page_id: int, message: dict, language: str) -> dict:
    """Run a client command in the socket's language; refusals become the error body."""
    with translation.override(language):
        try:
            return {"ok": True, **({"data": result} if (result := handler(actor=user, page_id=page_id,
                                                                           message=message)) else {})}
        except ValidationError as exc:
            fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            first = next(iter(fields.values()))[0]
            return {"ok": False, "error": {"code": "invalid", "message": str(first), "fields": fields}}
        except PermissionDenied as exc:
            message = str(exc) or str(_("You cannot do that here."))
            return {"ok": False, "error": {"code": "permission_denied", "message": message}}
        except RateLimited as exc:
            message = _("Too many actions in a short time. Wait %(seconds)s seconds, then try again.")
            return {"ok": False, "error": {"code": "rate_limited", "retry_after": exc.retry_after,
                                           "message": str(message) % {"seconds": exc.retry_after}}}
        except (Http404, ObjectDoesNotExist):
            return {"ok": False, "error": {"code": "not_found", "message": str(_("That item does not exist here."))}}


class LiveConsumer(AsyncWebsocketConsumer):
    # No layer channel per socket: the process's hub is the only subscriber (consult.hub).
    channel_layer_alias = "live sockets do not use a per-socket layer channel"

    page_id: int | None = None

    async def connect(self):
        self.language = language_from_scope(self.scope)
        self.user = self.scope.get("user")
        self.user_id = self.user.pk if self.user is not None and self.user.is_authenticated else None
        self.viewer = {"participant": False, "moderator": False}
        self.outbox: deque = deque()
        self.writer: asyncio.Task | None = None
        self.closer: asyncio.Future | None = None
        self.last_seq = 0
        self.ready = False
        self.closing = False
        self.tokens, self.tokens_at, self.strikes = RATE_BURST, time.monotonic(), []
        self.socket_key = None
        page_id = self.scope["url_route"]["kwargs"]["page_id"]
        # Accept before any database work: the client then sees a WebSocket close code it can
        # act on (not a bare 403), and the handshake never waits on the database. daphne drops
        # a handshake the application has not accepted within 5 s, which a reconnect storm of
        # a thousand sockets queued behind one database thread used to exceed.
        await self.accept()
        page = await _in_command_thread(selectors.live_page_for_stream)(page_id)
        if page is None:
            await self.close(code=CLOSE_PAGE_NOT_FOUND)
            return
        if self.user_id is not None:
            self.socket_key = await _in_command_thread(sockets.register)(self.user_id)
            if self.socket_key is None:
                await self.close(code=CLOSE_TOO_MANY_SOCKETS)
                return
            self.viewer = await _in_command_thread(_viewer)(self.user, page.pk)
        self.page_id = page.pk
        await get_hub().join(self, self.page_id)  # live frames queue in the outbox from now on
        after = _after(self.scope)
        current = await _in_command_thread(events.current_seq)(self.page_id)
        await self.send(text_data=events.frame("hello", {"page": self.page_id, "seq": current}))
        self.last_seq = current if after is None else min(after, current)
        await self._replay_until(current)
        self.ready = True
        self._wake()

    async def disconnect(self, code):
        if self.page_id is not None:
            await get_hub().leave(self, self.page_id)
        if self.writer is not None:
            self.writer.cancel()
        if self.socket_key is not None:
            await database_sync_to_async(sockets.unregister)(self.user_id, self.socket_key)

    # --- from the hub ----------------------------------------------------------------------

    def in_audience(self, audience: str) -> bool:
        if audience == events.MODERATORS:
            return self.viewer["moderator"]
        return self.user_id is not None and audience == events.user_audience(self.user_id)

    def push(self, text: str, seq: int | None) -> None:
        """Queue a frame (called by the hub for every event on this page; never blocks)."""
        if self.closing:
            return
        if len(self.outbox) >= OUTBOX_LIMIT:
            self.closing = True
            self.outbox.clear()
            self.closer = asyncio.ensure_future(self.close(code=CLOSE_SLOW_CONSUMER))
            return
        self.outbox.append((seq, text))
        self._wake()

    def end_sign_in(self) -> None:
        """The person signed out elsewhere (consult.sockets): close; the client reconnects and
        authenticates again, as whoever its cookie now says."""
        if not self.closing:
            self.closing = True
            self.outbox.clear()
            self.closer = asyncio.ensure_future(self.close(code=sockets.CLOSE_SIGN_IN_ENDED))

    def _wake(self) -> None:
        if self.ready and not self.closing and self.outbox and (self.writer is None or self.writer.done()):
            self.writer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        while self.outbox and not self.closing:
            seq, text = self.outbox.popleft()
            if seq is not None:
                if seq <= self.last_seq:
                    continue  # already sent by the replay
                if seq > self.last_seq + 1:
                    await self._replay_until(seq - 1)  # the layer dropped something: the log has it
                self.last_seq = seq
            await self.send(text_data=text)

    async def _replay_until(self, until: int) -> None:
        while self.last_seq < until:
            batch = await database_sync_to_async(events.events_after)(self.page_id, self.last_seq)
            batch = [e for e in batch if e.seq <= until]
            if not batch:
                return
            for event in batch:
                await self.send(text_data=events.frame(event.type, event.data, event.seq))
                self.last_seq = event.seq

    # --- from the client -------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.page_id is None or self.closing:
            return
        if not self._take_token():
            await self._refuse(None, "rate_limited", _("Slow down: at most 10 messages a second."))
            return
        raw = text_data if text_data is not None else None
        if raw is None or len(raw.encode("utf-8")) > MAX_FRAME_BYTES:
            await self._refuse(None, "bad_frame", _("Send one JSON object per text frame, at most 64 KB."))
            return
        try:
            content = json.loads(raw)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._refuse(None, "bad_frame", _("Send one JSON object per text frame, at most 64 KB."))
            return
        ref = content.get("ref")
        ref = ref if isinstance(ref, str) and len(ref) <= MAX_REF_CHARS else None
        kind = content.get("type")
        handler = _command(kind) if isinstance(kind, str) else None
        if handler is None:
            await self._refuse(ref, "unknown_type", _("This message type is not known."))
            return
        if self.user_id is None:
            await self._ack(ref, {"ok": False, "error": {"code": "not_authenticated", "message": self._text(
                _("Sign in to take part; listening needs no account."))}})
            return
        result = await _in_command_thread(_run_command)(handler, self.user, self.page_id, content, self.language)
        await self._ack(ref, result)

    def _take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(RATE_BURST, self.tokens + (now - self.tokens_at) * RATE_PER_SECOND)
        self.tokens_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def _text(self, message) -> str:
        with translation.override(self.language):
            return str(message)

    async def _ack(self, ref, result: dict) -> None:
        await self.send(text_data=json.dumps({"type": "ack", "ref": ref, **result}, ensure_ascii=False))

    async def _refuse(self, ref, code: str, message) -> None:
        """An error ack for a frame that broke the rules; too many and the socket is closed."""
        now = time.monotonic()
        self.strikes = [t for t in self.strikes if now - t < STRIKE_WINDOW] + [now]
        if len(self.strikes) > MAX_STRIKES:
            self.closing = True
            await self.close(code=CLOSE_ABUSE)
            return
        await self._ack(ref, {"ok": False, "error": {"code": code, "message": self._text(message)}})


class UnknownStreamConsumer(AsyncWebsocketConsumer):
    """Any other /ws/ path: accepted and closed with 4404, like an unknown page, rather than an
    unrouted connection that the server logs as an error."""

    channel_layer_alias = "no layer"

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_PAGE_NOT_FOUND)
