"""Search in both languages; Persian queries match whatever their spelling.

The Persian cases are taken from the UDHR text in ../shared/data (read at run time)."""

from pathlib import Path

import pytest
from django.conf import settings

from tests import factories

pytestmark = pytest.mark.django_db
DRAFTS = Path(settings.RAYZAN_DEMO_DATA)


@pytest.fixture
def udhr(site_tree):
    if not (DRAFTS / "udhr-fa.html").is_file():
        pytest.skip("shared UDHR drafts are not on this machine")
    from consult.importers.udhr import import_udhr

    return import_udhr(DRAFTS / "udhr-fa.html", DRAFTS / "udhr-en.html", indexes=site_tree.indexes)


def titles(response):
    return [hit.page.title for hit in response.context["hits"]]


def section_titles(response):
    return [section.title for hit in response.context["hits"] for section in hit.sections]


@pytest.mark.parametrize("query", [
    "شناسایی حیثیت",     # the text spells it شناسائی
    "يكسان",              # Arabic yeh and kaf; the text has یکسان
    "بین المللی",         # the text has بین‌المللی (ZWNJ)
    "بینالمللی",          # and without any separator
    "می‌تواند",           # the text has میتواند (no ZWNJ)
    "می تواند",
    "واقعا مبتنی",        # the text has واقعاً (tanwin)
    "كليهٔ اعضای",        # Arabic letters plus hamza
])
def test_persian_spelling_variants_find_the_udhr(client, udhr, query):
    response = client.get("/fa/search/", {"q": query})
    assert response.status_code == 200
    assert udhr[0].title in titles(response), query


def test_search_points_to_matching_sections(client, udhr):
    response = client.get("/fa/search/", {"q": "شکنجه"})  # torture: article 5
    assert any("پنجم" in title for title in section_titles(response))
    assert "#section-" in response.content.decode()


def test_english_search_and_locale_scope(client, udhr):
    english = client.get("/en/search/", {"q": "torture"})
    assert udhr[1].title in titles(english)
    # Persian pages are left out of an English search unless asked for.
    assert client.get("/en/search/", {"q": "شکنجه"}).context["hits"] == []
    assert udhr[0].title in titles(client.get("/en/search/", {"q": "شکنجه", "all": "1"}))


def test_digits_in_any_script_match(client, site_tree):
    factories.consultation(site_tree.indexes["fa"], title="بودجهٔ سال ۱۴۰۴",
                           sections=factories.sections(("مادهٔ ۱۲", "<p>سهم ۵ درصد</p>")))
    for query in ("1404", "١٤٠٤", "۱۴۰۴", "5 درصد"):
        assert "بودجهٔ سال ۱۴۰۴" in titles(client.get("/fa/search/", {"q": query})), query


def test_unpublished_pages_leave_the_index(client, site_tree):
    page = factories.consultation(site_tree.indexes["en"], title="Bicycle lanes")
    assert titles(client.get("/en/search/", {"q": "bicycle"})) == ["Bicycle lanes"]
    page.unpublish()
    assert titles(client.get("/en/search/", {"q": "bicycle"})) == []


def test_empty_and_punctuation_queries_return_nothing(client, site_tree):
    factories.consultation(site_tree.indexes["en"], title="Anything")
    for query in ("", "   ", "?!", "\u200c"):
        response = client.get("/en/search/", {"q": query})
        assert response.status_code == 200
        assert response.context["hits"] == []
