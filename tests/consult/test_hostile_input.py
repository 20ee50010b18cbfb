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


def _request_for(user):
    request = RequestFactory().get("/en/")
    request.user = user
    return request


def test_display_names_are_refused_or_rendered_safely(site_tree):
    """Payloads that break the display-name rules are refused (nothing stored); the rest are
    stored and shown, escaped, beside what the person writes."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from consult.models import Profile
    from consult.services.profiles import profile_create

    page = factories.consultation(site_tree.indexes["en"], status="open")
    users = get_user_model().objects
    bad, stored = {}, 0
    for n, line in enumerate(payloads()):
        user = users.create_user(username=f"hostile-{n}", email=f"h{n}@example.org")
        try:
            profile_create(actor=user, display_name=line, consent=True)
        except ValidationError:
            assert not Profile.objects.filter(user=user).exists()
            continue
        stored += 1
        comment = Comment(page=page, author=user, body="x", body_html="<p>x</p>", stance="support", pk=n + 1)
        comment.thread_replies = []
        html = render_to_string("consult/includes/comment.html",
                                {"comment": comment, "request": _request_for(user), "my_votes": {}})
        found = problems_in_page(html)
        if found:
            bad[line] = found
    assert bad == {}
    assert stored > 0  # some payloads are plausible names and must still be shown safely


def test_statements_store_and_render_every_payload_safely(client, site_tree, settings):
    from django.core.exceptions import ValidationError

    from consult.models import Statement
    from consult.services.statements import statement_create

    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "statement": "100000/m"}
    cache.clear()
    page = factories.consultation(site_tree.indexes["en"], status="open")
    author = factories.participant("Mallory")
    refused = 0
    for line in payloads():
        try:
            statement_create(actor=author, page=page, text=line)
        except ValidationError:
            refused += 1  # longer than 280 characters: refused, nothing stored
    assert Statement.objects.filter(page=page).count() == len(payloads()) - refused
    from voting.views import LIST_PAGE_SIZE

    pages = -(-Statement.objects.filter(page=page).count() // LIST_PAGE_SIZE)
    bad = {}
    for number in range(1, pages + 1):
        response = client.get(f"/en/vote/{page.pk}/statements/", {"page": number})
        assert response.status_code == 200
        found = problems_in_page(response.content.decode())
        if found:
            bad[number] = found
    assert client.get(f"/en/vote/{page.pk}/statements/", {"page": pages + 1}).status_code == 400
    assert bad == {}


def test_poll_other_answers_store_and_render_every_payload_safely(site_tree, settings):
    from django.core.exceptions import ValidationError

    from voting.models import PollResponse
    from voting.panels import poll_context
    from voting.services import poll_respond

    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "poll": "100000/m"}
    cache.clear()
    poll = {"type": "poll", "value": {"question": "Q", "kind": "single", "options": ["A", "B"],
                                      "allow_other": True, "results": "after_answer"}}
    page = factories.consultation(site_tree.indexes["en"], status="open", polls=[poll])
    from voting.selectors import page_polls

    block = page_polls(page)[0]
    person = factories.participant("Mallory")
    bad = {}
    for line in payloads():
        try:
            poll_respond(actor=person, page=page, poll_id=block.id, choices=["other"], other_text=line)
        except ValidationError:
            continue  # over 200 characters or empty once cleaned: refused
        response = PollResponse.objects.get(respondent=person)
        item = poll_context(page, block, state="open", response=response, can_answer=True)
        html = render_to_string("voting/includes/poll.html", {"item": item, "page": page,
                                                               "request": _request_for(person)})
        found = problems_in_page(html)
        if found:
            bad[line] = found
    assert bad == {}
