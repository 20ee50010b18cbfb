"""Comments over the API: the contract, the rules, bad input, limits and query counts."""

import datetime

import pytest
from django.utils import timezone

from consult.models import Comment, CommentEdit, CommentStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits(fresh_limits):
    pass


def url(page):
    return f"/api/v1/consultations/{page.pk}/comments/"


def post(client, page, **data):
    return client.post(url(page), data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_create_and_list_a_comment(client, consultation, citizen):
    client.force_login(citizen)
    section = consultation.section_list[1]["id"]
    response = post(client, consultation, text="I *support* this.", stance="support", section=section)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["section"] == section and body["stance"] == "support" and body["status"] == "published"
    assert body["body_html"] == "<p>I <em>support</em> this.</p>"
    assert body["author"] == {"display_name": "سارا"}
    comment = Comment.objects.get()
    assert comment.page_revision_id == consultation.live_revision_id
    listed = client.get(url(consultation), {"section": section}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert client.get(url(consultation), {"section": "general"}).json()["count"] == 0


def test_replies_thread_to_depth_three(client, consultation, citizen):
    client.force_login(citizen)
    top = post(client, consultation, text="Top", stance="oppose").json()
    first = post(client, consultation, text="Reply", parent=top["id"]).json()
    second = post(client, consultation, text="Reply to reply", parent=first["id"]).json()
    assert (first["depth"], second["depth"]) == (1, 2)
    too_deep = post(client, consultation, text="Too deep", parent=second["id"])
    assert too_deep.status_code == 400 and "parent" in too_deep.json()["fields"]
    thread = client.get(url(consultation)).json()["results"][0]
    assert thread["reply_count"] == 1
    assert thread["replies"][0]["replies"][0]["id"] == second["id"]
    assert Comment.objects.count() == 3


@pytest.mark.parametrize("data,field", [
    ({"text": "", "stance": "support"}, "text"),
    ({"text": "   \n  ", "stance": "support"}, "text"),
    ({"text": "x" * 5001, "stance": "support"}, "text"),
    ({"text": "Fine", "stance": "maybe"}, "stance"),
    ({"text": "Fine"}, "stance"),
    ({"text": "Fine", "stance": "support", "section": "not-a-section"}, "section"),
    ({"text": "Fine", "stance": "support", "parent": 999999}, "parent"),
    ({"stance": "support"}, "text"),
    ({"text": ["a list"], "stance": "support"}, "text"),
])
def test_bad_input_is_refused_and_nothing_stored(client, consultation, citizen, data, field):
    client.force_login(citizen)
    response = post(client, consultation, **data)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"] and body["message"]
    assert Comment.objects.count() == 0


def test_reply_to_a_comment_on_another_consultation_is_refused(client, site_tree, consultation, citizen):
    other = factories.consultation(site_tree.indexes["fa"], status="open")
    elsewhere = factories.comment(other, factories.participant())
    client.force_login(citizen)
    response = post(client, consultation, text="Hi", parent=elsewhere.pk)
    assert response.status_code == 400 and "parent" in response.json()["fields"]
    assert Comment.objects.count() == 1


def test_malformed_json_and_wrong_content_type(client, consultation, citizen):
    client.force_login(citizen)
    bad_json = client.post(url(consultation), "{not json", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "parse_error"
    form = client.post(url(consultation), {"text": "x", "stance": "support"})
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    assert Comment.objects.count() == 0


def test_unknown_consultation_and_comment_ids(client, citizen, site_tree):
    client.force_login(citizen)
    assert client.get("/api/v1/consultations/999999/comments/").status_code == 404
    assert client.get("/api/v1/comments/999999/").json()["code"] == "not_found"


@pytest.mark.parametrize("status", ["upcoming", "closed"])
def test_read_only_outside_the_comment_period(client, site_tree, citizen, status):
    page = factories.consultation(site_tree.indexes["fa"], status=status)
    client.force_login(citizen)
    response = post(client, page, text="Late", stance="support")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Comment.objects.count() == 0


def test_anonymous_cannot_comment(client, consultation):
    response = post(client, consultation, text="Hi", stance="support")
    assert response.status_code in (401, 403)
    assert Comment.objects.count() == 0


def test_edit_within_the_window_keeps_history(client, consultation, citizen):
    client.force_login(citizen)
    created = post(client, consultation, text="First", stance="support").json()
    response = client.patch(f"/api/v1/comments/{created['id']}/", {"text": "Second", "stance": "neutral"},
                            content_type="application/json")
    assert response.status_code == 200
    assert response.json()["edited_at"] and response.json()["body"] == "Second"
    assert list(CommentEdit.objects.values_list("body", "stance")) == [("First", "support")]


def test_edit_after_the_window_is_refused(client, consultation, citizen):
    client.force_login(citizen)
    created = post(client, consultation, text="First", stance="support").json()
    Comment.objects.filter(pk=created["id"]).update(created_at=timezone.now() - datetime.timedelta(minutes=31))
    response = client.patch(f"/api/v1/comments/{created['id']}/", {"text": "Second"}, content_type="application/json")
    assert response.status_code == 403
    assert Comment.objects.get().body == "First"


def test_others_cannot_edit_or_withdraw(client, consultation, citizen):
    comment = factories.comment(consultation, citizen, text="Mine")
    for intruder in (factories.participant(), factories.participant(roles=["moderator"]),
                     factories.participant(roles=["official"]), factories.participant(roles=["editor"])):
        client.force_login(intruder)
        assert client.patch(f"/api/v1/comments/{comment.pk}/", {"text": "Hijacked"},
                            content_type="application/json").status_code == 403
        assert client.delete(f"/api/v1/comments/{comment.pk}/").status_code == 403
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("Mine", CommentStatus.PUBLISHED)


def test_withdraw_keeps_the_record_and_hides_the_text(client, consultation, citizen):
    comment = factories.comment(consultation, citizen, text="Changed my mind")
    client.force_login(citizen)
    response = client.delete(f"/api/v1/comments/{comment.pk}/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert response.json()["body"] == ""
    comment.refresh_from_db()
    assert comment.status == CommentStatus.WITHDRAWN and comment.body == "Changed my mind"


def test_pre_moderation_shows_the_comment_only_to_its_author(client, site_tree, citizen):
    page = factories.consultation(site_tree.indexes["fa"], status="open", moderation_mode="pre")
    client.force_login(citizen)
    created = post(client, page, text="Held", stance="support").json()
    assert created["status"] == "pending"
    assert client.get(url(page)).json()["count"] == 1
    client.force_login(factories.participant())
    assert client.get(url(page)).json()["count"] == 0
    assert client.get(f"/api/v1/comments/{created['id']}/").status_code == 404
    client.logout()
    assert client.get(url(page)).json()["count"] == 0


def test_officials_replies_carry_the_badge(client, consultation):
    client.force_login(factories.participant("Office", roles=["official"]))
    assert post(client, consultation, text="We hear you", stance="neutral").json()["is_official"] is True


def test_orderings(client, consultation, citizen):
    old = factories.comment(consultation, citizen, text="old", section_id="")
    new = factories.comment(consultation, citizen, text="new", section_id="", support_count=0)
    popular = factories.comment(consultation, citizen, text="popular", section_id="", support_count=5)
    discussed = factories.comment(consultation, citizen, text="discussed", section_id="", reply_count=3)
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))

    def ids(ordering):
        return [c["id"] for c in client.get(url(consultation), {"ordering": ordering}).json()["results"]]

    assert ids("oldest")[0] == old.pk
    assert ids("newest")[-1] == old.pk
    assert ids("supported")[0] == popular.pk
    assert ids("discussed")[0] == discussed.pk
    assert new.pk in ids("newest")
    assert client.get(url(consultation), {"ordering": "random"}).status_code == 400


def test_rate_limit_answers_429_with_retry_after(client, consultation, citizen, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "comment": "2/m"}
    client.force_login(citizen)
    for n in range(2):
        assert post(client, consultation, text=f"ok {n}", stance="support").status_code == 201
    refused = post(client, consultation, text="too many", stance="support")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["code"] == "rate_limited"
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("count", [10, 500])
def test_list_query_count_is_constant(client, consultation, citizen, count, django_assert_max_num_queries):
    authors = [factories.participant() for _ in range(5)]
    tops = Comment.objects.bulk_create([
        Comment(page=consultation, author=authors[n % 5], body="b", body_html="<p>b</p>", stance="support",
                section_id="") for n in range(count)])
    Comment.objects.bulk_create([
        Comment(page=consultation, author=authors[n % 5], body="r", body_html="<p>r</p>", parent=top, depth=1,
                section_id="") for n, top in enumerate(tops[:20])])
    client.force_login(citizen)
    client.get(url(consultation))
    with django_assert_max_num_queries(12):
        response = client.get(url(consultation))
    assert response.json()["count"] == count


def test_list_items_have_exactly_the_detail_shape(client, consultation, citizen):
    top = factories.comment(consultation, citizen, text="Top", section_id="")
    factories.comment(consultation, citizen, text="Reply", parent=top, stance="")
    listed = client.get(url(consultation)).json()["results"][0]
    detail = client.get(f"/api/v1/comments/{top.pk}/").json()
    assert listed == detail


def test_anonymous_readers_share_a_cached_list_that_every_write_refreshes(client, consultation, citizen):
    """Readers who are not signed in get a shared cached answer; it must never lag a write."""
    from django.test import Client

    other = factories.participant("رضا", roles=["citizen"])
    writer = Client()
    writer.force_login(citizen)
    reader = Client()
    first = post(writer, consultation, text="First", stance="support").json()

    def listed():
        return reader.get(url(consultation)).json()["results"]

    assert [c["id"] for c in listed()] == [first["id"]]
    second = post(writer, consultation, text="Second", stance="oppose").json()
    assert [c["id"] for c in listed()] == [second["id"], first["id"]]          # a new comment

    voter = Client()
    voter.force_login(other)
    assert voter.put(f"/api/v1/comments/{first['id']}/vote/", {"value": 1},
                     content_type="application/json").status_code == 200
    assert listed()[1]["support"] == 1                                            # a vote
    writer.patch(f"/api/v1/comments/{second['id']}/", {"text": "Second, edited"}, content_type="application/json")
    assert listed()[0]["body"] == "Second, edited"                                # an edit
    writer.delete(f"/api/v1/comments/{second['id']}/")
    assert listed()[0]["status"] == "withdrawn" and listed()[0]["body"] == ""      # a withdrawal
    assert writer.post("/fa/account/profile/", {"display_name": "سارای نو", "preferred_language": "fa"}
                       ).status_code in (200, 302)
    assert listed()[1]["author"]["display_name"] == "سارای نو"                    # a rename
    # A signed-in reader is never served the shared copy (they may see their own pending items).
    assert writer.get(url(consultation)).json()["results"][0]["id"] == second["id"]
