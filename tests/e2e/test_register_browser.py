"""The register in a real browser, in Vietnamese, from the menu, on a desktop and on a phone: a district clerk opens
the register of a past day, sees who held Đắk Man's posts then (the chief who had taken over, the deputy, neither of
the officers who had left), downloads it in Excel, and goes on to an officer's service record."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.builders.browser import DESKTOP, PHONE, open_menu, sign_in
from tests.builders.register import DAK_MAN, DAK_PEK, build_postings
from tests.builders.world import dmy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_clerk_opens_the_register_of_a_past_day_and_downloads_it(page, live_server, demo_baseline, users, screenshot):
    postings = build_postings(users["administrator"])
    a, b, c = (postings.officers[k] for k in "ABC")
    d4 = postings.days[4]
    sign_in(page, live_server, users["district_clerk"].username)

    open_menu(page, "Sổ theo dõi")
    expect(page.get_by_role("heading", name="Sổ theo dõi bố trí")).to_be_visible()
    expect(page.get_by_test_id("register-scope")).to_contain_text("Huyện Đắk Glei")
    page.get_by_label("Tính đến ngày").fill(dmy(d4))
    page.get_by_test_id("register-show").click()
    expect(page.get_by_test_id("register-scope")).to_contain_text(dmy(d4))

    man = page.locator(f"tr[data-commune='{DAK_MAN}']")
    expect(man).to_have_count(2)
    chief = page.locator(f"tr[data-commune='{DAK_MAN}'][data-post='chief']")
    expect(chief).to_contain_text(c.full_name)
    expect(chief).to_contain_text("03/QĐ-CAH")
    expect(chief.get_by_text("Đã tập huấn").locator("visible=true")).to_have_count(1)  # a column, or under the name
    deputy = page.locator(f"tr[data-commune='{DAK_MAN}'][data-post='deputy']")
    expect(deputy).to_contain_text(b.full_name)
    expect(deputy.get_by_text("Chưa tập huấn").locator("visible=true")).to_have_count(1)
    expect(page.get_by_test_id("register-table")).not_to_contain_text(a.full_name)  # A had handed over on d3
    expect(page.get_by_test_id("without-chief").locator(f"[data-code='{DAK_PEK}']")).to_be_visible()
    screenshot("register")

    with page.expect_download() as download:
        page.get_by_test_id("register-xlsx").click()
    assert download.value.suggested_filename == f"so-theo-doi-bo-tri_62-610_{d4:%Y-%m-%d}.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    cells = [str(cell) for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert c.full_name in cells and b.full_name in cells and a.full_name not in cells

    # On to the chief's service record, from the officer's page
    chief.get_by_role("link", name=c.full_name).click()
    page.get_by_test_id("service-record").click()
    page.wait_for_url(re.compile(r"/register/officers/\d+/$"))
    expect(page.get_by_role("heading", name=re.compile("Quá trình công tác"))).to_be_visible()
    events = page.get_by_test_id("chronology")
    expect(events).to_contain_text("Nhận bàn giao Máy bộ đàm, số sê-ri BD-001 cùng chức danh")
    expect(events).to_contain_text("03/QĐ-CAH")
    screenshot("service-record")
