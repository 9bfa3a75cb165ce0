import re

import pytest

from tests.builders.browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_signs_in_and_filters_the_commune_list(page, live_server, demo_baseline, users, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    screenshot("login")
    sign_in(page, live_server, users["provincial_clerk"].username)

    page.get_by_role("link", name=re.compile("^(Xã|Communes)$")).first.click()
    totals = page.get_by_test_id("commune-totals")
    assert re.search(r"102\b.*\b10\b.*\b54\b", totals.inner_text(), re.S), totals.inner_text()
    assert page.get_by_test_id("commune-table").locator("tbody tr").count() == 50
    screenshot("list")

    filters = page.get_by_test_id("commune-filter")
    filters.locator("select[name=district]").select_option(label="Huyện Đắk Glei")
    filters.locator("select[name=coverage]").select_option("uncovered")
    filters.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"district=610"))
    rows = page.get_by_test_id("commune-table").locator("tbody tr")
    names = rows.locator("td:nth-child(2)").all_inner_texts()
    assert names == [
        "Xã Đắk Man",
        "Xã Đắk Pék",
        "Xã Đắk Choong",
        "Xã Xốp",
        "Xã Mường Hoong",
        "Xã Ngọc Linh",
        "Xã Đắk KRoong",
        "Xã Đắk Môn",
    ]
    screenshot("filtered")

    page.get_by_role("link", name=re.compile("Xóa lọc|Clear")).click()
    page.locator("input[name=q]").fill("kon ray")
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url(re.compile(r"q=kon\+ray"))
    districts = set(page.get_by_test_id("commune-table").locator("tbody tr td:nth-child(3)").all_inner_texts())
    assert districts == {"Huyện Kon Rẫy"}

    page.get_by_test_id("commune-table").locator("tbody tr td:nth-child(2) a").first.click()
    assert page.locator("h1").inner_text().startswith(("Thị trấn", "Xã"))
    assert "Huyện Kon Rẫy" in page.locator(".breadcrumb").inner_text()
