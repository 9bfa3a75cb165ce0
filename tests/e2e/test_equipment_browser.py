import datetime

import pytest

from communes.models import Commune
from equipment.models import AllocationStandard, EquipmentType, Issuance, Warehouse
from personnel.services import assignment_create
from tests.builders.browser import sign_in
from tests.factories import OfficerFactory, vet_fully

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_receives_stock_and_equips_a_newly_covered_commune(page, live_server, demo_baseline, users, screenshot):
    admin = users["administrator"]
    radio = EquipmentType.objects.create(code="may-bo-dam", name="Máy bộ đàm cầm tay", category="communication",
                                         unit="chiếc")  # fmt: skip
    bike = EquipmentType.objects.create(code="xe-may", name="Xe mô tô tuần tra", category="vehicle", unit="chiếc")
    AllocationStandard.objects.create(equipment_type=radio, quantity=3)
    AllocationStandard.objects.create(equipment_type=bike, quantity=2)
    store = Warehouse.objects.create(name="Kho hậu cần Công an tỉnh", province_id=62)
    chief = vet_fully(OfficerFactory(full_name="A Thút"), admin)
    today = datetime.date.today()
    assignment_create(
        officer=chief, commune=Commune.objects.get(code=23347), post="chief", decision_number="30/QĐ",
        decision_date=today, started_on=today, created_by=admin,
    )  # fmt: skip
    sign_in(page, live_server, users["provincial_clerk"].username)

    # Receive stock
    page.goto(f"{live_server.url}/equipment/stock/")
    for type_pk, serials in ((radio.pk, "BD-0001\nBD-0002"), (bike.pk, "XM-0001")):
        receive = page.get_by_test_id("receive-form")
        receive.locator("select[name=warehouse]").select_option(str(store.pk))
        receive.locator("select[name=equipment_type]").select_option(str(type_pk))
        receive.locator("textarea[name=serial_numbers]").fill(serials)
        receive.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert page.get_by_test_id("items").locator("tbody tr").count() == 3
    screenshot("stock")

    # The commune starts short of everything
    page.goto(f"{live_server.url}/equipment/communes/23347/")
    holdings = page.get_by_test_id("holdings")
    assert holdings.locator("tr[data-type='may-bo-dam'] [data-testid=shortage]").inner_text().strip() == "3"
    assert holdings.locator("tr[data-type='xe-may'] [data-testid=shortage]").inner_text().strip() == "2"

    # Issue a radio to the chief, and a motorbike to the post
    for type_pk, serial, to_chief in ((radio.pk, "BD-0001", True), (bike.pk, "XM-0001", False)):
        form = page.get_by_test_id("issue-form")
        form.locator("select[name=equipment_type]").select_option(str(type_pk))
        form.locator("select[name=warehouse]").select_option(str(store.pk))
        form.locator("input[name=serial_number]").fill(serial)
        if to_chief:
            form.locator("select[name=officer]").select_option(str(chief.pk))
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
    holdings = page.get_by_test_id("holdings")
    assert holdings.locator("tr[data-type='may-bo-dam'] [data-testid=shortage]").inner_text().strip() == "2"
    assert holdings.locator("tr[data-type='xe-may'] [data-testid=shortage]").inner_text().strip() == "1"
    issued = page.get_by_test_id("issuances").inner_text()
    assert "BD-0001" in issued and "XM-0001" in issued and "A Thút" in issued
    screenshot("commune")
    assert Issuance.objects.filter(commune_id=23347, status="active").count() == 2

    # The chief's page lists the radio
    page.goto(f"{live_server.url}{chief.get_absolute_url()}")
    assert "BD-0001" in page.get_by_test_id("officer-equipment").inner_text()
