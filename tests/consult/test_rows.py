"""consult.rows: the written-out lookups answer exactly what the querysets they replace answer,
on SQLite and on PostgreSQL (values converted as the ORM converts them), with the related
objects cached so nothing further is queried."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from consult.api_auth import ParticipantTokenAuthentication
from consult.models import Comment, CommentStatus, Profile
from tests import factories
from voting import selectors

pytestmark = pytest.mark.django_db


def field_values(instance, names):
    return {name: getattr(instance, name) for name in names}


def test_a_token_comes_with_its_person_and_profile_as_the_queryset_gives_them():
    person = factories.participant("Shirin")
    Profile.objects.filter(user=person).update(restricted_until=timezone.now() + datetime.timedelta(days=2),
                                               restriction_messages={"fa": "تعلیق", "en": "Suspended"})
    key = Token.objects.create(user=person).key
    expected = Token.objects.select_related("user", "user__profile").get(key=key)
    with CaptureQueriesContext(connection) as queries:
        user, token = ParticipantTokenAuthentication().authenticate_credentials(key)
        profile = user.profile
        assert token.user is user and profile.user is user
    assert len(queries.captured_queries) == 1
    user_fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    profile_fields = [f.attname for f in Profile._meta.concrete_fields]
    assert field_values(token, ["key", "user_id", "created"]) == field_values(expected, ["key", "user_id", "created"])
    assert field_values(user, user_fields) == field_values(expected.user, user_fields)
    assert field_values(profile, profile_fields) == field_values(expected.user.profile, profile_fields)
    assert isinstance(profile.restricted_until, datetime.datetime) and profile.restricted_until.tzinfo is not None
    assert profile.restriction_messages == {"fa": "تعلیق", "en": "Suspended"} and user.is_active is True


def test_a_person_without_a_profile_has_none_and_asking_costs_no_query():
    person = factories.participant(profile=False)
    key = Token.objects.create(user=person).key
    user, _token = ParticipantTokenAuthentication().authenticate_credentials(key)
    with CaptureQueriesContext(connection) as queries:
        assert not hasattr(user, "profile")
    assert queries.captured_queries == []


def test_unknown_tokens_and_inactive_people_are_refused():
    person = factories.participant(is_active=False)
    key = Token.objects.create(user=person).key
    for bad in (key, "0" * 40, "' OR '1'='1"):
        with pytest.raises(exceptions.AuthenticationFailed):
            ParticipantTokenAuthentication().authenticate_credentials(bad)


@pytest.fixture
def comments(en):
    author = factories.participant()
    page = factories.consultation(en)
    draft = factories.consultation(en, live=False)
    return {status: factories.comment(page, author, status=status) for status in CommentStatus.values} | {
        "on a draft": factories.comment(draft, author)}


def test_a_votable_comment_equals_the_queryset_and_brings_its_page(comments):
    comment = comments[CommentStatus.PUBLISHED]
    expected = Comment.objects.select_related("page").get(pk=comment.pk)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.comment_votable(comment.pk)
        page = found.page
        assert (page.live, page.opens_at, page.closes_at) == (True, expected.page.opens_at, expected.page.closes_at)
    assert len(queries.captured_queries) == 1
    fields = ["id", "page_id", "author_id", "status", "support_count", "oppose_count"]
    assert field_values(found, fields) == field_values(expected, fields)
    assert page.specific is page and page.is_open and page.url_path == expected.page.url_path


def test_only_public_comments_on_live_pages_are_votable(comments):
    votable = {name for name, comment in comments.items() if selectors.comment_votable(comment.pk)}
    assert votable == {CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN}
    assert selectors.comment_votable(10**9) is None and selectors.comment_votable(-1) is None
