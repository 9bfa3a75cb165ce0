"""Writes to administrative units: loading the GSO divisions, a commune's own attributes (the admin form and the
import, one at a time or in bulk) and recomputing coverage."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Value, When

from rollout.core import scoping
from rollout.core.bulk import bulk_update_rows, value_in
from rollout.core.figures_cache import figures_changed
from rollout.core.outbox import outbox_enqueue
from rollout.core.text import collation_key, fold

from .context_processors import DEMO_DATA_CACHE_KEY
from .models import Commune, CommuneKind, Coverage, District, DistrictKind, Province, ProvinceKind
from .readers import pilot_holding

KON_TUM = 62

_COMMUNE_PREFIXES = (
    ("Phường ", CommuneKind.WARD),
    ("Thị trấn ", CommuneKind.TOWNSHIP),
    ("Xã ", CommuneKind.COMMUNE),
)
_DISTRICT_PREFIXES = (
    ("Huyện ", DistrictKind.RURAL_DISTRICT),
    ("Quận ", DistrictKind.URBAN_DISTRICT),
    ("Thành phố ", DistrictKind.PROVINCIAL_CITY),
    ("Thị xã ", DistrictKind.TOWN),
)


def commune_kind_from_name(name: str) -> str:
    """Ward, township or commune, from the official name's prefix (the package's ``division_type`` is
    unreliable: it says "xã" for every unit)."""
    for prefix, kind in _COMMUNE_PREFIXES:
        if name.lower().startswith(prefix.lower()):
            return kind
    raise ValueError(f"Unknown commune-level unit prefix: {name!r}")


def district_kind_from_name(name: str) -> str:
    for prefix, kind in _DISTRICT_PREFIXES:
        if name.lower().startswith(prefix.lower()):
            return kind
    raise ValueError(f"Unknown district-level unit prefix: {name!r}")


def province_kind_from_name(name: str) -> str:
    return ProvinceKind.MUNICIPALITY if name.lower().startswith("thành phố ") else ProvinceKind.PROVINCE


def gso_divisions() -> list[dict]:
    """The nested province › district › ward data of ``vietnam-provinces`` 0.6.0 (the 3-level structure)."""
    import vietnam_provinces

    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as f:
        return json.load(f)


@dataclass
class LoadCounts:
    created: dict[str, int] = field(default_factory=lambda: {"provinces": 0, "districts": 0, "communes": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"provinces": 0, "districts": 0, "communes": 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {"provinces": 0, "districts": 0, "communes": 0})

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def _sync(model, key: str, rows: list[dict], fields: list[str], counts: LoadCounts) -> list:
    """Create missing rows and update rows whose ``fields`` differ, in bulk; leave everything else alone. Returns
    the codes created or updated."""
    existing = model.objects.in_bulk([row["code"] for row in rows])
    to_create, to_update = [], []
    for row in rows:
        current = existing.get(row["code"])
        if current is None:
            to_create.append(model(**row))
        elif any(getattr(current, name) != row[name] for name in fields):
            for name in fields:
                setattr(current, name, row[name])
            to_update.append(current)
    model.objects.bulk_create(to_create, batch_size=2000)
    model.objects.bulk_update(to_update, fields, batch_size=2000)
    counts.created[key] += len(to_create)
    counts.updated[key] += len(to_update)
    counts.unchanged[key] += len(rows) - len(to_create) - len(to_update)
    return [row.pk for row in (*to_create, *to_update)]


@transaction.atomic
def divisions_load(*, province_codes: Iterable[int] | None = None) -> LoadCounts:
    """Load provinces, districts and communes from the GSO data, in bulk and idempotently.

    ``province_codes=None`` loads every province. Names and kinds follow the official data; attributes
    maintained by users (key area, border, population, staffing norm, baseline) are never touched.
    """
    data = gso_divisions()
    if province_codes is not None:
        wanted = set(province_codes)
        unknown = wanted - {p["code"] for p in data}
        if unknown:
            raise ValueError(f"Unknown province code(s): {', '.join(map(str, sorted(unknown)))}")
        data = [p for p in data if p["code"] in wanted]

    provinces, districts, communes = [], [], []
    for p in data:
        provinces.append(
            {
                "code": p["code"],
                "name": p["name"],
                "kind": province_kind_from_name(p["name"]),
                "search_key": fold(p["name"]),
                "sort_key": collation_key(p["name"]),
            }
        )
        for d in p["districts"]:
            districts.append(
                {
                    "code": d["code"],
                    "province_id": p["code"],
                    "name": d["name"],
                    "kind": district_kind_from_name(d["name"]),
                    "search_key": fold(d["name"]),
                    "sort_key": collation_key(d["name"]),
                }
            )
            for w in d["wards"]:
                communes.append(
                    {
                        "code": w["code"],
                        "district_id": d["code"],
                        "name": w["name"],
                        "kind": commune_kind_from_name(w["name"]),
                        "search_key": fold(w["name"]),
                        "sort_key": collation_key(w["name"]),
                    }
                )

    counts = LoadCounts()
    _sync(Province, "provinces", provinces, ["name", "kind", "search_key", "sort_key"], counts)
    _sync(District, "districts", districts, ["province_id", "name", "kind", "search_key", "sort_key"], counts)
    changed = _sync(Commune, "communes", communes, ["district_id", "name", "kind", "search_key", "sort_key"], counts)
    if changed:
        figures_changed(commune_codes=changed)  # new communes, or a kind (its standards) changed: their states
    return counts


def coverage_recompute(*, commune_codes: Iterable[int] | None = None) -> int:
    """Store each commune's coverage: *baseline* when regular police held it before the pilot, *pilot* when it
    is held under the pilot (an active chief's assignment: the condition personnel registers,
    ``communes.readers``), otherwise *uncovered*. One UPDATE for any number of communes; returns how many rows
    changed."""
    expected = Case(
        When(baseline_covered_on__isnull=False, then=Value(Coverage.BASELINE)),
        When(pilot_holding(), then=Value(Coverage.PILOT)),
        default=Value(Coverage.UNCOVERED),
    )
    communes = Commune.objects.all()
    if commune_codes is not None:
        communes = communes.filter(code__in=list(commune_codes))
    with transaction.atomic():
        changed = communes.exclude(coverage=expected).update(coverage=expected)
        if changed:
            figures_changed(commune_codes=None if commune_codes is None else list(commune_codes))
    return changed


def coverage_recompute_on_commit(*, commune_codes: Iterable[int] | None = None) -> None:
    """Queue the coverage task through the outbox, in the current transaction: sent once it commits (in-process
    without Redis), kept while the broker cannot be reached."""
    codes = None if commune_codes is None else sorted(set(commune_codes))
    outbox_enqueue("communes.recompute_coverage", kwargs={"commune_codes": codes})


# What the province's clerks keep about a commune; its name, kind and district come from the GSO data, its coverage
# from the assignments.
COMMUNE_ATTRIBUTES = (
    "is_key_area", "is_border", "border_country", "population", "staffing_norm", "baseline_covered_on", "is_demo",
)  # fmt: skip


def _check_attributes(names: Iterable[str]) -> None:
    unknown = set(names) - set(COMMUNE_ATTRIBUTES)
    if unknown:
        raise ValueError(f"not a commune attribute: {', '.join(sorted(unknown))}")


# What the communes' stored states read of a commune's own attributes (its coverage follows ``baseline_covered_on``
# through ``coverage_recompute``, which says so itself).
STATE_ATTRIBUTES = ("staffing_norm",)


def communes_written(commune_codes: Iterable[int]) -> None:
    """What follows a change of communes' attributes, once the transaction commits: their coverage (a baseline
    date, which refreshes their stored states when it changes), the dashboard's figures and the demo-data banner.
    A changed staffing norm refreshes the states itself: the model's save (``commune_update``), or
    ``communes_bulk_update``."""
    coverage_recompute_on_commit(commune_codes=commune_codes)
    transaction.on_commit(lambda: cache.delete(DEMO_DATA_CACHE_KEY))


@transaction.atomic
def commune_update(*, commune: Commune, user, **changes) -> Commune:
    """Change a commune's own attributes (``COMMUNE_ATTRIBUTES``) in the user's area, with the model's checks."""
    _check_attributes(changes)
    commune = Commune.objects.select_for_update().select_related("district").get(pk=commune.pk)
    scoping.check_writable(user, commune)
    for name, value in changes.items():
        setattr(commune, name, value)
    commune.full_clean(validate_unique=False)
    commune.save()  # its post_save refreshes the commune's stored state
    communes_written([commune.code])
    return commune


def communes_bulk_update(communes: list[Commune], *, fields: Iterable[str], batch_size: int = 5000) -> None:
    """Write the attributes ``fields`` of communes already checked one by one (the import's rows: the model's
    checks and the user's area), in batches of one ``UPDATE … FROM unnest(…)``."""
    fields = list(fields)
    communes_bulk_update_rows(
        [(commune.pk, *(getattr(commune, name) for name in fields)) for commune in communes],
        fields=fields,
        batch_size=batch_size,
    )


def communes_bulk_update_rows(rows: list[tuple], *, fields: Iterable[str], batch_size: int = 5000) -> None:
    """``communes_bulk_update`` of ``rows`` — each a commune's code, then its values of ``fields`` — without
    building a model instance per commune (the rows of an import's plan), with the same consequences: coverage,
    the demo banner, and the stored states of the communes whose norm changed."""
    fields = list(fields)
    _check_attributes(fields)
    rows = list(rows)
    if not rows:
        return
    codes = [row[0] for row in rows]
    with transaction.atomic():
        # the communes whose stored state reads a changed value (an import writes every column of every row)
        read = [index for index, name in enumerate(fields, start=1) if name in STATE_ATTRIBUTES]
        changed = []
        if read:
            names = [fields[index - 1] for index in read]
            before = {
                row[0]: row[1:] for row in Commune.objects.filter(value_in("code", codes)).values_list("pk", *names)
            }
            changed = [row[0] for row in rows if before.get(row[0]) != tuple(row[index] for index in read)]
        bulk_update_rows(Commune, fields, rows, batch_size=batch_size)
        communes_written(codes)
        if changed:
            figures_changed(commune_codes=changed)  # bulk writes send no signals
