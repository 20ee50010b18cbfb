#!/usr/bin/env python
"""Live fan-out benchmark: N WebSocket listeners on one page, comments posted through the API.

Every listener measures the latency from the moment a comment's POST is sent to the moment its
`comment.created` frame arrives, and counts the durable events it never got (lost). In the same
run the floor is measured: a bare Channels consumer (join the group, forward each message) on
the same server and layer, fed through one HTTP endpoint that does a group_send, so each figure
has a ratio beside it.

Scenarios (the live issue's targets; this machine's cores are shared with the load generator):
  fanout   1,000 clients × 2/s, 1,000 × 10/s, 2,000 × 10/s on one worker; p99 ≤ 150/250/500 ms
  slow     1,000 × 10/s with one more listener that never reads: the others stay within target
  workers  2 workers, Redis layer, 2,000 × 10/s (clients split over the workers), p99 ≤ 500 ms
  storm    1,000 votes/s offered over 200 sockets for 30 s: tallies equal a recount afterwards,
           and no listener gets more than 4 tally updates per target per second
  memory   the server's RSS per idle connection (1,000 idle sockets), ≤ 35 KB

Usage: .venv/bin/python bench/ws_fanout.py [--scenarios fanout,slow,workers,storm,memory]
       [--server uvicorn|daphne|both] [--quick] [--seconds S]
PostgreSQL (RAYZAN_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/rayzan_ws_bench,
dropped and re-created) and Redis (RAYZAN_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0)
are used when they answer, as production runs; otherwise SQLite and the in-memory layer, and
the two-worker scenario is skipped. Results: bench/results/ws_fanout.json. Never part of the
test suite. The same file serves the floor app (`floor_app`, loaded by uvicorn with
--app-dir bench --factory) and the seeding step (`--internal seed`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
PG_URL = os.environ.get("RAYZAN_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/rayzan_ws_bench")
REDIS_URL = os.environ.get("RAYZAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WS_IMPL = os.environ.get("RAYZAN_BENCH_WS", "websockets-sansio")  # uvicorn --ws
MARK = re.compile(r"bench-(\d+)-")
TALLY_TARGET = re.compile(r'"target":"([^"]+)"')
SEQ = re.compile(r'"seq":(\d+)')
WARMUP_SECONDS, WARMUP_FIRST = 3.0, 1_000_000
DRAIN_SECONDS = 5.0


# =============================================================================================
# The floor: a bare Channels app (consumer per socket in the group; POST /publish → group_send)
# =============================================================================================

def floor_app():
    """uvicorn --app-dir bench --factory ws_fanout:floor_app"""
    import django
    from django.conf import settings

    redis = os.environ.get("REDIS_URL")
    layer = ({"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
              "CONFIG": {"hosts": [{"address": redis, "socket_timeout": None, "max_connections": 5000}],
                         "prefix": os.environ.get("RAYZAN_CHANNEL_PREFIX", "floor")}}
             if redis else {"BACKEND": "channels.layers.InMemoryChannelLayer"})
    if not settings.configured:
        settings.configure(INSTALLED_APPS=["channels"], CHANNEL_LAYERS={"default": layer})
        django.setup()
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.layers import get_channel_layer
    from channels.routing import ProtocolTypeRouter

    class Forward(AsyncWebsocketConsumer):
        async def connect(self):
            await self.channel_layer.group_add("floor", self.channel_name)
            await self.accept()

        async def disconnect(self, code):
            await self.channel_layer.group_discard("floor", self.channel_name)

        async def floor_message(self, event):
            await self.send(text_data=event["text"])

    async def publish(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await get_channel_layer().group_send("floor", {"type": "floor.message", "text": body.decode()})
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    return ProtocolTypeRouter({"http": publish, "websocket": Forward.as_asgi()})


# =============================================================================================
# Inside Django: seeding and checking (`ws_fanout.py --internal seed|verify ARG`)
# =============================================================================================

def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def internal_seed(voters: int) -> dict:
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from consult import services
    from consult.models import ConsultationPage, Profile, Statement
    from consult.site_tree import ensure_site_tree

    tree = ensure_site_tree()
    now = timezone.now()
    page = services.page_publish_child(parent=tree.indexes["en"], page=ConsultationPage(
        title="Fan-out benchmark", slug="ws-fanout", locale=tree.indexes["en"].locale, summary="Live benchmark.",
        sections=[{"type": "section", "value": {"heading": "One", "body": "<p>Text.</p>"}}],
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30)))
    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create([User(username=f"ws-{i}", email=f"ws{i}@example.org", password=unusable)
                                      for i in range(voters + 1)])
    if users[0].pk is None:
        users = list(User.objects.filter(username__startswith="ws-").order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, display_name=f"WS {i}", display_name_key=f"ws{i}",
                                         consent_version="bench", consented_at=now) for i, u in enumerate(users)])
    poster, voter_users = users[0], users[1:]
    token = Token.objects.create(user=poster).key
    sessions = []
    for user in voter_users:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    statements = [Statement.objects.create(page=page, author=poster, text=f"Statement {n}").pk for n in range(20)]
    return {"page_id": page.pk, "token": token, "sessions": sessions, "statements": statements}


def internal_verify(page_id: int) -> dict:
    from django.db.models import Count, Q

    from consult.models import Statement

    rows = Statement.objects.filter(page_id=page_id).annotate(
        agree=Count("votes", filter=Q(votes__value=1)), disagree=Count("votes", filter=Q(votes__value=-1)),
        passed=Count("votes", filter=Q(votes__value=0)))
    mismatches = [s.pk for s in rows if (s.agree_count, s.disagree_count, s.pass_count)
                  != (s.agree, s.disagree, s.passed)]
    votes = sum(s.agree + s.disagree + s.passed for s in rows)
    return {"statements": len(rows), "votes": votes, "mismatches": mismatches}


def run_internal(env: dict, mode: str, arg: str) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--internal", mode, arg], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode:
        raise RuntimeError(f"{mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.split("BENCH-JSON ", 1)[1])


# =============================================================================================
# Outside Django: services, servers, clients
# =============================================================================================

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pg_admin(sql: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(PG_URL)
    admin = urlunsplit(parts._replace(path="/postgres"))
    subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)


class Server:
    def __init__(self, kind: str, env: dict, log_path: Path, *, floor: bool = False):
        self.kind, self.env, self.log_path, self.floor = kind, env, log_path, floor
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.floor:
            if self.kind == "uvicorn":
                return [str(Path(PYTHON).with_name("uvicorn")), "--app-dir", str(ROOT / "bench"), "--factory",
                        "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
                        "--ws", WS_IMPL, "ws_fanout:floor_app"]
            return [str(Path(PYTHON).with_name("daphne")), "-b", "127.0.0.1", "-p", str(self.port),
                    "ws_fanout_floor:application"]
        if self.kind == "uvicorn":
            return [str(Path(PYTHON).with_name("uvicorn")), "--host", "127.0.0.1", "--port", str(self.port),
                    "--log-level", "warning", "--no-access-log", "--ws", WS_IMPL, "--ws-per-message-deflate", "false",
                    "config.asgi:application"]
        return [str(Path(PYTHON).with_name("daphne")), "-b", "127.0.0.1", "-p", str(self.port),
                "config.asgi:application"]

    def start(self) -> Server:
        env = dict(self.env)
        if self.floor and self.kind == "daphne":
            env["PYTHONPATH"] = str(self.log_path.parent)  # the shim module below
            (self.log_path.parent / "ws_fanout_floor.py").write_text(
                f"import sys\nsys.path.insert(0, {str(ROOT / 'bench')!r})\n"
                "from ws_fanout import floor_app\napplication = floor_app()\n")
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=self.log_path.open("ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-3000:]}")
            if answers("127.0.0.1", self.port):
                time.sleep(0.5)
                return self
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def rss_kb(self) -> int:
        total = 0
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total = int(line.split()[1])
        return total

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Poster:
    """Posts at a steady rate from a thread, recording when each POST was sent."""

    def __init__(self, port: int, path: str, headers: dict, body_for):
        self.port, self.path, self.headers, self.body_for = port, path, headers, body_for
        self.sent: dict[int, float] = {}
        self.answered: dict[int, float] = {}  # comment number -> when the POST's answer arrived
        self.errors = 0

    def run(self, rate: float, seconds: float, first: int = 0) -> None:
        """Post at `rate` for `seconds`; comments are numbered from `first` (warm-up posts get
        numbers the measured run never uses)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        start = time.monotonic()
        k = 0
        while (elapsed := time.monotonic() - start) < seconds:
            due = start + k / rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            n = first + k
            self.sent[n] = time.monotonic()
            try:
                conn.request("POST", self.path, body=self.body_for(n), headers=self.headers)
                response = conn.getresponse()
                response.read()
                self.answered[n] = time.monotonic()
                if response.status >= 300:
                    self.errors += 1
            except OSError:
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            k += 1
        del elapsed
        conn.close()


class Listener:
    def __init__(self, *, read: bool = True):
        self.read = read
        self.seen: dict[int, float] = {}     # comment number -> when its frame arrived (monotonic)
        self.seqs: set[int] = set()
        self.tallies: dict[str, list[float]] = {}
        self.closed_code = None
        self.connected = False

    def state(self) -> tuple:
        return self.read, self.seen, self.seqs, self.tallies, self.closed_code, self.connected


async def listen(url: str, listener: Listener, headers: dict) -> None:
    """Read frames until cancelled. `async for` over the socket, not a wait_for per frame: at
    10,000 frames a second the load generator must cost less than the server it measures."""
    import websockets

    try:
        async with websockets.connect(url, additional_headers=headers, max_queue=None if listener.read else 1,
                                      open_timeout=120, ping_interval=None, compression=None) as ws:
            listener.connected = True
            if not listener.read:
                await asyncio.Event().wait()
            async for text in ws:
                now = time.monotonic()
                match = MARK.search(text)
                if match:
                    listener.seen.setdefault(int(match.group(1)), now)
                    seq = SEQ.search(text)
                    if seq:
                        listener.seqs.add(int(seq.group(1)))
                elif '"tally.updated"' in text:
                    target = TALLY_TARGET.search(text)
                    if target:
                        listener.tallies.setdefault(target.group(1), []).append(now)
    except asyncio.CancelledError:
        return
    except Exception as exc:  # a closed socket ends this listener; its missing events count as lost
        listener.closed_code = getattr(getattr(exc, "rcvd", None), "code", repr(exc)[:80])


async def open_listeners(urls: list[str], listeners: list[Listener], headers: dict) -> list[asyncio.Task]:
    tasks = []
    for i, (url, listener) in enumerate(zip(urls, listeners, strict=True)):
        tasks.append(asyncio.create_task(listen(url, listener, headers)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    return tasks


async def _listen_in_child(urls: list[str], reads: list[bool], headers: dict, conn, stop) -> None:
    listeners = [Listener(read=read) for read in reads]
    tasks = await open_listeners(urls, listeners, headers)
    deadline = time.monotonic() + 120
    while not all(listener.connected or listener.closed_code for listener in listeners):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    conn.send("ready")
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send([listener.state() for listener in listeners])


def _listener_process(urls, reads, headers, conn, stop) -> None:
    with contextlib.suppress(ImportError):
        import uvloop
        uvloop.install()
    asyncio.run(_listen_in_child(urls, reads, headers, conn, stop))


class ListenerPool:
    """The listeners, spread over a few child processes so the load generator is not itself the
    bottleneck (one Python process tops out near 10,000 frames a second). Receipt times use the
    system-wide monotonic clock, comparable with the poster's send times in the parent."""

    def __init__(self, urls: list[str], reads: list[bool], headers: dict, processes: int):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.children = []
        processes = max(1, min(processes, len(urls) // 100 or 1))
        for k in range(processes):
            parent_conn, child_conn = ctx.Pipe()
            proc = ctx.Process(target=_listener_process, daemon=True,
                               args=(urls[k::processes], reads[k::processes], headers, child_conn, self.stop))
            proc.start()
            self.children.append((proc, parent_conn))

    def wait_ready(self, timeout: float = 180) -> None:
        for _proc, conn in self.children:
            if not conn.poll(timeout) or conn.recv() != "ready":
                raise RuntimeError("listeners did not connect")

    def collect(self) -> list[Listener]:
        self.stop.set()
        listeners = []
        for proc, conn in self.children:
            for read, seen, seqs, tallies, closed_code, connected in conn.recv():
                listener = Listener(read=read)
                listener.seen, listener.seqs, listener.tallies = seen, seqs, tallies
                listener.closed_code, listener.connected = closed_code, connected
                listeners.append(listener)
            proc.join(30)
        return listeners


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(1000 * values[min(len(values) - 1, int(len(values) * p / 100))], 1)


async def fanout_run(*, servers: list[Server], clients: int, rate: float, seconds: float, page_id: int,
                     token: str, floor: bool, slow: int = 0, processes: int = 2) -> dict:
    reads = [True] * clients + [False] * slow
    ws_path = "/ws/floor/" if floor else f"/ws/live/{page_id}/"
    urls = [f"ws://127.0.0.1:{servers[i % len(servers)].port}{ws_path}" for i in range(len(reads))]
    pool = ListenerPool(urls, reads, {"Origin": "http://127.0.0.1"}, processes)
    await asyncio.to_thread(pool.wait_ready)
    await asyncio.sleep(1 + clients / 1000)  # every socket joined its group
    if floor:
        def body(n):
            return json.dumps({"type": "comment.created", "seq": n + 1, "data": {"body": f"bench-{n}-x"}})
        poster = Poster(servers[-1].port, "/publish", {"Content-Type": "application/json"}, body)
    else:
        def body(n):
            return json.dumps({"text": f"bench-{n}- live benchmark comment", "stance": "support"})
        poster = Poster(servers[-1].port, f"/api/v1/consultations/{page_id}/comments/",
                        {"Content-Type": "application/json", "Authorization": f"Token {token}"}, body)
    # Warm-up at the same rate, not measured: first requests load code, caches and connections.
    await asyncio.to_thread(poster.run, rate, WARMUP_SECONDS, first=WARMUP_FIRST)
    sent = poster.sent = {}
    answered = poster.answered = {}
    cpu_before = [s.cpu_seconds() for s in servers]
    started = time.monotonic()
    await asyncio.to_thread(poster.run, rate, seconds)
    await asyncio.sleep(DRAIN_SECONDS)  # the last events arrive; later than this counts as lost
    elapsed = time.monotonic() - started
    cpu = sum(s.cpu_seconds() - b for s, b in zip(servers, cpu_before, strict=True)) / elapsed
    listeners = await asyncio.to_thread(pool.collect)
    readers = [listener for listener in listeners if listener.read]
    latencies = [listener.seen[n] - at for listener in readers for n, at in sent.items() if n in listener.seen]
    # The same split in two: the POST's own round trip, and from its answer to each receipt
    # (a frame may arrive before the answer: the event is sent on commit, before the response).
    post_times = [answered[n] - at for n, at in sent.items() if n in answered]
    after_answer = [max(0.0, listener.seen[n] - answered[n]) for listener in readers for n in answered
                    if n in listener.seen]
    lost = sum(1 for listener in readers for n in sent if n not in listener.seen)
    slow_closed = [listener.closed_code for listener in listeners if not listener.read]
    return {"clients": clients, "rate": rate, "seconds": seconds, "posted": len(sent), "post_errors": poster.errors,
            "deliveries": len(latencies), "lost": lost, "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99),
            "max_ms": percentile(latencies, 100), "server_cpu_cores": round(cpu, 2),
            "post_p50_ms": percentile(post_times, 50), "post_p99_ms": percentile(post_times, 99),
            "after_answer_p50_ms": percentile(after_answer, 50), "after_answer_p99_ms": percentile(after_answer, 99),
            "listener_processes": len(pool.children),
            "closed_readers": sum(1 for listener in readers if listener.closed_code is not None),
            **({"slow_listeners": slow, "slow_closed_codes": slow_closed} if slow else {})}


async def _vote_in_child(url: str, sessions: list[str], first_index: int, statements: list[int],
                         per_socket: float, seconds: float, conn) -> None:
    import websockets

    counts = {"sent": 0, "ok": 0, "refused": 0}

    async def voter(session_key: str, index: int):
        headers = {"Origin": "http://127.0.0.1", "Cookie": f"sessionid={session_key}"}
        async with websockets.connect(url, additional_headers=headers, open_timeout=120, ping_interval=None,
                                      compression=None) as ws:
            async def read():
                async for text in ws:
                    if text.startswith(('{"type": "ack"', '{"type":"ack"')):  # json.dumps' spacing
                        counts["ok" if ('"ok": true' in text or '"ok":true' in text) else "refused"] += 1
            reader = asyncio.create_task(read())
            await asyncio.sleep(2)
            start = time.monotonic()
            n = 0
            while time.monotonic() - start < seconds:
                due = start + n / per_socket + (index % 10) / (10 * per_socket)
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                target = statements[(index + n) % len(statements)]
                await ws.send(json.dumps({"type": "vote", "target": f"statement:{target}",
                                          "value": (index + n) % 3 - 1, "ref": str(n)}))
                counts["sent"] += 1
                n += 1
            await asyncio.sleep(5)  # the last acks
            reader.cancel()

    started = time.monotonic()
    await asyncio.gather(*(voter(key, first_index + i) for i, key in enumerate(sessions)), return_exceptions=True)
    conn.send({**counts, "elapsed": time.monotonic() - started - 7})


def _voter_process(*args) -> None:
    with contextlib.suppress(ImportError):
        import uvloop
        uvloop.install()
    asyncio.run(_vote_in_child(*args))


async def storm_run(*, server: Server, seed: dict, votes_per_second: float, seconds: float, watchers: int) -> dict:
    """Voters and watchers in child processes: every socket on the page receives every tally
    update, so 300 sockets and 20 statements are thousands of frames a second for the clients."""
    import multiprocessing

    sessions = seed["sessions"]
    url = f"ws://127.0.0.1:{server.port}/ws/live/{seed['page_id']}/"
    watch = ListenerPool([url] * watchers, [True] * watchers, {"Origin": "http://127.0.0.1"}, processes=1)
    await asyncio.to_thread(watch.wait_ready)
    per_socket = votes_per_second / len(sessions)
    ctx = multiprocessing.get_context("spawn")
    children = []
    for k in range(2):
        parent_conn, child_conn = ctx.Pipe()
        proc = ctx.Process(target=_voter_process, daemon=True,
                           args=(url, sessions[k::2], k * 100_000, seed["statements"], per_socket, seconds,
                                 child_conn))
        proc.start()
        children.append((proc, parent_conn))
    counts = []
    for proc, conn in children:
        counts.append(await asyncio.to_thread(conn.recv))
        proc.join(30)
    listeners = await asyncio.to_thread(watch.collect)
    worst = 0.0
    for listener in listeners:
        for times in listener.tallies.values():
            times.sort()
            j = 0
            for i, t in enumerate(times):  # most updates for one target inside any 1 s window
                while times[j] < t - 1.0:
                    j += 1
                worst = max(worst, i - j + 1)
    sent, ok = sum(c["sent"] for c in counts), sum(c["ok"] for c in counts)
    elapsed = max(c["elapsed"] for c in counts)
    return {"offered_votes_per_s": votes_per_second, "sockets": len(sessions), "seconds": seconds,
            "sent": sent, "sent_per_s": round(sent / elapsed, 1), "acks_ok": ok,
            "acks_refused": sum(c["refused"] for c in counts), "accepted_votes_per_s": round(ok / elapsed, 1),
            "max_tally_updates_per_target_per_s": worst, "watchers": watchers}


async def memory_run(*, server: Server, page_id: int, connections: int) -> dict:
    """RSS growth per idle connection, measured after a warm-up batch (thread pools, database
    connections and allocator arenas are per process, not per connection)."""
    import websockets

    sockets = []

    async def open_batch(count: int) -> None:
        for i in range(count):
            sockets.append(await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/live/{page_id}/",
                                                    additional_headers={"Origin": "http://127.0.0.1"},
                                                    ping_interval=None, open_timeout=60, close_timeout=2))
            if i % 200 == 199:
                await asyncio.sleep(0.2)
        await asyncio.sleep(3)

    await open_batch(max(50, connections // 5))
    before = server.rss_kb()
    await open_batch(connections)
    after = server.rss_kb()
    # Close together, not one after another: each close may wait for the server's closing
    # handshake, and a thousand sequential waits took hours.
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {"connections": connections, "rss_before_kb": before, "rss_after_kb": after,
            "kb_per_connection": round((after - before) / connections, 1)}


def environment(tmp: Path, *, redis: bool, pg: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    env.update({"RAYZAN_VAR_DIR": str(tmp), "SECRET_KEY": "bench-" + "x" * 50, "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
                "RAYZAN_STATIC_MANIFEST": "0", "RAYZAN_LIMIT_COMMENTS": "1000000/m",
                "RAYZAN_LIMIT_VOTES": "1000000/m", "RAYZAN_SOCKETS_PER_USER": "100000",
                "RAYZAN_CHANNEL_PREFIX": f"ws-bench-{os.getpid()}", "RAYZAN_CACHE_PREFIX": f"ws-bench-{os.getpid()}",
                "RAYZAN_DB_POOL_MAX": "30", "PYTHONUNBUFFERED": "1",
                # As deployed (deploy/systemd): the web workers do not run the reports worker's thread.
                "RAYZAN_REPORTS_WORKER": "off"})
    if pg:
        env["DATABASE_URL"] = PG_URL
    else:
        env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    if redis:
        env["REDIS_URL"] = REDIS_URL
    return env


def prepare_database(env: dict, pg: bool, voters: int) -> dict:
    if pg:
        name = PG_URL.rsplit("/", 1)[1]
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{name}"')
    proc = subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return run_internal(env, "seed", str(voters))


def machine() -> dict:
    from importlib.metadata import version

    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "uvicorn": version("uvicorn"), "daphne": version("daphne"), "channels": version("channels"),
            "websockets": version("websockets")}


TARGETS = {(1000, 2): 150, (1000, 10): 250, (2000, 10): 500}


async def bench(args) -> dict:
    pg = shutil.which("psql") is not None and answers("127.0.0.1", 5432)
    redis = answers("127.0.0.1", 6379)
    quick = args.quick
    seconds = args.seconds or (5 if quick else 20)
    scale = 10 if quick else 1
    tmp = Path(tempfile.mkdtemp(prefix="rayzan-ws-bench-"))
    results: dict = {"machine": machine(), "database": "PostgreSQL" if pg else "SQLite",
                     "layer": "Redis pub/sub" if redis else "in-memory", "quick": quick, "runs": []}
    env = environment(tmp, redis=redis, pg=pg)
    log(f"database {results['database']}, layer {results['layer']}: migrate and seed")
    seed = prepare_database(env, pg, voters=200 // (5 if quick else 1))
    servers_to_try = ["uvicorn", "daphne"] if args.server == "both" else [args.server]
    scenarios = set(args.scenarios.split(","))
    try:
        for kind in servers_to_try:
            if "fanout" in scenarios or "slow" in scenarios:
                combos = [(1000, 2), (1000, 10), (2000, 10)] if "fanout" in scenarios else []
                combos += [("slow", 1000, 10)] if "slow" in scenarios else []
                for combo in combos:
                    slow = 1 if combo[0] == "slow" else 0
                    clients, rate = combo[-2] // scale, combo[-1]
                    for floor in (True, False):
                        what = "floor" if floor else "rayzan"
                        server = Server(kind, env, tmp / f"{kind}-{what}.log", floor=floor).start()
                        log(f"{kind} {what}: {clients} clients × {rate}/s for {seconds}s{' + 1 slow' if slow else ''}")
                        try:
                            run = await fanout_run(servers=[server], clients=clients, rate=rate, seconds=seconds,
                                                   page_id=seed["page_id"], token=seed["token"], floor=floor,
                                                   slow=slow)
                        finally:
                            server.stop()
                        run.update({"server": kind, "app": what, "workers": 1})
                        if not floor:
                            run["target_p99_ms"] = TARGETS.get((combo[-2], rate))
                        results["runs"].append(run)
                        log(f"   p50 {run['p50_ms']} p99 {run['p99_ms']} max {run['max_ms']} ms, lost {run['lost']}, "
                            f"CPU {run['server_cpu_cores']} cores")
            if "workers" in scenarios and redis and pg:
                clients = 2000 // scale
                for floor in (True, False):
                    what = "floor" if floor else "rayzan"
                    pair = [Server(kind, env, tmp / f"{kind}-{what}-w{n}.log", floor=floor).start() for n in range(2)]
                    log(f"{kind} {what}: 2 workers, {clients} clients × 10/s for {seconds}s")
                    try:
                        run = await fanout_run(servers=pair, clients=clients, rate=10, seconds=seconds,
                                               page_id=seed["page_id"], token=seed["token"], floor=floor)
                    finally:
                        for server in pair:
                            server.stop()
                    run.update({"server": kind, "app": what, "workers": 2, "target_p99_ms": None if floor else 500})
                    results["runs"].append(run)
                    log(f"   p50 {run['p50_ms']} p99 {run['p99_ms']} max {run['max_ms']} ms, lost {run['lost']}, "
                        f"CPU {run['server_cpu_cores']} cores")
            if "storm" in scenarios:
                server = Server(kind, env, tmp / f"{kind}-storm.log").start()
                log(f"{kind}: vote storm, {1000 // scale} votes/s offered over {len(seed['sessions'])} sockets")
                try:
                    storm = await storm_run(server=server, seed=seed, votes_per_second=1000 // scale,
                                            seconds=10 if quick else 30, watchers=100 // scale)
                finally:
                    server.stop()
                storm["tallies"] = run_internal(env, "verify", str(seed["page_id"]))
                storm["server"] = kind
                results.setdefault("storms", []).append(storm)
                log(f"   accepted {storm['accepted_votes_per_s']} votes/s, tally mismatches "
                    f"{len(storm['tallies']['mismatches'])}, max tally updates/target/s "
                    f"{storm['max_tally_updates_per_target_per_s']}")
            if "memory" in scenarios:
                for floor in (True, False):
                    what = "floor" if floor else "rayzan"
                    server = Server(kind, env, tmp / f"{kind}-mem-{what}.log", floor=floor).start()
                    try:
                        mem = await memory_run(server=server, page_id=seed["page_id"], connections=1000 // scale)
                    finally:
                        server.stop()
                    mem.update({"server": kind, "app": what})
                    results.setdefault("memory", []).append(mem)
                    log(f"{kind} {what}: {mem['kb_per_connection']} KB per idle connection")
    finally:
        if pg:
            with contextlib.suppress(Exception):
                pg_admin(f'DROP DATABASE IF EXISTS "{PG_URL.rsplit("/", 1)[1]}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def report(results: dict) -> None:
    m = results["machine"]
    print(f"\n== Live fan-out: {results['database']}, {results['layer']} layer; {m['nproc']} cores ({m['cpu']}), "
          f"{m['memory']}; uvicorn {m['uvicorn']}, daphne {m['daphne']}, channels {m['channels']}")
    floors = {(r["server"], r["clients"], r["rate"], r["workers"], "slow_listeners" in r): r
              for r in results["runs"] if r["app"] == "floor"}
    for r in results["runs"]:
        if r["app"] != "rayzan":
            continue
        f = floors.get((r["server"], r["clients"], r["rate"], r["workers"], "slow_listeners" in r))
        ratio = f" (floor p99 {f['p99_ms']} ms, lost {f['lost']}, CPU {f['server_cpu_cores']})" if f else ""
        verdict = ""
        if r.get("target_p99_ms"):
            ok = r["p99_ms"] is not None and r["p99_ms"] <= r["target_p99_ms"] and r["lost"] == 0
            verdict = f"  target p99 ≤ {r['target_p99_ms']} ms, 0 lost: {'PASS' if ok else 'MISS'}"
        slow = " + 1 listener that never reads" if r.get("slow_listeners") else ""
        print(f"   {r['server']:<8} {r['workers']}w {r['clients']:>5} clients × {r['rate']:>4g}/s{slow}: "
              f"p50 {r['p50_ms']} p99 {r['p99_ms']} max {r['max_ms']} ms, lost {r['lost']}, "
              f"CPU {r['server_cpu_cores']} cores{ratio}{verdict}")
        if r.get("post_p99_ms") is not None:
            print(f"            the POST itself p50 {r['post_p50_ms']} p99 {r['post_p99_ms']} ms; from its answer to "
                  f"receipt p50 {r['after_answer_p50_ms']} p99 {r['after_answer_p99_ms']} ms")
    for s in results.get("storms", []):
        t = s["tallies"]
        print(f"   {s['server']:<8} vote storm: offered {s['offered_votes_per_s']}/s over {s['sockets']} sockets, "
              f"sent {s.get('sent_per_s')}/s, accepted {s['accepted_votes_per_s']}/s ({s['acks_refused']} refused), "
              f"tallies exact: "
              f"{not t['mismatches']} ({t['votes']} votes), max tally updates per target per second "
              f"{s['max_tally_updates_per_target_per_s']} (≤ 4)")
    for mem in results.get("memory", []):
        print(f"   {mem['server']:<8} {mem['app']}: {mem['kb_per_connection']} KB per idle connection "
              f"({mem['connections']} sockets){'  target ≤ 35 KB' if mem['app'] == 'rayzan' else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="fanout,slow,workers,storm,memory")
    parser.add_argument("--server", choices=["uvicorn", "daphne", "both"], default="uvicorn")
    parser.add_argument("--quick", action="store_true", help="a tenth of the clients, 5 s phases: a smoke run")
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--internal", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal:
        _django()
        mode, arg = args.internal
        result = internal_seed(int(arg)) if mode == "seed" else internal_verify(int(arg))
        print("BENCH-JSON " + json.dumps(result))
        return
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    results = asyncio.run(bench(args))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"ws_fanout{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(results, indent=2))
    report(results)
    print(f"   results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
