"""API authentication. Its own module: DRF imports authentication classes while it is still
loading its views, so this must not import anything that imports rest_framework.views."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ParticipantTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, loading the person's profile in the same query.

    Every write checks `is_participant` (a profile exists), so the plain class cost each API
    write a second query for the profile."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__profile").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
