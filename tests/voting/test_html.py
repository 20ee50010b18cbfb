"""The no-JavaScript path: panels on the pages, forms that post and redirect back, errors."""

import re

import pytest
from django.template import engines

from consult.models import Statement
from tests import factories
from tests.voting.conftest import make_comment, make_user, poll_ids, seeded, with_polls
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db


@pytest.fixture
def voter(client):
    user = make_user()
    client.force_login(user)
    return user


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_statements_panel_on_consultation_and_roundtable(client, voter, en):
    page = seeded(en)
    body = html(client.get(page.url))
    assert "Buses should be free." in body and 'dir="auto"' in body
    assert f'action="/en/vote/{page.pk}/statements/add/"' in body
    assert f'href="/en/vote/{page.pk}/statements/next/"' in body
    assert 'aria-pressed="false"' in body
    roundtable = factories.roundtable(en)
    assert "Parks need more trees." in html(client.get(roundtable.url))


def test_anonymous_sees_statements_and_a_sign_in_link(client, en):
    page = seeded(en)
    body = html(client.get(page.url))
    assert "Buses should be free." in body and "/accounts/login/?next=" in body
    assert "/statements/add/" not in body


def test_statement_vote_form_redirects_back_and_withdraws(client, voter, en):
    page = seeded(en)
    statement = Statement.objects.filter(page_id=page.pk).first()
    back = f"{page.url}#statement-{statement.pk}"
    response = client.post(f"/en/vote/statements/{statement.pk}/", {"value": "1", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert StatementVote.objects.get().value == 1
    body = html(client.get(page.url))
    assert re.search(r'name="value" value="withdraw" aria-pressed="true">Agree', body)
    client.post(f"/en/vote/statements/{statement.pk}/", {"value": "withdraw", "next": back})
    assert not StatementVote.objects.exists()


def test_offsite_next_is_ignored(client, voter, en):
    page = seeded(en)
    statement = Statement.objects.filter(page_id=page.pk).first()
    response = client.post(f"/en/vote/statements/{statement.pk}/", {"value": "0", "next": "https://evil.example/"})
    assert response["Location"] == f"{page.url}#statement-{statement.pk}"


def test_comment_vote_form(client, voter, en):
    comment = make_comment(factories.consultation(en), make_user())
    response = client.post(f"/en/vote/comments/{comment.pk}/", {"value": "-1", "next": "/en/x/#comment-1"})
    assert response.status_code == 302 and response["Location"] == "/en/x/#comment-1"
    assert CommentVote.objects.get().value == -1
    assert client.post(f"/en/vote/comments/{comment.pk}/", {"value": "5"}).status_code == 400
    assert CommentVote.objects.get().value == -1


def test_comment_votes_include_renders_for_a_list(client, voter, en, rf):
    page = factories.consultation(en)
    comments = [make_comment(page, make_user()), make_comment(page, voter)]
    CommentVote.objects.create(comment=comments[0], voter=voter, value=1)
    request = rf.get("/en/")
    request.user = voter
    template = ("{% load voting_tags %}{% my_comment_votes comments as my_votes %}"
                "{% for comment in comments %}{% include 'voting/includes/comment_votes.html' %}{% endfor %}")
    body = engines["django"].from_string(template).render({"comments": comments, "request": request})
    assert body.count("<form") == 1  # not on one's own comment
    assert 'value="withdraw" aria-pressed="true">Support' in body


def test_refusals_anonymous_signs_in_and_closed_is_403(client, en):
    comment = make_comment(factories.consultation(en), make_user())
    response = client.post(f"/en/vote/comments/{comment.pk}/", {"value": "1", "next": "/en/back/"})
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/?next=")
    client.force_login(make_user())
    closed = make_comment(factories.consultation(en, status="closed"), make_user())
    response = client.post(f"/en/vote/comments/{closed.pk}/", {"value": "1"})
    assert response.status_code == 403 and b"not open" in response.content
    assert not CommentVote.objects.exists()
    assert client.get(f"/en/vote/comments/{comment.pk}/").status_code == 405


def test_add_statement_and_validation_errors(client, voter, en):
    page = seeded(en)
    response = client.post(f"/en/vote/{page.pk}/statements/add/", {"text": "   "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "<title>Error:" in body and "There is a problem" in body
    assert f'href="#statement-{page.pk}-text"' in body and 'id="statement-' in body
    response = client.post(f"/en/vote/{page.pk}/statements/add/", {"text": "Trams, please.",
                                                                   "next": f"{page.url}#statements-{page.pk}"})
    assert response.status_code == 302
    assert response["Location"] == f"{page.url}?statement_added=published#statements-{page.pk}"
    assert "Your statement has been added" in html(client.get(response["Location"]))
    assert Statement.objects.filter(text="Trams, please.").exists()


def test_rate_limited_form_is_429(client, voter, en, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "statement": "1/m"}
    page = seeded(en)
    client.post(f"/en/vote/{page.pk}/statements/add/", {"text": "One."})
    response = client.post(f"/en/vote/{page.pk}/statements/add/", {"text": "Two."})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert not Statement.objects.filter(text="Two.").exists()


def test_next_statement_page_and_list_page(client, voter, en):
    page = seeded(en, seeds=[f"Claim {i}" for i in range(25)])
    body = html(client.get(page.url))
    assert "Claim 19" in body and "Claim 20" not in body and "See all 25 statements" in body
    next_page = html(client.get(f"/en/vote/{page.pk}/statements/next/"))
    assert next_page.count('name="value"') == 3
    for statement in Statement.objects.filter(page_id=page.pk):
        StatementVote.objects.create(statement=statement, voter=voter, value=0)
    assert "You have voted on every statement" in html(client.get(f"/en/vote/{page.pk}/statements/next/"))
    listing = html(client.get(f"/en/vote/{page.pk}/statements/"))
    assert "Claim 24" in listing and "25 statements" in listing
    assert client.get(f"/en/vote/{page.pk + 1000}/statements/").status_code == 404


def test_persian_page_uses_persian_digits(client, site_tree):
    page = seeded(site_tree.indexes["fa"], seeds=("پارک‌ها درخت بیشتری لازم دارند.",))
    statement = Statement.objects.get(page_id=page.pk)
    Statement.objects.filter(pk=statement.pk).update(agree_count=12)
    body = html(client.get(page.url))
    assert "۱۲" in body and 'lang="fa"' in body


def test_poll_forms(client, voter, en):
    page = with_polls(en)
    ids = poll_ids(page)
    body = html(client.get(page.url))
    assert body.count("<fieldset") == 3 and "<legend" in body and "Not at all" in body
    assert 'type="checkbox"' in body and 'name="scale"' in body
    url = f"/en/vote/{page.pk}/polls/{ids['single']}/"
    response = client.post(url, {"choices": "other", "other_text": ""})
    assert response.status_code == 400
    assert "<title>Error:" in response.content.decode() and f'href="#poll-{ids["single"]}-other-text"' in \
        response.content.decode()
    assert not PollResponse.objects.exists()
    response = client.post(url, {"choices": "1", "next": page.url})
    assert response.status_code == 302
    body = html(client.get(page.url))
    assert "Change my answer" in body and "1 person answered." in body
    assert re.search(r'value="1" id="poll-[^"]+-option-1" checked', body)


def test_closed_poll_is_read_only_with_results(client, voter, en):
    page = with_polls(en, status="closed")
    body = html(client.get(page.url))
    assert body.count("<fieldset disabled") == 3 and "Voting has closed" in body and "Results" in body
    response = client.post(f"/en/vote/{page.pk}/polls/{poll_ids(page)['scale']}/", {"scale": "3"})
    assert response.status_code == 403 and not PollResponse.objects.exists()
