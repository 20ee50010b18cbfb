"""Django's Redis cache, with one redis-py client and connection pool per worker process.

Django keeps its cache backends in an asgiref `Local` that is context-local, not thread-local,
so under ASGI every request (its own asyncio task and context) builds a new backend object.
Django's RedisCache gives each object its own connection pools, so each request opened new TCP
connections to Redis, with the HELLO and health-check round trips that go with them, and left
the old ones for the garbage collector: a quarter of a vote's CPU in a uvicorn worker, and
sockets churning on the Redis side. Here every backend object configured alike shares one
client, made once per process (redis-py pools notice a fork and start over in the child).

Django's RedisCacheClient also builds a new `redis.Redis` object for every cache operation,
and each builds its table of about 170 response callbacks; the shared client keeps one
`redis.Redis` per pool (safe between threads: each command takes a connection from the pool).
Behaviour is otherwise Django's own.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_SHARED_CLIENTS: dict[tuple, "SharedClientRedisCacheClient"] = {}
_SHARED_LOCK = threading.Lock()


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


def shared_client(servers, options: dict) -> SharedClientRedisCacheClient:
    """The process's client for these servers and options, made on first use."""
    key = (tuple(servers), repr(sorted(options.items())))
    client = _SHARED_CLIENTS.get(key)
    if client is None:
        with _SHARED_LOCK:
            client = _SHARED_CLIENTS.get(key)
            if client is None:
                client = _SHARED_CLIENTS[key] = SharedClientRedisCacheClient(servers, **options)
    return client


class SharedClientRedisCache(RedisCache):
    @property
    def _cache(self):
        return shared_client(self._servers, self._options)
