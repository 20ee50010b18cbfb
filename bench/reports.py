#!/usr/bin/env python
"""Reports benchmark (issue 6): the math, the worker's computations, the dashboard page, exports.

  1. Opinion groups on Pol.is's vtaiwan.uberx (target ≤ 1 s) and on a synthetic 6,000 × 2,000
     conversation with ~500k votes (target ≤ 5 s), campaign detection on 100,000 comments:
     bench/reports_math.py, run as is.
  2. A consultation of 100,000 comments and 1,000,000 votes on SQLite (seeded as bench/exports.py
     does), then in fresh processes:
       - the reports worker's computations on it: the dashboard figures, the opinion groups over
         the statement votes, the campaigns over the comments (seconds each; off the request path);
       - the dashboard page from those stored results: p50/p95 of 30 sequential requests through
         the Django test client (server time, no network). Target: p95 ≤ 300 ms;
       - the CSV export of the comments and of the votes (target ≤ 30 s and ≤ 300 MB each).

Usage: .venv/bin/python bench/reports.py [--quick]   (--quick: a tenth of every size)
Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import exports as E
import participation as P

TARGET_P95_MS = 300
REQUESTS = 30


def internal_compute(page_id: int) -> dict:
    from reports import analysis

    timings = {}
    for name, compute in (("figures", analysis.compute_figures), ("groups", analysis.compute_groups),
                          ("campaigns", analysis.compute_campaigns)):
        started = time.perf_counter()
        stored = compute(page_id)
        timings[name] = round(time.perf_counter() - started, 2)
        if name == "groups":
            timings["k"] = stored.result["k"]
            timings["grouped"] = stored.result["n_grouped"]
        if name == "campaigns":
            timings["in_campaigns"] = stored.result["in_campaigns"]
    return timings


def internal_dashboard(page_id: int, official_id: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(pk=official_id))
    path = f"/en/reports/{page_id}/"
    assert client.get(path).status_code == 200  # warm caches, templates, imports
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    reset_queries()  # (CaptureQueriesContext turns query recording on for this one request)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "queries": len(queries), "bytes": len(response.content)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of every size")
    parser.add_argument("--skip-math", action="store_true", help="only the database part (2.)")
    parser.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal:
        P._django()
        if args.internal[0] == "compute":
            result = internal_compute(int(args.internal[1]))
        else:
            result = internal_dashboard(int(args.internal[1]), int(args.internal[2]))
        print("BENCH-JSON " + json.dumps(result), flush=True)
        return

    if not args.skip_math:
        P.log("1. the math (bench/reports_math.py)")
        quick = ["--quick"] if args.quick else []
        subprocess.run([P.PYTHON, str(Path(__file__).with_name("reports_math.py")), *quick], cwd=P.ROOT, check=True)

    comments, votes = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    tmp = Path(tempfile.mkdtemp(prefix="rayzan-reports-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    env.update({"RAYZAN_VAR_DIR": str(tmp), "SQLITE_PATH": str(tmp / "bench.sqlite3"),
                "SECRET_KEY": "bench-" + "x" * 50, "DEBUG": "0", "RAYZAN_STATIC_MANIFEST": "0",
                "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "RAYZAN_REPORTS_WORKER": "off", "RAYZAN_CACHE_PREFIX": f"rayzan-reports-bench-{os.getpid()}",
                "RAYZAN_CHANNEL_PREFIX": f"rayzan-reports-bench-{os.getpid()}"})

    def internal(script: Path, *arguments: str) -> dict:
        proc = subprocess.run([P.PYTHON, str(script), "--internal", *arguments], cwd=P.ROOT, env=env,
                              capture_output=True, text=True, timeout=3600)
        for line in proc.stdout.splitlines():
            if line.startswith("BENCH-JSON "):
                return json.loads(line[len("BENCH-JSON "):])
        raise RuntimeError(f"{arguments[0]} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")

    try:
        P.log("2. sqlite: migrate")
        subprocess.run([P.PYTHON, "manage.py", "migrate", "--noinput"], cwd=P.ROOT, env=env, check=True,
                       capture_output=True, timeout=900)
        P.log(f"   seed {comments} comments, {votes} votes")
        seed = internal(Path(E.__file__), "seed", str(comments), str(votes))
        P.log("   the worker's computations")
        computed = internal(Path(__file__), "compute", str(seed["page_id"]))
        P.log("   the dashboard page from stored results")
        page = internal(Path(__file__), "dashboard", str(seed["page_id"]), str(seed["official"]))
        exports = [internal(Path(E.__file__), "export", "client", str(seed["page_id"]), str(seed["official"]),
                            dataset, "csv") for dataset in ("comments", "votes")]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    facts = P.machine()
    print(f"\n== Reports on SQLite: {seed['comments']} comments, {seed['comment_votes'] + seed['statement_votes']} "
          f"votes; {facts['nproc']} cores ({facts['cpu']}), {facts['memory']}")
    print(f"   worker: figures {computed['figures']} s, opinion groups {computed['groups']} s "
          f"(k={computed['k']}, {computed['grouped']} grouped), campaigns {computed['campaigns']} s")
    verdict = "PASS" if page["p95_ms"] <= TARGET_P95_MS else "MISS"
    print(f"   dashboard page: p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms over {REQUESTS} requests, "
          f"{page['queries']} queries, {page['bytes'] // 1024} KB  (p95 ≤ {TARGET_P95_MS} ms: {verdict})")
    for result in exports:
        ok = result["seconds"] <= E.TARGET_SECONDS and result["peak_rss_mb"] <= E.TARGET_MB
        print(f"   {result['dataset']}.csv export: {result['seconds']} s, {result['mb']} MB, peak RSS "
              f"{result['peak_rss_mb']:.0f} MB  (≤ {E.TARGET_SECONDS} s, ≤ {E.TARGET_MB} MB: "
              f"{'PASS' if ok else 'MISS'})")
    P.RESULTS.mkdir(exist_ok=True)
    (P.RESULTS / "reports-sqlite.json").write_text(json.dumps(
        {"seed": seed, "worker": computed, "dashboard": page, "exports": exports, "machine": facts}, indent=2))


if __name__ == "__main__":
    main()
