"""The solver gives the lexicographic optimum: most posts, fewest overrides, earliest tiers, highest score."""

import itertools
import random

import numpy as np
import pytest

from rollout.deployment import solver


def objective(officer_of_slot, scores, override, tiers):
    filled = len(officer_of_slot)
    plain = sum(1 for j, i in officer_of_slot.items() if not override[i, j])
    return (
        filled,
        plain,
        -sum(int(tiers[j]) for j in officer_of_slot),
        sum(int(scores[i, j]) for j, i in officer_of_slot.items()),
    )


def brute_force(scores, allowed, override, tiers):
    n, m = scores.shape
    best, best_value = {}, objective({}, scores, override, tiers)
    # every partial injective map from slots to officers, officer "None" meaning empty
    for choice in itertools.product([None, *range(n)], repeat=m):
        used = [i for i in choice if i is not None]
        if len(used) != len(set(used)):
            continue
        if any(i is not None and not allowed[i, j] for j, i in enumerate(choice)):
            continue
        mapping = {j: i for j, i in enumerate(choice) if i is not None}
        value = objective(mapping, scores, override, tiers)
        if value > best_value:
            best, best_value = mapping, value
    return best, best_value


def test_the_optimum_beats_greedy_where_greedy_takes_the_only_speaker():
    # Two communes, two officers. Officer 0 speaks the language of both communes' people; officer 1 speaks none.
    # Commune A (first in order) prefers officer 0 slightly (90 against 85); commune B needs the speaker
    # (officer 0: 100, officer 1 breaks no rule but scores 60). Greedy gives A officer 0 and B officer 1 (150);
    # the optimum gives A officer 1 and B officer 0 (185).
    scores = np.array([[90, 100], [85, 60]])
    allowed = np.ones((2, 2), dtype=bool)
    override = np.zeros((2, 2), dtype=bool)
    tiers = np.array([0, 0])
    best = solver.solve(scores, allowed, override, tiers)
    baseline = solver.greedy(np.arange(2), allowed, scores, scores.astype(float))
    assert best.officer_of_slot == {0: 1, 1: 0} and best.total_score == 185
    assert baseline.officer_of_slot == {0: 0, 1: 1} and baseline.total_score == 150


def test_the_optimum_fills_more_posts_than_greedy_when_greedy_strands_a_post():
    # Officer 0 may take either post, officer 1 only post 0. Greedy gives post 0 its best (officer 0) and leaves
    # post 1 empty; the optimum fills both.
    scores = np.array([[100, 50], [40, 0]])
    allowed = np.array([[True, True], [True, False]])
    none = np.zeros((2, 2), dtype=bool)
    best = solver.solve(scores, allowed, none, np.array([0, 0]))
    baseline = solver.greedy(np.arange(2), allowed, scores, scores.astype(float))
    assert best.filled == 2 and best.officer_of_slot == {0: 1, 1: 0}
    assert baseline.filled == 1


def test_earlier_tiers_are_filled_first_and_overrides_come_last():
    # one officer, a phase-2 post scoring 100 and a phase-1 post scoring 10: phase 1 wins
    best = solver.solve(np.array([[100, 10]]), np.ones((1, 2), bool), np.zeros((1, 2), bool), np.array([1, 0]))
    assert best.officer_of_slot == {1: 0}
    # two officers, one post: the one keeping every rule wins although the other scores higher
    best = solver.solve(np.array([[100], [10]]), np.ones((2, 1), bool), np.array([[True], [False]]), np.array([0]))
    assert best.officer_of_slot == {0: 1}


def test_a_pair_not_allowed_is_never_chosen():
    scores = np.array([[100, 100], [100, 100]])
    allowed = np.array([[False, False], [True, False]])
    best = solver.solve(scores, allowed, np.zeros((2, 2), bool), np.array([0, 0]))
    assert best.officer_of_slot == {0: 1}


@pytest.mark.parametrize("seed", range(60))
def test_the_optimum_equals_brute_force_on_small_random_problems(seed):
    rng = random.Random(seed)  # noqa: S311  (reproducible cases, not secrets)
    n, m = rng.randint(1, 4), rng.randint(1, 4)
    scores = np.array([[rng.randint(0, 120) for _ in range(m)] for _ in range(n)])
    allowed = np.array([[rng.random() < 0.7 for _ in range(m)] for _ in range(n)])
    override = allowed & np.array([[rng.random() < 0.3 for _ in range(m)] for _ in range(n)])
    tiers = np.array([rng.randint(0, 2) for _ in range(m)])
    best = solver.solve(scores, allowed, override, tiers)
    _mapping, best_value = brute_force(scores, allowed, override, tiers)
    assert objective(best.officer_of_slot, scores, override, tiers) == best_value
    assert len(set(best.officer_of_slot.values())) == best.filled
    assert all(allowed[i, j] for j, i in best.officer_of_slot.items())


def test_a_problem_too_large_to_be_exact_is_refused():
    n = 3000  # 3,000 officers for 3,000 posts in 30 phases: weights past 2**53
    tiers = np.arange(n) % 60
    with pytest.raises(solver.ProblemTooLarge):
        solver.weights(np.full((n, n), 120), np.ones((n, n), bool), np.zeros((n, n), bool), tiers)
