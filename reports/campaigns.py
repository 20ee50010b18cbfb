"""Campaign detection: near-identical comments (form letters) and bursts of comments from new accounts.

A campaign is a set of at least MIN_CAMPAIGN_SIZE comments that are the same text up to light edits:
reordered sentences, a synonym or two, typos, a greeting or a signature, and in Persian the usual
spelling variation (ZWNJ, a space or nothing between word parts, Arabic or Persian letter forms).

How, and why this way:

1. Every text goes through ``consult.textnorm.compact``: one letter form, Latin digits, no
   diacritics, lower case and *no spaces*, so "می شود", "می‌شود" and "میشود" are the same characters.
   Because spacing is gone, the shingles are character 5-grams of that text rather than word
   n-grams: they also shrug off typos (a typo changes 5 shingles, not whole words) and sentence
   reordering (only the shingles across a sentence boundary change).
2. One-permutation MinHash (one hash per shingle, the hash space cut into SIGNATURE_BINS bins, the
   minimum per bin, empty bins filled from their neighbour) gives each text a signature whose
   matching bins estimate the Jaccard similarity of the shingle sets. It costs one hash per
   shingle instead of one per shingle and permutation: 100,000 comments take seconds, not minutes.
3. LSH: the signature cut into bands; texts that share a band are candidates. Within a bucket each
   text is paired with the bucket's first text only, so a 5,000-copy campaign gives 5,000 pairs
   rather than 12 million; the union-find below still joins them all.
4. Candidates are verified by Jaccard similarity (estimated from the signature where it is clearly
   above or below the threshold, computed exactly on the shingle sets near it), and verified pairs
   are joined by union-find (connected components). Organic comments on the same topic share words,
   not most of their 5-grams: their similarity stays far below the threshold.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from consult.textnorm import compact, normalise

MIN_CAMPAIGN_SIZE = 3
SHINGLE_CHARS = 5
MIN_SHINGLES = 20  # shorter texts (about 24 letters) say too little to call them a form letter
SIGNATURE_BINS = 128
BAND_ROWS = 4  # 32 bands of 4 bins: pairs at similarity 0.5 share a band 87% of the time, at 0.2 only 5%
SIMILARITY_THRESHOLD = 0.5  # Jaccard similarity of the shingle sets for two texts to be one campaign
EXACT_CHECK_MARGIN = 0.15  # estimates closer than this to the threshold are checked on the exact sets
MEDOID_SAMPLE = 400  # the representative text is the medoid of at most this many members

NEW_ACCOUNT_AGE = timedelta(days=7)

_EMPTY = np.uint32(0xFFFFFFFF)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants: fixed, so runs are reproducible
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class Variant:
    """One wording of a campaign's text (equal after normalisation) and who sent it."""

    text: str
    keys: tuple[Hashable, ...]


@dataclass
class Campaign:
    keys: list[Hashable]  # members, in input order
    representative_key: Hashable
    representative_text: str  # the medoid: the member most similar to the others
    variants: list[Variant]  # distinct wordings, most common first

    @property
    def size(self) -> int:
        return len(self.keys)


@dataclass
class CampaignResult:
    campaigns: list[Campaign]  # largest first
    unclustered: list[Hashable]  # every other key, in input order


@dataclass
class Burst:
    start: datetime  # the first and last comment of the burst
    end: datetime
    keys: list[Hashable]  # the new accounts' comments in it, oldest first


def find_campaigns(
    comments: Iterable[tuple[Hashable, str]],
    *,
    min_size: int = MIN_CAMPAIGN_SIZE,
    threshold: float = SIMILARITY_THRESHOLD,
) -> CampaignResult:
    """Group near-identical comments into campaigns; everything else is unclustered."""
    comments = list(comments)
    keys = [key for key, _ in comments]
    texts = [text or "" for _, text in comments]
    shingles = Shingles.of([compact(text) for text in texts])
    usable = np.flatnonzero(shingles.counts >= MIN_SHINGLES)
    if len(usable) < min_size:
        return CampaignResult([], keys)

    signatures = shingles.signatures(usable)
    left, right = candidate_pairs(signatures)
    left, right = verified_pairs(signatures, shingles, usable, left, right, threshold)
    graph = sparse.coo_matrix((np.ones(len(left)), (left, right)), shape=(len(usable), len(usable)))
    _, component = connected_components(graph, directed=False)

    found = []  # (first input position, campaign)
    clustered = np.zeros(len(keys), dtype=bool)
    sizes = np.bincount(component)
    order = np.argsort(component, kind="stable")  # rows grouped by component, input order within each
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    for label in np.flatnonzero(sizes >= min_size):
        rows = order[bounds[label]:bounds[label + 1]]
        positions = usable[rows]
        medoid = positions[_medoid(signatures[rows[:MEDOID_SAMPLE]])]
        clustered[positions] = True
        found.append((positions[0], Campaign(
            keys=[keys[i] for i in positions],
            representative_key=keys[medoid],
            representative_text=texts[medoid],
            variants=_variants(positions.tolist(), keys, texts),
        )))
    found.sort(key=lambda item: (-item[1].size, item[0]))
    return CampaignResult([campaign for _, campaign in found], [keys[i] for i in np.flatnonzero(~clustered)])


@dataclass
class Shingles:
    """Hashed character 5-grams of many texts, stored end to end: text i owns hashes[starts[i]:ends[i]]."""

    hashes: np.ndarray  # uint64
    starts: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, compact_texts: list[str]) -> Shingles:
        k = SHINGLE_CHARS
        # "\n" never survives `compact`, so it can separate the texts in one code-point array.
        codes = np.frombuffer("\n".join(compact_texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter(map(len, compact_texts), dtype=np.int64, count=len(compact_texts))
        text_starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
        counts = np.maximum(lengths - k + 1, 0)
        if len(codes) < k:
            return cls(np.zeros(0, dtype=np.uint64), text_starts, counts)
        windows = len(codes) - k + 1
        rolling = codes[:windows].copy()
        for offset in range(1, k):
            rolling = rolling * _MULTIPLIER + codes[offset:offset + windows]
        # Keep only the windows inside one text, in text order: text i's are at text_starts[i] + j.
        inside = np.repeat(text_starts, counts) + _ranges(counts)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return cls(_mix(rolling[inside]), starts, counts)

    def of_text(self, i: int) -> np.ndarray:
        return self.hashes[self.starts[i]:self.starts[i] + self.counts[i]]

    def signatures(self, texts: np.ndarray) -> np.ndarray:
        """One-permutation MinHash signatures (uint32, one row per text) with empty bins densified."""
        bits = SIGNATURE_BINS.bit_length() - 1
        owner = np.repeat(np.arange(len(texts)), self.counts[texts])
        chosen = np.zeros(len(self.counts), dtype=bool)
        chosen[texts] = True
        hashes = self.hashes[np.repeat(chosen, self.counts)]  # texts must be ascending, as `usable` is
        bins = (hashes >> np.uint64(64 - bits)).astype(np.int64)
        values = ((hashes >> np.uint64(32 - bits)) & np.uint64(0xFFFFFFFE)).astype(np.uint32)
        signature = np.full((len(texts), SIGNATURE_BINS), _EMPTY, dtype=np.uint32)
        np.minimum.at(signature, (owner, bins), values)
        return _densify(signature)


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..count-1 for every count, concatenated."""
    total = int(counts.sum())
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - offsets


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the polynomial hash over all 64 bits (uint64 arithmetic wraps)."""
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX_2
    return values ^ (values >> np.uint64(31))


def _densify(signature: np.ndarray) -> np.ndarray:
    """Fill each empty bin from the next filled bin to its right (circularly), offset by the distance.

    Without it two short texts would "agree" on every bin both leave empty.
    """
    n, width = signature.shape
    doubled = np.concatenate([signature, signature], axis=1)
    position = np.where(doubled != _EMPTY, np.arange(2 * width), 2 * width)
    next_filled = np.minimum.accumulate(position[:, ::-1], axis=1)[:, ::-1][:, :width]
    distance = (next_filled - np.arange(width)).astype(np.uint32)
    source = np.minimum(next_filled, 2 * width - 1)
    filled = doubled[np.arange(n)[:, None], source]
    # An odd offset per step of distance keeps borrowed values from matching the bin they came from.
    return np.where(signature == _EMPTY, filled + distance * np.uint32(0x9E3779B1), signature)


def candidate_pairs(signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows that share at least one LSH band, each paired with its bucket's first row."""
    n = len(signatures)
    lefts, rights = [], []
    for band in range(SIGNATURE_BINS // BAND_ROWS):
        block = signatures[:, band * BAND_ROWS:(band + 1) * BAND_ROWS].astype(np.uint64)
        bucket = np.zeros(n, dtype=np.uint64)
        for column in block.T:  # the band's bins folded into one 64-bit key; collisions are negligible
            bucket = _mix(bucket * _MULTIPLIER + column)
        order = np.argsort(bucket, kind="stable")
        sorted_buckets = bucket[order]
        first_of_bucket = np.r_[True, sorted_buckets[1:] != sorted_buckets[:-1]]
        anchor = order[np.maximum.accumulate(np.where(first_of_bucket, np.arange(n), 0))]
        paired = anchor != order
        lefts.append(anchor[paired])
        rights.append(order[paired])
    left, right = np.concatenate(lefts), np.concatenate(rights)
    unique_pairs = np.unique(np.minimum(left, right) * n + np.maximum(left, right))
    return unique_pairs // n, unique_pairs % n


def verified_pairs(signatures, shingles: Shingles, usable, left, right, threshold):
    """The candidate pairs whose Jaccard similarity reaches the threshold."""
    estimate = np.zeros(len(left))
    for start in range(0, len(left), 100_000):  # bounded memory for the comparison block
        chunk = slice(start, start + 100_000)
        estimate[chunk] = (signatures[left[chunk]] == signatures[right[chunk]]).mean(axis=1)
    sure = estimate >= threshold + EXACT_CHECK_MARGIN
    unsure = np.flatnonzero((estimate >= threshold - EXACT_CHECK_MARGIN) & ~sure)
    sets: dict[int, np.ndarray] = {}

    def shingle_set(row):
        if row not in sets:
            sets[row] = np.unique(shingles.of_text(usable[row]))
        return sets[row]

    for pair in unsure:
        a, b = shingle_set(left[pair]), shingle_set(right[pair])
        common = len(np.intersect1d(a, b, assume_unique=True))
        sure[pair] = common / (len(a) + len(b) - common) >= threshold
    return left[sure], right[sure]


def _medoid(signatures: np.ndarray) -> int:
    """The row with the highest total estimated similarity to the others (first on ties)."""
    totals = np.zeros(len(signatures))
    for column in range(signatures.shape[1]):
        values = signatures[:, column]
        _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        totals += counts[inverse.ravel()]
    return int(np.argmax(totals))


def _variants(members: list[int], keys: list, texts: list[str]) -> list[Variant]:
    by_wording: dict[str, list[int]] = {}
    for i in members:
        by_wording.setdefault(normalise(texts[i]), []).append(i)
    ranked = sorted(by_wording.values(), key=lambda group: (-len(group), group[0]))
    return [Variant(texts[group[0]], tuple(keys[i] for i in group)) for group in ranked]


# ---------------------------------------------------------------------------------------------------
# Bursts


def bursts(
    events: Iterable[tuple[Hashable, datetime | None, datetime]],
    window_minutes: int = 60,
    min_count: int = 10,
) -> list[Burst]:
    """Windows in which at least ``min_count`` comments came from accounts younger than NEW_ACCOUNT_AGE.

    ``events``: (comment_key, author_account_created_at, comment_created_at); an unknown account date
    (None) does not count as new. Overlapping busy windows merge into one burst; each burst lists the
    new accounts' comments in it, oldest first.
    """
    window = timedelta(minutes=window_minutes)
    fresh = sorted(
        ((created, key) for key, account_created, created in events
         if account_created is not None and created - account_created < NEW_ACCOUNT_AGE),
        key=lambda event: event[0],
    )
    times = [created for created, _ in fresh]
    spans: list[list[int]] = []
    last = 0
    for first, start in enumerate(times):
        last = max(last, first)
        while last + 1 < len(times) and times[last + 1] - start <= window:
            last += 1
        if last - first + 1 < min_count:
            continue
        if spans and first <= spans[-1][1]:
            spans[-1][1] = last
        else:
            spans.append([first, last])
    return [Burst(times[a], times[b], [key for _, key in fresh[a:b + 1]]) for a, b in spans]
