"""What personnel reads from the apps above it. Those apps register their readers from their
``AppConfig.ready``, so that personnel follows them without importing them (imports go one way:
the import-linter contracts in ``pyproject.toml``):

- training: the facts the status pipeline needs (``TrainingFacts``) and the expressions the hard rules and the
  suggestions count mandatory courses with (``TrainingReader``; ``training.apps``);
- the rollout app: a province's deployment rules, its pilot plan (``plan_for``; ``rollout.apps``);
- training and equipment: their sections of an officer's pages (``officer_page``, ``officer_history_entries``).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Expression, OuterRef

from rollout.core.sections import PageSections

from .choices import OfficerStatus


@dataclass(frozen=True)
class TrainingFacts:
    """What the training app knows of some officers, as the status pipeline needs it."""

    missing: dict[int, list] = field(default_factory=dict)  # officer id → mandatory courses without a valid pass
    ever_trained: frozenset[int] = frozenset()  # officers with any training record (a class, a result, a pass)

    def is_trained(self, officer_id: int) -> bool:
        return not self.missing.get(officer_id)

    def pipeline_status(self, officer_id: int) -> str:
        """Where the training leaves a vetted officer: *ready* when every mandatory course is passed and valid,
        whatever classes are still to come; *in training* once they have a training record; else *vetted*."""
        if self.is_trained(officer_id):
            return OfficerStatus.READY
        if officer_id in self.ever_trained:
            return OfficerStatus.IN_TRAINING
        return OfficerStatus.VETTED


@dataclass(frozen=True)
class TrainingReader:
    """How personnel reads officers' training. The expressions are integers on an ``Officer`` queryset, so
    that the rules and the suggestions count in the same query as the roster."""

    facts: Callable[[list[int]], TrainingFacts]  # the pipeline's facts of these officers (a few queries)
    mandatory_count: Callable[[], Expression]  # how many mandatory courses are active
    passed_count: Callable[[datetime.date], Expression]  # mandatory courses the officer holds a valid pass of on a day
    covered_by: Callable[[OuterRef, datetime.date], Expression]  # ... is trained in *by* a day (see training)


_training: TrainingReader | None = None


def register_training_reader(reader: TrainingReader) -> None:
    """Training sits above personnel and registers how to read it (``training.apps``)."""
    global _training
    _training = reader


def training_reader() -> TrainingReader:
    if _training is None:
        raise ImproperlyConfigured("No app registered how to read officers' training (training does).")
    return _training


def training_facts(officer_ids) -> TrainingFacts:
    """What the status pipeline needs to know of ``officer_ids`` (``TrainingFacts``)."""
    return training_reader().facts(list(officer_ids))


class DeploymentRules(Protocol):
    """What the hard rules of an assignment (``personnel.eligibility``) and the assign page read of a province's
    plan; ``rollout.models.PilotPlan`` is one."""

    min_age: int
    max_age: int
    min_rank: int
    requires_vetting: bool
    training_grace_days: int

    def training_required_for(self, post: str) -> bool:
        """Whether an officer must be trained (by the deadline) before taking ``post`` (a ``Post`` value)."""

    def training_deadline(self, started_on: datetime.date) -> datetime.date:
        """The day by which an officer starting a post on ``started_on`` must be trained."""

    def get_min_rank_display(self) -> str:
        """The minimum rank in words (the assign page shows it)."""


_plans: Callable[[int], DeploymentRules] | None = None


def register_plan_reader(reader: Callable[[int], DeploymentRules]) -> None:
    """``reader(province_id)`` gives the province's deployment rules (the rollout app: its pilot plan, or an
    unsaved plan with the default rules when none is set up yet)."""
    global _plans
    _plans = reader


def plan_for(province_id: int) -> DeploymentRules:
    """The deployment rules of the province's plan (``personnel.eligibility``)."""
    if _plans is None:
        raise ImproperlyConfigured("No app registered how to read a province's plan (the rollout app does).")
    return _plans(province_id)


# The officer's page: training shows "training" (a dict whose "trained" says whether every mandatory course is
# passed: only then is *ready* offered by hand), equipment "equipment" (what the officer holds now; the page that
# ends an assignment shows it too).
officer_page = PageSections("officer")
# The officer's history: each app's entries (``personnel.selectors.HistoryEntry``), merged with personnel's own.
officer_history_entries = PageSections("officer history")
