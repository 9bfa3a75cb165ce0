"""The plans step: a ``PilotPlan`` for every province that has none, started as many days ago as the snapshots
go back, its target 14 to 21 months after the start, default staffing norm 4."""

import datetime
import random

from communes.models import Province
from rollout.models import PilotPlan
from rollout.national.context import BATCH_SIZE, Run

NATIONAL_STAFFING_NORM = 4  # plan default: a chief, a deputy and two officers


def plans_seed(*, run: Run, rng: random.Random, plan_start: datetime.date) -> None:
    existing = set(PilotPlan.objects.values_list("province_id", flat=True))
    plans = []
    for province in Province.objects.order_by("code"):
        target = plan_start + datetime.timedelta(days=rng.randint(420, 640))
        if province.code in existing:
            continue
        plans.append(
            PilotPlan(
                province=province,
                name=f"Kế hoạch bố trí Công an chính quy đảm nhiệm Công an xã — {province.name}",
                started_on=plan_start,
                target_on=target,
                default_staffing_norm=NATIONAL_STAFFING_NORM,
            )
        )
    PilotPlan.objects.bulk_create(plans, batch_size=BATCH_SIZE)
    run.count("pilot plans", len(plans))
