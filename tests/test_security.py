"""Security hardening: response headers and cookies, the deploy check, sign-in that neither
tells accounts apart nor lets guessing go on, two-factor sign-in for staff, editors' rich text
through the citizens' sanitiser, CSRF on every form, and uploads that are never served as HTML."""

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import html5lib
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from wagtail.documents import get_document_model
from wagtail.models import Collection

from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<p>Hello<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a></p>'
PASSWORD = "pw-correct-horse-9"  # tests.factories.participant's


class QuickPBKDF2(PBKDF2PasswordHasher):
    """Production's hasher at a cost a test can repeat: still far slower than the page around it."""

    iterations = 200_000


def client_for(user, language="en", **extra):
    client = Client(HTTP_ACCEPT_LANGUAGE=language, **extra)
    if user is not None:
        client.force_login(user)
    return client


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # sign-in limits and used TOTP codes live in the cache
    yield
    cache.clear()


def assert_no_script(html: str):
    lowered = html.lower()
    assert "alert(" not in lowered and "onerror" not in lowered and "javascript:" not in lowered


# --- Production settings, in a process of their own -----------------------------------------

def production_env(tmp_path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY",
                          "ALLOWED_HOSTS", "RAYZAN_REQUIRE_MFA_FOR_STAFF"}}
    # Any DATABASE_URL selects production; SQLite spares the check a PostgreSQL server.
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
               SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="rayzan.example",
               CSRF_TRUSTED_ORIGINS="https://rayzan.example", RAYZAN_VAR_DIR=str(tmp_path / "var"))
    return env


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory):
    """The security settings production runs with, read from config.settings in a subprocess."""
    names = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
             "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
             "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE",
             "LANGUAGE_COOKIE_SAMESITE", "LANGUAGE_COOKIE_HTTPONLY", "RAYZAN_REQUIRE_MFA_FOR_STAFF",
             "CONTENT_SECURITY_POLICY"]
    script = ("import json, django; django.setup(); from django.conf import settings; "
              f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=production_env(tmp_path_factory.mktemp("p")),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_deploy_check_passes_with_no_warnings_in_production_settings(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=production_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr.split("Traceback")[0]


def test_production_requires_two_factor_for_staff_and_upgrades_insecure_requests(production_settings):
    assert production_settings["RAYZAN_REQUIRE_MFA_FOR_STAFF"] is True
    assert production_settings["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is True


# --- Headers and cookies --------------------------------------------------------------------

def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy header"
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_security_headers(response):
    policy = csp_directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_html_pages_carry_every_security_header(en):
    page = factories.consultation(en)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for url in ("/en/", page.url, "/en/accounts/login/", "/en/no-such-page/"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_security_headers(response)


def test_api_responses_carry_every_security_header(en):
    page = factories.consultation(en)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for url in ("/api/v1/consultations/", f"/api/v1/consultations/{page.pk}/", "/api/v1/schema/",
                "/api/v1/consultations/999999/"):
        response = client.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code in (200, 404), url
        assert_security_headers(response)


def test_live_socket_origin_is_allowed_to_connect(en):
    policy = csp_directives(Client().get("/en/", HTTP_HOST="localhost"))
    assert policy["connect-src"] == ["'self'", "ws://localhost"]
    policy = csp_directives(Client().get("/en/", HTTP_HOST="localhost", secure=True))
    assert "wss://localhost" in policy["connect-src"]


def test_only_the_admin_and_the_api_docs_relax_the_policy(en):
    admin = factories.participant("Admin", roles=["admin"], is_superuser=True, is_staff=True)
    admin_policy = csp_directives(client_for(admin).get("/admin/"))
    assert "'unsafe-inline'" in admin_policy["script-src"] and admin_policy["frame-ancestors"] == ["'self'"]
    docs = Client().get("/api/v1/docs/")
    docs_policy = csp_directives(docs)
    assert docs_policy["script-src"] == ["'self'"]  # its start-up script is a file of its own
    assert "'unsafe-inline'" in docs_policy["style-src"]
    assert b"<script>" not in docs.content
    script_url = re.search(rb'<script src="([^"]*script=[^"]*)"', docs.content).group(1).decode().replace("&amp;", "&")
    assert Client().get(script_url)["Content-Type"].startswith("application/javascript")


def test_production_sends_hsts_and_secure_httponly_samesite_cookies(en, production_settings):
    user = verified(factories.participant("Cookie"))
    user.profile.preferred_language = "en"  # so signing in sets the language cookie too
    user.profile.save()
    with override_settings(**{**production_settings, "SECURE_SSL_REDIRECT": False}):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        page = client.get("/en/accounts/login/", secure=True)
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert_security_headers(page)
        signed_in = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD}, secure=True)
        assert signed_in.status_code == 302
        for name in ("sessionid", "csrftoken", "django_language"):
            cookie = signed_in.cookies.get(name) or page.cookies[name]
            assert cookie["secure"] is True, name
            assert cookie["httponly"] is True, name
            assert cookie["samesite"] == "Lax", name
        api = client.get("/api/v1/consultations/", secure=True)
        assert api.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_redirects_plain_http_to_https(en, production_settings):
    with override_settings(**production_settings):
        response = Client().get("/en/", HTTP_HOST="testserver")
    assert response.status_code == 301 and response["Location"].startswith("https://")


# --- No inline script or style on the main pages ----------------------------------------------

def inline_code(html: str) -> list[str]:
    """Inline scripts, style elements and attributes, and event-handler attributes in a page."""
    found = []
    for element in html5lib.parse(html, namespaceHTMLElements=False).iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script" and not element.get("src") and element.get("type") != "application/json":
            found.append("inline <script>")
        if element.tag == "style":
            found.append("<style> element")
        for name in element.attrib:
            if name == "style" or name.startswith("on"):
                found.append(f"{element.tag}[{name}]")
    return found


def test_main_pages_have_no_inline_script_or_style(en):
    page = factories.consultation(en)
    from consult.models import Statement

    Statement.objects.create(page=page, text="Buses all night", agree_count=2, disagree_count=1)
    section = page.section_list[0]["id"]
    moderator = verified(factories.participant("Moderator", roles=["moderator", "official"]))
    client = client_for(moderator)
    urls = ["/en/", en.url, page.url, f"/en/participate/{page.pk}/section/{section}/", "/en/moderation/",
            f"/en/reports/{page.pk}/", "/en/account/profile/", "/en/accounts/2fa/", "/en/accounts/2fa/totp/activate/",
            f"/en/vote/{page.pk}/statements/next/"]
    offending = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        found = inline_code(response.content.decode())
        if found:
            offending[url] = found
    assert offending == {}


def test_statement_bars_are_meters_with_the_share_of_votes(en):
    page = factories.consultation(en)
    from consult.models import Statement

    Statement.objects.create(page=page, text="Buses all night", agree_count=3, disagree_count=1)
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(page.url).content.decode()
    assert re.search(r'<meter class="tally__bar tally__bar--agree" min="0" max="100" value="75"', html)
    assert re.search(r'<meter class="tally__bar tally__bar--disagree" min="0" max="100" value="25"', html)


# --- CSRF on every form --------------------------------------------------------------------------

def post_forms_without_token(html: str) -> list[str]:
    missing = []
    for form in html5lib.parse(html, namespaceHTMLElements=False).iter("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        if not any(i.get("name") == "csrfmiddlewaretoken" for i in form.iter("input")):
            missing.append(form.get("action") or "(this page)")
    return missing


CRAWL_SKIP = ("/admin", "/api/", "/static/", "/media/", "/documents/", "/accounts/logout", "/export/",
              "/archive/", "/account/data/")


def crawl_post_forms(client, seeds: list[str], limit: int = 200, least: int = 20) -> dict[str, list[str]]:
    """Follow same-site links from the seeds (as this client) and name every POST form that has
    no CSRF token, by page."""
    from urllib.parse import urldefrag, urlsplit

    seen, queue, missing = set(), list(seeds), {}
    while queue and len(seen) < limit:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or any(part in url for part in CRAWL_SKIP):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        if found := post_forms_without_token(body):
            missing[url] = found
        for element in html5lib.parse(body, namespaceHTMLElements=False).iter("a"):
            href = element.get("href") or ""
            parts = urlsplit(href)
            if href.startswith("/") and not parts.netloc and parts.path.startswith("/en/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen) >= least, seen  # the crawl did get around
    return missing


def test_every_post_form_carries_a_csrf_token(en):
    """Every page a moderator and an admin can reach by following links, plus the pages only a
    direct link opens (a roundtable's console, a case, an appeal, account deletion)."""
    from consult.models import RoundtableFacilitator
    from moderation.models import Case

    page = factories.consultation(en)
    section = page.section_list[0]["id"]
    moderator = verified(factories.participant("Moderator", roles=["moderator"]))
    admin = verified(factories.participant("Admin", roles=["admin"]))
    author = verified(factories.participant("Author"))
    comment = factories.comment(page, author, section_id=section)
    roundtable = factories.roundtable(en, state="live")
    RoundtableFacilitator.objects.create(page=roundtable, name="Moderator", user=moderator)
    flagged = client_for(verified(factories.participant("Reader"))).post(
        f"/api/v1/comments/{comment.pk}/flag/", json.dumps({"reason": "abuse"}), content_type="application/json")
    assert flagged.status_code == 201
    case = Case.objects.get()
    seeds = ["/en/", page.url, f"/en/participate/{page.pk}/section/{section}/", roundtable.url,
             f"/en/participate/{roundtable.pk}/console/", "/en/moderation/", f"/en/moderation/case/{case.pk}/",
             "/en/account/profile/", "/en/account/delete/", "/en/accounts/password/change/",
             "/en/accounts/2fa/totp/activate/", "/en/reports/"]
    missing = crawl_post_forms(client_for(moderator), seeds)
    missing |= crawl_post_forms(client_for(admin), seeds)
    missing |= crawl_post_forms(client_for(author), [f"/en/moderation/appeal/{case.pk}/", "/en/account/delete/",
                                                      page.url, "/en/account/notifications/"], limit=40, least=4)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    for url in ("/en/accounts/login/", "/en/accounts/signup/", "/en/accounts/password/reset/"):
        if found := post_forms_without_token(anonymous.get(url).content.decode()):
            missing[url] = found
    assert missing == {}


def test_posts_without_a_csrf_token_are_refused_and_store_nothing(en):
    from consult.models import Comment

    page = factories.consultation(en)
    section = page.section_list[0]["id"]
    citizen = verified(factories.participant("Citizen"))
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(citizen)
    response = client.post(f"/en/participate/{page.pk}/section/{section}/", {"body": "Forged", "stance": "support"})
    assert response.status_code == 403
    assert not Comment.objects.filter(body="Forged").exists()
    anonymous = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.post("/en/accounts/login/", {"login": citizen.email, "password": PASSWORD}).status_code == 403


# --- Sign-in: the same answer for unknown and known accounts, then a lockout -------------------

def normalised(response, *emails) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', body)
    for email in emails:
        body = body.replace(email, "EMAIL")
    return body


def test_unknown_and_known_accounts_get_the_same_answer(en):
    known = verified(factories.participant("Known"))
    unknown = "nobody-here@example.org"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    wrong_password = client.post("/en/accounts/login/", {"login": known.email, "password": "not-the-password"})
    no_account = client.post("/en/accounts/login/", {"login": unknown, "password": "not-the-password"})
    assert wrong_password.status_code == no_account.status_code == 200
    assert normalised(wrong_password, known.email) == normalised(no_account, unknown)
    assert "_auth_user_id" not in client.session

    api = Client(HTTP_ACCEPT_LANGUAGE="en")
    token_known = api.post("/api/v1/auth/token/", {"username": known.email, "password": "nope"},
                           content_type="application/json")
    token_unknown = api.post("/api/v1/auth/token/", {"username": unknown, "password": "nope"},
                             content_type="application/json")
    assert token_known.status_code == token_unknown.status_code == 400
    assert token_known.json() == token_unknown.json()


@override_settings(PASSWORD_HASHERS=["tests.test_security.QuickPBKDF2"],
                   ACCOUNT_RATE_LIMITS={"login_failed": "1000/m/ip,1000/m/key"})
def test_unknown_and_known_accounts_take_the_same_time(en):
    known = verified(factories.participant("Known"))
    known.set_password(PASSWORD)
    known.save()
    started = time.perf_counter()
    make_password("something")
    hash_cost = time.perf_counter() - started
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    def timed(login):
        started = time.perf_counter()
        response = client.post("/en/accounts/login/", {"login": login, "password": "not-the-password"})
        assert response.status_code == 200
        return time.perf_counter() - started

    timed(known.email)  # warm up templates and caches
    known_times, unknown_times = [], []
    for n in range(5):  # interleaved, so drift on the machine hits both alike
        known_times.append(timed(known.email))
        unknown_times.append(timed(f"nobody{n}@example.org"))
    known_median, unknown_median = statistics.median(known_times), statistics.median(unknown_times)
    # Without the dummy hash an unknown address would answer a whole hash faster.
    assert unknown_median > 0.6 * hash_cost
    assert abs(known_median - unknown_median) < 0.5 * hash_cost, (known_median, unknown_median, hash_cost)


def test_repeated_failures_lock_the_account_alike_known_or_unknown(en):
    known = verified(factories.participant("Known"))
    unknown = "nobody-here@example.org"
    answers = {}
    for login in (known.email, unknown):
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"203.0.113.{len(answers) + 1}")
        for _attempt in range(5):
            client.post("/en/accounts/login/", {"login": login, "password": "wrong-password"})
        # Even the right password is refused now, for a while.
        answers[login] = client.post("/en/accounts/login/", {"login": login, "password": PASSWORD})
        assert "_auth_user_id" not in client.session
    locked_known, locked_unknown = answers[known.email], answers[unknown]
    assert locked_known.status_code == locked_unknown.status_code
    assert "Too many failed login attempts" in locked_known.content.decode()
    assert normalised(locked_known, known.email) == normalised(locked_unknown, unknown)


def test_many_failures_from_one_address_are_throttled(en):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.7")
    for n in range(10):
        client.post("/en/accounts/login/", {"login": f"guess{n}@example.org", "password": "x-wrong"})
    response = client.post("/en/accounts/login/", {"login": "guess-last@example.org", "password": "x-wrong"})
    assert response.status_code == 429 or "Too many failed login attempts" in response.content.decode()


def token_attempt(login, password, address, forwarded=None):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en", "REMOTE_ADDR": address}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**headers).post("/api/v1/auth/token/", json.dumps({"username": login, "password": password}),
                                  content_type="application/json")


def test_api_sign_in_locks_an_account_after_five_failures_from_any_address_alike_known_or_unknown(en):
    known = verified(factories.participant("Known"))
    unknown = "nobody-here@example.org"
    locked = {}
    for login in (known.email, unknown):
        for n in range(5):  # each guess from another address: the per-address throttle never fires
            assert token_attempt(login, "wrong-password", f"192.0.2.{n + 1}").status_code == 400
        locked[login] = token_attempt(login, PASSWORD, "192.0.2.99")  # even the right password, for a while
    assert locked[known.email].status_code == locked[unknown].status_code == 429
    assert locked[known.email].json() == locked[unknown].json()
    assert locked[known.email].json()["code"] == "too_many_attempts"
    assert int(locked[known.email]["Retry-After"]) > 0
    assert not Token.objects.filter(user=known).exists()


def test_api_sign_in_throttle_ignores_a_forged_forwarded_for_header(settings):
    settings.RAYZAN_TOKEN_RATE = "3/min"
    answers = [token_attempt(f"guess{n}@example.org", "x-wrong", "198.51.100.8", forwarded=f"10.0.0.{n}").status_code
               for n in range(4)]
    assert answers == [400, 400, 400, 429]


def test_wrong_two_factor_codes_count_against_the_account(en):
    user = verified(factories.participant("Two factor", roles=["citizen"]))
    secret = with_totp(user)
    wrong_code = "000000" if totp_code(secret) != "000000" else "111111"

    def with_code(code, n):
        return Client(REMOTE_ADDR=f"192.0.2.{n}").post(
            "/api/v1/auth/token/", json.dumps({"username": user.email, "password": PASSWORD, "code": code}),
            content_type="application/json")

    for n in range(5):
        assert with_code(wrong_code, n + 1).json()["code"] == "invalid_credentials"
    locked = with_code(totp_code(secret), 50)
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert not Token.objects.filter(user=user).exists()


# --- Two-factor sign-in -------------------------------------------------------------------------

def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def require_mfa(settings):
    settings.RAYZAN_REQUIRE_MFA_FOR_STAFF = True


@pytest.mark.parametrize("role", ["moderator", "official", "editor", "admin"])
def test_staff_without_two_factor_are_sent_to_set_it_up(en, require_mfa, role):
    person = verified(factories.participant(role.title(), roles=[role]))
    client = client_for(person)
    response = client.get("/en/account/profile/")
    assert response.status_code == 302 and response["Location"] == "/en/accounts/2fa/totp/activate/"
    setup = client.get(response["Location"], follow=True)  # allauth asks for the password again first
    assert setup.status_code == 200 and setup.redirect_chain[-1][0].startswith("/en/accounts/reauthenticate/")
    assert "Your role needs two-factor sign-in" in setup.content.decode()
    api = client.get("/api/v1/me/", HTTP_ACCEPT="application/json")
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"


def test_token_clients_of_staff_without_two_factor_are_refused(en, require_mfa):
    moderator = verified(factories.participant("Moderator", roles=["moderator"]))
    token = Token.objects.create(user=moderator)
    response = Client().get("/api/v1/moderation/queue/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    citizen = verified(factories.participant("Citizen"))
    citizen_token = Token.objects.create(user=citizen)
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {citizen_token.key}").status_code == 200


def test_citizens_and_staff_with_two_factor_go_on(en, require_mfa):
    citizen = verified(factories.participant("Citizen"))
    assert client_for(citizen).get("/en/account/profile/").status_code == 200
    moderator = verified(factories.participant("Moderator", roles=["moderator"]))
    with_totp(moderator)
    assert client_for(moderator).get("/en/moderation/").status_code == 200


def test_the_embedded_default_lets_staff_in_without_two_factor(en, settings):
    settings.RAYZAN_REQUIRE_MFA_FOR_STAFF = False
    moderator = verified(factories.participant("Moderator", roles=["moderator"]))
    assert client_for(moderator).get("/en/moderation/").status_code == 200


def test_a_moderator_sets_up_an_authenticator_and_then_needs_its_code_to_sign_in(en, require_mfa):
    moderator = verified(factories.participant("Moderator", roles=["moderator"]))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    signed_in = client.post("/en/accounts/login/", {"login": moderator.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/en/moderation/")["Location"] == "/en/accounts/2fa/totp/activate/"
    again = client.get("/en/accounts/2fa/totp/activate/")  # allauth asks for the password again first
    assert again.status_code == 302 and again["Location"].startswith("/en/accounts/reauthenticate/")
    assert client.post(again["Location"], {"password": PASSWORD}).status_code == 302
    setup = client.get("/en/accounts/2fa/totp/activate/")
    assert setup.status_code == 200 and 'src="data:image/svg+xml' in setup.content.decode()
    secret = client.session["mfa.totp.secret"]
    wrong = client.post("/en/accounts/2fa/totp/activate/", {"code": "000000" if totp_code(secret) != "000000"
                                                                       else "111111"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=moderator).exists()
    activated = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=moderator, type=Authenticator.Type.TOTP).exists()
    assert client.get("/en/moderation/").status_code == 200

    client.post("/en/accounts/logout/")
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step = fresh.post("/en/accounts/login/", {"login": moderator.email, "password": PASSWORD})
    assert password_step.status_code == 302 and "/accounts/2fa/authenticate/" in password_step["Location"]
    assert "_auth_user_id" not in fresh.session  # a password alone does not sign a moderator in
    cache.clear()  # the code just used for activation may not be used twice
    code_step = fresh.post(password_step["Location"], {"code": totp_code(secret)})
    assert code_step.status_code == 302
    assert fresh.get("/en/moderation/").status_code == 200


def test_admin_sign_in_goes_through_allauth(en):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302 and response["Location"] == "/en/accounts/login/?next=%2Fadmin%2Fpages%2F"
    posted = Client(HTTP_ACCEPT_LANGUAGE="en").post("/admin/login/", {"username": "x", "password": "y"})
    assert posted.status_code == 302 and posted["Location"].startswith("/en/accounts/login/")
    offsite = Client(HTTP_ACCEPT_LANGUAGE="en").get("/admin/login/?next=https://evil.example/")
    assert "evil.example" not in offsite["Location"]


def test_admin_home_says_when_two_factor_is_relaxed(en, settings):
    admin = factories.participant("Admin", roles=["admin"], is_superuser=True, is_staff=True)
    settings.RAYZAN_REQUIRE_MFA_FOR_STAFF = False
    relaxed = client_for(admin).get("/admin/").content.decode()
    assert "Two-factor sign-in is not required here" in relaxed
    settings.RAYZAN_REQUIRE_MFA_FOR_STAFF = True
    with_totp(admin)
    required = client_for(admin).get("/admin/")
    assert required.status_code == 200
    assert "Two-factor sign-in is not required here" not in required.content.decode()


def test_profile_links_two_factor_setup(en):
    citizen = verified(factories.participant("Citizen"))
    html = client_for(citizen).get("/en/account/profile/").content.decode()
    assert 'href="/en/accounts/2fa/"' in html


# --- Editors' rich text ------------------------------------------------------------------------

def test_script_smuggled_into_rich_text_fields_never_renders(en):
    page = factories.consultation(en, introduction=HOSTILE, official_response=HOSTILE,
                                  sections=factories.sections(("Heading", HOSTILE)))
    page.refresh_from_db()
    assert page.introduction == page.official_response == "<p>Hello<a>x</a></p>"
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(page.url).content.decode()
    assert "Hello" in html
    assert_no_script(html)


def test_rich_text_in_drafts_is_cleaned_before_anyone_previews_it(en):
    page = factories.consultation(en)
    page.introduction = HOSTILE
    page.sections = factories.sections(("Heading", HOSTILE))
    revision = page.save_revision()
    revision.refresh_from_db()
    assert_no_script(json.dumps(revision.content))
    draft = revision.as_object()
    assert draft.introduction == "<p>Hello<a>x</a></p>"
    assert draft.sections[0].value["body"].source == "<p>Hello<a>x</a></p>"


def test_editors_formatting_and_internal_links_survive_cleaning(en):
    body = ('<h3 data-block-key="k1">Title</h3><p data-block-key="k2"><b>bold</b> <i>it</i> '
            '<a linktype="page" id="3">home</a> <a href="https://example.org/x">out</a></p>'
            '<ul><li data-block-key="k3">one</li></ul><blockquote data-block-key="k4">q</blockquote>')
    page = factories.consultation(en, introduction=body)
    page.refresh_from_db()
    assert page.introduction == body


def test_home_page_rich_text_is_cleaned(site_tree):
    home = site_tree.homes["en"]
    home.intro = HOSTILE
    home.save_revision().publish()
    home.refresh_from_db()
    assert home.intro == "<p>Hello<a>x</a></p>"
    assert_no_script(Client(HTTP_ACCEPT_LANGUAGE="en").get("/en/").content.decode())


# --- Uploads --------------------------------------------------------------------------------------

def upload(client, kind: str, name: str, content: bytes):
    """Through the Wagtail admin's add form; `kind` is "documents" or "images"."""
    return client.post(f"/admin/{kind}/add/", {
        "title": name, "collection": Collection.get_first_root_node().pk,
        "file": SimpleUploadedFile(name, content)})


def upload_document(client, name: str, content: bytes):
    return upload(client, "documents", name, content)


def stored(kind: str):
    from wagtail.images import get_image_model

    return (get_document_model() if kind == "documents" else get_image_model()).objects


@pytest.fixture
def editor_client(en, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # uploads land in the test's own folder
    admin = factories.participant("Admin", roles=["admin"], is_superuser=True, is_staff=True)
    return client_for(admin)


@pytest.mark.parametrize(("kind", "name", "content"), [
    ("documents", "report.pdf", b"<html><script>alert(1)</script></html>"),       # a page dressed as a PDF
    ("documents", "notes.txt", b"<!DOCTYPE html><script>alert(1)</script>"),      # markup as plain text
    ("documents", "table.csv", b"  <svg onload=alert(1)>"),
    ("documents", "sheet.xlsx", b"not a zip archive"),
    ("documents", "notes.txt", "سلام".encode("utf-16")),                          # not UTF-8
    ("documents", "page.html", b"<p>hello</p>"),                                  # not an allowed extension
    ("documents", "image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("images", "photo.png", b"<html><script>alert(1)</script></html>"),       # a page dressed as a picture
    ("images", "photo.jpg", b"GIF89a not really"),                            # not an image at all
    ("images", "drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),  # SVG is not allowed
])
def test_uploads_that_are_not_what_they_claim_are_refused(editor_client, kind, name, content):
    response = upload(editor_client, kind, name, content)
    assert response.status_code == 200  # the form again, with its error
    assert not stored(kind).exists()


def test_documents_larger_than_the_limit_are_refused(editor_client, settings):
    settings.RAYZAN_MAX_DOCUMENT_BYTES = 1024
    response = upload_document(editor_client, "big.pdf", b"%PDF-1.7\n" + b"0" * 2048)
    assert response.status_code == 200 and "documents may be at most" in response.content.decode()
    assert not get_document_model().objects.exists()


def test_documents_are_served_as_attachments_never_as_html(editor_client):
    assert upload_document(editor_client, "rule.pdf", b"%PDF-1.7\n%%EOF\n").status_code == 302
    assert upload_document(editor_client, "data.csv", b"name,count\nparks,3\n").status_code == 302
    assert upload_document(editor_client, "notes.txt", b"Notes: a < b\n").status_code == 302
    served = {}
    for document in get_document_model().objects.all():
        response = Client().get(document.url)
        assert response.status_code == 200, document.url
        served[document.title] = response
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert "html" not in response["Content-Type"]
    assert served["rule.pdf"]["Content-Type"] == "application/pdf"
    assert served["data.csv"]["Content-Disposition"].startswith("attachment")
    assert served["notes.txt"]["Content-Type"].startswith("text/plain")


def png_bytes(size: int = 8) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(out, "PNG")
    return out.getvalue()


def test_images_larger_than_the_limit_are_refused_and_real_ones_are_kept(editor_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    big = png_bytes(64)
    assert len(big) > 100
    assert upload(editor_client, "images", "big.png", big).status_code == 200
    assert not stored("images").exists()
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
    assert upload(editor_client, "images", "small.png", png_bytes()).status_code == 302
    assert stored("images").count() == 1


def test_an_api_token_needs_the_second_factor_when_the_account_has_one(settings):
    user = factories.participant("Two factor", roles=["moderator"])
    user.set_password("pw-correct-horse-9")
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client()

    def token(**extra):
        return client.post("/api/v1/auth/token/", json.dumps({"username": user.email,
                                                                "password": "pw-correct-horse-9", **extra}),
                           content_type="application/json")

    settings.RAYZAN_REQUIRE_MFA_FOR_STAFF = True
    not_set_up = token()
    assert not_set_up.status_code == 403 and not_set_up.json()["code"] == "mfa_required"
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    missing = token()
    assert missing.status_code == 400 and missing.json()["code"] == "two_factor_required"
    wrong = token(code="000000" if totp_code(secret) != "000000" else "111111")
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    assert not Token.objects.filter(user=user).exists()
    good = token(code=totp_code(secret))
    assert good.status_code == 200 and good.json()["token"] == Token.objects.get(user=user).key
