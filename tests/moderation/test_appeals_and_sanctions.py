"""Appeals (once, by the author, decided by another moderator), sanctions enforced on every
write path, and per-consultation moderators."""

import datetime
import json

import pytest
from django.utils import timezone

from consult.models import Comment, CommentStatus, Notification, Statement
from moderation.models import Appeal, AuditEntry, Case, CaseStatus, ModeratorAssignment, Sanction
from tests import factories
from tests.web import client_for, post_json, put_json

pytestmark = pytest.mark.django_db

PHONE = "0912 345 6789"






def decided_case(page, people, *, outcome="rejected", text="Something sharp", reason="abuse", spans=""):
    comment = factories.comment(page, people["author"], text=text, status=CommentStatus.PENDING)
    case = Case.objects.create(item_type="comment", item_id=comment.pk, page=page, reasons=["abuse"])
    response = client_for(people["moderator"]).post(f"/en/moderation/case/{case.pk}/", {
        "outcome": outcome, "reason": reason, "spans": spans})
    assert response.status_code == 302
    return comment, Case.objects.get(pk=case.pk)


# --- appeals -----------------------------------------------------------------------------------

def test_the_author_appeals_once_and_another_moderator_reinstates(en, people):
    page = factories.consultation(en)
    comment, case = decided_case(page, people)
    author = client_for(people["author"])
    form = author.get(f"/en/moderation/appeal/{case.pk}/")
    assert form.status_code == 200 and "Appeal this decision" in form.content.decode()
    empty = author.post(f"/en/moderation/appeal/{case.pk}/", {"note": ""})
    assert empty.status_code == 400 and not Appeal.objects.exists()
    sent = author.post(f"/en/moderation/appeal/{case.pk}/", {"note": "It was a quote from the draft."})
    assert sent.status_code == 302 and Appeal.objects.count() == 1
    twice = post_json(author, f"/api/v1/moderation/cases/{case.pk}/appeal/", {"note": "Again"})
    assert twice.status_code == 400 and Appeal.objects.count() == 1
    appeal = Appeal.objects.get()

    # the moderator who decided cannot rule on the appeal, in HTML or over the API
    first = client_for(people["moderator"])
    own = first.get(f"/en/moderation/appeals/{appeal.pk}/").content.decode()
    assert "another moderator must decide the appeal" in own
    assert first.post(f"/en/moderation/appeals/{appeal.pk}/", {"outcome": "reinstated"}).status_code == 403
    assert post_json(first, f"/api/v1/moderation/appeals/{appeal.pk}/decision/",
                     {"outcome": "reinstated"}).status_code == 403
    assert client_for(people["citizen"]).get(f"/en/moderation/appeals/{appeal.pk}/").status_code == 403

    second = client_for(people["second_moderator"])
    listing = second.get("/api/v1/moderation/appeals/").json()
    assert listing["count"] == 1 and listing["results"][0]["decided_by_me"] is False
    decided = second.post(f"/en/moderation/appeals/{appeal.pk}/", {"outcome": "reinstated", "note": "Fair point."})
    assert decided.status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PUBLISHED
    assert Notification.objects.filter(recipient=people["author"], kind="moderation.appeal_reinstated").exists()
    assert AuditEntry.objects.filter(action="appeal.reinstated", actor=people["second_moderator"]).exists()
    late = post_json(second, f"/api/v1/moderation/appeals/{appeal.pk}/decision/", {"outcome": "upheld"})
    assert late.status_code == 409


def test_reinstating_a_redaction_restores_the_text(en, people):
    page = factories.consultation(en)
    comment, case = decided_case(page, people, outcome="redacted", reason="personal_data",
                                 text=f"My number is {PHONE}, really", spans=PHONE)
    assert PHONE not in Comment.objects.get(pk=comment.pk).body
    appeal = post_json(client_for(people["author"]), f"/api/v1/moderation/cases/{case.pk}/appeal/",
                       {"note": "That is my office's public line."})
    assert appeal.status_code == 201
    response = post_json(client_for(people["second_moderator"]),
                         f"/api/v1/moderation/appeals/{appeal.json()['id']}/decision/", {"outcome": "reinstated"})
    assert response.status_code == 200
    restored = Comment.objects.get(pk=comment.pk)
    assert PHONE in restored.body and restored.redacted_at is None and restored.status == CommentStatus.PUBLISHED


def test_who_may_appeal_what(en, people):
    page = factories.consultation(en)
    _comment, approved = decided_case(page, people, outcome="approved")
    author = client_for(people["author"])
    assert post_json(author, f"/api/v1/moderation/cases/{approved.pk}/appeal/", {"note": "x"}).status_code == 400
    _comment, rejected = decided_case(page, people)
    assert post_json(client_for(people["citizen"]), f"/api/v1/moderation/cases/{rejected.pk}/appeal/",
                     {"note": "not mine"}).status_code == 403
    assert client_for(people["citizen"]).get(f"/en/moderation/appeal/{rejected.pk}/").status_code == 403
    Case.objects.filter(pk=rejected.pk).update(decided_at=timezone.now() - datetime.timedelta(days=31))
    too_late = post_json(author, f"/api/v1/moderation/cases/{rejected.pk}/appeal/", {"note": "late"})
    assert too_late.status_code == 400 and "passed" in too_late.json()["fields"]["note"][0]
    assert not Appeal.objects.exists()


def test_an_upheld_appeal_is_final_and_told(en, people):
    page = factories.consultation(en)
    comment, case = decided_case(page, people)
    appeal = post_json(client_for(people["author"]), f"/api/v1/moderation/cases/{case.pk}/appeal/",
                       {"note": "Please look again"}).json()
    post_json(client_for(people["second_moderator"]), f"/api/v1/moderation/appeals/{appeal['id']}/decision/",
              {"outcome": "upheld", "note": "It breaks the rules."})
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.REJECTED
    page_html = client_for(people["author"]).get(f"/en/moderation/appeal/{case.pk}/").content.decode()
    assert "This is final" in page_html and "It breaks the rules." in page_html


# --- sanctions ---------------------------------------------------------------------------------

def test_a_suspended_person_reads_but_cannot_write_and_is_told_why(en, people):
    page = factories.consultation(en)
    other = factories.comment(page, people["citizen"], text="Someone else's comment")
    statement = Statement.objects.create(page=page, text="Seeded", author=None)
    moderator = client_for(people["moderator"])
    until = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = moderator.post(f"/en/moderation/people/{people['author'].pk}/", {
        "kind": "suspend", "reason": "abuse", "until": until, "note": "Cool off for a week."})
    assert response.status_code == 302
    assert Sanction.objects.get().in_force
    author = client_for(people["author"])
    comment_try = post_json(author, f"/api/v1/consultations/{page.pk}/comments/",
                            {"text": "Back again", "stance": "oppose", "section": other.section_id})
    assert comment_try.status_code == 403 and "suspended" in comment_try.json()["message"]
    assert "Cool off for a week." in comment_try.json()["message"]
    assert put_json(author, f"/api/v1/comments/{other.pk}/vote/", {"value": 1}).status_code == 403
    assert put_json(author, f"/api/v1/statements/{statement.pk}/vote/", {"value": 1}).status_code == 403
    assert post_json(author, f"/api/v1/comments/{other.pk}/flag/", {"reason": "spam"}).status_code == 403
    assert not Comment.objects.filter(author=people["author"]).exists()
    discussion = author.get(f"/en/participate/{page.pk}/section/{other.section_id}/").content.decode()
    assert "suspended your account" in discussion and "Cool off for a week." in discussion
    me = author.get("/api/v1/me/").json()
    assert me["restriction"]["kind"] == "suspend" and "Cool off" in me["restriction"]["message"]
    assert Notification.objects.filter(recipient=people["author"], kind="moderation.suspend").exists()

    sanction = Sanction.objects.get()
    assert moderator.post(f"/en/moderation/sanctions/{sanction.pk}/lift/").status_code == 302
    again = post_json(author, f"/api/v1/consultations/{page.pk}/comments/",
                      {"text": "Back again", "stance": "oppose", "section": other.section_id})
    assert again.status_code == 201
    assert {"sanction.suspend", "sanction.lift"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_a_ban_and_a_warning(en, people):
    moderator = client_for(people["moderator"])
    banned = post_json(moderator, f"/api/v1/moderation/people/{people['author'].pk}/sanctions/",
                       {"kind": "ban", "reason": "spam"})
    assert banned.status_code == 201 and banned.json()["in_force"]
    page = factories.consultation(en)
    refused = post_json(client_for(people["author"]), f"/api/v1/consultations/{page.pk}/comments/",
                        {"text": "x", "stance": "oppose", "section": page.section_list[0]["id"]})
    assert refused.status_code == 403 and "banned" in refused.json()["message"]
    warned = post_json(moderator, f"/api/v1/moderation/people/{people['citizen'].pk}/sanctions/",
                       {"kind": "warn", "reason": "off_topic"})
    assert warned.status_code == 201 and not warned.json()["in_force"]
    assert Notification.objects.filter(recipient=people["citizen"], kind="moderation.warn").exists()
    fine = post_json(client_for(people["citizen"]), f"/api/v1/consultations/{page.pk}/comments/",
                     {"text": "Still welcome", "stance": "support", "section": page.section_list[0]["id"]})
    assert fine.status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"kind": "suspend", "reason": "abuse"}, "until"),
    ({"kind": "suspend", "reason": "abuse", "until": "2001-01-01T00:00:00Z"}, "until"),
    ({"kind": "suspend", "reason": "abuse", "until": "2099-01-01T00:00:00Z"}, "until"),
    ({"kind": "exile", "reason": "abuse"}, "kind"),
    ({"kind": "ban", "reason": "rude"}, "reason"),
])
def test_bad_sanctions_are_400_and_change_nothing(people, body, field):
    response = post_json(client_for(people["moderator"]), f"/api/v1/moderation/people/{people['author'].pk}/sanctions/",
                         body)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Sanction.objects.exists()
    people["author"].profile.refresh_from_db()
    assert people["author"].profile.restriction == ""


def test_who_may_sanction_whom(en, people):
    url = f"/api/v1/moderation/people/{people['author'].pk}/sanctions/"
    for role in ("citizen", "official", "editor"):
        assert post_json(client_for(people[role]), url, {"kind": "ban", "reason": "spam"}).status_code == 403
    assigned = factories.participant("Assigned")
    ModeratorAssignment.objects.create(page=factories.consultation(en), user=assigned)
    assert post_json(client_for(assigned), url, {"kind": "ban", "reason": "spam"}).status_code == 403
    staff = post_json(client_for(people["moderator"]), f"/api/v1/moderation/people/{people['official'].pk}/sanctions/",
                      {"kind": "ban", "reason": "spam"})
    assert staff.status_code == 403
    assert client_for(people["citizen"]).get(f"/en/moderation/people/{people['author'].pk}/").status_code == 403
    assert not Sanction.objects.exists()


# --- per-consultation moderators ---------------------------------------------------------------

def test_an_assigned_moderator_works_only_their_consultation(en, people):
    mine, theirs = factories.consultation(en), factories.consultation(en)
    assigned = factories.participant("Page moderator")
    ModeratorAssignment.objects.create(page=mine, user=assigned)
    cases = {}
    for page in (mine, theirs):
        comment = factories.comment(page, people["author"], status=CommentStatus.PENDING, text=f"on {page.title}")
        cases[page.pk] = Case.objects.create(item_type="comment", item_id=comment.pk, page=page, reasons=["links"])
    client = client_for(assigned)
    queue = client.get("/api/v1/moderation/queue/").json()
    assert [row["id"] for row in queue["results"]] == [cases[mine.pk].pk]
    html = client.get("/en/moderation/").content.decode()
    assert f"on {mine.title}" in html and f"on {theirs.title}" not in html
    assert 'href="/en/moderation/"' in html  # the account menu links the queue
    assert client.get(f"/en/moderation/case/{cases[theirs.pk].pk}/").status_code == 403
    assert post_json(client, f"/api/v1/moderation/cases/{cases[theirs.pk].pk}/decision/",
                     {"outcome": "approved"}).status_code == 403
    assert post_json(client, f"/api/v1/moderation/cases/{cases[mine.pk].pk}/decision/",
                     {"outcome": "approved"}).status_code == 200
    assert Case.objects.get(pk=cases[theirs.pk].pk).status == CaseStatus.PENDING
    # a global moderator sees both
    assert client_for(people["moderator"]).get("/api/v1/moderation/queue/").json()["count"] == 1


def test_editors_assign_moderators_in_the_wagtail_admin(en, people):
    page = factories.consultation(en)
    editor = factories.participant("Editor person", roles=["editor"], is_staff=True)
    from django.contrib.auth.models import Group, Permission

    Group.objects.get(name="editor").permissions.add(Permission.objects.get(codename="access_admin"))
    client = client_for(editor)
    url = "/admin/snippets/moderation/moderatorassignment/add/"
    form = client.get(url)
    assert form.status_code == 200
    unknown = client.post(url, {"page": page.pk, "person": "nobody@example.org"})
    assert unknown.status_code == 200 and not ModeratorAssignment.objects.exists()
    done = client.post(url, {"page": page.pk, "person": people["citizen"].email})
    assert done.status_code == 302
    assert ModeratorAssignment.objects.get().user == people["citizen"]
    assert client_for(people["citizen"]).get("/en/moderation/").status_code == 200


def test_the_audit_log_keeps_an_appeals_digest_not_its_words(en, people):
    import hashlib

    page = factories.consultation(en)
    _comment, case = decided_case(page, people)
    words = "My neighbour Reza Karimi at 12 Laleh street can confirm"
    assert post_json(client_for(people["author"]), f"/api/v1/moderation/cases/{case.pk}/appeal/",
                     {"note": words}).status_code == 201
    entry = AuditEntry.objects.get(action="appeal.filed")
    assert "Reza" not in json.dumps(entry.content(), ensure_ascii=False)
    assert entry.after["note_sha256"] == hashlib.sha256(words.encode()).hexdigest()
