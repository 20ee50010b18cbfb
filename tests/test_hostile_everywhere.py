"""Hostile input through every path where a person's text is stored and shown again: replies,
edits, statements, report ("flag") notes, appeal notes, moderators' notes to authors and to
officials, sanction notes, display names, the official response, and the notifications they
produce. Each payload is written through the public surface (the JSON API, or the HTML form
where there is no API), then

- a refused write (too long, empty once cleaned) is a 400 that stores nothing;
- the API answers with what was stored, and every `*_html` field passes the allow-list;
- every page that shows the text, parsed like a browser parses it (tests/hostile.py), holds no
  element, attribute or URL scheme that the text could have brought in.

The corpora are sampled (tests.hostile.sample; RAYZAN_HOSTILE_SAMPLE=all sends every line); the
sanitiser and the comment path get every line in tests/consult/test_hostile_input.py. Screening
is switched off here so every payload is published and reaches the public pages: holding is
tested in tests/moderation/test_screening.py.
"""

import json
import math

import pytest
from django.core.cache import cache
from django.test import Client

from consult.models import Comment, Notification, OfficialResponse, Profile, RoundtableFacilitator, Statement
from moderation.models import Appeal, Case, Flag, Sanction
from tests import factories
from tests.hostile import problems_in_json, problems_in_page, sample

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def lines():
    return sample()


@pytest.fixture(autouse=True)
def _open_doors(settings):
    settings.RAYZAN_RATE_LIMITS = {action: "1000000/m" for action in settings.RAYZAN_RATE_LIMITS}
    settings.RAYZAN_SCREENERS = []
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page(site_tree):
    return factories.consultation(site_tree.indexes["en"])


@pytest.fixture
def people(db):
    return {role: factories.participant(f"{role.title()} person", roles=[role]) for role in
            ("citizen", "moderator", "official")} | {
        "author": factories.participant("Author person", roles=["citizen"]),
        "judge": factories.participant("Second moderator", roles=["moderator"])}


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def json_ok(response) -> dict:
    """An API answer: JSON that no browser would sniff as a page, with only allow-listed HTML."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert response.get("X-Content-Type-Options") == "nosniff"
    data = response.json()
    assert problems_in_json(data) == [], problems_in_json(data)
    return data


def page_problems(client, url: str, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return problems_in_page(response.content.decode())


def pages_of(client, url: str, count: int, per_page: int, param: str = "page") -> dict[int, list[str]]:
    """Every page of a paginated HTML list; {page number: problems} for the pages with any."""
    bad = {}
    for number in range(1, max(1, math.ceil(count / per_page)) + 1):
        found = page_problems(client, url, **{param: number})
        if found:
            bad[number] = found
    return bad


def _written_or_refused(response, model, before: int, ok=(200, 201)) -> bool:
    if response.status_code in ok:
        return True
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert model.objects.count() == before, "a refused write stored something"
    return False


# --- comments: replies and edits -------------------------------------------------------------------

def test_replies_store_sanitised_text_and_render_safely(page, people, lines):
    parent = factories.comment(page, people["author"], text="Buses should run all night.")
    citizen = client_for(people["citizen"])
    url = f"/api/v1/consultations/{page.pk}/comments/"
    for line in lines:
        before = Comment.objects.count()
        response = send(citizen, "post", url, {"text": line, "parent": parent.pk, "stance": ""})
        if _written_or_refused(response, Comment, before, ok=(201,)):
            data = json_ok(response)
            stored = Comment.objects.get(pk=data["id"])
            assert (data["body"], data["body_html"]) == (stored.body, stored.body_html)
    replies = Comment.objects.filter(parent=parent).count()
    assert replies > len(lines) // 2
    thread = json_ok(citizen.get(f"/api/v1/comments/{parent.pk}/"))
    assert len(thread["replies"]) == replies
    assert page_problems(citizen, f"/en/participate/comment/{parent.pk}/") == []
    assert page_problems(client_for(None), f"/en/participate/{page.pk}/general/") == []
    assert page_problems(citizen, f"/en/participate/comment/{parent.pk}/reply/") == []
    events = json_ok(client_for(None).get(f"/api/v1/pages/{page.pk}/events/", {"limit": 500}))
    assert len(events["events"]) >= min(replies, 500)  # the live stream carries the same sanitised HTML


def test_edits_store_sanitised_text_and_render_safely(page, people, lines):
    author = client_for(people["author"])
    section = page.section_list[0]["id"]
    edited = []
    for line in lines:
        comment = factories.comment(page, people["author"], text="First version.", section_id=section)
        response = send(author, "patch", f"/api/v1/comments/{comment.pk}/", {"text": line, "stance": "oppose"})
        comment.refresh_from_db()
        if response.status_code == 200:
            data = json_ok(response)
            assert (data["body"], data["body_html"]) == (comment.body, comment.body_html)
            edited.append(comment.pk)
        else:
            assert response.status_code == 400, response.content[:300]
            assert comment.body == "First version." and comment.edited_at is None
    assert len(edited) > len(lines) // 2
    public = client_for(None)
    url = f"/en/participate/{page.pk}/section/{section}/"
    assert pages_of(public, url, count=len(lines), per_page=20) == {}
    listing = json_ok(public.get(f"/api/v1/consultations/{page.pk}/comments/", {"section": section}))
    assert listing["count"] == len(lines)
    for pk in edited[:20]:  # the edit form shows the stored source back in a textarea
        assert page_problems(author, f"/en/participate/comment/{pk}/edit/") == []


# --- statements --------------------------------------------------------------------------------------

def test_statements_over_the_api_store_and_render_safely(page, people, lines):
    citizen = client_for(people["citizen"])
    url = f"/api/v1/pages/{page.pk}/statements/"
    for line in lines:
        before = Statement.objects.count()
        response = send(citizen, "post", url, {"text": line})
        if _written_or_refused(response, Statement, before, ok=(201,)):
            data = json_ok(response)
            assert data["text"] == Statement.objects.get(pk=data["id"]).text
    stored = Statement.objects.filter(page=page).count()
    assert stored > 0
    public = client_for(None)
    assert json_ok(public.get(url, {"page_size": 100}))["count"] == stored
    assert json_ok(public.get(f"{url}next/"))["text"]
    voter = client_for(people["official"])
    for _ in range(min(stored, 30)):  # the one-at-a-time voting page shows each statement in turn
        assert page_problems(voter, f"/en/vote/{page.pk}/statements/next/") == []
        statement = json_ok(voter.get(f"{url}next/"))
        assert send(voter, "put", f"/api/v1/statements/{statement['id']}/vote/", {"value": 0}).status_code == 200


def test_roundtable_statements_in_the_spotlight_render_safely(site_tree, people, lines):
    """A facilitator puts citizens' statements on the projector (console and presenter view)."""
    roundtable = factories.roundtable(site_tree.indexes["en"], state="live")
    RoundtableFacilitator.objects.create(page=roundtable, name="Moderator", user=people["moderator"])
    citizen, facilitator = client_for(people["citizen"]), client_for(people["moderator"])
    bad = {}
    for line in lines[::5]:
        added = send(citizen, "post", f"/api/v1/pages/{roundtable.pk}/statements/", {"text": line})
        if added.status_code != 201:
            continue
        statement = json_ok(added)["id"]
        shown = send(facilitator, "post", f"/api/v1/roundtables/{roundtable.pk}/control/",
                     {"action": "spotlight", "target": f"statement:{statement}"})
        assert shown.status_code == 200 and json_ok(shown)["spotlight"]["id"] == statement
        for url in (f"/en/participate/{roundtable.pk}/present/", f"/en/participate/{roundtable.pk}/console/"):
            found = page_problems(facilitator, url)
            if found:
                bad[(line, url)] = found
    assert bad == {}


# --- moderation: report notes, decisions' notes, appeals, escalations, sanctions -------------------

def test_report_notes_reach_moderators_safely(page, people, lines):
    citizen, moderator = client_for(people["citizen"]), client_for(people["moderator"])
    for line in lines:
        comment = factories.comment(page, people["author"], text="A comment someone reports.")
        before = Flag.objects.count()
        response = send(citizen, "post", f"/api/v1/comments/{comment.pk}/flag/", {"reason": "other", "note": line})
        if _written_or_refused(response, Flag, before, ok=(201,)):
            json_ok(response)
    assert Flag.objects.count() > len(lines) // 2
    bad = {}
    for case in Case.objects.filter(flag_count__gt=0):
        found = page_problems(moderator, f"/en/moderation/case/{case.pk}/")
        if found:
            bad[case.pk] = found
    assert bad == {}
    assert pages_of(moderator, "/en/moderation/", count=Case.objects.count(), per_page=25, param="p") == {}
    json_ok(moderator.get("/api/v1/moderation/queue/"))


def _rejected(page, people, note: str):
    """A comment of `author`'s held, then rejected by `moderator` with `note` (over the API)."""
    comment = factories.comment(page, people["author"], text="Something sharp.", status="pending")
    case = Case.objects.create(item_type="comment", item_id=comment.pk, page=page, reasons=["abuse"], language="en")
    response = send(client_for(people["moderator"]), "post", f"/api/v1/moderation/cases/{case.pk}/decision/",
                    {"outcome": "rejected", "reason": "abuse", "note": note})
    return case, response


def test_decision_appeal_and_ruling_notes_render_safely(page, people, lines):
    author, judge = client_for(people["author"]), client_for(people["judge"])
    for line in lines:
        case, decided = _rejected(page, people, line)
        if decided.status_code != 200:  # the note was refused: the case stays undecided
            assert decided.status_code == 400 and Case.objects.get(pk=case.pk).status == "pending"
            case, decided = _rejected(page, people, "Please keep it civil.")
        assert json_ok(decided)["status"] == "decided"
        before = Appeal.objects.count()
        appealed = send(author, "post", f"/api/v1/moderation/cases/{case.pk}/appeal/", {"note": line})
        if not _written_or_refused(appealed, Appeal, before, ok=(201,)):
            continue
        appeal = json_ok(appealed)
        ruling = send(judge, "post", f"/api/v1/moderation/appeals/{appeal['id']}/decision/",
                      {"outcome": "upheld", "note": line})
        assert ruling.status_code in (200, 400), ruling.content[:300]
        if ruling.status_code == 200:
            assert json_ok(ruling)["note_to_author"] == Appeal.objects.get(pk=appeal["id"]).note_to_author
    bad = {}
    for case in Case.objects.filter(status="decided"):
        for who, url in ((author, f"/en/moderation/appeal/{case.pk}/"),
                         *(((judge, f"/en/moderation/appeals/{case.appeal.pk}/"),)
                           if Appeal.objects.filter(case=case).exists() else ())):
            found = page_problems(who, url)
            if found:
                bad[url] = found
    assert bad == {}
    notifications = Notification.objects.filter(recipient=people["author"]).count()
    assert notifications >= len(lines)
    assert pages_of(author, "/en/account/notifications/", count=notifications, per_page=20, param="p") == {}
    number = 1
    while number:  # the API's notifications: text fields, each equal to what was stored
        data = json_ok(author.get("/api/v1/me/notifications/", {"page": number}))
        for item in data["results"]:
            stored = Notification.objects.get(pk=item["id"])
            assert (item["subject"], item["body"]) == (stored.subject, stored.body)
        number = data["next"]


def test_escalation_and_sanction_notes_render_safely(page, people, lines):
    moderator, official = client_for(people["moderator"]), client_for(people["official"])
    person = factories.participant("Often warned", roles=["citizen"])
    for line in lines:
        comment = factories.comment(page, people["author"], text="A legal question.", status="pending")
        case = Case.objects.create(item_type="comment", item_id=comment.pk, page=page, reasons=["abuse"])
        escalated = send(moderator, "post", f"/api/v1/moderation/cases/{case.pk}/escalate/", {"note": line})
        assert escalated.status_code in (200, 400), escalated.content[:300]
        if escalated.status_code == 200:
            assert json_ok(escalated)["escalation_note"] == Case.objects.get(pk=case.pk).escalation_note
        else:
            assert Case.objects.get(pk=case.pk).status == "pending"
        before = Sanction.objects.count()
        warned = send(moderator, "post", f"/api/v1/moderation/people/{person.pk}/sanctions/",
                      {"kind": "warn", "reason": "spam", "note": line})
        if _written_or_refused(warned, Sanction, before, ok=(201,)):
            assert json_ok(warned)["note"] == Sanction.objects.get(pk=warned.json()["id"]).note
    escalations = Case.objects.filter(status="escalated")
    assert escalations.count() > len(lines) // 2
    assert pages_of(official, "/en/moderation/escalated/", count=escalations.count(), per_page=25, param="p") == {}
    bad = {case.pk: found for case in escalations[:40]
           if (found := page_problems(official, f"/en/moderation/case/{case.pk}/"))}
    assert bad == {}
    assert page_problems(moderator, f"/en/moderation/people/{person.pk}/") == []
    warned = client_for(person)
    notes = Notification.objects.filter(recipient=person).count()
    assert pages_of(warned, "/en/account/notifications/", count=notes, per_page=20, param="p") == {}
    json_ok(official.get("/api/v1/moderation/queue/", {"status": "escalated"}))


# --- people's names ------------------------------------------------------------------------------------

def test_display_names_changed_over_the_api_render_safely(page, people, lines):
    named = []
    for line in lines:
        person = factories.participant(roles=["citizen"])
        before = Profile.objects.get(user=person).display_name
        response = send(client_for(person), "patch", "/api/v1/me/", {"display_name": line})
        stored = Profile.objects.get(user=person).display_name
        if response.status_code == 200:
            assert json_ok(response)["display_name"] == stored
            named.append(person)
        else:
            assert response.status_code == 400 and stored == before, response.content[:300]
    assert named, "some payloads are plausible names and must be stored and shown safely"
    section = page.section_list[0]["id"]
    parent = factories.comment(page, people["author"], text="Tell me your name.", section_id=section)
    for person in named:
        factories.comment(page, person, text="Hello.", section_id=section)
        factories.comment(page, person, text="Replying.", parent=parent)
    public = client_for(None)
    assert pages_of(public, f"/en/participate/{page.pk}/section/{section}/", count=len(named) + 1, per_page=20) == {}
    assert page_problems(public, f"/en/participate/comment/{parent.pk}/") == []
    listing = json_ok(public.get(f"/api/v1/consultations/{page.pk}/comments/", {"section": section,
                                                                               "page_size": 100}))
    names = set(Profile.objects.filter(user__in=named).values_list("display_name", flat=True))
    assert {c["author"]["display_name"] for c in listing["results"]} & names


# --- the official response -------------------------------------------------------------------------------

def test_official_response_text_renders_safely(page, people, lines):
    """Officials' text is trusted less than an editor's: it goes through the same sanitiser.
    Payloads go in batches (a summary and one answer per section) to keep publishing cheap."""
    official = client_for(people["official"])
    sections = [section["id"] for section in page.section_list]
    batch = 1 + len(sections)
    public = client_for(None)
    for start in range(0, len(lines), batch):
        chunk = lines[start:start + batch]
        form = {"summary": chunk[0], "action": "publish"}
        for section_id, text in zip(sections, chunk[1:], strict=False):
            form[f"section-{section_id}-body"] = text
        response = official.post(f"/en/reports/{page.pk}/response/", form)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:  # refused (e.g. empty once cleaned): the form again, parsed
            assert problems_in_page(response.content.decode()) == []
            continue
        stored = OfficialResponse.objects.get(page=page)
        assert stored.summary_html  # sanitised Markdown
        assert page_problems(public, page.get_url()) == [], chunk
        assert page_problems(official, f"/en/reports/{page.pk}/print/") == [], chunk
        assert page_problems(official, f"/en/reports/{page.pk}/response/") == [], chunk
        json_ok(public.get(f"/api/v1/consultations/{page.pk}/"))
