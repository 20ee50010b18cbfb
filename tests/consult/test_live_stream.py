"""The live event stream end to end: writes through the API, events on /ws/live/<id>/.

Transactional tests (the consumer reads the database from another thread, and events are sent
on commit). Signed-in sockets carry a real session cookie, so authentication is the real path.
"""

import asyncio
import datetime
import itertools
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from config.asgi import application
from consult import services
from consult.consumers import CLOSE_ABUSE, CLOSE_SLOW_CONSUMER, CLOSE_TOO_MANY_SOCKETS, OUTBOX_LIMIT
from consult.hub import get_hub
from consult.models import Comment, ConsultationPage, LiveEvent, ModerationMode, RoundtablePage
from tests import factories
from voting.models import CommentVote, StatementVote

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")
_slugs = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def make_consultation(parent, **fields):
    n = next(_slugs)
    now = timezone.now()
    page = ConsultationPage(
        title=f"Stream consultation {n}", slug=f"stream-consultation-{n}", locale=parent.locale, summary="S",
        sections=[{"type": "section", "value": {"heading": "H", "body": "<p>x</p>"}}],
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=10), **fields)
    return services.page_publish_child(parent=parent, page=page)


def make_roundtable(parent):
    n = next(_slugs)
    page = RoundtablePage(title=f"Stream roundtable {n}", slug=f"stream-roundtable-{n}", locale=parent.locale,
                          summary="S", starts_at=timezone.now(), state="live")
    return services.page_publish_child(parent=parent, page=page)


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def api(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def post_comment(user, page, text="A comment", **extra):
    response = api(user).post(f"/api/v1/consultations/{page.pk}/comments/",
                              {"text": text, "stance": "support", **extra}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


async def listen(page_id, *, user=None, after=None, language=b"en"):
    headers = [ORIGIN, (b"accept-language", language)]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    path = f"/ws/live/{page_id}/" + (f"?after={after}" if after is not None else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_of(communicator, *types, timeout=3):
    """The next message of one of these types, skipping presence and tallies unless asked for."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] in types:
            return message


async def hello(communicator):
    return await next_of(communicator, "hello")


async def assert_quiet(communicator, *types, timeout=0.6):
    """Nothing of these types arrives (presence counts may)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        if await communicator.receive_nothing(timeout=left):
            return
        message = await communicator.receive_json_from()
        assert message["type"] not in types, message


@pytest.fixture
def people(site_tree):
    return {"author": factories.participant("نویسنده", roles=["citizen"]),
            "voter": factories.participant("رای‌دهنده", roles=["citizen"]),
            "moderator": factories.participant("ناظر", roles=["moderator"])}


async def test_a_comment_reaches_listeners_of_its_page_and_no_other(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    other = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    here, elsewhere = await listen(page.pk), await listen(other.pk)
    assert (await hello(here))["data"] == {"page": page.pk, "seq": 0}
    await hello(elsewhere)
    posted = await sync_to_async(post_comment)(people["author"], page, text="Hello **live**")
    event = await next_of(here, "comment.created")
    assert event["seq"] == 1
    detail = await sync_to_async(lambda: api(None).get(f"/api/v1/comments/{posted['id']}/").json())()
    same = set(event["data"]) - {"url"}
    assert same == set(detail) - {"url", "replies"}
    assert {k: event["data"][k] for k in same} == {k: detail[k] for k in same}
    assert event["data"]["url"].endswith(f"/{posted['id']}/")
    await assert_quiet(elsewhere, "comment.created")
    await here.disconnect()
    await elsewhere.disconnect()


async def test_held_content_reaches_only_its_author_and_the_moderators(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"], moderation_mode=ModerationMode.PRE)
    public = await listen(page.pk)
    author = await listen(page.pk, user=people["author"])
    moderator = await listen(page.pk, user=people["moderator"])
    bystander = await listen(page.pk, user=people["voter"])
    for socket in (public, author, moderator, bystander):
        await hello(socket)
    posted = await sync_to_async(post_comment)(people["author"], page, text="Secret until reviewed")
    assert posted["status"] == "pending"
    held = await next_of(author, "comment.held")
    assert held["data"] == {"id": posted["id"], "kind": "comment", "status": "pending"} and "seq" not in held
    queued = await next_of(moderator, "moderation.queued")
    assert queued["data"]["item"]["body"] == "Secret until reviewed"
    for socket in (public, bystander):
        await assert_quiet(socket, "comment.created", "comment.held", "moderation.queued")
    assert await sync_to_async(LiveEvent.objects.filter(page_id=page.pk).count)() == 0
    events = await sync_to_async(lambda: api(None).get(f"/api/v1/pages/{page.pk}/events/").json())()
    assert events == {"seq": 0, "events": [], "next": None}
    for socket in (public, author, moderator, bystander):
        await socket.disconnect()


async def test_resume_after_a_gap_replays_exactly_the_missed_events_then_goes_live(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    first = await sync_to_async(post_comment)(people["author"], page, text="one")
    await sync_to_async(post_comment)(people["author"], page, text="two")
    third = await sync_to_async(post_comment)(people["author"], page, text="three")
    await sync_to_async(lambda: api(people["author"]).delete(f"/api/v1/comments/{first['id']}/"))()
    socket = await listen(page.pk, after=1)
    assert (await hello(socket))["data"]["seq"] == 4
    replayed = [await next_of(socket, "comment.created", "comment.removed") for _ in range(3)]
    assert [(e["seq"], e["type"]) for e in replayed] == [(2, "comment.created"), (3, "comment.created"),
                                                        (4, "comment.removed")]
    assert replayed[1]["data"]["id"] == third["id"]
    assert replayed[2]["data"] == {"id": first["id"], "reason": "withdrawn"}
    await sync_to_async(post_comment)(people["author"], page, text="five")
    live = await next_of(socket, "comment.created", "comment.removed")
    assert live["seq"] == 5
    await assert_quiet(socket, "comment.created", "comment.removed")  # no duplicate
    await socket.disconnect()


async def test_a_frame_the_layer_lost_is_filled_from_the_log(site_tree, people):
    """The hub sees seq 3 while the socket last had 1: the socket sends 2 from the log first."""
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    socket = await listen(page.pk)
    await hello(socket)
    await sync_to_async(post_comment)(people["author"], page, text="one")
    assert (await next_of(socket, "comment.created"))["seq"] == 1
    room = get_hub().rooms[page.pk]
    (consumer,) = room.sockets
    room.sockets.clear()  # the layer "drops" the next event for this socket
    await sync_to_async(post_comment)(people["author"], page, text="two")
    await asyncio.sleep(0.2)
    room.sockets.add(consumer)
    await sync_to_async(post_comment)(people["author"], page, text="three")
    got = [await next_of(socket, "comment.created") for _ in range(2)]
    assert [(e["seq"], e["data"]["body"]) for e in got] == [(2, "two"), (3, "three")]
    await socket.disconnect()


async def test_votes_over_the_socket_use_the_api_rules_and_update_tallies(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    comment = await sync_to_async(post_comment)(people["author"], page)
    watcher = await listen(page.pk)
    voter = await listen(page.pk, user=people["voter"])
    author = await listen(page.pk, user=people["author"])
    for socket in (watcher, voter, author):
        await hello(socket)
    await voter.send_json_to({"type": "vote", "target": f"comment:{comment['id']}", "value": 1, "ref": "v1"})
    ack = await next_of(voter, "ack")
    assert ack == {"type": "ack", "ref": "v1", "ok": True,
                   "data": {"target": f"comment:{comment['id']}", "up": 1, "down": 0, "my_vote": 1}}
    tally = await next_of(watcher, "tally.updated")
    assert tally["data"] == {"target": f"comment:{comment['id']}", "up": 1, "down": 0, "replies": 0}
    assert "seq" not in tally
    # The API's refusals, word for word: own comment, bad value, another page, withdrawal.
    await author.send_json_to({"type": "vote", "target": f"comment:{comment['id']}", "value": 1, "ref": "own"})
    refused = await next_of(author, "ack")
    assert refused["ok"] is False and refused["error"]["code"] == "permission_denied"
    assert refused["error"]["message"] == "You cannot vote on your own comment."
    await voter.send_json_to({"type": "vote", "target": f"comment:{comment['id']}", "value": 7, "ref": "bad"})
    bad = await next_of(voter, "ack")
    assert bad["error"]["code"] == "invalid" and "value" in bad["error"]["fields"]
    for target in ("comment:999999", "poll:1", "comment:x", 5):
        await voter.send_json_to({"type": "vote", "target": target, "value": 1, "ref": "t"})
        assert (await next_of(voter, "ack"))["error"]["code"] in {"not_found", "invalid"}
    await voter.send_json_to({"type": "vote", "target": f"comment:{comment['id']}", "value": None, "ref": "w"})
    assert (await next_of(voter, "ack"))["data"]["up"] == 0
    assert await sync_to_async(CommentVote.objects.count)() == 0
    for socket in (watcher, voter, author):
        await socket.disconnect()


async def test_tallies_are_coalesced_to_at_most_one_per_target_every_250_ms(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    comment = await sync_to_async(post_comment)(people["author"], page)
    target = f"comment:{comment['id']}"
    watcher = await listen(page.pk)
    voter = await listen(page.pk, user=people["voter"])
    await hello(watcher)
    await hello(voter)
    loop = asyncio.get_running_loop()
    for n in range(12):  # flip the vote as fast as the socket allows
        await voter.send_json_to({"type": "vote", "target": target, "value": 1 if n % 2 == 0 else -1, "ref": f"{n}"})
        await next_of(voter, "ack")
    arrivals, last = [], None
    deadline = loop.time() + 1.5
    while (left := deadline - loop.time()) > 0:
        if await watcher.receive_nothing(timeout=left):
            break
        message = await watcher.receive_json_from()
        if message["type"] == "tally.updated" and message["data"]["target"] == target:
            arrivals.append(loop.time())
            last = message["data"]
    assert arrivals, "no tally reached the listener"
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert all(gap >= 0.2 for gap in gaps), gaps  # 250 ms in the contract, less the scheduler's jitter
    assert len(arrivals) < 12
    assert last == {"target": target, "up": 0, "down": 1, "replies": 0}  # the last one is the truth
    for socket in (watcher, voter):
        await socket.disconnect()


async def test_statements_over_the_socket_on_a_live_roundtable(site_tree, people):
    page = await sync_to_async(make_roundtable)(site_tree.indexes["fa"])
    listener = await listen(page.pk)
    writer = await listen(page.pk, user=people["author"])
    await hello(listener)
    await hello(writer)
    await writer.send_json_to({"type": "statement", "text": "Buses should run all night", "ref": "s1"})
    ack = await next_of(writer, "ack")
    assert ack["ok"] is True and ack["data"]["text"] == "Buses should run all night"
    created = await next_of(listener, "statement.created")
    assert created["seq"] == 1 and created["data"]["id"] == ack["data"]["id"]
    await writer.send_json_to({"type": "statement", "text": "   ", "ref": "s2"})
    assert (await next_of(writer, "ack"))["error"]["code"] == "invalid"
    voter = await listen(page.pk, user=people["voter"])
    await hello(voter)
    await voter.send_json_to({"type": "vote", "target": f"statement:{created['data']['id']}", "value": 0, "ref": "p"})
    assert (await next_of(voter, "ack"))["data"]["pass"] == 1
    tally = await next_of(listener, "tally.updated")
    assert tally["data"] == {"target": f"statement:{created['data']['id']}", "agree": 0, "disagree": 0, "pass": 1}
    assert await sync_to_async(StatementVote.objects.count)() == 1
    for socket in (listener, writer, voter):
        await socket.disconnect()


async def test_anonymous_listeners_cannot_write(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    comment = await sync_to_async(post_comment)(people["author"], page)
    socket = await listen(page.pk, language=b"fa")
    await hello(socket)
    await socket.send_json_to({"type": "vote", "target": f"comment:{comment['id']}", "value": 1, "ref": "a"})
    ack = await next_of(socket, "ack")
    assert ack["ok"] is False and ack["error"]["code"] == "not_authenticated"
    assert "وارد" in ack["error"]["message"]  # in the socket's language
    assert await sync_to_async(CommentVote.objects.count)() == 0
    await socket.disconnect()


async def test_a_flood_of_frames_is_refused_then_the_socket_is_closed(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    socket = await listen(page.pk)
    await hello(socket)
    for n in range(80):
        await socket.send_to(text_data=json.dumps({"type": "vote", "target": "comment:1", "value": 1, "ref": str(n)}))
    codes = []
    while True:
        message = await socket.receive_output(timeout=3)
        if message["type"] == "websocket.close":
            assert message["code"] == CLOSE_ABUSE
            break
        body = json.loads(message["text"])
        if body["type"] == "ack":
            codes.append(body["error"]["code"])
    # The burst of 20 is answered (an anonymous vote is refused politely), then the rate bites,
    # and a client that keeps going is cut off.
    assert codes[:20] == ["not_authenticated"] * 20
    assert set(codes[20:]) == {"rate_limited"} and len(codes) < 80


async def test_a_sixth_socket_for_one_person_is_refused(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    sockets = [await listen(page.pk, user=people["voter"]) for _ in range(5)]
    for socket in sockets:
        await hello(socket)
    sixth = await listen(page.pk, user=people["voter"])
    assert await sixth.receive_output(timeout=3) == {"type": "websocket.close", "code": CLOSE_TOO_MANY_SOCKETS}
    await sockets[0].disconnect()
    again = await listen(page.pk, user=people["voter"])  # a slot is free again
    await hello(again)
    for socket in [*sockets[1:], again]:
        await socket.disconnect()


async def test_a_socket_that_stops_reading_is_closed_and_the_others_keep_up(site_tree, people):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    slow = await listen(page.pk)
    await hello(slow)
    (stuck,) = get_hub().rooms[page.pk].sockets
    fast = await listen(page.pk)
    await hello(fast)
    stuck.ready = False  # its writer never runs again: as if the client stopped reading
    for n in range(OUTBOX_LIMIT + 1):
        stuck.push(json.dumps({"type": "test", "n": n}), None)
    while True:
        message = await slow.receive_output(timeout=3)
        if message["type"] == "websocket.close":
            assert message["code"] == CLOSE_SLOW_CONSUMER
            break
    await sync_to_async(post_comment)(people["author"], page)
    assert (await next_of(fast, "comment.created"))["seq"] == 1
    await fast.disconnect()


async def test_presence_counts_listeners(site_tree):
    page = await sync_to_async(make_consultation)(site_tree.indexes["fa"])
    first = await listen(page.pk)
    await hello(first)
    assert (await next_of(first, "presence"))["data"] == {"count": 1}
    second = await listen(page.pk)
    assert (await next_of(first, "presence"))["data"] == {"count": 2}
    await second.disconnect()
    assert (await next_of(first, "presence"))["data"] == {"count": 1}
    await first.disconnect()


def test_events_over_rest_page_by_seq_and_refuse_bad_input(site_tree, people, client):
    page = make_consultation(site_tree.indexes["fa"])
    for n in range(5):
        post_comment(people["author"], page, text=f"c{n}")
    body = client.get(f"/api/v1/pages/{page.pk}/events/", {"after": 1, "limit": 2}).json()
    assert body["seq"] == 5 and [e["seq"] for e in body["events"]] == [2, 3]
    assert body["next"].endswith(f"/api/v1/pages/{page.pk}/events/?after=3&limit=2")
    rest = client.get(body["next"]).json()
    assert [e["seq"] for e in rest["events"]] == [4, 5] and rest["next"] is None
    assert client.get(f"/api/v1/consultations/{page.pk}/").json()["seq"] == 5
    for params in ({"after": "x"}, {"after": -1}, {"limit": 0}, {"limit": 10_000}):
        refused = client.get(f"/api/v1/pages/{page.pk}/events/", params, HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    assert client.get("/api/v1/pages/999999/events/").status_code == 404
    assert client.get(f"/api/v1/pages/{site_tree.homes['fa'].pk}/events/").status_code == 404
    assert Comment.objects.count() == 5


async def test_the_facilitators_moves_reach_every_participant(site_tree, people):
    from consult.models import RoundtableFacilitator

    page = await sync_to_async(make_roundtable)(site_tree.indexes["en"])
    page.state = "scheduled"
    await sync_to_async(RoundtablePage.objects.filter(pk=page.pk).update)(state="scheduled")
    await sync_to_async(RoundtableFacilitator.objects.create)(page=page, name="Host", user=people["moderator"])
    watchers = [await listen(page.pk), await listen(page.pk, user=people["voter"])]
    for socket in watchers:
        await hello(socket)
    response = await sync_to_async(lambda: api(people["moderator"]).post(
        f"/api/v1/roundtables/{page.pk}/control/", {"action": "start"}, content_type="application/json"))()
    assert response.status_code == 200
    for socket in watchers:
        event = await next_of(socket, "roundtable.state")
        assert event["seq"] == 1 and event["data"] == response.json()
        await socket.disconnect()


def _publish_response(page, html):
    page.official_response = html
    page.save_revision().publish()


async def test_an_official_response_is_announced_once_per_new_text(site_tree, people):
    """Editors publish the response through Wagtail; listeners get `response.published` with the
    text readers see. Republishing the page for another reason announces nothing."""
    page = await sync_to_async(make_consultation)(site_tree.indexes["en"])
    listener = await listen(page.pk)
    await hello(listener)
    await sync_to_async(_publish_response)(page, "<p>We will extend the deadline to sixty days.</p>")
    event = await next_of(listener, "response.published")
    assert event["data"]["html"] == "<p>We will extend the deadline to sixty days.</p>"
    assert event["data"]["published_at"] and event["seq"] == 1

    page.title = "A corrected title"
    await sync_to_async(lambda: page.save_revision().publish())()
    await assert_quiet(listener, "response.published")
    await sync_to_async(_publish_response)(page, "<p>We will extend it to ninety days.</p>")
    assert (await next_of(listener, "response.published"))["seq"] == 2
    await listener.disconnect()

    html = await sync_to_async(lambda: Client().get(page.url).content.decode())()
    assert f'id="response-{page.pk}" data-live-refresh="response.published"' in html
    assert "ninety days" in html
