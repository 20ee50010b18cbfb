"""The shared counters under rate limits and the read cache, on whichever cache the run uses
(local memory on the embedded default, Redis in CI)."""

import time

import pytest
from django.core.cache import cache

from consult.cacheops import incr_with_floor


@pytest.fixture(autouse=True)
def _clean():
    cache.delete_many(["ops:a", "ops:b"])
    yield
    cache.delete_many(["ops:a", "ops:b"])


def test_a_missing_counter_starts_from_its_floor_then_counts():
    assert incr_with_floor("ops:a", initial=0, timeout=60) == 1
    assert incr_with_floor("ops:a", initial=0, timeout=60) == 2
    assert incr_with_floor("ops:b", initial=1000, timeout=None) == 1001
    assert cache.get("ops:a") == 2  # readable through the ordinary cache API


def test_the_floor_does_not_reset_a_live_counter():
    cache.set("ops:a", 41, timeout=60)
    assert incr_with_floor("ops:a", initial=0, timeout=60) == 42


def test_a_counter_with_a_timeout_expires():
    """Rate-limit windows must end: the counter lives `timeout` seconds, then starts again."""
    incr_with_floor("ops:a", initial=0, timeout=1)
    time.sleep(1.1)
    assert cache.get("ops:a") is None
    assert incr_with_floor("ops:a", initial=0, timeout=1) == 1


def test_a_counter_without_a_timeout_lives_on_and_holds_large_floors():
    """The read cache's page versions start at a random 62-bit number and never expire."""
    assert incr_with_floor("ops:b", initial=2**62, timeout=None) == 2**62 + 1
    time.sleep(1.1)  # a lifetime of 0 would have ended it
    assert cache.get("ops:b") == 2**62 + 1
