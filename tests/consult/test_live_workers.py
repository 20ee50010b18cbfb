"""Several ASGI workers sharing the Redis channel layer (what production runs).

Two real uvicorn processes on the test's PostgreSQL database and a real Redis: a comment posted
through worker B reaches a listener on worker A, and a listener that was away while worker B
restarted resumes on B with no gap. Needs DATABASE_URL (PostgreSQL) and REDIS_URL, as in CI;
skipped on the embedded default, whose SQLite test database lives in this process's memory.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
                       reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as in CI"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Worker:
    def __init__(self, env: dict, port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("uvicorn")), "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning", "--ws", "websockets-sansio", "config.asgi:application"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/consultations/", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("worker did not answer")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def post_comment(port: int, page_id: int, token: str, text: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/consultations/{page_id}/comments/",
        data=json.dumps({"text": text, "stance": "support"}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def durable_events(ws, count: int, timeout: float = 10) -> list[dict]:
    got = []
    while len(got) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if "seq" in message and message["type"] != "hello":
            got.append(message)
    return got


@pytest.fixture
async def _close_thread_connections():
    """The tests reach the database through sync_to_async's thread; close its connection after,
    or PostgreSQL refuses to drop the test database while it is open."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def workers(tmp_path, site_tree, _close_thread_connections):
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
           "SECRET_KEY": "workers-test-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "SECURE_SSL_REDIRECT": "0", "RAYZAN_DB_POOL_MIN": "1", "RAYZAN_DB_POOL_MAX": "4",
           "RAYZAN_CHANNEL_PREFIX": f"rayzan-workers-{os.getpid()}", "RAYZAN_CACHE_PREFIX": f"rayzan-w-{os.getpid()}",
           "RAYZAN_VAR_DIR": str(tmp_path)}
    pair = [Worker(env, free_port(), tmp_path / f"worker-{n}.log") for n in "ab"]
    try:
        for worker in pair:
            worker.start()
        yield pair
    finally:
        for worker in pair:
            worker.stop()


async def test_an_event_crosses_workers_and_a_restart_loses_nothing(workers, site_tree):
    import websockets
    from rest_framework.authtoken.models import Token

    worker_a, worker_b = workers
    page = await sync_to_async(factories.consultation)(site_tree.indexes["en"], status="open")
    author = await sync_to_async(factories.participant)("Author", roles=["citizen"])
    token = (await sync_to_async(Token.objects.create)(user=author)).key
    origin = {"Origin": "http://127.0.0.1"}

    def url(worker, after=None):
        return f"ws://127.0.0.1:{worker.port}/ws/live/{page.pk}/" + (f"?after={after}" if after is not None else "")

    async with websockets.connect(url(worker_a), additional_headers=origin) as on_a:
        assert json.loads(await on_a.recv())["type"] == "hello"
        await asyncio.sleep(0.3)  # worker A's hub has joined the page's Redis group
        posted = await sync_to_async(post_comment)(worker_b.port, page.pk, token, "Through worker B")
        (event,) = await durable_events(on_a, 1)
        assert (event["type"], event["seq"], event["data"]["id"]) == ("comment.created", 1, posted["id"])

    # A listener on worker B is cut when B restarts (1012: come back), while comments keep
    # arriving through worker A; it comes back to B and resumes from the last seq it saw.
    async with websockets.connect(url(worker_b, after=1), additional_headers=origin) as cut:
        assert json.loads(await cut.recv())["data"]["seq"] == 1
        await sync_to_async(worker_b.stop)()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(cut.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    await sync_to_async(post_comment)(worker_a.port, page.pk, token, "While B was down")
    await sync_to_async(worker_b.start)()
    async with websockets.connect(url(worker_b, after=1), additional_headers=origin) as on_b:
        hello = json.loads(await on_b.recv())
        assert hello["data"]["seq"] == 2
        (replayed,) = await durable_events(on_b, 1)
        assert (replayed["seq"], replayed["data"]["body"]) == (2, "While B was down")
        await asyncio.sleep(0.3)
        await sync_to_async(post_comment)(worker_a.port, page.pk, token, "Live again")
        (live,) = await durable_events(on_b, 1)
        assert (live["seq"], live["data"]["body"]) == (3, "Live again")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")


async def test_presence_counts_listeners_on_every_worker(workers, site_tree):
    import websockets

    worker_a, worker_b = workers
    page = await sync_to_async(factories.consultation)(site_tree.indexes["en"], status="open")
    origin = {"Origin": "http://127.0.0.1"}

    async def presence_reaches(ws, count: int) -> None:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] == "presence" and message["data"]["count"] == count:
                return

    address = "ws://127.0.0.1:{}/ws/live/" + str(page.pk) + "/"
    async with websockets.connect(address.format(worker_a.port), additional_headers=origin) as on_a, \
            websockets.connect(address.format(worker_b.port), additional_headers=origin) as on_b:
        await asyncio.gather(presence_reaches(on_a, 2), presence_reaches(on_b, 2))
