import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture
def fresh_limits():
    """Write limits count in the cache; start each test that writes with none used."""
    cache.clear()


@pytest.fixture
def consultation(site_tree):
    """An open consultation in Persian."""
    return factories.consultation(site_tree.indexes["fa"], status="open")


@pytest.fixture
def citizen():
    return factories.participant("سارا", roles=["citizen"])
