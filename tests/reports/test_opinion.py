"""Opinion groups: agreement with Pol.is on its open data, planted camps, the statistics, the k hysteresis."""

import json
import random
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from reports.opinion import (
    AGREE,
    DISAGREE,
    K_STABLE_RUNS,
    MAX_REPRESENTATIVE,
    MIN_VOTES,
    KState,
    VoteMatrix,
    compute_opinion_groups,
    next_k_state,
    preferred_k,
    prop_test,
    two_prop_test,
)
from reports.polis_export import read_export

POLIS_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "polis"  # ../shared beside the checkout


def planted_votes(n_participants, n_statements, camp_shares=(0.5, 0.3, 0.2), *, seed=0, loyalty=0.9,
                  pass_rate=0.05, consensus_share=0.15, fewest_votes=5, tail=1.0):
    """A synthetic conversation with known opinion camps and heavy-tailed numbers of votes per person.

    Each partisan statement sets one camp against the others (one random camp agrees and the rest
    disagree, or the reverse); a share of statements everyone agrees with. A participant follows their
    camp with probability ``loyalty``, passes with ``pass_rate`` and otherwise votes the other way.
    Votes per person: ``fewest_votes * (1 + Pareto(tail))``, capped at all statements: most people
    vote a handful of times (some below MIN_VOTES), a few vote on everything.
    Returns the votes as (participant, statement, value) and {participant: camp}.
    """
    rng = np.random.default_rng(seed)
    n_camps = len(camp_shares)
    camp = rng.choice(n_camps, size=n_participants, p=np.asarray(camp_shares) / sum(camp_shares))
    odd_camp = rng.integers(0, n_camps, n_statements)
    sign = rng.choice([-1, 1], n_statements)
    stance = np.where(np.arange(n_camps)[:, None] == odd_camp[None, :], sign, -sign)
    stance[:, rng.random(n_statements) < consensus_share] = 1
    n_votes = np.minimum(n_statements, (fewest_votes * (1 + rng.pareto(tail, n_participants))).astype(int))
    votes = []
    for person in range(n_participants):
        statements = rng.choice(n_statements, size=n_votes[person], replace=False)
        draw = rng.random(len(statements))
        own = stance[camp[person], statements]
        values = np.where(draw < loyalty, own, np.where(draw < loyalty + pass_rate, 0, -own))
        votes.extend((f"p{person}", f"s{s}", int(v)) for s, v in zip(statements, values, strict=True))
    return votes, {f"p{person}": int(c) for person, c in enumerate(camp)}


def ari_against(reference: dict, result) -> tuple[float, int]:
    """Adjusted Rand index over the participants both sides grouped."""
    common = [key for key in result.clusters if key in reference]
    ari = adjusted_rand_score([reference[key] for key in common], [result.clusters[key] for key in common])
    return ari, len(common)


# --- Pol.is open data ------------------------------------------------------------------------------


def polis_conversation(name):
    if not (POLIS_DATA / name).is_dir():
        pytest.skip(f"Pol.is open data not found at {POLIS_DATA / name}")
    return read_export(POLIS_DATA / name)


@pytest.fixture(scope="module")
def vtaiwan():
    export = polis_conversation("vtaiwan.uberx")
    return export, compute_opinion_groups(export.vote_triples(), excluded_statements=export.rejected_statement_ids)


@pytest.mark.parametrize(("name", "minimum_ari"), [("vtaiwan.uberx", 0.80), ("15-per-hour-seattle", 0.85)])
def test_groups_agree_with_polis_own_groups(name, minimum_ari):
    export = polis_conversation(name)
    result = compute_opinion_groups(export.vote_triples(), excluded_statements=export.rejected_statement_ids)
    ari, compared = ari_against(export.polis_groups, result)
    # The number of groups is chosen, not given: it must be the one Pol.is found.
    assert result.k == int(export.summary["groups"]) == len(set(export.polis_groups.values()))
    assert compared >= 0.95 * len(export.polis_groups)
    assert ari >= minimum_ari


def test_only_participants_with_enough_votes_are_grouped(vtaiwan):
    export, result = vtaiwan
    votes_per_participant = {}
    for vote in export.votes:
        votes_per_participant[vote.participant_id] = votes_per_participant.get(vote.participant_id, 0) + 1
    eligible = {p for p, n in votes_per_participant.items() if n >= MIN_VOTES}
    assert set(result.clusters) == eligible == set(result.coordinates)
    assert result.n_participants == len(votes_per_participant)
    assert sum(group.size for group in result.groups) == len(eligible)


def test_statement_lists_are_reproducible_for_a_seed(vtaiwan):
    export, first = vtaiwan
    second = compute_opinion_groups(export.vote_triples(), excluded_statements=export.rejected_statement_ids)
    assert [g.representative for g in first.groups] == [g.representative for g in second.groups]
    assert first.consensus_agree == second.consensus_agree
    assert first.consensus_disagree == second.consensus_disagree
    assert first.divisive == second.divisive
    assert first.clusters == second.clusters
    assert all(group.representative for group in first.groups)
    assert first.consensus_agree


def test_rejected_statements_are_never_listed(vtaiwan):
    export, result = vtaiwan
    rejected = export.rejected_statement_ids
    listed = {rep.statement for group in result.groups for rep in group.representative}
    listed |= {s.statement for s in result.consensus_agree + result.consensus_disagree + result.divisive}
    listed |= {s.statement for group in result.groups for s in group.agrees + group.disagrees}
    assert listed and not listed & rejected


def test_representative_statements_follow_the_polis_tests(vtaiwan):
    _, result = vtaiwan
    for group in result.groups:
        assert 0 < len(group.representative) <= MAX_REPRESENTATIVE
        metrics = [rep.metric for rep in group.representative]
        assert metrics == sorted(metrics, reverse=True)
        for rep in group.representative:
            assert rep.z_probability > 1.2816 and rep.z_ratio > 1.2816
            assert rep.ratio > 1 and rep.probability == pytest.approx((rep.count + 1) / (rep.seen + 2))
    # Two camps disagree about their most divisive statements: each side's top pick is the other's too.
    group0, group1 = ({rep.statement: rep.direction for rep in g.representative} for g in result.groups)
    shared = set(group0) & set(group1)
    assert shared and all(group0[s] != group1[s] for s in shared)


def test_vote_order_does_not_matter(vtaiwan):
    export, result = vtaiwan
    shuffled = export.vote_triples()
    random.Random(4).shuffle(shuffled)
    again = compute_opinion_groups(shuffled, excluded_statements=export.rejected_statement_ids)
    assert again.clusters == result.clusters
    keys = list(result.coordinates)
    assert np.allclose([again.coordinates[p] for p in keys], [result.coordinates[p] for p in keys])
    assert [g.representative for g in again.groups] == [g.representative for g in result.groups]


# --- Planted camps ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_camps_are_recovered(seed):
    votes, camps = planted_votes(2000, 100, seed=seed)
    result = compute_opinion_groups(votes)
    ari, compared = ari_against(camps, result)
    assert result.k == 3
    assert ari >= 0.95
    # Heavy tail: a good share of those grouped voted on fewer than twice the minimum.
    counts = {}
    for participant, _, _ in votes:
        counts[participant] = counts.get(participant, 0) + 1
    sparse = [p for p in result.clusters if counts[p] < 2 * MIN_VOTES]
    assert len(sparse) > compared / 3
    assert adjusted_rand_score([camps[p] for p in sparse], [result.clusters[p] for p in sparse]) >= 0.9


def test_sparse_voters_are_not_pulled_to_the_centre():
    """The sqrt(statements / seen) scaling keeps people with few votes out among their camp.

    Here the median distance from the centre of those with fewer than 10 votes is about 0.7 of
    everyone's; without the scaling it would be about 0.55.
    """
    votes, _ = planted_votes(2000, 100, seed=2)
    result = compute_opinion_groups(votes)
    counts = {}
    for participant, _, _ in votes:
        counts[participant] = counts.get(participant, 0) + 1
    radius = {p: float(np.hypot(*xy)) for p, xy in result.coordinates.items()}
    sparse = np.median([r for p, r in radius.items() if counts[p] < 10])
    typical = np.median(list(radius.values()))
    assert sparse > 0.62 * typical


def test_two_clear_camps_and_their_statements():
    """Camp A agrees with s1 and camp B disagrees; everyone agrees with s2 and disagrees with s3."""
    votes = []
    for person in range(40):
        camp_a = person < 20
        votes += [(person, "s1", 1 if camp_a else -1), (person, "s2", 1), (person, "s3", -1)]
        votes += [(person, f"x{i}", (1 if camp_a else -1) * (1 if i % 2 else -1)) for i in range(6)]
    result = compute_opinion_groups(votes)
    assert result.k == 2
    by_camp = {result.clusters[p] for p in range(20)}, {result.clusters[p] for p in range(20, 40)}
    assert len(by_camp[0]) == len(by_camp[1]) == 1 and by_camp[0] != by_camp[1]
    group_a = result.groups[by_camp[0].pop()]
    s1 = next(rep for rep in group_a.representative if rep.statement == "s1")
    assert s1.direction == AGREE and s1.count == s1.seen == 20
    assert [c.statement for c in result.consensus_agree] == ["s2"]
    assert [c.statement for c in result.consensus_disagree] == ["s3"]
    assert result.consensus_agree[0].score == pytest.approx((21 / 22) ** 2)
    assert result.divisive[0].spread == pytest.approx(21 / 22 - 1 / 22)
    assert {s.statement for s in group_a.agrees} >= {"s1", "s2"}
    assert "s3" in {s.statement for s in group_a.disagrees}
    assert all(s.direction == DISAGREE for s in group_a.disagrees)


def test_too_few_participants_make_one_group():
    votes = [(p, s, 1) for p in range(3) for s in range(MIN_VOTES)]
    result = compute_opinion_groups(votes)
    assert result.k == 1 and result.groups[0].size == 3
    assert result.divisive == [] and result.groups[0].representative == []
    assert compute_opinion_groups([]).k == 0


def test_bad_vote_values_are_refused():
    with pytest.raises(ValueError, match="agree"):
        compute_opinion_groups([(1, 1, 2)])


def test_duplicate_pairs_keep_the_last_vote():
    matrix = VoteMatrix.build([("a", "s", 1), ("b", "s", 0), ("a", "s", -1)])
    assert matrix.participants == ["a", "b"] and matrix.values.tolist() == [0, -1]
    assert matrix.rows.tolist() == [1, 0]


# --- Statistics ------------------------------------------------------------------------------------


def test_proportion_tests_match_polis():
    # Pol.is: prop-test = 2 sqrt(n+1) ((s+1)/(n+1) - 1/2); two-prop-test with every count + 1.
    assert prop_test(np.array([9.0]), np.array([10.0]))[0] == pytest.approx(2 * np.sqrt(11) * (10 / 11 - 0.5))
    z = two_prop_test(9, 2, 10, 10)
    p1, p2, pooled = 10 / 11, 3 / 11, 13 / 22
    assert z == pytest.approx((p1 - p2) / np.sqrt(pooled * (1 - pooled) * (2 / 11)))
    assert two_prop_test(0, 0, 0, 0) == 0


# --- The number of groups --------------------------------------------------------------------------


def test_first_computation_takes_the_best_k():
    state = next_k_state(KState(), 4)
    assert (state.current_k, state.candidate_k, state.streak) == (4, 4, 1)


def test_k_changes_only_after_a_streak():
    state = KState(current_k=2, candidate_k=2, streak=5)
    for run in range(1, K_STABLE_RUNS):
        state = next_k_state(state, 3)
        assert state.current_k == 2 and state.streak == run
    state = next_k_state(state, 3)
    assert state.current_k == 3


def test_an_interrupted_streak_starts_again():
    state = KState(current_k=2, candidate_k=2, streak=1)
    state = next_k_state(state, 3)
    state = next_k_state(state, 4)
    state = next_k_state(state, 3)
    assert state.current_k == 2 and (state.candidate_k, state.streak) == (3, 1)


def test_an_infeasible_current_k_is_replaced_at_once():
    state = next_k_state(KState(current_k=5, candidate_k=5, streak=3), 2, feasible={2, 3})
    assert state.current_k == 2


def test_k_state_round_trips_through_json():
    state = KState(current_k=3, candidate_k=2, streak=1)
    assert KState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    assert KState.from_dict(None) == KState() == KState.from_dict({})


def test_hysteresis_keeps_groups_until_a_new_k_keeps_winning():
    votes, _ = planted_votes(800, 60, seed=3)
    fresh = compute_opinion_groups(votes)
    assert fresh.k == fresh.best_k == 3 and fresh.k_state.current_k == 3
    held = KState(current_k=2, candidate_k=2, streak=4)
    for _ in range(K_STABLE_RUNS - 1):
        result = compute_opinion_groups(votes, k_state=held.to_dict())
        assert result.k == 2
        held = result.k_state
    assert compute_opinion_groups(votes, k_state=held).k == 3


def test_fewer_groups_win_near_ties():
    assert preferred_k({2: 0.426, 3: 0.436}) == 2
    assert preferred_k({2: 0.40, 3: 0.45, 4: 0.46}) == 3
    assert preferred_k({}) is None


def test_forced_k_leaves_the_state_alone():
    votes, _ = planted_votes(600, 50, seed=5)
    state = KState(current_k=3, candidate_k=3, streak=2)
    result = compute_opinion_groups(votes, k=2, k_state=state)
    assert result.k == 2 and result.k_state == state


def test_nothing_to_group_keeps_the_state():
    state = KState(current_k=3, candidate_k=3, streak=2)
    assert next_k_state(state, None) == state
    result = compute_opinion_groups([(p, s, 1) for p in range(2) for s in range(MIN_VOTES)], k_state=state)
    assert result.k == 1 and result.k_state == state
