"""The strict Content-Security-Policy holds in a real browser: with JavaScript on, the main pages
(home, a consultation, a section's discussion, the moderation queue, a report dashboard) cause no
`securitypolicyviolation` event and no CSP error in the console, while their scripts still work."""

import time

from consult.models import CommentStatus, Statement
from moderation.models import Case
from tests import factories
from tests.e2e.conftest import signed_in_context

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push({directive: event.violatedDirective, blocked: event.blockedURI,
                               source: event.sourceFile, line: event.lineNumber, sample: event.sample});
});
"""


def watch(context):
    """Collect CSP violations (events in the page, errors in the console) of every page opened."""
    console = []
    context.add_init_script(LISTEN)  # Playwright's init scripts are not subject to the page's CSP
    context.on("console", lambda message: console.append(message.text)
               if "Content Security Policy" in message.text else None)
    return console


def wait_until(page, expression, timeout=10.0):
    """Poll an expression (page.wait_for_function compiles it with eval, which the policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(50)


def violations_on(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(400)  # deferred scripts, the live socket, fetches
    return page.evaluate("window.__cspViolations")


def test_main_pages_cause_no_csp_violation_with_javascript_on(asgi_server, browser, site_tree):
    en = site_tree.indexes["en"]
    consultation = factories.consultation(en, title="Night buses")
    Statement.objects.create(page=consultation, text="Buses all night", agree_count=3, disagree_count=1)
    section = consultation.section_list[0]["id"]
    author = factories.participant("Author")
    factories.comment(consultation, author, text="More buses at night, please", section_id=section)
    held = factories.comment(consultation, author, text="See http://example.org", status=CommentStatus.PENDING)
    Case.objects.create(item_type="comment", item_id=held.pk, page=consultation, reasons=["links"], language="en")
    staff = factories.participant("Staff", roles=["moderator", "official"])
    base = asgi_server.url

    context = signed_in_context(browser, staff, base)
    console = watch(context)
    try:
        page = context.new_page()
        found = {}
        for name, url in [("home", "/en/"), ("consultation", consultation.url),
                          ("discussion", f"/en/participate/{consultation.pk}/section/{section}/"),
                          ("moderation queue", "/en/moderation/"),
                          ("report dashboard", f"/en/reports/{consultation.pk}/")]:
            events = violations_on(page, base + url)
            assert page.title(), name
            if events:
                found[name] = events
        assert found == {}
        assert console == []

        # The API docs (Swagger UI) run under their narrow relaxation: styles inline, scripts from files.
        assert violations_on(page, base + "/api/v1/docs/") == []
        page.locator(".swagger-ui .info").wait_for()
        assert console == []

        # The bars are <meter>s that need no style attribute, and still show the share of votes.
        page.goto(base + consultation.url)
        assert page.locator("meter.tally__bar--agree").first.evaluate("m => m.value") == 75
        assert page.locator("meter.tally__bar--agree").first.bounding_box()["width"] > 0
        # A vote updates the bar in place (voting.js, then live.js from the socket), still within the policy.
        page.locator(".statement button[data-value='1']").first.click()
        wait_until(page, "document.querySelector('meter.tally__bar--agree').value === 80")
        assert page.evaluate("window.__cspViolations") == []

        # The watch itself works: an inline style attribute added now is reported.
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
        wait_until(page, "window.__cspViolations.length > 0")
        assert page.evaluate("window.__cspViolations[0].directive").startswith("style-src")
    finally:
        context.close()


def test_the_admin_page_editor_works_within_its_relaxed_policy(asgi_server, browser, site_tree):
    consultation = factories.consultation(site_tree.indexes["en"], title="Night buses")
    admin = factories.participant("Admin", roles=["admin"], is_superuser=True, is_staff=True)
    base = asgi_server.url
    context = signed_in_context(browser, admin, base)
    console = watch(context)
    try:
        page = context.new_page()
        for url in ("/admin/", f"/admin/pages/{consultation.pk}/edit/", "/admin/documents/add/"):
            assert violations_on(page, base + url) == [], url
        page.goto(base + f"/admin/pages/{consultation.pk}/edit/")
        page.locator(".Draftail-Editor").first.wait_for(state="attached")  # the rich-text editor's script ran
        assert console == []
    finally:
        context.close()
