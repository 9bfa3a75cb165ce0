"""Synthetic national-scale data for benchmarks (``python manage.py seed_national``): the steps, in order.

Loads every province (63 provinces, 696 districts, 10,051 communes from ``vietnam-provinces``) and writes
realistic, deterministic volumes with bulk inserts, one transaction per step, each step in its own module:

- ``plans`` — a ``PilotPlan`` per province that has none: started a year ago, target 2 to 9 months ahead,
  default staffing norm 4;
- ``communes`` — about 75% of the country covered before the pilot, border flags, population, local languages;
  these communes are marked ``is_demo`` (their attributes are synthetic, the UI says so);
- ``personnel`` — 50,000 officers (``officers``) in every status of the pipeline, their languages, the five
  vetting decisions of every vetted officer and some candidates (``vetting``), and 45,000 assignments
  (``assignments``): 90% active, 10% ended. Coverage is recomputed at the end;
- ``training`` — the demo course catalogue, classes per province for cohorts of 40 officers, 200,000 enrolments;
- ``equipment`` — the demo catalogue and standards, a store per province, 100,000 serial-numbered items and
  their issuances, stock levels;
- ``snapshots`` — a ``ProgressSnapshot`` per province and for the whole country for each of the last 365 days.

``context`` holds what the steps share (the volumes, the run, the seed user, bulk writes), ``draws`` the random
draws, ``regions`` who lives where and which languages they speak.

History: officers, assignments, classes, issuances and stock levels are written with their ``simple_history``
rows (``bulk_create_with_history``, user ``national-seed``), as the design asks for officers, assignments and
issuances. Vetting decisions (~237,000), enrolments (200,000) and equipment items (100,000) — the biggest tables —
are written *without* history rows: with them the run takes about twice as long, and nobody edited synthetic
data; their history starts with the first real change.

Deterministic (``random.Random`` seeded per step) and idempotent: each step looks for its own data (officers
with the ``N`` prefix, classes created by ``national-seed``, ``N-`` serial numbers, existing snapshot days…)
and skips when it is there, so a second run only reports, and a run interrupted between steps resumes.
Communes that already have assignments or issuances (the Kon Tum demo) are left alone. ``--scale`` shrinks
every volume except the divisions, for tests (it works on SQLite too).

Caveats: run ``seed_demo`` *before* ``seed_national`` when both are wanted in one database (the demo roster
would otherwise find Kon Tum's communes already staffed and break the one-active-chief rule). The ``N`` police
numbers do not match the form's ``123-456`` validator on purpose: a clerk editing a synthetic officer must give a
real number.
"""

import datetime
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from communes.context_processors import DEMO_DATA_CACHE_KEY
from communes.models import Commune
from communes.services import KON_TUM
from equipment.models import EquipmentItem, Issuance
from personnel.models import Assignment, Officer
from rollout.models import ProgressSnapshot
from rollout.national.communes import communes_seed, divisions_seed
from rollout.national.context import POLICE_PREFIX, PREFIX, SEED, Result, Run, Volumes, seed_user
from rollout.national.draws import step_random
from rollout.national.equipment import equipment_seed
from rollout.national.personnel import personnel_seed
from rollout.national.plans import plans_seed
from rollout.national.snapshots import snapshots_seed
from rollout.national.training import training_seed
from training.models import Enrollment, TrainingSession


def synthetic_counts() -> dict[str, int]:
    """What the national seed has written so far."""
    user = seed_user()
    return {
        "officers": Officer.objects.filter(police_number__startswith=POLICE_PREFIX).count(),
        "assignments": Assignment.objects.filter(decision_number__startswith=PREFIX).count(),
        "classes": TrainingSession.objects.filter(created_by=user).count(),
        "enrolments": Enrollment.objects.filter(enrolled_by=user).count(),
        "equipment items": EquipmentItem.objects.filter(serial_number__startswith=f"{PREFIX}-").count(),
        "issuances": Issuance.objects.filter(issued_by=user).count(),
        "snapshots": ProgressSnapshot.objects.count(),
    }


def seed_national(
    volumes: Volumes | None = None,
    *,
    seed: int = SEED,
    today: datetime.date | None = None,
    log: Callable[[str], None] = print,
) -> Result:
    """Write the national data set (see the module); returns what was created, skipped, and how long each step
    took."""
    volumes = volumes or Volumes()
    volumes.check()
    today = today or timezone.localdate()
    result = Result()
    run = Run(log, result)
    started = time.monotonic()

    with run.step("divisions"):
        divisions_seed(run=run)
    user = seed_user()
    plan_start = today - datetime.timedelta(days=volumes.days)

    with run.step("plans"):
        plans_seed(run=run, rng=step_random(seed, "plans"), plan_start=plan_start)

    if Commune.objects.filter(is_demo=True).exclude(district__province_id=KON_TUM).exists():
        run.skip("communes", "synthetic commune attributes already there")
    else:
        with run.step("communes"):
            communes_seed(run=run, rng=step_random(seed, "communes"), plan_start=plan_start)

    if Officer.objects.filter(police_number__startswith=POLICE_PREFIX).exists():
        run.skip("personnel", "officers 8xx-xxx already there")
    else:
        with run.step("personnel"):
            personnel_seed(run=run, rng=step_random(seed, "personnel"), volumes=volumes, user=user, today=today,
                           plan_start=plan_start)  # fmt: skip

    if TrainingSession.objects.filter(created_by=user).exists():
        run.skip("training", "classes of national-seed already there")
    else:
        with run.step("training"):
            training_seed(run=run, rng=step_random(seed, "training"), volumes=volumes, user=user, today=today)

    if EquipmentItem.objects.filter(serial_number__startswith=f"{PREFIX}-").exists():
        run.skip("equipment", "items N-… already there")
    else:
        with run.step("equipment"):
            equipment_seed(run=run, rng=step_random(seed, "equipment"), volumes=volumes, user=user, today=today,
                           plan_start=plan_start)  # fmt: skip

    with run.step("snapshots"):
        snapshots_seed(run=run, volumes=volumes, today=today)

    transaction.on_commit(lambda: cache.delete(DEMO_DATA_CACHE_KEY))
    cache.delete(DEMO_DATA_CACHE_KEY)
    result.timings["total"] = time.monotonic() - started
    return result
