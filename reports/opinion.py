"""Opinion groups the way Pol.is finds them: who votes alike, what each group stands for, what unites them.

Input: the latest vote per (participant, statement) as ``(participant_key, statement_key, value)`` with
value 1 agree, -1 disagree, 0 pass. Keys are any hashable values (ids, UUIDs, strings).

The pipeline, following Pol.is's published math (compdemocracy.org/algorithms, polismath):

1. The vote matrix with missing votes imputed by the statement's mean vote, then centred. Centring
   turns every imputed cell into exactly 0, so the centred matrix is as sparse as the votes: that is
   what keeps 6,000 x 2,000 conversations cheap.
2. Rejected statements (moderated out) become a column of passes for everyone, as Pol.is's
   ``zero-out-columns`` does: no variance, so no say in the components, but they still count as
   "seen" in step 3. Doing otherwise moves the groups visibly away from Pol.is's own.
3. PCA to two components over every voter; each participant's projection sums over the statements
   they voted on and is scaled by sqrt(n_statements / n_seen). Without that scaling someone with 7
   votes out of 200 sits near the centre whatever their opinions are.
4. Only participants with at least MIN_VOTES votes are grouped: seeded k-means on the 2-D points for
   k = 2..5, the k with the best silhouette wins; a new best k replaces the current one only after it
   has won K_STABLE_RUNS recomputations in a row (``KState``), so groups do not flicker.
5. Per group: representative statements (Pol.is's repness: the group's smoothed agree (disagree)
   rate divided by everyone else's, kept when both the one-proportion and the two-proportion z-tests
   pass at 90%), and the statements the group clearly agrees / disagrees on. Overall: group-aware
   consensus (the product over groups of the smoothed agree rate, likewise disagree) and the most
   divisive statements (largest spread of the agree rate between groups).

Everything is deterministic for a given seed and independent of the order of the votes.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

MIN_VOTES = 7  # participants with fewer votes are projected but not grouped (Pol.is's in-conversation rule)
K_MIN, K_MAX = 2, 5
K_STABLE_RUNS = 3  # a new best k must win this many recomputations in a row before groups change
Z_90 = 1.2816  # one-sided z for 90% confidence, Pol.is's significance level
MAX_REPRESENTATIVE = 5
MAX_LISTED = 5  # consensus, divisive, and each group's agreed / disagreed statements
KMEANS_RESTARTS = 30  # seeded restarts: enough for the global optimum on 2-D points to win every time
SILHOUETTE_MARGIN = 0.02  # more groups must beat fewer by this much silhouette to be preferred
SILHOUETTE_SAMPLE = 3000  # silhouette on a seeded sample above this many participants (it is quadratic)
DENSE_SVD_CELLS = 4_000_000  # below this many matrix cells an exact dense SVD is cheaper than ARPACK

AGREE, DISAGREE = "agree", "disagree"


# ---------------------------------------------------------------------------------------------------
# Results


@dataclass
class KState:
    """The number of groups across recomputations; store ``to_dict()`` and pass it back next time.

    ``current_k`` is the k in use, ``candidate_k`` the k that won the latest recomputations and
    ``streak`` how many in a row it has won.
    """

    current_k: int | None = None
    candidate_k: int | None = None
    streak: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> KState:
        data = data or {}
        return cls(
            current_k=_optional_int(data.get("current_k")),
            candidate_k=_optional_int(data.get("candidate_k")),
            streak=int(data.get("streak") or 0),
        )


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart: the group agrees (or disagrees) with it more than the rest."""

    statement: Hashable
    direction: str  # AGREE or DISAGREE
    count: int  # group members who agreed (disagreed)
    seen: int  # group members who voted on it
    probability: float  # (count + 1) / (seen + 2)
    ratio: float  # probability / the same rate among everyone outside the group ("repness")
    z_probability: float  # one-proportion test of probability > 1/2
    z_ratio: float  # two-proportion test of the group's rate > the others'
    metric: float  # ratio * z_ratio * probability * z_probability: the sort order


@dataclass(frozen=True)
class GroupStance:
    """A statement a clear majority of one group agrees (or disagrees) with."""

    statement: Hashable
    direction: str
    count: int
    seen: int
    probability: float
    z_probability: float


@dataclass
class OpinionGroup:
    index: int
    size: int
    members: list[Hashable]
    centre: tuple[float, float]
    representative: list[RepresentativeStatement]
    agrees: list[GroupStance]
    disagrees: list[GroupStance]


@dataclass(frozen=True)
class ConsensusStatement:
    """Agreed (or disagreed) across groups: a majority in every group, ranked by the product of rates."""

    statement: Hashable
    direction: str
    score: float  # product over groups of (count + 1) / (seen + 2)
    probabilities: tuple[float, ...]  # per group, in group order


@dataclass(frozen=True)
class DivisiveStatement:
    statement: Hashable
    spread: float  # highest minus lowest smoothed agree rate among the groups
    agree_rates: tuple[float, ...]  # per group, in group order


@dataclass
class OpinionResult:
    k: int  # number of groups (1 when there is too little to group)
    groups: list[OpinionGroup]
    clusters: dict[Hashable, int]  # grouped participant -> group index
    coordinates: dict[Hashable, tuple[float, float]]  # grouped participant -> 2-D point
    consensus_agree: list[ConsensusStatement]
    consensus_disagree: list[ConsensusStatement]
    divisive: list[DivisiveStatement]
    k_state: KState
    best_k: int | None  # the k this computation's silhouettes preferred (None: nothing to choose)
    silhouettes: dict[int, float]
    n_participants: int  # everyone who voted
    n_statements: int  # every statement voted on, excluded ones included
    seed: int = 0
    explained_variance: tuple[float, ...] = field(default=())


# ---------------------------------------------------------------------------------------------------
# Entry point


def compute_opinion_groups(
    votes: Iterable[tuple[Hashable, Hashable, int]],
    *,
    excluded_statements: Collection[Hashable] = (),
    k_state: KState | dict | None = None,
    k: int | None = None,
    seed: int = 0,
) -> OpinionResult:
    """Group participants by how they vote and describe the groups.

    ``excluded_statements``: rejected (moderated-out) statements; they are passes for everyone (as in
    Pol.is), so they separate no one, and they are never listed.
    ``k_state``: the state returned by the previous computation, or its ``to_dict()`` (None the first time).
    ``k``: force this number of groups instead of choosing by silhouette (the state is then left as is).
    """
    # One thread: on small machines OpenMP (k-means) and OpenBLAS thread pools spinning side by side
    # stall each other for seconds, and these matrices are too small to gain from threads anyway.
    with threadpool_limits(limits=1):
        return _compute(votes, excluded_statements, k_state, k, seed)


def _compute(votes, excluded_statements, k_state, k, seed) -> OpinionResult:
    state = KState.from_dict(k_state) if isinstance(k_state, dict) or k_state is None else k_state
    matrix = VoteMatrix.build(votes, excluded_statements)
    points, explained = sparsity_aware_projection(matrix)
    eligible = np.flatnonzero(matrix.votes_per_participant >= MIN_VOTES)

    labels_by_k, silhouettes = cluster_candidates(points[eligible], seed, only_k=k)
    best_k = preferred_k(silhouettes)
    if k is not None:
        chosen, new_state = (k if k in labels_by_k else 1), state
    else:
        new_state = next_k_state(state, best_k, feasible=set(labels_by_k))
        chosen = new_state.current_k if new_state.current_k in labels_by_k else 1
    labels = labels_by_k.get(chosen, np.zeros(len(eligible), dtype=int))
    labels = _canonical_labels(points[eligible], labels)
    k_used = int(labels.max()) + 1 if len(labels) else 0

    group_of = np.full(matrix.n_participants, -1)
    group_of[eligible] = labels
    counts = GroupCounts.tally(matrix, group_of, k_used)
    groups = [
        OpinionGroup(
            index=g,
            size=int(np.sum(labels == g)),
            members=[matrix.participants[i] for i in eligible[labels == g]],
            centre=tuple(float(v) for v in points[eligible[labels == g]].mean(axis=0)),
            representative=representative_statements(counts, g, matrix) if k_used > 1 else [],
            agrees=group_stances(counts, g, AGREE, matrix),
            disagrees=group_stances(counts, g, DISAGREE, matrix),
        )
        for g in range(k_used)
    ]
    return OpinionResult(
        k=k_used,
        groups=groups,
        clusters={matrix.participants[i]: int(g) for i, g in zip(eligible, labels, strict=True)},
        coordinates={matrix.participants[i]: (float(points[i, 0]), float(points[i, 1])) for i in eligible},
        consensus_agree=consensus_statements(counts, AGREE, matrix),
        consensus_disagree=consensus_statements(counts, DISAGREE, matrix),
        divisive=divisive_statements(counts, matrix) if k_used > 1 else [],
        k_state=new_state,
        best_k=best_k,
        silhouettes={key: float(value) for key, value in silhouettes.items()},
        n_participants=matrix.n_participants,
        n_statements=matrix.n_statements,
        seed=seed,
        explained_variance=explained,
    )


def preferred_k(silhouettes: dict[int, float]) -> int | None:
    """The fewest groups whose silhouette is within SILHOUETTE_MARGIN of the best one.

    Differences that small are noise (a long arm of the opinion map split in two scores about as well
    as keeping it whole), and fewer groups are easier to read.
    """
    if not silhouettes:
        return None
    best = max(silhouettes.values())
    return min(k for k, value in silhouettes.items() if value >= best - SILHOUETTE_MARGIN)


def next_k_state(state: KState, best_k: int | None, feasible: Collection[int] = ()) -> KState:
    """The hysteresis: the first computation takes the best k; later ones switch after a streak.

    ``feasible``: the k values this computation could use; when the current k is not among them (too
    few participants now), the best k is taken at once.
    """
    if best_k is None:  # nothing to choose from this time: remember what we had
        return state
    streak = state.streak + 1 if best_k == state.candidate_k else 1
    current = state.current_k
    if current is None or (feasible and current not in feasible) or (current != best_k and streak >= K_STABLE_RUNS):
        current = best_k
    return KState(current_k=current, candidate_k=best_k, streak=streak)


# ---------------------------------------------------------------------------------------------------
# The vote matrix


@dataclass
class VoteMatrix:
    """Votes as coordinate arrays over sorted participant and statement keys."""

    participants: list[Hashable]
    statements: list[Hashable]
    rows: np.ndarray  # participant index per vote
    cols: np.ndarray  # statement index per vote
    values: np.ndarray  # -1, 0 or 1 per vote
    excluded: np.ndarray  # bool per statement

    @property
    def n_participants(self) -> int:
        return len(self.participants)

    @property
    def n_statements(self) -> int:
        return len(self.statements)

    @property
    def votes_per_participant(self) -> np.ndarray:
        return np.bincount(self.rows, minlength=self.n_participants)

    @classmethod
    def build(cls, votes: Iterable[tuple[Hashable, Hashable, int]], excluded: Collection[Hashable] = ()) -> VoteMatrix:
        triples = list(votes)
        if not triples:
            return cls([], [], *(np.zeros(0, dtype=int) for _ in range(3)), np.zeros(0, dtype=bool))
        participant_keys, statement_keys, raw_values = zip(*triples, strict=True)
        values = np.asarray(raw_values)
        if values.ndim != 1 or not np.isin(values, (-1, 0, 1)).all():
            bad = next(value for value in raw_values if value not in (-1, 0, 1))
            raise ValueError(f"a vote must be 1 (agree), -1 (disagree) or 0 (pass), got {bad!r}")
        participants, rows = _index(participant_keys)
        statements, cols = _index(statement_keys)
        rows, cols, values = _last_per_pair(rows, cols, values.astype(np.int8), len(statements))
        excluded_set = set(excluded)
        excluded_mask = np.array([statement in excluded_set for statement in statements], dtype=bool)
        return cls(participants, statements, rows, cols, values, excluded_mask)


def _index(keys: tuple) -> tuple[list, np.ndarray]:
    """Sorted distinct keys and each key's position among them (first-seen order if unsortable)."""
    key_types = set(map(type, keys))
    array = np.asarray(keys) if key_types == {int} or key_types == {str} else None
    if array is not None and array.ndim == 1 and array.dtype.kind in "iuU":
        unique, inverse = np.unique(array, return_inverse=True)
        return unique.tolist(), inverse.astype(np.int64)
    distinct = list(dict.fromkeys(keys))
    try:
        distinct.sort()
    except TypeError:
        pass  # mixed or unorderable keys: first-seen order is still deterministic for a given input
    position = {key: i for i, key in enumerate(distinct)}
    return distinct, np.fromiter((position[key] for key in keys), dtype=np.int64, count=len(keys))


def _last_per_pair(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_cols: int):
    """Keep one vote per (participant, statement), the last given, in case the caller left duplicates."""
    pair = rows * n_cols + cols
    _, last_from_end = np.unique(pair[::-1], return_index=True)
    keep = np.sort(len(pair) - 1 - last_from_end)
    return rows[keep], cols[keep], values[keep]


# ---------------------------------------------------------------------------------------------------
# Projection


def sparsity_aware_projection(matrix: VoteMatrix) -> tuple[np.ndarray, tuple[float, ...]]:
    """Each participant's 2-D point, and the share of variance the two components explain."""
    n, m = matrix.n_participants, matrix.n_statements
    if n == 0 or m == 0:
        return np.zeros((n, 2)), ()
    kept = ~matrix.excluded[matrix.cols]
    rows, cols, values = matrix.rows[kept], matrix.cols[kept], matrix.values[kept].astype(np.float64)
    column_mean = np.bincount(cols, weights=values, minlength=m) / np.maximum(np.bincount(cols, minlength=m), 1)
    centred = sparse.csr_matrix((values - column_mean[cols], (rows, cols)), shape=(n, m))
    components, explained = _principal_components(centred)
    # Excluded statements are passes for everyone: each counts as seen by every participant.
    seen = np.bincount(rows, minlength=n) + int(matrix.excluded.sum())
    scale = np.sqrt(m / np.maximum(seen, 1))
    return np.asarray(centred @ components.T) * scale[:, None], explained


def _principal_components(centred: sparse.csr_matrix, n_components: int = 2) -> tuple[np.ndarray, tuple]:
    """The top principal axes (rows), signs fixed so the largest loading is positive."""
    n, m = centred.shape
    total = float(centred.multiply(centred).sum())
    if n * m <= DENSE_SVD_CELLS or min(n, m) <= n_components + 1:
        _, singular, axes = np.linalg.svd(centred.toarray(), full_matrices=False)
        singular, axes = singular[:n_components], axes[:n_components]
    else:
        # ARPACK from a fixed start vector: deterministic, and fast on the sparse centred matrix.
        start = np.full(min(n, m), 1 / math.sqrt(min(n, m)))
        _, singular, axes = svds(centred, k=n_components, v0=start, solver="arpack")
        order = np.argsort(singular)[::-1]
        singular, axes = singular[order], axes[order]
    if axes.shape[0] < n_components:  # fewer statements than components: pad with empty axes
        axes = np.vstack([axes, np.zeros((n_components - axes.shape[0], m))])
        singular = np.concatenate([singular, np.zeros(n_components - len(singular))])
    signs = np.sign(axes[np.arange(n_components), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(signs == 0, 1, signs)[:, None]
    explained = tuple(float(s * s / total) if total else 0.0 for s in singular)
    return axes, explained


# ---------------------------------------------------------------------------------------------------
# Clustering


def cluster_candidates(points: np.ndarray, seed: int, only_k: int | None = None) -> tuple[dict, dict]:
    """k-means labels and silhouette per feasible k (k = 2..5, capped like Pol.is for small groups)."""
    n = len(points)
    distinct = len(np.unique(points.round(9), axis=0)) if n else 0
    # k-means needs k distinct points, the silhouette k <= n - 1.
    feasible_max = min(distinct, n - 1)
    max_k = min(K_MAX, 2 + n // 12, feasible_max)
    candidates = range(K_MIN, max_k + 1) if only_k is None else [only_k] if K_MIN <= only_k <= feasible_max else []
    labels_by_k, silhouettes = {}, {}
    for k in candidates:
        labels = KMeans(n_clusters=k, n_init=KMEANS_RESTARTS, random_state=seed).fit_predict(points)
        if len(np.unique(labels)) < 2:
            continue
        labels_by_k[k] = labels
        sample = SILHOUETTE_SAMPLE if n > SILHOUETTE_SAMPLE else None
        silhouettes[k] = float(silhouette_score(points, labels, sample_size=sample, random_state=seed))
    return labels_by_k, silhouettes


def _canonical_labels(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Renumber groups largest first (then by centre), so group 0 means the same across runs."""
    if not len(labels):
        return labels
    found = np.unique(labels)

    def order(label):
        members = points[labels == label]
        return (-len(members), *members.mean(axis=0).round(9))

    renumber = np.zeros(int(found.max()) + 1, dtype=int)
    renumber[sorted(found, key=order)] = np.arange(len(found))
    return renumber[labels]


# ---------------------------------------------------------------------------------------------------
# Statistics


def prop_test(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Pol.is's one-proportion z-test of success rate > 1/2, with +1 smoothing."""
    successes, trials = successes + 1.0, trials + 1.0
    return 2 * np.sqrt(trials) * (successes / trials - 0.5)


def two_prop_test(succ_in, succ_out, trials_in, trials_out) -> np.ndarray:
    """Pol.is's two-proportion z-test of rate in > rate out, with +1 smoothing of every count."""
    succ_in, succ_out, trials_in, trials_out = (np.asarray(a, dtype=float) + 1 for a in
                                                (succ_in, succ_out, trials_in, trials_out))
    rate_in, rate_out = succ_in / trials_in, succ_out / trials_out
    pooled = (succ_in + succ_out) / (trials_in + trials_out)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / trials_in + 1 / trials_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (rate_in - rate_out) / spread
    return np.where(spread > 0, z, 0.0)


@dataclass
class GroupCounts:
    """Per group and statement: agrees, disagrees and votes (``seen``) of the grouped participants."""

    agree: np.ndarray  # (k, n_statements)
    disagree: np.ndarray
    seen: np.ndarray
    listable: np.ndarray  # bool per statement: not excluded

    @classmethod
    def tally(cls, matrix: VoteMatrix, group_of: np.ndarray, k: int) -> GroupCounts:
        m = matrix.n_statements
        groups = group_of[matrix.rows]
        grouped = groups >= 0
        cell = groups[grouped] * m + matrix.cols[grouped]
        values = matrix.values[grouped]

        def count(mask):
            return np.bincount(cell[mask], minlength=k * m).reshape(k, m)

        return cls(count(values == 1), count(values == -1), count(np.ones_like(values, dtype=bool)),
                   ~matrix.excluded)

    def successes(self, direction: str) -> np.ndarray:
        return self.agree if direction == AGREE else self.disagree


def representative_statements(counts: GroupCounts, g: int, matrix: VoteMatrix) -> list[RepresentativeStatement]:
    """Pol.is's repness for group g: both z-tests pass at 90% in one direction; best metric first."""
    per_direction = {}
    for direction in (AGREE, DISAGREE):
        successes = counts.successes(direction)
        inside, seen_in = successes[g], counts.seen[g]
        outside, seen_out = successes.sum(axis=0) - inside, counts.seen.sum(axis=0) - seen_in
        probability = (inside + 1) / (seen_in + 2)
        ratio = probability / ((outside + 1) / (seen_out + 2))
        per_direction[direction] = (inside, probability, ratio, prop_test(inside, seen_in),
                                    two_prop_test(inside, outside, seen_in, seen_out))
    chosen = []
    for s in np.flatnonzero(counts.listable):
        passing = [d for d in (AGREE, DISAGREE) if per_direction[d][3][s] > Z_90 and per_direction[d][4][s] > Z_90]
        if not passing:
            continue
        # Like Pol.is, describe the statement by the direction with the stronger two-proportion test.
        direction = max(passing, key=lambda d: per_direction[d][4][s])
        inside, probability, ratio, z_probability, z_ratio = (array[s] for array in per_direction[direction])
        chosen.append(RepresentativeStatement(
            statement=matrix.statements[s], direction=direction, count=int(inside), seen=int(counts.seen[g, s]),
            probability=float(probability), ratio=float(ratio), z_probability=float(z_probability),
            z_ratio=float(z_ratio), metric=float(ratio * z_ratio * probability * z_probability),
        ))
    chosen.sort(key=lambda rep: -rep.metric)  # stable: ties keep statement order
    return chosen[:MAX_REPRESENTATIVE]


def group_stances(counts: GroupCounts, g: int, direction: str, matrix: VoteMatrix) -> list[GroupStance]:
    """Statements most of group g agrees (disagrees) with, significant at 90%; surest first."""
    successes, seen = counts.successes(direction)[g], counts.seen[g]
    probability = (successes + 1) / (seen + 2)
    z = prop_test(successes, seen)
    candidates = np.flatnonzero(counts.listable & (probability > 0.5) & (z > Z_90))
    ranked = candidates[np.argsort(-(probability * z)[candidates], kind="stable")][:MAX_LISTED]
    return [GroupStance(matrix.statements[s], direction, int(successes[s]), int(seen[s]), float(probability[s]),
                        float(z[s])) for s in ranked]


def consensus_statements(counts: GroupCounts, direction: str, matrix: VoteMatrix) -> list[ConsensusStatement]:
    """Group-aware consensus: a majority in every group, ranked by the product of smoothed rates."""
    if not counts.seen.shape[0]:
        return []
    probability = (counts.successes(direction) + 1) / (counts.seen + 2)  # (k, m)
    score = probability.prod(axis=0)
    candidates = np.flatnonzero(counts.listable & (probability > 0.5).all(axis=0))
    ranked = candidates[np.argsort(-score[candidates], kind="stable")][:MAX_LISTED]
    return [ConsensusStatement(matrix.statements[s], direction, float(score[s]),
                               tuple(float(p) for p in probability[:, s])) for s in ranked]


def divisive_statements(counts: GroupCounts, matrix: VoteMatrix) -> list[DivisiveStatement]:
    """The statements whose smoothed agree rate differs most between groups."""
    rates = (counts.agree + 1) / (counts.seen + 2)
    spread = rates.max(axis=0) - rates.min(axis=0)
    candidates = np.flatnonzero(counts.listable & (spread > 0))
    ranked = candidates[np.argsort(-spread[candidates], kind="stable")][:MAX_LISTED]
    return [DivisiveStatement(matrix.statements[s], float(spread[s]), tuple(float(r) for r in rates[:, s]))
            for s in ranked]


def _optional_int(value) -> int | None:
    return None if value is None else int(value)
