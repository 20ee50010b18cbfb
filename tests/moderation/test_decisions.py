"""Redaction, escalation to officials, the author told in their language, through the HTML
pages (no JavaScript) and the API."""

import json

import pytest
from django.core import mail

from consult.models import Comment, CommentEdit, CommentStatus, Notification, Profile
from moderation import audit
from moderation.models import AuditEntry, Case, CaseStatus, Outcome, Redaction
from tests import factories
from tests.web import client_for, post_json

pytestmark = pytest.mark.django_db

PHONE = "0912 345 6789"





@pytest.fixture
def held(en, people):
    """A comment with a phone number in it, held for a moderator."""
    page = factories.consultation(en)
    comment = factories.comment(page, people["author"], text=f"Call me on {PHONE} about the bus lanes",
                                status=CommentStatus.PENDING)
    CommentEdit.objects.create(comment=comment, body=f"First draft, {PHONE}", body_html="<p>x</p>")
    case = Case.objects.create(item_type="comment", item_id=comment.pk, page=page, reasons=["personal_data"],
                               language="en")
    return comment, case


# --- redaction ---------------------------------------------------------------------------------

def test_a_moderator_masks_personal_data_and_publishes_the_rest(people, held):
    comment, case = held
    response = client_for(people["moderator"]).post(f"/en/moderation/case/{case.pk}/", {
        "outcome": "redacted", "reason": "personal_data", "spans": PHONE, "note": "We removed your number."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED and PHONE not in comment.body and "bus lanes" in comment.body
    assert PHONE not in comment.body_html and comment.redacted_at is not None
    assert all(PHONE not in edit.body for edit in CommentEdit.objects.filter(comment=comment))
    assert Redaction.objects.get(case=case).original.endswith("about the bus lanes")
    case.refresh_from_db()
    assert case.outcome == Outcome.REDACTED and case.status == CaseStatus.DECIDED
    entry = AuditEntry.objects.get(action="decision.redacted")
    assert PHONE not in json.dumps(entry.content(), ensure_ascii=False) and len(entry.after["masked"]) == 1
    assert audit.verify().ok
    public = client_for(None).get(f"/en/participate/comment/{comment.pk}/", follow=True).content.decode()
    assert PHONE not in public and "bus lanes" in public


@pytest.mark.parametrize("spans, message", [("", "Copy the words"), ("0999 999 9999", "not in the text")])
def test_a_redaction_needs_passages_that_are_in_the_text(people, held, spans, message):
    comment, case = held
    response = client_for(people["moderator"]).post(f"/en/moderation/case/{case.pk}/", {
        "outcome": "redacted", "spans": spans})
    assert response.status_code == 400 and message in response.content.decode()
    assert "Error:" in response.content.decode().split("</title>")[0]
    comment.refresh_from_db()
    case.refresh_from_db()
    assert comment.status == CommentStatus.PENDING and PHONE in comment.body and case.status == CaseStatus.PENDING
    assert not Redaction.objects.exists() and not AuditEntry.objects.filter(action__startswith="decision").exists()


def test_redaction_over_the_api(people, held):
    comment, case = held
    client = client_for(people["moderator"])
    missing = post_json(client, f"/api/v1/moderation/cases/{case.pk}/decision/", {"outcome": "redacted"})
    assert missing.status_code == 400 and "spans" in missing.json()["fields"]
    done = post_json(client, f"/api/v1/moderation/cases/{case.pk}/decision/",
                     {"outcome": "redacted", "spans": [PHONE], "reason": "personal_data"})
    assert done.status_code == 200 and done.json()["outcome"] == "redacted"
    assert PHONE not in Comment.objects.get(pk=comment.pk).body


# --- the author is told, in their language -----------------------------------------------------

def test_the_author_is_told_in_their_language_in_the_app_and_by_email(people, held, django_capture_on_commit_callbacks):
    _comment, case = held
    Profile.objects.filter(user=people["author"]).update(preferred_language="fa")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people["moderator"]).post(f"/en/moderation/case/{case.pk}/", {
            "outcome": "rejected", "reason": "abuse", "note": "Please keep it civil."})
    assert response.status_code == 302
    notification = Notification.objects.get(recipient=people["author"])
    assert notification.language == "fa" and notification.kind == "moderation.rejected"
    assert "Please keep it civil." in notification.body and notification.url.startswith("/fa/moderation/appeal/")
    assert "Your contribution" not in notification.subject  # written in Persian, not English
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [people["author"].email]
    assert notification.subject in mail.outbox[0].subject and notification.url in mail.outbox[0].body
    inbox = client_for(people["author"], "fa").get("/fa/account/notifications/").content.decode()
    assert notification.subject in inbox and "Please keep it civil." in inbox


def test_approving_a_held_comment_tells_its_author(people, held):
    _comment, case = held
    client_for(people["moderator"]).post(f"/en/moderation/case/{case.pk}/", {"outcome": "approved"})
    assert Notification.objects.get(recipient=people["author"]).kind == "moderation.approved"


def test_notifications_over_the_api_and_marking_them_read(people, held):
    _comment, case = held
    client_for(people["moderator"]).post(f"/en/moderation/case/{case.pk}/", {"outcome": "rejected",
                                                                             "reason": "spam"})
    author = client_for(people["author"])
    listing = author.get("/api/v1/me/notifications/").json()
    assert listing["count"] == 1 and listing["unread"] == 1 and listing["results"][0]["kind"] == "moderation.rejected"
    assert 'class="badge"' in author.get("/en/account/notifications/").content.decode()  # the unread count
    marked = post_json(author, "/api/v1/me/notifications/read/", {})
    assert marked.json() == {"marked": 1, "unread": 0}
    assert post_json(author, "/api/v1/me/notifications/read/", {"ids": ["x"]}).status_code == 400
    assert client_for(None).get("/api/v1/me/notifications/").status_code in (401, 403)
    assert client_for(people["citizen"]).get("/api/v1/me/notifications/").json()["count"] == 0


# --- escalation --------------------------------------------------------------------------------

def test_escalation_hands_the_case_to_officials(people, held):
    comment, case = held
    moderator = client_for(people["moderator"])
    no_note = moderator.post(f"/en/moderation/case/{case.pk}/escalate/", {"note": ""})
    assert no_note.status_code == 400 and Case.objects.get(pk=case.pk).status == CaseStatus.PENDING
    escalated = moderator.post(f"/en/moderation/case/{case.pk}/escalate/", {"note": "A threat? Police matter."})
    assert escalated.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.escalated_by == people["moderator"]
    assert Notification.objects.filter(recipient=people["official"], kind="moderation.escalated").exists()
    # moderators no longer decide it; the citizen never could; the official does
    assert moderator.post(f"/en/moderation/case/{case.pk}/", {"outcome": "approved"}).status_code == 403
    assert post_json(moderator, f"/api/v1/moderation/cases/{case.pk}/decision/",
                     {"outcome": "approved"}).status_code == 403
    assert client_for(people["citizen"]).get(f"/en/moderation/case/{case.pk}/").status_code == 403
    official = client_for(people["official"])
    listing = official.get("/en/moderation/escalated/")
    assert listing.status_code == 200 and "Police matter." in listing.content.decode()
    api_listing = official.get("/api/v1/moderation/queue/?status=escalated").json()
    assert [row["id"] for row in api_listing["results"]] == [case.pk]
    assert official.get(f"/en/moderation/case/{case.pk}/").status_code == 200
    decided = official.post(f"/en/moderation/case/{case.pk}/", {"outcome": "rejected", "reason": "illegal"})
    assert decided.status_code == 302 and decided["Location"].startswith("/en/moderation/escalated/")
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.REJECTED
    assert list(AuditEntry.objects.values_list("action", flat=True)).count("case.escalate") == 1


def test_escalating_a_public_flagged_comment_hides_it_meanwhile(en, people):
    page = factories.consultation(en)
    comment = factories.comment(page, people["author"], text="Borderline")
    flagged = post_json(client_for(people["citizen"]), f"/api/v1/comments/{comment.pk}/flag/", {"reason": "abuse"})
    assert flagged.status_code == 201
    case = Case.objects.get()
    response = post_json(client_for(people["moderator"]), f"/api/v1/moderation/cases/{case.pk}/escalate/",
                         {"note": "Legal advice needed"})
    assert response.status_code == 200 and response.json()["status"] == "escalated"
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PENDING
    again = post_json(client_for(people["moderator"]), f"/api/v1/moderation/cases/{case.pk}/escalate/",
                      {"note": "again"})
    assert again.status_code == 409


def test_citizens_and_officials_cannot_reach_the_queue_but_officials_see_escalations(people):
    for role, queue_status, escalated_status in [("citizen", 403, 403), ("official", 403, 200),
                                                 ("moderator", 200, 200), ("admin", 200, 200)]:
        client = client_for(people[role])
        assert client.get("/en/moderation/").status_code == queue_status, role
        assert client.get("/en/moderation/escalated/").status_code == escalated_status, role
        assert client.get("/en/moderation/appeals/").status_code == queue_status, role
    assert client_for(None).get("/en/moderation/escalated/").status_code == 302


def test_a_held_statement_is_shown_to_its_author_with_the_reason_and_to_nobody_else(en, people):
    page = factories.consultation(en, moderation_mode="pre")
    author = client_for(people["author"])
    sent = author.post(f"/en/vote/{page.pk}/statements/add/", {"text": "Buses should run all night"})
    assert sent.status_code == 302 and "statement_added=pending" in sent["Location"]
    mine = author.get(page.url).content.decode()
    assert "Your statements awaiting moderation" in mine and "Buses should run all night" in mine
    assert "a moderator reads every contribution before it appears" in mine  # the reason, in plain words
    others = client_for(people["citizen"]).get(page.url).content.decode()
    assert "Buses should run all night" not in others
