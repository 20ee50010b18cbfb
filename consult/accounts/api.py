"""Accounts in the API under /api/v1/: a token for scripts, and the signed-in person's profile.

POST auth/token/ trades a username or e-mail address and a password for a DRF token. Unknown
accounts, wrong passwords and inactive accounts get one and the same answer (no enumeration);
an account whose e-mail address is not yet confirmed is told so, but only after its password
matched (as allauth's sign-in does). It is limited per IP address (settings.RAYZAN_TOKEN_RATE).

GET/PATCH me/ read and change one's profile through consult.services.profiles, so the
display-name rules are those of the sign-up form. A signed-in account without a profile (made
by an admin, say) gets 409 `profile_required` from GET and PATCH, and creates its profile with
PUT me/ (display_name, region, preferred_language and consent: true), as the welcome page does.
"""

from contextlib import contextmanager

from allauth.account.utils import has_verified_email
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from cms.models import Region
from consult.api_support import ErrorSerializer
from consult.models.contributions import DISPLAY_NAME_MAX
from consult.roles import ROLES, role_names
from consult.rules import is_restricted, restriction_message
from consult.services.profiles import UNSET, profile_create, profile_update

# --- errors ----------------------------------------------------------------------------------


class InvalidCredentials(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = _("The e-mail address (or username) and password do not match an account. "
                       "Check them and try again.")


class EmailNotVerified(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "email_not_verified"
    default_detail = _("Confirm your e-mail address first: follow the link in the e-mail we sent you, "
                       "then try again.")


class TwoFactorRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "two_factor_required"
    default_detail = _("This account uses two-factor authentication: send the 6-digit code from your "
                       "authenticator app as `code` with your password.")


class TwoFactorNotSetUp(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "mfa_required"
    default_detail = _("Moderators, officials, editors and administrators must set up two-factor "
                       "authentication before they get an API token. Sign in on the website to set it up.")


class AccountLocked(exceptions.Throttled):
    """Too many failed sign-ins for one login, from anywhere (allauth's `login_failed` limit,
    shared with the sign-in form). Said alike for an unknown and a known account."""

    default_code = "too_many_attempts"


LOCKOUT_SECONDS = 300  # allauth's "5/5m/key": the window the failures are counted in


@contextmanager
def _lockout_answered_as_429():
    """allauth refuses a locked-out login with a ValidationError: the API answers 429."""
    try:
        yield
    except DjangoValidationError as exc:
        raise AccountLocked(wait=LOCKOUT_SECONDS, detail=gettext(
            "Too many failed sign-in attempts for this account. Wait five minutes, then try again, "
            "or reset your password on the website.")) from exc


def _authenticate(request, username: str, password: str):
    """Through allauth's adapter, as the sign-in form does, so failures count against the login
    whatever the client's address: the per-address throttle alone would let a network of
    addresses guess one account's password."""
    from allauth.account.adapter import get_adapter

    with _lockout_answered_as_429():
        return get_adapter(request).authenticate(request, username=username, password=password)


def _count_failed_code(request, username: str) -> None:
    """A wrong two-factor code counts as a failed sign-in for the login too (the password was
    right, so allauth took its attempt back): codes cannot be guessed past the same limit."""
    from allauth.account.adapter import get_adapter

    with _lockout_answered_as_429():
        get_adapter(request).pre_authenticate(request, username=username)


class ProfileRequired(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "profile_required"
    default_detail = _("Complete your profile first: send PUT /api/v1/me/ with a display name and "
                       "consent set to true.")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# --- throttle --------------------------------------------------------------------------------


class TokenRateThrottle(SimpleRateThrottle):
    """Per client IP address, signed in or not; the rate is read on each request so that
    settings.RAYZAN_TOKEN_RATE ("10/min") can change without a restart in tests."""

    scope = "auth_token"

    def get_rate(self):
        return getattr(settings, "RAYZAN_TOKEN_RATE", "10/min")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# --- serializers -----------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Your e-mail address (or username).")
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    code = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                 help_text="The code from your authenticator app, when two-factor authentication "
                                           "is on for the account (required then).")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as the header "Authorization: Token <token>".')


class RegionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language when the region is translated.")


class RestrictionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["suspend", "ban"])
    until = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField(help_text="Why, in the request's language.")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Your account's id.")
    display_name = serializers.CharField()
    region = RegionRefSerializer(allow_null=True)
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLES))
    consent_version = serializers.CharField(help_text="Version of the terms and privacy notice you agreed to.")
    consented_at = serializers.DateTimeField()
    email = serializers.EmailField()
    restriction = RestrictionSerializer(allow_null=True, help_text="Set while a moderator's suspension or ban "
                                                                   "stops you from writing.")


_REGION_MESSAGES = {"does_not_exist": _("Choose a region from the list, or leave it empty."),
                    "incorrect_type": _("Choose a region from the list, or leave it empty.")}


class MeUpdateSerializer(serializers.Serializer):
    """Fields left out stay as they are. The display-name rules are checked by the service."""

    display_name = serializers.CharField(required=False, max_length=DISPLAY_NAME_MAX * 2, trim_whitespace=False)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True,
                                                error_messages=_REGION_MESSAGES)
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


class MeCreateSerializer(MeUpdateSerializer):
    consent = serializers.BooleanField(
        required=False, default=False,
        help_text="true: you agree to the terms of use and the privacy notice (the current version is recorded).")


def me_data(user) -> dict:
    profile = user.profile
    region = profile.region.localized if profile.region else None
    return MeSerializer({
        "id": user.pk,
        "display_name": profile.display_name,
        "region": {"id": region.pk, "name": region.name} if region else None,
        "preferred_language": profile.preferred_language,
        "roles": sorted(role_names(user)),
        "consent_version": profile.consent_version,
        "consented_at": profile.consented_at,
        "email": user.email,
        "restriction": {"kind": profile.restriction, "until": profile.restricted_until,
                        "message": restriction_message(user)} if is_restricted(user) else None,
    }).data


# --- views -----------------------------------------------------------------------------------


class TokenView(APIView):
    authentication_classes = []  # credentials are in the body; no session, so no CSRF
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes = [TokenRateThrottle]

    def throttled(self, request, wait):
        raise exceptions.Throttled(wait=wait, detail=gettext(
            "Too many sign-in attempts from your network. Wait a little, then try again."))

    @extend_schema(
        operation_id="auth_token_create", tags=["accounts"], request=TokenRequestSerializer,
        responses={200: TokenSerializer,
                   400: _error("`invalid_credentials` (the same for an unknown account and a wrong password), "
                               "`email_not_verified`, `two_factor_required` (send `code`), or `invalid` with "
                               "per-field messages."),
                   403: _error("`mfa_required`: staff must set up two-factor authentication first."),
                   429: _error("`throttled`: too many attempts from this address; `too_many_attempts`: too "
                               "many failed attempts for this account (5 in 5 minutes, from anywhere). "
                               "See the Retry-After header.")},
        summary="Get an API token", auth=[],
        description="Trade a username or e-mail address and a password for a token. The same token is "
                    "returned until it is deleted.")
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"].strip()
        user = _authenticate(request._request, username, serializer.validated_data["password"])
        if user is None:
            raise InvalidCredentials()
        if not has_verified_email(user):
            raise EmailNotVerified()
        try:
            _check_second_factor(user, serializer.validated_data.get("code", ""))
        except InvalidCredentials:
            _count_failed_code(request._request, username)
            raise
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)


STAFF_ROLES = ("moderator", "official", "editor", "admin")


def _check_second_factor(user, code: str) -> None:
    """A token must not be a way round two-factor sign-in: with an authenticator, the code is
    required; staff without one get no token where the site requires it of them."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is not None:
        if not code:
            raise TwoFactorRequired()
        if not TOTP(authenticator).validate_code(code.strip()):
            raise InvalidCredentials()
        return
    staff = user.is_staff or user.is_superuser or bool(role_names(user) & set(STAFF_ROLES))
    if staff and getattr(settings, "RAYZAN_REQUIRE_MFA_FOR_STAFF", False):
        raise TwoFactorNotSetUp()


ME_ERRORS = {
    400: _error("A value is not valid; per-field messages are in `fields`."),
    403: _error("Not signed in (send a session cookie or an Authorization: Token header)."),
    409: _error("`profile_required`: this account has no profile yet; create it with PUT."),
    429: _error("Too many profile changes in a short time; see the Retry-After header."),
}


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    def _require_profile(self, user):
        if not hasattr(user, "profile"):
            raise ProfileRequired()

    @extend_schema(operation_id="me_retrieve", tags=["accounts"], responses={200: MeSerializer, **ME_ERRORS},
                   summary="Your profile")
    def get(self, request):
        self._require_profile(request.user)
        return Response(me_data(request.user))

    @extend_schema(operation_id="me_partial_update", tags=["accounts"], request=MeUpdateSerializer,
                   responses={200: MeSerializer, **ME_ERRORS}, summary="Change your profile",
                   description="Change your display name, region or preferred language; leave out what stays.")
    def patch(self, request):
        self._require_profile(request.user)
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        profile_update(actor=request.user, display_name=data.get("display_name", UNSET),
                       region=data.get("region", UNSET), preferred_language=data.get("preferred_language", UNSET))
        return Response(me_data(request.user))

    @extend_schema(operation_id="me_update", tags=["accounts"], request=MeCreateSerializer,
                   responses={200: MeSerializer, 201: MeSerializer, **ME_ERRORS},
                   summary="Create (or replace) your profile",
                   description="Without a profile: creates it (201); display_name and consent: true are required. "
                               "With one: changes the fields given, like PATCH (200).")
    def put(self, request):
        serializer = MeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if hasattr(request.user, "profile"):
            return self.patch(request)
        profile_create(actor=request.user, display_name=data.get("display_name", ""), region=data.get("region"),
                       preferred_language=data.get("preferred_language"), consent=data["consent"])
        return Response(me_data(request.user), status=status.HTTP_201_CREATED)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-auth-token"),
    path("me/", MeView.as_view(), name="api-me"),
]
