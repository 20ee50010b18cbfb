"""Counters in the shared cache, in one round trip when the cache is Redis.

Django's cache API needs two or three calls for "add if missing, then increment". Votes do
this twice each (the rate limit and the read cache's page version), so on Redis it runs as
one small Lua script instead: atomic, one command and one reply (a MULTI/EXEC pipeline is also
one round trip, but five replies to parse). Any other backend (the embedded default's local
memory) takes the portable path, which is exact within one process.
"""

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

# SET the floor if missing (with a lifetime unless 0), then INCR: both or neither, atomically.
# The value goes back as the stored string: Lua numbers are doubles, and the read cache's page
# versions are 62-bit.
_INCR_WITH_FLOOR = """
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
else
  redis.call('SET', KEYS[1], ARGV[1], 'NX')
end
redis.call('INCR', KEYS[1])
return redis.call('GET', KEYS[1])
"""


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
        script = getattr(client, "_rayzan_incr_with_floor", None)
        if script is None:  # registered once per client (one per process: config.cache)
            script = client._rayzan_incr_with_floor = client.register_script(_INCR_WITH_FLOOR)
        return int(script(keys=[full_key], args=[initial, timeout or 0]))
    cache.add(key, initial, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, initial + 1, timeout=timeout)
        return initial + 1
