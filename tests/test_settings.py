"""Operators' view of the settings: the embedded default, production, and the deploy check."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://rayzan@127.0.0.1:5432/rayzan",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "rayzan.example",
}


def run_python(code, env_overrides, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                                                             "DEBUG", "DJANGO_SETTINGS_MODULE",
                                                             "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_overrides, RAYZAN_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


SHOW = ("import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default'], 'layer': s.CHANNEL_LAYERS['default'], "
        "'cache': s.CACHES['default']['BACKEND']}, default=str))")


def test_embedded_default_needs_no_services(tmp_path):
    result = run_python(SHOW, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert shown["db"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"  # writers wait, never "locked"
    assert shown["layer"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert shown["cache"].endswith("LocMemCache")
    assert (tmp_path / "secret_key").exists()


def test_production_uses_postgres_and_redis(tmp_path):
    result = run_python(SHOW, PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert shown["layer"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    host = shown["layer"]["CONFIG"]["hosts"][0]
    assert host["socket_timeout"] is None  # django/channels_redis#422
    assert shown["cache"].endswith("RedisCache")


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_python(SHOW, env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_check_passes_with_production_env(tmp_path):
    code = "import django, sys; from django.core.management import call_command; django.setup(); " \
           "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    result = run_python(code, PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
