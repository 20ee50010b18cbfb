"""A moderator works the queue by keyboard only; an author appeals; another moderator opens the
appeal. axe-core finds no serious or critical violation on the queue, decision and appeal pages."""

from consult.models import Comment, CommentStatus
from moderation.models import Case, CaseStatus
from tests import factories
from tests.e2e.conftest import axe_violations, signed_in_context


def held(page, author, text):
    comment = factories.comment(page, author, text=text, status=CommentStatus.PENDING)
    Case.objects.create(item_type="comment", item_id=comment.pk, page=page, reasons=["links"], language="en")
    return comment


def test_a_moderator_works_the_queue_by_keyboard_and_an_author_appeals(asgi_server, browser, site_tree):
    en = site_tree.indexes["en"]
    consultation = factories.consultation(en, title="Night buses")
    author = factories.participant("Author", roles=["citizen"])
    first_mod = factories.participant("First moderator", roles=["moderator"])
    second_mod = factories.participant("Second moderator", roles=["moderator"])
    comments = [held(consultation, author, text) for text in
                ("See http://example.org for timetables", "Buy watches at http://spam.example",
                 "Another link: http://example.net")]
    base = asgi_server.url
    violations = {}

    def scan(page, name):
        found = axe_violations(page)
        if found:
            violations[name] = found

    moderator_context = signed_in_context(browser, first_mod, base)
    try:
        page = moderator_context.new_page()
        page.goto(f"{base}/en/moderation/")
        scan(page, "queue")
        page.keyboard.press("j")  # the first row, most urgent first (all equal: oldest first)
        assert page.evaluate("document.activeElement.matches('[data-queue-open]')")
        page.keyboard.press("Enter")
        page.wait_for_url("**/moderation/case/**")
        scan(page, "case")
        first_case = Case.objects.get(item_id=comments[0].pk)
        assert first_case.claimed_by_id == first_mod.pk  # opening it claimed it

        case_ids = [Case.objects.get(item_id=comment.pk).pk for comment in comments]
        page.keyboard.press("a")  # approve: recorded, and on to the next item
        page.wait_for_url(f"**/moderation/case/{case_ids[1]}/?decided={case_ids[0]}")
        page.keyboard.press("r")  # reject: the reason list takes the focus
        assert page.evaluate("document.activeElement.name") == "reason"
        page.keyboard.press("ArrowDown")  # the first reason: spam
        for _ in range(3):  # passages to mask, the note, the button
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/moderation/case/{case_ids[2]}/?decided={case_ids[1]}")
        page.keyboard.press("a")
        page.wait_for_url("**/moderation/?done=1")
        assert "Nothing left to review" in page.content()
    finally:
        moderator_context.close()

    outcomes = {c.item_id: (c.status, c.outcome, c.decision_reason) for c in Case.objects.all()}
    assert outcomes[comments[0].pk] == (CaseStatus.DECIDED, "approved", "")
    assert outcomes[comments[1].pk] == (CaseStatus.DECIDED, "rejected", "spam")
    assert outcomes[comments[2].pk] == (CaseStatus.DECIDED, "approved", "")
    assert Comment.objects.get(pk=comments[1].pk).status == CommentStatus.REJECTED

    rejected = Case.objects.get(item_id=comments[1].pk)
    author_context = signed_in_context(browser, author, base)
    try:
        page = author_context.new_page()
        page.goto(f"{base}/en/moderation/appeal/{rejected.pk}/")
        scan(page, "appeal")
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.name") != "note":
            page.keyboard.press("Tab")
        page.keyboard.type("The link was to the council's own shop.")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**sent=1")
        scan(page, "appeal sent")
    finally:
        author_context.close()

    appeal = rejected.appeal
    judge_context = signed_in_context(browser, second_mod, base)
    try:
        page = judge_context.new_page()
        page.goto(f"{base}/en/moderation/appeals/")
        scan(page, "appeals")
        page.goto(f"{base}/en/moderation/appeals/{appeal.pk}/")
        scan(page, "appeal decision")
        assert "council's own shop" in page.content()
    finally:
        judge_context.close()
    assert not violations, violations
