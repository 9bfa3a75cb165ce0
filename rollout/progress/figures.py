"""Where the pilot stands: the figures of the dashboard, the snapshots and the reports, computed in the database.

Every figure is computed *as of a day*, from dated records, so today's dashboard and a snapshot rebuilt for a
past day use the same definitions:

- a commune is **covered** when it had regular police before the pilot (baseline) or a chief's assignment is
  active that day;
- **deployed** officers are the active assignments of the communes; the **staffing norm** is the commune's own
  norm, else its province's plan default, else ``settings.DEFAULT_STAFFING_NORM`` (``communes.models.staffing_norm``,
  the one definition every page uses);
- a deployed officer is **trained** when they hold a valid pass of every mandatory course that day;
- a covered commune is **equipped** when it holds its standard of every equipment type that day;
- a commune is **operational** when covered, staffed to its norm, every officer assigned there trained, and
  equipped.

An area's **readiness** (*mức độ sẵn sàng*) is the mean of four shares, each of the whole area: communes covered
(of all communes), officers deployed (of the staffing norm, at most 100%), trained deployed officers (of the staffing
norm) and communes equipped (of all communes). Its level (``READINESS_LEVELS``): *ready* when every commune is
operational; *high* from 80%; *medium* from 50%; *low* below 50%; *none* for an area without communes.

An assignment is active on day D when it started by D and has not ended (``ended_on`` empty or after D); an
issuance is held likewise. One query gives the totals, and one query the rows of a table grouped by district or
by province, however many communes and officers there are.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from communes.models import Commune, Coverage, staffing_norm
from equipment.selectors import is_equipped
from personnel.choices import Post
from personnel.models import Assignment
from rollout.core.figures_cache import figures_version
from rollout.models import CommuneState
from rollout.progress.states import current_state
from training.selectors import mandatory_courses, mandatory_passed_by

FIGURES = ("communes", "covered", "staffing_norm", "deployed", "trained_deployed", "equipped", "operational")

# Readiness levels, from the best: (level, lowest readiness percentage). "ready" also needs every commune operational.
READINESS_HIGH = 80
READINESS_MEDIUM = 50
READINESS_LEVELS = ("ready", "high", "medium", "low", "none")


def _count(queryset) -> Coalesce:
    """COUNT(*) of ``queryset`` (correlated with the outer commune) as an integer expression, 0 when empty."""
    counted = queryset.order_by().values("commune").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_progress(communes: QuerySet, on: datetime.date | None = None) -> QuerySet:
    """Annotate each commune with its state on ``on`` (today by default): ``is_covered``, ``norm``,
    ``officers_deployed``, ``officers_untrained``, ``is_equipped``, ``is_staffed`` and ``is_operational``."""
    on = on or timezone.localdate()
    mandatory = mandatory_courses().count()
    active = Assignment.objects.active_on(on).filter(commune=OuterRef("pk"))
    if mandatory:
        untrained = _count(active.annotate(passed=mandatory_passed_by(OuterRef("officer_id"), on)).filter(
            passed__lt=mandatory
        ))  # fmt: skip
    else:
        untrained = Value(0)
    annotated = communes.annotate(
        is_covered=Q(coverage=Coverage.BASELINE) | Exists(active.filter(post=Post.CHIEF)),
        # the one definition (the same expression as ``Commune.objects.with_staffing_norm()``, so a queryset
        # already annotated with it gets the same ``norm`` again)
        norm=staffing_norm(),
        officers_deployed=_count(active),
        officers_untrained=untrained,
        is_equipped=is_equipped(on),
    )
    return annotated.annotate(
        is_staffed=Q(officers_deployed__gte=F("norm")),
        is_operational=Q(is_covered=True, officers_deployed__gte=F("norm"), officers_untrained=0, is_equipped=True),
    )


def _aggregates() -> dict:
    covered = Q(is_covered=True)
    return {
        "communes": Count("pk"),
        "covered": Count("pk", filter=covered),
        "staffing_norm": Coalesce(Sum("norm"), 0),
        "deployed": Coalesce(Sum("officers_deployed"), 0),
        "trained_deployed": Coalesce(Sum("officers_deployed") - Sum("officers_untrained"), 0),
        "equipped": Count("pk", filter=covered & Q(is_equipped=True)),
        "operational": Count("pk", filter=Q(is_operational=True)),
    }


@dataclass(frozen=True)
class Figures:
    """The headline figures of an area on a day."""

    communes: int = 0
    covered: int = 0
    staffing_norm: int = 0
    deployed: int = 0
    trained_deployed: int = 0
    equipped: int = 0
    operational: int = 0

    @property
    def uncovered(self) -> int:
        return self.communes - self.covered

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def covered_percent(self):
        return self._percent(self.covered, self.communes)

    @property
    def staffed_percent(self):
        return self._percent(self.deployed, self.staffing_norm)

    @property
    def trained_percent(self):
        """Of the deployed officers, the share trained."""
        return self._percent(self.trained_deployed, self.deployed)

    @property
    def equipped_percent(self):
        """Of the covered communes, the share equipped."""
        return self._percent(self.equipped, self.covered)

    @property
    def operational_percent(self):
        return self._percent(self.operational, self.communes)

    @property
    def readiness_percent(self) -> float | None:
        """The mean of the covered, staffed, trained and equipped shares, each of the whole area (the staffing share
        at most 100%): a district whose every commune is covered and mostly staffed, trained and equipped is
        well on, even while few of its communes meet every condition at once (*operational*)."""
        if not self.communes:
            return None
        norm = self.staffing_norm
        shares = (
            self.covered / self.communes,
            min(self.deployed / norm, 1) if norm else 1,
            min(self.trained_deployed / norm, 1) if norm else 1,
            self.equipped / self.communes,
        )
        return round(100 * sum(shares) / len(shares), 1)

    @property
    def readiness(self) -> str:
        """The readiness level (``READINESS_LEVELS``): ready (every commune operational), high, medium, low."""
        percent = self.readiness_percent
        if percent is None:
            return "none"
        if self.operational >= self.communes:
            return "ready"
        if percent >= READINESS_HIGH:
            return "high"
        if percent >= READINESS_MEDIUM:
            return "medium"
        return "low"

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in FIGURES}

    def values(self) -> tuple:
        """The figures in the order of ``FIGURES`` (``Figures(*values)`` gives them back)."""
        return (self.communes, self.covered, self.staffing_norm, self.deployed, self.trained_deployed, self.equipped,
                self.operational)  # fmt: skip

    @classmethod
    def total(cls, parts) -> "Figures":
        """The figures of an area from those of its parts (every figure is a count or a sum)."""
        parts = list(parts)
        return cls(**{name: sum(getattr(part, name) for part in parts) for name in FIGURES})


PER_COMMUNE = ("is_covered", "norm", "officers_deployed", "officers_untrained", "is_equipped", "is_staffed",
               "is_operational")  # fmt: skip


def commune_rows(communes: QuerySet, on: datetime.date, *, live: bool = False) -> list[dict]:
    """One dict per commune (``code``, ``name`` and ``PER_COMMUNE``), by code (one query). ``live`` (today): read
    from the stored states when every one is of today; otherwise, and as of another day, from the sources."""
    if live and on == timezone.localdate():
        expressions = {name: F(f"state__{name}") for name in PER_COMMUNE}
        current = ExpressionWrapper(current_state(on, "state__"), output_field=BooleanField())
        rows = list(communes.order_by("code").values("code", "name", state_current=current, **expressions))
        if all(row["state_current"] for row in rows):
            for row in rows:
                del row["state_current"]
            return rows
    # dicts: the ``is_covered`` annotation would clash with the model's property of that name
    return list(with_progress(communes.order_by(), on).order_by("code").values("code", "name", *PER_COMMUNE))


def _orm_grouped(communes: QuerySet, key: str | None, on: datetime.date) -> dict:
    annotated = with_progress(communes.order_by(), on)
    if key is None:
        return {0: annotated.aggregate(**_aggregates())}
    field = "district_id" if key == "district" else "district__province_id"
    rows = annotated.values(field).annotate(**_aggregates()).order_by(field)
    return {row.pop(field): row for row in rows}


def _state_aggregates(on: datetime.date) -> dict:
    covered = Q(state__is_covered=True)
    return {
        "fresh": Count("state", filter=current_state(on, "state__")),
        "communes": Count("pk"),
        "covered": Count("pk", filter=covered),
        "staffing_norm": Coalesce(Sum("state__norm"), 0),
        "deployed": Coalesce(Sum("state__officers_deployed"), 0),
        "trained_deployed": Coalesce(Sum(F("state__officers_deployed") - F("state__officers_untrained")), 0),
        "equipped": Count("pk", filter=covered & Q(state__is_equipped=True)),
        "operational": Count("pk", filter=Q(state__is_operational=True)),
    }


# The group keys of ``figures_by`` as the stored states' own columns (copied from the commune, kept by the refresh).
STATE_GROUPS = {None: None, "district": "district_code", "district__province": "province_code"}


def _is_every_commune(communes: QuerySet) -> bool:
    """``communes`` is the whole table: no filter, slice, distinct or combination (the country, for a user who
    sees everything)."""
    query = communes.query
    return (
        communes.model is Commune and not query.where and not query.is_sliced and not query.distinct
        and not query.combinator
    )  # fmt: skip


def _from_every_state(key: str | None, on: datetime.date) -> dict | None:
    """The figures of every commune per group, in one statement: a GROUP BY over the stored states alone (no join:
    each state keeps its commune's district and province) with the number of communes beside it; None unless
    every commune has a current state."""
    from rollout.progress.states import state_basis

    quote = connection.ops.quote_name
    group = STATE_GROUPS[key] or "0"
    sql = f"""
SELECT {group} AS key, COUNT(*) FILTER (WHERE {quote("on")} = %s AND basis = %s) AS fresh,
       COUNT(*) AS communes,
       COUNT(*) FILTER (WHERE is_covered) AS covered,
       COALESCE(SUM(norm), 0) AS staffing_norm,
       COALESCE(SUM(officers_deployed), 0) AS deployed,
       COALESCE(SUM(officers_deployed - officers_untrained), 0) AS trained_deployed,
       COUNT(*) FILTER (WHERE is_covered AND is_equipped) AS equipped,
       COUNT(*) FILTER (WHERE is_operational) AS operational,
       (SELECT COUNT(*) FROM {quote(Commune._meta.db_table)}) AS every_commune
FROM {quote(CommuneState._meta.db_table)}
GROUP BY 1
"""  # noqa: S608 - table and column names from the models, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [on, state_basis()])
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    every_commune = rows[0]["every_commune"] if rows else Commune.objects.count()
    if sum(row["fresh"] for row in rows) < every_commune:
        return None  # a commune without a row, or a row not of today or of another basis
    return {row["key"]: {name: int(row[name] or 0) for name in FIGURES} for row in rows if row["communes"]}


def _from_states(communes: QuerySet, key: str | None, on: datetime.date) -> dict | None:
    """The figures per group summed from the communes' stored states (``rollout.progress.states``), one aggregate;
    None when a commune of the area has no current state (not refreshed since midnight, of another basis, or
    new): the caller then computes them from the sources."""
    if _is_every_commune(communes):
        return _from_every_state(key, on)
    communes = communes.order_by()
    if key is None:
        rows = {0: communes.aggregate(**_state_aggregates(on))}
    else:
        field = "district_id" if key == "district" else "district__province_id"
        rows = {row.pop(field): row for row in communes.values(field).annotate(**_state_aggregates(on)).order_by()}
    if any(row["fresh"] < row["communes"] for row in rows.values()):
        return None
    rows = {group: row for group, row in rows.items() if row["communes"]}
    return {group: {name: int(row[name] or 0) for name in FIGURES} for group, row in rows.items()}


def _grouped(communes: QuerySet, key: str | None, on: datetime.date | None, live: bool = False) -> dict[int, Figures]:
    """The figures per group. ``live`` (today's dashboard): summed from the communes' stored states when every one
    is of today. Otherwise from the cache while nothing they depend on has changed (``rollout.core.figures_cache``):
    on PostgreSQL one set-based statement (``rollout.progress.sql``), elsewhere the ORM annotations above."""
    on = on or timezone.localdate()
    if live and on == timezone.localdate():
        try:
            rows = _from_states(communes, key, on)
        except EmptyResultSet:
            return {}
        if rows is not None:
            return {group: Figures(**values) for group, values in rows.items()}
    try:
        inner, params = communes.order_by().values("code").query.sql_with_params()
    except EmptyResultSet:  # ``.none()`` (a user who may see nothing): no groups, no query
        return {}
    digest = hashlib.sha256(repr((inner, params, key, on.isoformat())).encode()).hexdigest()[:32]
    cache_key = f"progress:{figures_version()}:{digest}"
    seconds = settings.PROGRESS_CACHE_SECONDS
    rows = cache.get(cache_key) if seconds else None
    if rows is None:
        if connection.vendor == "postgresql":
            from rollout.progress.sql import grouped_figures

            rows = grouped_figures(communes, key, on, mandatory_courses().count())
        else:
            rows = _orm_grouped(communes, key, on)
        rows = {group: {name: int(values[name] or 0) for name in FIGURES} for group, values in rows.items()}
        if seconds:
            cache.set(cache_key, rows, seconds)
    return {group: Figures(**values) for group, values in rows.items()}


def figures(communes: QuerySet, on: datetime.date | None = None, *, live: bool = False) -> Figures:
    """The headline figures over ``communes`` on ``on`` (at most two queries; none when cached). ``live``: today's,
    from the communes' stored states (one aggregate)."""
    return _grouped(communes, None, on, live).get(0) or Figures()


def figures_by(communes: QuerySet, key: str, on: datetime.date | None = None, *, live: bool = False) -> dict:
    """The figures per ``key`` ("district" or "district__province"), keyed by its code (at most two queries)."""
    return _grouped(communes, key, on, live)


def district_table(communes: QuerySet, on: datetime.date | None = None, *, live: bool = False) -> list[dict]:
    """One row per district of ``communes``: the district, its province's name and its figures (three queries)."""
    from communes.models import District

    by_district = figures_by(communes, "district", on, live=live)
    districts = District.objects.filter(pk__in=by_district).select_related("province").order_by("province_id", "code")
    return [{"district": district, "figures": by_district[district.pk]} for district in districts]
