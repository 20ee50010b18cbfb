"""A small, complete world for the API-wide checks: one person per role, each with a token, and
one of everything the API can return (a consultation with sections, polls and statements, a
roundtable, comments and a reply, moderation cases in each state, an appeal, a sanction and the
notifications they sent), built through the same services as the product where that is cheap."""

import datetime
import itertools
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token

from consult.models import Comment, CommentStatus, RoundtableFacilitator, Statement
from tests import factories

ROLES = ("anonymous", "citizen", "moderator", "official", "editor", "admin")
PASSWORD = "pw-correct-horse-9"  # tests.factories.participant's
POLLS = [
    {"type": "poll", "value": {"question": "Which day?", "kind": "single", "options": ["Mon", "Tue"],
                               "allow_other": True, "scale_low_label": "", "scale_high_label": "",
                               "results": "after_answer"}},
    {"type": "poll", "value": {"question": "How happy?", "kind": "scale", "options": [], "allow_other": False,
                               "scale_low_label": "Not at all", "scale_high_label": "Very",
                               "results": "after_answer"}},
]
_names = itertools.count(1)


@dataclass
class World:
    """What the API checks call: people by role, pages and one of each kind of object."""

    consultation: object
    roundtable: object
    people: dict  # role -> user; also "author" (a citizen whose contributions others judge)
    tokens: dict = field(default_factory=dict)  # role -> token key

    @property
    def poll_ids(self) -> list[str]:
        return [str(child.id) for child in self.consultation.specific.polls]

    @property
    def section_id(self) -> str:
        return self.consultation.section_list[0]["id"]

    def headers(self, role: str) -> dict:
        key = self.tokens.get(role)
        return {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}

    # --- fresh objects, so a write by one role never changes what the next role meets --------

    def comment(self, author=None, *, status=CommentStatus.PUBLISHED, text="Buses should run all night.") -> Comment:
        return factories.comment(self.consultation, author or self.people["author"], text=text, status=status)

    def statement(self, author=None) -> Statement:
        return Statement.objects.create(page=self.consultation, author=author or self.people["author"],
                                        text=f"Statement {next(_names)}")

    def pending_case(self, author=None):
        from moderation.models import Case

        comment = self.comment(author, status=CommentStatus.PENDING, text=f"Held for a look {next(_names)}")
        return Case.objects.create(item_type="comment", item_id=comment.pk, page=self.consultation,
                                   reasons=["abuse"], language="en")

    def rejected_case(self, author=None):
        """A comment rejected by a moderator (not `moderator`, who may then judge its appeal)."""
        from moderation import services

        case = self.pending_case(author)
        return services.case_decide(actor=self.people["second_moderator"], case=case,
                                    outcome="rejected", reason="abuse", note="Please keep it civil.")

    def appeal(self):
        from moderation import services_appeals

        return services_appeals.case_appeal(actor=self.people["author"], case=self.rejected_case(),
                                            note="It quoted the draft.")

    def person(self):
        return factories.participant(f"Someone {next(_names)}", roles=["citizen"])

    def sanction(self):
        from moderation import services_sanctions

        return services_sanctions.person_sanction(actor=self.people["second_moderator"], person=self.person(),
                                                  kind="warn", reason="spam", note="Stop posting adverts.")


def _person(role: str):
    user = factories.participant(f"{role.title()} {next(_names)}", roles=[role] if role != "author" else ["citizen"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit windows and read caches live in the cache; ids repeat across rolled-back tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(site_tree) -> World:
    en = site_tree.indexes["en"]
    consultation = factories.consultation(en, polls=POLLS, seed_statements=[
        {"type": "statement", "value": "Buses should be free."}, {"type": "statement", "value": "Cycle lanes first."}])
    roundtable = factories.roundtable(en, state="live")
    people = {role: _person(role) for role in ROLES[1:]}
    people["author"] = _person("author")
    people["second_moderator"] = _person("moderator")
    for role in ("moderator", "official"):
        RoundtableFacilitator.objects.create(page=roundtable, name=role.title(), user=people[role])
    world = World(consultation=consultation, roundtable=roundtable, people=people,
                  tokens={role: Token.objects.create(user=user).key for role, user in people.items()})

    published = world.comment()
    factories.comment(consultation, people["citizen"], text="Agreed, and on Fridays too.", parent=published)
    world.statement()
    world.appeal()
    world.pending_case()
    world.sanction()
    world.people["citizen"].notifications.create(
        kind="moderation.rejected", language="en", subject="Your comment", body="It was hidden.",
        url="/en/moderation/", created_at=timezone.now() - datetime.timedelta(minutes=1))
    return world
