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
- a row whose ``on`` is not today, or a commune without a row, makes the dashboard fall back to the set-based
  statement until the next refresh: the table is never read stale.

Two clerks writing to one commune at once: each refresh first locks the commune's row, then computes in a new
statement (READ COMMITTED: a fresh snapshot), so the transaction that commits last computed after the other one
committed. ``manage.py verify_progress`` recomputes every row from the sources and lists the differences.
"""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from communes.models import Commune
from rollout.core.figures_cache import states_touched
from rollout.models import CommuneState

STATE_FIELDS = ("is_covered", "norm", "officers_deployed", "officers_untrained", "is_equipped")
DERIVED_FIELDS = ("is_staffed", "is_operational")
REFRESH_BATCH = 2000


FEW_COMMUNES = 500  # up to this many, a refresh reads only their officers' enrolments (``rollout.progress.sql``)


def _computed(communes: QuerySet, on: datetime.date, few: bool = False) -> dict[int, dict]:
    """``{code: {field: value}}`` of ``communes`` on ``on``, from the sources (one query)."""
    from training.selectors import mandatory_courses

    if connection.vendor == "postgresql":
        from rollout.progress.sql import commune_states

        rows = commune_states(communes, on, mandatory_courses().count(), few=few)
    else:
        from rollout.progress.figures import with_progress

        rows = {row.pop("code"): row for row in with_progress(communes.order_by(), on).values("code", *STATE_FIELDS)}
    states = {}
    for code, row in rows.items():
        state = {name: row[name] for name in STATE_FIELDS}
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
    objects = [CommuneState(commune_id=code, on=on, **state) for code, state in states.items()]
    CommuneState.objects.bulk_create(
        objects,
        batch_size=REFRESH_BATCH,
        update_conflicts=True,
        unique_fields=["commune"],
        update_fields=["on", *STATE_FIELDS, *DERIVED_FIELDS, "refreshed_at"],
    )
    return len(objects)


def commune_states_differences(limit: int | None = None) -> tuple[int, list[dict]]:
    """Compare every commune's stored state with the one the sources give today: how many communes differ (a
    missing or extra row counts), and the first ``limit`` differences (``code``, ``stored``, ``computed``)."""
    on = timezone.localdate()
    computed = commune_states_compute(None, on)
    stored = {
        row.pop("commune_id"): row
        for row in CommuneState.objects.values("commune_id", "on", *STATE_FIELDS, *DERIVED_FIELDS)
    }
    differences = []
    for code in sorted(computed.keys() | stored.keys()):
        want, have = computed.get(code), stored.get(code)
        if want is not None:
            want = {"on": on, **want}
        if want != have:
            differences.append({"code": code, "stored": have, "computed": want})
    return len(differences), differences[:limit] if limit is not None else differences


# What a saved or deleted source touches ---------------------------------------------------------------------------

ALL = None


def _touched(instance) -> Iterable[int] | None:
    """The communes whose state a saved or deleted ``instance`` can change (None: all of them)."""
    label = instance._meta.label
    if label == "communes.Commune":
        return [instance.pk]
    if label in ("personnel.Assignment", "equipment.Issuance"):
        return [instance.commune_id]
    if label == "training.Enrollment":
        from personnel.models import Assignment

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


def source_changed(sender, instance, **kwargs) -> None:
    """``post_save``/``post_delete`` receiver for the sources: refresh the states of the communes touched."""
    if kwargs.get("raw"):  # fixtures loading: the command that loads them refreshes
        return
    touched = _touched(instance)
    if touched is ALL:
        states_touched(None)
        return
    touched = list(touched)
    if touched:
        states_touched(touched)


def states_changed(commune_codes: Iterable[int] | None = None) -> None:
    """The hook of ``rollout.core.figures_cache.figures_changed``: bulk writes past the signals."""
    commune_states_refresh(None if commune_codes is None else list(commune_codes))
