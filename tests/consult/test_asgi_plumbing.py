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
