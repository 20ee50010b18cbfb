import pytest


@pytest.fixture
def site_tree(db):
    """Home and consultation index pages in fa and en, published, with the default Site."""
    from consult.site_tree import ensure_site_tree

    return ensure_site_tree()


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, and asyncio tests after it could not start their own."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
