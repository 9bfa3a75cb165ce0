"""What every step of the national seed shares: the volumes asked, the run that logs, times and counts the steps
(one transaction each), the seed user the rows are written by, and the bulk writes."""

import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import User

PREFIX = "N"  # decisions N000001/QĐ-CAT, serials N-XE-MAY-0000001, certificates N-…
# Police numbers follow the rule every form and import checks (six digits, 123-456): the seed's start with 8
# (800-001…899-999; the Kon Tum demo's start with 9), so that its officers can be edited as any other.
POLICE_PREFIX = "8"
MAX_OFFICERS = 99_999


def police_number(n: int) -> str:
    """The ``n``-th seeded officer's police number (1 → 800-001)."""
    return f"{POLICE_PREFIX}{n // 1000:02d}-{n % 1000:03d}"


SEED = 63
SEED_USERNAME = "national-seed"
BATCH_SIZE = 5_000
FLUSH_EVERY = 25_000  # objects kept in memory before a bulk write
DAYS = 365


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
        if self.officers > MAX_OFFICERS:
            raise ValueError(f"At most {MAX_OFFICERS:,} officers (police numbers 800-001–899-999).")
        if self.assignments > self.officers * 0.95:  # every assignment needs an officer, and some are candidates
            raise ValueError("Too many assignments for the officers: keep assignments ≤ 0.95 × officers.")


@dataclass
class Result:
    created: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class Run:
    """The steps' log and their ``Result``: each step in its own transaction, timed, with what it created."""

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


def seed_user() -> User:
    """The inactive user the synthetic rows are created, decided and recorded by (no password: nobody logs in)."""
    user, created = User.objects.get_or_create(
        username=SEED_USERNAME, defaults={"first_name": "Dữ liệu", "last_name": "tổng hợp", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def write(model, objects: list, user: User, *, history: bool) -> list:
    """Bulk-insert ``objects``, with their ``simple_history`` rows by ``user`` when ``history``."""
    if not objects:
        return objects
    if history:
        return bulk_create_with_history(objects, model, batch_size=BATCH_SIZE, default_user=user)
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


def analyze(*models) -> None:
    """Refresh the planner's statistics of freshly filled tables (PostgreSQL; it sees this transaction's rows)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
