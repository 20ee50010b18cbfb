"""Who may use each API endpoint, as one table, checked against the URL conf and then by calling.

Every (URL name, method) served under /api/v1/ must have a row in ENDPOINTS, and every row must
still be served: a new endpoint without a rule fails `test_every_api_endpoint_has_a_rule`. Then
each endpoint is called as each role, with a token, on fresh objects: the roles in `allowed` get
a 2xx, everyone else a refusal (401/403, or 404 where the rule says the object is hidden from
them), and a refusal changes nothing in the database.

Roles: anonymous, citizen (a participant with a profile), moderator, official, editor, admin.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import PASSWORD, ROLES

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
MODERATORS = frozenset({"moderator", "admin"})
REPORT_READERS = frozenset({"official", "editor", "admin"})
FACILITATORS = frozenset({"moderator", "official", "admin"})  # the world names moderator and official
OWNER = frozenset({"citizen"})  # the target is the citizen's own: their comment, their case, their account

Request = tuple[str, dict | None]  # path, JSON body


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    request: Callable[..., Request]  # (world, role) -> (path, body); makes fresh targets as needed
    refusals: tuple[int, ...] = (401, 403)


def _me(world, role):
    return world.people.get(role)


def _citizens_comment(world, role, status="published"):
    return world.comment(world.people["citizen"], status=status).pk


def _votable_comment(world, role):
    return world.comment().pk  # by "author", so no role votes on its own


def _page(world):
    return world.consultation.pk


ENDPOINTS: dict[tuple[str, str], Rule] = {
    # schema and docs
    ("api-schema", "GET"): Rule(EVERYONE, lambda w, r: ("/api/v1/schema/", None)),
    ("api-docs", "GET"): Rule(EVERYONE, lambda w, r: ("/api/v1/docs/", None)),
    # accounts
    ("api-auth-token", "POST"): Rule(EVERYONE, lambda w, r: ("/api/v1/auth/token/", {
        "username": (_me(w, r) or w.people["citizen"]).email, "password": PASSWORD})),
    ("api-me", "GET"): Rule(SIGNED_IN, lambda w, r: ("/api/v1/me/", None)),
    ("api-me", "PATCH"): Rule(SIGNED_IN, lambda w, r: ("/api/v1/me/", {"preferred_language": "fa"})),
    ("api-me", "PUT"): Rule(SIGNED_IN, lambda w, r: ("/api/v1/me/", {"preferred_language": "en"})),
    ("api-me-data", "GET"): Rule(SIGNED_IN, lambda w, r: ("/api/v1/me/data/", None)),
    ("api-me-erase", "POST"): Rule(OWNER, lambda w, r: ("/api/v1/me/erase/", {"password": PASSWORD})),  # not staff
    ("api-notifications", "GET"): Rule(SIGNED_IN, lambda w, r: ("/api/v1/me/notifications/", None)),
    ("api-notifications-read", "POST"): Rule(SIGNED_IN, lambda w, r: ("/api/v1/me/notifications/read/", {})),
    # consultations and roundtables (public reads)
    ("consultation-list", "GET"): Rule(EVERYONE, lambda w, r: ("/api/v1/consultations/", None)),
    ("consultation-detail", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/consultations/{_page(w)}/", None)),
    ("roundtable-list", "GET"): Rule(EVERYONE, lambda w, r: ("/api/v1/roundtables/", None)),
    ("roundtable-detail", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/roundtables/{w.roundtable.pk}/", None)),
    ("api-page-events", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/pages/{_page(w)}/events/", None)),
    ("api-roundtable-session", "GET"): Rule(EVERYONE, lambda w, r: (
        f"/api/v1/roundtables/{w.roundtable.pk}/session/", None)),
    ("api-roundtable-control", "POST"): Rule(FACILITATORS, lambda w, r: (
        f"/api/v1/roundtables/{w.roundtable.pk}/control/", {"action": "clear_spotlight"})),
    # comments
    ("api-consultation-comments", "GET"): Rule(EVERYONE, lambda w, r: (
        f"/api/v1/consultations/{_page(w)}/comments/", None)),
    ("api-consultation-comments", "POST"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/consultations/{_page(w)}/comments/",
        {"text": f"What the {r} thinks.", "stance": "support", "section": w.section_id})),
    ("api-comment", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/comments/{_citizens_comment(w, r)}/", None)),
    ("api-comment", "PATCH"): Rule(OWNER, lambda w, r: (
        f"/api/v1/comments/{_citizens_comment(w, r)}/", {"text": "Edited: buses all night.", "stance": "oppose"})),
    ("api-comment", "DELETE"): Rule(OWNER, lambda w, r: (f"/api/v1/comments/{_citizens_comment(w, r)}/", None)),
    # votes, statements, polls
    ("api-comment-vote", "PUT"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/comments/{_votable_comment(w, r)}/vote/", {"value": 1})),
    ("api-comment-vote", "DELETE"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/comments/{_votable_comment(w, r)}/vote/", None)),
    ("api-statements", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/pages/{_page(w)}/statements/", None)),
    ("api-statements", "POST"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/pages/{_page(w)}/statements/", {"text": f"The {r} says: more trees."})),
    ("api-statement-next", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/pages/{_page(w)}/statements/next/", None)),
    ("api-statement-vote", "PUT"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/statements/{w.statement().pk}/vote/", {"value": -1})),
    ("api-statement-vote", "DELETE"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/statements/{w.statement().pk}/vote/", None)),
    ("api-polls", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/pages/{_page(w)}/polls/", None)),
    ("api-poll-response", "PUT"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/pages/{_page(w)}/polls/{w.poll_ids[0]}/response/", {"choices": [0]})),
    # moderation: reports by participants, the queue and decisions by moderators
    ("api-comment-flag", "POST"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/comments/{w.comment().pk}/flag/", {"reason": "spam"})),
    ("api-statement-flag", "POST"): Rule(SIGNED_IN, lambda w, r: (
        f"/api/v1/statements/{w.statement().pk}/flag/", {"reason": "off_topic"})),
    ("api-moderation-queue", "GET"): Rule(MODERATORS, lambda w, r: ("/api/v1/moderation/queue/", None)),
    ("api-case-claim", "POST"): Rule(MODERATORS, lambda w, r: (
        f"/api/v1/moderation/cases/{w.pending_case().pk}/claim/", None)),
    ("api-case-decision", "POST"): Rule(MODERATORS, lambda w, r: (
        f"/api/v1/moderation/cases/{w.pending_case().pk}/decision/", {"outcome": "approved"})),
    ("api-case-escalate", "POST"): Rule(MODERATORS, lambda w, r: (
        f"/api/v1/moderation/cases/{w.pending_case().pk}/escalate/", {"note": "A legal question."})),
    ("api-case-appeal", "POST"): Rule(OWNER, lambda w, r: (
        f"/api/v1/moderation/cases/{w.rejected_case(w.people['citizen']).pk}/appeal/", {"note": "It was a quote."})),
    ("api-appeals", "GET"): Rule(MODERATORS, lambda w, r: ("/api/v1/moderation/appeals/", None)),
    ("api-appeal-decision", "POST"): Rule(MODERATORS, lambda w, r: (
        f"/api/v1/moderation/appeals/{w.appeal().pk}/decision/", {"outcome": "upheld"})),
    ("api-sanctions", "POST"): Rule(MODERATORS, lambda w, r: (
        f"/api/v1/moderation/people/{w.person().pk}/sanctions/", {"kind": "warn", "reason": "spam"})),
    ("api-sanction-lift", "POST"): Rule(MODERATORS, lambda w, r: (
        f"/api/v1/moderation/sanctions/{w.sanction().pk}/lift/", None)),
    ("api-moderation-statistics", "GET"): Rule(MODERATORS, lambda w, r: ("/api/v1/moderation/statistics/", None)),
    ("api-page-moderation-report", "GET"): Rule(EVERYONE, lambda w, r: (
        f"/api/v1/pages/{_page(w)}/moderation-report/", None)),
    # reports: officials, editors and admins
    ("api-page-archive", "GET"): Rule(EVERYONE, lambda w, r: (f"/api/v1/pages/{_page(w)}/archive/", None)),
    ("api-report", "GET"): Rule(REPORT_READERS, lambda w, r: (f"/api/v1/consultations/{_page(w)}/report/", None)),
    ("api-export", "GET"): Rule(REPORT_READERS, lambda w, r: (f"/api/v1/pages/{_page(w)}/exports/comments.json",
                                                              None)),
}

# The same endpoints where the answer depends on the object or a filter: (label, name, method, rule).
VARIANTS = [
    ("a held comment", "api-comment", "GET", Rule(OWNER | MODERATORS, lambda w, r: (
        f"/api/v1/comments/{_citizens_comment(w, r, status='pending')}/", None), refusals=(404,))),
    ("a withdrawn comment is no longer editable", "api-comment", "PATCH", Rule(frozenset(), lambda w, r: (
        f"/api/v1/comments/{_citizens_comment(w, r, status='withdrawn')}/", {"text": "Back again."}))),
    ("the escalated cases", "api-moderation-queue", "GET", Rule(MODERATORS | {"official"}, lambda w, r: (
        "/api/v1/moderation/queue/?status=escalated", None))),
]
CASES = [(f"{method} {name}", name, method, rule) for (name, method), rule in sorted(ENDPOINTS.items())] + [
    (f"{method} {name}: {label}", name, method, rule) for label, name, method, rule in VARIANTS]

UNSAFE_AND_SAFE = ("get", "post", "put", "patch", "delete")


def _methods(callback) -> list[str]:
    """The methods a view answers (HEAD and OPTIONS come with GET and with every DRF view)."""
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset: the router bound these methods to actions
        return sorted(method.upper() for method in actions if method in UNSAFE_AND_SAFE)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        raise AssertionError(f"{callback!r} is a function view under /{API_PREFIX}: make it a DRF APIView so it "
                             "gets the API's authentication, errors and schema, then add it to ENDPOINTS.")
    return sorted(method.upper() for method in view_class.http_method_names
                  if method in UNSAFE_AND_SAFE and hasattr(view_class, method))


def _walk(patterns, prefix: str):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name, pattern.callback


def served_endpoints() -> dict[tuple[str, str], str]:
    """(URL name, method) -> route, for everything served under /api/v1/."""
    found = {}
    for route, name, callback in _walk(get_resolver().url_patterns, ""):
        if not route.startswith(API_PREFIX):
            continue
        assert name, f"The API route {route!r} has no URL name: name it, then add it to ENDPOINTS."
        for method in _methods(callback):
            found.setdefault((name, method), route)
    return found


def test_every_api_endpoint_has_a_rule():
    served = served_endpoints()
    missing = sorted(set(served) - set(ENDPOINTS))
    assert not missing, (
        "These API endpoints have no authorisation rule. Add a Rule for each to ENDPOINTS in "
        f"tests/api/test_authorisation_matrix.py (who may call it, and a request): {missing}")
    stale = sorted(set(ENDPOINTS) - set(served))
    assert not stale, f"ENDPOINTS names endpoints that are no longer served; remove them: {stale}"


def _fingerprint() -> dict:
    """What a refused call must not change."""
    from django.apps import apps

    labels = ("consult.Comment", "consult.Statement", "consult.Notification", "voting.CommentVote",
              "voting.StatementVote", "voting.PollResponse", "moderation.Flag", "moderation.Appeal",
              "moderation.Sanction", "moderation.AuditEntry")
    counts = {label: apps.get_model(label).objects.count() for label in labels}
    from consult.models import Comment, RoundtablePage
    from moderation.models import Case, Sanction

    counts["comment states"] = sorted(Comment.objects.values_list("pk", "status", "body", "stance"))
    counts["case states"] = sorted(Case.objects.values_list("pk", "status", "claimed_by"))
    counts["lifted"] = sorted(Sanction.objects.values_list("pk", "lifted_at"))
    counts["roundtables"] = sorted(RoundtablePage.objects.values_list("pk", "spotlight", "current_agenda_item"))
    return counts


def _call(world, role: str, method: str, path: str, body):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **world.headers(role))
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    return getattr(client, method.lower())(path, **kwargs)


@pytest.mark.parametrize(("name", "method", "rule"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_role_gets_what_the_table_says(world, name, method, rule):
    unexpected = {}
    for role in ROLES:
        path, body = rule.request(world, role)
        if role in rule.allowed:
            response = _call(world, role, method, path, body)
            if not 200 <= response.status_code < 300:
                unexpected[role] = (response.status_code, response.content[:300])
            continue
        before = _fingerprint()
        response = _call(world, role, method, path, body)
        if response.status_code not in rule.refusals:
            unexpected[role] = (response.status_code, response.content[:300])
        elif response.get("Content-Type", "").startswith("application/json"):
            assert {"code", "message", "fields"} <= set(response.json()), response.content
        assert _fingerprint() == before, f"a refused {method} {path} as {role} changed the database"
    assert unexpected == {}, f"{method} {name}: allowed {sorted(rule.allowed)}"
