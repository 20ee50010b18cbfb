"""Comments in the browser without JavaScript: forms, post/redirect/get, the error summary,
read-only periods, threads, edits and withdrawal, and the permission matrix."""

import datetime

import html5lib
import pytest
from django.utils import timezone

from consult.models import Comment, CommentStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits(fresh_limits):
    pass


def section_url(page, index=0, lang="fa"):
    return f"/{lang}/participate/{page.pk}/section/{page.section_list[index]['id']}/"


def test_comment_on_a_section_in_persian(client, consultation, citizen):
    client.force_login(citizen)
    url = section_url(consultation)
    response = client.post(url, {"stance": "support", "text": "با این بخش **موافقم**."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}#comment-{comment.pk}"
    page = client.get(url).content.decode()
    assert "<strong>موافقم</strong>" in page and "سارا" in page
    # The consultation page counts it under its section.
    assert "۱" in client.get(consultation.url).content.decode()


def test_errors_are_summarised_with_links_and_the_title_says_error(client, consultation, citizen):
    client.force_login(citizen)
    response = client.post(section_url(consultation), {"text": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    summary = doc.find(".//div[@data-error-summary]")
    assert summary is not None and summary.get("role") == "alert"
    links = [a.get("href") for a in summary.iter("a")]
    assert "#id_text" in links and "#id_stance_0" in links
    assert doc.find(".//title").text.startswith("خطا:")
    assert Comment.objects.count() == 0


def test_reply_edit_and_withdraw_without_javascript(client, consultation, citizen):
    other = factories.participant("Reza")
    top = factories.comment(consultation, other, text="Top comment")
    client.force_login(citizen)
    reply = client.post(f"/fa/participate/comment/{top.pk}/reply/", {"text": "A reply", "stance": ""})
    assert reply.status_code == 302
    mine = Comment.objects.get(parent=top)
    assert client.post(f"/fa/participate/comment/{mine.pk}/edit/", {"text": "A better reply"}).status_code == 302
    mine.refresh_from_db()
    assert mine.body == "A better reply" and mine.edits.count() == 1
    html = client.get(section_url(consultation, lang="en")).content.decode()
    assert "A better reply" in html and "(edited)" in html
    assert client.get(f"/fa/participate/comment/{mine.pk}/withdraw/").status_code == 200
    assert client.post(f"/fa/participate/comment/{mine.pk}/withdraw/").status_code == 302
    mine.refresh_from_db()
    assert mine.status == CommentStatus.WITHDRAWN
    assert "A better reply" not in client.get(section_url(consultation)).content.decode()


def test_permalink_shows_the_thread(client, consultation, citizen):
    top = factories.comment(consultation, citizen, text="Root")
    reply = factories.comment(consultation, citizen, text="Child", parent=top, stance="")
    html = client.get(f"/en/participate/comment/{reply.pk}/").content.decode()
    assert "Root" in html and "Child" in html and f'id="comment-{reply.pk}"' in html


@pytest.mark.parametrize("status,notice", [("closed", "read-only"), ("upcoming", "open")])
def test_closed_and_upcoming_consultations_are_read_only(client, site_tree, citizen, status, notice):
    page = factories.consultation(site_tree.indexes["en"], status=status)
    client.force_login(citizen)
    html = client.get(section_url(page, lang="en")).content.decode()
    assert notice in html and 'name="text"' not in html
    assert client.post(section_url(page, lang="en"), {"stance": "support", "text": "Late"}).status_code == 403
    assert Comment.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(client, consultation):
    response = client.post(section_url(consultation), {"stance": "support", "text": "Hello"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Comment.objects.count() == 0


def test_pre_moderation_notice_for_the_author_only(client, site_tree, citizen):
    page = factories.consultation(site_tree.indexes["en"], status="open", moderation_mode="pre")
    client.force_login(citizen)
    client.post(section_url(page, lang="en"), {"stance": "support", "text": "Held back"})
    assert "Awaiting moderation" in client.get(section_url(page, lang="en")).content.decode()
    client.force_login(factories.participant())
    assert "Held back" not in client.get(section_url(page, lang="en")).content.decode()


def test_unknown_section_and_bad_sort_and_page(client, consultation):
    assert client.get(f"/en/participate/{consultation.pk}/section/nope/").status_code == 404
    assert client.get(section_url(consultation, lang="en"), {"sort": "random"}).status_code == 400
    assert client.get(section_url(consultation, lang="en"), {"page": "9"}).status_code == 400
    assert client.get("/en/participate/999999/general/").status_code == 404


def test_rate_limited_form_gets_429_page(client, consultation, citizen, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "comment": "1/m"}
    client.force_login(citizen)
    client.post(section_url(consultation), {"stance": "support", "text": "one"})
    refused = client.post(section_url(consultation), {"stance": "support", "text": "two"})
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Comment.objects.count() == 1


def form_key(html: str) -> str:
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    return doc.find(".//form[@class='comment-form']//input[@name='submission']").get("value")


def test_a_form_sent_twice_posts_one_comment(client, consultation, citizen):
    """A slow link, a second click or a retried POST: the same rendered form creates one comment,
    and the repeat lands where the first did. A new rendering has a new key."""
    client.force_login(citizen)
    url = section_url(consultation, lang="en")
    key = form_key(client.get(url).content.decode())
    body = {"stance": "support", "text": "Once only", "submission": key}
    first, again = client.post(url, body), client.post(url, body)
    comment = Comment.objects.get()
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == f"{url}#comment-{comment.pk}"
    assert "already been sent" in client.get(again["Location"]).content.decode()
    fresh = form_key(client.get(url).content.decode())
    assert fresh != key
    assert client.post(url, {**body, "text": "A second thought", "submission": fresh}).status_code == 302
    assert Comment.objects.count() == 2


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_key(client, consultation, citizen):
    client.force_login(citizen)
    url = section_url(consultation, lang="en")
    key = form_key(client.get(url).content.decode())
    refused = client.post(url, {"stance": "support", "text": "x" * 5001, "submission": key})
    assert refused.status_code == 400 and form_key(refused.content.decode()) == key
    assert client.post(url, {"stance": "support", "text": "Shorter", "submission": key}).status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("key", ["", "not-a-key", "A" * 32, "0" * 31, "<script>"])
def test_a_missing_or_malformed_key_is_a_plain_post(client, consultation, citizen, key):
    client.force_login(citizen)
    url = section_url(consultation, lang="en")
    for text in ("One", "Two"):
        assert client.post(url, {"stance": "support", "text": text, "submission": key}).status_code == 302
    assert Comment.objects.count() == 2


def test_keys_are_per_person(client, consultation, citizen):
    client.force_login(citizen)
    url = section_url(consultation, lang="en")
    key = form_key(client.get(url).content.decode())
    client.post(url, {"stance": "support", "text": "Mine", "submission": key})
    other = factories.participant("Other", roles=["citizen"])
    client.force_login(other)
    assert client.post(url, {"stance": "oppose", "text": "Theirs", "submission": key}).status_code == 302
    assert Comment.objects.count() == 2


ROLES = {"anonymous": None, "citizen": ["citizen"], "moderator": ["moderator"], "official": ["official"],
         "editor": ["editor"], "no_profile": "no_profile"}


@pytest.mark.parametrize("who", list(ROLES))
@pytest.mark.parametrize("status", ["upcoming", "open", "closed"])
@pytest.mark.parametrize("live", [True, False])
def test_permission_matrix_for_commenting(client, site_tree, who, status, live):
    page = factories.consultation(site_tree.indexes["en"], status=status, live=live)
    if ROLES[who] == "no_profile":
        client.force_login(factories.participant(profile=False))
    elif ROLES[who] is not None:
        client.force_login(factories.participant(roles=ROLES[who]))
    url = f"/en/participate/{page.pk}/general/"
    response = client.post(url, {"stance": "support", "text": "Hello"})
    allowed = live and status == "open" and ROLES[who] not in (None, "no_profile")
    if allowed:
        assert response.status_code == 302 and Comment.objects.count() == 1
    else:
        assert response.status_code in (302, 403, 404) and Comment.objects.count() == 0
        if not live:
            assert response.status_code == 404


@pytest.mark.parametrize("count", [10, 500])
def test_consultation_and_discussion_pages_query_count_is_constant(client, consultation, citizen, count,
                                                                   django_assert_max_num_queries):
    section = consultation.section_list[0]["id"]
    Comment.objects.bulk_create([
        Comment(page=consultation, author=citizen, body="b", body_html="<p>b</p>", stance="support",
                section_id=section) for _ in range(count)])
    client.force_login(citizen)
    client.get(consultation.url)
    with django_assert_max_num_queries(27):  # roles once; the person's own held statements
        assert client.get(consultation.url).status_code == 200
    client.get(section_url(consultation))
    with django_assert_max_num_queries(26):
        assert client.get(section_url(consultation)).status_code == 200


def test_edit_link_disappears_after_the_window(client, consultation, citizen):
    comment = factories.comment(consultation, citizen, text="Mine")
    client.force_login(citizen)
    assert f"/participate/comment/{comment.pk}/edit/" in client.get(section_url(consultation)).content.decode()
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert f"/participate/comment/{comment.pk}/edit/" not in client.get(section_url(consultation)).content.decode()
    assert client.post(f"/fa/participate/comment/{comment.pk}/edit/", {"text": "late"}).status_code == 403
