"""Roles are read from the cache on every request (consult.roles). A change to someone's groups
takes effect on their next request, however it is made; and a token is looked up once per API
request, though both the staff two-factor check and the view need the person."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from tests import factories
from tests.web import client_for

pytestmark = pytest.mark.django_db
QUEUE = "/api/v1/moderation/queue/"


def moderators():
    return Group.objects.get_or_create(name="moderator")[0]


def test_a_removed_moderator_is_refused_on_the_next_request():
    person = factories.participant(roles=["moderator"])
    client = client_for(person)
    assert client.get(QUEUE).status_code == 200  # the roles are cached now
    person.groups.remove(moderators())
    assert client.get(QUEUE).status_code == 403


def test_a_new_moderator_is_let_in_on_the_next_request():
    person = factories.participant(roles=["citizen"])
    client = client_for(person)
    assert client.get(QUEUE).status_code == 403
    moderators().user_set.add(person)
    assert client.get(QUEUE).status_code == 200


@pytest.mark.parametrize("change", [
    pytest.param(lambda person, group: group.user_set.remove(person), id="removed from the group's side"),
    pytest.param(lambda person, group: group.user_set.clear(), id="group emptied"),
    pytest.param(lambda person, group: person.groups.clear(), id="person's groups cleared"),
    pytest.param(lambda person, group: person.groups.set([]), id="person's groups set to none"),
    pytest.param(lambda person, group: group.delete(), id="group deleted"),
    pytest.param(lambda person, group: setattr(group, "name", "former moderators") or group.save(), id="group renamed"),
])
def test_every_way_of_taking_the_role_away_takes_effect(change):
    person = factories.participant(roles=["moderator"])
    client = client_for(person)
    assert client.get(QUEUE).status_code == 200
    change(person, moderators())
    assert client.get(QUEUE).status_code == 403


def test_a_token_request_looks_the_token_up_once():
    person = factories.participant(roles=["citizen"])
    token = Token.objects.create(user=person)
    client = client_for(None)
    client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")  # roles cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and response.json()["display_name"]
    assert sum('"authtoken_token"' in q["sql"] for q in queries.captured_queries) == 1
    assert not any('"auth_group"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("header", ["Token nonsense", "Token", "Token a b"])
def test_a_bad_token_is_refused_by_the_view_not_the_middleware(header, settings):
    settings.RAYZAN_REQUIRE_MFA_FOR_STAFF = True  # the middleware looks at the token first
    response = client_for(None).get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert response.json()["code"] == "authentication_failed"
