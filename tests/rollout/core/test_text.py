"""Text as the project stores and compares it: NFC whichever door it comes through, and the variants of a name
that the imports accept."""

import random
import unicodedata

import pytest
from django.urls import reverse

from communes.models import Commune
from personnel.choices import Rank
from personnel.models import Officer
from rollout.core.bulk import bulk_update_values
from rollout.core.text import VariantLookup, collation_key, header_key, loose_key, nfc
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


# --- the Vietnamese collation key: names in the order a Vietnamese roster or gazetteer puts them, by byte order


def in_order(names, **kwargs):
    shuffled = names[:]
    random.Random(12).shuffle(shuffled)  # noqa: S311 - a fixed shuffle, not a secret
    return sorted(shuffled, key=lambda name: collation_key(name, **kwargs))


def test_people_sort_by_given_name_then_middle_then_family_name():
    expected = [
        "Trần Văn An",  # An: given name first, whatever the family name
        "Nguyễn Thị Bích",
        "Lê Văn Bình",
        "Phạm Văn Bình",  # same given and middle names: the family name decides (L < P)
        "Hoàng Dũng",
        "Lê Đức",  # Đ after D
        "Đinh Văn Em",
        "Vũ Thị Hoa",
        "Nguyễn Văn Ơn",  # o < ô < ơ
        "Lý Văn Tú",
        "Mai Thị Tư",  # u < ư
        "Y Xuân",
    ]
    assert in_order(expected, person=True) == expected


def test_the_vietnamese_letters_come_in_their_alphabet_order():
    letters = [
        "a",
        "ă",
        "â",
        "b",
        "c",
        "d",
        "đ",
        "e",
        "ê",
        "g",
        "h",
        "i",
        "k",
        "l",
        "m",
        "n",
        "o",
        "ô",
        "ơ",
        "p",
        "q",
        "r",
        "s",
        "t",
        "u",
        "ư",
        "v",
        "x",
        "y",
    ]
    assert in_order([f"{letter}x" for letter in letters]) == [f"{letter}x" for letter in letters]


def test_tones_are_a_secondary_difference_in_their_order():
    # ngang, huyền, hỏi, ngã, sắc, nặng
    tones = ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
    assert in_order(tones) == tones
    # the letters decide before any tone: "Mạ" before "Man", "Mà An" after "Ma An" but before "Ma Anh"
    assert in_order(["Man", "Mạ", "Ma Anh", "Mà An", "Ma An"]) == ["Mạ", "Ma An", "Mà An", "Ma Anh", "Man"]


def test_a_shorter_name_sorts_before_a_longer_one_that_starts_like_it():
    assert in_order(["Anh", "An Bình", "An"]) == ["An", "An Bình", "Anh"]


def test_case_nfd_and_extra_spaces_do_not_change_the_key():
    assert collation_key("Nguyễn  Văn ĐỨC ", person=True) == collation_key("nguyễn văn đức", person=True)
    decomposed = "Nguye\u0302\u0303n Va\u0306n \u0110u\u031b\u0301c"  # NFD, as macOS types it
    assert collation_key(decomposed, person=True) == collation_key("Nguyễn Văn Đức", person=True)


def test_places_sort_without_their_unit_prefix_and_numbers_by_value():
    names = [
        "Phường 2",
        "Phường 10",
        "Xã Dục Nông",
        "Xã Đắk Ang",
        "Thị trấn Đắk Hà",
        "Xã Đắk Hà",  # the same name: the prefix breaks the tie
        "Phường Duy Tân",
        "Thành phố Kon Tum",
        "Huyện Kon Rẫy",
        "Xã Ngọk Tem",
        "Thị xã Ngọc Lây",
        "Phường Quyết Thắng",
    ]
    got = in_order(names)
    assert got.index("Phường 2") < got.index("Phường 10") < got.index("Xã Dục Nông")
    assert got.index("Xã Dục Nông") < got.index("Phường Duy Tân") < got.index("Xã Đắk Ang")
    assert got.index("Thị trấn Đắk Hà") == got.index("Xã Đắk Hà") - 1
    assert got.index("Huyện Kon Rẫy") < got.index("Thành phố Kon Tum") < got.index("Thị xã Ngọc Lây")
    assert got.index("Thị xã Ngọc Lây") < got.index("Xã Ngọk Tem") < got.index("Phường Quyết Thắng")


@pytest.mark.parametrize("name", ["", None, "  ", "'-"])
def test_empty_names_have_an_empty_key(name):
    assert collation_key(name) == collation_key(name, person=True) == ""


def test_the_key_is_printable_ascii_that_fits_its_column():
    key = collation_key("Nguyễn Thị Ngọc Phượng " * 5, person=True)
    assert key.isascii() and key.isprintable()
    assert len(key) <= 255
    assert len(collation_key("Đ" * 100)) <= 255
