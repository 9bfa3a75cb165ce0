"""The divisions' own rules."""

import pytest

from communes.models import Province


@pytest.mark.parametrize(
    ("name", "place"),
    [("Tỉnh Kon Tum", "Kon Tum"), ("Thành phố Hà Nội", "Hà Nội"), ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
     ("Kon Tum", "Kon Tum")],
)  # fmt: skip
def test_a_province_s_place_name_is_its_name_without_its_unit(name, place):
    """As an official document's date line writes where it was drawn up ("Kon Tum, ngày … tháng … năm …")."""
    assert Province(code=1, name=name).place_name == place
