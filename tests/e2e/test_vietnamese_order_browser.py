"""A clerk's officer list in Vietnamese order: opened from the menu, sorted by a clicked column, the sort kept on
the next page; on a desktop and on a phone, in Vietnamese."""

import re

import pytest
from playwright.sync_api import expect

from rollout.core.text import collation_key
from tests.builders.browser import DESKTOP, PHONE, open_menu, sign_in
from tests.factories import OfficerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GIVEN = [
    "An",
    "Ánh",
    "Bình",
    "Cường",
    "Dũng",
    "Đức",
    "Em",
    "Giang",
    "Hà",
    "Hải",
    "Hoa",
    "Khánh",
    "Lan",
    "Long",
    "Minh",
    "Nam",
    "Ngọc",
    "Oanh",
    "Ơn",
    "Phúc",
    "Quân",
    "Sơn",
    "Tú",
    "Tư",
    "Uyên",
    "Vân",
    "Xuân",
    "Yến",
]
FAMILIES = ["Trần Văn", "Nguyễn Thị"]  # 56 officers: two pages of 50


def names_on_page(page) -> list[str]:
    return [name.strip() for name in page.get_by_test_id("officer-row").locator("td:nth-child(2) a").all_inner_texts()]


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_clerk_sorts_the_officer_list_and_the_sort_stays_on_page_two(page, live_server, kon_tum, users, screenshot):
    names = [f"{family} {given}" for family in FAMILIES for given in GIVEN]
    for name in reversed(names):
        OfficerFactory(full_name=name)
    in_order = sorted(names, key=lambda n: collation_key(n, person=True))
    assert in_order[:4] == ["Nguyễn Thị An", "Trần Văn An", "Nguyễn Thị Ánh", "Trần Văn Ánh"]
    sign_in(page, live_server, users["provincial_clerk"].username)

    open_menu(page, "Cán bộ")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cán bộ")
    shown = names_on_page(page)
    assert len(shown) == 50
    assert shown == in_order[:50]
    # given name first: both Ans before any Ánh, Dũng before Đức, Tú before Tư
    assert shown.index("Nguyễn Thị An") < shown.index("Trần Văn Ánh")
    assert shown.index("Trần Văn Dũng") < shown.index("Nguyễn Thị Đức")
    assert shown.index("Nguyễn Thị Tú") < shown.index("Trần Văn Tư")
    screenshot("vietnamese-order")

    header = page.get_by_test_id("sort-name")
    expect(header).to_have_text(re.compile("Họ và tên"))
    header.click()  # ascending: the order it had
    page.wait_for_url(re.compile(r"[?&]sort=name\b"))
    page.get_by_test_id("sort-name").click()  # again: descending
    page.wait_for_url(re.compile(r"[?&]sort=-name\b"))
    first_page = names_on_page(page)
    assert first_page == in_order[::-1][:50]
    expect(page.get_by_test_id("sort-name")).to_contain_text("xếp giảm dần")
    screenshot("sorted-descending")

    page.get_by_role("link", name=re.compile("Trang sau")).click()
    page.wait_for_url(re.compile(r"sort=-name&page=2"))
    assert names_on_page(page) == in_order[::-1][50:]
    expect(page.get_by_text("Trang 2/2")).to_be_visible()
    expect(page.get_by_test_id("sort-name")).to_contain_text("xếp giảm dần")
    if page.viewport_size["width"] < 576:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot("page-two")
