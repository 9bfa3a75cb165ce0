"""The snapshots step: a ``ProgressSnapshot`` per province and for the whole country for each of the last 365
days. Today's row holds the real figures (``rollout.progress.figures.figures_by``); coverage and deployment on
past days are computed exactly from the dated baseline and assignments, the trained, equipped and operational
shares are interpolated back from today's (the model's consistency constraint holds on every row)."""

import datetime
import time
from collections import Counter, defaultdict

from django.db.models import Q

from communes.models import Commune, Coverage, Province
from equipment.models import AllocationStandard, EquipmentItem, Issuance
from personnel.choices import Post
from personnel.models import Assignment, Officer
from rollout.models import ProgressSnapshot
from rollout.national.context import BATCH_SIZE, Run, Volumes, analyze
from rollout.progress.figures import FIGURES, Figures, figures_by
from training.models import Enrollment, TrainingSession


def snapshots_seed(*, run: Run, volumes: Volumes, today: datetime.date) -> None:
    """The days (of ``volumes.days`` up to ``today``) not recorded yet, for every province and the country."""
    days = volumes.days
    first = today - datetime.timedelta(days=days - 1)
    existing = set(ProgressSnapshot.objects.filter(on__gte=first, on__lte=today).values_list("province_id", "on"))
    provinces = list(Province.objects.order_by("code").values_list("code", flat=True))
    if len(existing) >= days * (len(provinces) + 1):
        run.log("  every day already recorded")
        return
    analyze(Commune, Assignment, Officer, Enrollment, TrainingSession, Issuance, EquipmentItem, AllocationStandard)
    now = figures_by(Commune.objects.all(), "district__province", today)
    run.log(f"  today's figures computed (at {time.monotonic() - run.started:.1f} s)")

    def index(on: datetime.date) -> int:
        return min(max((on - first).days, 0), days)

    # Exact covered and deployed per day, from the dated assignments (difference arrays over the days).
    baseline = Counter(
        Commune.objects.filter(coverage=Coverage.BASELINE).values_list("district__province_id", flat=True)
    )
    deployed = {code: [0] * (days + 1) for code in provinces}
    chief_days = defaultdict(list)
    rows = Assignment.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first)).values_list(
        "province_id", "commune_id", "commune__coverage", "post", "started_on", "ended_on"
    )
    for province, commune, coverage, post, started_on, ended_on in rows:
        start, end = index(started_on), index(ended_on) if ended_on else days
        if start >= end:
            continue
        deployed[province][start] += 1
        deployed[province][end] -= 1
        if post == Post.CHIEF and coverage != Coverage.BASELINE:
            chief_days[(province, commune)].append((start, end))
    covered = {code: [0] * (days + 1) for code in provinces}
    for (province, _commune), spans in chief_days.items():
        merged_end = -1
        for start, end in sorted(spans):
            start = max(start, merged_end)
            if start < end:
                covered[province][start] += 1
                covered[province][end] -= 1
                merged_end = end

    snapshots = []
    national = [[0] * len(FIGURES) for _ in range(days)]
    for code in provinces:
        today_figures = now.get(code)
        if today_figures is None:
            continue
        n_deployed = n_covered = 0
        for day in range(days):
            n_deployed += deployed[code][day]
            n_covered += covered[code][day]
            x = day / (days - 1) if days > 1 else 1.0
            if day == days - 1:
                values = today_figures.as_dict()
            else:
                values = _interpolated(today_figures, baseline[code] + n_covered, n_deployed, x)
            for position, name in enumerate(FIGURES):
                national[day][position] += values[name]
            on = first + datetime.timedelta(days=day)
            if (code, on) not in existing:
                snapshots.append(ProgressSnapshot(on=on, province_id=code, **values))
    for day in range(days):
        on = first + datetime.timedelta(days=day)
        if (None, on) not in existing:
            snapshots.append(ProgressSnapshot(on=on, province=None, **dict(zip(FIGURES, national[day], strict=True))))
    ProgressSnapshot.objects.bulk_create(snapshots, batch_size=BATCH_SIZE)
    run.count("progress snapshots", len(snapshots))


def _interpolated(now: Figures, covered: int, deployed: int, x: float) -> dict:
    """A past day's figures: covered and deployed as counted, the shares of trained, equipped and operational
    growing linearly towards today's."""
    covered = min(covered, now.communes)
    trained_share = now.trained_deployed / now.deployed if now.deployed else 0
    equipped_share = now.equipped / now.covered if now.covered else 0
    operational_share = now.operational / now.equipped if now.equipped else 0
    trained = min(deployed, round(deployed * trained_share * (0.6 + 0.4 * x)))
    equipped = min(covered, round(covered * equipped_share * (0.55 + 0.45 * x)))
    operational = min(equipped, round(equipped * operational_share * (0.4 + 0.6 * x)))
    return {"communes": now.communes, "covered": covered, "staffing_norm": now.staffing_norm,
            "deployed": deployed, "trained_deployed": trained, "equipped": equipped,
            "operational": operational}  # fmt: skip
