"""The personnel step: 50,000 officers in every status of the pipeline, their languages, their vetting decisions
and 45,000 assignments (at full scale), drawn in that order from the step's one generator; coverage is
recomputed at the end."""

import datetime
import random
from collections import defaultdict

from accounts.models import User
from communes.models import Commune, Coverage, District
from communes.services import coverage_recompute
from personnel.models import Assignment, Officer, Vetting
from rollout.national.assignments import assignments_write, postings_draw
from rollout.national.context import Run, Volumes, analyze
from rollout.national.officers import Roster, officers_write
from rollout.national.vetting import vettings_write


def personnel_seed(
    *, run: Run, rng: random.Random, volumes: Volumes, user: User, today: datetime.date, plan_start: datetime.date
) -> None:
    districts: dict[int, list[int]] = defaultdict(list)
    for code, province_code in District.objects.order_by("code").values_list("code", "province_id"):
        districts[province_code].append(code)
    communes = list(
        Commune.objects.order_by("code").values_list("code", "district_id", "district__province_id", "coverage",
                                                     "baseline_covered_on")
    )  # fmt: skip
    occupied = set(Assignment.objects.filter(ended_on__isnull=True).values_list("commune_id", flat=True))

    roster = Roster(rng, today, districts)
    active, ended = postings_draw(
        rng=rng, roster=roster, communes=communes, occupied=occupied, volumes=volumes, today=today,
        plan_start=plan_start,
    )  # fmt: skip
    roster.fill(communes=communes, officers=volumes.officers)
    officers = officers_write(run=run, roster=roster, user=user)
    vettings_write(run=run, rng=rng, officers=officers, postings=active + ended, user=user, today=today)
    assignments_write(run=run, rng=rng, postings=active + ended, user=user)
    analyze(Officer, Assignment, Vetting)
    coverage_recompute()
    covered = Commune.objects.exclude(coverage=Coverage.UNCOVERED).count()
    run.log(f"  covered now: {covered:,} communes ({len(active):,} active assignments)")
