#!/usr/bin/env python
"""Moderation benchmark: the moderators' queue with 10,000 pending items.

Seeds a throwaway database with one consultation, 10,000 held comments and a pending case for
each (reasons and report counts spread like a spam wave), and one moderator, then serves it
with one daphne process on 127.0.0.1 and measures the server time (p50/p95 of sequential
keep-alive requests over loopback) of:

  - the queue page (HTML), first page and a deep page (page 200 of 400);
  - the queue API, first page, filtered by reason, and a deep page;
  - opening a case (HTML): it claims the case, so every request opens a different one.

Target (the moderation issue): p95 ≤ 300 ms server time for the queue page and API with 10,000
pending items; the query count is constant (asserted in tests/moderation/test_queue.py).

Usage: .venv/bin/python bench/moderation.py [--database sqlite|postgres] [--items N] [--port N]
Default: PostgreSQL (and Redis) when they answer, as production runs; otherwise SQLite.
Results: bench/results/moderation-<db>.json. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import participation as P

TARGET_P95_MS = 300


def internal_seed(items: int) -> dict:
    import datetime
    import random

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from consult import services
    from consult.models import Comment, ConsultationPage, Profile
    from consult.site_tree import ensure_site_tree
    from moderation.models import SEVERITY, Case

    rng = random.Random(5)
    now = timezone.now()
    tree = ensure_site_tree()
    page = services.page_publish_child(parent=tree.indexes["en"], page=ConsultationPage(
        title="Benchmark: a consultation under a spam wave", slug="bench-moderation", locale=tree.indexes["en"].locale,
        summary="S", sections=[{"type": "section", "value": {"heading": "One", "body": "<p>x</p>"}}],
        opens_at=now - datetime.timedelta(days=10), closes_at=now + datetime.timedelta(days=10)))
    User = get_user_model()
    author = User.objects.create_user(username="bench-author", email="a@example.org")
    Profile.objects.create(user=author, display_name="Bench author", display_name_key="benchauthor",
                           consent_version="bench", consented_at=now)
    moderator = User.objects.create_user(username="bench-moderator", email="m@example.org")
    Profile.objects.create(user=moderator, display_name="Bench moderator", display_name_key="benchmoderator",
                           consent_version="bench", consented_at=now)
    moderator.groups.add(Group.objects.get_or_create(name="moderator")[0])
    reasons = ["spam", "abuse", "off_topic", "personal_data", "blocked_words", "links", "repeat"]
    with transaction.atomic():
        comments = Comment.objects.bulk_create([
            Comment(page=page, author=author, body=f"Cheap watches, offer {n}", body_html=f"<p>Cheap watches {n}</p>",
                    stance="support", status="pending", created_at=now - datetime.timedelta(minutes=n))
            for n in range(items)], batch_size=2000)
        if comments[0].pk is None:
            comments = list(Comment.objects.filter(page=page).order_by("pk"))
        cases = []
        for comment in comments:
            codes = rng.sample(reasons, rng.randint(1, 2))
            flags = rng.randint(0, 5)
            case = Case(item_type="comment", item_id=comment.pk, page_id=page.pk, language="en", reasons=codes,
                        flag_count=flags, opened_at=comment.created_at)
            case.priority = max(SEVERITY[c] for c in codes) * 10 + min(flags, 9)
            cases.append(case)
        Case.objects.bulk_create(cases, batch_size=2000)
    client = Client()
    client.force_login(moderator)
    case_ids = list(Case.objects.order_by("?").values_list("pk", flat=True)[:400])
    return {"page_id": page.pk, "session": client.cookies["sessionid"].value,
            "token": Token.objects.create(user=moderator).key, "case_ids": case_ids, "items": items}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--internal", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal:
        P._django()
        print("BENCH-JSON " + json.dumps(internal_seed(int(args.internal[1]))))
        return
    db = args.database or ("postgres" if P.port_free(5432) is False else "sqlite")
    tmp = Path(tempfile.mkdtemp(prefix="rayzan-mod-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    env.update({"RAYZAN_VAR_DIR": str(tmp), "SECRET_KEY": "bench-" + "x" * 50, "DEBUG": "0",
                "RAYZAN_STATIC_MANIFEST": "0", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
                "ALLOWED_HOSTS": "127.0.0.1,localhost", "RAYZAN_CACHE_PREFIX": f"rayzan-mod-bench-{os.getpid()}",
                "RAYZAN_CHANNEL_PREFIX": f"rayzan-mod-bench-{os.getpid()}"})
    pg_name = "rayzan_mod_bench"
    if db == "postgres":
        url = P.PG_URL.rsplit("/", 1)[0] + "/" + pg_name
        env["DATABASE_URL"] = url
        if P.redis_answers(P.REDIS_URL):
            env["REDIS_URL"] = P.REDIS_URL
        P.pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        P.pg_admin(f'CREATE DATABASE "{pg_name}"')
    else:
        env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    server = None
    try:
        P.log(f"{db}: migrate")
        import subprocess

        done = subprocess.run([P.PYTHON, "manage.py", "migrate", "--noinput"], cwd=P.ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
        if done.returncode:
            raise RuntimeError(done.stderr[-2000:])
        P.log(f"{db}: seed {args.items} pending items")
        proc = subprocess.run([P.PYTHON, str(Path(__file__).resolve()), "--internal", "seed", str(args.items)],
                              cwd=P.ROOT, env=env, capture_output=True, text=True, timeout=900)
        seed = next(json.loads(line[len("BENCH-JSON "):]) for line in proc.stdout.splitlines()
                    if line.startswith("BENCH-JSON ")) if "BENCH-JSON" in proc.stdout else None
        if seed is None:
            raise RuntimeError(proc.stderr[-3000:])
        server = P.start_server(env, args.port, tmp / "server.log")
        cookie = {"Cookie": f"sessionid={seed['session']}", "Host": "127.0.0.1"}
        token = {"Authorization": f"Token {seed['token']}", "Host": "127.0.0.1"}
        deep = max(1, seed["items"] // 25 // 2)
        urls = {
            "queue page (HTML)": ("/en/moderation/", cookie),
            f"queue page (HTML), page {deep}": (f"/en/moderation/?p={deep}", cookie),
            "queue API": ("/api/v1/moderation/queue/", token),
            "queue API, one reason": ("/api/v1/moderation/queue/?reason=abuse", token),
            f"queue API, page {deep}": (f"/api/v1/moderation/queue/?page={deep}", token),
        }
        results = {}
        for name, (path, headers) in urls.items():
            client = P.Client(args.port, headers)
            for _ in range(5):
                client.request("GET", path)
            times, statuses = [], {}
            for _ in range(100):
                status, elapsed, _body = client.request("GET", path)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                times.append(elapsed)
            client.close()
            results[name] = {"p50_ms": P.ms(times, 50), "p95_ms": P.ms(times, 95), "statuses": statuses}
        client = P.Client(args.port, cookie)
        times, statuses = [], {}
        for case_id in seed["case_ids"][:200]:
            status, elapsed, _body = client.request("GET", f"/en/moderation/case/{case_id}/")
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            times.append(elapsed)
        results["open a case (claims it)"] = {"p50_ms": P.ms(times, 50), "p95_ms": P.ms(times, 95),
                                              "statuses": statuses}
        facts = P.machine()
        print(f"\n== Moderation benchmark: {db}, {seed['items']} pending items; {facts['nproc']} cores "
              f"({facts['cpu']}), {facts['memory']}; 1 daphne")
        for name, r in results.items():
            verdict = ""
            if name.startswith("queue"):
                verdict = "PASS" if r["p95_ms"] is not None and r["p95_ms"] <= TARGET_P95_MS else "MISS"
                verdict = f"  p95 ≤ {TARGET_P95_MS} ms: {verdict}"
            print(f"   {name:<34} p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  {r['statuses']}{verdict}")
        P.RESULTS.mkdir(exist_ok=True)
        out = P.RESULTS / f"moderation-{db}.json"
        out.write_text(json.dumps({"database": db, "items": seed["items"], "machine": facts, "results": results},
                                  indent=2))
        print(f"   results: {out.relative_to(P.ROOT)}")
        time.sleep(0.1)
    finally:
        if server is not None:
            P.stop_server(server)
        if db == "postgres":
            try:
                P.pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            except Exception as exc:
                print(f"could not drop {pg_name}: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
