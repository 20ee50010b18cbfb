"""Every line of the hostile-input corpora through every citizen text path, rendered and
parsed: only allow-listed elements, attributes and URL schemes come out."""

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory

from consult import services
from consult.models import Comment
from consult.sanitize import render_markdown
from tests import factories
from tests.hostile import payloads, problems_in_fragment, problems_in_page

pytestmark = pytest.mark.django_db


def test_sanitiser_output_for_every_payload():
    bad = {}
    for line in payloads():
        found = problems_in_fragment(render_markdown(line))
        if found:
            bad[line] = found
    assert bad == {}


def test_comments_store_and_render_every_payload_safely(site_tree, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "comment": "100000/m"}
    cache.clear()
    page = factories.consultation(site_tree.indexes["en"], status="open")
    author = factories.participant("Mallory")
    lines = payloads()
    for line in lines:
        services.comment_create(actor=author, page=page, text=line, stance="oppose")
    assert Comment.objects.count() == len(lines)
    request = RequestFactory().get("/en/")
    request.user = author
    bad = {}
    for comment in Comment.objects.select_related("author__profile"):
        comment.thread_replies = []
        html = render_to_string("consult/includes/comment.html",
                                {"comment": comment, "request": request, "my_votes": {}, "may_comment": True})
        found = problems_in_page(html) + problems_in_fragment(comment.body_html)
        if found:
            bad[comment.body] = found
    assert bad == {}


def test_discussion_page_with_hostile_comments_parses_clean(client, site_tree, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "comment": "100000/m"}
    cache.clear()
    page = factories.consultation(site_tree.indexes["en"], status="open")
    author = factories.participant("Mallory")
    for line in payloads()[:200]:
        services.comment_create(actor=author, page=page, text=line, stance="oppose")
    for number in range(1, 11):
        response = client.get(f"/en/participate/{page.pk}/general/", {"page": number})
        assert response.status_code == 200
        assert problems_in_page(response.content.decode()) == []
