"""The public read API: /api/v1/consultations/, /api/v1/roundtables/, the schema and the docs."""

import datetime
import itertools
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Locale

from cms.models import Region, Topic
from consult import services
from consult.models import ConsultationPage, RoundtableFacilitator, RoundtablePage

LIST = "/api/v1/consultations/"
ROUNDTABLES = "/api/v1/roundtables/"
_slugs = itertools.count(1)

DAY = datetime.timedelta(days=1)
WINDOWS = {  # (opens_at, closes_at) relative to now
    "open": (-DAY, 10 * DAY),
    "upcoming": (5 * DAY, 20 * DAY),
    "closed": (-20 * DAY, -DAY),
}


def sections_data(*headings, ids=None):
    ids = ids or [None] * len(headings)
    blocks = []
    for heading, block_id in zip(headings, ids, strict=True):
        block = {"type": "section", "value": {"heading": heading, "body": f"<p>About {heading}.</p>"}}
        if block_id:
            block["id"] = block_id
        blocks.append(block)
    return blocks


def make_consultation(parent, *, status="open", title=None, live=True, topics=(), region=None,
                      sections=None, **fields):
    """A consultation under `parent`, published (or a never-published draft with live=False)."""
    now = timezone.now()
    opens, closes = WINDOWS[status]
    n = next(_slugs)
    fields = {"opens_at": now + opens, "closes_at": now + closes, **fields}
    if fields["closes_at"] and fields["opens_at"] and fields["closes_at"] <= fields["opens_at"]:
        fields["opens_at"] = fields["closes_at"] - 30 * DAY  # a closing date given alone
    page = ConsultationPage(
        title=title or f"Consultation {n}", slug=f"consultation-{n}", locale=parent.locale,
        summary=f"Summary {n}", sections=sections if sections is not None else sections_data("One", "Two"),
        region=region, **fields,
    )
    page.topics = list(topics)
    if not live:
        page.live = False
        parent.add_child(instance=page)
        return page
    return services.page_publish_child(parent=parent, page=page)


def make_roundtable(parent, *, state="scheduled", title=None, topics=(), region=None, **fields):
    n = next(_slugs)
    page = RoundtablePage(
        title=title or f"Roundtable {n}", slug=f"roundtable-{n}", locale=parent.locale,
        summary=f"Roundtable summary {n}", starts_at=timezone.now() + DAY, state=state, region=region,
        venue="City hall",
        agenda=[{"type": "item", "value": {"title": "Welcome", "description": "Why we meet",
                                           "duration_minutes": 10}},
                {"type": "item", "value": {"title": "Discussion", "description": "",
                                           "duration_minutes": 50}}],
        seed_statements=[{"type": "statement", "value": "Parks need more benches."}],
        **fields,
    )
    page.topics = list(topics)
    page.facilitators = [RoundtableFacilitator(name="Sara", role="Host", sort_order=0),
                         RoundtableFacilitator(name="Omid", role="", sort_order=1)]
    return services.page_publish_child(parent=parent, page=page)


def make_topic(name="Transport", code="fa"):
    return Topic.objects.create(locale=Locale.objects.get(language_code=code), name=name, slug=name.lower())


def make_region(name="Tehran", code="fa"):
    return Region.objects.create(locale=Locale.objects.get(language_code=code), name=name, code=name.lower())


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Wagtail caches site root paths; a previous test's (rolled back) site must not leak in.
    cache.clear()
    yield
    cache.clear()


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"].strip()
    return body


# --- list -------------------------------------------------------------------------------------

def test_list_shape(client, fa):
    topic, region = make_topic(), make_region()
    page = make_consultation(fa, topics=[topic], region=region)
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    item = body["results"][0]
    assert set(item) == {"id", "title", "slug", "language", "status", "opens_at", "closes_at", "summary",
                         "url", "topics", "region", "section_count"}
    assert item["id"] == page.pk
    assert item["language"] == "fa"
    assert item["status"] == "open"
    assert item["section_count"] == 2
    assert item["topics"] == [{"id": topic.pk, "name": "Transport"}]
    assert item["region"] == {"id": region.pk, "name": "Tehran"}
    assert item["url"] == f"http://localhost/fa/consultations/{page.slug}/"
    assert client.get(item["url"].removeprefix("http://localhost")).status_code == 200


def test_list_excludes_drafts_and_roundtables_and_orders_open_first(client, fa):
    closed = make_consultation(fa, status="closed")
    upcoming = make_consultation(fa, status="upcoming")
    opened = make_consultation(fa, status="open")
    make_consultation(fa, live=False)
    make_roundtable(fa)
    results = client.get(LIST).json()["results"]
    assert [r["id"] for r in results] == [opened.pk, upcoming.pk, closed.pk]
    assert [r["status"] for r in results] == ["open", "upcoming", "closed"]


def test_list_orders_like_the_html_listing(client, fa):
    """Soonest deadline first among open ones; most recently closed first among closed ones."""
    from consult.selectors import consultation_listing

    now = timezone.now()
    later = make_consultation(fa, status="open", closes_at=now + 30 * DAY)
    sooner = make_consultation(fa, status="open", closes_at=now + 2 * DAY)
    long_ago = make_consultation(fa, status="closed", closes_at=now - 90 * DAY)
    recently = make_consultation(fa, status="closed", closes_at=now - DAY)
    results = [r["id"] for r in client.get(LIST).json()["results"]]
    assert results == [sooner.pk, later.pk, recently.pk, long_ago.pk]
    assert results == [p.pk for p in consultation_listing(parent=fa)]


@pytest.mark.parametrize("status", ["open", "upcoming", "closed"])
def test_filter_by_status(client, fa, status):
    pages = {name: make_consultation(fa, status=name) for name in WINDOWS}
    results = client.get(LIST, {"status": status}).json()["results"]
    assert [r["id"] for r in results] == [pages[status].pk]


def test_filter_by_topic_region_and_language(client, fa, en):
    topic, region = make_topic(), make_region()
    tagged = make_consultation(fa, topics=[topic])
    placed = make_consultation(fa, region=region)
    english = make_consultation(en)
    assert [r["id"] for r in client.get(LIST, {"topic": topic.pk}).json()["results"]] == [tagged.pk]
    assert [r["id"] for r in client.get(LIST, {"region": region.pk}).json()["results"]] == [placed.pk]
    assert [r["id"] for r in client.get(LIST, {"lang": "en"}).json()["results"]] == [english.pk]
    assert {r["id"] for r in client.get(LIST, {"lang": "fa"}).json()["results"]} == {tagged.pk, placed.pk}
    assert client.get(LIST, {"topic": topic.pk + 1000}).json()["count"] == 0


def test_pagination(client, fa):
    pages = [make_consultation(fa) for _ in range(3)]
    first = client.get(LIST, {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(LIST, {"page_size": 2, "page": 2}).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {r["id"] for r in first["results"] + second["results"]} == {p.pk for p in pages}


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "bogus"}, "status"),
    ({"topic": "abc"}, "topic"),
    ({"topic": "0"}, "topic"),
    ({"region": "1.5"}, "region"),
    ({"lang": "de"}, "lang"),
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page_size": "0"}, "page_size"),
    ({"topic": "99999999999999999999999"}, "topic"),
])
def test_bad_filters_are_400_with_the_contract_body(client, fa, params, field):
    body = assert_error(client.get(LIST, params), 400, "invalid")
    assert list(body["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in body["fields"][field])


def test_repeated_filter_is_400(client, fa):
    body = assert_error(client.get(f"{LIST}?status=open&status=closed"), 400, "invalid")
    assert "status" in body["fields"]


def test_every_bad_parameter_is_reported_at_once(client, fa):
    body = assert_error(client.get(LIST, {"status": "bogus", "page": "x"}), 400, "invalid")
    assert set(body["fields"]) == {"status", "page"}


def test_page_out_of_range_is_404_with_the_contract_body(client, fa):
    make_consultation(fa)
    assert_error(client.get(LIST, {"page": "99999"}), 404, "not_found")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_messages_follow_accept_language(client, fa, language):
    response = client.get(LIST, {"status": "bogus"}, headers={"accept-language": language})
    assert response.headers["Content-Language"] == language
    assert_error(response, 400, "invalid")
    body = assert_error(client.get(f"{LIST}424242/", headers={"accept-language": language}), 404, "not_found")
    assert body["fields"] == {}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_405(client, fa, method):
    page = make_consultation(fa)
    assert_error(getattr(client, method)(LIST), 405, "method_not_allowed")
    assert_error(getattr(client, method)(f"{LIST}{page.pk}/"), 405, "method_not_allowed")
    assert_error(getattr(client, method)(ROUNDTABLES), 405, "method_not_allowed")


def test_head_and_options_are_allowed(client, fa):
    assert client.head(LIST).status_code == 200
    assert client.options(LIST).status_code == 200


# Page view restrictions (for .public()), the count, the pages, their topics, and Wagtail's
# site root paths (the site and its root's translations; cached after the first request).
LIST_MAX_QUERIES = 6


def _list_queries(client, path):
    cache.clear()  # count the site root paths lookup too
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 100})
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_list_query_count_is_constant(client, fa, en, django_assert_max_num_queries):
    topics = [make_topic("Transport"), make_topic("Health")]
    region = make_region()
    for _ in range(3):
        make_consultation(fa, topics=topics, region=region)
    cache.clear()
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        assert client.get(LIST).json()["count"] == 3
    small = _list_queries(client, LIST)
    for n in range(27):
        make_consultation(en if n % 2 else fa, topics=topics[n % 2:], region=region if n % 3 else None)
    cache.clear()
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        assert client.get(LIST, {"page_size": 100}).json()["count"] == 30
    large = _list_queries(client, LIST)
    assert large[0] == small[0] and large[1] == 30


def test_roundtable_list_query_count_is_constant(client, fa, django_assert_max_num_queries):
    for i in range(3):
        make_roundtable(fa, topics=[make_topic(f"Topic {i}")])
    small = _list_queries(client, ROUNDTABLES)
    for _ in range(27):
        make_roundtable(fa)
    large = _list_queries(client, ROUNDTABLES)
    assert large == (small[0], 30)
    assert large[0] <= LIST_MAX_QUERIES


# --- detail -----------------------------------------------------------------------------------

def test_detail_shape(client, fa):
    page = make_consultation(fa, introduction="<p>Read <b>this</b>.</p>", agency="Ministry",
                             contact_email="a@example.org", source_reference="FR 2025-1",
                             official_response="<p>We listened.</p>")
    response = client.get(f"{LIST}{page.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {"introduction", "agency", "contact_email", "contact_details", "source_reference",
            "moderation_mode", "official_response", "response_published_at", "sections", "translations",
            "seq", "section_count", "status", "url", "topics", "region"} <= set(body)
    assert body["introduction"] == "<p>Read <b>this</b>.</p>"
    assert body["official_response"] == "<p>We listened.</p>"
    assert body["moderation_mode"] == "post"
    assert body["seq"] == 1  # publishing the official response appended `response.published`
    assert body["translations"] == []
    first = body["sections"][0]
    assert set(first) == {"id", "number", "heading", "body", "anchor", "url"}
    assert first["number"] == 1 and first["heading"] == "One" and first["body"] == "<p>About One.</p>"
    assert first["anchor"] == f"section-{first['id']}"
    assert first["url"] == f"{body['url']}#section-{first['id']}"


def test_section_ids_are_the_stream_block_ids_and_stable(client, fa):
    given = str(uuid.uuid4())
    page = make_consultation(fa, sections=sections_data("Given", "Generated", ids=[given, None]))
    stored = [str(child.id) for child in ConsultationPage.objects.get(pk=page.pk).sections]
    ids = [s["id"] for s in client.get(f"{LIST}{page.pk}/").json()["sections"]]
    assert ids == stored
    assert ids[0] == given
    assert all(uuid.UUID(i) for i in ids)
    # A new revision that edits the text keeps the ids (and so the comments anchored to them).
    page = ConsultationPage.objects.get(pk=page.pk)
    raw = list(page.sections.raw_data)
    raw[1]["value"]["heading"] = "Generated, edited"
    services.page_update_and_publish(page=page, fields={"sections": raw})
    again = client.get(f"{LIST}{page.pk}/").json()["sections"]
    assert [s["id"] for s in again] == ids
    assert again[1]["heading"] == "Generated, edited"


def test_detail_links_live_translations(client, fa):
    page = make_consultation(fa)
    english = services.page_translation_create(source=page, language_code="en",
                                               fields={"title": "In English", "summary": "Summary"})
    body = client.get(f"{LIST}{page.pk}/").json()
    assert body["translations"] == [{"language": "en", "id": english.pk, "title": "In English",
                                     "url": f"http://localhost/en/consultations/{english.slug}/"}]
    back = client.get(f"{LIST}{english.pk}/").json()
    assert [(t["language"], t["id"]) for t in back["translations"]] == [("fa", page.pk)]
    english.unpublish()
    assert client.get(f"{LIST}{page.pk}/").json()["translations"] == []


def test_detail_404s(client, fa, site_tree):
    draft = make_consultation(fa, live=False)
    roundtable = make_roundtable(fa)
    for path in (f"{LIST}{draft.pk}/", f"{LIST}{roundtable.pk}/", f"{LIST}{site_tree.homes['fa'].pk}/",
                 f"{LIST}999999/", f"{LIST}abc/", f"{LIST}99999999999999999999999/",
                 f"{ROUNDTABLES}{draft.pk}/"):
        assert_error(client.get(path), 404, "not_found")


def test_unpublished_page_disappears(client, fa):
    page = make_consultation(fa)
    assert client.get(f"{LIST}{page.pk}/").status_code == 200
    page.unpublish()
    assert_error(client.get(f"{LIST}{page.pk}/"), 404, "not_found")
    assert client.get(LIST).json()["count"] == 0


# --- roundtables ------------------------------------------------------------------------------

def test_roundtable_list_and_detail(client, fa):
    topic = make_topic()
    scheduled = make_roundtable(fa, topics=[topic])
    live = make_roundtable(fa, state="live")
    make_consultation(fa)
    body = client.get(ROUNDTABLES).json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [live.pk, scheduled.pk]
    item = body["results"][1]
    assert {"id", "title", "slug", "language", "state", "status", "starts_at", "ends_at", "venue", "summary",
            "url", "topics", "region"} == set(item)
    assert item["state"] == "scheduled" and item["status"] == "upcoming"
    assert item["topics"] == [{"id": topic.pk, "name": "Transport"}]

    detail = client.get(f"{ROUNDTABLES}{scheduled.pk}/").json()
    stored = RoundtablePage.objects.get(pk=scheduled.pk)
    assert [a["id"] for a in detail["agenda"]] == [str(child.id) for child in stored.agenda]
    assert detail["agenda"][0] == {"id": str(stored.agenda[0].id), "number": 1, "title": "Welcome",
                                   "description": "Why we meet", "duration_minutes": 10}
    assert detail["seed_statements"] == [{"id": str(stored.seed_statements[0].id),
                                          "text": "Parks need more benches."}]
    assert detail["facilitators"] == [{"name": "Sara", "role": "Host"}, {"name": "Omid", "role": ""}]
    assert detail["translations"] == [] and detail["seq"] == 0
    assert detail["venue"] == "City hall"
    assert detail["consultation"] is None  # it discusses no consultation (its comments could be spotlit)


def test_roundtable_filters(client, fa):
    scheduled, live = make_roundtable(fa), make_roundtable(fa, state="live")
    ended = make_roundtable(fa, state="ended")
    def ids(**params):
        return [r["id"] for r in client.get(ROUNDTABLES, params).json()["results"]]

    assert ids(state="live") == [live.pk]
    assert ids(status="closed") == [ended.pk]
    assert ids(status="upcoming") == [scheduled.pk]
    assert ids() == [live.pk, scheduled.pk, ended.pk]
    assert_error(client.get(ROUNDTABLES, {"state": "bogus"}), 400, "invalid")
    assert_error(client.get(f"{ROUNDTABLES}424242/"), 404, "not_found")


# --- schema and docs --------------------------------------------------------------------------

def test_schema_lists_only_the_public_api(client, db):
    response = client.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/consultations/" in paths
    assert "/api/v1/consultations/{id}/" in paths
    assert "/api/v1/roundtables/{id}/" in paths
    assert all(path.startswith("/api/v1/") for path in paths)
    assert "/admin/" not in response.content.decode()
    parameters = {p["name"] for p in paths["/api/v1/consultations/"]["get"]["parameters"]}
    assert {"status", "topic", "region", "lang", "page", "page_size"} <= parameters
    detail = response.json()["components"]["schemas"]["ConsultationDetail"]["properties"]
    assert "sequence number" in detail["seq"]["description"]


def test_docs_page(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/consultations/1/nope/", "/api/v2/"])
def test_unknown_api_paths_are_contract_404s_not_redirects(db, client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"]
