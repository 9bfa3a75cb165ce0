"""Assigning and handing over in a real browser, in Vietnamese, from the menu, on a desktop and on a phone:

the district clerk chooses a suggestion (the form below is filled in place and focused, the page does not
reload), assigns the chief; then hands the commune over to a successor from the commune page, confirming, and
finds the equipment now with the successor. Without JavaScript the same links land on the form, preselected.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from communes.models import Commune, Coverage
from equipment import services as equipment_services
from equipment.models import Issuance
from personnel.models import Assignment
from tests.builders.browser import DESKTOP, PHONE, open_menu, sign_in
from tests.builders.equipment import DAK_MAN, items, make_catalogue
from tests.factories import OfficerFactory, vet_fully

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_dak_man(page) -> None:
    open_menu(page, "Xã")
    page.locator("input[name=q]").fill("dak man")
    page.locator("input[name=q]").press("Enter")
    page.get_by_role("link", name="Xã Đắk Man", exact=True).first.click()
    page.wait_for_url(re.compile(rf"/communes/{DAK_MAN}/$"))


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_clerk_chooses_in_place_assigns_then_hands_over_with_the_equipment(
    page, live_server, demo_baseline, users, screenshot
):
    today = datetime.date.today().strftime("%d/%m/%Y")
    clerk, admin = users["district_clerk"], users["administrator"]
    chief = vet_fully(OfficerFactory(full_name="Y Blông", police_number="456-789", district_id=610), admin)
    successor = vet_fully(OfficerFactory(full_name="A Thút", police_number="567-890", district_id=610), admin)
    catalogue = make_catalogue()
    (radio,) = items(catalogue.radio, "BD-0421", warehouse=catalogue.glei_store)
    sign_in(page, live_server, clerk.username)

    # The commune from the menu, then its assign page
    open_dak_man(page)
    page.get_by_role("link", name="Bố trí cán bộ").click()
    page.wait_for_url(re.compile(rf"/officers/assign/{DAK_MAN}/"))
    form = page.get_by_test_id("assign-form")

    # "Chọn" fills the form in place: no reload, the form is on screen and focused on what is left to type
    page.evaluate("window.__samePage = true")
    row = page.get_by_test_id("suggestions").locator(f"tr[data-officer='{chief.police_number}']")
    row.get_by_role("link", name=re.compile("^Chọn")).locator("visible=true").click()
    expect(form.locator("input[name=officer]")).to_have_value(chief.police_number)
    assert page.evaluate("window.__samePage === true")  # the page did not reload
    expect(form.locator("input[name=decision_number]")).to_be_focused()
    expect(form.get_by_test_id("assign-chosen")).to_contain_text("Đã chọn: Y Blông")
    expect(form.locator("input[name=decision_number]")).to_be_in_viewport()  # scrolled to (smoothly)
    screenshot("chosen")
    form.locator("select[name=post]").select_option("chief")
    form.locator("input[name=decision_number]").fill("41/QĐ-CAH")
    form.locator("input[name=decision_date]").fill(today)
    form.locator("input[name=started_on]").fill(today)
    form.get_by_role("button", name="Bố trí").click()
    page.wait_for_url(re.compile(rf"/communes/{DAK_MAN}/$"))
    expect(page.get_by_test_id("commune-assignments")).to_contain_text("Y Blông")
    assert Commune.objects.get(code=DAK_MAN).coverage == Coverage.PILOT

    # The district store hands the new chief a radio (the issuing pages have their own journeys)
    equipment_services.issuance_create(
        commune=Commune.objects.get(code=DAK_MAN), equipment_type=catalogue.radio, warehouse=catalogue.glei_store,
        issued_on=datetime.date.today(), user=clerk, item=radio, officer=chief,
    )  # fmt: skip

    # Hand the post over from the commune page
    page.reload()
    page.get_by_test_id("commune-assignments").get_by_role("link", name=re.compile("Kết thúc hoặc bàn giao")).click()
    expect(page.get_by_role("navigation", name="breadcrumb")).to_contain_text("Xã Đắk Man")
    end = page.get_by_test_id("end-form")
    expect(end.get_by_test_id("successor-fields")).to_be_hidden()  # a recall needs no successor
    page.get_by_test_id("successor-suggestions").locator(f"li[data-officer='{successor.police_number}']").get_by_role(
        "link", name=re.compile("^Chọn")
    ).click()
    expect(end.locator("input[name=successor]")).to_have_value(successor.police_number)
    expect(end.locator("input[name=mode][value=hand_over]")).to_be_checked()
    expect(end.get_by_test_id("successor-fields")).to_be_visible()
    expect(end.locator("input[name=decision_number]")).to_be_focused()
    end.locator("input[name=decision_number]").fill("42/QĐ-CAH")
    end.locator("input[name=decision_date]").fill(today)
    screenshot("hand-over")
    end.get_by_role("button", name="Tiếp tục").click()

    # The confirmation says what will happen; nothing is written before it
    confirmation = page.get_by_test_id("end-confirmation")
    expect(confirmation).to_contain_text("Y Blông thôi giữ chức danh Trưởng Công an xã tại Xã Đắk Man")
    expect(confirmation).to_contain_text("A Thút nhận chức danh Trưởng Công an xã")
    expect(confirmation.get_by_test_id("confirm-equipment")).to_contain_text("BD-0421")
    assert Assignment.objects.get(officer=chief).ended_on is None
    screenshot("confirm")
    page.get_by_role("button", name="Xác nhận bàn giao").click()
    page.wait_for_url(re.compile(rf"/communes/{DAK_MAN}/$"))
    expect(page.locator("main [role=alert]").first).to_contain_text("A Thút đã nhận chức danh")

    # The equipment is now with the successor
    page.get_by_role("link", name="Trang bị", exact=True).locator("visible=true").last.click()
    issued = page.get_by_test_id("issuances").locator("tr[data-testid=issuance]").filter(has_text="BD-0421")
    expect(issued).to_contain_text("A Thút")
    screenshot("equipment")
    assert Issuance.objects.get(item=radio).officer_id == successor.pk
    assert Assignment.objects.get(commune_id=DAK_MAN, ended_on__isnull=True).officer_id == successor.pk


def test_without_javascript_choose_lands_on_the_form_preselected(browser, live_server, demo_baseline, users):
    chief = vet_fully(OfficerFactory(full_name="Y Blông", district_id=610), users["administrator"])
    context = browser.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False, is_mobile=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, users["district_clerk"].username)
        page.goto(f"{live_server.url}/officers/assign/{DAK_MAN}/")
        row = page.get_by_test_id("suggestions").locator(f"tr[data-officer='{chief.police_number}']")
        row.get_by_role("link", name=re.compile("^Chọn")).locator("visible=true").click()
        page.wait_for_url(re.compile(r"#assign-form$"))
        form = page.get_by_test_id("assign-form")
        expect(form.locator("input[name=officer]")).to_have_value(chief.police_number)
        expect(form.get_by_test_id("assign-chosen")).to_contain_text("Y Blông")
        expect(form.locator("input[name=officer]")).to_be_in_viewport()
    finally:
        context.close()
