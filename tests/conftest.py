import pytest


@pytest.fixture
def site_tree(db):
    """Home and consultation index pages in fa and en, published, with the default Site."""
    from consult.site_tree import ensure_site_tree

    return ensure_site_tree()
