"""Live in the browser: what one participant does, the others see without reloading."""

from consult.models import RoundtableFacilitator, RoundtablePage
from tests import factories
from tests.e2e.conftest import axe_violations, signed_in_context

AGENDA = [{"type": "item", "value": {"title": title, "description": "", "duration_minutes": 10}}
          for title in ("Welcome", "Night buses")]
POLLS = [{"type": "poll", "value": {"question": "Which first?", "kind": "single", "options": ["Buses", "Bikes"],
                                     "allow_other": False, "results": "after_answer"}}]


def test_a_live_roundtable_updates_every_participant_and_nobody_else(asgi_server, browser, site_tree):
    en = site_tree.indexes["en"]
    roundtable = factories.roundtable(en, title="Transport roundtable", agenda=AGENDA, polls=POLLS,
                                      state="scheduled")
    other = factories.roundtable(en, title="Another roundtable")
    host = factories.participant("Host", roles=["moderator"])
    RoundtableFacilitator.objects.create(page=roundtable, name="Host", user=host)
    alice, bahar = factories.participant("Alice", roles=["citizen"]), factories.participant("Bahar", roles=["citizen"])
    base = asgi_server.url
    roundtable = RoundtablePage.objects.get(pk=roundtable.pk)

    contexts = [signed_in_context(browser, person, base) for person in (alice, bahar, host)]
    stranger_context = browser.new_context(locale="en-GB")
    try:
        a, b, console = (context.new_page() for context in contexts)
        stranger = stranger_context.new_page()
        for page in (a, b):
            page.goto(base + roundtable.url)
        stranger.goto(base + other.url)
        for page in (a, b, stranger):
            page.locator("[data-live-root][data-live-connected]").wait_for(state="attached")

        # The facilitator starts the session and moves the agenda: everyone's view follows.
        console.goto(f"{base}/en/participate/{roundtable.pk}/console/")
        console.get_by_role("button", name="Start the roundtable").click()
        for page in (a, b):
            page.locator(f"#session-{roundtable.pk}").get_by_text("Welcome").wait_for()
        console.get_by_role("button", name="Next agenda item").click()
        for page in (a, b):
            page.locator(f"#session-{roundtable.pk}").get_by_text("Night buses").wait_for()
            assert page.locator(f"#agenda-{roundtable.pk} [aria-current='step']").inner_text().startswith("Night")

        # Alice votes on the seed statement: Bahar's tally moves, in place.
        a.locator(".statement").first.get_by_role("button", name="Agree", exact=True).click()
        b.locator(".statement [data-count='agree']").first.filter(has_text="1").wait_for()

        # Alice adds a statement: Bahar is offered it behind a button, not pushed into her reading.
        a.get_by_label("Add a statement").fill("Night buses every 20 minutes")
        a.get_by_role("button", name="Add statement").click()
        show = b.get_by_role("button", name="1 new — show")
        show.wait_for()
        assert b.get_by_text("Night buses every 20 minutes").count() == 0
        # ... and screen readers hear of it politely, without focus moving.
        b.locator("#live-status", has_text="New contributions: 1").wait_for(state="attached")
        assert b.evaluate("document.activeElement === document.body")
        show.click()
        b.get_by_text("Night buses every 20 minutes").wait_for()

        # The facilitator puts it in the spotlight and opens the poll: both appear for everyone.
        console.reload()
        console.locator("#console-statements li", has_text="Night buses every 20 minutes").get_by_role(
            "button", name="Put in the spotlight").click()
        for page in (a, b):
            page.locator(f"#session-{roundtable.pk} .spotlight", has_text="Night buses every 20 minutes").wait_for()
        assert a.locator(f"#polls-{roundtable.pk} fieldset[disabled]").count() == 1
        console.get_by_role("button", name="Open this poll").click()
        for page in (a, b):
            page.locator(f"#polls-{roundtable.pk} fieldset:not([disabled])").wait_for()
        b.get_by_label("Bikes").check()
        b.get_by_role("button", name="Send answer").click()
        b.get_by_text("1 person answered.").wait_for()

        # The other roundtable's listener saw none of it.
        stranger.wait_for_timeout(500)
        assert stranger.locator("[data-live-new]:not([hidden])").count() == 0
        assert stranger.get_by_text("Night buses").count() == 0
        assert stranger.locator("[data-count='agree']").first.inner_text() == "0"

        # The pages involved stay accessible with their live parts showing.
        for page in (b, console):
            assert axe_violations(page) == [], page.url
    finally:
        for context in [*contexts, stranger_context]:
            context.close()


BLOCKED_SOCKETS = """
window.WebSocket = function () {  // a proxy that refuses WebSockets: every attempt closes at once
  var socket = this;
  window.__socketAttempts = (window.__socketAttempts || 0) + 1;
  setTimeout(function () { if (socket.onclose) socket.onclose({code: 1006}); }, 10);
};
"""


def test_where_sockets_are_blocked_the_page_reads_the_event_log_instead(asgi_server, browser, site_tree):
    en = site_tree.indexes["en"]
    roundtable = factories.roundtable(en, title="Blocked roundtable", agenda=AGENDA, state="live")
    writer = factories.participant("Writer", roles=["citizen"])
    context = browser.new_context(locale="en-GB")
    context.add_init_script(BLOCKED_SOCKETS)
    writer_context = signed_in_context(browser, writer, asgi_server.url)
    try:
        reader = context.new_page()
        reader.goto(asgi_server.url + roundtable.url)
        reader.locator("[data-live-root][data-live-offline]").wait_for(state="attached")
        author = writer_context.new_page()
        author.goto(asgi_server.url + roundtable.url)
        author.get_by_label("Add a statement").fill("Posted while the reader has no socket")
        author.get_by_role("button", name="Add statement").click()
        # Four failed sockets (with backoff), then the log every 10 s: well within a minute.
        reader.get_by_role("button", name="1 new — show").wait_for(timeout=60_000)
        assert reader.evaluate("window.__socketAttempts") >= 4
    finally:
        context.close()
        writer_context.close()
