"""Test settings: the same as production code paths, with fast hashing and static files
served from the apps (no collectstatic needed). DATABASE_URL / REDIS_URL still apply, so CI
runs the suite against PostgreSQL and Redis."""

import os

os.environ.setdefault("RAYZAN_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False

# Connections opened by database_sync_to_async worker threads must not outlive a test, or the
# test database cannot be dropped at the end of the run.
for _database in DATABASES.values():  # noqa: F405
    _database["CONN_MAX_AGE"] = 0
    _database["CONN_HEALTH_CHECKS"] = False
    _database.get("OPTIONS", {}).pop("pool", None)  # tests create and drop databases: no pool

RAYZAN_REPORTS_WORKER = "off"  # tests run the worker's rounds themselves
# A server process freezes its start-up heap out of the collector (config/gc_tuning.py); the
# suite's process is not a server, and tests/test_operations.py checks the server's in its own.
RAYZAN_GC_TUNING = False
# Staff need two-factor sign-in in production settings (CI sets DATABASE_URL); the suite signs in
# moderators and officials with force_login, so only tests/test_security.py turns it on.
RAYZAN_REQUIRE_MFA_FOR_STAFF = False
# The browser tests serve plain http on localhost: production's upgrade-insecure-requests would send
# the redirect after a fetch-posted form to https, where nothing listens.
CONTENT_SECURITY_POLICY = {**CONTENT_SECURITY_POLICY, "DIRECTIVES": {  # noqa: F405
    key: value for key, value in CONTENT_SECURITY_POLICY["DIRECTIVES"].items()  # noqa: F405
    if key != "upgrade-insecure-requests"}}
