"""Synthetic national-scale data for benchmarks (``python manage.py seed_national``).

Loads every province (63 provinces, 696 districts, 10,051 communes from ``vietnam-provinces``) and writes
realistic, deterministic volumes with bulk inserts, one transaction per step:

- **plans** — a ``PilotPlan`` per province that has none: started a year ago, target 2 to 9 months ahead,
  default staffing norm 4;
- **communes** — about 75% of the country covered before the pilot (every ward and township, then rural
  communes, many of them key areas), border flags along Laos, Cambodia and China, population, the local
  languages of the northern mountains, the Central Highlands and the Khmer Mekong provinces. These communes are
  marked ``is_demo`` (their attributes are synthetic, the UI says so);
- **personnel** — 50,000 officers with Vietnamese and ethnic-minority names, in every status of the pipeline,
  police numbers ``N000001``… (the letter keeps them apart from demo ``9xx-xxx`` and real ``123-456``
  numbers), their languages, the five vetting decisions of every vetted officer (and some candidates), and
  45,000 assignments: 90% active (a chief, a deputy and officers per commune: first the communes the pilot
  covers, then the baseline ones), 10% ended (transfers and withdrawals); decision numbers ``N000001/QĐ-CAT``.
  Coverage is recomputed at the end;
- **training** — the demo course catalogue, classes per province for cohorts of 40 officers, 200,000
  enrolments: ready officers passed every mandatory course, about half of the deployed ones too (mostly whole
  communes trained together, so some communes become operational), the others part of them (some with a failed
  attempt), officers in training sit in a class running today; one officer's
  classes never overlap (14-day slots), certificates ``N-CAX-01-2026-000001``;
- **equipment** — the demo catalogue and standards, a store per province, 100,000 serial-numbered items (80%
  issued, the rest in stock, in repair, lost or retired, some with earlier returned issuances) and the
  issuances: standards of covered communes (most in full, some short), quantities of unserialised types, and
  extra phones for the officers; item status always agrees with the active issuance;
- **snapshots** — a ``ProgressSnapshot`` per province and for the whole country for each of the last 365 days.
  Today's row holds the real figures (``rollout.progress.figures.figures_by``); coverage and deployment on past days are
  computed exactly from the dated baseline and assignments, the trained, equipped and operational shares are
  interpolated back from today's (the model's consistency constraint holds on every row).

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
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.context_processors import DEMO_DATA_CACHE_KEY
from communes.models import Commune, CommuneKind, Coverage, District, Province, ProvinceKind
from communes.services import KON_TUM, coverage_recompute, divisions_load
from equipment.demo import CATALOGUE as EQUIPMENT_CATALOGUE
from equipment.demo import KIND_OVERRIDES
from equipment.models import (
    AllocationStandard,
    EquipmentItem,
    EquipmentType,
    Issuance,
    IssuanceStatus,
    ItemStatus,
    ReturnCondition,
    StockLevel,
    Warehouse,
)
from personnel.choices import (
    AssignmentEndReason,
    Education,
    Ethnicity,
    Gender,
    OfficerStatus,
    PoliticalTheory,
    Post,
    Rank,
    VettingCriterion,
)
from personnel.demo import (
    KINH_FAMILY,
    KINH_GIVEN_FEMALE,
    KINH_GIVEN_MALE,
    KINH_MIDDLE_FEMALE,
    KINH_MIDDLE_MALE,
    MINORITY_NAMES,
    UNITS,
)
from personnel.models import Assignment, Language, Officer, Vetting
from rollout.core.bulk import bulk_update_values
from rollout.core.text import fold
from rollout.models import PilotPlan, ProgressSnapshot
from rollout.progress.figures import FIGURES, figures_by
from training.demo import demo_catalogue_create
from training.models import Enrollment, TrainingSession, valid_until

PREFIX = "N"  # police numbers N000001…, decisions N000001/QĐ-CAT, serials N-XE-MAY-0000001, certificates N-…
SEED = 63
SEED_USERNAME = "national-seed"
BATCH_SIZE = 5_000
FLUSH_EVERY = 25_000  # objects kept in memory before a bulk write
DAYS = 365

BASELINE_SHARE = 0.75  # communes covered by regular police before the pilot
PILOT_SHARE = 0.6  # of the communes uncovered at the start, those the pilot has reached (volumes permitting)
ACTIVE_SHARE = 0.9  # of the assignments, those still active
TRANSFER_SHARE = 2 / 3  # of the ended assignments, an earlier post of an officer now deployed elsewhere
NATIONAL_STAFFING_NORM = 4  # plan default: a chief, a deputy and two officers
CLASS_SIZE = 40
SLOT_DAYS = 14  # an officer takes at most one class per slot, and no class lasts longer than a slot
MAX_SLOT = 38  # the oldest classes started about 17 months ago
ISSUED_SHARE = 0.8  # of the items, those held by a commune now

NEW_LANGUAGES = [("tay", "Tày"), ("thai", "Thái"), ("nung", "Nùng"), ("muong", "Mường"), ("hmong", "H'Mông"),
                 ("e-de", "Ê Đê")]  # fmt: skip

# Regions, by GSO province code: who lives there, which languages the communes speak, which country they border.
NORTH = {2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 24, 25}
HIGHLANDS = {62, 64, 66, 67, 68}
KHMER = {84, 89, 91, 94, 95}
BORDERS = {
    2: ["CN"], 4: ["CN"], 10: ["CN"], 11: ["CN", "LA"], 12: ["CN"], 14: ["LA"], 20: ["CN"], 22: ["CN"],
    38: ["LA"], 40: ["LA"], 42: ["LA"], 44: ["LA"], 45: ["LA"], 46: ["LA"], 49: ["LA"], 62: ["LA", "KH"],
    64: ["KH"], 66: ["KH"], 67: ["KH"], 70: ["KH"], 72: ["KH"], 80: ["KH"], 87: ["KH"], 89: ["KH"], 91: ["KH"],
}  # fmt: skip
REGION_ETHNICITIES = {
    "north": ([Ethnicity.KINH, Ethnicity.TAY, Ethnicity.THAI, Ethnicity.NUNG, Ethnicity.MUONG, Ethnicity.OTHER],
              [45, 17, 14, 10, 8, 6]),
    "highlands": ([Ethnicity.KINH, Ethnicity.XO_DANG, Ethnicity.BA_NA, Ethnicity.GIA_RAI, Ethnicity.GIE_TRIENG,
                   Ethnicity.BRAU, Ethnicity.RO_MAM, Ethnicity.OTHER], [55, 10, 9, 12, 4, 1, 1, 8]),
    "khmer": ([Ethnicity.KINH, Ethnicity.OTHER], [78, 22]),
    "plain": ([Ethnicity.KINH, Ethnicity.MUONG, Ethnicity.THAI, Ethnicity.OTHER], [93, 3, 2, 2]),
}  # fmt: skip
REGION_COMMUNE_LANGUAGES = {"north": ["tay", "nung", "thai", "hmong", "muong"],
                            "highlands": ["gia-rai", "ba-na", "e-de", "xo-dang"], "khmer": ["khmer"]}  # fmt: skip
REGION_OTHER_LANGUAGE = {"north": "hmong", "highlands": "e-de", "khmer": "khmer"}
ETHNICITY_LANGUAGE = {
    Ethnicity.XO_DANG: "xo-dang", Ethnicity.BA_NA: "ba-na", Ethnicity.GIA_RAI: "gia-rai",
    Ethnicity.GIE_TRIENG: "gie-trieng", Ethnicity.BRAU: "brau", Ethnicity.RO_MAM: "ro-mam", Ethnicity.TAY: "tay",
    Ethnicity.THAI: "thai", Ethnicity.NUNG: "nung", Ethnicity.MUONG: "muong",
}  # fmt: skip
FAMILY_NAMES = {
    Ethnicity.TAY: ["Hoàng", "Nông", "Lương", "Vi", "Đàm", "Hà", "Ma"],
    Ethnicity.THAI: ["Lò", "Cầm", "Lường", "Quàng", "Điêu", "Vi", "Hà"],
    Ethnicity.NUNG: ["Nông", "Hoàng", "Lục", "Vy", "Chu", "Mã"],
    Ethnicity.MUONG: ["Bùi", "Đinh", "Quách", "Hà", "Xa"],
}
OTHER_NAMES = {
    "north": (["Giàng", "Sùng", "Vàng", "Thào", "Lầu", "Mùa", "Hờ"], ["A", "Seo", "Mí"],
              ["Páo", "Chứ", "Dình", "Sính", "Pó", "Tủa", "Chá", "Dợ"]),
    "highlands": (["Niê", "Ksor", "Mlô", "Êban", "Adrơng", "Byă"], ["Y"], ["Bhin", "Kông", "Thông", "Jút", "Hớt"]),
    "khmer": (["Thạch", "Sơn", "Kim", "Danh", "Lâm", "Châu"], [""], ["Sa Rinh", "Sóc", "Phol", "Sang", "Rươl"]),
}  # fmt: skip
STATUS_MIX = ([OfficerStatus.CANDIDATE, OfficerStatus.VETTED, OfficerStatus.IN_TRAINING, OfficerStatus.READY,
               OfficerStatus.WITHDRAWN], [35, 20, 18, 17, 10])  # fmt: skip
EDUCATION_MIX = ([Education.UPPER_SECONDARY, Education.INTERMEDIATE, Education.COLLEGE, Education.UNIVERSITY,
                  Education.POSTGRADUATE], [10, 42, 14, 32, 2])  # fmt: skip
THEORY_MIX = ([PoliticalTheory.NONE, PoliticalTheory.ELEMENTARY, PoliticalTheory.INTERMEDIATE], [30, 50, 20])


@dataclass(frozen=True)
class Volumes:
    officers: int = 50_000
    assignments: int = 45_000
    enrolments: int = 200_000
    items: int = 100_000
    days: int = DAYS

    @classmethod
    def scaled(cls, scale: float = 1.0, **overrides) -> "Volumes":
        """Every volume times ``scale`` (the days stay); ``overrides`` (not None) set a volume exactly."""
        full = cls()
        values = {name: max(1, round(getattr(full, name) * scale)) for name in ("officers", "assignments",
                                                                              "enrolments", "items")}  # fmt: skip
        values["days"] = full.days
        values.update({name: value for name, value in overrides.items() if value is not None})
        volumes = cls(**values)
        volumes.check()
        return volumes

    def check(self) -> None:
        if min(self.officers, self.assignments, self.enrolments, self.items, self.days) < 1:
            raise ValueError("Every volume is at least 1.")
        if self.officers >= 10**6:
            raise ValueError("At most 999,999 officers (police numbers N000001–N999999).")
        if self.assignments > self.officers * 0.95:  # every assignment needs an officer, and some are candidates
            raise ValueError("Too many assignments for the officers: keep assignments ≤ 0.95 × officers.")


@dataclass
class Result:
    created: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class _Run:
    def __init__(self, log: Callable[[str], None], result: Result):
        self.log = log
        self.result = result

    @contextmanager
    def step(self, name: str):
        self.log(f"{name} …")
        started = self.started = time.monotonic()
        with transaction.atomic():
            yield
        elapsed = time.monotonic() - started
        self.result.timings[name] = elapsed
        self.log(f"{name}: done in {elapsed:.1f} s")

    def skip(self, name: str, why: str) -> None:
        self.result.skipped.append(name)
        self.log(f"{name}: {why}, skipped")

    def count(self, what: str, n: int) -> None:
        self.result.created[what] += n
        self.log(f"  {what}: {n:,} created (at {time.monotonic() - self.started:.1f} s)")


def _analyze(*models) -> None:
    """Refresh the planner's statistics of freshly filled tables (PostgreSQL; it sees this transaction's rows)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _write(model, objects: list, user, *, history: bool) -> list:
    if not objects:
        return objects
    if history:
        return bulk_create_with_history(objects, model, batch_size=BATCH_SIZE, default_user=user)
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


def _region(province_code: int) -> str:
    if province_code in NORTH:
        return "north"
    if province_code in HIGHLANDS:
        return "highlands"
    if province_code in KHMER:
        return "khmer"
    return "plain"


def _short_name(province: Province) -> str:
    return province.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def _police_unit(province: Province) -> str:
    kind = "thành phố" if province.kind == ProvinceKind.MUNICIPALITY else "tỉnh"
    return f"Công an {kind} {_short_name(province)}"


def _rng(seed: int, step: str) -> random.Random:
    return random.Random(f"{seed}:{step}")  # noqa: S311 - reproducible synthetic data, not security


def _later(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    """A day between ``start`` and ``end``, more often late than early (the pace of the rollout accelerates)."""
    span = max((end - start).days, 0)
    return start + datetime.timedelta(days=int(span * math.sqrt(rng.random())))


def _within(rng: random.Random, start: datetime.date, days: int, today: datetime.date) -> datetime.date:
    """A day at most ``days`` after ``start`` and not after ``today`` (drawn in that window: no pile-up on today)."""
    return start + datetime.timedelta(days=rng.randint(0, max(min(days, (today - start).days), 0)))


def seed_user():
    from accounts.models import User

    user, created = User.objects.get_or_create(
        username=SEED_USERNAME, defaults={"first_name": "Dữ liệu", "last_name": "tổng hợp", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def synthetic_counts() -> dict[str, int]:
    """What the national seed has written so far."""
    user = seed_user()
    return {
        "officers": Officer.objects.filter(police_number__startswith=PREFIX).count(),
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
    run = _Run(log, result)
    started = time.monotonic()

    with run.step("divisions"):
        counts = divisions_load()
        if counts.changed:
            coverage_recompute()
        for kind in ("provinces", "districts", "communes"):
            result.created[kind] += counts.created[kind]
        log(f"  {Province.objects.count()} provinces, {District.objects.count()} districts, "
            f"{Commune.objects.count():,} communes ({sum(counts.created.values()):,} new)")  # fmt: skip
    user = seed_user()
    plan_start = today - datetime.timedelta(days=volumes.days)

    with run.step("plans"):
        _plans(run, _rng(seed, "plans"), plan_start)

    if Commune.objects.filter(is_demo=True).exclude(district__province_id=KON_TUM).exists():
        run.skip("communes", "synthetic commune attributes already there")
    else:
        with run.step("communes"):
            _communes(run, _rng(seed, "communes"), plan_start)

    if Officer.objects.filter(police_number__startswith=PREFIX).exists():
        run.skip("personnel", "officers N… already there")
    else:
        with run.step("personnel"):
            _personnel(run, _rng(seed, "personnel"), volumes, user, today, plan_start)

    if TrainingSession.objects.filter(created_by=user).exists():
        run.skip("training", "classes of national-seed already there")
    else:
        with run.step("training"):
            _training(run, _rng(seed, "training"), volumes, user, today)

    if EquipmentItem.objects.filter(serial_number__startswith=f"{PREFIX}-").exists():
        run.skip("equipment", "items N-… already there")
    else:
        with run.step("equipment"):
            _equipment(run, _rng(seed, "equipment"), volumes, user, today, plan_start)

    with run.step("snapshots"):
        _snapshots(run, volumes, today)

    transaction.on_commit(lambda: cache.delete(DEMO_DATA_CACHE_KEY))
    cache.delete(DEMO_DATA_CACHE_KEY)
    result.timings["total"] = time.monotonic() - started
    return result


# --- plans -----------------------------------------------------------------------------------------------------


def _plans(run: _Run, rng: random.Random, plan_start: datetime.date) -> None:
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


# --- communes --------------------------------------------------------------------------------------------------


def _languages() -> dict[str, int]:
    for code, name in NEW_LANGUAGES:
        if not Language.objects.filter(code=code).exists() and not Language.objects.filter(name=name).exists():
            Language.objects.create(code=code, name=name, is_ethnic_minority=True)
    return dict(Language.objects.values_list("code", "pk"))


def _communes(run: _Run, rng: random.Random, plan_start: datetime.date) -> None:
    total = Commune.objects.count()
    already = Commune.objects.filter(baseline_covered_on__isnull=False).count()
    rows = list(
        Commune.objects.filter(is_demo=False, baseline_covered_on__isnull=True)
        .order_by("code")
        .values_list("code", "kind", "district__province_id")
    )
    wanted = max(round(BASELINE_SHARE * total) - already, 0)
    urban = [r for r in rows if r[1] != CommuneKind.COMMUNE]
    rural = [r for r in rows if r[1] == CommuneKind.COMMUNE]
    rng.shuffle(urban)
    rng.shuffle(rural)
    baseline = {r[0] for r in (urban + rural)[:wanted]}

    first_rural = datetime.date(2020, 1, 1)
    rural_span = max((plan_start - datetime.timedelta(days=30) - first_rural).days, 1)
    communes = []
    for code, kind, province_code in rows:
        commune = Commune(code=code, is_demo=True, is_key_area=False, is_border=False, border_country="")
        if code in baseline:
            if kind == CommuneKind.WARD:
                commune.baseline_covered_on = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
            elif kind == CommuneKind.TOWNSHIP:
                commune.baseline_covered_on = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
            else:
                commune.baseline_covered_on = first_rural + datetime.timedelta(days=rng.randint(0, rural_span))
        else:
            commune.baseline_covered_on = None
        if kind == CommuneKind.COMMUNE:
            commune.is_key_area = rng.random() < (0.55 if code in baseline else 0.1)
            if province_code in BORDERS and rng.random() < 0.07:
                commune.is_border = True
                commune.border_country = rng.choice(BORDERS[province_code])
        commune.population = {
            CommuneKind.WARD: rng.randint(8_000, 40_000),
            CommuneKind.TOWNSHIP: rng.randint(6_000, 20_000),
        }.get(kind) or rng.randint(2_000, 15_000)
        communes.append(commune)
    fields = ["baseline_covered_on", "is_key_area", "is_border", "border_country", "population", "is_demo"]
    if connection.vendor == "postgresql":
        bulk_update_values(communes, fields, batch_size=BATCH_SIZE)
    else:  # Django's bulk_update (CASE WHEN per row) takes a minute for 10,000 rows on SQLite; executemany does not
        columns = [Commune._meta.get_field(name) for name in fields]
        quote = connection.ops.quote_name
        sql = (
            f"UPDATE {quote(Commune._meta.db_table)} SET "  # noqa: S608 - names from the model, values bound
            + ", ".join(f"{quote(column.column)} = %s" for column in columns)
            + f" WHERE {quote('code')} = %s"
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [
                    [column.get_db_prep_save(getattr(c, column.attname), connection) for column in columns] + [c.code]
                    for c in communes
                ],
            )
    run.count("commune attributes", len(communes))

    languages = _languages()
    through = Language.communes.through
    linked = set(through.objects.values_list("commune_id", flat=True).distinct())
    links = []
    for code, _kind, province_code in rows:
        spoken = REGION_COMMUNE_LANGUAGES.get(_region(province_code))
        if not spoken or code in linked or rng.random() < 0.35:
            continue
        for language in rng.sample(spoken, k=min(len(spoken), rng.choice([1, 1, 2]))):
            links.append(through(commune_id=code, language_id=languages[language]))
    through.objects.bulk_create(links, batch_size=BATCH_SIZE)
    run.count("commune languages", len(links))
    coverage_recompute()
    run.log(f"  covered before the pilot: {Commune.objects.filter(coverage=Coverage.BASELINE).count():,} "
            f"of {total:,} communes")  # fmt: skip


# --- personnel -------------------------------------------------------------------------------------------------


def _name(rng: random.Random, ethnicity: str, gender: str, region: str) -> str:
    female = gender == Gender.FEMALE
    if ethnicity in MINORITY_NAMES:
        prefixes, given = MINORITY_NAMES[ethnicity]
        prefix = rng.choice(prefixes)
        if female and prefix.startswith("A"):
            prefix = "Y" + prefix[1:]
        return f"{prefix} {rng.choice(given)}"
    if ethnicity == Ethnicity.OTHER and region in OTHER_NAMES:
        families, middles, given = OTHER_NAMES[region]
        family, middle, name = rng.choice(families), rng.choice(middles), rng.choice(given)
        if region == "highlands":
            return f"H'{name} {family}" if female else f"Y {name} {family}"
        if female and region == "north":
            middle = "Thị"
        return " ".join(part for part in (family, middle, name) if part)
    family = rng.choice(FAMILY_NAMES.get(ethnicity, KINH_FAMILY))
    if female:
        return f"{family} {rng.choice(KINH_MIDDLE_FEMALE)} {rng.choice(KINH_GIVEN_FEMALE)}"
    return f"{family} {rng.choice(KINH_MIDDLE_MALE)} {rng.choice(KINH_GIVEN_MALE)}"


class _Roster:
    """Builds officers and their languages; police numbers in creation order."""

    def __init__(self, rng: random.Random, today: datetime.date, provinces: dict[int, Province],
                 districts: dict[int, list[int]]):  # fmt: skip
        self.rng, self.today, self.provinces, self.districts = rng, today, provinces, districts
        self.officers: list[Officer] = []
        self.languages: list[set[str]] = []

    def add(self, *, province_code: int, district_code: int | None, status: str, age: tuple[int, int],
            min_rank: int = Rank.HA_SI) -> Officer:  # fmt: skip
        rng = self.rng
        region = _region(province_code)
        ethnicities, weights = REGION_ETHNICITIES[region]
        ethnicity = rng.choices(ethnicities, weights=weights)[0]
        gender = Gender.FEMALE if rng.random() < 0.12 else Gender.MALE
        years = rng.randint(*age)
        birth = self.today - datetime.timedelta(days=years * 365 + rng.randint(0, 360))
        base = min(Rank.THUONG_TA, max(Rank.HA_SI, (years - 20) // 3 + 1))
        rank = max(min_rank, min(Rank.THUONG_TA, base + rng.choice([-1, 0, 0, 1])))
        home = district_code if district_code and rng.random() < 0.6 else rng.choice(self.districts[province_code])
        full_name = _name(rng, ethnicity, gender, region)
        officer = Officer(
            police_number=f"{PREFIX}{len(self.officers) + 1:06d}", full_name=full_name, search_key=fold(full_name),
            birth_date=birth, gender=gender, ethnicity=ethnicity, rank=rank,
            current_unit=rng.choice(UNITS), province_id=province_code, district_id=district_code,
            home_district_id=home, education=rng.choices(*EDUCATION_MIX)[0],
            political_theory=rng.choices(*THEORY_MIX)[0], phone=f"09{rng.randint(10_000_000, 99_999_999)}",
            status=status,
        )  # fmt: skip
        spoken = {"vi"}
        language = ETHNICITY_LANGUAGE.get(ethnicity) or (
            REGION_OTHER_LANGUAGE.get(region) if ethnicity == Ethnicity.OTHER else None
        )
        if language:
            spoken.add(language)
        local = REGION_COMMUNE_LANGUAGES.get(region)
        if local and rng.random() < 0.3:
            spoken.add(rng.choice(local))
        self.officers.append(officer)
        self.languages.append(spoken)
        return officer


@dataclass
class _Posting:
    officer: Officer
    commune: int
    district: int
    province: int
    post: str
    started_on: datetime.date
    ended_on: datetime.date | None = None
    end_reason: str = ""


def _personnel(run: _Run, rng: random.Random, volumes: Volumes, user, today, plan_start) -> None:
    provinces = {p.code: p for p in Province.objects.all()}
    districts: dict[int, list[int]] = defaultdict(list)
    for code, province_code in District.objects.order_by("code").values_list("code", "province_id"):
        districts[province_code].append(code)
    communes = list(
        Commune.objects.order_by("code").values_list("code", "district_id", "district__province_id", "coverage",
                                                     "baseline_covered_on")
    )  # fmt: skip
    occupied = set(Assignment.objects.filter(ended_on__isnull=True).values_list("commune_id", flat=True))
    by_province: dict[int, list[tuple]] = defaultdict(list)
    for row in communes:
        by_province[row[2]].append(row)

    n_active = round(volumes.assignments * ACTIVE_SHARE)
    n_ended = volumes.assignments - n_active
    n_transfers = min(round(n_ended * TRANSFER_SHARE), n_active)
    n_withdrawn = n_ended - n_transfers

    # Posts: the communes the pilot covers first (they need their chief), then the baseline communes.
    uncovered = [c for c in communes if c[3] == Coverage.UNCOVERED and c[0] not in occupied]
    baseline = [c for c in communes if c[3] == Coverage.BASELINE and c[0] not in occupied]
    rng.shuffle(uncovered)
    rng.shuffle(baseline)
    order = uncovered[: round(PILOT_SHARE * len(uncovered))] + baseline
    roster = _Roster(rng, today, provinces, districts)
    postings: list[_Posting] = []
    budget = n_active
    for code, district, province, coverage, baseline_on in order:
        if budget <= 0:
            break
        posts = [Post.CHIEF, Post.DEPUTY] + [Post.OFFICER] * rng.choices([1, 2, 3, 4], weights=[2, 3, 3, 2])[0]
        posts = posts[:budget]
        budget -= len(posts)
        if coverage == Coverage.UNCOVERED:  # covered by the pilot during the year
            chief_on = _later(rng, plan_start + datetime.timedelta(days=10), today - datetime.timedelta(days=1))
        else:
            chief_on = max(baseline_on or plan_start, plan_start - datetime.timedelta(days=rng.randint(30, 1000)))
        for post in posts:
            if post == Post.CHIEF:
                started = chief_on
            elif coverage == Coverage.UNCOVERED:
                started = _within(rng, chief_on, 60 if post == Post.DEPUTY else 120, today)
            elif rng.random() < (0.7 if post == Post.DEPUTY else 0.35):
                started = max(chief_on, plan_start - datetime.timedelta(days=rng.randint(1, 700)))
            else:
                started = _later(rng, plan_start, today)
            officer = roster.add(
                province_code=province, district_code=district, status=OfficerStatus.DEPLOYED,
                age=(30, 45) if post == Post.CHIEF else (23, 45),
                min_rank=Rank.THIEU_UY if post == Post.CHIEF else Rank.TRUNG_SI,
            )  # fmt: skip
            postings.append(_Posting(officer, code, district, province, post, started))
    if budget > 0:  # more assignments than posts in the communes: extra officers where posts already exist
        filled = list(postings)
        for _ in range(budget):
            host = rng.choice(filled)
            officer = roster.add(province_code=host.province, district_code=host.district,
                                 status=OfficerStatus.DEPLOYED, age=(23, 45), min_rank=Rank.TRUNG_SI)  # fmt: skip
            postings.append(_Posting(officer, host.commune, host.district, host.province, Post.OFFICER,
                                     _later(rng, plan_start, today)))  # fmt: skip

    # Ended assignments: an earlier post of an officer now deployed elsewhere, or of an officer withdrawn.
    ended: list[_Posting] = []
    for current in rng.sample(postings, n_transfers):
        before = rng.choice(by_province[current.province])
        started = current.started_on - datetime.timedelta(days=rng.randint(180, 1400))
        ended_on = max(started, current.started_on - datetime.timedelta(days=rng.randint(0, 7)))
        ended.append(_Posting(current.officer, before[0], before[1], current.province,
                              rng.choice([Post.DEPUTY, Post.OFFICER, Post.OFFICER]), started, ended_on,
                              AssignmentEndReason.TRANSFER))  # fmt: skip
    for _ in range(n_withdrawn):
        code, district, province, _coverage, _baseline = rng.choice(communes)
        officer = roster.add(province_code=province, district_code=district, status=OfficerStatus.WITHDRAWN,
                             age=(24, 50))  # fmt: skip
        started = today - datetime.timedelta(days=rng.randint(200, 1500))
        ended_on = max(started, _later(rng, plan_start, today - datetime.timedelta(days=1)))
        reason = rng.choice([AssignmentEndReason.WITHDRAWAL, AssignmentEndReason.OTHER])
        post = rng.choice([Post.DEPUTY, Post.OFFICER])
        ended.append(_Posting(officer, code, district, province, post, started, ended_on, reason))

    # The rest of the pipeline: candidates, vetted, in training, ready, withdrawn without a post.
    for _ in range(max(volumes.officers - len(roster.officers), 0)):
        code, district, province, _coverage, _baseline = rng.choice(communes)
        status = rng.choices(*STATUS_MIX)[0]
        roster.add(province_code=province, district_code=district if rng.random() < 0.7 else None, status=status,
                   age=(21, 50))  # fmt: skip

    officers = _write(Officer, roster.officers, user, history=True)
    run.count("officers", len(officers))
    languages = _languages()
    through = Officer.languages.through
    links = [
        through(officer_id=officer.pk, language_id=languages[code])
        for officer, spoken in zip(officers, roster.languages, strict=True)
        for code in sorted(spoken)
        if code in languages
    ]
    through.objects.bulk_create(links, batch_size=BATCH_SIZE)
    run.count("officer languages", len(links))

    first_post = {}
    for posting in postings + ended:
        known = first_post.get(posting.officer.pk)
        first_post[posting.officer.pk] = min(known, posting.started_on) if known else posting.started_on
    vettings = []
    for officer in officers:
        if officer.status == OfficerStatus.CANDIDATE:
            if rng.random() < 0.25:  # half-way through vetting
                decided = today - datetime.timedelta(days=rng.randint(0, 60))
                for criterion in VettingCriterion.values[: rng.randint(1, 2)]:
                    vettings.append(Vetting(officer_id=officer.pk, criterion=criterion, passed=True,
                                            decided_by_id=user.pk, decided_on=decided))  # fmt: skip
            continue
        before = first_post.get(officer.pk)
        decided = (before - datetime.timedelta(days=rng.randint(10, 120))) if before else (
            today - datetime.timedelta(days=rng.randint(10, 400)))  # fmt: skip
        failed = (
            rng.choice(VettingCriterion.values)
            if officer.status == OfficerStatus.WITHDRAWN and before is None and rng.random() < 0.5
            else None
        )
        for criterion in VettingCriterion.values:
            vettings.append(Vetting(officer_id=officer.pk, criterion=criterion, passed=criterion != failed,
                                    decided_by_id=user.pk, decided_on=decided,
                                    note="Không đạt yêu cầu" if criterion == failed else ""))  # fmt: skip
        if len(vettings) >= FLUSH_EVERY:
            _write(Vetting, vettings, user, history=False)
            run.result.created["vettings"] += len(vettings)
            vettings = []
    _write(Vetting, vettings, user, history=False)
    run.result.created["vettings"] += len(vettings)
    run.log(f"  vettings: {run.result.created['vettings']:,} created (without history rows)")

    assignments = []
    for number, posting in enumerate(sorted(postings + ended, key=lambda p: (p.started_on, p.commune)), start=1):
        decided = posting.started_on - datetime.timedelta(days=rng.randint(0, 14))
        assignments.append(
            Assignment(
                officer_id=posting.officer.pk,
                commune_id=posting.commune,
                province_id=posting.province,
                post=posting.post,
                decision_number=f"{PREFIX}{number:06d}/QĐ-CAT",
                decision_date=decided,
                started_on=posting.started_on,
                ended_on=posting.ended_on,
                end_reason=posting.end_reason,
                created_by_id=user.pk,
            )  # fmt: skip
        )
    _write(Assignment, assignments, user, history=True)
    run.count("assignments", len(assignments))
    _analyze(Officer, Assignment, Vetting)
    coverage_recompute()
    covered = Commune.objects.exclude(coverage=Coverage.UNCOVERED).count()
    run.log(f"  covered now: {covered:,} communes ({len(postings):,} active assignments)")


# --- training --------------------------------------------------------------------------------------------------


def _training(run: _Run, rng: random.Random, volumes: Volumes, user, today) -> None:
    courses = sorted(demo_catalogue_create(), key=lambda c: c.code)
    mandatory = [c for c in courses if c.is_mandatory and c.is_active]
    optional = [c for c in courses if not c.is_mandatory and c.is_active]
    n_mandatory = len(mandatory)
    provinces = {p.code: p for p in Province.objects.all()}
    officers = list(
        Officer.objects.filter(
            police_number__startswith=PREFIX,
            status__in=[OfficerStatus.READY, OfficerStatus.DEPLOYED, OfficerStatus.IN_TRAINING],
        )
        .order_by("pk")
        .values_list("pk", "status", "province_id")
    )
    if not n_mandatory or not officers:
        run.log("  no mandatory course or no officer to train")
        return

    # How far each officer got: passed mandatory courses, a failed attempt at the next one, a class running today,
    # optional courses. About half the deployed officers passed everything; the share follows the volume asked.
    counts = Counter(status for _pk, status, _p in officers)
    partial_mean = (n_mandatory - 1) / 2 + 0.25
    base = n_mandatory * counts[OfficerStatus.READY] + ((n_mandatory - 1) / 2 + 1) * counts[OfficerStatus.IN_TRAINING]
    deployed = counts[OfficerStatus.DEPLOYED]
    share = ((volumes.enrolments - base) / deployed - partial_mean) / (n_mandatory - partial_mean) if deployed else 1
    share = min(max(share, 0.05), 0.95)
    # Training goes by post: in 70% of the share, whole communes were trained together (so some communes become
    # operational); the rest of the share is spread over the other communes' officers.
    posted = dict(
        Assignment.objects.filter(ended_on__isnull=True, officer__police_number__startswith=PREFIX).values_list(
            "officer_id", "commune_id"
        )
    )
    whole = 0.7 * share
    spread = (share - whole) / (1 - whole) if whole < 1 else 1
    trained_communes = {commune for commune in sorted(set(posted.values())) if rng.random() < whole}
    plans: dict[int, list] = {}  # officer → [passed, failed_next, current, optional]
    for pk, status, _province in officers:
        if status == OfficerStatus.READY or (
            status == OfficerStatus.DEPLOYED and (posted.get(pk) in trained_communes or rng.random() < spread)
        ):
            plans[pk] = [n_mandatory, False, False, 0]
        elif status == OfficerStatus.DEPLOYED:
            plans[pk] = [rng.randint(1, max(n_mandatory - 2, 1)), rng.random() < 0.25, False, 0]
        else:
            plans[pk] = [rng.randint(0, n_mandatory - 1), False, True, 0]
    total = sum(p[0] + p[1] + p[2] for p in plans.values())
    trained = [pk for pk, p in plans.items() if p[0] == n_mandatory]
    rng.shuffle(trained)
    for _round in range(len(optional)):
        for pk in trained:
            if total >= volumes.enrolments:
                break
            plans[pk][3] += 1
            total += 1
    failing = [p for p in plans.values() if p[1]]
    while total > volumes.enrolments and failing:
        failing.pop()[1] = False
        total -= 1

    def slot_start(slot: int) -> datetime.date:
        return today - datetime.timedelta(days=1 + SLOT_DAYS * slot)

    # Cohorts of officers of a province take their courses together, one slot after the other.
    cohorts = defaultdict(list)
    for pk, status, province in officers:
        cohorts[(province, status == OfficerStatus.IN_TRAINING)].append(pk)
    sessions: dict[tuple, TrainingSession] = {}
    members: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    cohort_number = 0
    for (province, _in_training), pks in sorted(cohorts.items()):
        rng.shuffle(pks)
        place = f"Trường Chính trị {_short_name(provinces[province])}" if rng.random() < 0.5 else (
            _police_unit(provinces[province]))  # fmt: skip
        for start in range(0, len(pks), CLASS_SIZE):
            cohort_number += 1
            group = pks[start : start + CLASS_SIZE]
            order = mandatory[:1] + rng.sample(mandatory[1:], len(mandatory) - 1) + rng.sample(optional, len(optional))
            first_slot = max(
                (plans[pk][0] + plans[pk][1] + plans[pk][3] for pk in group), default=1
            )  # the longest sequence ends in slot 1
            first_slot = rng.randint(max(first_slot, 1), max(MAX_SLOT, first_slot))
            for pk in group:
                passed, failed_next, current, extra = plans[pk]
                steps = [(j, "pass") for j in range(passed)]
                if failed_next:
                    steps.append((passed, "fail"))
                if current:
                    steps.append((passed, "current"))
                steps += [(n_mandatory + j, "pass") for j in range(extra)]
                for position, (j, outcome) in enumerate(steps):
                    slot = (len(steps) - 1 - position) if current else first_slot - position
                    key = (cohort_number, j, slot)
                    if key not in sessions:
                        course = order[j]
                        starts_on = slot_start(slot)
                        sessions[key] = TrainingSession(
                            course_id=course.pk, province_id=province, starts_on=starts_on,
                            ends_on=starts_on + datetime.timedelta(days=max(course.hours // 8, 1) - 1),
                            place=place, instructor=f"Phòng Tham mưu, {_police_unit(provinces[province])}",
                            capacity=CLASS_SIZE, results_closed=slot > 0, created_by_id=user.pk,
                        )  # fmt: skip
                    members[key].append((pk, outcome))
    _write(TrainingSession, list(sessions.values()), user, history=True)
    run.count("classes", len(sessions))

    courses_by_pk = {c.pk: c for c in courses}
    numbers: Counter = Counter()
    buffer: list[Enrollment] = []
    written = 0
    for key, session in sessions.items():
        course = courses_by_pk[session.course_id]
        for pk, outcome in members[key]:
            enrollment = Enrollment(
                session_id=session.pk, officer_id=pk, course_id=course.pk, starts_on=session.starts_on,
                ends_on=session.ends_on, enrolled_by_id=user.pk,
            )  # fmt: skip
            if outcome == "pass":
                prefix = f"{PREFIX}-{course.code}-{session.ends_on.year}-"
                numbers[prefix] += 1
                enrollment.attended, enrollment.passed = True, True
                enrollment.score = Decimal(rng.randint(50, 100)) / 10
                enrollment.certificate_number = f"{prefix}{numbers[prefix]:06d}"
                enrollment.valid_until = valid_until(course, session.ends_on)
                enrollment.result_recorded_by_id = user.pk
            elif outcome == "fail":
                enrollment.passed = False
                enrollment.attended = rng.random() < 0.9
                enrollment.score = Decimal(rng.randint(20, 49)) / 10 if enrollment.attended else None
                enrollment.result_recorded_by_id = user.pk
            buffer.append(enrollment)
        if len(buffer) >= FLUSH_EVERY:
            written += len(_write(Enrollment, buffer, user, history=False))
            buffer = []
    written += len(_write(Enrollment, buffer, user, history=False))
    run.count("enrolments", written)
    run.log(f"  (enrolments without history rows; {share:.0%} of deployed officers passed every mandatory course)")


# --- equipment -------------------------------------------------------------------------------------------------


def _equipment(run: _Run, rng: random.Random, volumes: Volumes, user, today, plan_start) -> None:
    types = {}
    for code, name, category, unit, serialized, standard in EQUIPMENT_CATALOGUE:
        types[code], _created = EquipmentType.objects.get_or_create(
            code=code, defaults={"name": name, "category": category, "unit": unit, "is_serialized": serialized}
        )
        AllocationStandard.objects.get_or_create(
            equipment_type=types[code], commune=None, commune_kind="", defaults={"quantity": standard}
        )
    for (code, kind), quantity in KIND_OVERRIDES.items():
        AllocationStandard.objects.get_or_create(
            equipment_type=types[code], commune=None, commune_kind=kind, defaults={"quantity": quantity}
        )
    all_types = list(EquipmentType.objects.order_by("code"))
    defaults = dict(
        AllocationStandard.objects.filter(commune__isnull=True, commune_kind="").values_list(
            "equipment_type", "quantity"
        )
    )
    by_kind = {
        (t, k): q
        for t, k, q in AllocationStandard.objects.filter(commune__isnull=True)
        .exclude(commune_kind="")
        .values_list("equipment_type", "commune_kind", "quantity")
    }

    def standard(type_pk: int, kind: str) -> int:
        return by_kind.get((type_pk, kind), defaults.get(type_pk, 0))

    provinces = {p.code: p for p in Province.objects.order_by("code")}
    existing = {
        w.province_id: w for w in Warehouse.objects.filter(district__isnull=True, name__startswith="Kho trang bị")
    }
    new = [Warehouse(province_id=code, name=f"Kho trang bị {_police_unit(p)}") for code, p in provinces.items()
           if code not in existing]  # fmt: skip
    Warehouse.objects.bulk_create(new)
    stores = {
        w.province_id: w.pk for w in Warehouse.objects.filter(district__isnull=True, name__startswith="Kho trang bị")
    }
    run.count("warehouses", len(new))

    equipped_before = set(Issuance.objects.values_list("commune_id", flat=True).distinct())
    communes = [
        c
        for c in Commune.objects.exclude(coverage=Coverage.UNCOVERED)
        .order_by("code")
        .values_list("code", "kind", "district__province_id", "coverage")
        if c[0] not in equipped_before
    ]
    chiefs = dict(
        Assignment.objects.filter(ended_on__isnull=True, post=Post.CHIEF).values_list("commune_id", "officer_id")
    )
    chief_since = dict(
        Assignment.objects.filter(ended_on__isnull=True, post=Post.CHIEF).values_list("commune_id", "started_on")
    )
    staff = defaultdict(list)
    for commune, officer in (
        Assignment.objects.filter(ended_on__isnull=True)
        .exclude(post=Post.CHIEF)
        .values_list("commune_id", "officer_id")
    ):
        staff[commune].append(officer)
    run.log(f"  catalogue, stores and covered communes read (at {time.monotonic() - run.started:.1f} s)")
    staffed = [c for c in communes if c[0] in chiefs]
    unstaffed = [c for c in communes if c[0] not in chiefs]
    rng.shuffle(staffed)
    rng.shuffle(unstaffed)
    by_province = defaultdict(list)
    for c in communes:
        by_province[c[2]].append(c[0])

    serials = Counter()
    holding: dict[int, tuple[Issuance, int]] = {}  # id(item) → its active issuance and province
    items: list[EquipmentItem] = []
    issuances: list[Issuance] = []

    def new_item(equipment_type, province: int, received_on, status) -> EquipmentItem:
        serials[equipment_type.code] += 1
        item = EquipmentItem(
            equipment_type_id=equipment_type.pk, serial_number=f"{PREFIX}-{equipment_type.code.upper()}-"
            f"{serials[equipment_type.code]:07d}", warehouse_id=stores[province], status=status,
            received_on=received_on,
        )  # fmt: skip
        items.append(item)
        return item

    def issue(equipment_type, commune: int, province: int, on, *, item=None, quantity=1, officer=None,
              status=IssuanceStatus.ACTIVE, closed_on=None, condition="") -> Issuance:  # fmt: skip
        issuance = Issuance(
            equipment_type_id=equipment_type.pk, quantity=quantity, warehouse_id=stores[province],
            commune_id=commune, officer_id=officer, issued_on=on, issued_by_id=user.pk, status=status,
            closed_on=closed_on, return_condition=condition,
        )  # fmt: skip
        issuance.item = item
        issuances.append(issuance)
        if item is not None and status == IssuanceStatus.ACTIVE:
            holding[id(item)] = (issuance, province)
        return issuance

    issued_budget = round(volumes.items * ISSUED_SHARE)
    equipped = []
    for code, kind, province, coverage in staffed + unstaffed:
        needs = {t.pk: standard(t.pk, kind) for t in all_types}
        if rng.random() > (0.8 if code in chiefs else 0.6):  # short of one or two types
            for t in rng.sample(all_types, k=min(len(all_types), rng.choice([1, 1, 2]))):
                needs[t.pk] = max(needs[t.pk] - rng.randint(1, 2), 0)
        serial_need = sum(needs[t.pk] for t in all_types if t.is_serialized)
        if serial_need > issued_budget:
            break
        issued_budget -= serial_need
        if coverage == Coverage.PILOT and code in chief_since:
            on = _within(rng, chief_since[code], 60, today)
        elif rng.random() < 0.45:
            on = plan_start - datetime.timedelta(days=rng.randint(1, 700))
        else:
            on = _later(rng, plan_start, today)
        equipped.append((code, province, on))
        for t in all_types:
            if not needs[t.pk]:
                continue
            issued_on = _within(rng, on, 20, today)
            if not t.is_serialized:
                issue(t, code, province, issued_on, quantity=needs[t.pk])
                continue
            for unit in range(needs[t.pk]):
                received = issued_on - datetime.timedelta(days=rng.randint(5, 120))
                item = new_item(t, province, received, ItemStatus.ISSUED)
                holder = chiefs.get(code) if unit == 0 and t.category == "communication" else None
                issue(t, code, province, issued_on, item=item, officer=holder)

    # Phones for the other officers of the equipped communes, while items last.
    phone = types.get("dien-thoai") or next((t for t in all_types if t.is_serialized), None)
    if phone is not None:
        for code, province, on in equipped:
            for officer in staff.get(code, []):
                if issued_budget <= 0:
                    break
                issued_budget -= 1
                issued_on = _within(rng, on, 90, today)
                item = new_item(phone, province, issued_on - datetime.timedelta(days=rng.randint(5, 60)),
                                ItemStatus.ISSUED)  # fmt: skip
                issue(phone, code, province, issued_on, item=item, officer=officer)
    held_items = list(items)

    # Some held items came back once before; the rest of the items are in a store, in repair, lost or retired.
    serialized = [t for t in all_types if t.is_serialized]
    type_of = {t.pk: t for t in all_types}
    province_codes = [code for code in provinces if by_province[code]]
    for item in rng.sample(held_items, k=round(0.03 * len(held_items))):
        current, province = holding[id(item)]
        gap = rng.randint(100, 500)
        earlier_on = current.issued_on - datetime.timedelta(days=gap)
        closed = earlier_on + datetime.timedelta(days=rng.randint(10, gap - 1))
        item.received_on = min(item.received_on, earlier_on - datetime.timedelta(days=rng.randint(5, 60)))
        issue(type_of[item.equipment_type_id], rng.choice(by_province[province]), province, earlier_on, item=item,
              status=IssuanceStatus.RETURNED, closed_on=closed, condition=ReturnCondition.GOOD)  # fmt: skip
    outcomes = [(ItemStatus.IN_STOCK, None), (ItemStatus.IN_STOCK, ReturnCondition.GOOD),
                (ItemStatus.IN_REPAIR, ReturnCondition.DAMAGED), (ItemStatus.LOST, "lost"),
                (ItemStatus.RETIRED, ReturnCondition.UNUSABLE)]  # fmt: skip
    for _ in range(max(volumes.items - len(items), 0)):
        t = rng.choice(serialized)
        province = rng.choice(province_codes) if province_codes else next(iter(provinces))
        status, returned = rng.choices(outcomes, weights=[75, 10, 7, 5, 3])[0]
        if returned is None or not by_province[province]:
            new_item(t, province, today - datetime.timedelta(days=rng.randint(0, 300)), ItemStatus.IN_STOCK)
            continue
        issued_on = today - datetime.timedelta(days=rng.randint(60, 360))
        closed = min(today, issued_on + datetime.timedelta(days=rng.randint(10, 50)))
        item = new_item(t, province, issued_on - datetime.timedelta(days=rng.randint(5, 90)), status)
        if returned == "lost":
            issue(t, rng.choice(by_province[province]), province, issued_on, item=item, status=IssuanceStatus.LOST,
                  closed_on=closed)  # fmt: skip
        else:
            issue(t, rng.choice(by_province[province]), province, issued_on, item=item,
                  status=IssuanceStatus.RETURNED, closed_on=closed, condition=returned)  # fmt: skip

    run.log(
        f"  {len(items):,} items and {len(issuances):,} issuances planned (at {time.monotonic() - run.started:.1f} s)"
    )
    for start in range(0, len(items), FLUSH_EVERY):
        _write(EquipmentItem, items[start : start + FLUSH_EVERY], user, history=False)
    run.count("equipment items", len(items))
    for issuance in issuances:
        issuance.item_id = issuance.item.pk if issuance.item else None
    for start in range(0, len(issuances), FLUSH_EVERY):
        _write(Issuance, issuances[start : start + FLUSH_EVERY], user, history=True)
    run.count("issuances", len(issuances))

    have = set(StockLevel.objects.values_list("warehouse_id", "equipment_type_id"))
    levels = [
        StockLevel(warehouse_id=store, equipment_type_id=t.pk, quantity=rng.randint(50, 400))
        for store in stores.values()
        for t in all_types
        if not t.is_serialized and (store, t.pk) not in have
    ]
    _write(StockLevel, levels, user, history=True)
    run.count("stock levels", len(levels))
    run.log(f"  communes equipped (in full or in part): {len(equipped):,}")


# --- snapshots -------------------------------------------------------------------------------------------------


def _snapshots(run: _Run, volumes: Volumes, today) -> None:
    days = volumes.days
    first = today - datetime.timedelta(days=days - 1)
    existing = set(ProgressSnapshot.objects.filter(on__gte=first, on__lte=today).values_list("province_id", "on"))
    provinces = list(Province.objects.order_by("code").values_list("code", flat=True))
    if len(existing) >= days * (len(provinces) + 1):
        run.log("  every day already recorded")
        return
    _analyze(Commune, Assignment, Officer, Enrollment, TrainingSession, Issuance, EquipmentItem, AllocationStandard)
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


def _interpolated(now, covered: int, deployed: int, x: float) -> dict:
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
