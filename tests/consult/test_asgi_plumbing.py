"""The ASGI application's HTTP side and the live tallies' sender, as the server runs them."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import HttpCommunicator

from config.asgi import application
from consult import events


@pytest.mark.django_db(transaction=True)
async def test_http_goes_through_the_whole_middleware_chain():
    """One thread hop per request (config.asgi_handler) still runs every middleware: the
    security headers, the language negotiation, the API's error contract."""
    communicator = HttpCommunicator(application, "GET", "/api/v1/pages/999999/events/",
                                    headers=[(b"host", b"localhost"), (b"accept-language", b"en")])
    response = await communicator.get_response()
    headers = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    assert response["status"] == 404
    assert headers["x-content-type-options"] == "nosniff" and headers["content-language"] == "en"
    assert b'"code":"not_found"' in response["body"]


@pytest.mark.django_db(transaction=True)
async def test_requests_reuse_their_threads_and_concurrent_ones_get_their_own():
    """A request borrows a thread (config.asgi_handler) instead of starting two; requests in
    flight at the same time still each have their own."""
    from config.asgi_handler import RequestThreads

    async def get():
        communicator = HttpCommunicator(application, "GET", "/api/v1/pages/999999/events/",
                                        headers=[(b"host", b"localhost")])
        return (await communicator.get_response())["status"]

    await get()
    started = threading.active_count()
    assert [await get() for _ in range(20)] == [404] * 20
    assert threading.active_count() == started  # sequential requests: no new threads
    assert await asyncio.gather(*(get() for _ in range(8))) == [404] * 8

    pool = RequestThreads(keep=2)
    lent = [pool.borrow() for _ in range(3)]
    assert len({id(executor) for executor in lent}) == 3
    for executor in lent:
        pool.give_back(executor)
    assert len(pool.idle) == 2 and pool.borrow() in lent


def test_tallies_from_request_threads_reach_the_group_coalesced_per_page():
    """Votes in the server's request threads hand their tallies to the event loop, which sends
    each page one message with every target that moved, instead of one send per vote.

    The scenario runs on its own event loop in its own thread, as a server worker would."""

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.group_name(4242), channel)
        await layer.group_add(events.group_name(4343), channel)

        def votes():
            for page_id, target in ((4242, "comment:1"), (4242, "comment:2"), (4242, "comment:1"),
                                    (4343, "statement:9")):
                events._queue_tally(page_id, target)

        await sync_to_async(votes)()
        received = [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(2)]
        try:
            extra = await asyncio.wait_for(layer.receive(channel), events.TALLY_SEND_SECONDS * 3)
        except TimeoutError:
            extra = None
        return received, extra

    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=asyncio.run(scenario())))
    worker.start()
    worker.join(20)
    received, extra = outcome["result"]
    assert sorted(received, key=lambda m: m["page"]) == [
        {"type": "live.tally", "targets": ["comment:1", "comment:2"], "page": 4242},
        {"type": "live.tally", "targets": ["statement:9"], "page": 4343},
    ]
    assert extra is None  # one message per page, not one per vote


def test_without_a_server_loop_a_tally_is_sent_at_once(monkeypatch):
    """A management command or a shell has no server loop. Run in a thread of its own: asgiref
    remembers a loop per thread, and an earlier test may have left one on the main thread."""
    import threading

    sent = []
    monkeypatch.setattr(events, "_send", lambda page_id, message: sent.append((page_id, message)))
    worker = threading.Thread(target=events._queue_tally, args=(7, "comment:3"))
    worker.start()
    worker.join()
    assert sent == [(7, {"type": "live.tally", "targets": ["comment:3"]})]


@pytest.mark.django_db(transaction=True)
async def test_each_request_starts_and_finishes_once_and_a_streamed_export_arrives_whole():
    """config.asgi_handler serves a request in one hop: request_started and request_finished
    (which returns the database connection) each fire exactly once, for a response held in
    memory and for a streamed one (an export, read from the database while it is sent)."""
    from django.core import signals
    from django.test import Client

    from tests import factories

    def setup():
        page = factories.consultation(factories_index())
        author = factories.participant("Streamer")
        for n in range(30):
            factories.comment(page, author, text=f"Streamed comment {n}")
        official = factories.participant("Official", roles=["official"])
        client = Client()
        client.force_login(official)
        return page.pk, client.cookies["sessionid"].value

    def factories_index():
        from consult.site_tree import ensure_site_tree

        return ensure_site_tree().indexes["en"]

    page_id, session = await sync_to_async(setup)()
    fired = []

    def started(**kwargs):
        fired.append(("started", threading.get_ident()))

    def finished(**kwargs):
        fired.append(("finished", threading.get_ident()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        for path, streamed in ((f"/api/v1/consultations/{page_id}/comments/", False),
                               (f"/en/reports/{page_id}/export/comments.csv", True)):
            fired.clear()
            response = await _served(path, [(b"host", b"localhost"), (b"cookie", f"sessionid={session}".encode())])
            assert response["status"] == 200, (path, response["body"][:300])
            assert [event for event, _thread in fired] == ["started", "finished"]
            assert fired[0][1] == fired[1][1]  # both on the request's own thread
            if streamed:
                assert response["body"].count(b"Streamed comment") == 30
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)


async def _served(path: str, headers: list) -> dict:
    """The whole answer, streamed or not (channels' HttpCommunicator wants a body in every
    message, and Django ends a stream with an empty one)."""
    from asgiref.testing import ApplicationCommunicator

    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "scheme": "http", "headers": headers,
             "client": ("127.0.0.1", 5000), "server": ("localhost", 80)}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await communicator.wait(10)
    return {"status": start["status"], "body": body}
