"""Shared builders for voting tests: people in each role, pages in each state, comments."""

import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from consult.models import Comment, Profile
from tests import factories

_n = itertools.count(1)
ROLES = ("citizen", "other", "moderator", "official", "editor")


def make_user(role="citizen", *, profile=True):
    from django.contrib.auth import get_user_model

    n = next(_n)
    user = get_user_model().objects.create_user(username=f"{role}{n}", email=f"{role}{n}@example.org",
                                                password="pw-for-tests-only")
    group = "citizen" if role == "other" else role
    user.groups.add(Group.objects.get_or_create(name=group)[0])  # transactional tests flush the groups
    if profile:
        Profile.objects.create(user=user, display_name=f"{role} {n}", consent_version="t", consented_at=timezone.now())
    return user


def make_comment(page, author, *, status="published"):
    return Comment.objects.create(page=page, author=author, body="x", body_html="<p>x</p>", status=status)


def seeded(parent, *, status="open", live=True, seeds=("Buses should be free.", "Cycle lanes first."), **fields):
    return factories.consultation(parent, status=status, live=live,
                                  seed_statements=[{"type": "statement", "value": text} for text in seeds], **fields)


POLLS = [
    {"type": "poll", "value": {"question": "Which day?", "kind": "single", "options": ["Mon", "Tue", "Wed"],
                               "allow_other": True, "scale_low_label": "", "scale_high_label": "",
                               "results": "after_answer"}},
    {"type": "poll", "value": {"question": "Which modes?", "kind": "multiple", "options": ["Bus", "Bike", "Car"],
                               "allow_other": False, "scale_low_label": "", "scale_high_label": "",
                               "results": "after_close"}},
    {"type": "poll", "value": {"question": "How happy?", "kind": "scale", "options": [], "allow_other": False,
                               "scale_low_label": "Not at all", "scale_high_label": "Very",
                               "results": "after_answer"}},
]


def with_polls(parent, *, status="open", live=True, **fields):
    return factories.consultation(parent, status=status, live=live, polls=POLLS, **fields)


def poll_ids(page) -> dict[str, str]:
    """{"single": id, "multiple": id, "scale": id} of the POLLS blocks on a page."""
    return {child.value["kind"]: str(child.id) for child in page.specific.polls}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit windows live in the cache; user ids repeat across rolled-back tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db):
    return {role: make_user("citizen" if role == "other" else role) for role in ROLES}
