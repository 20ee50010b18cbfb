"""Accounts: sign-up with a pseudonym and consent, e-mail verification, sign-in and out,
password reset, display-name rules, the profile pages, the token endpoint and /api/v1/me/."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import RequestFactory
from wagtail.models import Locale

from cms.models import Region
from consult.accounts.adapter import random_username
from consult.accounts.validation import clean_display_name, is_reserved
from consult.accounts.views import profile_required
from consult.models import Profile
from consult.services.profiles import profile_create

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a long passphrase 4 tests"


@pytest.fixture(autouse=True)
def fresh_limits():
    """allauth's per-IP limits and the token throttle count in the cache."""
    cache.clear()
    yield
    cache.clear()


def participant(email="maryam@example.org", name="Maryam", language="fa", verified=True):
    user = User.objects.create_user(username=random_username(), email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    if name:
        profile_create(actor=user, display_name=name, preferred_language=language, consent=True)
    return user


def signup(client, language="fa", **fields):
    data = {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD,
            "display_name": "سارا", "preferred_language": language, "consent": "on", **fields}
    return client.post(f"/{language}/accounts/signup/", {k: v for k, v in data.items() if v is not None})


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


# --- sign-up, verification, sign-in, sign-out ---------------------------------------------------

def test_signup_verify_sign_in_and_out(client, settings):
    response = signup(client, display_name="مریم‌ سادات")
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert re.fullmatch(r"p-[a-z0-9]{10}", user.username)
    profile = user.profile
    assert profile.display_name == "مریم‌ سادات"
    assert profile.consent_version == settings.RAYZAN_CONSENT_VERSION and profile.consented_at is not None
    assert profile.preferred_language == "fa"
    assert list(user.groups.values_list("name", flat=True)) == ["citizen"]
    assert "_auth_user_id" not in client.session

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "لطفا آدرس ایمیل خود را تایید کنید" in message.subject
    assert "سلام از طرف" in message.body
    assert "مریم‌ سادات" in message.body and user.username not in message.body
    link = link_in(message)
    assert "/fa/accounts/confirm-email/" in link

    # Before the address is confirmed, signing in does not sign in.
    other = client.__class__()
    other.post("/fa/accounts/login/", {"login": "new@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in other.session

    page = client.get(link)
    assert page.status_code == 200 and "<form" in page.content.decode()
    assert "_auth_user_id" not in client.session  # GET only shows the confirmation form
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)

    html = client.get("/fa/account/profile/").content.decode()
    assert "<bdi>مریم‌ سادات</bdi>" in html
    assert 'action="/fa/accounts/logout/"' in html

    assert client.post("/fa/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_mail_follows_the_preferred_language_not_the_page(client):
    signup(client, language="fa", display_name="Sara", preferred_language="en")
    message = mail.outbox[0]
    assert "Please Confirm Your Email Address" in message.subject
    assert "/en/accounts/confirm-email/" in link_in(message)


def test_verified_participant_signs_in_and_gets_the_language_cookie(client, settings):
    participant(language="en")
    response = client.post("/fa/accounts/login/", {"login": "maryam@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_password_reset_mail(client):
    participant(language="fa")
    response = client.post("/en/accounts/password/reset/", {"email": "maryam@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/fa/accounts/password/reset/key/" in link_in(mail.outbox[0])


# --- display names -----------------------------------------------------------------------------

BAD_NAMES = {
    "moderator": "Moderator", "admin-word": "site_admin", "admin-squeezed": "SiteAdmin", "leet": "Adm1n",
    "official": "OFFICIAL team", "cyrillic": "аdmin", "platform": "Rayzan", "staff": "staff",
    "fa-manager": "مدیر", "fa-arabic-yeh": "مدير", "fa-zwnj": "مدیر\u200cسایت", "fa-spaced": "مدیر سایت",
    "fa-observer": "ناظر", "fa-admin": "ادمین", "fa-official": "مقام\u200cرسمی", "fa-responsible": "مسئول",
    "fa-hamza": "مسؤول", "fa-editor": "ویراستار", "fa-platform": "رایزن",
    "bidi-override": "Ali\u202eilA", "bidi-isolate": "\u2067مریم\u2069", "zero-width-space": "Ali\u200bReza",
    "zwj": "Ali\u200dReza", "filler": "\u3164\u3164\u3164", "too-short": "a", "too-long": "x" * 41,
    "no-letter": "1234", "blank": "   ", "taken-case": "MARYAM", "taken-spelling": "مريم",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_display_name_is_refused_and_nothing_is_stored(client, name):
    participant(email="first@example.org", name="Maryam")
    Profile.objects.create(user=User.objects.create_user(username="p-second0000"), display_name="مریم",
                           consent_version="1", consented_at="2026-01-01T00:00:00Z")
    response = signup(client, display_name=name)
    assert response.status_code == 200
    assert 'href="#id_display_name"' in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()
    assert Profile.objects.count() == 2
    assert mail.outbox == []


@pytest.mark.parametrize("name", ["مریم", "Ali Reza", "علی‌رضا", "Badminton fan", "مدیریت شهری", "Café 42",
                                  "  Sara   K  "])
def test_ordinary_names_pass(name):
    assert clean_display_name(name)


def test_reserved_words_are_one_constant_checked_in_normalised_form():
    assert is_reserved("The_Moderation_Team") and is_reserved("m.o.d.e.r.a.t.o.r")
    assert not is_reserved("مناظره‌گر")


def test_error_summary_links_to_fields_and_marks_them(client):
    html = signup(client, display_name="", consent=None).content.decode()
    assert 'class="error-summary"' in html
    for field in ("display_name", "consent"):
        assert f'href="#id_{field}"' in html
        assert f'id="id_{field}_error"' in html
        assert re.search(rf'<input[^>]*aria-describedby="[^"]*id_{field}_error', html)
    assert "<h1>" in html and "<title>" in html


@pytest.mark.parametrize(("language", "direction"), [("fa", "rtl"), ("en", "ltr")])
def test_signup_page_direction(client, language, direction):
    html = client.get(f"/{language}/accounts/signup/").content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert 'name="display_name"' in html and 'name="consent"' in html


def test_signup_offers_regions_of_the_page_language(client, site_tree):
    fa, en = Locale.objects.get(language_code="fa"), Locale.objects.get(language_code="en")
    tehran = Region.objects.create(name="تهران", code="tehran", locale=fa)
    Region.objects.create(name="Tehran", code="tehran", locale=en, translation_key=tehran.translation_key)
    html = client.get("/fa/accounts/signup/").content.decode()
    assert "تهران" in html and ">Tehran<" not in html
    signup(client, region=str(tehran.pk))
    assert User.objects.get(email="new@example.org").profile.region == tehran


# --- profile pages -----------------------------------------------------------------------------

def test_profile_page_edits_with_post_redirect_get(client):
    user = participant()
    client.force_login(user)
    assert client.get("/fa/account/profile/").status_code == 200
    bad = client.post("/fa/account/profile/", {"display_name": "Admin", "preferred_language": "fa"})
    assert bad.status_code == 400 and 'class="error-summary"' in bad.content.decode()
    response = client.post("/fa/account/profile/", {"display_name": "Maryam K", "preferred_language": "en"})
    assert response.status_code == 302 and response["Location"].endswith("/en/account/profile/")
    user.profile.refresh_from_db()
    assert (user.profile.display_name, user.profile.preferred_language) == ("Maryam K", "en")
    assert "Your profile has been saved." in client.get(response["Location"]).content.decode()


def test_account_without_profile_completes_it_on_the_welcome_page(client):
    user = participant(name=None)
    client.force_login(user)
    response = client.get("/en/account/profile/")
    assert response.status_code == 302 and "/en/account/welcome/" in response["Location"]
    refused = client.post("/en/account/welcome/", {"display_name": "Sam", "preferred_language": "en"})
    assert refused.status_code == 400 and not Profile.objects.filter(user=user).exists()
    response = client.post("/en/account/welcome/?next=/en/search/",
                           {"display_name": "Sam", "preferred_language": "en", "consent": "on", "next": "/en/search/"})
    assert response.status_code == 302 and response["Location"] == "/en/search/"
    assert user.groups.filter(name="citizen").exists()


def test_profile_required_sends_people_to_sign_in_then_to_the_welcome_page():
    view = profile_required(lambda request: "ran")
    request = RequestFactory().get("/en/participate/1/general/")
    request.user = participant(name=None)
    assert view(request)["Location"].startswith("/en/account/welcome/?next=%2Fen%2Fparticipate%2F1%2Fgeneral%2F")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "/accounts/login/?next=" in view(request)["Location"]


# --- the API -----------------------------------------------------------------------------------

def test_token_for_a_verified_participant(client):
    user = participant()
    response = client.post("/api/v1/auth/token/", {"username": "maryam@example.org", "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200 and me.json()["id"] == user.pk
    by_username = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                              content_type="application/json")
    assert by_username.json()["token"] == token


def test_token_refusals_do_not_tell_accounts_apart(client):
    participant()
    participant(email="unverified@example.org", name="Unverified", verified=False)

    def ask(username, password):
        return client.post("/api/v1/auth/token/", {"username": username, "password": password},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    wrong, unknown = ask("maryam@example.org", "wrong password"), ask("nobody@example.org", "wrong password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials" and wrong.json()["fields"] == {}
    assert ask("unverified@example.org", PASSWORD).json()["code"] == "email_not_verified"
    assert ask("unverified@example.org", "wrong password").json() == wrong.json()


def test_token_endpoint_is_throttled_per_ip(client, settings):
    settings.RAYZAN_TOKEN_RATE = "2/min"
    for _ in range(2):
        client.post("/api/v1/auth/token/", {"username": "x@example.org", "password": "x"},
                    content_type="application/json")
    response = client.post("/api/v1/auth/token/", {"username": "x@example.org", "password": "x"},
                           content_type="application/json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled" and response.json()["message"]


def test_me_refuses_anonymous(client):
    response = client.get("/api/v1/me/")
    assert response.status_code in {401, 403}
    assert set(response.json()) == {"code", "message", "fields"}
    assert client.patch("/api/v1/me/", {"display_name": "X"}, content_type="application/json").status_code in {
        401, 403}


def test_me_read_and_change(client, settings):
    user = participant()
    client.force_login(user)
    body = client.get("/api/v1/me/").json()
    assert body == {"id": user.pk, "display_name": "Maryam", "region": None, "preferred_language": "fa",
                    "roles": ["citizen"], "consent_version": settings.RAYZAN_CONSENT_VERSION,
                    "consented_at": body["consented_at"], "email": "maryam@example.org", "restriction": None}

    def patch(data):
        return client.patch("/api/v1/me/", data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    changed = patch({"display_name": "Maryam R", "preferred_language": "en"})
    assert changed.status_code == 200 and changed.json()["display_name"] == "Maryam R"
    assert changed.json()["preferred_language"] == "en"
    for data, field in [({"display_name": "Official Maryam"}, "display_name"), ({"display_name": "m"}, "display_name"),
                        ({"region": 99999}, "region"), ({"preferred_language": "de"}, "preferred_language")]:
        refused = patch(data)
        assert refused.status_code == 400 and refused.json()["code"] == "invalid"
        assert list(refused.json()["fields"]) == [field]
    user.profile.refresh_from_db()
    assert user.profile.display_name == "Maryam R"


def test_profile_changes_are_rate_limited_on_the_api_and_the_form(client, settings):
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "profile": "3/m"}
    user = participant()  # creating the profile is the first of the three
    client.force_login(user)
    for name in ("Maryam A", "Maryam B"):
        assert client.patch("/api/v1/me/", {"display_name": name}, content_type="application/json").status_code == 200
    refused = client.patch("/api/v1/me/", {"display_name": "Maryam C"}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["code"] == "rate_limited"
    form = client.post("/en/account/profile/", {"display_name": "Maryam D", "preferred_language": "en"})
    assert form.status_code == 429 and int(form["Retry-After"]) >= 1
    assert "Wait" in form.content.decode() or "wait" in form.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.display_name == "Maryam B"  # nothing stored past the limit


def test_me_without_profile_is_409_and_put_creates_it(client):
    user = participant(name=None)
    client.force_login(user)
    response = client.get("/api/v1/me/")
    assert response.status_code == 409 and response.json()["code"] == "profile_required"
    refused = client.put("/api/v1/me/", {"display_name": "Sam"}, content_type="application/json")
    assert refused.status_code == 400 and "consent" in refused.json()["fields"]
    created = client.put("/api/v1/me/", {"display_name": "Sam", "consent": True}, content_type="application/json")
    assert created.status_code == 201 and created.json()["roles"] == ["citizen"]


def test_accounts_api_is_in_the_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/auth/token/" in schema and "/api/v1/me/" in schema
