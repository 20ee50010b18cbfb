#!/usr/bin/env python
"""Reports math benchmark: opinion groups, the Pol.is export reader, campaign detection.

Measures, on this machine (wall-clock seconds, best and first of a few runs):

  1. reports.polis_export.read_export on each Pol.is conversation in ../shared/data/polis (skipped
     when the data is absent) and reports.opinion.compute_opinion_groups on it, with the adjusted
     Rand index against Pol.is's own group-id column (over participants both sides grouped), at the
     k we choose and at Pol.is's k. Target: vtaiwan.uberx (1,921 x 197, ~50k votes) <= 1 s.
  2. compute_opinion_groups on a synthetic conversation of 6,000 participants x 2,000 statements,
     ~500k votes, three planted camps, heavy-tailed votes per person; ARI against the camps.
     Target: <= 5 s.
  3. reports.campaigns.find_campaigns on a synthetic consultation of 100,000 comments (Persian and
     English organic comments plus form-letter campaigns with light edits); membership precision
     and recall. Target: well under 30 s.

Usage: .venv/bin/python bench/reports_math.py [--quick]   (--quick: a tenth of the synthetic sizes)
Prints a table; never part of the test suite (the behaviour is asserted in tests/reports).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from reports.campaigns import find_campaigns  # noqa: E402
from reports.opinion import compute_opinion_groups  # noqa: E402
from reports.polis_export import read_export  # noqa: E402
from tests.reports.test_campaigns import membership_scores, synthetic_consultation  # noqa: E402
from tests.reports.test_opinion import planted_votes  # noqa: E402

POLIS_DATA = ROOT.parent / "shared" / "data" / "polis"  # ../shared beside the checkout
CONVERSATIONS = ["vtaiwan.uberx", "15-per-hour-seattle", "scoop-hivemind.ubi", "brexit-consensus"]


def timed(function, repeat: int):
    """(result, first run's seconds, best run's seconds)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, times[0], min(times)


def ari(reference: dict, result) -> float:
    common = [key for key in result.clusters if key in reference]
    return adjusted_rand_score([reference[key] for key in common], [result.clusters[key] for key in common])


def bench_polis() -> None:
    if not POLIS_DATA.is_dir():
        print(f"Pol.is data not found at {POLIS_DATA}: skipped")
        return
    print(f"{'conversation':24} {'read s':>7} {'groups s':>9} {'first s':>8} {'k':>2} {'ARI':>6} "
          f"{'Pol.is k':>8} {'ARI at it':>9}")
    for name in CONVERSATIONS:
        directory = POLIS_DATA / name
        if not directory.is_dir():
            continue
        export, _, read_best = timed(lambda directory=directory: read_export(directory), 3)
        votes, rejected = export.vote_triples(), export.rejected_statement_ids
        result, first, best = timed(
            lambda votes=votes, rejected=rejected: compute_opinion_groups(votes, excluded_statements=rejected), 5
        )
        polis_k = len(set(export.polis_groups.values()))
        forced = compute_opinion_groups(votes, excluded_statements=rejected, k=polis_k)
        print(f"{name:24} {read_best:7.3f} {best:9.3f} {first:8.3f} {result.k:2d} "
              f"{ari(export.polis_groups, result):6.3f} {polis_k:8d} {ari(export.polis_groups, forced):9.3f}")


def bench_large_conversation(quick: bool) -> None:
    participants, statements = (600, 200) if quick else (6000, 2000)
    start = time.perf_counter()
    votes, camps = planted_votes(participants, statements, seed=0, fewest_votes=15)
    made = time.perf_counter() - start
    result, first, best = timed(lambda: compute_opinion_groups(votes), 3)
    print(f"\nsynthetic conversation {participants} x {statements}, {len(votes):,} votes (made in {made:.1f} s): "
          f"best {best:.2f} s, first {first:.2f} s, k={result.k} (planted 3), "
          f"{len(result.clusters):,} grouped, ARI vs camps {ari(camps, result):.3f}")


def bench_campaigns(quick: bool) -> None:
    scale = 10 if quick else 1
    sizes = tuple(max(3, size // scale) for size in (3, 5, 10, 30, 100, 300, 1000, 1500, 3000))
    organic = 100_000 // scale - sum(sizes) - 100 // scale
    start = time.perf_counter()
    comments, truth = synthetic_consultation(n_organic=organic, campaign_sizes=sizes, seed=0,
                                             pair_copies=50 // scale)
    made = time.perf_counter() - start
    result, first, best = timed(lambda: find_campaigns(comments), 2)
    precision, recall, pair_precision, pair_recall = membership_scores(result, truth)
    print(f"\ncampaigns in {len(comments):,} comments (made in {made:.1f} s): best {best:.2f} s, first {first:.2f} s, "
          f"{len(result.campaigns)} campaigns found ({len({v for v in truth.values() if v is not None})} templates), "
          f"membership precision {precision:.3f} recall {recall:.3f}, "
          f"same-campaign pairs precision {pair_precision:.3f} recall {pair_recall:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the synthetic sizes")
    arguments = parser.parse_args()
    bench_polis()
    bench_large_conversation(arguments.quick)
    bench_campaigns(arguments.quick)


if __name__ == "__main__":
    main()
