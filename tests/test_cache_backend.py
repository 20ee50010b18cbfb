"""config.cache: Django's Redis cache with one shared redis-py client per pool. It must behave
as Django's own backend does, from many threads at once."""

import contextvars
import os
import socket
import threading
from urllib.parse import urlparse

import pytest
from django.core.cache import caches

from consult.cacheops import incr_with_floor

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    parsed = urlparse(REDIS_URL)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis to test against")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.SharedClientRedisCache", "LOCATION": REDIS_URL,
                                   "KEY_PREFIX": f"cachetest-{os.getpid()}"}}
    cache = caches["default"]
    keys = ("a", "n", "shared-counter")
    cache.delete_many(keys)  # not clear(): that empties the whole Redis database, other runs' keys too
    yield cache
    cache.delete_many(keys)


def test_one_client_is_reused_and_the_cache_api_works(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client("any key", write=True) is client
    redis_cache.set("a", {"x": 1}, timeout=30)
    assert redis_cache.get("a") == {"x": 1}
    assert redis_cache.add("a", 2) is False
    assert redis_cache.add("n", 0) is True and redis_cache.incr("n") == 1
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_counters_are_exact_from_many_threads(redis_cache):
    def count():
        for _ in range(200):
            incr_with_floor("shared-counter", initial=0, timeout=60)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert int(redis_cache.get("shared-counter")) == 1600


def test_backends_made_for_separate_requests_share_one_connection_pool(redis_cache):
    """Django makes a new cache backend in every request's context under ASGI. They must not each
    open their own connections to Redis: a worker would connect anew on every request."""

    def in_a_request_of_its_own():
        backend = caches["default"]
        backend.set("a", 1, timeout=30)
        return backend

    def connections(pool):
        return len(pool._available_connections) + len(pool._in_use_connections)

    pool = in_a_request_of_its_own()._cache.get_client(write=True).connection_pool
    before = connections(pool)
    backends = [contextvars.Context().run(in_a_request_of_its_own) for _ in range(5)]
    assert len({id(backend) for backend in backends}) == 5
    assert {backend._cache.get_client(write=True).connection_pool for backend in backends} == {pool}
    assert connections(pool) == before  # one request at a time: no new connection was needed
