"""API authentication. Its own module: DRF imports authentication classes while it is still
loading its views, so this must not import anything that imports rest_framework.views."""

from functools import cache

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from consult.rows import JoinedLookup, Table, relate

_NOT_YET = object()


@cache
def _token_lookup() -> JoinedLookup:
    """A token with its person and their profile (if any): one written-out SELECT."""
    from rest_framework.authtoken.models import Token

    from consult.models import Profile

    user_model = get_user_model()
    token, user, profile = (m._meta.db_table for m in (Token, user_model, Profile))
    return JoinedLookup(
        [Table(Token), Table(user_model), Table(Profile)],
        lambda qn: (f"{qn(token)} INNER JOIN {qn(user)} ON {qn(user)}.{qn('id')} = {qn(token)}.{qn('user_id')} "
                    f"LEFT OUTER JOIN {qn(profile)} ON {qn(profile)}.{qn('user_id')} = {qn(user)}.{qn('id')}"),
        lambda qn: f"{qn(token)}.{qn('key')} = %s")


class ParticipantTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, loading the person's profile in the same query (written out:
    consult.rows), once per request.

    Every write checks `is_participant` (a profile exists), so the plain class cost each API
    write a second query for the profile. And a middleware (config.security, staff two-factor
    sign-in) must know the token's person before DRF authenticates in the view: the answer,
    or the refusal, is kept on the request, so the token is looked up once and both see the
    same person."""

    def authenticate(self, request):
        http_request = getattr(request, "_request", request)
        outcome = getattr(http_request, "_rayzan_token_outcome", _NOT_YET)
        if outcome is _NOT_YET:
            try:
                outcome = super().authenticate(request)
            except exceptions.AuthenticationFailed as failure:
                outcome = failure
            http_request._rayzan_token_outcome = outcome
        if isinstance(outcome, exceptions.AuthenticationFailed):
            raise outcome
        return outcome

    def authenticate_credentials(self, key):
        found = _token_lookup().fetch([key])  # Token.objects.select_related("user", "user__profile")
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user, profile = found
        relate(token, "user", user)
        relate(user, "profile", profile)
        if profile is not None:
            relate(profile, "user", user)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


def token_user(request):
    """The person a request's token header names, or None (no header, or a bad token)."""
    try:
        outcome = ParticipantTokenAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        return None
    return outcome[0] if outcome else None
