"""The privacy parts (settings.RAYZAN_PRIVACY_PARTS): voting, moderation and reports each add
their share of a person's data to consult's download and erasure, because consult may not import
them. These tests check that the three parts are configured and complete, and that with any one
of them left out (its app not installed) the download and erasure still work for the rest: the
download leaves that app's sections out, its schema says the same, and erasure does the other
apps' steps. tests/consult/test_privacy.py covers what the download holds and what erasure
leaves behind with every part in place."""

import datetime
import io
import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from consult.accounts.privacy import PrivacyPart, privacy_parts, user_relations
from consult.models import Comment, Notification, Statement
from moderation.models import Appeal, Case, Flag, ModeratorAssignment, Redaction, Sanction
from reports.models import ExternalParticipant
from tests import factories
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "pw-correct-horse-9"  # tests.factories.participant's
VOTING, MODERATION, REPORTS = ("voting.privacy.VotingPrivacy", "moderation.privacy.ModerationPrivacy",
                               "reports.privacy.ReportsPrivacy")
# The download's sections in their order; each part's are where they always were.
CONSULT_HEAD = ["format", "version", "generated_at", "account", "profile", "comments", "statements"]
SECTIONS = {
    VOTING: ["comment_votes", "statement_votes", "poll_answers"],
    MODERATION: ["flags", "moderation_decisions", "appeals", "sanctions"],
    REPORTS: ["external_ids"],
}
ALL_SECTIONS = [*CONSULT_HEAD, *SECTIONS[VOTING], *SECTIONS[MODERATION], "notifications", *SECTIONS[REPORTS]]


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # erasure attempts are rate-limited per account id
    yield
    cache.clear()


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def someone_everywhere(en):
    """A person with rows in every app: a comment that a moderator redacted (and its appeal),
    votes, a poll answer, a report of another's comment, a warning, a notification, an imported id."""
    page = factories.consultation(en)
    user, other = factories.participant("Everywhere"), factories.participant("Other")
    mine, theirs = factories.comment(page, user, text="Mine"), factories.comment(page, other, text="Theirs")
    CommentVote.objects.create(comment=theirs, voter=user, value=1)
    StatementVote.objects.create(statement=Statement.objects.create(page=page, text="Seeded"), voter=user, value=0)
    PollResponse.objects.create(page=page, poll_id="poll-1", respondent=user, choices=[0])
    Flag.objects.create(item_type="comment", item_id=theirs.pk, page=page, flagger=user, reason="off_topic")
    case = Case.objects.create(item_type="comment", item_id=mine.pk, page=page, status="decided", outcome="redacted")
    Redaction.objects.create(case=case, original="Mine, with my phone number")
    Appeal.objects.create(case=case, appellant=user, note="Please look again")
    Sanction.objects.create(person=user, kind="warn", reason="personal_data", created_by=other)
    Notification.objects.create(recipient=user, kind="moderation.redacted", language="en", subject="S", body="B")
    ExternalParticipant.objects.create(user=user, source="polis:test", external_id="p-17")
    return user


def test_voting_moderation_and_reports_plug_in_their_parts(settings, en):
    """Every part loads, names only its own app's relations, and documents exactly the sections
    it exports; together with consult they give the download's full shape, in its order."""
    assert settings.RAYZAN_PRIVACY_PARTS == [VOTING, MODERATION, REPORTS]
    user = factories.participant("Shape")
    for path, part in zip(settings.RAYZAN_PRIVACY_PARTS, privacy_parts(), strict=True):
        assert isinstance(part, PrivacyPart)
        app = path.split(".")[0]
        assert part.relations and all(relation.startswith(f"{app}.") for relation in part.relations), path
        assert list(part.export(user)) == list(part.export_fields()) == SECTIONS[path]
    assert list(client_for(user).get("/api/v1/me/data/").json()) == ALL_SECTIONS
    assert set(user_relations()) > {"voting.CommentVote.voter", "moderation.Flag.flagger",
                                    "reports.ExternalParticipant.user", "consult.Comment.author"}


@pytest.mark.parametrize("left_out", [None, VOTING, MODERATION, REPORTS])
def test_download_and_erasure_work_without_any_one_part(en, left_out):
    user = someone_everywhere(en)
    with override_settings(RAYZAN_PRIVACY_PARTS=[path for path in SECTIONS if path != left_out]):
        client = client_for(user)
        data = client.get("/api/v1/me/data/").json()
        expected = [key for key in ALL_SECTIONS if key not in SECTIONS.get(left_out, [])]
        assert list(data) == expected
        schema = client.get("/api/v1/schema/?format=json").json()
        assert list(schema["components"]["schemas"]["MyData"]["properties"]) == expected
        assert [c["body"] for c in data["comments"]] == ["Mine"] and len(data["notifications"]) == 1
        for present in set(SECTIONS) - {left_out}:  # the person's rows in the other apps are all there
            assert all(data[section] for section in SECTIONS[present]), present

        assert client.post("/api/v1/me/erase/", json.dumps({"password": PASSWORD}),
                           content_type="application/json").status_code == 204

    erased = User.objects.get(pk=user.pk)
    assert erased.username.startswith("erased-") and not erased.is_active and erased.email == ""
    assert not Notification.objects.filter(recipient=erased).exists()  # consult's own step
    assert Comment.objects.filter(author=erased).count() == 1
    # the parts in the setting did their step; the one left out was not asked (its rows are as they were)
    assert Redaction.objects.exists() == (left_out == MODERATION)
    assert ExternalParticipant.objects.filter(user=erased).exists() == (left_out == REPORTS)
    # the record stays either way
    assert CommentVote.objects.filter(voter=erased).exists() and Flag.objects.filter(flagger=erased).exists()
    assert Appeal.objects.filter(appellant=erased).exists() and Sanction.objects.filter(person=erased).exists()


def test_the_moderation_part_refuses_page_moderators(en):
    person = factories.participant("Page Moderator")
    ModeratorAssignment.objects.create(page=factories.consultation(en), user=person)
    refused = client_for(person).post("/api/v1/me/erase/", json.dumps({"password": PASSWORD}),
                                      content_type="application/json")
    assert refused.status_code == 403 and "remove you from it first" in refused.json()["message"]
    assert User.objects.get(pk=person.pk).is_active


def _stale_signup(name):
    user = factories.participant(name)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - datetime.timedelta(days=400))
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def test_the_purge_keeps_people_who_took_part_through_a_part(en):
    """Voting and moderation say who took part there, so an unconfirmed sign-up who only voted
    or only reported something keeps their account (deleting it would delete the votes too)."""
    page = factories.consultation(en)
    theirs = factories.comment(page, factories.participant("Author"), text="Theirs")
    voter, flagger, idle = _stale_signup("Voter"), _stale_signup("Flagger"), _stale_signup("Idle")
    CommentVote.objects.create(comment=theirs, voter=voter, value=1)
    Flag.objects.create(item_type="comment", item_id=theirs.pk, page=page, flagger=flagger, reason="spam")

    call_command("purge_expired", stdout=io.StringIO())
    assert set(User.objects.filter(pk__in=[voter.pk, flagger.pk, idle.pk]).values_list("pk", flat=True)) == {
        voter.pk, flagger.pk}
    assert CommentVote.objects.filter(voter=voter).exists()
