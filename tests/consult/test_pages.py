"""The pages a citizen reads, in both languages."""

import datetime

import html5lib
import pytest

from consult import services
from tests import factories

pytestmark = pytest.mark.django_db


def parse(response):
    return html5lib.parse(response.content, namespaceHTMLElements=False)



def lang_dir(response):
    root = parse(response)
    return root.get("lang"), root.get("dir")


@pytest.fixture
def bilingual(site_tree):
    fa = factories.consultation(site_tree.indexes["fa"], title="آیین‌نامهٔ پارک‌ها")
    en = services.page_translation_create(source=fa, language_code="en",
                                          fields={"title": "Parks regulation", "summary": "About parks"})
    return fa, en


def test_home_pages_render_with_lang_and_dir(client, site_tree):
    fa = client.get("/fa/")
    en = client.get("/en/")
    assert fa.status_code == en.status_code == 200
    assert lang_dir(fa) == ("fa", "rtl")
    assert lang_dir(en) == ("en", "ltr")


def test_root_redirects_by_accept_language(client, site_tree):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").headers["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fa").headers["Location"] == "/fa/"


def test_home_lists_open_consultations_before_closed(client, site_tree):
    factories.consultation(site_tree.indexes["en"], title="Closed one", status="closed")
    factories.consultation(site_tree.indexes["en"], title="Open one", status="open")
    body = client.get("/en/").content.decode()
    assert body.index("Open one") < body.index("Closed one")


def test_consultation_page_in_both_languages(client, bilingual):
    fa, en = bilingual
    fa_response, en_response = client.get(fa.url), client.get(en.url)
    assert fa_response.status_code == en_response.status_code == 200
    assert lang_dir(fa_response) == ("fa", "rtl")
    assert lang_dir(en_response) == ("en", "ltr")
    fa_html = fa_response.content.decode()
    # Table of contents links to stable section anchors.
    for section in fa.specific.section_list:
        assert f'href="#section-{section["id"]}"' in fa_html
        assert f'id="section-{section["id"]}"' in fa_html
    # The language switch leads to the translation, not just the other home page.
    assert f'href="{en.url}"' in fa_html
    assert f'href="{fa.url}"' in en_response.content.decode()


def test_persian_page_shows_jalali_dates_and_persian_digits(client, site_tree):
    page = factories.consultation(site_tree.indexes["fa"])
    page.opens_at = datetime.datetime(2024, 2, 12, 10, 0, tzinfo=datetime.UTC)
    page.closes_at = datetime.datetime(2024, 3, 20, 10, 0, tzinfo=datetime.UTC)
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "۱ فروردین ۱۴۰۳" in html
    assert "2024" not in html.split("<main", 1)[1].split("</main>")[0].replace('datetime="2024', "")


def test_english_page_shows_gregorian_dates(client, site_tree):
    page = factories.consultation(site_tree.indexes["en"])
    page.opens_at = datetime.datetime(2024, 2, 12, 10, 0, tzinfo=datetime.UTC)
    page.closes_at = datetime.datetime(2024, 3, 20, 10, 0, tzinfo=datetime.UTC)
    page.save_revision().publish()
    assert "20 March 2024" in client.get(page.url).content.decode()


@pytest.mark.parametrize("status,notice", [("open", "How to take part"), ("upcoming", "opens on"),
                                           ("closed", "read-only")])
def test_consultation_page_says_how_to_take_part(client, site_tree, status, notice):
    page = factories.consultation(site_tree.indexes["en"], status=status)
    assert notice in client.get(page.url).content.decode()


def test_roundtable_page_in_both_languages(client, site_tree):
    fa = factories.roundtable(site_tree.indexes["fa"], title="نشست پارک‌ها")
    en = services.page_translation_create(source=fa, language_code="en", fields={"title": "Parks roundtable"})
    fa_response, en_response = client.get(fa.url), client.get(en.url)
    assert lang_dir(fa_response) == ("fa", "rtl") and lang_dir(en_response) == ("en", "ltr")
    assert "Parks need more trees." in en_response.content.decode()


def test_draft_consultation_is_not_public(client, site_tree):
    draft = factories.consultation(site_tree.indexes["en"], live=False)
    assert client.get(f"/en/consultations/{draft.slug}/").status_code == 404


def test_user_text_is_direction_isolated(client, site_tree):
    factories.consultation(site_tree.indexes["en"], title="Mixed", summary="متن فارسی در صفحهٔ انگلیسی")
    html = client.get("/en/consultations/").content.decode()
    assert '<p dir="auto">متن فارسی در صفحهٔ انگلیسی</p>' in html


class TestIndexFilters:
    def test_filters_by_status(self, client, site_tree):
        factories.consultation(site_tree.indexes["en"], title="Open one", status="open")
        factories.consultation(site_tree.indexes["en"], title="Closed one", status="closed")
        factories.consultation(site_tree.indexes["en"], title="Upcoming one", status="upcoming")
        html = client.get("/en/consultations/?status=closed").content.decode()
        assert "Closed one" in html and "Open one" not in html and "Upcoming one" not in html

    def test_filters_by_topic_and_region(self, client, site_tree):
        from cms.models import Region, Topic

        topic = Topic.objects.create(name="Parks", slug="parks", locale=site_tree.indexes["en"].locale)
        region = Region.objects.create(name="North", code="north", locale=site_tree.indexes["en"].locale)
        tagged = factories.consultation(site_tree.indexes["en"], title="Tagged", region=region)
        tagged.topics.set([topic])
        tagged.save_revision().publish()
        factories.consultation(site_tree.indexes["en"], title="Untagged")
        by_topic = client.get(f"/en/consultations/?topic={topic.pk}").content.decode()
        by_region = client.get(f"/en/consultations/?region={region.pk}").content.decode()
        assert "Tagged" in by_topic and "Untagged" not in by_topic
        assert "Tagged" in by_region and "Untagged" not in by_region

    def test_index_query_count_is_constant(self, client, site_tree, django_assert_max_num_queries):
        def count_for(n):
            for _ in range(n):
                factories.consultation(site_tree.indexes["en"])
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            client.get("/en/consultations/")  # warm the site-root cache
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/en/consultations/").status_code == 200
            return len(ctx.captured_queries)

        few = count_for(2)
        many = count_for(10)
        assert many == few
        with django_assert_max_num_queries(few):
            client.get("/en/consultations/")


class TestBadInput:
    @pytest.mark.parametrize("query", ["status=bogus", "topic=abc", "topic=99999", "region=x", "page=0",
                                       "page=abc", "page=500", "status=open&status=closed"])
    def test_malformed_filters_give_400_in_page_language(self, client, site_tree, query):
        response = client.get(f"/fa/consultations/?{query}")
        assert response.status_code == 400
        assert lang_dir(response) == ("fa", "rtl")
        assert "<h1>" in response.content.decode()

    def test_unknown_page_is_404_in_page_language(self, client, site_tree):
        fa = client.get("/fa/no-such-page/")
        en = client.get("/en/no-such-page/")
        assert fa.status_code == en.status_code == 404
        assert lang_dir(fa) == ("fa", "rtl") and lang_dir(en) == ("en", "ltr")

    def test_unsupported_language_prefix_is_never_a_500(self, client, site_tree):
        response = client.get("/de/consultations/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
        assert response.status_code == 404
        assert lang_dir(response) == ("en", "ltr")

    def test_overlong_search_is_400(self, client, site_tree):
        response = client.get("/en/search/", {"q": "x" * 500})
        assert response.status_code == 400
