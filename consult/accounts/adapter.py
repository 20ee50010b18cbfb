"""django-allauth hooks: meaningless usernames, mail in the reader's language, and the
first stop after sign-in (the welcome page for accounts without a profile)."""

import secrets
import string

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.http import urlencode

USERNAME_PREFIX = "p-"
_USERNAME_ALPHABET = string.ascii_lowercase + string.digits
# Links in mails that should open in the reader's language, not the requester's.
_URL_KEYS = ("activate_url", "password_reset_url", "signup_url")


def random_username() -> str:
    """A username that says nothing about the person (not even their e-mail): people are
    shown by their display name; the username only has to be unique."""
    User = get_user_model()
    while True:
        candidate = USERNAME_PREFIX + "".join(secrets.choice(_USERNAME_ALPHABET) for _ in range(10))
        if not User.objects.filter(username=candidate).exists():
            return candidate


def preferred_language_for(user=None, email: str = "") -> str | None:
    """The language a person chose in their profile, found by user or e-mail address."""
    if user is None and email:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address else get_user_model().objects.filter(email__iexact=email).first()
    profile = getattr(user, "profile", None) if user is not None and user.pk else None
    language = getattr(profile, "preferred_language", None)
    return language if language in dict(settings.LANGUAGES) else None


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return True

    def populate_username(self, request, user) -> None:
        if not user.username:
            user.username = random_username()

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render and send in the recipient's preferred language when their profile says;
        otherwise in the language of the page they used. Links follow the same language."""
        language = preferred_language_for(context.get("user"), email) or translation.get_language()
        context = dict(context)
        for key in _URL_KEYS:
            if context.get(key):
                context[key] = translate_url(context[key], language)
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def get_login_redirect_url(self, request) -> str:
        """Accounts without a profile (e.g. made by an admin) complete it first."""
        url = super().get_login_redirect_url(request)
        if not hasattr(request.user, "profile"):
            return f"{reverse('accounts:welcome')}?{urlencode({'next': url})}"
        return url

    def post_login(self, request, user, **kwargs):
        """After sign-in, remember the person's preferred language in the language cookie, so
        pages without a language in their address (and "/") follow it."""
        response = super().post_login(request, user, **kwargs)
        language = preferred_language_for(user)
        if language and hasattr(response, "set_cookie"):
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                                samesite=settings.LANGUAGE_COOKIE_SAMESITE)
        return response
