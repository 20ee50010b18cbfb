"""voting.services and consult.services.statements: the rules of every write."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consult.models import ModerationMode, Statement, StatementStatus
from consult.ratelimit import RateLimited
from consult.services import page_update_and_publish, statement_create, statements_sync_seeds
from tests import factories
from tests.voting.conftest import make_comment, make_user, poll_ids, seeded, with_polls
from voting import selectors, services
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db


def counts(comment):
    comment.refresh_from_db()
    return comment.support_count, comment.oppose_count


def test_comment_vote_cast_flip_replay_withdraw(en):
    page = factories.consultation(en)
    author, voter = make_user(), make_user()
    comment = make_comment(page, author)
    services.comment_vote_cast(actor=voter, comment=comment, value=1)
    assert counts(comment) == (1, 0)
    services.comment_vote_cast(actor=voter, comment=comment, value=1)  # the same again: nothing changes
    assert counts(comment) == (1, 0) and CommentVote.objects.count() == 1
    services.comment_vote_cast(actor=voter, comment=comment, value=-1)
    assert counts(comment) == (0, 1)
    assert CommentVote.objects.get().value == -1
    services.comment_vote_withdraw(actor=voter, comment=comment)
    assert counts(comment) == (0, 0) and not CommentVote.objects.exists()
    services.comment_vote_withdraw(actor=voter, comment=comment)  # nothing to withdraw: no change
    assert counts(comment) == (0, 0)


def test_comment_vote_on_own_comment_is_refused_with_a_reason(en):
    page = factories.consultation(en)
    author = make_user()
    comment = make_comment(page, author)
    with pytest.raises(PermissionDenied, match="your own comment"):
        services.comment_vote_cast(actor=author, comment=comment, value=1)
    assert counts(comment) == (0, 0) and not CommentVote.objects.exists()


@pytest.mark.parametrize("value", [0, 2, -2, True, "1", None, 1.0])
def test_comment_vote_value_outside_the_set(en, value):
    comment = make_comment(factories.consultation(en), make_user())
    with pytest.raises(ValidationError) as caught:
        services.comment_vote_cast(actor=make_user(), comment=comment, value=value)
    assert "value" in caught.value.message_dict
    assert not CommentVote.objects.exists()


def test_comment_vote_needs_a_published_comment(en):
    comment = make_comment(factories.consultation(en), make_user(), status="pending")
    with pytest.raises(PermissionDenied):
        services.comment_vote_cast(actor=make_user(), comment=comment, value=1)


def test_statement_votes_change_and_withdraw(en):
    page = seeded(en)
    statement = Statement.objects.filter(page_id=page.pk).first()
    voter = make_user()
    for value, expected in [(1, (1, 0, 0)), (0, (0, 0, 1)), (-1, (0, 1, 0)), (-1, (0, 1, 0))]:
        services.statement_vote_cast(actor=voter, statement=statement, value=value)
        assert (statement.agree_count, statement.disagree_count, statement.pass_count) == expected
    services.statement_vote_withdraw(actor=voter, statement=statement)
    statement.refresh_from_db()
    assert statement.vote_count == 0 and not StatementVote.objects.exists()


def test_tallies_equal_recounts_after_many_flips(en):
    page = seeded(en)
    comment = make_comment(page, make_user())
    statement = Statement.objects.filter(page_id=page.pk).first()
    voters = [make_user() for _ in range(6)]
    for step in range(60):
        voter = voters[step % len(voters)]
        if step % 7 == 0:
            services.comment_vote_withdraw(actor=voter, comment=comment)
            services.statement_vote_withdraw(actor=voter, statement=statement)
        else:
            services.comment_vote_cast(actor=voter, comment=comment, value=(1, -1)[step % 2])
            services.statement_vote_cast(actor=voter, statement=statement, value=(1, -1, 0)[step % 3])
    comment.refresh_from_db()
    statement.refresh_from_db()
    votes = CommentVote.objects.filter(comment=comment)
    assert comment.support_count == votes.filter(value=1).count()
    assert comment.oppose_count == votes.filter(value=-1).count()
    for value, field in [(1, "agree_count"), (-1, "disagree_count"), (0, "pass_count")]:
        assert getattr(statement, field) == StatementVote.objects.filter(statement=statement, value=value).count()


# --- statements --------------------------------------------------------------------------------

def test_seed_statements_follow_publishing(en):
    page = seeded(en)
    seeds = list(Statement.objects.filter(page_id=page.pk).order_by("pk"))
    assert [s.text for s in seeds] == ["Buses should be free.", "Cycle lanes first."]
    assert all(s.seed_id and s.status == StatementStatus.PUBLISHED and s.author is None for s in seeds)
    blocks = [{"type": "statement", "value": "Buses should be free at night.", "id": seeds[0].seed_id},
              {"type": "statement", "value": "Cycle lanes first.", "id": seeds[1].seed_id},
              {"type": "statement", "value": "Trams too.", "id": "new-seed"}]
    page_update_and_publish(page=page, fields={"seed_statements": blocks})
    texts = dict(Statement.objects.filter(page_id=page.pk).values_list("seed_id", "text"))
    assert texts == {seeds[0].seed_id: "Buses should be free at night.", seeds[1].seed_id: "Cycle lanes first.",
                     "new-seed": "Trams too."}
    statements_sync_seeds(page=page)  # idempotent
    assert Statement.objects.filter(page_id=page.pk).count() == 3


def test_roundtable_seeds_become_statements(en):
    page = factories.roundtable(en)
    assert list(Statement.objects.filter(page_id=page.pk).values_list("text", flat=True)) == ["Parks need more trees."]


def test_statement_create_cleans_and_checks(en):
    page = seeded(en)
    user = make_user()
    statement = statement_create(actor=user, page=page, text="  Night   buses\u202e matter  ")
    assert statement.text == "Night buses matter" and statement.status == StatementStatus.PUBLISHED
    for bad in ["", "   \u200b", "\u202e", "x" * 281]:
        with pytest.raises(ValidationError) as caught:
            statement_create(actor=user, page=page, text=bad)
        assert "text" in caught.value.message_dict
    assert statement_create(actor=user, page=page, text="y" * 280).text == "y" * 280


def test_statement_create_is_pending_on_pre_moderated_consultations(en):
    page = seeded(en, moderation_mode=ModerationMode.PRE)
    statement = statement_create(actor=make_user(), page=page, text="Check me first.")
    assert statement.status == StatementStatus.PENDING
    assert statement not in selectors.statements_to_vote_on(user=None, page=page)


def test_statement_create_refused_when_closed_or_not_participant(en):
    closed = seeded(en, status="closed")
    with pytest.raises(PermissionDenied):
        statement_create(actor=make_user(), page=closed, text="Late.")
    with pytest.raises(PermissionDenied):
        statement_create(actor=make_user(profile=False), page=seeded(en), text="No profile.")
    assert not Statement.objects.filter(seed_id="").exists()


def test_next_statement_prefers_least_voted_then_newest(en):
    page = seeded(en, seeds=("A", "B", "C"))
    a, b, c = Statement.objects.filter(page_id=page.pk).order_by("pk")
    me, someone = make_user(), make_user()
    services.statement_vote_cast(actor=someone, statement=c, value=1)
    assert selectors.next_statement(user=me, page=page) in {a, b}
    newer = statement_create(actor=someone, page=page, text="D")
    assert selectors.next_statement(user=me, page=page) == newer
    for statement in (newer, a, b):
        services.statement_vote_cast(actor=me, statement=statement, value=0)
    assert selectors.next_statement(user=me, page=page) == c
    services.statement_vote_cast(actor=me, statement=c, value=-1)
    assert selectors.next_statement(user=me, page=page) is None


# --- polls -------------------------------------------------------------------------------------

def test_poll_answers_and_results(en):
    page = with_polls(en)
    ids = poll_ids(page)
    people = [make_user() for _ in range(4)]
    services.poll_respond(actor=people[0], page=page, poll_id=ids["single"], choices=[0])
    services.poll_respond(actor=people[1], page=page, poll_id=ids["single"], choices=["2"])
    services.poll_respond(actor=people[2], page=page, poll_id=ids["single"], choices=["other"],
                          other_text="  Fri\u202eday ")
    services.poll_respond(actor=people[0], page=page, poll_id=ids["single"], choices=[2])  # changed
    results = selectors.poll_results(page, ids["single"])
    assert results["respondents"] == 3
    assert [o["count"] for o in results["options"]] == [0, 0, 2]
    assert results["other"] == {"count": 1, "percent": 33}
    assert PollResponse.objects.get(respondent=people[2]).other_text == "Friday"
    for person, value in zip(people, [1, 4, 5, 5], strict=True):
        services.poll_respond(actor=person, page=page, poll_id=ids["scale"], scale=value)
    scale = selectors.poll_results(page, ids["scale"])
    assert scale["mean"] == 3.75 and [row["count"] for row in scale["scale"]] == [1, 0, 0, 1, 2]
    services.poll_respond(actor=people[3], page=page, poll_id=ids["multiple"], choices=[0, 2])
    assert [o["count"] for o in selectors.poll_results(page, ids["multiple"])["options"]] == [1, 0, 1]


@pytest.mark.parametrize("kind,answer,field", [
    ("single", {"choices": []}, "choices"),
    ("single", {"choices": [0, 1]}, "choices"),
    ("single", {"choices": [3]}, "choices"),
    ("single", {"choices": [-1]}, "choices"),
    ("single", {"choices": ["x"]}, "choices"),
    ("single", {"choices": [True]}, "choices"),
    ("single", {"choices": ["other"]}, "other_text"),
    ("single", {"choices": ["other"], "other_text": "   "}, "other_text"),
    ("single", {"choices": ["other"], "other_text": "x" * 201}, "other_text"),
    ("single", {"choices": [0], "scale": 3}, "scale"),
    ("multiple", {"choices": [0, 0]}, "choices"),
    ("multiple", {"choices": ["other"], "other_text": "Walk"}, "choices"),
    ("multiple", {"choices": []}, "choices"),
    ("scale", {"scale": 0}, "scale"),
    ("scale", {"scale": 6}, "scale"),
    ("scale", {"scale": None}, "scale"),
    ("scale", {"scale": 3, "choices": [1]}, "choices"),
])
def test_poll_answers_that_do_not_match_the_block(en, kind, answer, field):
    page = with_polls(en)
    with pytest.raises(ValidationError) as caught:
        services.poll_respond(actor=make_user(), page=page, poll_id=poll_ids(page)[kind], **answer)
    assert field in caught.value.message_dict
    assert not PollResponse.objects.exists()


def test_poll_unknown_id_and_closed_page(en):
    page = with_polls(en)
    with pytest.raises(ValidationError):
        services.poll_respond(actor=make_user(), page=page, poll_id="nope", choices=[0])
    closed = with_polls(en, status="closed")
    with pytest.raises(PermissionDenied, match="closed"):
        services.poll_respond(actor=make_user(), page=closed, poll_id=poll_ids(closed)["single"], choices=[0])
    assert not PollResponse.objects.exists()


def test_rate_limits_apply_to_every_write(en, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "vote": "2/m", "statement": "1/m", "poll": "1/m"}
    page = with_polls(en, seed_statements=[{"type": "statement", "value": "S"}])
    comments = [make_comment(page, make_user()) for _ in range(3)]
    voter = make_user()
    services.comment_vote_cast(actor=voter, comment=comments[0], value=1)
    services.comment_vote_cast(actor=voter, comment=comments[1], value=1)
    with pytest.raises(RateLimited) as caught:
        services.comment_vote_cast(actor=voter, comment=comments[2], value=1)
    assert caught.value.retry_after >= 1
    assert CommentVote.objects.count() == 2
    statement_create(actor=voter, page=page, text="One")
    with pytest.raises(RateLimited):
        statement_create(actor=voter, page=page, text="Two")
    services.poll_respond(actor=voter, page=page, poll_id=poll_ids(page)["scale"], scale=2)
    with pytest.raises(RateLimited):
        services.poll_respond(actor=voter, page=page, poll_id=poll_ids(page)["scale"], scale=3)
    assert PollResponse.objects.get().scale == 2
