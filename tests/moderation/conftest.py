import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db):
    """One person per role, an author and a second moderator (to decide appeals)."""
    from tests import factories

    return {role: factories.participant(role.title(), roles=[role]) for role in
            ("citizen", "moderator", "official", "editor", "admin")} | {
        "author": factories.participant("Author", roles=["citizen"]),
        "second_moderator": factories.participant("Second moderator", roles=["moderator"])}
