"""Signed-in people's live sockets, across every worker.

How many each person holds (the shared cache): at most settings.RAYZAN_SOCKETS_PER_USER (5) at
a time, so one account cannot hold thousands of connections open. Each entry expires on its
own after an hour, so a worker that died without saying goodbye does not lock anyone out for
long; two connects racing on two workers may briefly admit one more, which is harmless.

When a sign-in ends (signing out, a changed or reset password, a removed second factor, an
erased account), `sign_in_ended` tells every worker through the channel layer: the person's
open sockets are closed with 4401 and the clients reconnect, which authenticates them again.
A socket authenticates once, at its handshake, so without this a socket opened before would
keep acting for the person after the session behind it is gone.
"""

import logging
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

ENTRY_SECONDS = 3600
ACCOUNTS_GROUP = "live-accounts"        # every worker's hub and every moderation socket listen here
SIGN_IN_ENDED = "account.ended"         # the layer message; handled as `account_ended` by consumers
CLOSE_SIGN_IN_ENDED = 4401


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


def sign_in_ended(user_id: int) -> None:
    """Close this person's live sockets on every worker once the current transaction commits."""
    transaction.on_commit(lambda: _broadcast_sign_in_ended(user_id))


def _broadcast_sign_in_ended(user_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(ACCOUNTS_GROUP, {"type": SIGN_IN_ENDED, "user": user_id})
    except Exception:  # the sign-out itself stands; an unreachable layer must not undo it
        logger.exception("could not tell the workers that user %s signed out", user_id)
