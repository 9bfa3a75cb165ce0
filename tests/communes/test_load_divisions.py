import time

import pytest
from django.core.management import call_command

from communes.models import Commune, CommuneKind, Coverage, District, Province
from communes.services import commune_kind_from_name, divisions_load


@pytest.mark.django_db
def test_load_divisions_loads_kon_tum_by_default():
    call_command("load_divisions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Province.objects.count() == 1
    assert Province.objects.get().name == "Tỉnh Kon Tum"
    assert District.objects.count() == 10
    assert Commune.objects.count() == 102
    kinds = {kind: Commune.objects.filter(kind=kind).count() for kind in CommuneKind.values}
    assert kinds == {CommuneKind.WARD: 10, CommuneKind.TOWNSHIP: 7, CommuneKind.COMMUNE: 85}
    assert set(Commune.objects.values_list("coverage", flat=True)) == {Coverage.UNCOVERED}


@pytest.mark.django_db
def test_load_divisions_is_idempotent_and_keeps_user_attributes():
    first = divisions_load(province_codes=[62])
    assert first.created == {"provinces": 1, "districts": 10, "communes": 102}
    Commune.objects.filter(code=23344).update(is_key_area=True, population=4321)
    before = list(Commune.objects.order_by("code").values())

    second = divisions_load(province_codes=[62])

    assert not second.changed
    assert second.unchanged == {"provinces": 1, "districts": 10, "communes": 102}
    assert list(Commune.objects.order_by("code").values()) == before


@pytest.mark.django_db
def test_load_divisions_repairs_a_renamed_commune():
    divisions_load(province_codes=[62])
    Commune.objects.filter(code=23344).update(name="Xã Sai Tên", search_key="xa sai ten")
    counts = divisions_load(province_codes=[62])
    assert counts.updated["communes"] == 1
    assert Commune.objects.get(code=23344).name == "Xã Đắk Blô"


@pytest.mark.django_db
def test_load_divisions_all_loads_the_country_fast():
    started = time.monotonic()
    call_command("load_divisions", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115
    elapsed = time.monotonic() - started
    assert Province.objects.count() == 63
    assert District.objects.count() == 696
    assert Commune.objects.count() == 10_051
    assert elapsed < 60
    again = divisions_load()
    assert not again.changed


@pytest.mark.django_db
def test_load_divisions_repeatable_province_option():
    call_command("load_divisions", "--province", "62", "--province", "1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(Province.objects.values_list("code", flat=True)) == {1, 62}


@pytest.mark.django_db
def test_load_divisions_rejects_unknown_province():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="999"):
        call_command("load_divisions", "--province", "999")
    assert not Province.objects.exists()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Phường Quang Trung", CommuneKind.WARD),
        ("Thị trấn Đắk Glei", CommuneKind.TOWNSHIP),
        ("Xã Đắk Blô", CommuneKind.COMMUNE),
    ],
)
def test_commune_kind_comes_from_the_name_prefix(name, kind):
    assert commune_kind_from_name(name) == kind


def test_unknown_prefix_is_an_error():
    with pytest.raises(ValueError, match="prefix"):
        commune_kind_from_name("Làng Mới")
