"""Operations: /healthz, /readyz, /metrics, request ids and structured access logs.

What an operator relies on: probes answer whatever the Host header and without HTTPS, readiness
names the dependency that failed, /metrics is never public and counts what happens, every log
line of a request carries its id and none carries an IP or e-mail address. The last tests run a
real uvicorn worker (PostgreSQL only, as in CI) to check the JSON logs and what a live socket
sees when the worker is stopped for a restart.
"""

import contextlib
import datetime
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.urls import resolve
from django.utils import timezone, translation
from prometheus_client.parser import text_string_to_metric_families

from config.logs import JsonFormatter
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
REMOTE = "203.0.113.7"  # a documentation address: not loopback


def scrape(**request_extra) -> dict:
    """/metrics as {(sample name, ((label, value), ...)): value}, asked from loopback."""
    response = Client().get("/metrics", **request_extra)
    assert response.status_code == 200, response.status_code
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def in_thread(func):
    """sync_to_async, closing the thread's database connection afterwards: left open, it would
    outlive the test and keep the test database from being dropped."""
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            connection.close()
    return sync_to_async(run)


scrape_async = in_thread(scrape)


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@contextlib.contextmanager
def captured_log_lines():
    """The configured stderr handler's output during the block, as JSON objects (one per line)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream, formatter = io.StringIO(), handler.formatter
    previous = handler.setStream(stream)
    handler.setFormatter(JsonFormatter())
    lines: list[dict] = []
    try:
        yield lines
    finally:
        handler.setStream(previous)
        handler.setFormatter(formatter)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines() if line.strip())


# --- /healthz and /readyz ---------------------------------------------------------------------

def test_healthz_answers_without_touching_anything(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies and "Content-Language" not in response


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_work_with_any_host_and_over_plain_http(db, settings, path):
    """A probe sent to 127.0.0.1:8001 is not refused by ALLOWED_HOSTS nor redirected to HTTPS."""
    settings.ALLOWED_HOSTS = ["rayzan.example"]
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get(path, HTTP_HOST="10.1.2.3:8001").status_code == 200
    assert Client().get("/api/v1/consultations/", HTTP_HOST="10.1.2.3:8001").status_code == 400  # the rest: refused


@pytest.mark.parametrize("method", ["post", "put", "delete"])
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_refuse_other_methods(db, path, method):
    response = getattr(Client(), method)(path)
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def test_readyz_lists_its_checks(db):
    response = Client().get("/readyz")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer"} | ({"cache"} if os.environ.get("REDIS_URL") else set())
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_checks_the_cache_when_redis_is_configured(db, settings):
    settings.REDIS_URL = "redis://configured.example:6379/0"  # the cache itself stays the test's
    assert Client().get("/readyz").json()["checks"]["cache"]["ok"] is True


def test_readyz_is_503_naming_a_redis_that_does_not_answer(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "config.cache.SharedClientRedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    with captured_log_lines() as lines:
        response = Client().get("/readyz", HTTP_X_REQUEST_ID="probe-0001-redis")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is False and body["checks"]["channel_layer"]["ok"] is False
    assert "ConnectionError" in body["checks"]["cache"]["error"]
    warnings = [line for line in lines if line["logger"] == "config.health"]
    assert {line["request_id"] for line in warnings} == {"probe-0001-redis"} and "exception" in warnings[0]


def test_readyz_is_503_when_the_database_fails(db, monkeypatch):
    from django.db import OperationalError

    from config import health

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "check_database", unreachable)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}


# --- request ids and the access log -----------------------------------------------------------

def test_every_response_carries_a_request_id_and_a_sane_one_is_reused(db):
    generated = Client().get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert Client().get("/healthz")["X-Request-ID"] != generated
    nginx_id = "4f6c2b0e9a1d4c3b8e7f6a5b4c3d2e1f"
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=nginx_id)["X-Request-ID"] == nginx_id


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "a" * 129, "id\u202ewith-bidi-override",
                                      "<script>alert(1)</script>", "-starts-with-a-dash", "new\nline-injected"])
def test_an_insane_request_id_is_replaced(db, incoming):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_one_access_line_per_request_with_its_id_and_no_personal_data(site_tree):
    person = factories.participant("Leyla Access", roles=["citizen"])
    client = Client(HTTP_X_REQUEST_ID="req-access-0001", REMOTE_ADDR="198.51.100.23")
    client.force_login(person)
    with captured_log_lines() as lines:
        response = client.get("/api/v1/me/")
        Client().get("/en/", HTTP_X_REQUEST_ID="req-access-0002")
        Client().get("/healthz")  # probes are counted, not logged
    assert response.status_code == 200 and response["X-Request-ID"] == "req-access-0001"
    access = [line for line in lines if line["logger"] == "rayzan.access"]
    assert [(line["request_id"], line["method"], line["path"], line["status"]) for line in access] == [
        ("req-access-0001", "GET", "/api/v1/me/", 200), ("req-access-0002", "GET", "/en/", 200)]
    assert access[0]["user_id"] == person.pk and access[1]["user_id"] is None
    assert access[0]["route"] and isinstance(access[0]["duration_ms"], float)
    everything = json.dumps(lines)
    assert "198.51.100.23" not in everything and person.email not in everything and "Leyla" not in everything


def test_secret_keys_in_paths_are_not_logged(db):
    key = "c2VjcmV0LXJlc2V0LWtleQ-7x9"
    with captured_log_lines() as lines:
        Client().get(f"/en/accounts/password/reset/key/3f-{key}/")
    (access,) = [line for line in lines if line["logger"] == "rayzan.access"]
    assert access["path"] == "/en/accounts/password/reset/key/[redacted]/"
    assert key not in json.dumps(lines)


def _run_python(script: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env})


def test_log_format_json_writes_one_json_object_per_line_to_stderr():
    result = _run_python("""
        import logging, django
        django.setup()
        from config import logs
        logs.bind_request_id("req-json-0001")
        logging.getLogger("rayzan.demo").warning("caf\\u00e9 %s", "ok", extra={"page_id": 7})
        logging.getLogger("uvicorn.error").info("Started server process")
        logging.getLogger("uvicorn.access").info("203.0.113.9:5555 - GET / 200")
    """, {"LOG_FORMAT": "json"})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("rayzan.demo", "café ok"), ("uvicorn.error", "Started server process")]  # uvicorn's access log: silent
    assert lines[0]["request_id"] == "req-json-0001" and lines[0]["page_id"] == 7 and lines[0]["level"] == "WARNING"
    assert datetime.datetime.fromisoformat(lines[0]["time"]).tzinfo is not None


def test_an_unknown_log_format_stops_the_start():
    result = _run_python("import django; django.setup()", {"LOG_FORMAT": "xml"})
    assert result.returncode != 0 and "LOG_FORMAT must be one of json, text" in result.stderr


# --- /metrics ---------------------------------------------------------------------------------

@pytest.mark.parametrize("extra, expected", [
    ({}, 200),                                                              # from this machine
    ({"REMOTE_ADDR": "::1"}, 200),
    ({"REMOTE_ADDR": REMOTE}, 404),                                          # from elsewhere
    ({"REMOTE_ADDR": REMOTE, "HTTP_AUTHORIZATION": "Bearer s3cret-metrics-token"}, 200),
    ({"REMOTE_ADDR": REMOTE, "HTTP_AUTHORIZATION": "Bearer wrong-token"}, 404),
    ({"REMOTE_ADDR": REMOTE, "HTTP_AUTHORIZATION": "Basic s3cret-metrics-token"}, 404),
    ({"REMOTE_ADDR": REMOTE, "HTTP_AUTHORIZATION": "Bearer"}, 404),
    ({"HTTP_AUTHORIZATION": "Bearer wrong-token"}, 404),                     # wrong credentials, even locally
    ({"HTTP_X_FORWARDED_FOR": REMOTE}, 404),                                 # through the proxy
    ({"HTTP_FORWARDED": f"for={REMOTE}"}, 404),
    ({"REMOTE_ADDR": "not-an-address"}, 404),
])
def test_metrics_answer_only_loopback_or_the_token(db, settings, extra, expected):
    settings.RAYZAN_METRICS_TOKEN = "s3cret-metrics-token"
    response = Client().get("/metrics", **extra)
    assert response.status_code == expected
    if expected == 404:
        assert b"rayzan_" not in response.content


def test_without_a_configured_token_no_bearer_token_opens_metrics(db, settings):
    settings.RAYZAN_METRICS_TOKEN = ""
    assert Client().get("/metrics", REMOTE_ADDR=REMOTE, HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_refuse_writes(db):
    assert Client().post("/metrics").status_code == 405
    assert Client().post("/metrics", REMOTE_ADDR=REMOTE).status_code == 404  # nothing revealed


def test_http_requests_are_counted_by_route_and_status(site_tree):
    with translation.override("en"):
        route = resolve("/api/v1/consultations/").view_name
    before = scrape()
    for _ in range(2):
        assert Client().get("/api/v1/consultations/").status_code == 200
    Client().get("/api/v1/consultations/999999/")
    after = scrape()
    labels = {"method": "GET", "route": route}
    assert value(after, "rayzan_http_requests_total", **labels, status="200") - value(
        before, "rayzan_http_requests_total", **labels, status="200") == 2
    assert value(after, "rayzan_http_request_duration_seconds_count", **labels) - value(
        before, "rayzan_http_request_duration_seconds_count", **labels) >= 2
    assert any(name == "rayzan_http_requests_total" and dict(key)["status"] == "404" for name, key in after)
    assert "no-store" in Client().get("/metrics")["Cache-Control"]


def test_the_moderation_queue_size_is_read_at_scrape_time(site_tree):
    from moderation.models import Appeal, Case

    page = factories.consultation(site_tree.indexes["en"])
    author = factories.participant()
    comments = [factories.comment(page, author, text=f"Held {n}", status="pending") for n in range(3)]
    for held in comments[:2]:
        Case.objects.create(item_type="comment", item_id=held.pk, page=page, status="pending")
    decided = Case.objects.create(item_type="comment", item_id=comments[2].pk, page=page, status="decided",
                                  outcome="rejected")
    Appeal.objects.create(case=decided, appellant=author, note="Please look again")
    samples = scrape()
    assert value(samples, "rayzan_moderation_queue_cases", status="pending") == 2
    assert value(samples, "rayzan_moderation_queue_cases", status="escalated") == 0
    assert value(samples, "rayzan_moderation_appeals_pending") == 1


def test_the_reports_lag_is_the_age_of_the_oldest_unanalysed_change(site_tree):
    from reports.worker import Worker
    from voting.models import CommentVote

    assert value(scrape(), "rayzan_reports_lag_seconds") == 0
    page = factories.consultation(site_tree.indexes["en"])
    author, voter = factories.participant(), factories.participant()
    two_minutes_ago = timezone.now() - datetime.timedelta(minutes=2)
    comment = factories.comment(page, author, created_at=two_minutes_ago)
    CommentVote.objects.create(comment=comment, voter=voter, value=1)
    assert 115 < value(scrape(), "rayzan_reports_lag_seconds") < 200
    Worker().run_once()  # the worker analyses the page
    assert value(scrape(), "rayzan_reports_lag_seconds") == 0
    CommentVote.objects.filter(comment=comment).update(updated_at=timezone.now())
    assert 0 < value(scrape(), "rayzan_reports_lag_seconds") < 5  # a new vote: due again


def test_a_worker_behind_for_hours_shows_at_least_that_lag(site_tree):
    page = factories.consultation(site_tree.indexes["en"])
    factories.comment(page, factories.participant(), created_at=timezone.now() - datetime.timedelta(hours=3))
    assert value(scrape(), "rayzan_reports_lag_seconds") > 3 * 3600 - 60


@pytest.mark.django_db(transaction=True)
async def test_live_sockets_and_events_are_counted(site_tree):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    page = await in_thread(factories.consultation)(site_tree.indexes["en"])
    before = await scrape_async()
    communicator = WebsocketCommunicator(application, f"/ws/live/{page.pk}/", headers=[(b"origin", b"http://localhost")])
    connected, _ = await communicator.connect()
    assert connected and (await communicator.receive_json_from())["type"] == "hello"
    during = await scrape_async()
    await communicator.disconnect()
    after = await scrape_async()
    assert value(during, "rayzan_live_sockets_open") == value(before, "rayzan_live_sockets_open") + 1
    assert value(after, "rayzan_live_sockets_open") == value(before, "rayzan_live_sockets_open")
    assert value(after, "rayzan_live_sockets_opened_total") == value(before, "rayzan_live_sockets_opened_total") + 1
    assert value(during, "rayzan_live_events_sent_total", type="hello") == value(
        before, "rayzan_live_events_sent_total", type="hello") + 1


def test_several_worker_processes_are_summed_and_a_killed_ones_sockets_forgotten(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: two workers answer a probe each and exit; a third, killed with
    two sockets open, leaves no ghost sockets; the worker that answers the scrape adds it up."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    probe = """
        import django
        django.setup()
        from django.test import Client
        assert Client().get("/healthz").status_code == 200
    """
    for _ in range(2):
        assert _run_python(probe, env).returncode == 0
    killed = _run_python("""
        import os, signal, django
        django.setup()
        from consult.hub import SOCKETS_OPEN
        import config.metrics
        SOCKETS_OPEN.inc(2)
        os.kill(os.getpid(), signal.SIGKILL)
    """, env)
    assert killed.returncode == -signal.SIGKILL and list(tmp_path.glob("gauge_livesum_*.db"))
    scraper = _run_python("""
        import django
        django.setup()
        import consult.hub
        from django.test import Client
        print(Client().get("/metrics").content.decode())
    """, env)
    assert scraper.returncode == 0, scraper.stderr
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(scraper.stdout) for s in family.samples}
    assert value(samples, "rayzan_http_requests_total", method="GET", route="healthz", status="200") == 2
    assert value(samples, "rayzan_live_sockets_open") == 0


# --- a real worker (PostgreSQL, as in CI) -----------------------------------------------------

postgres_only = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                   reason="the worker process needs the test database on PostgreSQL (DATABASE_URL)")


class UvicornWorker:
    """One production-configured uvicorn process, started as the systemd unit starts it."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.proc = env, log, None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("uvicorn")), "--host", "127.0.0.1", "--port", str(self.port),
             "--proxy-headers", "--no-access-log", "--ws-per-message-deflate", "false",
             "--timeout-graceful-shutdown", "20", "config.asgi:application"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if _http_get(self.port, "/healthz", {})[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("worker did not answer /healthz")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def uvicorn_worker(tmp_path, site_tree):
    """A worker on the test database, logging JSON to a file."""
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "LOG_FORMAT": "json",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
           "SECRET_KEY": "operations-test-" + "x" * 40, "ALLOWED_HOSTS": "rayzan.example,127.0.0.1",
           "RAYZAN_DB_POOL_MIN": "1", "RAYZAN_DB_POOL_MAX": "4", "RAYZAN_REPORTS_WORKER": "off",
           "RAYZAN_CHANNEL_PREFIX": f"rayzan-ops-{os.getpid()}", "RAYZAN_CACHE_PREFIX": f"rayzan-ops-{os.getpid()}",
           "RAYZAN_VAR_DIR": str(tmp_path)}
    worker = UvicornWorker(env, tmp_path / "worker.log")
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()


def _http_get(port: int, path: str, headers: dict) -> tuple[int, dict, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        conn.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
async def test_a_worker_logs_json_and_tells_sockets_to_come_back_when_stopped(uvicorn_worker, site_tree):
    import websockets

    port = uvicorn_worker.port
    page = await in_thread(factories.consultation)(site_tree.indexes["en"])
    status, headers, _ = await sync_to_async(_http_get)(port, "/healthz", {"Host": "10.9.8.7:8001"})
    assert status == 200 and headers["x-request-id"]
    status, _headers, _ = await sync_to_async(_http_get)(port, "/api/v1/consultations/", {"Host": "127.0.0.1"})
    assert status == 301  # production settings: everything else goes to HTTPS
    status, headers, _ = await sync_to_async(_http_get)(
        port, "/api/v1/consultations/", {"Host": "rayzan.example", "X-Forwarded-Proto": "https",
                                         "X-Request-ID": "req-worker-0001"})
    assert status == 200 and headers["x-request-id"] == "req-worker-0001"

    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/live/{page.pk}/",
                                  additional_headers={"Origin": "http://127.0.0.1"}) as socket:
        assert json.loads(await socket.recv())["type"] == "hello"
        uvicorn_worker.proc.send_signal(signal.SIGTERM)
        with pytest.raises(websockets.ConnectionClosed):
            await socket.recv()
    # 1012 "service restart": live.js reconnects with ?after=<last seq>; the resume itself is
    # tested in tests/consult/test_live_workers.py.
    assert socket.close_code == 1012
    # uvicorn finishes its shutdown, then re-raises SIGTERM: systemd counts that as a clean stop.
    assert await sync_to_async(uvicorn_worker.proc.wait)(20) in (0, -signal.SIGTERM)

    lines = [json.loads(line) for line in uvicorn_worker.log.read_text().splitlines() if line.startswith("{")]
    assert "Finished server process" in " ".join(line["message"] for line in lines)
    (access,) = [line for line in lines if line.get("request_id") == "req-worker-0001"]
    assert (access["logger"], access["path"], access["status"]) == ("rayzan.access", "/api/v1/consultations/", 200)
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # the server's own lines are JSON too
    assert not [line for line in lines if "WebSocket" in line["message"] or "color_message" in line]
    assert not [line for line in lines if re.search(r"127\.0\.0\.1:\d+ - ", line["message"])]  # no client address


# --- deploy/ ----------------------------------------------------------------------------------

def test_every_environment_variable_the_settings_read_is_documented_for_operators():
    read = set()
    for module in (ROOT / "config").glob("*.py"):
        read |= set(re.findall(r'(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z][A-Z0-9_]+)"', module.read_text()))
    assert {"DATABASE_URL", "LOG_FORMAT", "RAYZAN_METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR"} <= read
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (ROOT / "deploy" / "rayzan.env.example").read_text(),
                                re.MULTILINE))
    assert read - documented == set(), "add them to deploy/rayzan.env.example"


def test_a_server_process_freezes_its_start_up_heap_out_of_the_collector(tmp_path):
    """config/gc_tuning.py: once the ASGI application (and every view) is loaded, the heap is
    frozen and young collections are rarer: full collections no longer pause a worker with
    many sockets for hundreds of milliseconds."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "RAYZAN_GC_TUNING"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", RAYZAN_VAR_DIR=str(tmp_path),
               SECRET_KEY="gc-check-" + "x" * 50)
    script = ("import gc, json; import config.asgi; "
              "print(json.dumps({'frozen': gc.get_freeze_count(), 'young': gc.get_threshold()[0], "
              "'views': 'consult.views' in __import__('sys').modules}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["frozen"] > 100_000 and state["young"] == 10_000 and state["views"] is True
