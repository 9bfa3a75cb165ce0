"""The shared builders give what the real code gives: the Kon Tum the fixtures insert is the one the loaders
write."""

import pytest

from communes.demo import demo_baseline_apply
from communes.models import Commune, Coverage, District, Province
from communes.services import KON_TUM, divisions_load
from personnel.models import Language
from tests.builders.divisions import kon_tum_load

pytestmark = pytest.mark.django_db

FIELDS = {
    Province: ["code", "name", "kind", "search_key", "sort_key"],
    District: ["code", "province_id", "name", "kind", "search_key", "sort_key"],
    Commune: [
        "code", "district_id", "name", "kind", "is_key_area", "is_border", "border_country", "population",
        "staffing_norm", "baseline_covered_on", "coverage", "is_demo", "search_key", "sort_key",
    ],
}  # fmt: skip


def _rows() -> dict:
    return {model: list(model.objects.order_by("code").values_list(*fields)) for model, fields in FIELDS.items()}


@pytest.mark.parametrize("demo", [False, True], ids=["divisions", "demo-baseline"])
def test_the_inserted_kon_tum_is_what_the_loaders_write(demo):
    kon_tum_load(demo=demo)
    inserted = _rows()
    for model in (Commune, District, Province):
        model.objects.all().delete()

    divisions_load(province_codes=[KON_TUM])
    if demo:
        demo_baseline_apply()

    assert inserted == _rows()
    assert len(inserted[District]) == 10 and len(inserted[Commune]) == 102


def test_the_demo_baseline_leaves_54_communes_uncovered(demo_baseline):
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 54


def test_kon_tum_next_to_other_units_is_loaded_by_the_loaders_themselves():
    Province.objects.create(code=1, name="Thành phố Hà Nội", kind="municipality")
    assert kon_tum_load(demo=True).name == "Tỉnh Kon Tum"
    assert Commune.objects.filter(district__province_id=KON_TUM, coverage=Coverage.UNCOVERED).count() == 54


def test_the_languages_a_flush_removed_come_back_with_kon_tum():
    expected = set(Language.objects.values_list("code", "name"))
    Language.objects.all().delete()  # what a transactional test's flush does
    kon_tum_load()
    assert set(Language.objects.values_list("code", "name")) == expected and len(expected) == 9
