import pytest


@pytest.fixture
def official(db):
    from tests import factories

    return factories.participant("Official", roles=["official"])
