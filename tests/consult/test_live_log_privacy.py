"""The event log never shows more than the page does now.

Anyone may read a page's log (`GET /api/v1/pages/<id>/events/`, and every socket resume replays
it), so text that was public once and then masked, withdrawn, rejected or held must be gone from
every earlier event too; listeners are told with a `*.removed` or `*.updated` event.
"""

import json

import pytest

from consult.models import RoundtableFacilitator
from moderation.models import Case
from tests import factories
from tests.web import client_for, post_json

pytestmark = pytest.mark.django_db

NAME = "Maryam Rostami of Elm Street"  # personal data screening does not catch: a moderator masks it
SECRET = "the-secret-passage"


@pytest.fixture
def people():
    return {role: factories.participant(role.title(), roles=[role]) for role in ("citizen", "moderator")} | {
        "author": factories.participant("Author", roles=["citizen"]),
        "facilitator": factories.participant("Facilitator", roles=["official"])}


def log_text(page) -> str:
    """The whole log as an anonymous reader gets it."""
    response = client_for(None).get(f"/api/v1/pages/{page.pk}/events/?after=0&limit=500")
    assert response.status_code == 200
    return json.dumps(response.json(), ensure_ascii=False)


def log_types(page) -> list[str]:
    return [event["type"] for event in client_for(None).get(f"/api/v1/pages/{page.pk}/events/?after=0").json()[
        "events"]]


def post_comment(author, page, text):
    response = post_json(client_for(author), f"/api/v1/consultations/{page.pk}/comments/",
                         {"text": text, "stance": "support"})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def flag_and_decide(people, kind, item_id, decision):
    flagged = post_json(client_for(people["citizen"]), f"/api/v1/{kind}s/{item_id}/flag/", {"reason": "abuse"})
    assert flagged.status_code == 201, flagged.content
    case = Case.objects.get(item_type=kind, item_id=item_id)
    response = post_json(client_for(people["moderator"]), f"/api/v1/moderation/cases/{case.pk}/decision/",
                         {"reason": "personal_data", **decision})
    assert response.status_code == 200, response.content


def test_a_masked_passage_is_gone_from_every_earlier_event(en, people):
    page = factories.consultation(en)
    comment_id = post_comment(people["author"], page, f"Ask my neighbour {NAME} about the bus lanes")
    assert NAME in log_text(page)
    flag_and_decide(people, "comment", comment_id, {"outcome": "redacted", "spans": [NAME]})
    text = log_text(page)
    assert NAME not in text
    assert "about the bus lanes" in text  # the rest stays public
    assert log_types(page) == ["comment.created", "comment.updated"]


def test_a_withdrawn_comment_leaves_no_text_in_the_log(en, people):
    page = factories.consultation(en)
    comment_id = post_comment(people["author"], page, f"Second thoughts: {SECRET}")
    withdrawn = client_for(people["author"]).delete(f"/api/v1/comments/{comment_id}/")
    assert withdrawn.status_code in {200, 204}, withdrawn.content
    assert SECRET not in log_text(page)
    assert log_types(page) == ["comment.created", "comment.removed"]


def test_a_rejected_comment_and_its_edit_leave_no_text_in_the_log(en, people):
    page = factories.consultation(en)
    comment_id = post_comment(people["author"], page, f"First version {SECRET}")
    edited = client_for(people["author"]).patch(f"/api/v1/comments/{comment_id}/",
                                                 json.dumps({"text": f"Edited version {SECRET}"}),
                                                 content_type="application/json")
    assert edited.status_code == 200, edited.content
    flag_and_decide(people, "comment", comment_id, {"outcome": "rejected"})
    text = log_text(page)
    assert SECRET not in text and "First version" not in text and "Edited version" not in text
    assert log_types(page) == ["comment.created", "comment.updated", "comment.removed"]


def test_a_rejected_statement_is_gone_from_the_log_and_from_the_spotlight(en, people):
    page = factories.roundtable(en, state="live")
    RoundtableFacilitator.objects.create(page=page, name="Facilitator", user=people["facilitator"])
    posted = post_json(client_for(people["author"]), f"/api/v1/pages/{page.pk}/statements/",
                       {"text": f"We should {SECRET}"})
    assert posted.status_code == 201, posted.content
    statement_id = posted.json()["id"]
    spotlit = post_json(client_for(people["facilitator"]), f"/api/v1/roundtables/{page.pk}/control/",
                        {"action": "spotlight", "target": f"statement:{statement_id}"})
    assert spotlit.status_code == 200, spotlit.content
    assert log_text(page).count(SECRET) == 2  # statement.created and the spotlight
    flag_and_decide(people, "statement", statement_id, {"outcome": "rejected"})
    assert SECRET not in log_text(page)
    assert log_types(page)[-2:] == ["statement.removed", "roundtable.state"]  # and off the big screen
    last = client_for(None).get(f"/api/v1/pages/{page.pk}/events/?after=0").json()["events"][-1]
    assert last["data"]["spotlight"] is None


def test_a_masked_statement_is_updated_in_the_log(en, people):
    page = factories.roundtable(en, state="live")
    posted = post_json(client_for(people["author"]), f"/api/v1/pages/{page.pk}/statements/",
                       {"text": f"Ask {NAME} to join the cycle group"})
    statement_id = posted.json()["id"]
    flag_and_decide(people, "statement", statement_id, {"outcome": "redacted", "spans": [NAME]})
    text = log_text(page)
    assert NAME not in text and "to join the cycle group" in text
    assert log_types(page) == ["statement.created", "statement.updated"]
