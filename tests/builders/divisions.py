"""Kon Tum's administrative units for tests, exactly as ``load_divisions`` and the demo baseline leave them.

Reading the GSO package (every province of the country) and the demo's bulk update cost most of a second per test
on this machine, and almost every test needs Kon Tum. So the real loaders run once per test process, inside a
transaction that is rolled back, and what they wrote is kept: each test then inserts those rows (three INSERTs).
"""

import importlib
from dataclasses import dataclass

from django.db import transaction

from communes.demo import demo_baseline_apply
from communes.models import Commune, District, Province
from communes.services import KON_TUM, divisions_load
from personnel.models import Language
from rollout.core.figures_cache import figures_changed

DEMO_DISTRICT = 610  # Huyện Đắk Glei


@dataclass(frozen=True)
class _Rows:
    provinces: list[dict]
    districts: list[dict]
    communes: list[dict]


_recorded: dict[bool, _Rows] = {}  # demo baseline or not → the rows the real loaders wrote


def migration_data_restore() -> None:
    """Put back the rows that data migrations create (languages) when a transactional test's flush removed them
    (user groups and permissions come back by themselves: ``post_migrate`` follows the flush)."""
    from django.apps import apps

    languages = importlib.import_module("personnel.migrations.0002_languages")
    if Language.objects.filter(code__in=[code for code, _name, _minority in languages.LANGUAGES]).count() != len(
        languages.LANGUAGES
    ):
        languages.add_languages(apps, None)


def kon_tum_load(*, demo: bool = False) -> Province:
    """Kon Tum's 10 districts and 102 communes as ``divisions_load`` writes them; with ``demo``, with the demo
    baseline applied too (48 communes covered, 54 uncovered)."""
    migration_data_restore()
    if Province.objects.exists():  # not the empty database the recording assumes: run the real loaders here
        divisions_load(province_codes=[KON_TUM])
        if demo:
            demo_baseline_apply()
        return Province.objects.get(code=KON_TUM)
    if demo not in _recorded:
        _recorded[demo] = _record(demo=demo)
    rows = _recorded[demo]
    Province.objects.bulk_create([Province(**row) for row in rows.provinces])
    District.objects.bulk_create([District(**row) for row in rows.districts])
    Commune.objects.bulk_create([Commune(**row) for row in rows.communes])
    figures_changed()  # bulk writes past the signals, as the loaders' (the communes' states; demo: the coverage)
    return Province.objects.get(code=KON_TUM)


def _record(*, demo: bool) -> _Rows:
    """Run the real loaders and read back every row they wrote, then roll them back."""
    with transaction.atomic():
        divisions_load(province_codes=[KON_TUM])
        if demo:
            demo_baseline_apply()
        rows = _Rows(
            provinces=list(Province.objects.values()),
            districts=list(District.objects.values()),
            communes=list(Commune.objects.values()),
        )
        transaction.set_rollback(True)
    return rows
