"""Text as the project stores and compares it: NFC whichever door it comes through, and the variants of a name
that the imports accept."""

import unicodedata

import pytest
from django.urls import reverse

from communes.models import Commune
from personnel.choices import Rank
from personnel.models import Officer
from rollout.core.bulk import bulk_update_values
from rollout.core.text import VariantLookup, header_key, loose_key, nfc
from rollout.core.widgets import is_clear_marker
from tests.factories import OfficerFactory, _years_ago


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


@pytest.mark.django_db
def test_a_form_posting_decomposed_text_stores_it_composed(client_as):
    data = {
        "police_number": "234-567", "full_name": nfd("Y Liêm"), "birth_date": _years_ago(27).strftime("%d/%m/%Y"),
        "gender": "male", "ethnicity": "xo_dang", "rank": Rank.TRUNG_UY,
        "current_unit": nfd("Công an huyện Đắk Glei"), "province": 62, "district": 610, "home_district": 610,
        "education": "university", "political_theory": "elementary", "phone": "0912345678",
    }  # fmt: skip

    response = client_as("provincial_clerk").post(reverse("personnel:officer_create"), data)

    assert response.status_code == 302
    officer = Officer.objects.get(police_number="234-567")
    assert officer.full_name == "Y Liêm" and is_nfc(officer.full_name)
    assert officer.current_unit == "Công an huyện Đắk Glei"
    assert Officer.objects.filter(full_name="Y Liêm").exists()  # found by the composed form
    assert is_nfc(officer.history.get().full_name)


@pytest.mark.django_db
def test_a_save_from_any_door_stores_nfc(kon_tum):
    officer = OfficerFactory(full_name=nfd("Nguyễn Thị Hằng"), current_unit=nfd("Phòng Cảnh sát"))

    stored = Officer.objects.values_list("full_name", "current_unit").get(pk=officer.pk)

    assert stored == ("Nguyễn Thị Hằng", "Phòng Cảnh sát")
    assert all(is_nfc(text) for text in stored)


@pytest.mark.django_db
def test_bulk_writes_store_nfc(kon_tum):
    commune = Commune.objects.get(code=23347)
    commune.name = nfd("Xã Đắk Man")

    bulk_update_values([commune], ["name"])

    assert Commune.objects.values_list("name", flat=True).get(code=23347) == "Xã Đắk Man"


def test_headers_compare_without_case_spaces_or_unicode_form():
    assert header_key(" MÃ XÃ ") == header_key("Mã xã") == header_key(nfd("mã  xã"))
    assert header_key("Ma xa") != header_key("Mã xã")


def test_the_clear_marker_in_its_spellings():
    for cell in ("(xóa)", "(xoá)", "(XÓA)", " ( Xoá ) ", nfd("(xóa)")):
        assert is_clear_marker(cell), cell
    for cell in ("xóa", "Xóa bỏ", "(xóa bỏ)", "", None, 0):
        assert not is_clear_marker(cell), cell


def test_a_variant_lookup_finds_loose_forms_only_when_they_name_one_value():
    lookup = VariantLookup([("Tiếng Việt", "vi"), ("Xơ Đăng", "xd"), ("Ba Na", "bn"), ("Bà Nà", "other")],
                           prefixes=("tieng",))  # fmt: skip

    assert [lookup.get(t) for t in ("Tiếng Xơ Đăng", "Xơ-đăng", "xơ đăng", "XƠ ĐĂNG", nfd("Xơ Đăng"))] == ["xd"] * 5
    assert lookup.get("Việt") == lookup.get("tieng viet") == "vi"
    assert lookup.get("Bà Nà") == "other" and lookup.get("Ba Na") == "bn"
    assert lookup.get("ba na") == "bn"  # the written form, case aside
    assert lookup.get("bana") is None  # "bana" is both Ba Na and Bà Nà: ambiguous
    assert loose_key("Tiếng", prefixes=("tieng",)) == "tieng"
    assert nfc(nfd("Liêm")) == "Liêm" and nfc(3) == 3
