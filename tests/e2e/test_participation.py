"""A citizen signs up, verifies, comments on a section in Persian, replies, votes and answers a
poll: once with JavaScript and once without. axe-core checks every page on the way."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from consult.models import Comment, ConsultationPage
from tests import factories
from tests.e2e.conftest import axe_violations
from voting.models import CommentVote, PollResponse

LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+")


def assert_accessible(page, seen, javascript):
    if not javascript:  # axe runs as a script; the with-JavaScript run scans the same pages
        return
    found = axe_violations(page)
    if found:
        seen[page.url] = found


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_citizen_journey(live_server, browser, demo_site, javascript, settings):
    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = False
    budget = ConsultationPage.objects.get(slug="participatory-budget", locale__language_code="fa")
    section = budget.section_list[1]
    neighbour = factories.participant("همسایه")
    theirs = factories.comment(budget, neighbour, text="نظر همسایه", section_id=section["id"])
    context = browser.new_context(java_script_enabled=javascript, locale="fa-IR")
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = {}

    # Sign up and verify the e-mail address.
    page.goto(f"{live_server.url}/fa/accounts/signup/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(page, problems, javascript)
    email = f"citizen-{'js' if javascript else 'nojs'}@example.org"
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", "a-long-Passphrase-41")
    page.fill("input[name=password2]", "a-long-Passphrase-41")
    page.fill("input[name=display_name]", f"شهروند {'الف' if javascript else 'ب'}")
    page.check("input[name=consent]")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    link = LINK.search(mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()

    # Comment on a section, in Persian.
    page.goto(f"{live_server.url}{budget.url}")
    page.locator(f"a[href$='/section/{section['id']}/']").click()
    page.wait_for_load_state()
    assert_accessible(page, problems, javascript)
    page.check("input[name=stance][value=support]")
    page.fill("textarea[name=text]", "با این ماده **موافقم**، اما مهلت کوتاه است.")
    page.locator("form.comment-form button[type=submit]").click()
    page.locator("article.comment strong", has_text="موافقم").wait_for()
    mine = Comment.objects.get(author__email=email)
    assert mine.section_id == section["id"]

    # Reply to it.
    page.locator(f"#comment-{mine.pk} a[href$='/reply/']").click()
    page.wait_for_load_state()
    assert_accessible(page, problems, javascript)
    page.fill("textarea[name=text]", "پاسخ به نظر خودم")
    page.locator("form.comment-form button[type=submit]").click()
    page.locator("article.comment .comment__body", has_text="پاسخ به نظر خودم").wait_for()
    assert Comment.objects.filter(parent=mine).count() == 1

    # Support the neighbour's comment.
    page.locator(f"#comment-{theirs.pk} button.vote-button--support").click()
    page.locator(f"#comment-{theirs.pk} button.vote-button--support[aria-pressed=true]").wait_for()
    assert CommentVote.objects.filter(comment=theirs, voter__email=email, value=1).exists()

    # Answer the first poll.
    page.goto(f"{live_server.url}{budget.url}")
    poll = page.locator(".poll").first
    poll.locator("input[name=choices]").first.check()
    poll.locator("button[type=submit]").click()
    page.locator(".poll__results").first.wait_for()
    assert PollResponse.objects.filter(respondent__email=email).count() == 1
    assert_accessible(page, problems, javascript)
    context.close()
    assert problems == {}
