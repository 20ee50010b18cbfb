"""Browser tests: Playwright driving Debian's chromium (no browser download), axe-core from npm."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("RAYZAN_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))  # the live server needs commits


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread; the tests' own ORM calls are
    # ordinary synchronous calls made between browser steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fa-IR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_site(transactional_db):
    """The demo content (with the real drafts when they are present)."""
    from django.conf import settings

    from consult.demo import load_demo

    return load_demo(data_dir=settings.RAYZAN_DEMO_DATA, log=lambda *a: None)


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (WCAG 2.0-2.2 A/AA rules) in the page; return the violations of these impacts."""
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]


@pytest.fixture
def asgi_server(transactional_db):
    """The real ASGI application (HTTP and WebSockets) under uvicorn, in a thread of this process,
    so it shares the test database and the in-memory channel layer. pytest-django's live_server
    speaks WSGI only, without WebSockets."""
    import asyncio
    import socket
    import threading
    import time

    import uvicorn

    from config.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", loop="asyncio", ws="websockets-sansio"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the ASGI test server did not start")
        time.sleep(0.05)

    class Live:
        url = f"http://127.0.0.1:{port}"

    yield Live
    server.should_exit = True
    thread.join(timeout=10)


def signed_in_context(browser, user, base_url, locale="en-GB"):
    """A browser context already signed in as `user` (a real session, made by the test client)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(locale=locale)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])
    return context
