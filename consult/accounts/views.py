"""The profile and welcome pages (post/redirect/get, no JavaScript needed), and
`profile_required` for any view that needs a participant profile."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consult.accounts.forms import ProfileFieldsForm, WelcomeForm
from consult.ratelimit import RateLimited
from consult.selectors_notifications import inbox, unread_count
from consult.services.notifications import notifications_mark_read
from consult.services.profiles import profile_create, profile_update
from consult.web import add_service_errors, rate_limited, safe_next


def welcome_url(next_url: str = "") -> str:
    url = reverse("accounts:welcome")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _return_to(request) -> str:
    """Where to come back to after the welcome page: this page for a GET; for a form post,
    the page the form was on (the post itself cannot be repeated by a redirect)."""
    if request.method in {"GET", "HEAD"}:
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return referer
    return ""


def profile_required(view):
    """Sign-in first (to the sign-in page), then a profile (to the welcome page), each with a
    `next` that brings the person back."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(_return_to(request) or request.get_full_path())
        if not hasattr(request.user, "profile"):
            return redirect(welcome_url(_return_to(request)))
        return view(request, *args, **kwargs)
    return wrapped


def _set_language_cookie(response, language: str):
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    user = request.user
    if not hasattr(user, "profile"):
        return redirect(welcome_url(reverse("accounts:profile")))
    form = ProfileFieldsForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = profile_update(actor=user, display_name=data["display_name"], region=data["region"],
                                   preferred_language=data["preferred_language"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except RateLimited as exc:
            return rate_limited(request, exc, back_url=request.path)
        else:
            # The page (and the message) follow a newly chosen language at once.
            with translation.override(saved.preferred_language):
                messages.success(request, _("Your profile has been saved."))
                target = translate_url(request.build_absolute_uri(reverse("accounts:profile")),
                                       saved.preferred_language)
            return _set_language_cookie(redirect(target), saved.preferred_language)
    return render(request, "consult/accounts/profile.html",
                  {"form": form, "profile": user.profile, "has_errors": bool(form.errors)},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def welcome(request):
    """Complete a profile: for signed-in people who have none yet."""
    user = request.user
    fallback = reverse("accounts:profile")
    if hasattr(user, "profile"):
        return redirect(safe_next(request, fallback))
    form = WelcomeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = profile_create(actor=user, display_name=data["display_name"], region=data["region"],
                                     preferred_language=data["preferred_language"], consent=data["consent"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except RateLimited as exc:
            return rate_limited(request, exc, back_url=request.get_full_path())
        else:
            messages.success(request, _("Welcome, %(name)s. You can now take part.") % {"name": created.display_name})
            return _set_language_cookie(redirect(safe_next(request, fallback)), created.preferred_language)
    return render(request, "consult/accounts/welcome.html",
                  {"form": form, "next": safe_next(request, ""), "has_errors": bool(form.errors)},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request):
    """What happened to one's contributions (moderation decisions, appeals, sanctions). Opening
    the page does not mark them read; the button does (a POST, so it works without JavaScript)."""
    if request.method == "POST":
        notifications_mark_read(actor=request.user)
        return redirect("accounts:notifications")
    page = inbox(request.user, request.GET.get("p") or 1)
    return render(request, "consult/accounts/notifications.html",
                  {"notifications": page, "unread": unread_count(request.user)})
