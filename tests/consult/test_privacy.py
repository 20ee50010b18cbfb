"""Privacy: a person downloads everything Rayzan keeps about them (profile page and API), deletes
their account (anonymised: contributions and tallies stay, nothing personal remains anywhere in
the database), the retention purge, and the privacy notice."""

import datetime
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from consult.accounts.privacy import user_relations
from consult.models import Comment, CommentEdit, LiveEvent, Notification, Profile, Statement
from moderation.models import Appeal, Case, Flag, Redaction, Sanction
from tests import factories
from tests.voting.conftest import POLLS
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a long passphrase 4 privacy"
EMAIL = "sara.private@example.org"
DISPLAY_NAME = "Sara Qarzwin"
FIRST_NAME, LAST_NAME = "Firstnamezq", "Lastnamezq"
IP = "203.0.113.77"
USER_AGENT = "PrivacyProbe/9.1 (distinctive)"
PHONE = "0912 345 6789"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def client_for(user=None, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT,
                    HTTP_X_FORWARDED_FOR=IP)
    if user is not None:
        client.force_login(user)
    return client


def person(name, email, **kwargs):
    user = factories.participant(name, **kwargs)
    User.objects.filter(pk=user.pk).update(email=email)
    return User.objects.get(pk=user.pk)


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def vote(client, kind, item_id, value):
    assert post_json(client, f"/api/v1/{kind}/{item_id}/vote/", {"value": value}, method="put").status_code == 200


def sign_up(client) -> User:
    """Through the sign-up form and the confirmation link, as a person would."""
    response = client.post("/en/accounts/signup/", {
        "email": EMAIL, "password1": PASSWORD, "password2": PASSWORD, "display_name": DISPLAY_NAME,
        "preferred_language": "en", "consent": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    assert client.post(link).status_code == 302
    user = User.objects.get(email=EMAIL)
    User.objects.filter(pk=user.pk).update(first_name=FIRST_NAME, last_name=LAST_NAME)
    return User.objects.get(pk=user.pk)


def take_part(en):
    """Sara signs up and does everything a citizen can; others answer and a moderator decides."""
    page = factories.consultation(en, polls=POLLS, seed_statements=[{"type": "statement", "value": "Parks at night"}])
    first = page.section_list[0]["id"]
    other = factories.participant("Omid", roles=["citizen"])
    moderator = factories.participant("Mina", roles=["moderator"])
    comments = f"/api/v1/consultations/{page.pk}/comments/"
    others_comment = Comment.objects.get(pk=post_json(client_for(other), comments, {
        "text": "Fewer cars near parks", "stance": "support", "section": first}).json()["id"])

    sara = client_for()
    user = sign_up(sara)
    kept = post_json(sara, comments, {"text": "Parks need shade.", "stance": "support", "section": first}).json()
    assert post_json(sara, f"/api/v1/comments/{kept['id']}/", {"text": "Parks need more shade."},
                     method="patch").status_code == 200
    held = post_json(sara, comments, {"text": f"Call me at {PHONE} about the parks.", "stance": "neutral",
                                     "section": first}).json()
    assert held.get("status") == "pending", held
    reply = post_json(sara, comments, {"text": "Agreed, and trees.", "parent": others_comment.pk}).json()
    statement = post_json(sara, f"/api/v1/pages/{page.pk}/statements/", {"text": "Benches in every park."}).json()
    seed = next(s for s in sara.get(f"/api/v1/pages/{page.pk}/statements/").json()["results"]
                if s["text"] == "Parks at night")
    vote(sara, "comments", others_comment.pk, 1)
    vote(sara, "statements", seed["id"], -1)
    single = next(str(child.id) for child in page.specific.polls if child.value["kind"] == "single")
    assert post_json(sara, f"/api/v1/pages/{page.pk}/polls/{single}/response/",
                     {"choices": ["other"], "other_text": "Saturdays please"}, method="put").status_code == 200
    assert post_json(sara, f"/api/v1/comments/{others_comment.pk}/flag/",
                     {"reason": "off_topic", "note": "Not about parks"}).status_code in {200, 201}
    token = post_json(client_for(), "/api/v1/auth/token/", {"username": EMAIL, "password": PASSWORD}).json()["token"]

    # Others vote on her comment; a moderator masks the phone number and warns her; she appeals.
    vote(client_for(other), "comments", kept["id"], 1)
    vote(client_for(moderator), "statements", statement["id"], 1)
    case = Case.objects.get(item_type="comment", item_id=held["id"])
    decided = post_json(client_for(moderator), f"/api/v1/moderation/cases/{case.pk}/decision/",
                        {"outcome": "redacted", "spans": [PHONE]})
    assert decided.status_code == 200, decided.content
    assert post_json(sara, f"/api/v1/moderation/cases/{case.pk}/appeal/",
                     {"note": "The number was a typo."}).status_code in {200, 201}
    assert post_json(client_for(moderator), f"/api/v1/moderation/people/{user.pk}/sanctions/",
                     {"kind": "warn", "reason": "personal_data", "note": "Keep numbers out."}).status_code in {200, 201}
    return {"page": page, "user": User.objects.get(pk=user.pk), "client": sara, "token": token, "other": other,
            "moderator": moderator, "comment": kept["id"], "held": held["id"], "reply": reply["id"],
            "statement": statement["id"], "seed": seed["id"], "case": case.pk, "others_comment": others_comment.pk}


# --- scanning the whole database -------------------------------------------------------------------

def _texts(value) -> list[str]:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return [value.decode("utf-8", "ignore")]
    if not isinstance(value, str):
        return []
    texts = [value]
    if value[:1] in "[{\"":
        try:  # JSON columns may store non-ASCII text as \u escapes
            texts.append(json.dumps(json.loads(value), ensure_ascii=False))
        except ValueError:
            pass
    return texts


def traces(*needles: str) -> list[str]:
    """Every table.column (of every table in the database) holding one of the needles, case-
    insensitively; session data is decoded first, since it is stored encoded."""
    wanted = [needle.casefold() for needle in needles if needle]
    found = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608 - table names from the database itself
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    for text in _texts(value):
                        found += [f"{table}.{column}: {needle}" for needle in wanted if needle in text.casefold()]
    for session in Session.objects.all():
        decoded = json.dumps(session.get_decoded(), ensure_ascii=False, default=str).casefold()
        found += [f"session {session.pk}: {needle}" for needle in wanted if needle in decoded]
    return sorted(set(found))


def tallies(ids, official) -> dict:
    return {
        "comments": {c.pk: (c.support_count, c.oppose_count, c.reply_count) for c in Comment.objects.order_by("pk")},
        "statements": {s.pk: (s.agree_count, s.disagree_count, s.pass_count) for s in Statement.objects.order_by("pk")},
        "votes": (CommentVote.objects.count(), StatementVote.objects.count(), PollResponse.objects.count()),
        "report": {key: value for key, value in official.get(f"/api/v1/consultations/{ids['page'].pk}/report/")
                   .json().items() if key != "as_of"},
    }


# --- the download ------------------------------------------------------------------------------------

def test_the_download_holds_everything_about_the_person_and_nothing_about_others(en):
    ids = take_part(en)
    response = ids["client"].get("/api/v1/me/data/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["format"] == "rayzan-account-data" and data["version"] == 1
    assert data["account"]["email"] == EMAIL and data["account"]["email_addresses"] == [
        {"email": EMAIL, "verified": True, "primary": True}]
    assert data["account"]["roles"] == ["citizen"] and data["account"]["api_token_created_at"]
    assert ids["token"] not in json.dumps(data)  # a credential, not data
    assert data["profile"]["display_name"] == DISPLAY_NAME and data["profile"]["consent_version"]
    by_id = {comment["id"]: comment for comment in data["comments"]}
    assert set(by_id) == {ids["comment"], ids["held"], ids["reply"]}
    assert by_id[ids["comment"]]["body"] == "Parks need more shade."
    assert by_id[ids["comment"]]["earlier_versions"][0]["body"] == "Parks need shade."
    assert by_id[ids["comment"]]["support"] == 1
    assert by_id[ids["held"]]["held_for"] == ["personal_data"] and PHONE not in by_id[ids["held"]]["body"]
    assert by_id[ids["reply"]]["parent"] == ids["others_comment"]
    assert [s["text"] for s in data["statements"]] == ["Benches in every park."]
    assert data["comment_votes"] == [{**data["comment_votes"][0], "comment": ids["others_comment"], "value": 1}]
    assert [(v["statement"], v["value"]) for v in data["statement_votes"]] == [(ids["seed"], -1)]
    assert data["poll_answers"][0]["other_text"] == "Saturdays please"
    assert [(f["item_id"], f["reason"], f["note"]) for f in data["flags"]] == [
        (ids["others_comment"], "off_topic", "Not about parks")]
    decision = next(d for d in data["moderation_decisions"] if d["item_id"] == ids["held"])
    assert decision["outcome"] == "redacted" and PHONE in decision["redacted_original"]
    assert [a["note"] for a in data["appeals"]] == ["The number was a typo."]
    assert [(s["kind"], s["note"]) for s in data["sanctions"]] == [("warn", "Keep numbers out.")]
    assert {n["kind"] for n in data["notifications"]} >= {"moderation.redacted"}
    # moderators stay anonymous to the person; other people are not in it
    text = json.dumps(data, ensure_ascii=False)
    assert "Mina" not in text and "Omid" not in text and ids["other"].email not in text

    # the profile page's download is the same JSON, as a file
    download = ids["client"].get("/en/account/data/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/json")
    assert download["Content-Disposition"] == 'attachment; filename="rayzan-my-data.json"'
    from_page = json.loads(download.content)
    assert {**from_page, "generated_at": None} == {**data, "generated_at": None}


def test_the_download_needs_a_signed_in_person(en):
    assert client_for().get("/api/v1/me/data/").status_code == 403
    page = client_for().get("/en/account/data/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_every_relation_to_accounts_has_a_decided_fate():
    """A new model pointing at users must say what erasure does with it (consult's USER_RELATIONS
    or its app's privacy part's `relations`)."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        for field in model._meta.local_concrete_fields:
            if field.is_relation and field.related_model is User:
                found.add(f"{model._meta.label}.{field.name}")
    relations = user_relations()
    assert found - set(relations) == set(), "name these in USER_RELATIONS or in their app's PrivacyPart.relations"
    assert set(relations.values()) <= {"kept", "deleted", "staff"}


def test_the_download_is_documented_in_the_schema(client, en):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/me/data/" in schema["paths"] and "/api/v1/me/erase/" in schema["paths"]
    documented = set(schema["components"]["schemas"]["MyData"]["properties"])
    user = factories.participant("Lone")
    assert set(client_for(user).get("/api/v1/me/data/").json()) == documented


# --- erasure -------------------------------------------------------------------------------------------

def test_erasure_leaves_no_trace_of_the_person_and_no_tally_changes(en):
    ids = take_part(en)
    user, sara = ids["user"], ids["client"]
    needles = (EMAIL, "sara.private", user.username, DISPLAY_NAME, FIRST_NAME, LAST_NAME, PHONE)
    assert traces(IP, USER_AGENT) == []  # never stored, not even while the account exists
    # the scan finds what is there, in plain columns and in JSON
    assert any(found.startswith("auth_user.email") for found in traces(EMAIL))
    assert any(found.startswith("consult_liveevent.data") for found in traces(DISPLAY_NAME))
    # what officials may download never holds personal data
    official = client_for(factories.participant("Official", roles=["official"]))
    for dataset in ("comments", "statements", "votes", "polls"):
        export = official.get(f"/api/v1/pages/{ids['page'].pk}/exports/{dataset}.json")
        assert export.status_code == 200, dataset
        body = b"".join(export.streaming_content if export.streaming else [export.content]).decode().casefold()
        assert not [n for n in (EMAIL, DISPLAY_NAME, user.username, "omid", "mina") if n.casefold() in body], dataset
    before = tallies(ids, official)
    assert before["report"]["participants"] >= 2 and before["votes"] == (2, 2, 1)

    laptop = client_for()  # signed in on a second device too
    laptop.post("/en/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert laptop.get("/api/v1/me/").status_code == 200
    page = sara.get("/en/account/delete/")
    assert page.status_code == 200 and "This cannot be undone." in page.content.decode()
    wrong = sara.post("/en/account/delete/", {"password": "not it"})
    assert wrong.status_code == 400 and "That is not your password" in wrong.content.decode()
    assert User.objects.get(pk=user.pk).email == EMAIL and Profile.objects.get(user=user).erased_at is None

    done = sara.post("/en/account/delete/", {"password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/en/account/deleted/"
    assert "_auth_user_id" not in sara.session
    assert "Your account has been deleted" in sara.get(done["Location"]).content.decode()

    assert traces(*needles, IP, USER_AGENT) == []
    assert tallies(ids, official) == before
    erased = User.objects.get(pk=user.pk)
    assert erased.username.startswith("erased-") and not erased.is_active and not erased.has_usable_password()
    assert not erased.groups.exists() and not Notification.objects.filter(recipient=erased).exists()
    assert not EmailAddress.objects.filter(user=erased).exists() and not Redaction.objects.exists()
    # the record stays: contributions, earlier versions, votes, reports, the appeal and the warning
    assert Comment.objects.filter(author=erased).count() == 3 and CommentEdit.objects.count() >= 1
    assert Statement.objects.filter(author=erased).count() == 1 and Flag.objects.filter(flagger=erased).exists()
    assert Appeal.objects.filter(appellant=erased).exists() and Sanction.objects.filter(person=erased).exists()
    assert call_command("verify_audit_log") is None  # the append-only log was not touched

    # pages, the API and the live event log show the anonymous author
    first = ids["page"].section_list[0]["id"]
    html = client_for().get(f"/en/participate/{ids['page'].pk}/section/{first}/").content.decode()
    assert "Former participant" in html and "Omid" in html
    api = client_for().get(f"/api/v1/consultations/{ids['page'].pk}/comments/?section={first}").json()
    authors = {c["id"]: c["author"]["display_name"] for c in api["results"]}
    assert authors[ids["comment"]] == "Former participant"
    events = client_for().get(f"/api/v1/pages/{ids['page'].pk}/events/?after=0").json()
    mine = [e for e in events["events"] if e["type"] == "comment.created" and e["data"]["id"] == ids["comment"]]
    assert mine and mine[0]["data"]["author"]["display_name"] == "Former participant"
    assert LiveEvent.objects.filter(data__author__display_name="Omid").exists()  # others untouched

    # the token and the session no longer work; signing in is impossible
    assert client_for().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {ids['token']}").status_code in {401, 403}
    assert sara.get("/api/v1/me/").status_code == 403 and laptop.get("/api/v1/me/").status_code == 403
    assert str(user.pk) not in [session.get_decoded().get("_auth_user_id") for session in Session.objects.all()]
    signin = client_for().post("/en/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert "_auth_user_id" not in signin.wsgi_request.session


def test_erasure_over_the_api(en):
    user = person("Api Person", "api.person@example.org")
    comment = factories.comment(factories.consultation(en), user, text="Kept words")
    Authenticator = apps.get_model("mfa", "Authenticator")
    Authenticator.objects.create(user=user, type="totp", data={"secret": "SECRETFORPRIVACYTEST"})
    Notification.objects.create(recipient=user, kind="moderation.rejected", language="en", subject="About Api Person",
                                body="Hello")
    client = client_for(user)
    assert post_json(client, "/api/v1/me/erase/", {"password": "pw-correct-horse-9"}).status_code == 204
    assert client.get("/api/v1/me/").status_code == 403
    assert traces("api.person@example.org", "Api Person", "SECRETFORPRIVACYTEST") == []
    assert not Authenticator.objects.exists() and not Notification.objects.exists()
    assert Comment.objects.get(pk=comment.pk).body == "Kept words"


@pytest.mark.parametrize("body, content_type, status, code", [
    ({}, "application/json", 400, "invalid"),
    ({"password": ""}, "application/json", 400, "invalid"),
    ({"password": "wrong"}, "application/json", 400, "invalid"),
    ({"password": ["pw-correct-horse-9"]}, "application/json", 400, "invalid"),
    ("password=pw-correct-horse-9", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("{not json", "application/json", 400, "parse_error"),
])
def test_bad_erase_requests_are_refused_and_change_nothing(body, content_type, status, code):
    user = person("Still Here", "still.here@example.org")
    data = json.dumps(body) if isinstance(body, dict) else body
    response = client_for(user).post("/api/v1/me/erase/", data, content_type=content_type)
    assert response.status_code == status and response.json()["code"] == code
    user.refresh_from_db()
    assert user.is_active and user.email == "still.here@example.org" and user.profile.erased_at is None
    assert user.profile.display_name == "Still Here"


def test_erase_refuses_strangers_and_other_methods():
    assert post_json(client_for(), "/api/v1/me/erase/", {"password": "x"}).status_code == 403
    user = factories.participant("Getter")
    assert client_for(user).get("/api/v1/me/erase/").status_code == 405
    page = client_for().get("/en/account/delete/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_html_erase_without_a_password_is_400():
    user = factories.participant("No Password")
    response = client_for(user).post("/en/account/delete/", {"password": ""})
    assert response.status_code == 400 and "Enter your password to delete your account." in response.content.decode()
    assert User.objects.get(pk=user.pk).is_active


@pytest.mark.parametrize("role", ["moderator", "official", "editor", "admin"])
def test_staff_are_told_to_lose_the_role_first(role):
    person = factories.participant(f"Staff {role}", roles=[role])
    page = client_for(person).get("/en/account/delete/")
    assert page.status_code == 403 and "Ask an administrator to remove the role first" in page.content.decode()
    assert client_for(person).post("/en/account/delete/", {"password": "pw-correct-horse-9"}).status_code == 403
    api = post_json(client_for(person), "/api/v1/me/erase/", {"password": "pw-correct-horse-9"})
    assert api.status_code == 403 and "remove the role first" in api.json()["message"]
    assert User.objects.get(pk=person.pk).is_active


def test_page_moderators_are_refused_too(en):
    from moderation.models import ModeratorAssignment

    person = factories.participant("Page Moderator")
    ModeratorAssignment.objects.create(page=factories.consultation(en), user=person)
    api = post_json(client_for(person), "/api/v1/me/erase/", {"password": "pw-correct-horse-9"})
    assert api.status_code == 403 and User.objects.get(pk=person.pk).is_active


def test_password_guessing_is_limited(settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "account_erase": "2/h"}
    user = factories.participant("Guessed")
    client = client_for(user)
    for _attempt in range(2):
        assert post_json(client, "/api/v1/me/erase/", {"password": "guess"}).status_code == 400
    limited = post_json(client, "/api/v1/me/erase/", {"password": "pw-correct-horse-9"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert client.post("/en/account/delete/", {"password": "pw-correct-horse-9"}).status_code == 429
    assert User.objects.get(pk=user.pk).is_active


# --- retention -----------------------------------------------------------------------------------------

def _signup_row(email, *, days_ago, verified=False):
    user = User.objects.create_user(username=f"p-{email.split('@')[0]}", email=email, password=PASSWORD)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - datetime.timedelta(days=days_ago))
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def _session(user=None, *, expires_in_days):
    store = SessionStore()
    if user is not None:
        store["_auth_user_id"] = str(user.pk)
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(days=expires_in_days))
    return store.session_key


def test_purge_expired_removes_expired_sessions_and_stale_unconfirmed_signups(en, settings, capsys):
    stale = _signup_row("stale@example.org", days_ago=31)
    recent = _signup_row("recent@example.org", days_ago=5)
    confirmed = _signup_row("confirmed@example.org", days_ago=90, verified=True)
    took_part = _signup_row("voter@example.org", days_ago=90)
    factories.comment(factories.consultation(en), took_part, text="I did take part")
    made_by_admin = User.objects.create_user(username="admin-made", email="admin.made@example.org")
    User.objects.filter(pk=made_by_admin.pk).update(date_joined=timezone.now() - datetime.timedelta(days=90))
    expired, alive = _session(confirmed, expires_in_days=-1), _session(confirmed, expires_in_days=3)

    call_command("purge_expired")
    assert "Deleted 1 expired sessions" in capsys.readouterr().out
    assert set(Session.objects.values_list("pk", flat=True)) == {alive} and expired != alive
    assert not User.objects.filter(pk=stale.pk).exists()
    assert not EmailAddress.objects.filter(email="stale@example.org").exists()
    assert User.objects.filter(pk__in=[recent.pk, confirmed.pk, took_part.pk, made_by_admin.pk]).count() == 4
    assert traces("stale@example.org") == []

    settings.RAYZAN_RETENTION_DAYS = 60
    other_stale = _signup_row("later@example.org", days_ago=45)
    call_command("purge_expired")
    assert User.objects.filter(pk=other_stale.pk).exists()  # 45 days is inside 60


def test_purge_expired_explains_itself():
    from consult.management.commands.purge_expired import Command

    assert "no IP addresses or user agents" in Command.help and "RAYZAN_RETENTION_DAYS" in Command.help


# --- the notice and the links --------------------------------------------------------------------------

def test_the_privacy_notice_in_both_languages(client, site_tree, settings):
    english = client.get("/en/privacy/")
    html = english.content.decode()
    assert english.status_code == 200 and 'lang="en"' in html and "<h1>Privacy notice</h1>" in html
    assert f"Version {settings.RAYZAN_CONSENT_VERSION}" in html and "IP address" in html
    persian = client.get("/fa/privacy/")
    assert persian.status_code == 200 and 'lang="fa" dir="rtl"' in persian.content.decode()
    home = client.get("/en/")
    assert 'href="/en/privacy/"' in home.content.decode()


def test_signup_consent_and_profile_link_to_privacy(client, site_tree):
    signup = client.get("/en/accounts/signup/").content.decode()
    assert 'href="/en/privacy/"' in signup and "Read the privacy notice" in signup
    profile = client_for(factories.participant("Linker")).get("/en/account/profile/").content.decode()
    assert 'href="/en/account/data/"' in profile and "Download my data" in profile
    assert 'href="/en/account/delete/"' in profile and "Delete my account" in profile
