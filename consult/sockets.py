"""How many live sockets each signed-in person holds, across every worker (the shared cache).

At most settings.RAYZAN_SOCKETS_PER_USER (5) at a time, so one account cannot hold thousands of
connections open. Each entry expires on its own after an hour, so a worker that died without
saying goodbye does not lock anyone out for long; two connects racing on two workers may
briefly admit one more, which is harmless.
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache

ENTRY_SECONDS = 3600


def _key(user_id: int) -> str:
    return f"live-sockets:{user_id}"


def register(user_id: int) -> str | None:
    """A key for the new socket, or None when the person already holds the maximum."""
    now = time.time()
    entries = {k: expires for k, expires in (cache.get(_key(user_id)) or {}).items() if expires > now}
    if len(entries) >= settings.RAYZAN_SOCKETS_PER_USER:
        return None
    socket_key = uuid.uuid4().hex
    entries[socket_key] = now + ENTRY_SECONDS
    cache.set(_key(user_id), entries, timeout=ENTRY_SECONDS)
    return socket_key


def unregister(user_id: int, socket_key: str) -> None:
    now = time.time()
    entries = {k: expires for k, expires in (cache.get(_key(user_id)) or {}).items()
               if expires > now and k != socket_key}
    cache.set(_key(user_id), entries, timeout=ENTRY_SECONDS)
