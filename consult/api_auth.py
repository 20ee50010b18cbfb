"""API authentication. Its own module: DRF imports authentication classes while it is still
loading its views, so this must not import anything that imports rest_framework.views."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

_NOT_YET = object()


class ParticipantTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, loading the person's profile in the same query, once per
    request.

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
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__profile").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
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
