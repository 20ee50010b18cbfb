"""Flags, the queue, claims and decisions, through the API and the no-JavaScript pages."""

import threading

import pytest
from django.db import connection
from django.test import Client

from consult.models import Comment, CommentStatus, Statement
from moderation import audit, services
from moderation.models import AuditEntry, Case, CaseStatus, Flag
from tests import factories
from tests.web import client_for, post_json

pytestmark = pytest.mark.django_db





@pytest.fixture
def comment(en, people):
    page = factories.consultation(en)
    return factories.comment(page, people["author"], text="A thoughtful comment about bus lanes")


def flag(user, comment, reason="spam", note=""):
    return post_json(client_for(user), f"/api/v1/comments/{comment.pk}/flag/", {"reason": reason, "note": note})


# --- flags -------------------------------------------------------------------------------------

def test_a_flag_is_recorded_once_per_person(people, comment):
    assert flag(people["citizen"], comment).status_code == 201
    again = flag(people["citizen"], comment)
    assert again.status_code == 400 and again.json()["fields"]["reason"]
    assert Flag.objects.count() == 1
    case = Case.objects.get(item_type="comment", item_id=comment.pk)
    assert case.flag_count == 1 and case.reasons == ["spam"] and case.status == CaseStatus.PENDING


@pytest.mark.parametrize("body, field", [({"reason": "boring"}, "reason"), ({"reason": "other"}, "note"),
                                         ({"reason": "other", "note": "x" * 501}, "note"), ({}, "reason")])
def test_bad_flags_are_400_and_store_nothing(people, comment, body, field):
    response = post_json(client_for(people["citizen"]), f"/api/v1/comments/{comment.pk}/flag/", body)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Flag.objects.exists() and not Case.objects.exists()


def test_who_may_not_flag(people, comment):
    assert flag(None, comment).status_code in (401, 403)
    own = flag(people["author"], comment)
    assert own.status_code == 403 and "own" in own.json()["message"]
    missing = post_json(client_for(people["citizen"]), "/api/v1/comments/999999/flag/", {"reason": "spam"})
    assert missing.status_code == 404
    hidden = factories.comment(comment.page, people["author"], status=CommentStatus.REJECTED)
    assert flag(people["citizen"], hidden).status_code == 404
    assert not Flag.objects.exists()


def test_reaching_the_threshold_hides_the_item_until_a_decision(en, people):
    page = factories.consultation(en, flag_threshold=2)
    target = factories.comment(page, people["author"], text="Buy cheap watches")
    listing = f"/api/v1/consultations/{page.pk}/comments/?section={target.section_id}"
    assert Client().get(listing).json()["count"] == 1
    assert flag(people["citizen"], target).status_code == 201
    assert Comment.objects.get(pk=target.pk).status == CommentStatus.PUBLISHED
    assert flag(people["official"], target, reason="abuse").status_code == 201
    assert Comment.objects.get(pk=target.pk).status == CommentStatus.PENDING
    assert Client().get(listing).json()["count"] == 0
    case = Case.objects.get(item_id=target.pk)
    assert case.hidden_by_flags and case.flag_count == 2 and case.priority == 32  # abuse is severity 3
    assert AuditEntry.objects.filter(action="flag.threshold", item_id=target.pk).count() == 1
    assert audit.verify().ok


def test_statements_can_be_flagged(en, people):
    page = factories.consultation(en)
    statement = Statement.objects.create(page=page, author=people["author"], text="Parks are a waste of money")
    response = post_json(client_for(people["citizen"]), f"/api/v1/statements/{statement.pk}/flag/",
                         {"reason": "off_topic"})
    assert response.status_code == 201
    assert Case.objects.get(item_type="statement", item_id=statement.pk).reasons == ["off_topic"]


# --- who sees the queue ------------------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [("citizen", False), ("official", False), ("editor", False),
                                           ("moderator", True), ("admin", True)])
def test_only_moderators_see_the_queue_and_decide(people, comment, role, allowed):
    flag(people["citizen"], comment)
    case = Case.objects.get()
    client = client_for(people[role])
    assert client.get("/api/v1/moderation/queue/").status_code == (200 if allowed else 403)
    assert client.get("/en/moderation/").status_code == (200 if allowed else 403)
    decision = post_json(client, f"/api/v1/moderation/cases/{case.pk}/decision/", {"outcome": "rejected",
                                                                                    "reason": "spam"})
    assert decision.status_code == (200 if allowed else 403)
    assert Comment.objects.get(pk=comment.pk).status == (CommentStatus.REJECTED if allowed else CommentStatus.PUBLISHED)


def test_anonymous_visitors_are_sent_to_sign_in(comment):
    response = Client().get("/en/moderation/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get("/api/v1/moderation/queue/").status_code in (401, 403)


# --- claims and decisions ----------------------------------------------------------------------

def test_opening_an_item_claims_it_and_a_second_moderator_is_told_and_refused(people, comment):
    flag(people["citizen"], comment)
    case = Case.objects.get()
    first, second = client_for(people["moderator"]), client_for(people["second_moderator"])
    page = first.get(f"/en/moderation/case/{case.pk}/")
    assert page.status_code == 200 and "A thoughtful comment" in page.content.decode()
    assert Case.objects.get().claimed_by == people["moderator"]

    other = second.get(f"/en/moderation/case/{case.pk}/").content.decode()
    assert "Another moderator is reviewing this" in other
    refused = second.post(f"/en/moderation/case/{case.pk}/", {"outcome": "rejected", "reason": "spam"})
    assert refused.status_code == 409
    assert post_json(second, f"/api/v1/moderation/cases/{case.pk}/decision/",
                     {"outcome": "approved"}).status_code == 409
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PUBLISHED
    assert Case.objects.get().status == CaseStatus.PENDING

    decided = first.post(f"/en/moderation/case/{case.pk}/", {"outcome": "rejected", "reason": "spam",
                                                             "note": "Advertising is not allowed here."})
    assert decided.status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.REJECTED
    again = post_json(first, f"/api/v1/moderation/cases/{case.pk}/decision/", {"outcome": "approved"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.REJECTED
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["case.claim", "decision.rejected"]
    assert audit.verify().ok


def test_a_rejection_needs_a_reason_and_approval_restores_a_hidden_item(en, people):
    page = factories.consultation(en, flag_threshold=1)
    target = factories.comment(page, people["author"])
    flag(people["citizen"], target)
    case = Case.objects.get()
    client = client_for(people["moderator"])
    missing = client.post(f"/en/moderation/case/{case.pk}/", {"outcome": "rejected"})
    assert missing.status_code == 400 and "There is a problem" in missing.content.decode()
    assert post_json(client, f"/api/v1/moderation/cases/{case.pk}/decision/", {"outcome": "maybe"}).status_code == 400
    assert Comment.objects.get(pk=target.pk).status == CommentStatus.PENDING
    approved = post_json(client, f"/api/v1/moderation/cases/{case.pk}/decision/", {"outcome": "approved"})
    assert approved.status_code == 200 and approved.json()["outcome"] == "approved"
    assert Comment.objects.get(pk=target.pk).status == CommentStatus.PUBLISHED


def test_bulk_decisions_leave_alone_what_someone_else_holds(en, people):
    page = factories.consultation(en)
    comments = [factories.comment(page, people["author"], text=f"Spam {n}") for n in range(3)]
    for target in comments:
        flag(people["citizen"], target)
    cases = list(Case.objects.order_by("pk"))
    services.case_claim(actor=people["second_moderator"], case=cases[0])
    response = client_for(people["moderator"]).post("/en/moderation/bulk/", {
        "cases": [c.pk for c in cases], "outcome": "rejected", "reason": "spam"})
    assert response.status_code == 200 and "left alone" in response.content.decode()
    statuses = [Comment.objects.get(pk=c.pk).status for c in comments]
    assert statuses == [CommentStatus.PUBLISHED, CommentStatus.REJECTED, CommentStatus.REJECTED]


def test_the_queue_is_ordered_by_urgency_and_filters(en, people):
    page = factories.consultation(en)
    spam = factories.comment(page, people["author"], text="s")
    abuse = factories.comment(page, people["author"], text="a")
    flag(people["citizen"], spam, "spam")
    flag(people["citizen"], abuse, "abuse")
    client = client_for(people["moderator"])
    results = client.get("/api/v1/moderation/queue/").json()["results"]
    assert [r["item_id"] for r in results] == [abuse.pk, spam.pk]
    only_spam = client.get("/api/v1/moderation/queue/", {"reason": "spam"}).json()["results"]
    assert [r["item_id"] for r in only_spam] == [spam.pk]
    assert client.get("/api/v1/moderation/queue/", {"reason": "nonsense"}).status_code == 400
    assert client.get("/api/v1/moderation/queue/", {"page": 9}).status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_queue_queries_do_not_grow_with_the_queue(en, people, count, django_assert_max_num_queries):
    page = factories.consultation(en)
    for n in range(count):
        target = factories.comment(page, people["author"], text=f"c{n}")
        Case.objects.create(item_type="comment", item_id=target.pk, page=page, reasons=["spam"], flag_count=1)
    client = client_for(people["moderator"])
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/moderation/queue/").status_code == 200
    with django_assert_max_num_queries(22):  # the page frame, and the escalated and appeals counts
        assert client.get("/en/moderation/").status_code == 200


# --- the report form without JavaScript --------------------------------------------------------

def test_reporting_works_without_javascript_in_persian(fa, people):
    page = factories.consultation(fa)
    target = factories.comment(page, people["author"], text="متن")
    client = client_for(people["citizen"], "fa")
    url = f"/fa/moderation/report/comment/{target.pk}/"
    form = client.get(url)
    assert form.status_code == 200 and "گزارش" in form.content.decode()
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400 and "<title>خطا:" in empty.content.decode()
    done = client.post(url, {"reason": "abuse"})
    assert done.status_code == 200 and Flag.objects.filter(item_id=target.pk, reason="abuse").exists()
    permalink = client.get(f"/fa/participate/comment/{target.pk}/").content.decode()
    assert f"/fa/moderation/report/comment/{target.pk}/" in permalink


# --- the race ----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_the_same_moment_record_one_decision(site_tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions (CI runs this against PostgreSQL)")
    en = site_tree.indexes["en"]
    author = factories.participant("Author", roles=["citizen"])
    moderators = [factories.participant(f"Mod {n}", roles=["moderator"]) for n in range(2)]
    target = factories.comment(factories.consultation(en), author)
    case = Case.objects.create(item_type="comment", item_id=target.pk, page_id=target.page_id, reasons=["spam"])
    barrier, outcomes = threading.Barrier(2), []

    def decide(moderator, outcome):
        from django.db import connections

        try:
            barrier.wait()
            services.case_decide(actor=moderator, case=case, outcome=outcome, reason="spam")
            outcomes.append("ok")
        except services.Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(moderator, outcome))
               for moderator, outcome in zip(moderators, ["approved", "rejected"], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert AuditEntry.objects.filter(action__startswith="decision.").count() == 1
    final = Case.objects.get(pk=case.pk)
    expected = CommentStatus.PUBLISHED if final.outcome == "approved" else CommentStatus.REJECTED
    assert Comment.objects.get(pk=target.pk).status == expected


def test_the_queue_filters_by_consultation_from_a_list_of_those_waiting(en, people):
    first, second = factories.consultation(en, title="Bus lanes"), factories.consultation(en, title="Parks")
    for page in (first, second):
        target = factories.comment(page, people["author"], text=f"held on {page.title}", status="pending")
        Case.objects.create(item_type="comment", item_id=target.pk, page=page, reasons=["links"])
    client = client_for(people["moderator"])
    html = client.get("/en/moderation/").content.decode()
    assert f'<option value="{first.pk}">Bus lanes</option>' in html
    assert f'<option value="{second.pk}">Parks</option>' in html
    only = client.get(f"/en/moderation/?page={second.pk}").content.decode()
    assert "held on Parks" in only and "held on Bus lanes" not in only
    assert client.get("/en/moderation/?page=abc").status_code == 200  # a bad filter is ignored, not an error
