"""The optimum of a deployment plan, exactly: a maximum-weight matching of officers to post slots.

Pure numerics (numpy and ``scipy.optimize.linear_sum_assignment``, the Hungarian method's successor): no Django.
The caller gives, for ``n`` officers and ``m`` slots, the score of every pair (``scores[i, j]``, a non-negative
integer), which pairs may be proposed at all (``allowed``), which of those break a hard rule (``override``: only
when the plan allows overrides) and each slot's priority tier (``tiers[j]``, 0 first: earlier phases, chiefs
before other posts). The optimum is lexicographic:

1. the most posts filled;
2. among those, the fewest rule-breaking pairs;
3. then the earliest tiers (the smallest sum of the filled slots' tiers);
4. then the highest total score.

Each level becomes a weight that outweighs everything below it, so one assignment problem gives the
lexicographic optimum. The weights are integers held exactly in float64 (below 2**53); ``weights`` refuses a
problem too large for that rather than return an inexact answer.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

EXACT_LIMIT = 2**53


class ProblemTooLarge(ValueError):
    """The weights would not be exact in float64: split the plan (by phase or communes)."""


@dataclass(frozen=True)
class Solution:
    officer_of_slot: dict[int, int]  # slot index → officer index
    total_score: int

    @property
    def filled(self) -> int:
        return len(self.officer_of_slot)


def weights(scores: np.ndarray, allowed: np.ndarray, override: np.ndarray, tiers: np.ndarray) -> np.ndarray:
    """The weight matrix (float64, exact integers) whose maximum-weight assignment is the lexicographic optimum;
    0 where a pair is not allowed."""
    n, m = scores.shape
    if n == 0 or m == 0:
        return np.zeros((n, m))
    pairs = min(n, m)  # at most this many pairs are chosen
    top_score = int(scores[allowed].max(initial=0)) + 1
    tier_count = int(tiers.max(initial=0)) + 1
    tier_step = pairs * top_score  # more than any total of scores
    rule_step = pairs * tier_count * tier_step  # more than any total of tier bonuses and scores
    fill_step = pairs * (rule_step + tier_count * tier_step)  # more than any total of everything below
    if pairs * (fill_step + rule_step + tier_count * tier_step) >= EXACT_LIMIT:
        raise ProblemTooLarge(f"{n} officers × {m} posts is too large to solve exactly in one problem")
    tier_bonus = (tier_count - 1 - tiers.astype(np.int64)) * tier_step
    matrix = fill_step + np.where(override, 0, rule_step) + tier_bonus[np.newaxis, :] + scores.astype(np.int64)
    return np.where(allowed, matrix, 0).astype(np.float64)


def solve(scores: np.ndarray, allowed: np.ndarray, override: np.ndarray, tiers: np.ndarray) -> Solution:
    """The lexicographic optimum (see the module's docstring): each officer in one slot at most, each slot with
    one officer at most, only allowed pairs."""
    scores, allowed = np.asarray(scores, dtype=np.int64), np.asarray(allowed, dtype=bool)
    override, tiers = np.asarray(override, dtype=bool) & allowed, np.asarray(tiers, dtype=np.int64)
    if scores.size == 0 or not allowed.any():
        return Solution({}, 0)
    rows, columns = linear_sum_assignment(weights(scores, allowed, override, tiers), maximize=True)
    chosen = {int(j): int(i) for i, j in zip(rows, columns, strict=True) if allowed[i, j]}
    return Solution(chosen, int(sum(scores[i, j] for j, i in chosen.items())))


def greedy(order: np.ndarray, allowed: np.ndarray, scores: np.ndarray, rank: np.ndarray) -> Solution:
    """The baseline a clerk gets one commune after another: slots in ``order``, each given the best officer still
    free by ``rank[i, j]`` (higher first: the assign page's suggestion order), among allowed pairs."""
    taken = np.zeros(allowed.shape[0], dtype=bool)
    chosen: dict[int, int] = {}
    for j in order:
        candidates = np.flatnonzero(allowed[:, j] & ~taken)
        if candidates.size == 0:
            continue
        best = int(candidates[np.argmax(rank[candidates, j])])
        chosen[int(j)] = best
        taken[best] = True
    return Solution(chosen, int(sum(scores[i, j] for j, i in chosen.items())))
