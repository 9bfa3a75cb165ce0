"""Each commune's current state (``rollout.models.CommuneState``), kept by the writes that change it.

The state is ``rollout.progress.figures.with_progress`` as of today, one row per commune: covered, staffing norm,
officers deployed and untrained among them, equipped, staffed and operational. The dashboard's figures for today
are one aggregate over these rows (``rollout.progress.figures``); figures as of another day (snapshots, backfill,
reports) keep the set-based definition.

Who keeps it:

- every save and delete of a source (``rollout.apps.PROGRESS_SOURCES``) refreshes the communes it touches, in the
  writer's transaction (``source_changed``, connected in ``RolloutConfig.ready``);
- bulk writes that send no signals call ``rollout.core.figures_cache.figures_changed(commune_codes=...)`` (all
  communes without codes), which this module registers as its hook;
- time passing (certificates expiring, dated assignments and issuances starting or ending) is the daily task
  ``rollout.refresh_commune_states``, which refreshes every commune;
- a row whose ``on`` is not today, whose ``basis`` is not the running code's (``state_basis``: the settings and
  the definition the state depends on, e.g. ``DEFAULT_STAFFING_NORM`` changed by a deployment), or a commune
  without a row, makes the dashboard fall back to the set-based statement until the next refresh: the table is
  never read stale. ``manage.py migrate`` (every deployment) then refreshes those rows (``refresh_stale``), and so
  does the nightly task.

A row written elsewhere (an assignment or an issuance moved to another commune, an enrolment given to another
officer, a standard or a plan moved) refreshes the communes it counted in before the write as well as those it
counts in after: ``source_before`` (``pre_save``/``pre_delete``) reads the row as stored, locked, and
``source_changed`` refreshes both.

Two clerks writing to one commune at once: each refresh first locks the commune's row, then computes in a new
statement (READ COMMITTED: a fresh snapshot), so the transaction that commits last computed after the other one
committed. An enrolment and an assignment of the same officer at once (the enrolment refreshes the communes of
the officer's current assignments; the assignment computes its commune from the officer's enrolments): both
lock the officer's row first (the services do, and so do the receivers below for any other writer), so one
waits for the other to commit and sees it. ``manage.py verify_progress`` recomputes every row from the sources
and lists the differences.
"""

import datetime
import hashlib
from collections.abc import Iterable
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from communes.models import Commune
from rollout.core.figures_cache import states_touched
from rollout.models import CommuneState

STATE_FIELDS = ("is_covered", "norm", "officers_deployed", "officers_untrained", "is_equipped")
PLACE_FIELDS = ("district_code", "province_code")  # where the commune is: copied for the national GROUP BY
DERIVED_FIELDS = ("is_staffed", "is_operational")
REFRESH_BATCH = 2000


FEW_COMMUNES = 500  # up to this many, a refresh reads only their officers' enrolments (``rollout.progress.sql``)

# The state's definition: raise it when what a stored row means changes (a new rule in ``rollout.progress.sql``),
# so that rows written by the previous code are not read as current (see ``state_basis``).
STATE_DEFINITION = 1


def state_basis() -> str:
    """A fingerprint of what a commune's state depends on besides the records: the definition above and the
    settings the statement reads (``DEFAULT_STAFFING_NORM``). Stored with each row; a row of another basis is
    read like a row of another day (not current) until it is refreshed."""
    depends_on = (STATE_DEFINITION, settings.DEFAULT_STAFFING_NORM)
    return hashlib.sha256(repr(depends_on).encode()).hexdigest()[:12]


def current_state(on: datetime.date | None = None, prefix: str = "") -> Q:
    """The condition a stored state meets when it can be read as today's (``prefix``: the path to it, e.g.
    ``"state__"`` from a commune)."""
    return Q(**{f"{prefix}on": on or timezone.localdate(), f"{prefix}basis": state_basis()})


def _computed(communes: QuerySet, on: datetime.date, few: bool = False) -> dict[int, dict]:
    """``{code: {field: value}}`` of ``communes`` on ``on``, from the sources (one query)."""
    from training.selectors import mandatory_courses

    if connection.vendor == "postgresql":
        from rollout.progress.sql import commune_states

        rows = commune_states(communes, on, mandatory_courses().count(), few=few)
    else:
        from rollout.progress.figures import with_progress

        place = {"district_code": F("district_id"), "province_code": F("district__province_id")}
        rows = {
            row.pop("code"): row
            for row in with_progress(communes.order_by(), on).values("code", *STATE_FIELDS, **place)
        }
    states = {}
    for code, row in rows.items():
        state = {name: row[name] for name in (*STATE_FIELDS, *PLACE_FIELDS)}
        state["officers_deployed"] = int(state["officers_deployed"] or 0)
        state["officers_untrained"] = int(state["officers_untrained"] or 0)
        state["is_covered"], state["is_equipped"] = bool(state["is_covered"]), bool(state["is_equipped"])
        state["is_staffed"] = state["officers_deployed"] >= state["norm"]
        state["is_operational"] = (
            state["is_covered"] and state["is_staffed"] and state["officers_untrained"] == 0 and state["is_equipped"]
        )
        states[code] = state
    return states


def commune_states_compute(commune_codes: Iterable[int] | None = None, on: datetime.date | None = None) -> dict:
    """The states the sources give now (``{code: {field: value}}``), for every commune or ``commune_codes``."""
    communes, few = Commune.objects.all(), False
    if commune_codes is not None:
        commune_codes = sorted(set(commune_codes))
        communes, few = communes.filter(code__in=commune_codes), len(commune_codes) <= FEW_COMMUNES
    return _computed(communes, on or timezone.localdate(), few)


@transaction.atomic
def commune_states_refresh(commune_codes: Iterable[int] | None = None) -> int:
    """Recompute the states of ``commune_codes`` (every commune when None) from the sources and store them, in
    the caller's transaction. Returns how many rows were written."""
    on = timezone.localdate()
    if commune_codes is not None:
        commune_codes = sorted({int(code) for code in commune_codes if code is not None})
        if not commune_codes:
            return 0
    rows = CommuneState.objects.all() if commune_codes is None else CommuneState.objects.filter(pk__in=commune_codes)
    # Lock the rows first, in one order, then compute in a new statement: see the module's docstring.
    list(rows.select_for_update().order_by("pk").values_list("pk", flat=True))
    states = commune_states_compute(commune_codes, on)
    basis = state_basis()
    objects = [CommuneState(commune_id=code, on=on, basis=basis, **state) for code, state in states.items()]
    CommuneState.objects.bulk_create(
        objects,
        batch_size=REFRESH_BATCH,
        update_conflicts=True,
        unique_fields=["commune"],
        update_fields=["on", "basis", *STATE_FIELDS, *PLACE_FIELDS, *DERIVED_FIELDS, "refreshed_at"],
    )
    return len(objects)


def stale_codes() -> list[int]:
    """The communes whose stored state cannot be read as today's: no row, a row of another day or of another
    basis (``state_basis``)."""
    stale = Commune.objects.exclude(current_state(prefix="state__"))
    return list(stale.order_by("code").values_list("code", flat=True))


def refresh_stale() -> int:
    """Refresh the communes of ``stale_codes`` (none: nothing written); how many rows were written."""
    codes = stale_codes()
    return commune_states_refresh(codes) if codes else 0


def states_after_migrate(sender, *, using="default", verbosity=1, stdout=None, plan=None, **kwargs) -> None:
    """``post_migrate`` of the rollout app: a deployment may change what the states depend on (the settings of
    ``state_basis``, the definition): refresh the rows written by the previous one, so that the dashboard reads
    them again from the first request. Only after ``migrate`` (``flush``, which the tests run, sends the signal
    without a plan: its tables are empty), on the default database, once no migration is left to apply (the
    sources' tables may not yet be what this code reads)."""
    from django.db.migrations.executor import MigrationExecutor

    if using != "default" or plan is None:
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    with transaction.atomic():
        written = refresh_stale()
    if written and verbosity and stdout is not None:
        stdout.write(f"  Refreshed {written} commune state(s) of another day or basis.")


def commune_states_differences(limit: int | None = None) -> tuple[int, list[dict]]:
    """Compare every commune's stored state with the one the sources give today: how many communes differ (a
    missing or extra row counts), and the first ``limit`` differences (``code``, ``stored``, ``computed``)."""
    on, basis = timezone.localdate(), state_basis()
    computed = commune_states_compute(None, on)
    stored = {
        row.pop("commune_id"): row
        for row in CommuneState.objects.values(
            "commune_id", "on", "basis", *STATE_FIELDS, *PLACE_FIELDS, *DERIVED_FIELDS
        )
    }
    differences = []
    for code in sorted(computed.keys() | stored.keys()):
        want, have = computed.get(code), stored.get(code)
        if want is not None:
            want = {"on": on, "basis": basis, **want}
        if want != have:
            differences.append({"code": code, "stored": have, "computed": want})
    return len(differences), differences[:limit] if limit is not None else differences


# What a saved or deleted source touches ---------------------------------------------------------------------------

ALL = None


def _lock_officers(officer_ids: Iterable[int]) -> None:
    """Lock the officers' rows (in a transaction; in pk order): an enrolment's refresh and an assignment's
    serialise on the officer (see the module's docstring)."""
    from personnel.models import Officer

    officer_ids = sorted({pk for pk in officer_ids if pk is not None})
    if officer_ids and connection.in_atomic_block:
        list(Officer.objects.select_for_update().filter(pk__in=officer_ids).order_by("pk").values_list("pk", flat=True))


def _touched(instance) -> Iterable[int] | None:
    """The communes whose state a saved or deleted ``instance`` can change (None: all of them)."""
    label = instance._meta.label
    if label == "communes.Commune":
        return [instance.pk]
    if label == "communes.District":  # its province, copied into its communes' states
        return Commune.objects.filter(district_id=instance.pk).values_list("code", flat=True)
    if label in ("personnel.Assignment", "equipment.Issuance"):
        return [instance.commune_id]
    if label == "training.Enrollment":
        from personnel.models import Assignment

        _lock_officers([instance.officer_id])  # then read their assignments in a new statement
        current = Q(ended_on__isnull=True) | Q(ended_on__gt=timezone.localdate())
        return Assignment.objects.filter(current, officer_id=instance.officer_id).values_list("commune_id", flat=True)
    if label == "equipment.AllocationStandard":
        if instance.commune_id is not None:
            return [instance.commune_id]
        if instance.commune_kind:
            return Commune.objects.filter(kind=instance.commune_kind).values_list("code", flat=True)
        return ALL
    if label == "rollout.PilotPlan":
        return Commune.objects.filter(district__province_id=instance.province_id).values_list("code", flat=True)
    return ALL  # a course, an equipment type: the rules of every commune


# The fields that say which communes a source row counts in (``_touched``): when a write changes them, the
# communes of the row as stored are refreshed too. A commune is its own row; a course or a type touches all.
PLACED_BY = {
    "personnel.Assignment": ("commune_id",),
    "equipment.Issuance": ("commune_id",),
    "training.Enrollment": ("officer_id",),
    "equipment.AllocationStandard": ("commune_id", "commune_kind"),
    "rollout.PilotPlan": ("province_id",),
}
BEFORE = "_states_touched_before"  # the instance attribute ``source_before`` leaves for ``source_changed``


def source_before(sender, instance, **kwargs) -> None:
    """``pre_save``/``pre_delete`` receiver for the sources: when the row as stored counts in other communes
    than the instance about to be written (moved to another commune, officer, kind or province; or deleted
    through a stale instance), note those communes for ``source_changed``. The stored row is read locked (inside
    a transaction), so that nobody moves it between this read and the write."""
    fields = PLACED_BY.get(instance._meta.label)
    if kwargs.get("raw") or not fields or instance.pk is None or instance._state.adding:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not set(fields) & {instance._meta.get_field(f).attname for f in update_fields}:
        return  # a save of other fields only
    using = kwargs.get("using") or "default"
    rows = type(instance)._base_manager.using(using).filter(pk=instance.pk).order_by()
    if connections[using].in_atomic_block:
        rows = rows.select_for_update(of=("self",))
    stored = rows.values(*fields).first()
    if stored is None or all(stored[name] == getattr(instance, name) for name in fields):
        return  # the row stays where it was: the communes of the instance are the ones
    # the row as stored, as ``_touched`` reads it (not a copy of the instance: it would share its related cache)
    touched = _touched(SimpleNamespace(_meta=instance._meta, pk=instance.pk, **stored))
    setattr(instance, BEFORE, ALL if touched is ALL else list(touched))


def source_changed(sender, instance, **kwargs) -> None:
    """``post_save``/``post_delete`` receiver for the sources: refresh the states of the communes touched, as the
    row is now and as it was stored before the write (``source_before``)."""
    if kwargs.get("raw"):  # fixtures loading: the command that loads them refreshes
        return
    before = instance.__dict__.pop(BEFORE, [])
    if instance._meta.label == "personnel.Assignment":
        _lock_officers([instance.officer_id])  # before computing from their enrolments: see the module docstring
    touched = _touched(instance)
    if touched is ALL or before is ALL:
        states_touched(None)
        return
    touched = {*touched, *before}
    if touched:
        states_touched(sorted(touched))


def states_changed(commune_codes: Iterable[int] | None = None) -> None:
    """The hook of ``rollout.core.figures_cache.figures_changed``: bulk writes past the signals."""
    commune_states_refresh(None if commune_codes is None else list(commune_codes))
