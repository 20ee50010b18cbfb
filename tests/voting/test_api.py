"""The voting API: shapes, the error contract, rate limits, query counts, the schema."""

import json

import pytest

from consult.models import ModerationMode, Statement, StatementStatus
from tests import factories
from tests.voting.conftest import make_comment, make_user, poll_ids, seeded, with_polls
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db


def put(client, url, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.put(url, data=data, content_type=content_type)


def assert_error(response, status, code=None, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["message"]
    if code:
        assert body["code"] == code
    if field:
        assert field in body["fields"] and body["fields"][field]
    return body


@pytest.fixture
def voter(client):
    user = make_user()
    client.force_login(user)
    return user


@pytest.fixture
def comment(en):
    return make_comment(factories.consultation(en), make_user())


# --- comments ----------------------------------------------------------------------------------

def test_comment_vote_put_and_delete(client, voter, comment):
    url = f"/api/v1/comments/{comment.pk}/vote/"
    assert put(client, url, {"value": 1}).json() == {"target": f"comment:{comment.pk}", "up": 1, "down": 0,
                                                     "my_vote": 1}
    assert put(client, url, {"value": -1}).json() == {"target": f"comment:{comment.pk}", "up": 0, "down": 1,
                                                      "my_vote": -1}
    response = client.delete(url)
    assert response.status_code == 200
    assert response.json() == {"target": f"comment:{comment.pk}", "up": 0, "down": 0, "my_vote": None}


@pytest.mark.parametrize("body", [{"value": 0}, {"value": 2}, {"value": "up"}, {"value": True}, {"value": None},
                                  {}, [1], {"value": 1.5}])
def test_comment_vote_bad_values_are_400(client, voter, comment, body):
    assert_error(put(client, f"/api/v1/comments/{comment.pk}/vote/", body), 400, "invalid")
    assert not CommentVote.objects.exists()


def test_malformed_json_and_wrong_content_type(client, voter, comment):
    url = f"/api/v1/comments/{comment.pk}/vote/"
    assert_error(put(client, url, '{"value": 1'), 400, "parse_error")
    assert_error(put(client, url, "value=1", content_type="application/x-www-form-urlencoded"), 415)
    assert_error(put(client, url, "1", content_type="text/plain"), 415)
    assert not CommentVote.objects.exists()


@pytest.mark.parametrize("comment_id", [999999, 2**31, 2**63])
def test_unknown_comment_is_404(client, voter, comment_id):
    assert_error(put(client, f"/api/v1/comments/{comment_id}/vote/", {"value": 1}), 404, "not_found")


def test_hidden_comment_and_draft_page_are_404(client, voter, en):
    pending = make_comment(factories.consultation(en), make_user(), status="pending")
    draft = make_comment(factories.consultation(en, live=False), make_user())
    for target in (pending, draft):
        assert_error(put(client, f"/api/v1/comments/{target.pk}/vote/", {"value": 1}), 404)
    assert not CommentVote.objects.exists()


def test_own_comment_is_403_with_a_reason(client, en):
    author = make_user()
    own = make_comment(factories.consultation(en), author)
    client.force_login(author)
    response = client.put(f"/api/v1/comments/{own.pk}/vote/", data=json.dumps({"value": 1}),
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_error(response, 403, "permission_denied")
    assert "own comment" in body["message"]
    assert not CommentVote.objects.exists()


def test_anonymous_and_closed_are_refused(client, en):
    open_comment = make_comment(factories.consultation(en), make_user())
    assert put(client, f"/api/v1/comments/{open_comment.pk}/vote/", {"value": 1}).status_code in {401, 403}
    client.force_login(make_user())
    closed_comment = make_comment(factories.consultation(en, status="closed"), make_user())
    assert_error(put(client, f"/api/v1/comments/{closed_comment.pk}/vote/", {"value": 1}), 403)
    assert not CommentVote.objects.exists()


def test_rate_limit_is_429_with_retry_after(client, voter, en, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "vote": "2/m"}
    page = factories.consultation(en)
    comments = [make_comment(page, make_user()) for _ in range(3)]
    for target in comments[:2]:
        assert put(client, f"/api/v1/comments/{target.pk}/vote/", {"value": 1}).status_code == 200
    response = put(client, f"/api/v1/comments/{comments[2].pk}/vote/", {"value": 1})
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 61
    assert CommentVote.objects.count() == 2


# --- statements --------------------------------------------------------------------------------

def test_statement_list_shape_and_my_vote(client, voter, en):
    page = seeded(en)
    first = Statement.objects.filter(page_id=page.pk).order_by("pk").first()
    put(client, f"/api/v1/statements/{first.pk}/vote/", {"value": 0})
    body = client.get(f"/api/v1/pages/{page.pk}/statements/").json()
    assert body["count"] == 2
    item = body["results"][0]
    assert set(item) == {"id", "text", "is_seed", "status", "created_at", "agree", "disagree", "pass", "my_vote",
                         "held_because"}
    assert (item["id"], item["is_seed"], item["pass"], item["my_vote"]) == (first.pk, True, 1, 0)
    assert body["results"][1]["my_vote"] is None


@pytest.mark.parametrize(("query", "field"), [
    ("page_size=0", "page_size"), ("page_size=101", "page_size"), ("page_size=many", "page_size"),
    ("page=0", "page"), ("page=-3", "page"), ("page_size=5&page_size=6", "page_size"),
])
def test_statement_list_bad_paging_is_400_not_a_silent_default(client, en, query, field):
    page = seeded(en)
    assert_error(client.get(f"/api/v1/pages/{page.pk}/statements/?{query}", HTTP_ACCEPT_LANGUAGE="en"),
                 400, field=field)
    assert client.get(f"/api/v1/pages/{page.pk}/statements/?page_size=1").json()["results"].__len__() == 1


def test_statement_create_and_next(client, voter, en):
    page = seeded(en, seeds=("Only seed.",))
    response = client.post(f"/api/v1/pages/{page.pk}/statements/", {"text": "  Mine\u202e. "},
                           content_type="application/json")
    assert response.status_code == 201
    assert response.json()["text"] == "Mine." and response.json()["is_seed"] is False
    nxt = client.get(f"/api/v1/pages/{page.pk}/statements/next/")
    assert nxt.status_code == 200 and nxt.json()["text"] == "Mine."  # newest first among the unvoted
    for statement in Statement.objects.filter(page_id=page.pk):
        assert put(client, f"/api/v1/statements/{statement.pk}/vote/", {"value": 1}).status_code == 200
    assert client.get(f"/api/v1/pages/{page.pk}/statements/next/").status_code == 204


@pytest.mark.parametrize("text", ["", "   ", "x" * 281, None, 5, ["a"]])
def test_statement_create_bad_text_is_400(client, voter, en, text):
    page = seeded(en)
    response = client.post(f"/api/v1/pages/{page.pk}/statements/", {"text": text}, content_type="application/json")
    assert_error(response, 400, "invalid", "text")
    assert not Statement.objects.filter(seed_id="").exists()


def test_statement_create_on_pre_moderated_page_is_pending(client, voter, en):
    page = seeded(en, moderation_mode=ModerationMode.PRE)
    response = client.post(f"/api/v1/pages/{page.pk}/statements/", {"text": "Wait for it."},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == StatementStatus.PENDING
    assert "Wait for it." not in json.dumps(client.get(f"/api/v1/pages/{page.pk}/statements/").json())


def test_statement_vote_errors(client, voter, en):
    page = seeded(en)
    statement = Statement.objects.filter(page_id=page.pk).first()
    url = f"/api/v1/statements/{statement.pk}/vote/"
    assert_error(put(client, url, {"value": 2}), 400, "invalid", "value")
    assert_error(put(client, url, "nope"), 400, "parse_error")
    assert_error(put(client, "/api/v1/statements/987654/vote/", {"value": 1}), 404)
    pending = Statement.objects.create(page_id=page.pk, text="Pending.", status=StatementStatus.PENDING)
    assert_error(put(client, f"/api/v1/statements/{pending.pk}/vote/", {"value": 1}), 404)
    closed = Statement.objects.filter(page_id=seeded(en, status="closed").pk).first()
    assert_error(put(client, f"/api/v1/statements/{closed.pk}/vote/", {"value": 1}), 403)
    assert not StatementVote.objects.exists()
    assert put(client, url, {"value": 0}).json()["my_vote"] == 0
    assert client.delete(url).json()["my_vote"] is None


def test_unknown_and_draft_pages_are_404(client, voter, en):
    draft = seeded(en, live=False)
    for page_id in (draft.pk, en.pk, 99999):
        assert_error(client.get(f"/api/v1/pages/{page_id}/statements/"), 404)
        assert_error(client.get(f"/api/v1/pages/{page_id}/polls/"), 404)
        assert_error(client.post(f"/api/v1/pages/{page_id}/statements/", {"text": "x"},
                                 content_type="application/json"), 404)


@pytest.mark.parametrize("many", [10, 200])
def test_statement_list_queries_do_not_grow(client, voter, en, many, django_assert_max_num_queries):
    page = seeded(en, seeds=())
    Statement.objects.bulk_create(Statement(page_id=page.pk, text=f"Claim {i}") for i in range(many))
    StatementVote.objects.bulk_create(StatementVote(statement=s, voter=voter, value=1)
                                      for s in Statement.objects.filter(page_id=page.pk)[:5])
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/pages/{page.pk}/statements/?page_size=100")
    assert response.status_code == 200 and len(response.json()["results"]) == min(many, 100)


# --- polls -------------------------------------------------------------------------------------

def test_polls_list_and_answer(client, voter, en):
    page = with_polls(en)
    ids = poll_ids(page)
    polls = {p["kind"]: p for p in client.get(f"/api/v1/pages/{page.pk}/polls/").json()}
    assert polls["single"]["options"] == ["Mon", "Tue", "Wed"] and polls["single"]["allow_other"] is True
    assert polls["single"]["results"] is None and polls["single"]["my_response"] is None
    assert polls["scale"]["scale_low_label"] == "Not at all" and polls["single"]["state"] == "open"
    url = f"/api/v1/pages/{page.pk}/polls/{ids['single']}/response/"
    body = put(client, url, {"choices": ["other"], "other_text": "Friday"}).json()
    assert body["my_response"]["choices"] == ["other"] and body["my_response"]["other_text"] == "Friday"
    assert body["results"]["respondents"] == 1 and body["results"]["other"]["count"] == 1
    body = put(client, f"/api/v1/pages/{page.pk}/polls/{ids['multiple']}/response/", {"choices": [0, 1]}).json()
    assert body["my_response"]["choices"] == [0, 1] and body["results"] is None  # shown after closing
    body = put(client, f"/api/v1/pages/{page.pk}/polls/{ids['scale']}/response/", {"scale": 4}).json()
    assert body["results"]["mean"] == 4.0
    assert PollResponse.objects.count() == 3


@pytest.mark.parametrize("kind,body,field", [
    ("single", {"choices": [0, 1]}, "choices"),
    ("single", {"choices": [9]}, "choices"),
    ("single", {"choices": ["maybe"]}, "choices"),
    ("single", {"choices": "0"}, "choices"),
    ("single", {"choices": ["other"]}, "other_text"),
    ("scale", {"scale": 9}, "scale"),
    ("scale", {"scale": "high"}, "scale"),
    ("multiple", {"choices": []}, "choices"),
])
def test_poll_answers_not_matching_the_block_are_400(client, voter, en, kind, body, field):
    page = with_polls(en)
    response = put(client, f"/api/v1/pages/{page.pk}/polls/{poll_ids(page)[kind]}/response/", body)
    assert_error(response, 400, "invalid", field)
    assert not PollResponse.objects.exists()


def test_poll_unknown_closed_and_results_after_close(client, voter, en):
    page = with_polls(en)
    assert_error(put(client, f"/api/v1/pages/{page.pk}/polls/nope/response/", {"choices": [0]}), 404)
    closed = with_polls(en, status="closed")
    PollResponse.objects.create(page=closed, poll_id=poll_ids(closed)["multiple"], respondent=make_user(),
                                choices=[1])
    assert_error(put(client, f"/api/v1/pages/{closed.pk}/polls/{poll_ids(closed)['scale']}/response/",
                     {"scale": 3}), 403)
    polls = {p["kind"]: p for p in client.get(f"/api/v1/pages/{closed.pk}/polls/").json()}
    assert polls["multiple"]["state"] == "closed"
    assert [o["count"] for o in polls["multiple"]["results"]["options"]] == [0, 1, 0]


def test_schema_documents_every_endpoint(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    for route in ["/api/v1/comments/{comment_id}/vote/", "/api/v1/pages/{page_id}/statements/",
                  "/api/v1/pages/{page_id}/statements/next/", "/api/v1/statements/{statement_id}/vote/",
                  "/api/v1/pages/{page_id}/polls/", "/api/v1/pages/{page_id}/polls/{poll_id}/response/"]:
        assert route in schema["paths"], route
    assert "429" in schema["paths"]["/api/v1/comments/{comment_id}/vote/"]["put"]["responses"]


def test_every_documented_429_documents_retry_after(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    too_many = [(path, method, operation["responses"]["429"]) for path, operations in schema["paths"].items()
                for method, operation in operations.items() if "429" in operation.get("responses", {})]
    assert len(too_many) >= 10  # every rate-limited write, and the token endpoint
    for path, method, response in too_many:
        header = response.get("headers", {}).get("Retry-After")
        assert header and header["schema"]["type"] == "integer", (path, method)



def test_a_token_vote_costs_a_fixed_handful_of_queries(client, en, django_assert_max_num_queries):
    """The vote is the hottest write: token, person and profile in one query, the comment with
    only the columns it needs, then the vote's transaction: begin, lock, write, move the
    counter (read back in the same statement), commit — no more."""
    from rest_framework.authtoken.models import Token

    user = make_user()
    token = Token.objects.create(user=user)
    target = make_comment(factories.consultation(en), make_user())
    url = f"/api/v1/comments/{target.pk}/vote/"
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    with django_assert_max_num_queries(7):
        response = client.put(url, data=json.dumps({"value": 1}), content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["up"] == 1
    response = client.put(url, data=json.dumps({"value": 1}), content_type="application/json",
                          HTTP_AUTHORIZATION="Token not-a-token")
    assert_error(response, 403, "authentication_failed")
    assert CommentVote.objects.filter(comment=target).count() == 1
