"""A read cache for what anonymous readers see of a page's discussion, exact by construction.

Most readers of a consultation are not signed in, and they all see the same comment lists, so
the rendered answer can be shared. It is keyed by a version per page that every write to the
page's discussion moves on commit (`discussion_changed`: a comment created, edited, withdrawn
or moderated, a vote that moves a tally), and by a site-wide generation for the rare change that
touches every page (a participant renaming themselves). A reader therefore never gets an answer
older than the last committed write; the timeout only bounds memory.

A version that the cache evicted comes back as a fresh random number, never as a number used
before, so an old entry cannot be served again by accident.
"""

import hashlib
import secrets

from django.core.cache import cache
from django.db import connection, transaction

from consult.cacheops import incr_with_floor

ENTRY_SECONDS = 300
_SITE_KEY = "readcache:site"


def _page_key(page_id: int) -> str:
    return f"readcache:page:{page_id}"


def _current(key: str) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.randbelow(2**62), timeout=None)
        value = cache.get(key)
    return value


def _move(key: str) -> None:
    # A missing version (never read, or evicted) starts from a fresh random number.
    incr_with_floor(key, initial=secrets.randbelow(2**62), timeout=None)


def _move_now_and_on_commit(key: str) -> None:
    """Moved at once, so nothing cached so far is served again, and once more on commit, because a
    reader between the two moves may have cached what the database showed before the commit.
    Outside a transaction the write is already committed: one move is enough."""
    _move(key)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _move(key))


def discussion_changed(page_id: int) -> None:
    """Call inside the write's transaction: the page's cached answers expire."""
    _move_now_and_on_commit(_page_key(page_id))


def participants_changed() -> None:
    """A change shown on every page (a display name): every cached answer expires."""
    _move_now_and_on_commit(_SITE_KEY)


def cached(page_id: int, parts: tuple, build):
    """`build()`'s result for this page and these key parts, from the cache when it is current."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    page_key = _page_key(page_id)
    versions = cache.get_many([_SITE_KEY, page_key])  # one round trip when both are set
    site = versions[_SITE_KEY] if _SITE_KEY in versions else _current(_SITE_KEY)
    page = versions[page_key] if page_key in versions else _current(page_key)
    key = f"readcache:entry:{page_id}:{site}:{page}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=ENTRY_SECONDS)
    return value
