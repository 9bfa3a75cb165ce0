"""The random draws the steps share: one generator per step, seeded from the run's seed and the step's name (a
step draws the same whatever the others drew), and days drawn in a span."""

import datetime
import math
import random


def step_random(seed: int, step: str) -> random.Random:
    return random.Random(f"{seed}:{step}")  # noqa: S311 - reproducible synthetic data, not security


def later(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    """A day between ``start`` and ``end``, more often late than early (the pace of the rollout accelerates)."""
    span = max((end - start).days, 0)
    return start + datetime.timedelta(days=int(span * math.sqrt(rng.random())))


def within(rng: random.Random, start: datetime.date, days: int, today: datetime.date) -> datetime.date:
    """A day at most ``days`` after ``start`` and not after ``today`` (drawn in that window: no pile-up on today)."""
    return start + datetime.timedelta(days=rng.randint(0, max(min(days, (today - start).days), 0)))
