"""A live socket authenticates once, at its handshake; these tests check that it never outlives
the sign-in behind it, and that staff without two-factor sign-in get no more over a socket than
over HTTP.

Signing out, a ban, a changed password and an erased account close the person's sockets with
4401 (every worker hears it through the channel layer); the client then reconnects as whoever its
cookie now says. Transactional tests: the consumer reads the database from its own threads.
"""

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client

from config.asgi import application
from consult.sockets import CLOSE_SIGN_IN_ENDED
from tests import factories
from tests.web import post_json

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture(autouse=True)
async def _fresh_layer():
    """The in-memory layer outlives each test's event loop; a hub left in the accounts group by
    an earlier test (on a loop now closed) would break the group send in this one."""
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


async def open_socket(path, client=None):
    headers = [ORIGIN, (b"accept-language", b"en")]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def closed_with(communicator, timeout=3):
    while True:
        message = await communicator.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            return message["code"]


async def vote_ack(communicator, comment_id):
    await communicator.send_json_to({"type": "vote", "target": f"comment:{comment_id}", "value": 1, "ref": "v"})
    while True:
        message = await communicator.receive_json_from(timeout=3)
        if message["type"] == "ack":
            return message


@sync_to_async
def setup(site_tree, *roles):
    page = factories.consultation(site_tree.indexes["en"])
    author = factories.participant("Author")
    comment = factories.comment(page, author, text="Worth a vote")
    people = [factories.participant(f"Person {n}", roles=[role]) for n, role in enumerate(roles)]
    return page, comment, people


async def test_signing_out_closes_the_persons_sockets_and_the_reconnect_is_anonymous(site_tree):
    page, comment, (citizen, bystander) = await setup(site_tree, "citizen", "citizen")
    client, other = await sync_to_async(signed_in)(citizen), await sync_to_async(signed_in)(bystander)
    mine, theirs = await open_socket(f"/ws/live/{page.pk}/", client), await open_socket(f"/ws/live/{page.pk}/", other)
    assert (await vote_ack(mine, comment.pk))["ok"] is True

    response = await sync_to_async(client.post)("/en/accounts/logout/")
    assert response.status_code == 302

    assert await closed_with(mine) == CLOSE_SIGN_IN_ENDED
    assert (await vote_ack(theirs, comment.pk))["ok"] is True  # someone else's socket lives on
    again = await open_socket(f"/ws/live/{page.pk}/", client)  # the same, now dead, cookie
    ack = await vote_ack(again, comment.pk)
    assert ack["ok"] is False and ack["error"]["code"] == "not_authenticated"
    for communicator in (theirs, again):
        await communicator.disconnect()


async def test_a_ban_closes_the_sockets_and_the_reconnected_socket_cannot_vote(site_tree):
    page, comment, (citizen, moderator) = await setup(site_tree, "citizen", "moderator")
    client = await sync_to_async(signed_in)(citizen)
    socket = await open_socket(f"/ws/live/{page.pk}/", client)
    assert (await vote_ack(socket, comment.pk))["ok"] is True

    banned = await sync_to_async(post_json)(await sync_to_async(signed_in)(moderator),
                                            f"/api/v1/moderation/people/{citizen.pk}/sanctions/",
                                            {"kind": "ban", "reason": "spam"})
    assert banned.status_code == 201

    assert await closed_with(socket) == CLOSE_SIGN_IN_ENDED
    again = await open_socket(f"/ws/live/{page.pk}/", client)
    ack = await vote_ack(again, comment.pk)
    assert ack["ok"] is False and ack["error"]["code"] == "permission_denied"
    assert "banned" in ack["error"]["message"]
    await again.disconnect()


async def test_erasing_the_account_closes_its_sockets(site_tree):
    page, comment, (citizen,) = await setup(site_tree, "citizen")
    await sync_to_async(_set_password)(citizen, "An old passphrase 1")
    client = await sync_to_async(signed_in)(citizen)
    socket = await open_socket(f"/ws/live/{page.pk}/", client)
    assert (await vote_ack(socket, comment.pk))["ok"] is True
    erased = await sync_to_async(post_json)(client, "/api/v1/me/erase/", {"password": "An old passphrase 1"})
    assert erased.status_code == 204
    assert await closed_with(socket) == CLOSE_SIGN_IN_ENDED
    again = await open_socket(f"/ws/live/{page.pk}/", client)
    ack = await vote_ack(again, comment.pk)
    assert ack["ok"] is False and ack["error"]["code"] == "not_authenticated"
    await again.disconnect()


async def test_a_changed_password_closes_the_sockets(site_tree):
    page, _comment, (citizen,) = await setup(site_tree, "citizen")
    await sync_to_async(_set_password)(citizen, "An old passphrase 1")
    client = await sync_to_async(signed_in)(citizen)
    socket = await open_socket(f"/ws/live/{page.pk}/", client)
    assert (await socket.receive_json_from(timeout=3))["type"] == "hello"  # joined: it will hear the change
    response = await sync_to_async(client.post)("/en/accounts/password/change/", {
        "oldpassword": "An old passphrase 1", "password1": "A new passphrase 22", "password2": "A new passphrase 22"})
    assert response.status_code == 302
    assert await closed_with(socket) == CLOSE_SIGN_IN_ENDED


def _set_password(user, password):
    user.set_password(password)
    user.save(update_fields=["password"])


async def test_the_moderation_socket_closes_when_the_moderator_signs_out(site_tree):
    _page, _comment, (moderator,) = await setup(site_tree, "moderator")
    client = await sync_to_async(signed_in)(moderator)
    socket = await open_socket("/ws/moderation/", client)
    assert await socket.receive_nothing(timeout=0.3)  # accepted and listening
    await sync_to_async(client.post)("/en/accounts/logout/")
    assert await closed_with(socket) == CLOSE_SIGN_IN_ENDED
    again = await open_socket("/ws/moderation/", client)
    assert await closed_with(again) == 4403  # no longer a moderator's socket


# --- two-factor sign-in for staff ------------------------------------------------------------


@pytest.fixture
def mfa_required(settings):
    settings.RAYZAN_REQUIRE_MFA_FOR_STAFF = True


async def test_staff_without_two_factor_are_refused_the_moderation_socket(site_tree, mfa_required):
    _page, _comment, (moderator,) = await setup(site_tree, "moderator")
    socket = await open_socket("/ws/moderation/", await sync_to_async(signed_in)(moderator))
    assert await closed_with(socket) == 4403


async def test_staff_with_two_factor_keep_the_moderation_socket(site_tree, mfa_required):
    _page, _comment, (moderator,) = await setup(site_tree, "moderator")
    await sync_to_async(Authenticator.objects.create)(user=moderator, type=Authenticator.Type.TOTP,
                                                      data={"secret": "JBSWY3DPEHPK3PXP"})
    socket = await open_socket("/ws/moderation/", await sync_to_async(signed_in)(moderator))
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_staff_without_two_factor_only_listen_on_live_pages(site_tree, mfa_required):
    page, comment, (official, citizen) = await setup(site_tree, "official", "citizen")
    official_socket = await open_socket(f"/ws/live/{page.pk}/", await sync_to_async(signed_in)(official))
    ack = await vote_ack(official_socket, comment.pk)
    assert ack["ok"] is False and ack["error"]["code"] == "not_authenticated"
    # Citizens need no second factor: the rule is for staff only.
    citizen_socket = await open_socket(f"/ws/live/{page.pk}/", await sync_to_async(signed_in)(citizen))
    assert (await vote_ack(citizen_socket, comment.pk))["ok"] is True
    for communicator in (official_socket, citizen_socket):
        await communicator.disconnect()
