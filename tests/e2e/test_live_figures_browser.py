"""The dashboard is live: a provincial clerk assigns a chief to an uncovered commune from the menu, in
Vietnamese, on a desktop and on a phone, and the overview and the district's drill-down count it at the next page,
read from the commune's stored state (no cache to wait for)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from rollout.progress.states import commune_states_differences
from tests.builders.browser import DESKTOP, PHONE, open_menu, sign_in
from tests.builders.equipment import DAK_MAN
from tests.factories import OfficerFactory, vet_fully

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_an_assignment_shows_on_the_dashboard_at_once(page, live_server, demo_baseline, users, screenshot):
    today = datetime.date.today().strftime("%d/%m/%Y")
    clerk = users["provincial_clerk"]
    chief = vet_fully(OfficerFactory(full_name="Y Blông", police_number="456-789", district_id=610), clerk)
    sign_in(page, live_server, clerk.username)
    expect(page.get_by_test_id("covered")).to_have_text(re.compile(r"48\s*/\s*102"))

    # From the menu to Đắk Man, then its assign page
    open_menu(page, "Xã")
    page.locator("input[name=q]").fill("dak man")
    page.locator("input[name=q]").press("Enter")
    page.get_by_role("link", name="Xã Đắk Man", exact=True).first.click()
    page.wait_for_url(re.compile(rf"/communes/{DAK_MAN}/$"))
    page.get_by_role("link", name="Bố trí cán bộ").click()
    form = page.get_by_test_id("assign-form")
    row = page.get_by_test_id("suggestions").locator(f"tr[data-officer='{chief.police_number}']")
    row.get_by_role("link", name=re.compile("^Chọn")).locator("visible=true").click()
    form.locator("select[name=post]").select_option("chief")
    form.locator("input[name=decision_number]").fill("41/QĐ-CAT")
    form.locator("input[name=decision_date]").fill(today)
    form.locator("input[name=started_on]").fill(today)
    form.get_by_role("button", name="Bố trí").click()
    page.wait_for_url(re.compile(rf"/communes/{DAK_MAN}/$"))

    # The overview counts the commune at once, and the district's drill-down shows it covered
    open_menu(page, "Tổng quan")
    expect(page.get_by_test_id("covered")).to_have_text(re.compile(r"49\s*/\s*102"))
    screenshot("overview")
    page.get_by_test_id("district-row").filter(has_text="Huyện Đắk Glei").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/dashboard/district/610/$"))
    commune = page.locator(f"tr[data-testid=commune-row][data-code='{DAK_MAN}']")
    expect(commune.locator("[data-figure=covered]")).to_contain_text("Đã bố trí")
    expect(commune.locator("[data-figure=deployed]")).to_contain_text("1 /")
    screenshot("district")
    assert commune_states_differences()[0] == 0
