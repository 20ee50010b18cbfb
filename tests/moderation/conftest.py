import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def en(site_tree):
    return site_tree.indexes["en"]


@pytest.fixture
def fa(site_tree):
    return site_tree.indexes["fa"]
