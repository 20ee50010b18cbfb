"""Site-wide security plumbing: the Content-Security-Policy with its few path-scoped relaxations,
and two-factor sign-in required for staff roles.

The policy itself is `CONTENT_SECURITY_POLICY` in config/settings.py: no inline script or style
on any public page. Only the paths below get more, and each says why.
"""

from urllib.parse import urlencode

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from consult.roles import has_role, roles_key
from moderation.rules import assigned_page_ids, assignments_key

# Path prefix -> directives that replace the site's policy for that path.
CSP_RELAXATIONS = {
    # Wagtail's admin still writes inline <script> (inline panels, date pickers) and style
    # attributes, and shows the page preview in an iframe of its own origin. Only signed-in
    # editors and admins reach it.
    "/admin/": {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
    # The Swagger UI (drf-spectacular's split view, whose scripts are files) has one inline
    # <style> block and draws its icons as data: images. No inline script.
    "/api/v1/docs/": {
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
    },
}
# allauth shows the authenticator app's QR code as a data: SVG image (/<lang>/accounts/2fa/...).
MFA_PAGES_RELAXATIONS = {"img-src": ["'self'", "data:"]}


def account_prefixes(suffix: str = "") -> tuple[str, ...]:
    """allauth's pages in every language: /fa/accounts/<suffix>, /en/accounts/<suffix>."""
    return tuple(f"/{code}/accounts/{suffix}" for code, _name in settings.LANGUAGES)


def csp_relaxations(path: str) -> dict:
    for prefix, directives in CSP_RELAXATIONS.items():
        if path.startswith(prefix):
            return directives
    if path.startswith(account_prefixes("2fa/")):
        return MFA_PAGES_RELAXATIONS
    return {}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the path-scoped relaxations above and the live socket's
    own origin in connect-src (older browsers do not let 'self' cover ws:// and wss://)."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        if report_only:
            return parts
        relaxed = csp_relaxations(request.path_info)
        if relaxed:
            parts.replace = {**relaxed, **(parts.replace or {})}
        socket_origin = _socket_origin(request)
        if socket_origin:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", []), socket_origin]
            parts.update = update
        return parts


def _socket_origin(request) -> str:
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 answer to a bad Host header still gets the plain policy
        return ""
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


# --- Two-factor sign-in for staff roles --------------------------------------------------------

STAFF_ROLES = ("moderator", "official", "editor", "admin")
# Where a staff member without two-factor sign-in may still go: allauth's pages (set it up,
# re-enter the password, sign out) and files.
OPEN_PREFIXES = ("/static/", "/media/", "/favicon.ico")


def is_staff_member(user) -> bool:
    """Anyone who can moderate, answer officially, edit or administer: all need two factors."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    _read_cached_staff_facts(user)
    return has_role(user, *STAFF_ROLES) or bool(assigned_page_ids(user))


def _read_cached_staff_facts(user) -> None:
    """Fetch the person's cached roles and moderator assignments in one cache round trip (every
    API request asks for both); consult.roles and moderation.rules read them from the user
    object then, and only what was not cached is looked up by them as usual."""
    if hasattr(user, "_rayzan_roles") or hasattr(user, "_rayzan_moderated_pages"):
        return
    keys = {roles_key(user.pk): "_rayzan_roles", assignments_key(user.pk): "_rayzan_moderated_pages"}
    for key, value in cache.get_many(list(keys)).items():
        setattr(user, keys[key], frozenset(value))


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    cached = getattr(user, "_rayzan_has_totp", None)
    if cached is None:
        cached = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        user._rayzan_has_totp = cached
    return cached


def needs_two_factor_setup(user) -> bool:
    return bool(settings.RAYZAN_REQUIRE_MFA_FOR_STAFF) and is_staff_member(user) and not has_two_factor(user)


class StaffTwoFactorMiddleware:
    """With RAYZAN_REQUIRE_MFA_FOR_STAFF on (production's default), a moderator, official,
    editor or admin without an authenticator app is sent to set one up before anything else;
    the API answers 403 `mfa_required`, for session and token clients alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.RAYZAN_REQUIRE_MFA_FOR_STAFF and not self._is_open(request.path_info):
            if request.path_info.startswith("/api/"):
                if needs_two_factor_setup(_api_user(request)):
                    return JsonResponse({"code": "mfa_required", "fields": {},
                                         "message": _("Your role needs two-factor sign-in: set up an "
                                                      "authenticator app on the website first.")}, status=403)
            elif needs_two_factor_setup(request.user):
                messages.warning(request, _("Your role needs two-factor sign-in. Set up an authenticator app "
                                            "to continue."))
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        return path.startswith(OPEN_PREFIXES) or path.startswith(account_prefixes())


class StaffTwoFactorSocketMiddleware(BaseMiddleware):
    """The same rule for WebSockets (inside channels' AuthMiddlewareStack, so the user is known):
    a staff account without an authenticator app is treated as anonymous, so it may listen to
    public streams like anyone but neither write nor hear moderators' or its own streams."""

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if (settings.RAYZAN_REQUIRE_MFA_FOR_STAFF and user is not None and user.is_authenticated
                and await database_sync_to_async(needs_two_factor_setup)(user)):
            scope = dict(scope, user=AnonymousUser())
        return await super().__call__(scope, receive, send)


def _api_user(request):
    """The session's user or, for scripts, the token's (DRF authenticates only later, in the
    view, and then reuses this lookup)."""
    if request.user.is_authenticated:
        return request.user
    from consult.api_auth import token_user

    return token_user(request)


def admin_login(request):
    """The Wagtail admin's own sign-in form knows neither the sign-in limits nor the second
    factor, so /admin/login/ hands over to allauth's sign-in, keeping where to go next."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("wagtailadmin_home")
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
