"""The permission matrix of every voting write: who × page state × published or draft.

Refused writes change nothing (no rows, no counters). Allowed: a participant (signed in, with a
profile, whatever their role) on a published page that is open, except on their own comment."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import F

from consult.models import Comment, Statement
from consult.services import statement_create
from tests import factories
from tests.voting.conftest import POLLS, make_comment, make_user, poll_ids
from voting import services
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db
ACTORS = ("anonymous", "no_profile", "citizen", "author", "moderator", "official", "editor")


def _actors():
    actors = {"anonymous": AnonymousUser(), "no_profile": make_user(profile=False), "citizen": make_user()}
    actors.update({role: make_user(role) for role in ("moderator", "official", "editor")})
    actors["author"] = make_user()  # a citizen acting on their own comment
    return actors


def _state(page):
    """Everything a write could change, for comparing before and after."""
    return (list(CommentVote.objects.order_by("pk").values_list("voter", "comment", "value")),
            list(StatementVote.objects.order_by("pk").values_list("voter", "statement", "value")),
            list(PollResponse.objects.order_by("pk").values_list("respondent", "poll_id", "scale", "choices")),
            list(Comment.objects.order_by("pk").values_list("support_count", "oppose_count")),
            list(Statement.objects.order_by("pk").values_list("text", "agree_count", "disagree_count",
                                                              "pass_count")))


def _prior_votes(actor, comment, statement):
    """A vote to withdraw (written directly, counters included)."""
    if actor.is_authenticated and comment.author_id != actor.pk:
        CommentVote.objects.create(comment=comment, voter=actor, value=1)
        Comment.objects.filter(pk=comment.pk).update(support_count=F("support_count") + 1)
    if actor.is_authenticated:
        StatementVote.objects.create(statement=statement, voter=actor, value=1)
        Statement.objects.filter(pk=statement.pk).update(agree_count=F("agree_count") + 1)


WRITES = {
    "comment_vote_cast": lambda a, t: services.comment_vote_cast(actor=a, comment=t["comment"], value=-1),
    "comment_vote_withdraw": lambda a, t: services.comment_vote_withdraw(actor=a, comment=t["comment"]),
    "statement_vote_cast": lambda a, t: services.statement_vote_cast(actor=a, statement=t["statement"], value=0),
    "statement_vote_withdraw": lambda a, t: services.statement_vote_withdraw(actor=a, statement=t["statement"]),
    "statement_create": lambda a, t: statement_create(actor=a, page=t["page"], text="A new claim."),
    "poll_respond": lambda a, t: services.poll_respond(actor=a, page=t["page"], poll_id=t["poll"], scale=4),
}


def expected_allowed(actor_name: str, write: str, status: str, live: bool) -> bool:
    if actor_name in {"anonymous", "no_profile"} or status != "open" or not live:
        return False
    return not (actor_name == "author" and write.startswith("comment_vote"))


@pytest.mark.parametrize("live", [True, False], ids=["published", "draft"])
@pytest.mark.parametrize("status", ["upcoming", "open", "closed"])
def test_permission_matrix(site_tree, status, live):
    actors = _actors()
    surprises = []
    for write, call in WRITES.items():
        for actor_name in ACTORS:
            page = factories.consultation(site_tree.indexes["en"], status=status, live=live, polls=POLLS)
            comment = make_comment(page, actors["author"])
            statement = Statement.objects.create(page_id=page.pk, text="Seeded by hand.")
            target = {"page": page, "comment": Comment.objects.get(pk=comment.pk),
                      "statement": Statement.objects.get(pk=statement.pk), "poll": poll_ids(page)["scale"]}
            actor = actors[actor_name]
            if write.endswith("withdraw"):
                _prior_votes(actor, comment, statement)
            before = _state(page)
            allowed = expected_allowed(actor_name, write, status, live)
            try:
                call(actor, target)
                outcome = True
            except PermissionDenied:
                outcome = False
            if outcome != allowed:
                surprises.append(f"{write} by {actor_name}: {'allowed' if outcome else 'refused'}")
            if not outcome and _state(page) != before:
                surprises.append(f"{write} by {actor_name}: refused but changed something")
            if outcome and _state(page) == before:
                surprises.append(f"{write} by {actor_name}: allowed but changed nothing")
    assert surprises == []
