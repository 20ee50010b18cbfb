"""/ws/moderation/: moderators' queue pages hear of new, claimed and decided cases without a
reload; nobody else may listen, and an assigned moderator hears only their own pages."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from consult.models import CommentStatus
from moderation.models import ModeratorAssignment
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://localhost")


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def listen(user):
    headers = [ORIGIN]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    communicator = WebsocketCommunicator(application, "/ws/moderation/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def flag(user, comment):
    response = Client(HTTP_ACCEPT_LANGUAGE="en")
    response.force_login(user)
    return response.post(f"/api/v1/comments/{comment.pk}/flag/", {"reason": "abuse"},
                         content_type="application/json").status_code


def decide(user, case_id):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client.post(f"/api/v1/moderation/cases/{case_id}/decision/", {"outcome": "approved"},
                       content_type="application/json").status_code


@sync_to_async
def setup(site_tree):
    index = site_tree.indexes["en"]
    mine, theirs = factories.consultation(index), factories.consultation(index)
    author = factories.participant("Author")
    people = {"moderator": factories.participant("Mod", roles=["moderator"]),
              "assigned": factories.participant("Assigned"), "citizen": factories.participant("Citizen"),
              "author": author}
    ModeratorAssignment.objects.create(page=mine, user=people["assigned"])
    comments = {"mine": factories.comment(mine, author, text="mine"),
                "theirs": factories.comment(theirs, author, text="theirs", status=CommentStatus.PUBLISHED)}
    return people, comments, mine, theirs


async def test_moderators_hear_new_and_decided_cases_live(site_tree):
    people, comments, mine, theirs = await setup(site_tree)
    global_listener = await listen(people["moderator"])
    assigned_listener = await listen(people["assigned"])
    assert await sync_to_async(flag)(people["citizen"], comments["theirs"]) == 201
    opened = await global_listener.receive_json_from(timeout=3)
    assert opened["type"] == "moderation.queue" and opened["data"]["change"] == "opened"
    assert opened["data"]["page"] == theirs.pk
    assert await assigned_listener.receive_nothing(timeout=0.5)  # not their consultation
    assert await sync_to_async(flag)(people["citizen"], comments["mine"]) == 201
    for listener in (global_listener, assigned_listener):
        message = await listener.receive_json_from(timeout=3)
        assert message["data"]["page"] == mine.pk and message["data"]["change"] == "opened"
    case_id = message["data"]["case"]
    assert await sync_to_async(decide)(people["assigned"], case_id) == 200
    decided = await global_listener.receive_json_from(timeout=3)
    assert decided["data"] == {**decided["data"], "case": case_id, "change": "decided", "status": "decided"}
    await global_listener.disconnect()
    await assigned_listener.disconnect()


@pytest.mark.parametrize("who", [None, "citizen"])
async def test_only_moderators_may_listen(site_tree, who):
    people, *_rest = await setup(site_tree)
    listener = await listen(people[who] if who else None)
    assert await listener.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
