"""Each rendered form is sent at most once: a slow or dropped connection, a second click, or a
browser that retries a POST must not post the same comment twice.

Forms that create something carry a random key (`new_key`, a hidden field). The first POST with
a key claims it for the person in the shared cache (an atomic add, so two workers racing on the
same key cannot both win) and, once the write is done, remembers where its result is. A later
POST with the same key writes nothing and is sent there instead. A write that was refused
(invalid, rate-limited) releases the key, so correcting the form and sending it again works.
Keys are per person, so a key seen in someone else's page is worth nothing.
"""

import re
import uuid

from django.core.cache import cache

KEEP_SECONDS = 24 * 3600
_KEY = re.compile(r"^[0-9a-f]{32}$")
IN_PROGRESS = "…"


def new_key() -> str:
    return uuid.uuid4().hex


def _cache_key(user_id: int, key: str) -> str:
    return f"submitted:{user_id}:{key}"


def valid(key) -> bool:
    return isinstance(key, str) and bool(_KEY.match(key))


def claim(user_id: int, key) -> str | None:
    """None when this is the key's first POST (it is now claimed); otherwise where the earlier
    POST's result is ("" while that POST is still being handled). A missing or malformed key
    claims nothing: the form is handled as any other."""
    if not valid(key):
        return None
    if cache.add(_cache_key(user_id, key), IN_PROGRESS, timeout=KEEP_SECONDS):
        return None
    done = cache.get(_cache_key(user_id, key))
    return "" if done in (None, IN_PROGRESS) else done


def remember(user_id: int, key, result_url: str) -> None:
    if valid(key):
        cache.set(_cache_key(user_id, key), result_url, timeout=KEEP_SECONDS)


def release(user_id: int, key) -> None:
    if valid(key):
        cache.delete(_cache_key(user_id, key))
