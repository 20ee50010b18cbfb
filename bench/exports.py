#!/usr/bin/env python
"""Open-data export benchmark: 100,000 comments and 1,000,000 votes on SQLite.

Seeds a throwaway SQLite database with one consultation (12 sections), 20,000 participants,
100,000 comments (a fifth of them replies; 97% published, the rest withdrawn or held),
900,000 support/oppose votes on the comments, 20 statements with 100,000 agree/disagree/pass
votes and a stored opinion-groups analysis of their 5,000 voters, and one official. Then, each in a
fresh process (so its peak memory is the export's, not the seeding's), downloads a file:

  - through the Django test client (WSGI), consuming `streaming_content` chunk by chunk;
  - through the ASGI application as daphne runs it (the production path), discarding the body.

and reports wall-clock seconds, the bytes written and the process's peak resident memory
(`ru_maxrss`; "growth" is the peak minus the memory after Django had started and signed in).

Targets (issue 6, exports): the comments CSV and the votes CSV each in ≤ 30 s and ≤ 300 MB.

Usage: .venv/bin/python bench/exports.py [--comments N] [--votes N] [--quick]
Results: bench/results/exports-sqlite.json. Never part of the test suite (the behaviour is asserted
in tests/reports/test_exports.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import participation as P

TARGET_SECONDS = 30
TARGET_MB = 300
PARTICIPANTS = 20_000
STATEMENTS = 20
STATEMENT_VOTERS = 5_000
BATCH = 20_000
CASES = [  # (how, dataset, format); the first two are the targets
    ("client", "comments", "csv"), ("client", "votes", "csv"),
    ("client", "comments", "json"), ("client", "votes", "json"), ("client", "statements", "csv"),
    ("asgi", "comments", "csv"), ("asgi", "votes", "csv"),
]
TEXTS = [
    "I support this section, but the deadline is too short for small districts; give them six more months.",
    "این بند باید روشن‌تر بنویسد که چه کسی مسئول اجرای آن است و گزارش سالانه کجا منتشر می‌شود.",
    "The budget line in this part does not say how residents will be told about changes after the vote.",
    "حمل‌ونقل عمومی شبانه برای کارگران شیفت شب ضروری است و باید در این طرح دیده شود.",
    "Please publish the data behind the estimates, in an open format, so that others can check them.",
]


def _chunks(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def internal_seed(comments: int, votes: int) -> dict:
    """Fill the throwaway database; return what the export processes need."""
    import datetime
    import random

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from consult import services
    from consult.models import Comment, ConsultationPage, Profile, Statement
    from consult.site_tree import ensure_site_tree
    from reports.models import PageAnalysis
    from voting.models import CommentVote, StatementVote

    started = time.perf_counter()
    rng = random.Random(6)
    now = timezone.now()
    tree = ensure_site_tree()
    page = services.page_publish_child(parent=tree.indexes["en"], page=ConsultationPage(
        title="Benchmark: open data of a large consultation", slug="bench-exports",
        locale=tree.indexes["en"].locale, summary="S",
        sections=[{"type": "section", "value": {"heading": f"Article {n}", "body": "<p>x</p>"}} for n in range(12)],
        opens_at=now - datetime.timedelta(days=30), closes_at=now + datetime.timedelta(days=10)))
    sections = [s["id"] for s in page.section_list]
    User = get_user_model()
    with transaction.atomic():
        User.objects.bulk_create([User(username=f"bench-{n}", email=f"bench{n}@example.org",
                                       password="!")  # noqa: S106 - "!" is Django's unusable password
                                  for n in range(PARTICIPANTS)], batch_size=5000)
        people = list(User.objects.filter(username__startswith="bench-").order_by("pk").values_list("pk", flat=True))
        official = User.objects.create_user(username="bench-official", email="o@example.org")
        Profile.objects.create(user=official, display_name="Bench official", display_name_key="benchofficial",
                               consent_version="bench", consented_at=now)
        official.groups.add(Group.objects.get_or_create(name="official")[0])

    per_comment = max(1, round(0.9 * votes / comments))
    tops = comments * 4 // 5
    support: dict[int, int] = {}

    def comment_rows(n_from, n_to, parents=None):
        for n in range(n_from, n_to):
            status = "published" if n % 100 < 97 else ("withdrawn" if n % 100 < 99 else "pending")
            text = f"{TEXTS[n % len(TEXTS)]} ({n})"
            created = now - datetime.timedelta(seconds=rng.randint(0, 30 * 86400))
            if parents is None:
                yield Comment(page_id=page.pk, author_id=people[n % PARTICIPANTS], section_id=sections[n % 12],
                              stance=("support", "oppose", "neutral")[n % 3], body=text, body_html=f"<p>{text}</p>",
                              status=status, created_at=created)
            else:
                parent_pk, section = parents[n % len(parents)]
                yield Comment(page_id=page.pk, author_id=people[(n * 7) % PARTICIPANTS], section_id=section,
                              parent_id=parent_pk, depth=1, stance="", body=text, body_html=f"<p>{text}</p>",
                              status=status, created_at=created)

    with transaction.atomic():
        for batch in _chunks(comment_rows(0, tops), BATCH):
            Comment.objects.bulk_create(batch, batch_size=2000)
        parents = list(Comment.objects.filter(page_id=page.pk, depth=0).values_list("pk", "section_id"))
        for batch in _chunks(comment_rows(tops, comments, parents), BATCH):
            Comment.objects.bulk_create(batch, batch_size=2000)
    comment_pks = list(Comment.objects.filter(page_id=page.pk).order_by("pk").values_list("pk", flat=True))
    P.log(f"seed: {len(comment_pks)} comments in {time.perf_counter() - started:.0f} s")

    def comment_votes():
        for i, comment in enumerate(comment_pks):
            ups = 0
            for j in range(per_comment):
                value = 1 if (i + j) % 3 else -1
                ups += value == 1
                created = now - datetime.timedelta(seconds=rng.randint(0, 30 * 86400))
                yield CommentVote(comment_id=comment, voter_id=people[(i * 7 + j * 2003) % PARTICIPANTS],
                                  value=value, created_at=created, updated_at=created)
            support[comment] = ups

    n_comment_votes = 0
    with transaction.atomic():
        for batch in _chunks(comment_votes(), BATCH):
            CommentVote.objects.bulk_create(batch, batch_size=5000)
            n_comment_votes += len(batch)
    with transaction.atomic():  # the counters, as the voting services keep them
        for batch in _chunks(support.items(), 5000):
            Comment.objects.bulk_update([Comment(pk=pk, support_count=ups, oppose_count=per_comment - ups)
                                         for pk, ups in batch], ["support_count", "oppose_count"], batch_size=1000)
    P.log(f"seed: {n_comment_votes} comment votes in {time.perf_counter() - started:.0f} s")

    statement_votes = max(0, votes - n_comment_votes)
    voters = people[:STATEMENT_VOTERS]
    with transaction.atomic():
        Statement.objects.bulk_create([Statement(page_id=page.pk, text=f"Statement {n}: {TEXTS[n % 5]}"[:280])
                                       for n in range(STATEMENTS)])
        statements = list(Statement.objects.filter(page_id=page.pk).values_list("pk", flat=True))
        rows = ((s, v) for v in voters for s in statements)
        n_statement_votes = 0
        for batch in _chunks((StatementVote(statement_id=s, voter_id=v, value=(s + v) % 3 - 1)
                              for s, v in rows), BATCH):
            if n_statement_votes >= statement_votes:
                break
            batch = batch[: statement_votes - n_statement_votes]
            StatementVote.objects.bulk_create(batch, batch_size=5000)
            n_statement_votes += len(batch)
        PageAnalysis.objects.create(page_id=page.pk, kind="groups", result={
            "basis": "statements", "k": 3, "n_participants": len(voters),
            "groups": [{"index": g, "size": len(voters[g::3])} for g in range(3)],
            "points": [[v, round(rng.uniform(-1, 1), 4), round(rng.uniform(-1, 1), 4), i % 3]
                       for i, v in enumerate(voters)]})
    P.log(f"seed: {n_statement_votes} statement votes, done in {time.perf_counter() - started:.0f} s")
    return {"page_id": page.pk, "official": official.pk, "comments": len(comment_pks),
            "published": Comment.objects.filter(page_id=page.pk, status="published").count(),
            "comment_votes": n_comment_votes, "statement_votes": n_statement_votes,
            "seed_seconds": round(time.perf_counter() - started, 1)}


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def internal_export(how: str, page_id: int, official_id: int, dataset: str, fmt: str) -> dict:
    """Download one file in this fresh process; seconds, bytes and peak memory."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(pk=official_id))
    path = f"/en/reports/{page_id}/export/{dataset}.{fmt}"
    client.get(f"/en/reports/{page_id}/export/polls.csv")  # warm imports and URL resolution
    baseline = _rss_mb()
    size = chunks = 0
    started = time.perf_counter()
    first_byte = None
    if how == "client":
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        for chunk in response.streaming_content:
            first_byte = first_byte or time.perf_counter() - started
            size += len(chunk)
            chunks += 1
        response.close()
    else:
        import asyncio

        from django.core.asgi import get_asgi_application

        application = get_asgi_application()
        session = client.cookies["sessionid"].value
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"127.0.0.1"), (b"cookie", f"sessionid={session}".encode())],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
        status = {}

        async def run():
            nonlocal size, chunks, first_byte
            asked = asyncio.Event()
            requested = False

            async def receive():
                nonlocal requested
                if not requested:
                    requested = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                await asked.wait()  # the client never disconnects
                return {"type": "http.disconnect"}

            async def send(message):
                nonlocal size, chunks, first_byte
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                elif message.get("body"):
                    first_byte = first_byte or time.perf_counter() - started
                    size += len(message["body"])
                    chunks += 1

            await application(scope, receive, send)

        asyncio.run(run())
        assert status.get("code") == 200, status
    seconds = time.perf_counter() - started
    peak = _rss_mb()
    return {"how": how, "dataset": dataset, "format": fmt, "seconds": round(seconds, 2),
            "first_byte_s": round(first_byte or 0, 3), "mb": round(size / 1e6, 1), "chunks": chunks,
            "peak_rss_mb": round(peak, 1), "growth_mb": round(peak - baseline, 1)}


def _internal(env: dict, *args: str, timeout: float = 1800) -> dict:
    proc = subprocess.run([P.PYTHON, str(Path(__file__).resolve()), "--internal", *args], cwd=P.ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    sys.stderr.write(proc.stdout.replace("BENCH-JSON", "  result"))
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    raise RuntimeError(f"{args[0]} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal:
        P._django()
        if args.internal[0] == "seed":
            result = internal_seed(int(args.internal[1]), int(args.internal[2]))
        else:
            how, page_id, official, dataset, fmt = args.internal[1:]
            result = internal_export(how, int(page_id), int(official), dataset, fmt)
        print("BENCH-JSON " + json.dumps(result), flush=True)
        return
    comments, votes = (args.comments // 10, args.votes // 10) if args.quick else (args.comments, args.votes)
    tmp = Path(tempfile.mkdtemp(prefix="rayzan-export-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    env.update({"RAYZAN_VAR_DIR": str(tmp), "SQLITE_PATH": str(tmp / "bench.sqlite3"),
                "SECRET_KEY": "bench-" + "x" * 50, "DEBUG": "0", "RAYZAN_STATIC_MANIFEST": "0",
                "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "RAYZAN_REPORTS_WORKER": "off", "RAYZAN_CACHE_PREFIX": f"rayzan-export-bench-{os.getpid()}",
                "RAYZAN_CHANNEL_PREFIX": f"rayzan-export-bench-{os.getpid()}"})
    try:
        P.log("sqlite: migrate")
        done = subprocess.run([P.PYTHON, "manage.py", "migrate", "--noinput"], cwd=P.ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
        if done.returncode:
            raise RuntimeError(done.stderr[-2000:])
        P.log(f"sqlite: seed {comments} comments, {votes} votes")
        seed = _internal(env, "seed", str(comments), str(votes))
        results = []
        for how, dataset, fmt in CASES:
            P.log(f"export {dataset}.{fmt} via {how}")
            results.append(_internal(env, "export", how, str(seed["page_id"]), str(seed["official"]), dataset, fmt))
        facts = P.machine()
        db_mb = (tmp / "bench.sqlite3").stat().st_size / 1e6
        print(f"\n== Export benchmark: SQLite ({db_mb:.0f} MB), {seed['comments']} comments "
              f"({seed['published']} published), {seed['comment_votes'] + seed['statement_votes']} votes "
              f"({seed['comment_votes']} on comments, {seed['statement_votes']} on statements); "
              f"{facts['nproc']} cores ({facts['cpu']}), {facts['memory']}")
        for r in results:
            verdict = ""
            if r["how"] == "client" and r["format"] == "csv" and r["dataset"] in {"comments", "votes"}:
                ok = r["seconds"] <= TARGET_SECONDS and r["peak_rss_mb"] <= TARGET_MB
                verdict = f"  ≤ {TARGET_SECONDS} s and ≤ {TARGET_MB} MB: {'PASS' if ok else 'MISS'}"
            print(f"   {r['dataset'] + '.' + r['format']:<16} via {r['how']:<6} {r['seconds']:>6.1f} s "
                  f"(first byte {r['first_byte_s']:.2f} s)  {r['mb']:>6.1f} MB written in {r['chunks']} chunks  "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB (+{r['growth_mb']:.0f} MB){verdict}")
        P.RESULTS.mkdir(exist_ok=True)
        out = P.RESULTS / "exports-sqlite.json"
        out.write_text(json.dumps({"database": "sqlite", "seed": seed, "machine": facts, "results": results},
                                  indent=2))
        print(f"   results: {out.relative_to(P.ROOT)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
