"""The live socket's handshake and frame handling: /ws/live/<page_id>/ through the real ASGI application.

Transactional tests: the consumer reads the database from another thread, so the pages must
be committed. The site_tree fixture recreates the locales and root page after a flush.
"""

import asyncio
import datetime
import itertools

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from config.asgi import application
from consult import services
from consult.consumers import CLOSE_PAGE_NOT_FOUND
from consult.models import ConsultationPage, RoundtablePage

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://localhost")]
_slugs = itertools.count(1)


def make_consultation(parent, *, live=True):
    n = next(_slugs)
    now = timezone.now()
    page = ConsultationPage(
        title=f"Live consultation {n}", slug=f"live-consultation-{n}", locale=parent.locale, summary="S",
        sections=[{"type": "section", "value": {"heading": "H", "body": "<p>x</p>"}}],
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=10),
    )
    if not live:
        page.live = False
        parent.add_child(instance=page)
        return page
    return services.page_publish_child(parent=parent, page=page)


def make_roundtable(parent):
    n = next(_slugs)
    page = RoundtablePage(title=f"Live roundtable {n}", slug=f"live-roundtable-{n}", locale=parent.locale,
                          summary="S", starts_at=timezone.now() + datetime.timedelta(days=1))
    return services.page_publish_child(parent=parent, page=page)


async def connect(page_id, headers=ORIGIN):
    communicator = WebsocketCommunicator(application, f"/ws/live/{page_id}/", headers=headers)
    connected, _subprotocol = await communicator.connect()
    return communicator, connected


async def assert_closed_with(communicator, code):
    message = await communicator.receive_output()
    assert message == {"type": "websocket.close", "code": code}
    await communicator.wait()


async def test_published_consultation_is_accepted(site_tree):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    communicator, connected = await connect(page.pk)
    assert connected
    assert await communicator.receive_json_from() == {"type": "hello", "data": {"page": page.pk, "seq": 0}}
    await communicator.disconnect()


async def test_published_roundtable_is_accepted(site_tree):
    page = await sync_to_async(make_roundtable)(site_tree.indexes["en"])
    communicator, connected = await connect(page.pk)
    assert connected
    assert await communicator.receive_json_from() == {"type": "hello", "data": {"page": page.pk, "seq": 0}}
    await communicator.disconnect()


async def test_unknown_page_is_closed_with_4404(site_tree):
    communicator, connected = await connect(999_999)
    assert connected  # accepted first, so the client sees the close code
    await assert_closed_with(communicator, CLOSE_PAGE_NOT_FOUND)


async def test_draft_page_is_closed_with_4404(site_tree):
    draft = await sync_to_async(make_consultation)(site_tree.indexes["fa"], live=False)
    communicator, connected = await connect(draft.pk)
    assert connected
    await assert_closed_with(communicator, CLOSE_PAGE_NOT_FOUND)


@pytest.mark.parametrize("which", ["home", "index"])
async def test_page_of_another_type_is_closed_with_4404(site_tree, which):
    page = site_tree.homes["fa"] if which == "home" else site_tree.indexes["fa"]
    communicator, connected = await connect(page.pk)
    assert connected
    await assert_closed_with(communicator, CLOSE_PAGE_NOT_FOUND)


@pytest.mark.parametrize("headers", [
    [(b"origin", b"http://evil.example")],
    [(b"origin", b"http://localhost.evil.example")],
    [],
], ids=["foreign", "lookalike", "missing"])
async def test_foreign_or_missing_origin_is_refused(site_tree, headers):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    communicator, connected = await connect(page.pk, headers=headers)
    assert not connected
    await communicator.wait()


@pytest.mark.parametrize(("frame", "code", "ref"), [
    ("not json", "bad_frame", None),
    ("[1, 2]", "bad_frame", None),
    ('"just a string"', "bad_frame", None),
    ('{"type": "dance", "ref": "r1"}', "unknown_type", "r1"),
    ('{"ref": 5}', "unknown_type", None),
    ('{"type": "vote", "target": "comment:17", "value": 1, "ref": "c1"}', "not_authenticated", "c1"),
    ("x" * 70_000, "bad_frame", None),
])
async def test_bad_client_frames_get_an_error_ack_and_the_socket_lives_on(site_tree, frame, code, ref):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    communicator, connected = await connect(page.pk)
    assert connected
    await communicator.receive_json_from()  # hello
    await communicator.send_to(text_data=frame)
    ack = await communicator.receive_json_from()
    assert ack["type"] == "ack" and ack["ok"] is False and ack["ref"] == ref
    assert ack["error"]["code"] == code
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    # Still alive: a second frame (binary this time) is answered too.
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert (await communicator.receive_json_from())["error"]["code"] == "bad_frame"
    await communicator.disconnect()


@pytest.mark.parametrize("language", ["fa", "en"])
async def test_ack_messages_follow_accept_language(site_tree, language):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    communicator, connected = await connect(page.pk, headers=[*ORIGIN, (b"accept-language", language.encode())])
    assert connected
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "dance"})
    ack = await communicator.receive_json_from()
    assert ack["error"]["code"] == "unknown_type" and ack["error"]["message"]
    await communicator.disconnect()


@pytest.mark.parametrize("path", ["/ws/live/abc/", "/ws/live/", "/ws/other/1/"])
async def test_unrouted_socket_paths_are_closed_with_4404(site_tree, path):
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _subprotocol = await communicator.connect()
    assert connected
    await assert_closed_with(communicator, CLOSE_PAGE_NOT_FOUND)


async def test_refused_frames_are_forgiven_after_a_while(site_tree, monkeypatch):
    """Only a burst of refusals closes a socket: a long-lived client's occasional mistakes
    (spread wider than the strike window) never add up to a close."""
    monkeypatch.setattr("consult.consumers.STRIKE_WINDOW", 0.3)
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    communicator, connected = await connect(page.pk)
    assert connected
    await communicator.receive_json_from()  # hello
    for _round in range(2):  # 30 refusals in all, more than MAX_STRIKES, but never 21 within the window
        for _ in range(15):
            await communicator.send_to(text_data="not json")
            assert (await communicator.receive_json_from())["ok"] is False
        await asyncio.sleep(0.4)
    await communicator.send_json_to({"type": "dance", "ref": "still-here"})
    assert (await communicator.receive_json_from())["ref"] == "still-here"
    await communicator.disconnect()
