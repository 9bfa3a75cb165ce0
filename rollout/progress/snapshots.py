"""Daily progress snapshots: the figures of every loaded province, and of the whole country, as of a day.

Every figure is computed as of a day from dated records (``rollout.progress.figures``), so recording today and
rebuilding a past day are the same operation. Recording a day twice updates its rows: one row per province and
day, one national row (``province`` empty) per day.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from communes.models import Commune
from rollout.models import PilotPlan, ProgressSnapshot
from rollout.progress.figures import FIGURES, Figures, figures_by


@dataclass(frozen=True)
class SnapshotResult:
    created: int = 0
    updated: int = 0

    def __add__(self, other: "SnapshotResult") -> "SnapshotResult":
        return SnapshotResult(self.created + other.created, self.updated + other.updated)


@transaction.atomic
def _upsert(on: datetime.date, by_province: dict[int | None, Figures]) -> SnapshotResult:
    existing = {s.province_id: s for s in ProgressSnapshot.objects.select_for_update().filter(on=on)}
    to_create, to_update = [], []
    for province_id, figures in by_province.items():
        snapshot = existing.get(province_id)
        if snapshot is None:
            to_create.append(ProgressSnapshot(on=on, province_id=province_id, **figures.as_dict()))
            continue
        for name, value in figures.as_dict().items():
            setattr(snapshot, name, value)
        to_update.append(snapshot)
    if to_create:
        ProgressSnapshot.objects.bulk_create(to_create)
    if to_update:
        # ``recorded_at`` is auto_now, which bulk_update does not touch: set it explicitly.
        now = timezone.now()
        for snapshot in to_update:
            snapshot.recorded_at = now
        ProgressSnapshot.objects.bulk_update(to_update, [*FIGURES, "recorded_at"])
    return SnapshotResult(created=len(to_create), updated=len(to_update))


def snapshots_record(on: datetime.date) -> SnapshotResult:
    """Record (or update) the snapshots of ``on``: one per loaded province and the national total, from one
    grouped query. Idempotent: a second run for the same day updates the rows instead of adding new ones."""
    by_province: dict[int | None, Figures] = dict(figures_by(Commune.objects.all(), "district__province", on))
    by_province[None] = Figures.total(by_province.values())
    try:
        return _upsert(on, by_province)
    except IntegrityError:
        # Another process recorded the same day between our read and our insert: its rows exist now, update them.
        return _upsert(on, by_province)


def snapshots_backfill(start: datetime.date, end: datetime.date) -> SnapshotResult:
    """Rebuild the snapshots of every day from ``start`` to ``end`` (inclusive), each as of that day."""
    result = SnapshotResult()
    day = start
    while day <= end:
        result += snapshots_record(day)
        day += datetime.timedelta(days=1)
    return result


def backfill_default_start(today: datetime.date) -> datetime.date:
    """Where a backfill starts by default: the earliest plan's start, else a year back."""
    first = PilotPlan.objects.order_by("started_on").values_list("started_on", flat=True).first()
    return first or today - datetime.timedelta(days=365)
