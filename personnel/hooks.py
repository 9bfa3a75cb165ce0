"""What personnel asks the apps above it to do inside its own writes. Those apps register their steps from
their ``AppConfig.ready``, so that personnel calls them without importing them (imports go one way: the
import-linter contracts in ``pyproject.toml``):

- equipment: when a post is handed over to a successor, what the outgoing officer holds in the commune passes
  to the successor (``register_hand_over_step``; ``equipment.apps``).
"""

import datetime
from typing import Protocol


class HandOverStep(Protocol):
    def __call__(self, *, outgoing, successor, commune, handed_on: datetime.date, user) -> object:
        """Run inside the hand-over's transaction; raise ``ValidationError`` to refuse the whole hand-over."""


_hand_over_steps: list[HandOverStep] = []


def register_hand_over_step(step: HandOverStep) -> None:
    """``step(outgoing=, successor=, commune=, handed_on=, user=)`` runs when ``outgoing`` hands their post in
    ``commune`` over to ``successor`` (``personnel.services.assignment_hand_over``). Registering twice is once."""
    if step not in _hand_over_steps:
        _hand_over_steps.append(step)


def hand_over_steps() -> tuple[HandOverStep, ...]:
    return tuple(_hand_over_steps)
