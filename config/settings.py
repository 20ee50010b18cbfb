"""Rayzan settings, read from the environment.

With nothing set, the embedded default runs: SQLite (writers wait rather than fail), the
in-memory channel layer and a local-memory cache. Production sets DATABASE_URL (PostgreSQL),
REDIS_URL (channel layer and cache), SECRET_KEY, ALLOWED_HOSTS; see README.md.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RAYZAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED = not DATABASE_URL


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set (production).")
    # Embedded default: a random key kept beside the SQLite database, so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    # our apps first so their templates and translations win
    "frontend",
    "cms",
    "consult",
    "voting",
    "moderation",
    "reports",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # two-factor sign-in: TOTP and recovery codes (required for staff roles in production)
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "config.apps.SiteCompositionConfig",  # site-wide hooks: rich-text cleaning, the admin's security panel
]

MIDDLEWARE = [
    # First: request id, access log, HTTP metrics; answers /healthz, /readyz and /metrics itself.
    "config.observability.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.RayzanLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.security.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI every request's sync code may run in a new thread, so persistent
        # per-thread connections (CONN_MAX_AGE) pile up until PostgreSQL refuses clients.
        # A bounded pool per worker process reuses connections instead.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("RAYZAN_DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("RAYZAN_DB_POOL_MAX", "20")),
            "timeout": 10,
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "rayzan.sqlite3")),
            "OPTIONS": {
                # Writers take the lock when their transaction starts and wait up to 20 s for it,
                # instead of failing with "database is locked" on a lock upgrade. WAL lets
                # readers go on while one writer writes.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ----------------------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("RAYZAN_CACHE_PREFIX", "rayzan"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py 8: the default 5 s socket timeout equals the 5 s blocking read
                        # and kills idle connections (django/channels_redis#422).
                        "socket_timeout": None,
                        # redis-py 8 caps its pool at 100 without waiting; leave room for a
                        # reconnect storm.
                        "max_connections": int(os.environ.get("RAYZAN_REDIS_MAX_CONNECTIONS", "2000")),
                    }
                ],
                "prefix": os.environ.get("RAYZAN_CHANNEL_PREFIX", "rayzan"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process: the in-memory layer. Its per-channel capacity (default 100) silently drops the
    # oldest messages; the hub's one channel carries every page's events, so give it room.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": 10_000}}}

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",  # object rules: consult/rules.py, voting/rules.py
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL

# django-allauth: e-mail sign-in, verified e-mail required before taking part, no user
# enumeration, and its per-IP limits on sign-up, sign-in and password reset (never on
# signed-in writes: many citizens share one carrier-NAT address).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Rayzan] "
ACCOUNT_SIGNUP_FORM_CLASS = "consult.accounts.forms.ParticipantSignupForm"
ACCOUNT_ADAPTER = "consult.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "signup": os.environ.get("RAYZAN_LIMIT_SIGNUP", "20/m/ip"),
    "login": os.environ.get("RAYZAN_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
RAYZAN_CONSENT_VERSION = os.environ.get("RAYZAN_CONSENT_VERSION", "2026-11")
# POST /api/v1/auth/token/, per IP address (DRF rate: "count/sec|min|hour|day").
RAYZAN_TOKEN_RATE = os.environ.get("RAYZAN_TOKEN_RATE", "10/min")

# --- Languages --------------------------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tehran")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("RAYZAN_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Rayzan"
WAGTAILADMIN_BASE_URL = os.environ.get("RAYZAN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no staff e-mail hashes to a third party; the admin's CSP allows none
WAGTAIL_ENABLE_UPDATE_CHECK = False  # no call from editors' browsers to releases.wagtail.org (CSP connect-src)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "consult.api_auth.ParticipantTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "consult.api_support.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "consult.api_support.exception_handler",
    # Throttles key on REMOTE_ADDR, which the ASGI server sets from the trusted proxy
    # (--proxy-headers / forwarded-allow-ips); a client's own X-Forwarded-For must not pick its bucket.
    "NUM_PROXIES": 0,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rayzan API",
    "DESCRIPTION": "Consultations, roundtables and citizens' contributions. Errors are "
    '{"code", "message", "fields"}; messages follow Accept-Language (fa or en).',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["consult.api_support.only_public_api"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "consult.api_support.document_retry_after"],
    # One name per choice set, so "status" and "state" fields of several resources share enums.
    "ENUM_NAME_OVERRIDES": {
        "ParticipationStatusEnum": "consult.models.ConsultationStatus",
        "RoundtableStateEnum": "consult.models.RoundtableState",
        "FlagReasonEnum": "moderation.models.FlagReason",
        "RejectReasonEnum": "moderation.models.RejectReason",
    },
}

# --- Rayzan -----------------------------------------------------------------------------------
# Per-user write limits ("count/period", period s, m or h): the same for forms, API and socket.
RAYZAN_RATE_LIMITS = {
    "comment": os.environ.get("RAYZAN_LIMIT_COMMENTS", "10/m"),
    "vote": os.environ.get("RAYZAN_LIMIT_VOTES", "120/m"),
    "statement": os.environ.get("RAYZAN_LIMIT_STATEMENTS", "10/m"),
    "poll": os.environ.get("RAYZAN_LIMIT_POLLS", "30/m"),
    "flag": os.environ.get("RAYZAN_LIMIT_FLAGS", "30/h"),
    "profile": os.environ.get("RAYZAN_LIMIT_PROFILE", "10/m"),  # display name, region, language
    "account_erase": "5/h",  # password attempts at deleting one's account (consult.accounts.privacy)
}
COMMENT_EDIT_WINDOW_MINUTES = 30
# What clients may send over the live socket: type -> a function(*, actor, page_id, message)
# that calls the same service as the API (consult defines the socket; voting plugs in here).
RAYZAN_LIVE_COMMANDS = {
    "vote": "voting.live.vote_command",
    "statement": "consult.live_commands.statement_command",
}
RAYZAN_SOCKETS_PER_USER = int(os.environ.get("RAYZAN_SOCKETS_PER_USER", "5"))
# Screening of every new or edited contribution (consult defines the interface in
# consult/screening.py; moderation's screeners plug in here). Any hold keeps it from the public
# until a moderator decides; the author is told why in plain words.
RAYZAN_SCREENERS = [
    "moderation.screeners.premoderation",   # the consultation's pre-moderation mode
    "moderation.screeners.links",           # see RAYZAN_SCREEN_LINKS
    "moderation.screeners.blocked_words",   # the "Blocked terms" list in the admin
    "moderation.screeners.personal",        # e-mail, phone numbers, national IDs, card numbers
    "moderation.screeners.first_posts",     # see RAYZAN_HOLD_FIRST_POSTS
    "moderation.screeners.repeats",         # near-duplicates of the same person's recent texts
]
RAYZAN_HOLD_LISTENERS = ["moderation.services.hold_recorded"]
# Flags on one item that hide it until a moderator decides (each consultation may set its own).
RAYZAN_FLAG_THRESHOLD = int(os.environ.get("RAYZAN_FLAG_THRESHOLD", "3"))
RAYZAN_SCREEN_LINKS = env_bool("RAYZAN_SCREEN_LINKS", False)  # citizens cite sources: off by default
RAYZAN_LINK_ALLOWED_DOMAINS = env_list("RAYZAN_LINK_ALLOWED_DOMAINS")
RAYZAN_HOLD_FIRST_POSTS = int(os.environ.get("RAYZAN_HOLD_FIRST_POSTS", "0"))  # raise it in a spam wave
RAYZAN_REPEAT_HOURS = int(os.environ.get("RAYZAN_REPEAT_HOURS", "24"))
RAYZAN_REPEAT_SIMILARITY = float(os.environ.get("RAYZAN_REPEAT_SIMILARITY", "0.8"))
# Opinion groups and campaigns are recomputed off the request path by the reports worker:
# "thread" runs it inside the ASGI process (the embedded default); "off" when it runs as its own
# service (`manage.py reports_worker`, production).
RAYZAN_REPORTS_WORKER = os.environ.get("RAYZAN_REPORTS_WORKER", "thread")
# Freeze the start-up heap out of the garbage collector's full passes (config/gc_tuning.py).
RAYZAN_GC_TUNING = env_bool("RAYZAN_GC_TUNING", True)
RAYZAN_RESPONSE_DAYS = int(os.environ.get("RAYZAN_RESPONSE_DAYS", "60"))  # official response due after closing
RAYZAN_APPEAL_DAYS = int(os.environ.get("RAYZAN_APPEAL_DAYS", "30"))  # how long an author may appeal a decision
# Days that data kept only for abuse handling and account set-up is kept (unconfirmed sign-ups);
# `manage.py purge_expired` removes it, with expired sessions. See README "Privacy".
RAYZAN_RETENTION_DAYS = int(os.environ.get("RAYZAN_RETENTION_DAYS", "30"))
RAYZAN_MAX_SUSPENSION_DAYS = int(os.environ.get("RAYZAN_MAX_SUSPENSION_DAYS", "365"))  # longer is a ban
RAYZAN_DEMO_DATA = os.environ.get("RAYZAN_DEMO_DATA", str(BASE_DIR.parent / "shared" / "data" / "drafts"))
RAYZAN_POLIS_DATA = os.environ.get("RAYZAN_POLIS_DATA", str(BASE_DIR.parent / "shared" / "data" / "polis"))
RAYZAN_DEMO_EXTRAS = ["reports.demo.add_polis_roundtable"]  # later modules' parts of `load_demo`
# Each later module's share of a person's data (consult defines the interface, PrivacyPart, and
# runs the download and erasure in consult/accounts/privacy.py): its sections of the download,
# its erasure step and refusal, its relations to the user model. Order = order in the download.
RAYZAN_PRIVACY_PARTS = [
    "voting.privacy.VotingPrivacy",          # votes, poll answers: exported, kept
    "moderation.privacy.ModerationPrivacy",  # flags, cases, appeals, sanctions; redacted originals deleted
    "reports.privacy.ReportsPrivacy",        # ids from imported data: exported, deleted
]

# --- Security (production) --------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms and fetch() send the token from the form field
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it either
# Content-Security-Policy (django-csp): no inline script or style anywhere on the public site;
# the Wagtail admin and the Swagger UI get narrow, path-scoped relaxations in config/security.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # the live socket's ws(s):// origin is added per request
        "frame-src": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"upgrade-insecure-requests": True} if not EMBEDDED and not DEBUG else {}),
    },
}
# Two-factor sign-in (allauth.mfa): open to everyone; required for moderators, officials, editors
# and admins in production. The embedded default relaxes it and says so on the admin's home page.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Rayzan"
RAYZAN_REQUIRE_MFA_FOR_STAFF = env_bool("RAYZAN_REQUIRE_MFA_FOR_STAFF", not EMBEDDED and not DEBUG)
# Uploads (Wagtail documents and images, editors only): checked by content and size in
# config/uploads.py; documents are served by Django as attachments (PDF and plain text inline,
# with `nosniff` and a sandboxing CSP), never as HTML.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf", "text/plain"]
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True
WAGTAILDOCS_DOCUMENT_FORM_BASE = "config.uploads.CheckedDocumentForm"
RAYZAN_MAX_DOCUMENT_BYTES = int(os.environ.get("RAYZAN_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024)))
WAGTAILIMAGES_MAX_UPLOAD_SIZE = int(os.environ.get("RAYZAN_MAX_IMAGE_BYTES", str(10 * 1024 * 1024)))
if not EMBEDDED and not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)

# Mail: printed to the console unless EMAIL_HOST is set, then sent by SMTP (STARTTLS by default).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                               else "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rayzan <no-reply@localhost>")

# Logs on stderr: JSON lines in production, text on the embedded default, each with its request's
# id (config/logs.py). /metrics answers loopback, or a bearer token equal to RAYZAN_METRICS_TOKEN.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if EMBEDDED else "json")
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))
RAYZAN_METRICS_TOKEN = os.environ.get("RAYZAN_METRICS_TOKEN", "")
