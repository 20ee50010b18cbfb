#!/usr/bin/env python
"""Soak: mixed traffic on two workers for 30 minutes while one of them is restarted every 5.

Two production-configured web workers (uvicorn by default, as the systemd unit runs them; or
daphne) share one PostgreSQL database and the Redis channel layer, beside one reports worker.
One open consultation is seeded with sections, comments, statements and a pool of citizens
(API tokens for the HTTP writers, session cookies for the socket voters). Then, from child
processes so the load generator is not the bottleneck:

  listeners      WebSocket listeners (default 200, half on each worker) keep every durable `seq`
                 they receive. When their socket drops they reconnect with backoff and
                 `?after=<last seq>`, to their own worker or, while it is down, the other (and
                 move back some seconds after it returns, as new page loads would); a gap in `seq`
                 is filled from the REST log, as the browser client (live.js) does
  readers        the consultation page (HTML), the comments API, statements, the REST event log
  commenters     new comments and replies through the API, some edits, withdrawals, statements
                 (--comments-per-s counts all of these writes)
  voters         comment and statement votes through the API (some withdrawn), and a few
                 sockets voting over the live socket's fast path, each vote answered by an ack

HTTP requests go round-robin to the two workers; one that cannot reach its worker (refused or
reset: the worker is restarting) is sent to the other, as nginx's `proxy_next_upstream error`
does, and counted as "retried during restart". Worker A gets SIGTERM every --restart-every
minutes (it closes live sockets with 1012 and finishes requests in flight), is waited for, and
started again on the same port; worker B runs throughout. RSS of every server process (with its
children) is sampled every 10 s.

Afterwards, with traffic stopped and a short drain:
  lost = 0       every listener holds every durable event of the page's log after the `seq` it
                 first connected at (raw duplicate frames and gaps filled over REST are reported
                 beside it; the contract says there should be none of either)
  tallies        comment and statement vote counters equal a recount of the vote rows
  no 5xx         no request answered 5xx, none failed on both workers
  memory         worker B's RSS at the end is at most 10% above its RSS at the end of the warm-up
                 (minute --warmup); worker A's figures are given for each of its lives

Usage: .venv/bin/python bench/soak.py [--minutes 30] [--restart-every 5] [--warmup 3]
       [--listeners 200] [--reads-per-s 5] [--comments-per-s 1] [--votes-per-s 20]
       [--socket-voters 10] [--server uvicorn|daphne]
       short check:  .venv/bin/python bench/soak.py --minutes 3 --restart-every 1 --warmup 1
Needs PostgreSQL (RAYZAN_SOAK_PG_URL, default postgres://postgres@127.0.0.1:5432/rayzan_soak,
dropped and re-created) and Redis (RAYZAN_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0,
keys and channels under a prefix of this run's own); without them it says so and stops. The
production write limits stay on (10 comments and 120 votes a minute per person): the pools are
sized to stay under them, and a 429 is counted, not an error. Results: bench/results/soak.json
(soak-short.json for other settings), the servers' logs: bench/results/soak-servers.log.
Not part of `make bench` (`make soak` runs it) nor of the test suite. The same file runs inside
Django for seeding and checking (`--internal seed|verify`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
PG_URL = os.environ.get("RAYZAN_SOAK_PG_URL", "postgres://postgres@127.0.0.1:5432/rayzan_soak")
REDIS_URL = os.environ.get("RAYZAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ORIGIN = {"Origin": "http://127.0.0.1"}
RSS_EVERY = 10.0            # seconds between two memory samples
DRAIN_SECONDS = 10.0        # after the writers stop, before the listeners are collected
GRACEFUL_SECONDS = 25       # uvicorn --timeout-graceful-shutdown, as deploy/systemd/rayzan-web@.service
MEMORY_GROWTH_LIMIT = 10.0  # percent
SEQ = re.compile(r'"seq":(\d+)')
WORDS = ("budget district council draft article deadline residents proposal criteria annex public "
         "transparent review committee municipal library transport housing water park school clinic "
         "notice hearing evidence summary language access appeal record published reasons schedule "
         "neighbourhood office tender contract audit report funding priority vote decision citizens "
         "workshop survey map route station bridge market street lighting noise safety children elders "
         "volunteers translation persian english online paper deadline extension clarity fairness").split()


# =============================================================================================
# Inside Django: seeding and checking (`soak.py --internal seed|verify ARG`)
# =============================================================================================

def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def internal_seed(scale: dict) -> dict:
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from consult import services
    from consult.models import Comment, CommentStatus, ConsultationPage, Profile, Statement
    from consult.sanitize import render_markdown
    from consult.site_tree import ensure_site_tree

    rng = random.Random(2026)
    now = timezone.now()
    day = datetime.timedelta(days=1)
    tree = ensure_site_tree()
    sections = [{"type": "section", "value": {"heading": f"Article {n}", "body": f"<p>{' '.join(WORDS[:60])}</p>"}}
                for n in range(1, scale["sections"] + 1)]
    page = services.page_publish_child(parent=tree.indexes["en"], page=ConsultationPage(
        title="Soak: public libraries regulation", slug="soak", locale=tree.indexes["en"].locale,
        summary="The consultation the soak script keeps busy.", introduction="<p>Soak.</p>", sections=sections,
        opens_at=now - day, closes_at=now + 30 * day))
    section_ids = [s["id"] for s in page.section_list]
    User = get_user_model()
    unusable = make_password(None)
    pools = {"authors": scale["authors"], "commenters": scale["commenters"], "voters": scale["voters"],
             "socket_voters": scale["socket_voters"]}
    people = {}
    with transaction.atomic():
        for pool, count in pools.items():
            users = User.objects.bulk_create([User(username=f"soak-{pool}-{i}", email=f"soak-{pool}-{i}@example.org",
                                                   password=unusable) for i in range(count)])
            if users and users[0].pk is None:
                users = list(User.objects.filter(username__startswith=f"soak-{pool}-").order_by("pk"))
            Profile.objects.bulk_create([Profile(user=u, display_name=f"Soak {pool} {i}",
                                                 display_name_key=f"soak{pool}{i}".replace("_", ""),
                                                 consent_version="bench", consented_at=now)
                                         for i, u in enumerate(users)])
            people[pool] = users
    tokens = {pool: [Token.objects.create(user=u).key for u in people[pool]] for pool in ("commenters", "voters")}
    sessions = []
    for user in people["socket_voters"]:
        store = SessionStore()
        store.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                      "_auth_user_hash": user.get_session_auth_hash()})
        store.create()
        sessions.append(store.session_key)
    comments = []
    for n in range(scale["comments"]):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(12, 30)))
        comments.append(Comment(page=page, section_id=rng.choice([*section_ids, ""]),
                                page_revision_id=page.live_revision_id, author=people["authors"][n % scale["authors"]],
                                stance=rng.choice(["support", "oppose", "neutral"]), body=text,
                                body_html=render_markdown(text), status=CommentStatus.PUBLISHED,
                                created_at=now - datetime.timedelta(minutes=rng.randrange(60, 1440))))
    comments = Comment.objects.bulk_create(comments)
    statements = [Statement.objects.create(page=page, author=people["authors"][n % scale["authors"]],
                                           text=f"The library should {' '.join(rng.sample(WORDS, 6))}").pk
                  for n in range(scale["statements"])]
    return {"page_id": page.pk, "page_url": page.get_url(None), "sections": section_ids,
            "comments": [c.pk for c in comments], "statements": statements, "commenter_tokens": tokens["commenters"],
            "voter_tokens": tokens["voters"], "sessions": sessions}


def internal_verify(page_id: int) -> dict:
    """Counters against a recount of the rows, and the page's event log as (seq, type, id)."""
    from django.db.models import Count, Q

    from consult.models import Comment, CommentStatus, LiveEvent, LiveStream, Statement

    comments = Comment.objects.filter(page_id=page_id).annotate(
        up=Count("votes", filter=Q(votes__value=1), distinct=True),
        down=Count("votes", filter=Q(votes__value=-1), distinct=True))
    comment_bad = [{"comment": c.pk, "cached": [c.support_count, c.oppose_count], "recount": [c.up, c.down]}
                   for c in comments if (c.support_count, c.oppose_count) != (c.up, c.down)]
    visible = [CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN]  # a withdrawn reply stays as a placeholder
    replies = Comment.objects.filter(page_id=page_id).annotate(
        shown=Count("replies", filter=Q(replies__status__in=visible), distinct=True),
        published=Count("replies", filter=Q(replies__status=CommentStatus.PUBLISHED), distinct=True))
    reply_bad = [{"comment": c.pk, "cached": c.reply_count, "published_replies": c.published,
                  "published_or_withdrawn_replies": c.shown}
                 for c in replies if c.reply_count not in (c.shown, c.published)]
    statements = Statement.objects.filter(page_id=page_id).annotate(
        agree=Count("votes", filter=Q(votes__value=1)), disagree=Count("votes", filter=Q(votes__value=-1)),
        passed=Count("votes", filter=Q(votes__value=0)))
    statement_bad = [{"statement": s.pk, "cached": [s.agree_count, s.disagree_count, s.pass_count],
                      "recount": [s.agree, s.disagree, s.passed]}
                     for s in statements if (s.agree_count, s.disagree_count, s.pass_count)
                     != (s.agree, s.disagree, s.passed)]
    log = [[seq, kind, (data or {}).get("id")] for seq, kind, data in
           LiveEvent.objects.filter(page_id=page_id).order_by("seq").values_list("seq", "type", "data")]
    statuses = dict(Comment.objects.filter(page_id=page_id).values_list("status").annotate(n=Count("pk")))
    return {"comment_votes": sum(c.up + c.down for c in comments), "comments_checked": len(comments),
            "comment_mismatches": comment_bad, "reply_count_mismatches": reply_bad,
            "statement_votes": sum(s.agree + s.disagree + s.passed for s in statements),
            "statements_checked": len(statements), "statement_mismatches": statement_bad,
            "last_seq": LiveStream.objects.filter(page_id=page_id).values_list("last_seq", flat=True).first() or 0,
            "log": log, "comment_statuses": statuses,
            "published_comment_ids": list(Comment.objects.filter(page_id=page_id, status=CommentStatus.PUBLISHED)
                                          .values_list("pk", flat=True))}


def run_internal(env: dict, mode: str, arg: str) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--internal", mode, arg], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    raise RuntimeError(f"{mode} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


# =============================================================================================
# Outside Django: services, the servers and their memory
# =============================================================================================

# The same small helpers as the fan-out bench (this directory is on sys.path when run as a script).
from participation import redis_answers as redis_answers_at  # noqa: E402
from ws_fanout import answers, free_port, log  # noqa: E402


def connect_errors() -> tuple:
    """What a socket client sees when it cannot connect (the server restarting, a refused handshake)."""
    import websockets

    return (OSError, TimeoutError, websockets.InvalidHandshake, websockets.InvalidStatus, ValueError)


def socket_errors() -> tuple:
    import websockets

    return (websockets.ConnectionClosed, *connect_errors())


def close_code(exc: BaseException):
    """The close code a socket ended with (1006 when none came), or "connect: <error>"."""
    import websockets

    if isinstance(exc, websockets.ConnectionClosed):
        return exc.rcvd.code if exc.rcvd else 1006
    return f"connect: {type(exc).__name__}"


def redis_answers() -> bool:
    return redis_answers_at(REDIS_URL)


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(PG_URL)._replace(path="/postgres")), autocommit=True,
                         connect_timeout=10) as conn:
        conn.execute(sql)


def pg_database() -> str:
    name = urlsplit(PG_URL).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database name {name!r}")
    return name


def tree_usage(pid: int) -> tuple[int, float]:
    """RSS (KB) and CPU time (s) of a process and all its descendants (uvicorn runs one process,
    but be sure)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    rss, cpu, todo = 0, 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        with contextlib.suppress(OSError, IndexError, ValueError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, round(cpu, 2)


def code_revision() -> str | None:
    """The checkout's commit (and "-dirty" with uncommitted changes) that a worker starts with:
    a worker restarted after a commit runs other code than one that kept running."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10)
        return proc.stdout.strip() or None
    return None


def http_status(port: int, path: str, timeout: float = 3) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


class Worker:
    """One web worker on a fixed port, started the way deploy/systemd/rayzan-web@.service does."""

    def __init__(self, name: str, kind: str, env: dict, port: int, log_dir: Path):
        self.name, self.kind, self.env, self.port, self.log_dir = name, kind, env, port, log_dir
        self.proc: subprocess.Popen | None = None
        self.lives: list[dict] = []

    def command(self) -> list[str]:
        if self.kind == "uvicorn":
            return [str(Path(PYTHON).with_name("uvicorn")), "config.asgi:application", "--host", "127.0.0.1",
                    "--port", str(self.port), "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
                    "--no-access-log", "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
                    "--log-level", "warning",
                    "--timeout-graceful-shutdown", str(GRACEFUL_SECONDS)]
        return [str(Path(PYTHON).with_name("daphne")), "-b", "127.0.0.1", "-p", str(self.port), "--proxy-headers",
                "--websocket_connect_timeout", "30", "config.asgi:application"]

    def start(self, now: float) -> float:
        """Start and wait for /readyz; returns the seconds it took."""
        started = time.monotonic()
        life = len(self.lives)
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, start_new_session=True,
                                     stdout=(self.log_dir / f"worker-{self.name}-{life}.log").open("ab"),
                                     stderr=subprocess.STDOUT)
        deadline = started + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n"
                                   f"{(self.log_dir / f'worker-{self.name}-{life}.log').read_text()[-3000:]}")
            if http_status(self.port, "/readyz") == 200:
                self.lives.append({"life": life, "pid": self.proc.pid, "started_at_s": round(now, 1),
                                   "ready_s": round(time.monotonic() - started, 2), "code": code_revision(),
                                   "rss": []})
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"worker {self.name} did not become ready in 90 s")

    def stop(self) -> dict:
        """SIGTERM, then wait for the exit (the graceful shutdown), as systemd does."""
        if not self.proc or self.proc.poll() is not None:
            return {}
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        killed = False
        try:
            code = self.proc.wait(timeout=GRACEFUL_SECONDS + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code, killed = self.proc.wait(), True
        return {"exit_code": code, "stop_s": round(time.monotonic() - started, 2), "killed": killed}

    def sample(self, now: float) -> None:
        if self.proc and self.proc.poll() is None and self.lives and self.lives[-1]["pid"] == self.proc.pid:
            self.lives[-1]["rss"].append((round(now, 1), *tree_usage(self.proc.pid)))


# =============================================================================================
# HTTP traffic (a child process: readers, commenters and voters on threads)
# =============================================================================================

class Failover:
    """Keep-alive connections to both workers, requests round-robin. A request that cannot be
    delivered (refused or reset: the worker is restarting) is tried again, on a fresh
    connection to the same worker when it was a stale keep-alive one, else on the other worker;
    either counts as retried."""

    def __init__(self, ports: list[int], start: int):
        self.ports, self.turn = ports, start
        self.conns: list[http.client.HTTPConnection | None] = [None] * len(ports)

    def _once(self, w: int, method: str, path: str, body, headers) -> tuple[int, bytes]:
        if self.conns[w] is None:
            self.conns[w] = http.client.HTTPConnection("127.0.0.1", self.ports[w], timeout=40)
        conn = self.conns[w]
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.conns[w] = None
            raise
        if response.will_close:
            conn.close()
            self.conns[w] = None
        return response.status, data

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int | str, bytes, str]:
        """(status or "unreachable", body, how: "direct" | "same_worker_again" | "other_worker")."""
        first = self.turn % len(self.ports)
        self.turn += 1
        headers = {"Host": "127.0.0.1", **(headers or {})}
        reused = self.conns[first] is not None
        plan = [(first, "direct")] + ([(first, "same_worker_again")] if reused else []) + [
            ((first + 1) % len(self.ports), "other_worker")]
        for w, how in plan:
            try:
                status, data = self._once(w, method, path, body, headers)
                return status, data, how
            except (OSError, http.client.HTTPException):
                continue
        return "unreachable", b"", "other_worker"


class Tally:
    """Per kind of request: statuses, how it got through, latencies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.kinds: dict[str, dict] = {}

    def add(self, kind: str, status, how: str, seconds: float) -> None:
        with self.lock:
            k = self.kinds.setdefault(kind, {"statuses": {}, "how": {}, "latencies": []})
            k["statuses"][str(status)] = k["statuses"].get(str(status), 0) + 1
            k["how"][how] = k["how"].get(how, 0) + 1
            k["latencies"].append(round(seconds, 4))


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(low, high)))


def _http_traffic(cfg: dict, conn, stop) -> None:
    """Readers, commenters and voters, each role on a few threads at a steady rate."""
    seed, ports = cfg["seed"], cfg["ports"]
    tally = Tally()
    deadline = time.monotonic() + cfg["seconds"] + 120  # a bound besides the stop event
    created_lock = threading.Lock()
    created: list[dict] = []  # comments this process posted: id, token, depth, when, status
    statements_posted: list[int] = []
    late = {"actions_skipped": 0}

    def timed(client: Failover, kind: str, method: str, path: str, payload=None, token: str | None = None):
        headers = {"Accept-Language": "en"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Token {token}"
        started = time.monotonic()
        status, data, how = client.request(method, path, body, headers)
        tally.add(kind, status, how, time.monotonic() - started)
        return status, data

    def read(client: Failover, rng: random.Random, n: int) -> None:
        roll = rng.random()
        if roll < 0.4:
            timed(client, "read_page_html", "GET", seed["page_url"])
        elif roll < 0.8:
            section = rng.choice([*seed["sections"], "general"])
            ordering = rng.choice(["newest", "oldest", "supported", "discussed"])
            timed(client, "read_comments_api", "GET",
                  f"/api/v1/consultations/{seed['page_id']}/comments/?section={section}&ordering={ordering}")
        elif roll < 0.9:
            timed(client, "read_statements_api", "GET", f"/api/v1/pages/{seed['page_id']}/statements/")
        else:
            timed(client, "read_events_api", "GET", f"/api/v1/pages/{seed['page_id']}/events/?after="
                  f"{rng.randrange(0, 50)}&limit=100")

    def comment(client: Failover, rng: random.Random, n: int) -> None:
        tokens = seed["commenter_tokens"]
        token = tokens[n % len(tokens)]
        roll = rng.random()
        now = time.monotonic()
        with created_lock:
            mine = [c for c in created if c["token"] == token and c["status"] == "published"
                    and now - c["at"] < 20 * 60 and not c.get("withdrawn")]
            parents = [c for c in created[-200:] if c["depth"] == 0 and c["status"] == "published"
                       and not c.get("withdrawn")]
        if roll < 0.10 and mine:
            target = rng.choice(mine)
            timed(client, "comment_edit", "PATCH", f"/api/v1/comments/{target['id']}/",
                  {"text": words(rng, 12, 30)}, token)
        elif roll < 0.15 and mine:
            target = rng.choice(mine)
            status, _ = timed(client, "comment_withdraw", "DELETE", f"/api/v1/comments/{target['id']}/", None, token)
            if status == 200:
                target["withdrawn"] = True
        elif roll < 0.20:
            status, data = timed(client, "statement_post", "POST", f"/api/v1/pages/{seed['page_id']}/statements/",
                                 {"text": "The library should " + words(rng, 6, 14)}, token)
            if status == 201:
                statements_posted.append(json.loads(data)["id"])
        else:
            payload = {"text": words(rng, 12, 30)}
            if parents and rng.random() < 0.3:
                payload["parent"] = rng.choice(parents)["id"]
            else:
                payload.update(stance=rng.choice(["support", "oppose", "neutral"]),
                               section=rng.choice([*seed["sections"], ""]))
            status, data = timed(client, "comment_post", "POST", f"/api/v1/consultations/{seed['page_id']}/comments/",
                                 payload, token)
            if status == 201:
                made = json.loads(data)
                with created_lock:
                    created.append({"id": made["id"], "token": token, "depth": made["depth"],
                                    "at": time.monotonic(), "status": made["status"]})

    def vote(client: Failover, rng: random.Random, n: int) -> None:
        tokens = seed["voter_tokens"]
        token = tokens[n % len(tokens)]
        withdraw = rng.random() < 0.1
        if rng.random() < 0.6:
            target = f"/api/v1/comments/{rng.choice(seed['comments'])}/vote/"
            kind, value = "comment_vote", rng.choice([1, 1, -1])
        else:
            target = f"/api/v1/statements/{rng.choice(seed['statements'])}/vote/"
            kind, value = "statement_vote", rng.choice([1, -1, 0])
        if withdraw:
            timed(client, kind + "_withdraw", "DELETE", target, None, token)
        else:
            timed(client, kind, "PUT", target, {"value": value}, token)

    def paced(role: str, action, rate: float, threads: int, index: int) -> None:
        """One thread's share of a role: actions at rate/threads a second, on a fixed schedule
        (a slow answer delays this thread's next actions; more than 5 s behind, they are skipped)."""
        if rate <= 0:
            return
        rng = random.Random(f"{role}-{index}")
        client = Failover(ports, start=index)
        interval = threads / rate
        due = time.monotonic() + index * interval / threads
        n = index
        while not stop.is_set() and time.monotonic() < deadline:
            wait = due - time.monotonic()
            if wait > 0 and stop.wait(wait):
                break
            if time.monotonic() - due > 5:
                skipped = int((time.monotonic() - due) / interval)
                late["actions_skipped"] += skipped
                due += skipped * interval
            action(client, rng, n)
            n += threads
            due += interval

    roles = [("reader", read, cfg["reads_per_s"], 3), ("commenter", comment, cfg["comments_per_s"], 2),
             ("voter", vote, cfg["votes_per_s"], 8)]
    threads = [threading.Thread(target=paced, args=(role, action, rate, count, i), daemon=True)
               for role, action, rate, count in roles for i in range(count)]
    for thread in threads:
        thread.start()
    conn.send("ready")
    for thread in threads:
        thread.join()
    conn.send({"kinds": tally.kinds, "created": [{k: c[k] for k in ("id", "status")} | {"withdrawn": bool(
        c.get("withdrawn"))} for c in created], "statements": statements_posted, **late})


# =============================================================================================
# Live sockets (child processes): listeners, and voters on the socket's fast path
# =============================================================================================

class Listener:
    def __init__(self, number: int, home: int):
        self.number, self.home = number, home
        self.first_seq: int | None = None
        self.last_seq = 0
        self.got: dict[int, tuple[str, int | None]] = {}  # seq -> (type, data id)
        self.via_rest = 0          # events filled from the REST log after a gap
        self.gaps = 0              # times a socket frame skipped over a seq
        self.duplicate_frames = 0  # socket frames with a seq already held
        self.tally_frames = 0
        self.connects = 0
        self.refused = 0           # connection attempts that failed
        self.moves_home = 0        # back to its own worker after a stay on the other
        self.close_codes: dict[str, int] = {}
        self.resume_seconds: list[float] = []  # from a drop (not our own close) to the next `hello`
        self.resumed_at_other = 0

    def state(self) -> dict:
        return dict(self.__dict__)


def _get_json(ports: list[int], first: int, path: str) -> dict | None:
    for k in range(len(ports)):
        conn = http.client.HTTPConnection("127.0.0.1", ports[(first + k) % len(ports)], timeout=20)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            body = response.read()
            if response.status == 200:
                return json.loads(body)
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            conn.close()
    return None


async def _fill_gap(listener: Listener, ports: list[int], page_id: int, until: int, first: int) -> None:
    """Events after listener.last_seq up to `until`, from the REST log (as live.js does)."""
    while listener.last_seq < until:
        body = await asyncio.to_thread(_get_json, ports, first,
                                       f"/api/v1/pages/{page_id}/events/?after={listener.last_seq}&limit=500")
        if body is None or not body["events"]:
            return
        for event in body["events"]:
            if event["seq"] > until:
                return
            if event["seq"] == listener.last_seq + 1:
                listener.got[event["seq"]] = (event["type"], (event["data"] or {}).get("id"))
                listener.last_seq = event["seq"]
                listener.via_rest += 1


async def _listen(listener: Listener, ports: list[int], page_id: int, rng: random.Random) -> None:
    import websockets

    target, failures, dropped_at = listener.home, 0, None
    while True:
        after = "" if listener.first_seq is None else f"?after={listener.last_seq}"
        url = f"ws://127.0.0.1:{ports[target]}/ws/live/{page_id}/{after}"
        going_home = None
        try:
            async with websockets.connect(url, additional_headers=ORIGIN, open_timeout=30, ping_interval=None,
                                          close_timeout=5, compression=None, max_queue=None) as ws:
                hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
                listener.connects += 1
                failures = 0
                if listener.first_seq is None:
                    listener.first_seq = listener.last_seq = hello["data"]["seq"]
                if dropped_at is not None:
                    listener.resume_seconds.append(round(time.monotonic() - dropped_at, 3))
                    listener.resumed_at_other += target != listener.home
                    dropped_at = None
                if target != listener.home:  # come back once the own worker answers again
                    going_home = asyncio.get_running_loop().call_later(rng.uniform(20, 60), _close_soon, ws)
                async for text in ws:
                    if text.startswith(('{"type":"tally', '{"type":"presence')):
                        listener.tally_frames += 1
                        continue
                    match = SEQ.search(text)
                    if not match:
                        continue
                    seq = int(match.group(1))
                    if seq <= listener.last_seq:
                        listener.duplicate_frames += 1
                        continue
                    if seq > listener.last_seq + 1:
                        listener.gaps += 1
                        await _fill_gap(listener, ports, page_id, seq - 1, target)
                    message = json.loads(text)
                    listener.got[seq] = (message["type"], (message.get("data") or {}).get("id"))
                    listener.last_seq = seq
                code = ws.close_code
        except asyncio.CancelledError:
            raise
        except socket_errors() as exc:
            code = close_code(exc)
            if isinstance(exc, connect_errors()):
                listener.refused += 1
                failures += 1
        finally:
            if going_home is not None:
                going_home.cancel()
        listener.close_codes[str(code)] = listener.close_codes.get(str(code), 0) + 1
        if going_home is not None and code == 1000:  # our own close: back home now (not a drop)
            listener.moves_home += 1
            target = listener.home
            continue
        if dropped_at is None:
            dropped_at = time.monotonic()
        # Backoff with jitter; alternate between the two workers while it fails.
        await asyncio.sleep(min(8.0, 0.25 * 2 ** min(failures, 5)) * rng.uniform(0.5, 1.0))
        target = listener.home if failures % 2 == 0 else 1 - listener.home


_closing: set[asyncio.Task] = set()


def _close_soon(ws) -> None:
    task = asyncio.ensure_future(ws.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def _listeners_child(cfg: dict, conn, stop) -> None:
    listeners = [Listener(n, n % 2) for n in cfg["numbers"]]
    tasks = []
    for i, listener in enumerate(listeners):
        rng = random.Random(listener.number)
        tasks.append(asyncio.create_task(_listen(listener, cfg["ports"], cfg["page_id"], rng)))
        if i % 50 == 49:
            await asyncio.sleep(0.2)
    deadline = time.monotonic() + 120
    while any(listener.first_seq is None for listener in listeners) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    conn.send("ready")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, stop.wait, cfg["seconds"] + 600)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send([listener.state() for listener in listeners])


async def _socket_voter(number: int, session: str, cfg: dict, counts: dict, stop_at: asyncio.Event) -> None:
    """One signed-in socket voting every `interval` seconds, with `ref`s answered by acks."""
    import websockets

    rng = random.Random(f"socket-voter-{number}")
    home, failures, k = number % 2, 0, 0
    target = home
    headers = {**ORIGIN, "Cookie": f"sessionid={session}"}
    interval = 1 / cfg["rate_per_socket"]
    while not stop_at.is_set():
        pending: dict[str, float] = {}
        try:
            async with websockets.connect(f"ws://127.0.0.1:{cfg['ports'][target]}/ws/live/{cfg['page_id']}/",
                                          additional_headers=headers, open_timeout=30, ping_interval=None,
                                          close_timeout=5, compression=None, max_queue=None) as ws:
                counts["connects"] += 1
                failures = 0

                async def read(ws=ws, pending=pending):
                    async for text in ws:
                        if text.startswith('{"type": "ack"') or text.startswith('{"type":"ack"'):
                            ack = json.loads(text)
                            pending.pop(ack.get("ref"), None)
                            if ack.get("ok"):
                                counts["acks_ok"] += 1
                            else:
                                code = (ack.get("error") or {}).get("code", "?")
                                counts["acks_refused"][code] = counts["acks_refused"].get(code, 0) + 1

                reader = asyncio.create_task(read())
                try:
                    await asyncio.sleep(rng.uniform(0, interval))
                    while not stop_at.is_set() and not reader.done():
                        if rng.random() < 0.6:
                            vote = {"target": f"comment:{rng.choice(cfg['comments'])}",
                                    "value": rng.choice([1, 1, -1, None])}
                        else:
                            vote = {"target": f"statement:{rng.choice(cfg['statements'])}",
                                    "value": rng.choice([1, -1, 0, None])}
                        ref = f"{number}-{k}"
                        k += 1
                        pending[ref] = time.monotonic()
                        await ws.send(json.dumps({"type": "vote", "ref": ref, **vote}))
                        counts["sent"] += 1
                        await asyncio.wait({reader}, timeout=interval)  # a close ends the wait at once
                    if stop_at.is_set():
                        await asyncio.sleep(3)  # the last acks
                finally:
                    reader.cancel()
                    await asyncio.gather(reader, return_exceptions=True)
                code = ws.close_code
        except asyncio.CancelledError:
            raise
        except socket_errors() as exc:
            code = close_code(exc)
            if isinstance(exc, connect_errors()):
                failures += 1
        counts["unanswered"] += len(pending)
        if stop_at.is_set():
            return
        counts["closes"][str(code)] = counts["closes"].get(str(code), 0) + 1
        await asyncio.sleep(min(8.0, 0.25 * 2 ** min(failures, 5)) * rng.uniform(0.5, 1.0))
        target = home if failures % 2 == 0 else 1 - home


async def _socket_voters_child(cfg: dict, conn, stop) -> None:
    counts = {"sent": 0, "acks_ok": 0, "acks_refused": {}, "unanswered": 0, "connects": 0, "closes": {}}
    stop_at = asyncio.Event()
    tasks = [asyncio.create_task(_socket_voter(n, session, cfg, counts, stop_at))
             for n, session in enumerate(cfg["sessions"])]
    conn.send("ready")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, stop.wait, cfg["seconds"] + 600)
    stop_at.set()
    await asyncio.wait(tasks, timeout=15)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send(counts)


def _child(target: str, cfg: dict, conn, stop) -> None:
    """A spawned process: one of the traffic roles."""
    if target == "http":
        _http_traffic(cfg, conn, stop)
        return
    with contextlib.suppress(ImportError):
        import uvloop
        uvloop.install()
    main = _listeners_child if target == "listeners" else _socket_voters_child
    asyncio.run(main(cfg, conn, stop))


class Child:
    def __init__(self, ctx, target: str, cfg: dict, stop):
        self.target = target
        self.conn, child_conn = ctx.Pipe()
        self.proc = ctx.Process(target=_child, args=(target, cfg, child_conn, stop), daemon=True)
        self.proc.start()

    def ready(self, timeout: float = 180) -> None:
        if not self.conn.poll(timeout) or self.conn.recv() != "ready":
            raise RuntimeError(f"{self.target} did not start")

    def result(self, timeout: float = 300):
        if not self.conn.poll(timeout):
            raise RuntimeError(f"{self.target} did not report")
        value = self.conn.recv()
        self.proc.join(30)
        return value


# =============================================================================================
# The run
# =============================================================================================

def environment(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    prefix = f"rayzan-soak-{os.getpid()}"
    (tmp / "metrics").mkdir()
    env.update({"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL, "RAYZAN_VAR_DIR": str(tmp),
                "SECRET_KEY": "soak-" + "x" * 50, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "RAYZAN_STATIC_MANIFEST": "0",
                "RAYZAN_CHANNEL_PREFIX": prefix, "RAYZAN_CACHE_PREFIX": prefix, "RAYZAN_REPORTS_WORKER": "off",
                "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"), "PYTHONUNBUFFERED": "1"})
    return env


def machine(server: str) -> dict:
    from importlib.metadata import version

    cpu = mem = ""
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    with contextlib.suppress(OSError):
        mem = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1024 / 1024:.1f} GiB"
    versions = {}
    for package in ("django", "wagtail", "channels", "channels_redis", "redis", "psycopg", "websockets", server):
        with contextlib.suppress(Exception):
            versions[package] = version(package)
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "versions": versions, "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1)


def rss_at(samples: list, at: float) -> tuple | None:
    """The first sample at or after `at` seconds (else the last one)."""
    for sample in samples:
        if sample[0] >= at:
            return tuple(sample)
    return tuple(samples[-1]) if samples else None


def memory_figures(workers: list[Worker], warmup_s: float, restarts_at: list[float]) -> dict:
    a, b = workers
    samples_b = [s for life in b.lives for s in life["rss"]]
    # While A is down its listeners move to B for 20-60 s: B's peak load, and a new high-water
    # mark of its heap. B's RSS just before each restart shows whether that keeps growing.
    before_restarts = [round(max((s for s in samples_b if s[0] < at), default=(0, 0))[1] / 1024, 1)
                       for at in restarts_at]
    settled = rss_at(samples_b, restarts_at[0] + 90) if restarts_at else None
    warm, end = rss_at(samples_b, warmup_s), (tuple(samples_b[-1]) if samples_b else None)
    growth = round(100 * (end[1] - warm[1]) / warm[1], 1) if warm and end else None
    after = [s for s in samples_b if s[0] >= warmup_s]
    slope = None
    if len(after) >= 3:  # least squares, KB per second → MB per hour
        mx = sum(s[0] for s in after) / len(after)
        my = sum(s[1] for s in after) / len(after)
        den = sum((s[0] - mx) ** 2 for s in after)
        slope = round(sum((s[0] - mx) * (s[1] - my) for s in after) / den * 3600 / 1024, 1) if den else None
    lives = []
    for life in a.lives:
        samples = life["rss"]
        if not samples:
            continue
        length = samples[-1][0] - life["started_at_s"]
        warm_a = rss_at(samples, life["started_at_s"] + min(warmup_s, length / 2))
        lives.append({"life": life["life"], "code": life["code"], "started_at_s": life["started_at_s"],
                      "ready_s": life["ready_s"],
                      "stop": life.get("stop", {}), "samples": len(samples),
                      "rss_first_mb": round(samples[0][1] / 1024, 1), "rss_warm_mb": round(warm_a[1] / 1024, 1),
                      "rss_last_mb": round(samples[-1][1] / 1024, 1),
                      "rss_peak_mb": round(max(s[1] for s in samples) / 1024, 1),
                      "cpu_cores": round((samples[-1][2] - samples[0][2]) / max(1.0, length), 2),
                      "growth_after_warm_pct": round(100 * (samples[-1][1] - warm_a[1]) / warm_a[1], 1)})
    return {"b_warm_at_s": warm[0] if warm else None, "b_warm_mb": round(warm[1] / 1024, 1) if warm else None,
            "b_end_at_s": end[0] if end else None, "b_end_mb": round(end[1] / 1024, 1) if end else None,
            "b_growth_pct": growth, "b_peak_mb": round(max(s[1] for s in samples_b) / 1024, 1) if samples_b else None,
            "b_cpu_cores": round((samples_b[-1][2] - samples_b[0][2]) / max(1.0, samples_b[-1][0] - samples_b[0][0]), 2)
            if len(samples_b) > 1 else None,
            "b_slope_mb_per_hour_after_warmup": slope, "b_code": b.lives[0]["code"] if b.lives else None,
            "b_before_each_restart_mb": before_restarts,
            "b_after_first_restart_at_s": settled[0] if settled else None,
            "b_growth_after_first_restart_pct": round(100 * (end[1] - settled[1]) / settled[1], 1)
            if settled and end else None,
            "a_lives": lives,
            "series": {w.name: [[life["life"], *s] for life in w.lives for s in life["rss"]] for w in workers}}


def analyse_listeners(states: list[dict], log_rows: list) -> dict:
    by_seq = {seq: (kind, ident) for seq, kind, ident in log_rows}
    last = max(by_seq, default=0)
    lost, mismatched, never = 0, 0, 0
    worst = []
    for state in states:
        if state["first_seq"] is None:
            never += 1
            continue
        expected = range(state["first_seq"] + 1, last + 1)
        missing = [seq for seq in expected if seq not in state["got"]]
        lost += len(missing)
        if missing:
            worst.append({"listener": state["number"], "missing": len(missing), "first": missing[:10],
                          "last_seq": state["last_seq"], "close_codes": state["close_codes"]})
        mismatched += sum(1 for seq, got in state["got"].items() if tuple(by_seq.get(seq, ())) != tuple(got))
    resumes = [s for state in states for s in state["resume_seconds"]]
    codes: dict[str, int] = {}
    for state in states:
        for code, n in state["close_codes"].items():
            codes[code] = codes.get(code, 0) + n
    types: dict[str, int] = {}
    for kind, _ident in by_seq.values():
        types[kind] = types.get(kind, 0) + 1
    return {"listeners": len(states), "never_connected": never, "events_in_log": len(by_seq), "last_seq": last,
            "events_by_type": types,
            "log_gapless": sorted(by_seq) == list(range(1, last + 1)),
            "deliveries_expected": sum(last - s["first_seq"] for s in states if s["first_seq"] is not None),
            "lost": lost, "mismatched": mismatched,
            "duplicate_frames": sum(s["duplicate_frames"] for s in states),
            "gaps_seen": sum(s["gaps"] for s in states), "filled_from_rest": sum(s["via_rest"] for s in states),
            "connects": sum(s["connects"] for s in states),
            "reconnects": sum(s["connects"] for s in states) - sum(1 for s in states if s["connects"]),
            "resumed_on_other_worker": sum(s["resumed_at_other"] for s in states),
            "moved_back_home": sum(s["moves_home"] for s in states),
            "failed_connection_attempts": sum(s["refused"] for s in states), "close_codes": codes,
            "resume_p50_ms": percentile(resumes, 50), "resume_p99_ms": percentile(resumes, 99),
            "resume_max_ms": percentile(resumes, 100), "tally_frames": sum(s["tally_frames"] for s in states),
            "worst_listeners": sorted(worst, key=lambda w: -w["missing"])[:5]}


def summarise_http(kinds: dict, seconds: float) -> dict:
    out, totals = {}, {"requests": 0, "5xx": 0, "unreachable": 0, "429": 0, "retried": 0, "failed_over": 0}
    for kind, k in sorted(kinds.items()):
        n = sum(k["statuses"].values())
        five = sum(v for s, v in k["statuses"].items() if s.isdigit() and int(s) >= 500)
        retried = sum(v for how, v in k["how"].items() if how != "direct")
        out[kind] = {"requests": n, "per_s": round(n / seconds, 2), "statuses": k["statuses"], "how": k["how"],
                     "p50_ms": percentile(k["latencies"], 50), "p95_ms": percentile(k["latencies"], 95),
                     "p99_ms": percentile(k["latencies"], 99), "max_ms": percentile(k["latencies"], 100)}
        totals["requests"] += n
        totals["5xx"] += five
        totals["unreachable"] += k["statuses"].get("unreachable", 0)
        totals["429"] += k["statuses"].get("429", 0)
        totals["retried"] += retried
        totals["failed_over"] += k["how"].get("other_worker", 0)
    return {"by_kind": out, "totals": totals}


def soak(args) -> dict:
    seconds = args.minutes * 60
    restarts_at = [k * args.restart_every * 60 for k in range(1, 1000)
                   if k * args.restart_every * 60 < seconds - 30]
    tmp = Path(tempfile.mkdtemp(prefix="rayzan-soak-"))
    env = environment(tmp)
    results: dict = {"machine": machine(args.server), "settings": {
        "minutes": args.minutes, "restart_every_min": args.restart_every, "warmup_min": args.warmup,
        "listeners": args.listeners, "reads_per_s": args.reads_per_s, "comments_per_s": args.comments_per_s,
        "votes_per_s": args.votes_per_s, "socket_voters": args.socket_voters,
        "socket_votes_per_s_each": args.socket_vote_rate, "server": args.server, "database": "PostgreSQL",
        "layer": "Redis pub/sub", "reports_worker": "manage.py reports_worker (one process)"}}
    name = pg_database()
    workers: list[Worker] = []
    reports = None
    children: list[Child] = []
    try:
        log(f"PostgreSQL database {name} (re-created), Redis prefix {env['RAYZAN_CHANNEL_PREFIX']}: migrate and seed")
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{name}"')
        for command in (["compile_catalogues"], ["migrate", "--noinput"]):
            proc = subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=900)
            if proc.returncode:
                raise RuntimeError(f"{command[0]} failed:\n{proc.stderr[-3000:]}")
        # Sized to stay under the per-person write limits (10 comments, 120 votes a minute).
        scale = {"sections": 6, "authors": 20, "comments": 300, "statements": 30,
                 "commenters": max(10, int(args.comments_per_s * 60 / 3) + 1),
                 "voters": max(20, int(args.votes_per_s * 60 / 10) + 1), "socket_voters": args.socket_voters}
        seed = run_internal(env, "seed", json.dumps(scale))
        results["seed"] = {**scale, "page_id": seed["page_id"], "page_url": seed["page_url"]}
        ports = [free_port(), free_port()]
        workers = [Worker("A", args.server, env, ports[0], tmp), Worker("B", args.server, env, ports[1], tmp)]
        t0 = time.monotonic()
        for worker in workers:
            log(f"worker {worker.name} ({args.server}) on 127.0.0.1:{worker.port}: ready in "
                f"{worker.start(0):.1f} s")
        reports = subprocess.Popen([PYTHON, "manage.py", "reports_worker"], cwd=ROOT, env=env,
                                   stdout=(tmp / "reports.log").open("ab"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        for path in (seed["page_url"], f"/api/v1/consultations/{seed['page_id']}/comments/"):
            status = http_status(ports[0], path, timeout=30)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")

        ctx = multiprocessing.get_context("spawn")
        stop_http, stop_live = ctx.Event(), ctx.Event()
        numbers = list(range(args.listeners))
        processes = max(1, min(args.listener_processes, args.listeners // 50 or 1))
        live_cfg = {"ports": ports, "page_id": seed["page_id"], "seconds": seconds}
        listener_children = [Child(ctx, "listeners", {**live_cfg, "numbers": numbers[k::processes]}, stop_live)
                             for k in range(processes)]
        for child in listener_children:
            child.ready()
        log(f"{args.listeners} listeners connected ({processes} processes); traffic for {args.minutes} min, "
            f"worker A restarted at {', '.join(f'{t / 60:g}' for t in restarts_at) or 'never'} min")
        http_child = Child(ctx, "http", {"seed": seed, "ports": ports, "seconds": seconds,
                                         "reads_per_s": args.reads_per_s, "comments_per_s": args.comments_per_s,
                                         "votes_per_s": args.votes_per_s}, stop_http)
        voter_child = Child(ctx, "voters", {**live_cfg, "sessions": seed["sessions"], "comments": seed["comments"],
                                            "statements": seed["statements"],
                                            "rate_per_socket": args.socket_vote_rate}, stop_http)
        children = [*listener_children, http_child, voter_child]
        http_child.ready()
        voter_child.ready()

        start = time.monotonic()
        for worker in workers:  # both lives so far began before the traffic
            for life in worker.lives:
                life["started_at_s"] = round(life["started_at_s"] - (start - t0), 1)
        sampling = threading.Event()

        reports_usage = []

        def sample_loop():
            while not sampling.wait(RSS_EVERY):
                for worker in workers:
                    worker.sample(time.monotonic() - start)
                if reports.poll() is None:
                    reports_usage.append((round(time.monotonic() - start, 1), *tree_usage(reports.pid)))

        sampler = threading.Thread(target=sample_loop, daemon=True)
        for worker in workers:
            worker.sample(0)
        sampler.start()
        restarts = []
        for at in restarts_at:
            time.sleep(max(0.0, start + at - time.monotonic()))
            a = workers[0]
            a.sample(time.monotonic() - start)
            sigterm_at = time.monotonic() - start
            stopped = a.stop()
            a.lives[-1]["stop"] = stopped
            ready = a.start(time.monotonic() - start)
            a.sample(time.monotonic() - start)
            restarts.append({"at_s": round(sigterm_at, 1), **stopped, "ready_s": round(ready, 2),
                             "unavailable_s": round(time.monotonic() - start - sigterm_at, 2)})
            log(f"restarted worker A at {sigterm_at / 60:.1f} min: exit {stopped.get('exit_code')} after "
                f"{stopped.get('stop_s')} s, ready again in {ready:.1f} s")
        time.sleep(max(0.0, start + seconds - time.monotonic()))
        for worker in workers:
            worker.sample(time.monotonic() - start)
        sampling.set()
        stop_http.set()
        elapsed = time.monotonic() - start
        log("traffic stopped; collecting")
        traffic = http_child.result()
        socket_votes = voter_child.result()
        time.sleep(DRAIN_SECONDS)
        stop_live.set()
        states = [state for child in listener_children for state in child.result()]
        children = []
        for worker in workers:
            final = worker.stop()
            if worker.lives:
                worker.lives[-1]["stop"] = final
        reports.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            reports.wait(30)
        log("recount tallies and read the event log")
        verify = run_internal(env, "verify", str(seed["page_id"]))

        results["duration_s"] = round(elapsed, 1)
        results["restarts"] = restarts
        results["http"] = summarise_http(traffic["kinds"], elapsed)
        results["http"]["actions_skipped_behind_schedule"] = traffic["actions_skipped"]
        results["socket_votes"] = socket_votes
        results["live"] = analyse_listeners(states, verify["log"])
        published = set(verify["published_comment_ids"])
        created_ids = {c["id"] for c in traffic["created"] if c["status"] == "published" and not c["withdrawn"]}
        logged = {ident for _, kind, ident in verify["log"] if kind == "comment.created"}
        results["live"]["posted_comments_missing_from_log"] = sorted(created_ids - logged)[:20]
        results["live"]["posted_comments"] = len(traffic["created"])
        results["live"]["posted_comments_held"] = sum(1 for c in traffic["created"] if c["status"] != "published")
        results["tallies"] = {k: v for k, v in verify.items() if k not in {"log", "published_comment_ids"}}
        results["tallies"]["published_comments"] = len(published)
        results["memory"] = memory_figures(workers, args.warmup * 60, restarts_at)
        results["reports_worker"] = {
            "exit_code": reports.returncode,
            "rss_mb_first_last": [round(reports_usage[0][1] / 1024, 1), round(reports_usage[-1][1] / 1024, 1)]
            if reports_usage else None,
            "cpu_cores": round((reports_usage[-1][2] - reports_usage[0][2])
                               / max(1.0, reports_usage[-1][0] - reports_usage[0][0]), 2)
            if len(reports_usage) > 1 else None}
        results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        results["verdicts"] = verdicts(results)
        return results
    finally:
        for child in children:
            with contextlib.suppress(Exception):
                child.proc.kill()
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.stop()
        if reports and reports.poll() is None:
            reports.kill()
        with contextlib.suppress(Exception):
            RESULTS.mkdir(exist_ok=True)
            logs = [*sorted(tmp.glob("worker-*.log")), tmp / "reports.log"]
            (RESULTS / "soak-servers.log").write_text("".join(
                f"==> {p.name}\n{p.read_text(errors='replace')[-20_000:]}\n" for p in logs if p.exists()))
        with contextlib.suppress(Exception):
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        with contextlib.suppress(Exception):  # the cache keys under this run's own prefix
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(match=f"{env['RAYZAN_CACHE_PREFIX']}:*", count=1000):
                client.delete(key)
        shutil.rmtree(tmp, ignore_errors=True)


def verdicts(results: dict) -> dict:
    live, http_totals, tallies, memory = (results["live"], results["http"]["totals"], results["tallies"],
                                          results["memory"])
    growth = memory["b_growth_pct"]
    return {
        "no_event_lost": {"target": "no durable event lost by any listener that resumed (lost = 0)",
                          "value": f"{live['lost']} lost of {live['deliveries_expected']} "
                                   f"({live['never_connected']} never connected, {live['mismatched']} mismatched)",
                          "pass": live["lost"] == 0 and live["never_connected"] == 0 and live["mismatched"] == 0
                          and live["log_gapless"] and not live["posted_comments_missing_from_log"]},
        "tallies_equal_recounts": {"target": "comment and statement vote counters equal the recount",
                                   "value": f"{len(tallies['comment_mismatches'])} comment and "
                                            f"{len(tallies['statement_mismatches'])} statement mismatches "
                                            f"({tallies['comment_votes']} + {tallies['statement_votes']} votes)",
                                   "pass": not tallies["comment_mismatches"] and not tallies["statement_mismatches"]},
        "no_server_errors": {"target": "no 5xx, no request that reached neither worker",
                             "value": f"{http_totals['5xx']} 5xx, {http_totals['unreachable']} unreachable "
                                      f"of {http_totals['requests']}",
                             "pass": http_totals["5xx"] == 0 and http_totals["unreachable"] == 0},
        "memory_b": {"target": f"worker B's RSS grows ≤ {MEMORY_GROWTH_LIMIT:g}% after the warm-up",
                     "value": f"{memory['b_warm_mb']} → {memory['b_end_mb']} MB ({growth}%)",
                     "pass": growth is not None and growth <= MEMORY_GROWTH_LIMIT},
    }


def report(results: dict) -> None:
    m, s = results["machine"], results["settings"]
    live, h, sv = results["live"], results["http"], results["socket_votes"]
    print(f"\n== Soak: {results['duration_s'] / 60:.1f} min, 2 {s['server']} workers (A restarted "
          f"{len(results['restarts'])}×), PostgreSQL + Redis; {m['nproc']} cores ({m['cpu']}), {m['memory']}")
    print(f"   HTTP: {h['totals']['requests']} requests, {h['totals']['retried']} retried during restarts "
          f"({h['totals']['failed_over']} on the other worker), {h['totals']['429']} rate-limited (429), "
          f"{h['totals']['5xx']} 5xx, {h['totals']['unreachable']} unreachable")
    for kind, k in h["by_kind"].items():
        print(f"      {kind:<26} {k['requests']:>7} ({k['per_s']}/s)  p50 {k['p50_ms']} p99 {k['p99_ms']} "
              f"max {k['max_ms']} ms  {k['statuses']}")
    print(f"   socket votes: {sv['sent']} sent, {sv['acks_ok']} acked ok, refused {sv['acks_refused']}, "
          f"{sv['unanswered']} unanswered at a close; {sv['connects']} connects, closes {sv['closes']}")
    print(f"   live: {live['listeners']} listeners, {live['events_in_log']} durable events in the log, "
          f"{live['deliveries_expected']} deliveries expected: lost {live['lost']}, raw duplicate frames "
          f"{live['duplicate_frames']}, gaps filled from REST {live['gaps_seen']} ({live['filled_from_rest']} events)")
    print(f"         events by type {live['events_by_type']}; tally/presence frames {live['tally_frames']}; "
          f"comments posted {live['posted_comments']} ({live['posted_comments_held']} held by screening)")
    print(f"         {live['reconnects']} reconnects ({live['resumed_on_other_worker']} resumed on the other worker; "
          f"{live['moved_back_home']} were moves back home), resume after a drop p50 {live['resume_p50_ms']} "
          f"p99 {live['resume_p99_ms']} max {live['resume_max_ms']} ms; close codes {live['close_codes']}")
    for r in results["restarts"]:
        print(f"   restart at {r['at_s'] / 60:.1f} min: SIGTERM → exit {r.get('exit_code')} in {r.get('stop_s')} s, "
              f"ready in {r['ready_s']} s (unavailable {r['unavailable_s']} s)")
    mem = results["memory"]
    print(f"   memory: worker B {mem['b_warm_mb']} MB at {mem['b_warm_at_s']} s → {mem['b_end_mb']} MB at "
          f"{mem['b_end_at_s']} s ({mem['b_growth_pct']}%; peak {mem['b_peak_mb']} MB, trend "
          f"{mem['b_slope_mb_per_hour_after_warmup']} MB/h; CPU {mem['b_cpu_cores']} cores; code {mem['b_code']})")
    print(f"           worker B before each restart of A: {mem['b_before_each_restart_mb']} MB; from "
          f"{mem['b_after_first_restart_at_s']} s (after the first fail-over) to the end: "
          f"{mem['b_growth_after_first_restart_pct']}%")
    for life in mem["a_lives"]:
        print(f"           worker A life {life['life']}: {life['rss_first_mb']} → warm {life['rss_warm_mb']} → "
              f"last {life['rss_last_mb']} MB (peak {life['rss_peak_mb']}, {life['growth_after_warm_pct']}% "
              f"after warm; CPU {life['cpu_cores']} cores; code {life['code']})")
    rw = results["reports_worker"]
    print(f"   reports worker: RSS {rw['rss_mb_first_last']} MB (first, last), CPU {rw['cpu_cores']} cores; "
          f"load average {results['machine']['load_average_at_start']} at the start, "
          f"{results['machine']['load_average_at_end']} at the end (the machine is shared)")
    t = results["tallies"]
    if t["reply_count_mismatches"]:
        print(f"   note: {len(t['reply_count_mismatches'])} reply counters differ from a recount: "
              f"{t['reply_count_mismatches'][:3]}")
    for verdict in results["verdicts"].values():
        print(f"   {'PASS' if verdict['pass'] else 'FAIL'}  {verdict['target']}: {verdict['value']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--restart-every", type=float, default=5, help="minutes between restarts of worker A")
    parser.add_argument("--warmup", type=float, default=3, help="minutes before worker B's reference RSS")
    parser.add_argument("--listeners", type=int, default=200)
    parser.add_argument("--listener-processes", type=int, default=2)
    parser.add_argument("--reads-per-s", type=float, default=5)
    parser.add_argument("--comments-per-s", type=float, default=1)
    parser.add_argument("--votes-per-s", type=float, default=20)
    parser.add_argument("--socket-voters", type=int, default=10)
    parser.add_argument("--socket-vote-rate", type=float, default=0.2, help="votes a second per socket voter")
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--internal", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal:
        _django()
        mode, arg = args.internal
        result = internal_seed(json.loads(arg)) if mode == "seed" else internal_verify(int(arg))
        print("BENCH-JSON " + json.dumps(result))
        return
    if args.warmup >= args.minutes:
        parser.error("--warmup must be shorter than --minutes")
    pg_host, pg_port = urlsplit(PG_URL).hostname or "127.0.0.1", urlsplit(PG_URL).port or 5432
    if not answers(pg_host, pg_port) or not redis_answers():
        print(f"SKIP: the soak needs PostgreSQL ({PG_URL}, RAYZAN_SOAK_PG_URL) and Redis ({REDIS_URL}, "
              f"RAYZAN_BENCH_REDIS_URL); PostgreSQL {'answers' if answers(pg_host, pg_port) else 'does not answer'}, "
              f"Redis {'answers' if redis_answers() else 'does not answer'}")
        return
    results = soak(args)
    RESULTS.mkdir(exist_ok=True)
    default = (args.minutes, args.restart_every, args.server) == (30, 5, "uvicorn")
    path = RESULTS / ("soak.json" if default else "soak-short.json")
    path.write_text(json.dumps(results, indent=2))
    report(results)
    print(f"   results: {path.relative_to(ROOT)}; server logs: bench/results/soak-servers.log")
    sys.exit(0 if all(v["pass"] for v in results["verdicts"].values()) else 1)


if __name__ == "__main__":
    main()
