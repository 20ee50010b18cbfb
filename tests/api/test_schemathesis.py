"""The OpenAPI schema is the contract: schemathesis generates requests from it (valid and
invalid ones) for every operation, sends them to the Django app with a signed-in token, and
fails on any server error and on any response the schema does not describe (status code,
content type, headers, body).

It runs in-process over WSGI (no server), inside each test's database transaction, against a
seeded world (tests/api/conftest.py) so that reads return real objects. About half of the
generated path ids are swapped for ids of those objects, so that writes reach the services
instead of stopping at a 404.

Two phases run: schemathesis's coverage phase (boundary and wrong-type values for every parameter
and body field, deterministic; RAYZAN_SCHEMATHESIS_COVERAGE=0 skips it) and random fuzzing,
bounded by RAYZAN_SCHEMATHESIS_EXAMPLES (default 10 per operation and person) and derandomised,
so a CI failure reproduces locally. About a minute on two cores. For a deeper hunt before a
release: RAYZAN_SCHEMATHESIS_EXAMPLES=80 RAYZAN_SCHEMATHESIS_RANDOM=1 (new data on every run).
"""

import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("RAYZAN_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance")


def _served_schema() -> dict:
    """The schema exactly as /api/v1/schema/ serves it (generated without a request or the database)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none",
                   "deterministic": os.environ.get("RAYZAN_SCHEMATHESIS_RANDOM") != "1"},
    "phases": {"coverage": {"enabled": os.environ.get("RAYZAN_SCHEMATHESIS_COVERAGE", "1") == "1"},
               "stateful": {"enabled": False}},
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
})
SCHEMA = schemathesis.openapi.from_dict(_served_schema(), config=CONFIG)


@pytest.fixture
def django_wsgi():
    """The app as a WSGI callable sharing the test's connection. Like Django's test client, it
    must not close connections as each request starts and ends: that would end the test's
    transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def real_values(world) -> dict[str, dict[str, object]]:
    """Real values for path parameters, by the first segment of the operation's path."""
    from consult.models import Comment, Statement
    from moderation.models import Appeal, Case, Sanction

    consultation, roundtable = world.consultation.pk, world.roundtable.pk
    return {
        "consultations": {"id": consultation, "page_id": consultation},
        "roundtables": {"id": roundtable, "page_id": roundtable},
        "pages": {"page_id": consultation, "poll_id": world.poll_ids[0]},
        "comments": {"id": Comment.objects.filter(author=world.people["citizen"]).first().pk,  # theirs to edit
                     "comment_id": Comment.objects.filter(status="published").order_by("pk").first().pk},
        "statements": {"statement_id": Statement.objects.order_by("pk").first().pk},
        "moderation": {"case_id": Case.objects.filter(status="pending").order_by("pk").first().pk,
                       "appeal_id": Appeal.objects.order_by("pk").first().pk,
                       "sanction_id": Sanction.objects.order_by("pk").first().pk,
                       "user_id": world.person().pk},
    }


def _aim_at_real_objects(case, known: dict) -> None:
    """Swap a generated path value for a real one when the generated value is 'even' (an even
    number, or a text of even length): the choice follows the generated data, so Hypothesis
    explores both and the run stays deterministic. test_ids_out_of_range_… covers 0 and big ids."""
    segment = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    for name, value in (case.path_parameters or {}).items():
        real = known.get(segment, {}).get(name)
        text = str(value)
        parity = int(text) if text.isdigit() else len(text)  # path values arrive as strings
        if real is not None and parity % 2 == 0:
            case.path_parameters[name] = real


def _run(case, world, real_values, app, role: str) -> None:
    _aim_at_real_objects(case, real_values)
    case.call_and_validate(app=app, headers={"Authorization": f"Token {world.tokens[role]}",
                                             "Accept-Language": "en"})


# The world fixture is built once per operation and shared by its examples on purpose: writes
# accumulate as they would on a real server.
SHARED_WORLD = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@SCHEMA.parametrize()
@SHARED_WORLD
def test_as_a_citizen_no_server_error_and_every_response_as_documented(case, world, real_values, django_wsgi):
    _run(case, world, real_values, django_wsgi, "citizen")


@SCHEMA.parametrize()
@SHARED_WORLD
def test_as_an_admin_no_server_error_and_every_response_as_documented(case, world, real_values, django_wsgi):
    _run(case, world, real_values, django_wsgi, "admin")


def _fill(parameter: dict, number: int) -> str:
    schema = parameter.get("schema", {})
    if schema.get("type") == "integer":
        return str(number)
    return str(schema.get("enum", ["x"])[0])


@pytest.mark.parametrize("number", [0, 2**31, 2**70])
def test_ids_out_of_range_are_a_documented_answer_on_every_operation(world, number):
    """Fuzzing finds big ids only now and then; this sweep sends them everywhere, every run:
    an id past the database column's range is "not found", never a 500."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {world.tokens['admin']}", HTTP_ACCEPT_LANGUAGE="en")
    wrong = {}
    for path, operations in SCHEMA.raw_schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if "{" not in path:
                continue  # nothing to look up
            url = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    url = url.replace(f"{{{parameter['name']}}}", _fill(parameter, number))
            body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
            response = getattr(client, method)(url, **body)
            if str(response.status_code) not in operation["responses"] or response.status_code >= 500:
                wrong[f"{method.upper()} {url}"] = response.status_code
    assert wrong == {}


def test_errors_inside_a_list_keep_the_documented_shape(world):
    """Found by schemathesis: a bad item of a list field answered {"ids": {"0": [...]}}, which the
    error schema ({"field": ["message"]}) does not allow. Now the messages sit under the field."""
    from django.test import Client

    from consult.models import Notification

    client = Client(HTTP_AUTHORIZATION=f"Token {world.tokens['citizen']}", HTTP_ACCEPT_LANGUAGE="en")
    unread = Notification.objects.filter(read_at__isnull=True).count()
    response = client.post("/api/v1/me/notifications/read/", {"ids": [True, "x", 3]}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == ["ids"]
    messages = body["fields"]["ids"]
    assert isinstance(messages, list) and messages and all(isinstance(message, str) for message in messages)
    assert Notification.objects.filter(read_at__isnull=True).count() == unread


def test_marking_an_id_past_the_range_read_is_refused_and_marks_nothing(world):
    """Found by schemathesis: {"ids": [2**96]} overflowed SQLite's integer (a 500); now a 400."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {world.tokens['citizen']}", HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/api/v1/me/notifications/read/", {"ids": [2**96, 2**63]},
                           content_type="application/json")
    assert response.status_code == 400 and "ids" in response.json()["fields"]
    assert world.people["citizen"].notifications.filter(read_at__isnull=True).count() > 0
