"""Counters in the shared cache, in one round trip when the cache is Redis.

Django's cache API needs two or three calls (and, with its Redis backend, a new client object
per call) for "add if missing, then increment". Votes do this twice each (the rate limit and
the read cache's page version), so on Redis these run as one MULTI/EXEC pipeline instead:
atomic, one round trip. Any other backend (the embedded default's local memory) takes the
portable path, which is exact within one process.
"""

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


def _redis_client(key: str):
    """The raw redis-py client and the full key, or (None, None) when the cache is not Redis."""
    backend = caches["default"]  # `cache` is a proxy to it
    if not isinstance(backend, RedisCache):
        return None, None
    full_key = backend.make_and_validate_key(key)
    return backend._cache.get_client(full_key, write=True), full_key


def incr_with_floor(key: str, *, initial: int, timeout: int | None) -> int:
    """Increment `key`, first setting it to `initial` (with `timeout` seconds to live, or none)
    if it is missing; returns the new value. Atomic on Redis."""
    client, full_key = _redis_client(key)
    if client is not None:
        pipe = client.pipeline(transaction=True)
        pipe.set(full_key, initial, ex=timeout, nx=True)
        pipe.incr(full_key)
        return int(pipe.execute()[1])
    cache.add(key, initial, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, initial + 1, timeout=timeout)
        return initial + 1
