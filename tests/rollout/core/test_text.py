"""The Vietnamese collation key: names in the order a Vietnamese roster or gazetteer puts them, by byte order."""

import random

import pytest

from rollout.core.text import collation_key


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
