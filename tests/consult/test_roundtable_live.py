"""Running a live roundtable: the facilitator's actions, who may take them, and what people see."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from consult.models import LiveEvent, RoundtableFacilitator, RoundtablePage, Statement
from consult.services.pages import page_update_and_publish
from tests import factories
from voting.models import PollResponse

pytestmark = pytest.mark.django_db

AGENDA = [{"type": "item", "value": {"title": title, "description": "", "duration_minutes": 10}}
          for title in ("Welcome", "Night buses", "Cycle lanes")]
POLLS = [{"type": "poll", "value": {"question": "Which first?", "kind": "single", "options": ["Buses", "Bikes"],
                                     "allow_other": False, "results": "after_answer"}}]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def people():
    return {"facilitator": factories.participant("میزبان", roles=["official"]),
            "moderator": factories.participant("ناظر", roles=["moderator"]),
            "other_official": factories.participant("مقام دیگر", roles=["official"]),
            "citizen": factories.participant("شهروند", roles=["citizen"]),
            "admin": factories.participant("مدیر", roles=["admin"]),
            "named_citizen": factories.participant("شهروند نام‌برده", roles=["citizen"])}


@pytest.fixture
def roundtable(site_tree, people):
    page = factories.roundtable(site_tree.indexes["en"], agenda=AGENDA, polls=POLLS)
    for person in ("facilitator", "moderator", "named_citizen"):
        RoundtableFacilitator.objects.create(page=page, name=person, user=people[person])
    return RoundtablePage.objects.get(pk=page.pk)


def control(user, page, action, target=""):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client.post(f"/api/v1/roundtables/{page.pk}/control/", {"action": action, "target": target},
                       content_type="application/json")


def fresh(page):
    return RoundtablePage.objects.get(pk=page.pk)


@pytest.mark.parametrize("who,allowed", [
    (None, False), ("citizen", False), ("other_official", False), ("named_citizen", False),
    ("facilitator", True), ("moderator", True), ("admin", True),
])
def test_only_this_roundtables_facilitators_may_run_it(roundtable, people, who, allowed):
    response = control(people.get(who), roundtable, "start")
    if allowed:
        assert response.status_code == 200 and response.json()["state"] == "live"
        assert fresh(roundtable).state == "live"
    else:
        assert response.status_code in (401, 403) and response.json()["code"] in {"not_authenticated",
                                                                                 "permission_denied"}
        assert fresh(roundtable).state == "scheduled" and not LiveEvent.objects.exists()


def test_a_session_from_start_to_end(roundtable, people):
    host = people["facilitator"]
    started = control(host, roundtable, "start").json()
    items = [item["id"] for item in roundtable.agenda_items]
    assert started["agenda_item"] == {"id": items[0], "number": 1, "title": "Welcome"}
    assert control(host, roundtable, "next_item").json()["agenda_item"]["title"] == "Night buses"
    assert control(host, roundtable, "go_to_item", items[2]).json()["agenda_item"]["number"] == 3
    assert control(host, roundtable, "previous_item").json()["agenda_item"]["number"] == 2
    statement = Statement.objects.get(page=roundtable)  # the seed
    spot = control(host, roundtable, "spotlight", f"statement:{statement.pk}").json()["spotlight"]
    assert spot == {"kind": "statement", "id": statement.pk, "text": "Parks need more trees."}
    assert control(host, roundtable, "clear_spotlight").json()["spotlight"] is None
    ended = control(host, roundtable, "end").json()
    assert ended["state"] == "ended" and fresh(roundtable).ends_at is not None
    # Every step is a durable roundtable.state event, in order, with the whole state.
    log = Client().get(f"/api/v1/pages/{roundtable.pk}/events/").json()["events"]
    assert [e["seq"] for e in log] == list(range(1, 8))
    assert {e["type"] for e in log} == {"roundtable.state"} and log[-1]["data"] == ended
    assert Client().get(f"/api/v1/roundtables/{roundtable.pk}/session/").json() == ended


@pytest.mark.parametrize("setup,action,target,field", [
    ([], "next_item", "", "action"),                           # not started
    (["start"], "start", "", "action"),                        # already live
    (["start"], "dance", "", "action"),                        # unknown
    (["start"], "go_to_item", "nope", "target"),
    (["start"], "spotlight", "statement:999999", "target"),
    (["start"], "spotlight", "comment:abc", "target"),
    (["start"], "open_poll", "not-a-poll", "target"),
    (["start"], "previous_item", "", "action"),                # already at the first item
    (["start", "end"], "start", "", "action"),                 # ended: the record is frozen
])
def test_impossible_actions_are_refused_and_change_nothing(roundtable, people, setup, action, target, field):
    for step in setup:
        assert control(people["facilitator"], roundtable, step).status_code == 200
    before = (fresh(roundtable).state, fresh(roundtable).current_agenda_item, LiveEvent.objects.count())
    response = control(people["facilitator"], roundtable, action, target)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert response.json()["message"]
    assert (fresh(roundtable).state, fresh(roundtable).current_agenda_item, LiveEvent.objects.count()) == before


def test_polls_are_answered_only_while_the_facilitator_has_them_open(roundtable, people, client):
    poll_id = str(roundtable.polls[0].id)
    client.force_login(people["citizen"])

    def answer():
        return client.put(f"/api/v1/pages/{roundtable.pk}/polls/{poll_id}/response/", {"choices": [0]},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    control(people["facilitator"], roundtable, "start")
    refused = answer()
    assert refused.status_code == 403 and refused.json()["message"] == "This poll is not open."
    control(people["facilitator"], roundtable, "open_poll", poll_id)
    assert answer().status_code in (200, 201)
    control(people["facilitator"], roundtable, "close_poll", poll_id)
    closed = answer()
    assert closed.status_code == 403 and closed.json()["message"] == "This poll has closed."
    assert PollResponse.objects.count() == 1


def test_publishing_an_edit_during_the_session_does_not_rewind_it(roundtable, people):
    control(people["facilitator"], roundtable, "start")
    control(people["facilitator"], roundtable, "next_item")
    page_update_and_publish(page=fresh(roundtable), fields={"summary": "Edited while live"})
    after = fresh(roundtable)
    assert after.summary == "Edited while live"
    assert after.state == "live" and after.current_item["title"] == "Night buses"


@pytest.mark.parametrize("language,heading", [("en", "Facilitator console"), ("fa", "میز گرداننده")])
def test_console_works_without_javascript(site_tree, roundtable, people, language, heading):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(people["facilitator"])
    url = f"/{language}/participate/{roundtable.pk}/console/"
    page = client.get(url)
    assert page.status_code == 200 and heading in page.content.decode()
    done = client.post(url, {"action": "start"})
    assert done.status_code == 302 and done["Location"].endswith("?done=start")
    assert fresh(roundtable).state == "live"
    refused = client.post(url, {"action": "go_to_item", "target": "nope"})
    body = refused.content.decode()
    assert refused.status_code == 400 and 'role="alert"' in body
    assert ("Error:" if language == "en" else "خطا:") in body.split("<title>")[1]


def test_console_is_refused_to_everyone_else(roundtable, people):
    client = Client()
    url = f"/en/participate/{roundtable.pk}/console/"
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(people["citizen"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "start"}).status_code == 403
    assert fresh(roundtable).state == "scheduled"


def test_presenter_and_participant_pages_show_the_session(roundtable, people, client):
    control(people["facilitator"], roundtable, "start")
    control(people["facilitator"], roundtable, "next_item")
    statement = Statement.objects.get(page=roundtable)
    control(people["facilitator"], roundtable, "spotlight", f"statement:{statement.pk}")
    presenter = client.get(f"/en/participate/{roundtable.pk}/present/").content.decode()
    assert "Night buses" in presenter and "Parks need more trees." in presenter
    assert f'data-live-page="{roundtable.pk}"' in presenter and 'data-live-seq="3"' in presenter
    page = client.get(roundtable.url).content.decode()
    assert "In the spotlight" in page and "Night buses" in page
    assert "facilitator console" not in page.lower()  # anonymous: no console link
    client.force_login(people["facilitator"])
    assert "Open the facilitator console" in client.get(roundtable.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_control_api_refuses_bad_bodies(roundtable, people):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people["facilitator"])
    url = f"/api/v1/roundtables/{roundtable.pk}/control/"
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert client.post(url, {"action": "start"}).status_code == 415  # a form post, not JSON
    assert client.post(url, json.dumps({"target": "x"}), content_type="application/json").status_code == 400
    assert client.post("/api/v1/roundtables/999999/control/", {"action": "start"},
                       content_type="application/json").status_code == 404
    assert fresh(roundtable).state == "scheduled"


def roundtable_log(page) -> list[dict]:
    return Client().get(f"/api/v1/pages/{page.pk}/events/?after=0").json()["events"]


def test_a_comment_on_the_consultation_discussed_can_be_spotlit_and_leaves_when_withdrawn(site_tree, roundtable,
                                                                                            people):
    consultation = factories.consultation(site_tree.indexes["en"])
    RoundtablePage.objects.filter(pk=roundtable.pk).update(consultation=consultation)
    author = Client(HTTP_ACCEPT_LANGUAGE="en")
    author.force_login(people["citizen"])
    posted = author.post(f"/api/v1/consultations/{consultation.pk}/comments/",
                         {"text": "Night buses every 15 minutes, please", "stance": "support"},
                         content_type="application/json")
    comment_id = posted.json()["id"]
    elsewhere = factories.comment(factories.consultation(site_tree.indexes["en"]), people["citizen"], text="Other")
    control(people["facilitator"], roundtable, "start")

    console = Client(HTTP_ACCEPT_LANGUAGE="en")
    console.force_login(people["facilitator"])
    shown = console.get(f"/en/participate/{roundtable.pk}/console/").content.decode()
    assert "Night buses every 15 minutes, please" in shown and f'value="comment:{comment_id}"' in shown

    refused = control(people["facilitator"], roundtable, "spotlight", f"comment:{elsewhere.pk}")
    assert refused.status_code == 400 and "target" in refused.json()["fields"]
    assert control(people["facilitator"], roundtable, "spotlight", f"comment:{comment_id}").status_code == 200
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(roundtable.url).content.decode()
    assert "Night buses every 15 minutes, please" in page and f"/comment/{comment_id}/" in page
    assert roundtable_log(roundtable)[-1]["data"]["spotlight"]["kind"] == "comment"

    assert author.delete(f"/api/v1/comments/{comment_id}/").status_code in {200, 204}
    assert fresh(roundtable).spotlight == ""
    log = roundtable_log(roundtable)
    assert log[-1]["type"] == "roundtable.state" and log[-1]["data"]["spotlight"] is None
    assert "Night buses every 15 minutes" not in json.dumps(log)


def test_the_presenter_shows_polls_once_opened_and_their_results_once_closed(roundtable, people, client):
    poll_id = str(roundtable.polls[0].id)
    control(people["facilitator"], roundtable, "start")
    assert "Which first?" not in client.get(f"/en/participate/{roundtable.pk}/present/").content.decode()
    control(people["facilitator"], roundtable, "open_poll", poll_id)
    voter = Client(HTTP_ACCEPT_LANGUAGE="en")
    voter.force_login(people["citizen"])
    assert voter.put(f"/api/v1/pages/{roundtable.pk}/polls/{poll_id}/response/", {"choices": [1]},
                     content_type="application/json").status_code in (200, 201)
    open_view = client.get(f"/en/participate/{roundtable.pk}/present/").content.decode()
    assert "Which first?" in open_view and "answer on your own device" in open_view
    assert "1 person answered" not in open_view  # no results on the big screen while people answer
    control(people["facilitator"], roundtable, "close_poll", poll_id)
    closed_view = client.get(f"/en/participate/{roundtable.pk}/present/").content.decode()
    assert "1 person answered" in closed_view and "Bikes" in closed_view


def test_participants_polls_follow_the_facilitator_live(roundtable, people, client):
    page = client.get(roundtable.url).content.decode()
    assert f'id="polls-{roundtable.pk}" data-live-refresh="roundtable.state"' in page


def test_the_roundtable_page_links_the_consultation_it_discusses(site_tree, roundtable, client):
    consultation = factories.consultation(site_tree.indexes["en"], title="Night transport draft")
    RoundtablePage.objects.filter(pk=roundtable.pk).update(consultation=consultation)
    page = client.get(roundtable.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Discussing" in page and f'href="{consultation.url}"' in page and "Night transport draft" in page
    assert client.get(f"/api/v1/roundtables/{roundtable.pk}/").json()["consultation"] == consultation.pk
