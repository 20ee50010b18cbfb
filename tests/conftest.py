import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def site_tree(db):
    """Home and consultation index pages in fa and en, published, with the default Site."""
    from consult.site_tree import ensure_site_tree

    return ensure_site_tree()
