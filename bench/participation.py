#!/usr/bin/env python
"""Participation benchmark: a busy consultation on SQLite and on PostgreSQL.

Seeds a fresh throwaway database with one open consultation (12 sections), 1,000 comments
(100 top-level comments with replies on one section, the rest spread over the others),
2,000 participants and 100,000 comment votes (cached counters set to the recount), then serves
it with one real daphne process on 127.0.0.1 and measures:

  1. server time (p50/p95) of the consultation page and of the comments API for that section:
     sequential requests on a keep-alive connection over loopback, so the client-observed
     latency is the server time plus well under a millisecond of loopback and client work;
  2. the requests/s each sustains with 10 concurrent clients (keep-alive, 15 s);
  3. vote throughput: 20 concurrent clients, each with its own API token, PUT a vote (values
     alternating) on random comments for 15 s; every non-2xx answer is an error. Afterwards every
     comment's support/oppose counters are compared with a recount of the vote rows.

Usage: .venv/bin/python bench/participation.py [--database sqlite|postgres|both] [--quick] [--port N]
[--workers N] [--server daphne|uvicorn]. --quick: ten times smaller data and 3 s load phases, a smoke
run. --workers: N server processes on consecutive ports, the clients spread over them as a reverse
proxy would (default 1). --server: daphne (default, what `make run` serves with) or uvicorn.
Results are printed as a table and written to bench/results/participation-<db>.json (-quick,
-<N>workers suffixes for those runs). Never part of the test suite.

PostgreSQL: postgres://postgres@127.0.0.1:5432/rayzan_bench (dropped and re-created, trust auth;
override with RAYZAN_BENCH_PG_URL). The PostgreSQL run uses Redis (cache: rate-limit counters) at
redis://127.0.0.1:6379/0 when it answers, as production does (RAYZAN_BENCH_REDIS_URL, "" for none).

The same file runs inside Django for the seeding and checking steps (`--internal seed|verify`), so
`make bench` (every bench/*.py) finds no helper module to run by mistake.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import statistics
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
PG_URL = os.environ.get("RAYZAN_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/rayzan_bench")
REDIS_URL = os.environ.get("RAYZAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

FULL = {"comments": 1000, "section_top": 100, "section_replies": (40, 20), "participants": 2000,
        "votes": 100_000, "voters": 20, "sections": 12, "sequential": 200, "seconds": 15.0}
QUICK = {"comments": 100, "section_top": 10, "section_replies": (4, 2), "participants": 200,
         "votes": 10_000, "voters": 20, "sections": 12, "sequential": 20, "seconds": 3.0}
PAGE_CLIENTS, API_CLIENTS, VOTE_CLIENTS = 10, 10, 20
MAX_REQUESTS_PER_PHASE = 2_000_000  # a bound on every loop besides its duration

TARGETS = {  # key: (description, comparison, threshold, databases the target applies to)
    "api_p95_ms": ("comments API p95 ≤ 50 ms", "le", 50.0, {"postgres"}),
    "api_rps": ("comments API ≥ 100 req/s (10 clients)", "ge", 100.0, {"postgres"}),
    "page_p95_ms": ("consultation page p95 ≤ 300 ms", "le", 300.0, {"postgres", "sqlite"}),
    "votes_per_s": ("votes ≥ 300/s (20 clients; only 2xx count)", "ge", 300.0, {"postgres"}),
    "counters_ok": ("counters equal the recount", "eq", True, {"postgres", "sqlite"}),
}


# =============================================================================================
# Inside Django: seeding and verifying (run as `participation.py --internal seed|verify`)
# =============================================================================================

def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


LOREM = ("The municipality shall publish the draft budget and every change to it, with the reasons, "
         "at least thirty days before the council votes. Residents of each district may propose projects; "
         "proposals are assessed in public against the published criteria. ")
COMMENT_TEXTS = [
    "I **support** this section, but the deadline is too short for small districts.",
    "This would be clearer if the criteria were listed here rather than in an annex.",
    "Thirty days is not enough; make it *sixty* and publish the reasons in Persian and English.",
    "Who decides which proposals go forward? The text should name the body and its members.",
    "بهتر است مهلت اعلام نظر دست‌کم شصت روز باشد تا همهٔ محله‌ها فرصت داشته باشند.",
    "این بند مبهم است؛ معیارهای ارزیابی باید همین‌جا فهرست شوند.",
]


def internal_seed(scale: dict) -> dict:
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from consult import services
    from consult.models import Comment, CommentStatus, ConsultationPage, Profile
    from consult.sanitize import render_markdown
    from consult.site_tree import ensure_site_tree
    from voting.models import CommentVote

    rng = random.Random(20261)
    started = time.perf_counter()
    now = timezone.now()
    day = datetime.timedelta(days=1)
    tree = ensure_site_tree()
    sections = [{"type": "section", "value": {
        "heading": f"Article {n}: participatory budgeting rule {n}",
        "body": "".join(f"<p>{LOREM}</p>" for _ in range(3))}} for n in range(1, scale["sections"] + 1)]
    page = services.page_publish_child(parent=tree.indexes["fa"], page=ConsultationPage(
        title="Benchmark: participatory budgeting regulation", slug="bench-participation",
        locale=tree.indexes["fa"].locale, summary="A busy consultation for the participation benchmark.",
        introduction=f"<p>{LOREM}</p>", sections=sections, opens_at=now - 20 * day, closes_at=now + 30 * day))
    section_ids = [s["id"] for s in page.section_list]
    target_section = section_ids[2]

    User = get_user_model()
    unusable = make_password(None)  # one hash for all: nobody signs in with a password here
    total_people = scale["participants"] + scale["voters"]
    with transaction.atomic():
        users = User.objects.bulk_create([
            User(username=f"bench-{i}", email=f"bench{i}@example.org", password=unusable)
            for i in range(total_people)], batch_size=1000)
        if users[0].pk is None:  # a backend that returns no ids
            users = list(User.objects.filter(username__startswith="bench-").order_by("pk"))
        Profile.objects.bulk_create([
            Profile(user=u, display_name=f"Bench participant {i}", display_name_key=f"benchparticipant{i}",
                    consent_version="bench", consented_at=now)
            for i, u in enumerate(users)], batch_size=1000)
    participants, voters = users[:scale["participants"]], users[scale["participants"]:]
    tokens = [Token.objects.create(user=u).key for u in voters]

    # Comments: the section under test gets `section_top` top-level comments and replies at two
    # levels; the rest are spread over the other sections and the consultation as a whole.
    revision_id = page.live_revision_id
    others = [s for s in section_ids if s != target_section] + [""]
    rest = scale["comments"] - scale["section_top"] - sum(scale["section_replies"])
    rest_replies = (rest * 21 // 100, rest * 7 // 100)  # about the same share of replies
    rest_top = rest - sum(rest_replies)
    span = 19 * 24 * 3600

    def make(section_id, parent=None):
        text = rng.choice(COMMENT_TEXTS)
        created = now - datetime.timedelta(seconds=rng.randrange(span))
        if parent is not None:
            section_id = parent.section_id
            created = max(created, parent.created_at + datetime.timedelta(seconds=60))
        return Comment(page=page, section_id=section_id, page_revision_id=revision_id,
                       author=rng.choice(participants), parent=parent,
                       depth=0 if parent is None else parent.depth + 1,
                       stance=rng.choice(["support", "oppose", "neutral", ""]) if parent is None else "",
                       body=text, body_html=render_markdown(text), status=CommentStatus.PUBLISHED,
                       created_at=created)

    def bulk(objs):
        created = Comment.objects.bulk_create(objs, batch_size=500)
        if created and created[0].pk is None:
            raise RuntimeError("bulk_create returned no primary keys")
        return created

    def replies_to(parents, k):
        return [make(None, p) for p in rng.choices(parents, k=k)] if parents and k else []

    with transaction.atomic():
        top = bulk([make(target_section) for _ in range(scale["section_top"])]
                   + [make(others[i % len(others)]) for i in range(rest_top)])
        target_top = [c for c in top if c.section_id == target_section]
        other_top = [c for c in top if c.section_id != target_section]
        level1 = bulk(replies_to(target_top, scale["section_replies"][0]) + replies_to(other_top, rest_replies[0]))
        target_l1 = [c for c in level1 if c.section_id == target_section]
        other_l1 = [c for c in level1 if c.section_id != target_section]
        level2 = bulk(replies_to(target_l1, scale["section_replies"][1]) + replies_to(other_l1, rest_replies[1]))
    comments = top + level1 + level2
    author_of = {c.pk: c.author_id for c in comments}

    # Votes: about votes/comments per comment (uneven), one per person per comment, never on one's own.
    weights = [rng.uniform(0.2, 1.8) for _ in comments]
    scale_w = scale["votes"] / sum(weights)
    counts = [min(len(participants) - 1, round(w * scale_w)) for w in weights]
    counts[-1] += scale["votes"] - sum(counts)
    participant_ids = [u.pk for u in participants]
    values = [1] * 7 + [-1] * 3
    vote_rows = 0
    with transaction.atomic():
        batch = []
        for comment, k in zip(comments, counts, strict=True):
            chosen = [v for v in rng.sample(participant_ids, k + 1) if v != author_of[comment.pk]][:k]
            for voter_id in chosen:
                stamp = comment.created_at + datetime.timedelta(seconds=rng.randrange(3600, 86400))
                batch.append(CommentVote(comment_id=comment.pk, voter_id=voter_id, value=rng.choice(values),
                                         created_at=stamp, updated_at=stamp))
            if len(batch) >= 5000:
                CommentVote.objects.bulk_create(batch, batch_size=5000)
                vote_rows += len(batch)
                batch = []
        CommentVote.objects.bulk_create(batch, batch_size=5000)
        vote_rows += len(batch)

        def count_of(queryset, key):
            return Coalesce(Subquery(queryset.order_by().values(key).annotate(c=Count("pk")).values("c")[:1],
                                     output_field=IntegerField()), Value(0))

        Comment.objects.filter(page=page).update(
            support_count=count_of(CommentVote.objects.filter(comment=OuterRef("pk"), value=1), "comment"),
            oppose_count=count_of(CommentVote.objects.filter(comment=OuterRef("pk"), value=-1), "comment"),
            reply_count=count_of(Comment.objects.filter(parent=OuterRef("pk"), status=CommentStatus.PUBLISHED),
                                 "parent"))

    published = list(Comment.objects.filter(page=page, status=CommentStatus.PUBLISHED).values_list("pk", flat=True))
    on_section = Comment.objects.filter(page=page, section_id=target_section)
    return {
        "page_id": page.pk, "page_url": page.get_url(None), "section_id": target_section,
        "section_url": f"/fa/participate/{page.pk}/section/{target_section}/",
        "comment_ids": published, "tokens": tokens,
        "seeded": {"sections": len(section_ids), "comments": Comment.objects.filter(page=page).count(),
                   "section_comments": on_section.count(),
                   "section_top_level": on_section.filter(depth=0).count(),
                   "section_replies": on_section.filter(depth__gt=0).count(),
                   "participants": len(participants), "vote_clients": len(voters),
                   "votes": CommentVote.objects.filter(comment__page=page).count(), "vote_rows_written": vote_rows},
        "seed_seconds": round(time.perf_counter() - started, 1),
    }


def internal_verify(page_id: int) -> dict:
    from django.db.models import Count, Q

    from consult.models import Comment
    from voting.models import CommentVote

    recount = {row["comment_id"]: (row["s"], row["o"]) for row in
               CommentVote.objects.filter(comment__page_id=page_id).values("comment_id")
               .annotate(s=Count("pk", filter=Q(value=1)), o=Count("pk", filter=Q(value=-1)))}
    mismatches = []
    checked = 0
    for pk, support, oppose in Comment.objects.filter(page_id=page_id).values_list(
            "pk", "support_count", "oppose_count"):
        checked += 1
        expected = recount.get(pk, (0, 0))
        if (support, oppose) != expected:
            mismatches.append({"comment": pk, "cached": [support, oppose], "recount": list(expected)})
    return {"comments_checked": checked, "mismatches": len(mismatches), "examples": mismatches[:5],
            "votes": sum(s + o for s, o in recount.values())}


def internal_main(mode: str, arg: str) -> None:
    _django()
    result = internal_seed(json.loads(arg)) if mode == "seed" else internal_verify(int(arg))
    print("BENCH-JSON " + json.dumps(result))


# =============================================================================================
# Outside Django: databases, the server, the load generator, the report
# =============================================================================================

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run_internal(env: dict, mode: str, arg: str, timeout: float) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--internal", mode, arg], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    raise RuntimeError(f"{mode} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def pg_admin(sql: str) -> None:
    import psycopg

    parts = urlsplit(PG_URL)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def pg_version() -> str:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(PG_URL)._replace(path="/postgres")), connect_timeout=10) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def pg_database() -> str:
    name = urlsplit(PG_URL).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database name {name!r}")
    return name


class PgConnectionMonitor:
    """Samples how many connections the benchmark database has, every 0.25 s, in a thread."""

    def __init__(self):
        self.peak, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        import psycopg

        with contextlib.suppress(Exception), psycopg.connect(
                urlunsplit(urlsplit(PG_URL)._replace(path="/postgres")), autocommit=True, connect_timeout=5) as conn:
            while not self.stop.wait(0.25):
                n = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [pg_database()])
                self.peak = max(self.peak, n.fetchone()[0])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)


def redis_answers(url: str) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(values: list[float], q: float) -> float | None:
    p = percentile(values, q)
    return None if p is None else round(p * 1000, 1)


class Client:
    """One keep-alive HTTP/1.1 connection to the server (reconnects after an error)."""

    def __init__(self, port: int, headers: dict | None = None):
        self.port, self.headers, self.conn = port, headers or {}, None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
            response = self.conn.getresponse()
            data = response.read()
            status = response.status
            if response.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return type(exc).__name__, time.perf_counter() - started, b""
        return status, time.perf_counter() - started, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def sequential(port: int, path: str, count: int, warmup: int = 10) -> dict:
    client = Client(port)
    for _ in range(warmup):
        client.request("GET", path)
    latencies, statuses = [], {}
    for _ in range(count):
        status, elapsed, _body = client.request("GET", path)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        latencies.append(elapsed)
    client.close()
    return {"requests": count, "p50_ms": ms(latencies, 50), "p95_ms": ms(latencies, 95),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1), "max_ms": ms(latencies, 100),
            "statuses": statuses}


def load(ports: list[int], clients: int, seconds: float, make_request, db: str = "") -> dict:
    """`clients` threads, each on its own connection, call make_request(i, n) -> (method, path, body,
    headers) as fast as answers come for `seconds`."""
    barrier = threading.Barrier(clients + 1)
    stop = threading.Event()
    results = [([], {}) for _ in range(clients)]

    def worker(i):
        client = Client(ports[i % len(ports)])
        latencies, statuses = results[i]
        n = 0
        barrier.wait()
        while not stop.is_set() and n < MAX_REQUESTS_PER_PHASE // clients:
            method, path, body, headers = make_request(i, n)
            status, elapsed, _ = client.request(method, path, body, headers)
            latencies.append(elapsed)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            n += 1
        client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    with PgConnectionMonitor() if db == "postgres" else contextlib.nullcontext() as monitor:
        barrier.wait()
        started = time.perf_counter()
        stop.wait(seconds)
        stop.set()
        for t in threads:
            t.join(timeout=90)
        elapsed = time.perf_counter() - started  # includes the requests in flight at the stop
    latencies = [x for lat, _ in results for x in lat]
    statuses: dict[str, int] = {}
    for _, st in results:
        for key, value in st.items():
            statuses[key] = statuses.get(key, 0) + value
    ok = sum(v for k, v in statuses.items() if k.isdigit() and 200 <= int(k) < 300)
    return {"clients": clients, "seconds": round(elapsed, 2), "requests": len(latencies), "ok": ok,
            "errors": len(latencies) - ok, "statuses": statuses, "per_s": round(ok / elapsed, 1),
            "p50_ms": ms(latencies, 50), "p95_ms": ms(latencies, 95), "max_ms": ms(latencies, 100),
            "peak_db_connections": monitor.peak if monitor else None}


def server_command(server: str, port: int) -> list[str]:
    """One ASGI server process on 127.0.0.1:port (daphne, or uvicorn with uvloop and httptools)."""
    if server == "uvicorn":
        return [str(Path(PYTHON).with_name("uvicorn")), "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", "--log-level", "warning", "config.asgi:application"]
    return [str(Path(PYTHON).with_name("daphne")), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]


def start_server(env: dict, port: int, logfile: Path, server: str = "daphne") -> subprocess.Popen:
    if not port_free(port):
        raise RuntimeError(f"port {port} is in use; pass --port")
    out = logfile.open("wb")
    proc = subprocess.Popen(server_command(server, port),
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited ({proc.returncode}):\n{logfile.read_text()[-3000:]}")
        status, _, _ = Client(port).request("GET", "/")
        if isinstance(status, int):
            return proc
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("daphne did not answer within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def server_rss_mb(proc: subprocess.Popen) -> float | None:
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def speed_probe() -> float:
    """CPU seconds for a fixed pure-Python loop, best of three: the same on an idle machine
    from run to run, and higher when the host lends this virtual machine less than full cores.
    Reported beside each load phase, so figures from a slowed host can be told apart."""
    best = None
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(1_000_000):
            total += i * i % 7
        elapsed = time.process_time() - started
        best = elapsed if best is None else min(best, elapsed)
    return round(best * 1000, 1)


def bench_database(db: str, scale: dict, port: int, workers: int = 1, server: str = "daphne") -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"rayzan-bench-{db}-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    env.update({
        "RAYZAN_VAR_DIR": str(tmp), "SECRET_KEY": "bench-" + "x" * 50, "DEBUG": "0",
        "RAYZAN_STATIC_MANIFEST": "0", "RAYZAN_LIMIT_VOTES": "1000000/m", "RAYZAN_LIMIT_COMMENTS": "1000000/m",
        "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RAYZAN_CACHE_PREFIX": f"rayzan-bench-{os.getpid()}", "RAYZAN_CHANNEL_PREFIX": f"rayzan-bench-{os.getpid()}",
        "PYTHONUNBUFFERED": "1",
        # As deployed (deploy/systemd): the web workers do not run the reports worker's thread.
        "RAYZAN_REPORTS_WORKER": "off",
    })
    facts: dict = {"database": db}
    if db == "sqlite":
        env["DATABASE_URL"] = ""
        env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
        facts["database_version"] = f"SQLite {sqlite3.sqlite_version} (WAL, IMMEDIATE transactions)"
        facts["cache"] = "local memory"
    else:
        env["DATABASE_URL"] = PG_URL
        facts["database_version"] = f"PostgreSQL {pg_version()}"
        if redis_answers(REDIS_URL):
            env["REDIS_URL"] = REDIS_URL
            facts["cache"] = "Redis"
        else:
            facts["cache"] = "local memory (Redis did not answer)"
        name = pg_database()
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{name}"')
    servers: list[subprocess.Popen] = []
    ports = [port + i for i in range(workers)]
    try:
        log(f"{db}: migrate")
        started = time.perf_counter()
        proc = subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode:
            raise RuntimeError(f"migrate failed:\n{proc.stderr[-3000:]}")
        facts["migrate_seconds"] = round(time.perf_counter() - started, 1)
        log(f"{db}: seed ({scale['comments']} comments, {scale['votes']} votes)")
        seed = run_internal(env, "seed", json.dumps(scale), timeout=900)
        log(f"{db}: seeded in {seed['seed_seconds']} s: {seed['seeded']}")
        for i, p in enumerate(ports):
            servers.append(start_server(env, p, tmp / f"server-{i}.log", server))
        page_path = seed["page_url"]
        api_path = f"/api/v1/consultations/{seed['page_id']}/comments/?section={seed['section_id']}"
        # Sanity: the URLs answer what they should before anything is timed.
        status, _, body = Client(port).request("GET", api_path)
        if status != 200:
            raise RuntimeError(f"comments API answered {status}: {body[:500]!r}")
        api_count = json.loads(body)["count"]
        status, _, body = Client(port).request("GET", page_path)
        if status != 200:
            raise RuntimeError(f"consultation page answered {status}: {body[:300]!r}")
        facts.update({"page_path": page_path, "api_path": api_path, "api_top_level_count": api_count,
                      "page_bytes": len(body), "seeded": seed["seeded"], "seed_seconds": seed["seed_seconds"]})
        n, seconds = scale["sequential"], scale["seconds"]

        log(f"{db}: server time, {n} sequential requests each")
        result: dict = {"page": {}, "api": {}, "section_page": {}}
        result["page"]["sequential"] = sequential(port, page_path, n)
        result["api"]["sequential"] = sequential(port, api_path, n)
        result["section_page"]["sequential"] = sequential(port, seed["section_url"], max(10, n // 4))

        log(f"{db}: throughput, {PAGE_CLIENTS} clients × {seconds:g} s on each URL")
        result["page"]["load"] = load(ports, PAGE_CLIENTS, seconds, lambda i, k: ("GET", page_path, None, None), db)
        result["api"]["load"] = load(ports, API_CLIENTS, seconds, lambda i, k: ("GET", api_path, None, None), db)

        log(f"{db}: vote storm, {VOTE_CLIENTS} clients × {seconds:g} s")
        ids, tokens = seed["comment_ids"], seed["tokens"]
        rngs = [random.Random(1000 + i) for i in range(VOTE_CLIENTS)]

        def vote(i, k):
            body = json.dumps({"value": 1 if k % 2 == 0 else -1}).encode()
            return ("PUT", f"/api/v1/comments/{rngs[i].choice(ids)}/vote/", body,
                    {"Authorization": f"Token {tokens[i % len(tokens)]}", "Content-Type": "application/json"})

        probe_before = speed_probe()
        result["votes"] = load(ports, VOTE_CLIENTS, seconds, vote, db)
        result["votes"]["speed_probe_ms"] = [probe_before, speed_probe()]
        facts["server_rss_mb"] = [server_rss_mb(server) for server in servers]
        for server in servers:
            stop_server(server)
        servers = []
        log(f"{db}: check counters against a recount")
        result["counters"] = run_internal(env, "verify", str(seed["page_id"]), timeout=300)
        result["counters"]["expected_votes_at_least"] = seed["seeded"]["votes"]
        return {**facts, "results": result}
    finally:
        for server in servers:
            stop_server(server)
        if db == "postgres":
            with contextlib.suppress(Exception):
                pg_admin(f'DROP DATABASE IF EXISTS "{pg_database()}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            (RESULTS / f"server-{db}.log").write_bytes((tmp / "server-0.log").read_bytes()[-200_000:])
        shutil.rmtree(tmp, ignore_errors=True)


def machine() -> dict:
    import django
    import wagtail

    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        from importlib.metadata import version
        daphne, uvicorn = version("daphne"), version("uvicorn")
    except Exception:
        daphne = uvicorn = "?"
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "memory": mem,
            "python": platform.python_version(), "django": django.get_version(), "wagtail": wagtail.__version__,
            "daphne": daphne, "uvicorn": uvicorn,
            "client": "same machine, Python threads + http.client keep-alive over 127.0.0.1"}


def verdicts(db: str, run: dict) -> dict:
    r = run["results"]
    figures = {"api_p95_ms": r["api"]["sequential"]["p95_ms"], "api_rps": r["api"]["load"]["per_s"],
               "page_p95_ms": r["page"]["sequential"]["p95_ms"], "votes_per_s": r["votes"]["per_s"],
               "counters_ok": r["counters"]["mismatches"] == 0}
    out = {}
    for key, (text, op, threshold, applies) in TARGETS.items():
        value = figures[key]
        met = {"le": lambda v, t: v is not None and v <= t, "ge": lambda v, t: v is not None and v >= t,
               "eq": lambda v, t: v == t}[op](value, threshold)
        verdict = ("PASS" if met else "MISS") if db in applies else ("(meets)" if met else "(misses)")
        out[key] = {"target": text, "value": value, "verdict": verdict, "applies": db in applies}
    return out


def fmt(v, unit="") -> str:
    return "—" if v is None else f"{v:g}{unit}"


def report(db: str, run: dict, facts: dict) -> None:
    r, v = run["results"], run["verdicts"]
    seeded = run["seeded"]
    print()
    workers, server = run.get("workers", 1), run.get("server", "daphne")
    print(f"== Participation benchmark: {db} ({run['database_version']}; cache: {run['cache']}; "
          f"{workers} {server} process{'es' if workers > 1 else ''})")
    print(f"   machine: {facts['nproc']} cores ({facts['cpu']}), {facts['memory']}; Python {facts['python']}, "
          f"Django {facts['django']}, Wagtail {facts['wagtail']}, {server} {facts[server]}")
    print(f"   data: {seeded['comments']} comments ({seeded['section_comments']} on the section under test: "
          f"{seeded['section_top_level']} top-level + {seeded['section_replies']} replies), "
          f"{seeded['participants']} participants, {seeded['votes']} votes; page {run['page_bytes']} bytes; "
          f"API page = 20 threads of {run['api_top_level_count']}")
    rows = [
        ("consultation page, server time", f"p50 {fmt(r['page']['sequential']['p50_ms'])} ms  "
         f"p95 {fmt(r['page']['sequential']['p95_ms'])} ms", v["page_p95_ms"]),
        ("consultation page, 10 clients", f"{fmt(r['page']['load']['per_s'])} req/s  "
         f"p95 {fmt(r['page']['load']['p95_ms'])} ms  errors {r['page']['load']['errors']}", None),
        ("comments API (section), server time", f"p50 {fmt(r['api']['sequential']['p50_ms'])} ms  "
         f"p95 {fmt(r['api']['sequential']['p95_ms'])} ms", v["api_p95_ms"]),
        ("comments API (section), 10 clients", f"{fmt(r['api']['load']['per_s'])} req/s  "
         f"p95 {fmt(r['api']['load']['p95_ms'])} ms  errors {r['api']['load']['errors']}", v["api_rps"]),
        ("section discussion page (HTML), info", f"p50 {fmt(r['section_page']['sequential']['p50_ms'])} ms  "
         f"p95 {fmt(r['section_page']['sequential']['p95_ms'])} ms", None),
        ("votes via API, 20 clients", f"{fmt(r['votes']['per_s'])} votes/s  p95 {fmt(r['votes']['p95_ms'])} ms  "
         f"statuses {r['votes']['statuses']}", v["votes_per_s"]),
        ("counters after the storm", f"{r['counters']['comments_checked']} comments, "
         f"{r['counters']['mismatches']} mismatches", v["counters_ok"]),
    ]
    width = max(len(row[0]) for row in rows)
    fig_width = max(len(row[1]) for row in rows)
    for name, figure, verdict in rows:
        target = f"{verdict['target']:<42} {verdict['verdict']}" if verdict else ""
        print(f"   {name:<{width}}  {figure:<{fig_width}}  {target}")
    if db == "postgres":
        peaks = {k: r[k]["load"]["peak_db_connections"] for k in ("page", "api")}
        peaks["votes"] = r["votes"]["peak_db_connections"]
        print(f"   peak PostgreSQL connections during the load phases: {peaks}")
    print(f"   speed probe before/after the vote storm: {r['votes'].get('speed_probe_ms')} ms CPU for a fixed "
          "loop (higher = the host gave this machine less CPU; compare runs only at similar values)")
    print("   (server time = latency seen by one sequential keep-alive client over loopback; the load clients "
          "share the machine's cores with the server)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="ten times smaller, 3 s phases: a smoke run")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1, choices=range(1, 9), metavar="N",
                        help="server processes on ports PORT..PORT+N-1, clients spread over them (default 1)")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne",
                        help="the ASGI server (default daphne, what `make run` uses)")
    parser.add_argument("--internal", nargs=2, metavar=("MODE", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal:
        internal_main(*args.internal)
        return
    scale = QUICK if args.quick else FULL
    RESULTS.mkdir(exist_ok=True)
    gitignore = RESULTS / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*.json\n*.log\n")
    facts = machine()
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    failed = False
    for db in databases:
        started = time.perf_counter()
        try:
            run = bench_database(db, scale, args.port, args.workers, args.server)
        except Exception as exc:  # report and go on with the next database
            log(f"{db}: FAILED: {exc}")
            failed = True
            continue
        run["verdicts"] = verdicts(db, run)
        run["machine"] = facts
        run["scale"] = {**scale, "quick": args.quick}
        run["workers"], run["server"] = args.workers, args.server
        run["wall_seconds"] = round(time.perf_counter() - started, 1)
        suffix = (("-quick" if args.quick else "") + (f"-{args.workers}workers" if args.workers > 1 else "")
                  + (f"-{args.server}" if args.server != "daphne" else ""))
        path = RESULTS / f"participation-{db}{suffix}.json"
        path.write_text(json.dumps(run, indent=2, ensure_ascii=False))
        report(db, run, facts)
        print(f"   results: {path.relative_to(ROOT)}; wall time {run['wall_seconds']} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
