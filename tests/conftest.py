import pytest


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache. Cached roles, assignments and write limits are
    keyed by ids, and SQLite hands a rolled-back test's ids out again to the next test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def site_tree(db):
    """Home and consultation index pages in fa and en, published, with the default Site."""
    from consult.site_tree import ensure_site_tree

    return ensure_site_tree()


@pytest.fixture
def en(site_tree):
    """The English consultation index (parent of test consultations)."""
    return site_tree.indexes["en"]


@pytest.fixture
def fa(site_tree):
    """The Persian consultation index."""
    return site_tree.indexes["fa"]


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, and asyncio tests after it could not start their own."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
