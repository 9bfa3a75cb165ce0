"""Equipment pages through the test client: receiving stock, issuing to a commune and its officers, returns and
losses, the overview and shortage figures, the officer pages, who may do what, and query counts."""

import datetime
import io
import uuid

import pytest
from django.urls import reverse

from communes.models import Commune, CommuneKind, Coverage
from equipment import services
from equipment.demo import CATALOGUE, demo_equipment_create
from equipment.models import (
    AllocationStandard,
    EquipmentItem,
    EquipmentType,
    Handover,
    Issuance,
    IssuanceStatus,
    ItemStatus,
    StockLevel,
    Warehouse,
)
from personnel.choices import Post
from personnel.models import Assignment
from rollout.core.figures_cache import figures_changed
from tests.builders.equipment import (
    DAK_GLEI,
    DAK_MAN,
    DAK_PEK,
    PLEI_KAN,
    QUANG_TRUNG,
    TODAY,
    TOMORROW,
    TT_DAK_GLEI,
    YESTERDAY,
    db_state,
    dmy,
    holdings,
    items,
    make_catalogue,
    officer_at,
    rows_with,
)
from tests.factories import OfficerFactory, vet_fully

pytestmark = pytest.mark.django_db

STOCK_URL = reverse("equipment:stock")


@pytest.fixture
def cat(demo_baseline):
    return make_catalogue()


def commune_url(code: int) -> str:
    return reverse("equipment:commune_equipment", args=[code])


def receive_form(cat, **overrides):
    data = {
        "warehouse": cat.store.pk,
        "equipment_type": cat.radio.pk,
        "received_on": dmy(YESTERDAY),
        "serial_numbers": "",
        "quantity": "",
    }
    return data | overrides


def issue_form(cat, serial=None, equipment_type=None, **overrides):
    """The issue form as the clerk sends it, having picked the unit ``serial`` (of ``equipment_type`` when given)
    or, for a counted ``equipment_type``, its stock level from the list (a value the list never had, if none)."""
    stock = ""
    if serial:
        found = EquipmentItem.objects.filter(serial_number=serial)
        if equipment_type is not None:
            found = found.filter(equipment_type_id=equipment_type)
        item = found.first()
        stock = f"item-{item.pk if item else 999_999}"
    elif equipment_type is not None:
        level = StockLevel.objects.filter(equipment_type_id=equipment_type).first()
        stock = f"level-{level.pk if level else 999_999}"
    data = {"warehouse": "", "stock": stock, "quantity": "1", "officer": "", "issued_on": dmy(TODAY), "note": ""}
    return data | overrides


def issue(cat, commune_code, user, equipment_type=None, item=None, quantity=1, officer=None, issued_on=YESTERDAY):
    return services.issuance_create(
        commune=Commune.objects.get(code=commune_code), equipment_type=equipment_type or cat.radio,
        warehouse=cat.store, issued_on=issued_on, user=user, item=item, quantity=quantity, officer=officer,
    )  # fmt: skip


def stock_rows(response) -> dict[str, dict[str, str]]:
    html = response.content.decode()
    return rows_with(html[html.index('data-testid="items"') :], "data-serial")


# --- receiving stock -----------------------------------------------------------------------------------


def test_clerk_receives_serial_numbered_units(cat, client_as, users):
    client = client_as("provincial_clerk")
    response = client.post(
        STOCK_URL, receive_form(cat, serial_numbers=" BD-001\nBD-002,  BD-003 \n\n", received_on=dmy(YESTERDAY))
    )
    assert response.status_code == 302
    assert response["Location"] == STOCK_URL
    received = EquipmentItem.objects.filter(equipment_type=cat.radio).order_by("serial_number")
    assert [(i.serial_number, i.status, i.warehouse, i.received_on) for i in received] == [
        (serial, ItemStatus.IN_STOCK, cat.store, YESTERDAY) for serial in ("BD-001", "BD-002", "BD-003")
    ]
    assert {record.history_user for record in EquipmentItem.history.all()} == {users["provincial_clerk"]}

    page = client.get(STOCK_URL)
    assert page.status_code == 200
    shown = stock_rows(page)
    assert set(shown) == {"BD-001", "BD-002", "BD-003"}
    assert {row["data-status"] for row in shown.values()} == {ItemStatus.IN_STOCK}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"serial_numbers": "BD-001\nBD-002\nBD-001"}, "serial_numbers"),  # listed twice
        ({"serial_numbers": "BD-100, BD-009"}, "serial_numbers"),  # BD-009 is already registered
        ({"serial_numbers": ""}, "serial_numbers"),
        ({"serial_numbers": " \n , \n"}, "serial_numbers"),
        ({"serial_numbers": "X" * 61}, "serial_numbers"),  # longer than a serial number can be
        ({"serial_numbers": "BD-100", "received_on": dmy(TOMORROW)}, "received_on"),
        ({"serial_numbers": "BD-100", "received_on": "31/02/2025"}, "received_on"),
        ({"serial_numbers": "BD-100", "received_on": ""}, "received_on"),
        ({"serial_numbers": "BD-100", "equipment_type": 999_999}, "equipment_type"),
        ({"serial_numbers": "BD-100", "warehouse": ""}, "warehouse"),
    ],
)
def test_bad_serial_receipt_is_refused_and_nothing_written(cat, client_as, overrides, field):
    items(cat.radio, "BD-009", warehouse=cat.store)
    before = db_state()
    response = client_as("provincial_clerk").post(STOCK_URL, receive_form(cat, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'data-testid="form-errors"' in response.content.decode()
    assert db_state() == before


def test_already_registered_serials_are_named(cat, client_as):
    items(cat.radio, "BD-009", "BD-010", warehouse=cat.store)
    response = client_as("provincial_clerk").post(STOCK_URL, receive_form(cat, serial_numbers="BD-010\nBD-011\nBD-009"))
    error = " ".join(response.context["form"].errors["serial_numbers"])
    assert "BD-009" in error and "BD-010" in error and "BD-011" not in error
    assert not EquipmentItem.objects.filter(serial_number="BD-011").exists()


def test_the_same_serial_number_may_exist_for_another_type(cat, client_as):
    items(cat.radio, "SN-1", warehouse=cat.store)
    response = client_as("provincial_clerk").post(
        STOCK_URL, receive_form(cat, equipment_type=cat.motorbike.pk, serial_numbers="SN-1")
    )
    assert response.status_code == 302
    assert EquipmentItem.objects.filter(serial_number="SN-1").count() == 2


def test_clerk_receives_quantity_stock(cat, client_as):
    client = client_as("provincial_clerk")
    assert client.post(STOCK_URL, receive_form(cat, equipment_type=cat.baton.pk, quantity="20")).status_code == 302
    assert client.post(STOCK_URL, receive_form(cat, equipment_type=cat.baton.pk, quantity="5")).status_code == 302
    assert StockLevel.objects.get(warehouse=cat.store, equipment_type=cat.baton).quantity == 25
    assert not EquipmentItem.objects.exists()
    page = client.get(STOCK_URL)
    html = page.content.decode()
    levels = rows_with(html[html.index('data-testid="stock-levels"') :], "data-type")
    assert levels["dui-cao-su"]["data-quantity"] == "25"


@pytest.mark.parametrize("quantity", ["0", "-3", "", "mười", "1.5", "100001"])
def test_bad_quantity_is_refused_and_nothing_written(cat, client_as, users, quantity):
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=7, user=users["administrator"])
    before = db_state()
    response = client_as("provincial_clerk").post(
        STOCK_URL, receive_form(cat, equipment_type=cat.baton.pk, quantity=quantity)
    )
    assert response.status_code == 200
    assert "quantity" in response.context["form"].errors
    assert db_state() == before


def test_district_clerk_receives_only_into_warehouses_of_their_area(cat, client_as):
    client = client_as("district_clerk")
    page = client.get(STOCK_URL)
    assert set(page.context["form"].fields["warehouse"].queryset) == {cat.store, cat.glei_store}

    before = db_state()
    response = client.post(STOCK_URL, receive_form(cat, warehouse=cat.ngoc_hoi_store.pk, serial_numbers="BD-1"))
    assert "warehouse" in response.context["form"].errors
    assert db_state() == before

    assert (
        client.post(STOCK_URL, receive_form(cat, warehouse=cat.glei_store.pk, serial_numbers="BD-1")).status_code == 302
    )
    items(cat.radio, "NH-1", warehouse=cat.ngoc_hoi_store)
    # The list shows the units of the clerk's own warehouses only.
    assert set(stock_rows(client.get(STOCK_URL))) == {"BD-1"}
    assert set(stock_rows(client_as("provincial_clerk").get(STOCK_URL))) == {"BD-1", "NH-1"}


def test_stock_list_pages_and_filters(cat, client_as):
    items(cat.radio, *[f"BD-{n:03d}" for n in range(60)], warehouse=cat.store)
    EquipmentItem.objects.filter(serial_number="BD-007").update(status=ItemStatus.IN_REPAIR)
    client = client_as("committee")
    first = client.get(STOCK_URL)
    assert first.status_code == 200
    assert len(stock_rows(first)) == 50
    assert first.context["is_paginated"]
    second = client.get(STOCK_URL, {"page": "2"})
    assert len(stock_rows(second)) == 10
    assert client.get(STOCK_URL, {"page": "999"}).context["page_obj"].number == 2  # the nearest valid page
    assert client.get(STOCK_URL, {"page": "abc"}).context["page_obj"].number == 1
    assert set(stock_rows(client.get(STOCK_URL, {"status": "in_repair"}))) == {"BD-007"}
    assert 'data-testid="receive-form"' not in first.content.decode()  # the committee reads only


# --- issuing -------------------------------------------------------------------------------------------


def test_clerk_issues_a_radio_and_a_motorbike_to_a_newly_covered_commune_and_its_chief(cat, client_as, users):
    chief = officer_at(DAK_MAN, users["administrator"])
    assert Commune.objects.get(code=DAK_MAN).coverage == Coverage.PILOT
    items(cat.radio, "BD-001", "BD-002", warehouse=cat.store)
    items(cat.motorbike, "XM-001", warehouse=cat.store)
    client = client_as("provincial_clerk")
    url = commune_url(DAK_MAN)

    page = client.get(url)
    assert page.status_code == 200
    assert holdings(page) == {"may-bo-dam": (3, 0, 3), "xe-may": (2, 0, 2), "dui-cao-su": (5, 0, 5)}
    assert list(page.context["form"].fields["officer"].queryset) == [chief]

    response = client.post(url, issue_form(cat, serial="BD-002", officer=chief.pk, note="Cấp cho Trưởng"))
    assert response.status_code == 302
    assert response["Location"] == url
    response = client.post(url, issue_form(cat, equipment_type=cat.motorbike.pk, serial="XM-001"))
    assert response.status_code == 302

    page = client.get(url)
    assert holdings(page) == {"may-bo-dam": (3, 1, 2), "xe-may": (2, 1, 1), "dui-cao-su": (5, 0, 5)}
    radio, motorbike = Issuance.objects.order_by("pk")
    assert (radio.item.serial_number, radio.officer, radio.commune_id, radio.issued_by) == (
        "BD-002", chief, DAK_MAN, users["provincial_clerk"],
    )  # fmt: skip
    assert (motorbike.item.serial_number, motorbike.officer) == ("XM-001", None)
    assert radio.note == "Cấp cho Trưởng"
    assert set(EquipmentItem.objects.filter(status=ItemStatus.ISSUED).values_list("serial_number", flat=True)) == {
        "BD-002",
        "XM-001",
    }
    assert radio.history.first().history_user == users["provincial_clerk"]
    shown = rows_with(page.content.decode(), "data-pk")
    assert {shown[str(i.pk)]["data-status"] for i in (radio, motorbike)} == {IssuanceStatus.ACTIVE}
    # The shortage list counts the types the commune still falls short of.
    shortages = rows_with(client.get(reverse("equipment:shortages")).content.decode(), "data-code")
    assert shortages[str(DAK_MAN)]["data-unmet"] == "3"


def test_issuing_by_quantity_takes_from_stock(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=10, user=users["administrator"])
    client = client_as("provincial_clerk")
    before = db_state()
    response = client.post(commune_url(DAK_MAN), issue_form(cat, equipment_type=cat.baton.pk, quantity="11"))
    assert response.status_code == 200
    assert "quantity" in response.context["form"].errors
    assert db_state() == before

    assert (
        client.post(commune_url(DAK_MAN), issue_form(cat, equipment_type=cat.baton.pk, quantity="4")).status_code == 302
    )
    assert StockLevel.objects.get(equipment_type=cat.baton).quantity == 6
    assert holdings(client.get(commune_url(DAK_MAN)))["dui-cao-su"] == (5, 4, 1)


def test_issuing_to_an_uncovered_commune_is_refused(cat, client_as):
    items(cat.radio, "BD-001", warehouse=cat.store)
    assert Commune.objects.get(code=DAK_MAN).coverage == Coverage.UNCOVERED
    before = db_state()
    response = client_as("provincial_clerk").post(commune_url(DAK_MAN), issue_form(cat, serial="BD-001"))
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and "Xã Đắk Man" in errors[0]
    assert 'data-testid="form-errors"' in response.content.decode()
    assert db_state() == before


def test_issuing_to_an_officer_not_assigned_there_is_refused(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    elsewhere = officer_at(DAK_PEK, users["administrator"])
    unassigned = vet_fully(OfficerFactory(), users["administrator"])
    items(cat.radio, "BD-001", warehouse=cat.store)
    before = db_state()
    client = client_as("provincial_clerk")
    for officer in (elsewhere, unassigned):
        response = client.post(commune_url(DAK_MAN), issue_form(cat, serial="BD-001", officer=officer.pk))
        assert response.status_code == 200
        assert "officer" in response.context["form"].errors
        assert "Select a valid choice" not in str(response.context["form"].errors["officer"])  # a clear message
    assert db_state() == before


def test_an_officer_whose_assignment_ended_no_longer_receives(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    deputy = officer_at(DAK_MAN, users["administrator"], post=Post.DEPUTY)
    Assignment.objects.filter(officer=deputy).update(ended_on=TODAY)
    figures_changed(commune_codes=[DAK_MAN])  # written past the services
    items(cat.radio, "BD-001", warehouse=cat.store)
    response = client_as("provincial_clerk").post(
        commune_url(DAK_MAN), issue_form(cat, serial="BD-001", officer=deputy.pk)
    )
    assert "officer" in response.context["form"].errors
    assert not Issuance.objects.exists()


@pytest.mark.parametrize(
    ("setup", "overrides", "field"),
    [
        ("issued", {"serial": "BD-001"}, "stock"),  # issued to another commune since the page was opened
        ("repair", {"serial": "BD-001"}, "stock"),  # sent to repair meanwhile
        (None, {"serial": "BD-404"}, "stock"),  # no such unit
        (None, {"stock": ""}, "stock"),
        (None, {"stock": "item-abc"}, "stock"),
        (None, {"stock": "level-1; DROP"}, "stock"),
        ("district", {"serial": "BD-002", "warehouse": "WAREHOUSE"}, "stock"),  # kept in another warehouse
        (None, {"serial": "BD-001", "warehouse": "999999"}, "warehouse"),
        (None, {"serial": "BD-001", "issued_on": dmy(TOMORROW)}, "issued_on"),
        (None, {"serial": "BD-001", "issued_on": "2025-13-01"}, "issued_on"),
        (None, {"serial": "BD-001", "note": "x" * 501}, "note"),
        (None, {"serial": "BD-001", "token": "không-phải-uuid"}, "token"),
    ],
)
def test_bad_issue_is_refused_and_nothing_written(cat, client_as, users, setup, overrides, field):
    officer_at(DAK_MAN, users["administrator"])
    radio, _other = items(cat.radio, "BD-001", "BD-002", warehouse=cat.store)
    items(cat.motorbike, "XM-001", warehouse=cat.store)
    if setup == "issued":
        issue(cat, TT_DAK_GLEI, users["administrator"], item=radio)
    elif setup == "repair":
        EquipmentItem.objects.filter(pk=radio.pk).update(status=ItemStatus.IN_REPAIR)
    elif setup == "district":
        EquipmentItem.objects.filter(serial_number="BD-002").update(warehouse=cat.glei_store)
    if overrides.get("warehouse") == "WAREHOUSE":
        overrides["warehouse"] = cat.store.pk
    before = db_state()
    response = client_as("provincial_clerk").post(commune_url(DAK_MAN), issue_form(cat, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'data-testid="form-errors"' in response.content.decode()
    assert db_state() == before


def test_an_item_issued_once_cannot_be_issued_again_through_the_page(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    items(cat.radio, "BD-001", warehouse=cat.store)
    client = client_as("provincial_clerk")
    assert client.post(commune_url(DAK_MAN), issue_form(cat, serial="BD-001")).status_code == 302
    again = client.post(commune_url(TT_DAK_GLEI), issue_form(cat, serial="BD-001"))
    assert "stock" in again.context["form"].errors
    assert "BD-001" in " ".join(again.context["form"].errors["stock"])
    assert Issuance.objects.get().commune_id == DAK_MAN


# --- returns and losses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "item_status"),
    [("good", ItemStatus.IN_STOCK), ("damaged", ItemStatus.IN_REPAIR), ("unusable", ItemStatus.RETIRED)],
)
def test_return_through_the_page(cat, client_as, users, condition, item_status):
    chief = officer_at(DAK_MAN, users["administrator"])
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    issuance = issue(cat, DAK_MAN, users["administrator"], item=radio, officer=chief, issued_on=YESTERDAY)
    client = client_as("district_clerk")
    url = reverse("equipment:issuance_return", args=[issuance.pk])
    assert client.get(url).status_code == 200
    assert holdings(client.get(commune_url(DAK_MAN)))["may-bo-dam"] == (3, 1, 2)

    response = client.post(url, {"returned_on": dmy(TODAY), "condition": condition, "note": "Trả khi chuyển công tác"})
    assert response.status_code == 302
    assert response["Location"] == commune_url(DAK_MAN)
    issuance.refresh_from_db()
    radio.refresh_from_db()
    assert (issuance.status, issuance.closed_on, issuance.return_condition) == (
        IssuanceStatus.RETURNED,
        TODAY,
        condition,
    )
    assert radio.status == item_status
    assert issuance.history.first().history_user == users["district_clerk"]
    page = client.get(commune_url(DAK_MAN))
    assert holdings(page)["may-bo-dam"] == (3, 0, 3)
    assert rows_with(page.content.decode(), "data-pk")[str(issuance.pk)]["data-status"] == IssuanceStatus.RETURNED


@pytest.mark.parametrize(("condition", "back_in_stock"), [("good", 10), ("damaged", 6)])
def test_return_of_quantity_stock(cat, client_as, users, condition, back_in_stock):
    officer_at(DAK_MAN, users["administrator"])
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=10, user=users["administrator"])
    issuance = issue(cat, DAK_MAN, users["administrator"], equipment_type=cat.baton, quantity=4)
    response = client_as("provincial_clerk").post(
        reverse("equipment:issuance_return", args=[issuance.pk]), {"returned_on": dmy(TODAY), "condition": condition}
    )
    assert response.status_code == 302
    assert StockLevel.objects.get(equipment_type=cat.baton).quantity == back_in_stock


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"returned_on": dmy(TOMORROW), "condition": "good"}, "returned_on"),
        ({"returned_on": dmy(TODAY - datetime.timedelta(days=10)), "condition": "good"}, "returned_on"),  # too early
        ({"returned_on": "hôm qua", "condition": "good"}, "returned_on"),
        ({"returned_on": dmy(TODAY), "condition": "như mới"}, "condition"),
        ({"returned_on": dmy(TODAY), "condition": ""}, "condition"),
    ],
)
def test_bad_return_is_refused_and_nothing_written(cat, client_as, users, data, field):
    officer_at(DAK_MAN, users["administrator"])
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    issuance = issue(cat, DAK_MAN, users["administrator"], item=radio, issued_on=YESTERDAY)
    before = db_state()
    response = client_as("provincial_clerk").post(reverse("equipment:issuance_return", args=[issuance.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert db_state() == before


def test_a_closed_issuance_cannot_be_returned_or_lost_again(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    issuance = issue(cat, DAK_MAN, users["administrator"], item=radio)
    client = client_as("provincial_clerk")
    url = reverse("equipment:issuance_return", args=[issuance.pk])
    assert client.post(url, {"returned_on": dmy(TODAY), "condition": "damaged"}).status_code == 302
    before = db_state()
    again = client.post(url, {"returned_on": dmy(TODAY), "condition": "good"})
    assert again.status_code == 200
    assert again.context["form"].non_field_errors()
    lost = client.post(reverse("equipment:issuance_lost", args=[issuance.pk]), {"lost_on": dmy(TODAY), "note": "x"})
    assert lost.status_code == 200
    assert lost.context["form"].non_field_errors()
    assert db_state() == before
    assert EquipmentItem.objects.get().status == ItemStatus.IN_REPAIR


def test_loss_report_needs_a_note(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    issuance = issue(cat, DAK_MAN, users["administrator"], item=radio, issued_on=YESTERDAY)
    client = client_as("provincial_clerk")
    url = reverse("equipment:issuance_lost", args=[issuance.pk])
    before = db_state()
    for data, field in [
        ({"lost_on": dmy(TODAY), "note": ""}, "note"),
        ({"lost_on": dmy(TODAY), "note": "   "}, "note"),
        ({"lost_on": dmy(TOMORROW), "note": "Rơi xuống suối"}, "lost_on"),
        ({"lost_on": dmy(TODAY - datetime.timedelta(days=9)), "note": "Rơi xuống suối"}, "lost_on"),  # too early
    ]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert field in response.context["form"].errors, data
    assert db_state() == before

    response = client.post(url, {"lost_on": dmy(TODAY), "note": "Rơi xuống suối khi tuần tra"})
    assert response.status_code == 302
    issuance.refresh_from_db()
    assert (issuance.status, issuance.closed_on) == (IssuanceStatus.LOST, TODAY)
    assert "Rơi xuống suối khi tuần tra" in issuance.note
    assert EquipmentItem.objects.get().status == ItemStatus.LOST
    assert holdings(client.get(commune_url(DAK_MAN)))["may-bo-dam"] == (3, 0, 3)


# --- overview and shortage list ------------------------------------------------------------------------


def overview_rows(response) -> dict[str, dict[str, int]]:
    rows = rows_with(response.content.decode(), "data-type")
    return {
        code: {key[5:]: int(value) for key, value in attrs.items() if key not in ("data-type",)}
        for code, attrs in rows.items()
    }


def test_overview_figures(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    admin = users["administrator"]
    radios = items(cat.radio, "BD-1", "BD-2", "BD-3", "BD-4", warehouse=cat.store)
    items(cat.radio, "BD-G1", warehouse=cat.glei_store)
    items(cat.motorbike, "XM-1", warehouse=cat.store)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=30, user=admin)
    for radio in radios[:3]:
        issue(cat, DAK_MAN, admin, item=radio)
    issue(cat, QUANG_TRUNG, admin, equipment_type=cat.baton, quantity=7)  # more than the standard of 5
    returned = issue(cat, QUANG_TRUNG, admin, item=radios[3])
    services.issuance_return(issuance=returned, returned_on=TODAY, condition="damaged", user=admin)

    wards = Commune.objects.filter(kind=CommuneKind.WARD).count()
    assert wards == 10
    rows = overview_rows(client_as("provincial_clerk").get(reverse("equipment:overview")))
    assert rows["may-bo-dam"] == {
        "in-stock": 1, "held": 3, "standard": 3 * 102, "shortage": 3 * 102 - 3, "communes-short": 101,
    }  # fmt: skip
    assert rows["xe-may"] == {
        "in-stock": 1, "held": 0, "standard": 2 * 92 + wards, "shortage": 2 * 92 + wards, "communes-short": 102,
    }  # fmt: skip
    assert rows["dui-cao-su"] == {
        "in-stock": 23, "held": 7, "standard": 5 * 102, "shortage": 5 * 101, "communes-short": 101,
    }  # fmt: skip

    # A district clerk sees their district: its communes, and the stock of the province's warehouses.
    glei = Commune.objects.filter(district_id=DAK_GLEI).count()
    rows = overview_rows(client_as("district_clerk").get(reverse("equipment:overview")))
    assert rows["may-bo-dam"]["standard"] == 3 * glei
    assert rows["may-bo-dam"]["held"] == 3
    assert rows["dui-cao-su"]["held"] == 0
    assert rows["dui-cao-su"]["communes-short"] == glei


def test_shortage_list_shows_covered_communes_short_of_equipment(cat, client_as, users):
    admin = users["administrator"]
    officer_at(DAK_MAN, admin)
    client = client_as("provincial_clerk")
    response = client.get(reverse("equipment:shortages"))
    assert response.context["paginator"].count == 49  # 48 covered before the pilot and Đắk Man
    listed = rows_with(response.content.decode(), "data-code")
    assert str(DAK_PEK) not in listed  # uncovered communes are not listed
    assert listed[str(DAK_MAN)]["data-unmet"] == "3"

    # Đắk Man gets its full standard and leaves the list.
    radios = items(cat.radio, "BD-1", "BD-2", "BD-3", warehouse=cat.store)
    bikes = items(cat.motorbike, "XM-1", "XM-2", warehouse=cat.store)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=5, user=admin)
    for item in radios[:2]:
        issue(cat, DAK_MAN, admin, item=item)
    for item in bikes:
        issue(cat, DAK_MAN, admin, equipment_type=cat.motorbike, item=item)
    issue(cat, DAK_MAN, admin, equipment_type=cat.baton, quantity=5)
    listed = rows_with(client.get(reverse("equipment:shortages")).content.decode(), "data-code")
    assert listed[str(DAK_MAN)]["data-unmet"] == "1"
    issue(cat, DAK_MAN, admin, item=radios[2])
    response = client.get(reverse("equipment:shortages"))
    assert str(DAK_MAN) not in rows_with(response.content.decode(), "data-code")
    assert response.context["paginator"].count == 48

    # A commune's own standard overrides the default: Đắk Man now needs 4 radios.
    AllocationStandard.objects.create(equipment_type=cat.radio, commune_id=DAK_MAN, quantity=4)
    listed = rows_with(client.get(reverse("equipment:shortages")).content.decode(), "data-code")
    assert listed[str(DAK_MAN)]["data-unmet"] == "1"

    # A district clerk sees their district's communes only.
    district = client_as("district_clerk").get(reverse("equipment:shortages"))
    codes = {int(c) for c in rows_with(district.content.decode(), "data-code")}
    assert codes and set(Commune.objects.filter(code__in=codes).values_list("district_id", flat=True)) == {DAK_GLEI}


# --- the officer pages ---------------------------------------------------------------------------------


def test_officer_page_lists_what_the_officer_holds_and_end_page_warns(cat, client_as, users):
    admin = users["administrator"]
    chief = officer_at(DAK_MAN, admin)
    radio, _spare = items(cat.radio, "BD-001", "BD-002", warehouse=cat.store)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=5, user=admin)
    held = issue(cat, DAK_MAN, admin, item=radio, officer=chief)
    batons = issue(cat, DAK_MAN, admin, equipment_type=cat.baton, quantity=2, officer=chief)
    issue(cat, DAK_MAN, admin, item=_spare)  # the commune's, not the officer's
    client = client_as("provincial_clerk")

    page = client.get(chief.get_absolute_url())
    html = page.content.decode()
    section = html[html.index('data-testid="officer-equipment"') :]
    assert set(rows_with(section, "data-pk")) == {str(held.pk), str(batons.pk)}
    assert "BD-001" in section and "BD-002" not in section

    assignment = Assignment.objects.get(officer=chief)
    end_url = reverse("personnel:assignment_end", args=[assignment.pk])
    html = client.get(end_url).content.decode()
    assert 'data-testid="equipment-to-return"' in html
    assert set(rows_with(html[html.index('data-testid="officer-equipment"') :], "data-pk")) == {
        str(held.pk),
        str(batons.pk),
    }

    for issuance in (held, batons):
        services.issuance_return(issuance=issuance, returned_on=TODAY, condition="good", user=admin)
    html = client.get(end_url).content.decode()
    assert 'data-testid="equipment-to-return"' not in html
    section = client.get(chief.get_absolute_url()).content.decode()
    assert rows_with(section[section.index('data-testid="officer-equipment"') :], "data-pk") == {}


# --- who may do what -----------------------------------------------------------------------------------


@pytest.fixture
def scene(cat, users):
    """Đắk Man (Đắk Glei) and Phường Quang Trung (Kon Tum city) each hold one radio."""
    admin = users["administrator"]
    officer_at(DAK_MAN, admin)
    mine, theirs = items(cat.radio, "BD-1", "BD-2", warehouse=cat.store)
    return {
        "cat": cat,
        "mine": issue(cat, DAK_MAN, admin, item=mine),
        "theirs": issue(cat, QUANG_TRUNG, admin, item=theirs),
    }


READ_PAGES = ["overview", "shortages", "stock", "stock_export"]
WRITE_PAGES = ["items_import", "items_template"]

# role: (read pages, import pages, own commune page, other district's commune page, return/lost on own,
#        receipt of own, receipt of other district's)
ROLE_GETS = {
    "committee": (200, 403, 200, 200, 403, 200, 200),
    "provincial_clerk": (200, 200, 200, 200, 200, 200, 200),
    "district_clerk": (200, 200, 200, 404, 200, 200, 404),
    "administrator": (200, 200, 200, 200, 200, 200, 200),
    "no_role": (403, 403, 403, 403, 403, 403, 403),
}


@pytest.mark.parametrize("role", ROLE_GETS)
def test_role_matrix_for_pages(scene, client_as, role):
    read, imports, own, other, action, receipt_own, receipt_other = ROLE_GETS[role]
    client = client_as(role)
    for name in READ_PAGES:
        assert client.get(reverse(f"equipment:{name}")).status_code == read, name
    for name in WRITE_PAGES:
        assert client.get(reverse(f"equipment:{name}")).status_code == imports, name
    assert client.get(commune_url(DAK_MAN)).status_code == own
    assert client.get(commune_url(QUANG_TRUNG)).status_code == other
    for name in ("issuance_return", "issuance_lost"):
        assert client.get(reverse(f"equipment:{name}", args=[scene["mine"].pk])).status_code == action, name
    assert client.get(reverse("equipment:issuance_receipt", args=[scene["mine"].pk])).status_code == receipt_own
    assert client.get(reverse("equipment:issuance_receipt", args=[scene["theirs"].pk])).status_code == receipt_other


# role: (POSTs in the user's own area: receive, issue, return), (POSTs for another district's commune: issue, lost)
ROLE_POSTS = {
    "committee": (403, 403),
    "provincial_clerk": (302, 302),
    "district_clerk": (302, 404),
    "administrator": (302, 302),
    "no_role": (403, 403),
}


@pytest.mark.parametrize("role", ROLE_POSTS)
def test_role_matrix_for_writes(scene, client_as, role):
    own, other = ROLE_POSTS[role]
    cat = scene["cat"]
    items(cat.radio, "BD-3", "BD-4", warehouse=cat.store)
    client = client_as(role)
    before = db_state()

    elsewhere = {
        "issue": client.post(commune_url(QUANG_TRUNG), issue_form(cat, serial="BD-4")),
        "lost": client.post(
            reverse("equipment:issuance_lost", args=[scene["theirs"].pk]), {"lost_on": dmy(TODAY), "note": "Mất"}
        ),
    }
    assert {name: r.status_code for name, r in elsewhere.items()} == dict.fromkeys(elsewhere, other)
    if other == 302:
        assert Issuance.objects.filter(item__serial_number="BD-4", commune_id=QUANG_TRUNG).exists()
        assert Issuance.objects.get(pk=scene["theirs"].pk).status == IssuanceStatus.LOST
    else:
        assert db_state() == before

    before = db_state()
    mine = {
        "receive": client.post(STOCK_URL, receive_form(cat, serial_numbers="NEW-1")),
        "issue": client.post(commune_url(DAK_MAN), issue_form(cat, serial="BD-3")),
        "return": client.post(
            reverse("equipment:issuance_return", args=[scene["mine"].pk]),
            {"returned_on": dmy(TODAY), "condition": "good"},
        ),
    }
    assert {name: r.status_code for name, r in mine.items()} == dict.fromkeys(mine, own)
    if own == 302:
        assert EquipmentItem.objects.filter(serial_number="NEW-1").exists()
        assert Issuance.objects.filter(item__serial_number="BD-3", commune_id=DAK_MAN).exists()
        assert Issuance.objects.get(pk=scene["mine"].pk).status == IssuanceStatus.RETURNED
    else:
        assert db_state() == before


def test_provincial_and_admin_writes_reach_every_commune_of_the_province(scene, client_as):
    cat = scene["cat"]
    items(cat.radio, "BD-3", "BD-4", warehouse=cat.store)
    for role, serial in (("provincial_clerk", "BD-3"), ("administrator", "BD-4")):
        client = client_as(role)
        assert client.post(commune_url(QUANG_TRUNG), issue_form(cat, serial=serial)).status_code == 302
    url = reverse("equipment:issuance_return", args=[scene["theirs"].pk])
    assert client_as("provincial_clerk").post(url, {"returned_on": dmy(TODAY), "condition": "good"}).status_code == 302
    assert Issuance.objects.filter(commune_id=QUANG_TRUNG, status=IssuanceStatus.ACTIVE).count() == 2


def test_district_clerk_cannot_issue_from_another_districts_warehouse(scene, client_as):
    cat = scene["cat"]
    items(cat.radio, "NH-1", warehouse=cat.ngoc_hoi_store)
    before = db_state()
    response = client_as("district_clerk").post(
        commune_url(DAK_MAN), issue_form(cat, warehouse=cat.ngoc_hoi_store.pk, serial="NH-1")
    )
    assert "warehouse" in response.context["form"].errors
    assert db_state() == before


def test_committee_sees_no_write_controls(scene, client_as):
    html = client_as("committee").get(commune_url(DAK_MAN)).content.decode()
    assert 'data-testid="issue-form"' not in html
    assert reverse("equipment:issuance_return", args=[scene["mine"].pk]) not in html
    assert reverse("equipment:handover_receipt", args=[scene["mine"].handover_id]) in html
    html = client_as("provincial_clerk").get(commune_url(DAK_MAN)).content.decode()
    assert 'data-testid="issue-form"' in html
    assert reverse("equipment:issuance_return", args=[scene["mine"].pk]) in html


def test_anonymous_is_sent_to_login(scene, client):
    urls = [reverse(f"equipment:{name}") for name in READ_PAGES + WRITE_PAGES] + [
        commune_url(DAK_MAN),
        reverse("equipment:issuance_return", args=[scene["mine"].pk]),
        reverse("equipment:issuance_lost", args=[scene["mine"].pk]),
        reverse("equipment:issuance_receipt", args=[scene["mine"].pk]),
    ]
    before = db_state()
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/"), url
    assert db_state() == before


def test_unknown_commune_and_issuance_answer_404(scene, client_as):
    client = client_as("administrator")
    assert client.get(commune_url(99_999_999)).status_code == 404
    assert client.get(reverse("equipment:issuance_return", args=[987_654])).status_code == 404
    assert client.get(reverse("equipment:issuance_receipt", args=[987_654])).status_code == 404


# --- query counts --------------------------------------------------------------------------------------


def _demo_types():
    """The demo catalogue's types and default standards (as ``demo_equipment_create`` makes them)."""
    for code, name, category, unit, serialized, standard in CATALOGUE:
        equipment_type, _ = EquipmentType.objects.get_or_create(
            code=code, defaults={"name": name, "category": category, "unit": unit, "is_serialized": serialized}
        )
        AllocationStandard.objects.get_or_create(
            equipment_type=equipment_type, commune=None, commune_kind="", defaults={"quantity": standard}
        )


def _counts(client, urls, django_assert_max_num_queries, limit=None):
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(limit[url] if limit else 40) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    return counts


@pytest.mark.parametrize("role", ["provincial_clerk", "district_clerk"])
def test_query_counts_do_not_grow_with_communes_and_issuances(
    demo_baseline, client_as, users, django_assert_max_num_queries, role
):
    admin = users["administrator"]
    _demo_types()
    store = Warehouse.objects.create(province_id=62, name="Kho thử")
    radio = EquipmentType.objects.get(code="may-bo-dam")
    chief = officer_at(DAK_MAN, admin)
    (unit,) = items(radio, "T-1", warehouse=store)
    services.issuance_create(
        commune=Commune.objects.get(code=DAK_MAN), equipment_type=radio, warehouse=store, issued_on=TODAY,
        item=unit, officer=chief, user=admin,
    )  # fmt: skip
    client = client_as(role)
    urls = [
        reverse("equipment:overview"),
        reverse("equipment:shortages"),
        commune_url(DAK_MAN),
        STOCK_URL,
        f"{STOCK_URL}?q=T&status=in_stock&equipment_type={radio.pk}&warehouse={store.pk}&page=1",
        chief.get_absolute_url(),
    ]
    small = _counts(client, urls, django_assert_max_num_queries)

    # The demo equipment: every covered commune equipped (or nearly), spare stock; more officers; Đắk Man holds
    # many units, some returned or lost.
    assert demo_equipment_create(user=admin) > 400
    for code in (DAK_PEK, 23356, 23359, PLEI_KAN):
        officer_at(code, admin, post=Post.OFFICER if code == PLEI_KAN else Post.CHIEF)
    for _ in range(3):
        officer_at(DAK_MAN, admin, post=Post.OFFICER)
    spare = list(EquipmentItem.objects.filter(equipment_type=radio, status=ItemStatus.IN_STOCK)[:12])
    store = spare[0].warehouse
    for n, item in enumerate(spare):
        issuance = services.issuance_create(
            commune=Commune.objects.get(code=DAK_MAN), equipment_type=radio, warehouse=store, issued_on=YESTERDAY,
            item=item, officer=chief if n % 2 else None, user=admin,
        )  # fmt: skip
        if n % 3 == 0:
            services.issuance_return(issuance=issuance, returned_on=TODAY, condition="damaged", user=admin)
        elif n % 3 == 1:
            services.issuance_report_lost(issuance=issuance, lost_on=TODAY, note="Mất", user=admin)
    assert Issuance.objects.count() > 400
    _counts(client, urls, django_assert_max_num_queries, limit=small)


# --- the stock picker, the same form twice, the warehouse chosen by default ------------------------------


def picker_values(response) -> set[str]:
    return {value for _group, options in response.context["form"].fields["stock"].choices for value, _ in options}


def test_the_picker_offers_only_what_is_in_stock_in_the_users_warehouses(cat, client_as, users):
    admin = users["administrator"]
    officer_at(DAK_MAN, admin)
    radio, issued, repair = items(cat.radio, "BD-1", "BD-2", "BD-3", warehouse=cat.store)
    (glei,) = items(cat.radio, "BD-G", warehouse=cat.glei_store)
    (ngoc_hoi,) = items(cat.motorbike, "XM-N", warehouse=cat.ngoc_hoi_store)
    issue(cat, TT_DAK_GLEI, admin, item=issued)
    EquipmentItem.objects.filter(pk=repair.pk).update(status=ItemStatus.IN_REPAIR)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=20, user=admin)
    services.stock_receive(warehouse=cat.ngoc_hoi_store, equipment_type=cat.baton, quantity=5, user=admin)
    StockLevel.objects.create(warehouse=cat.glei_store, equipment_type=cat.baton, quantity=0)  # none left
    store_batons = StockLevel.objects.get(warehouse=cat.store, equipment_type=cat.baton)

    district = client_as("district_clerk").get(commune_url(DAK_MAN))
    assert picker_values(district) == {f"item-{radio.pk}", f"item-{glei.pk}", f"level-{store_batons.pk}"}
    html = district.content.decode()
    assert 'data-available="20"' in html and "20 chiếc" in html  # the stock left is shown
    assert "stock_picker.js" in html and "<script>" not in html  # a static script, none inline
    provincial = client_as("provincial_clerk").get(commune_url(DAK_MAN))
    assert f"item-{ngoc_hoi.pk}" in picker_values(provincial)


def test_a_stale_page_picking_a_unit_issued_meanwhile_is_refused_with_a_message(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    client = client_as("provincial_clerk")
    page = client.get(commune_url(DAK_MAN))
    assert f"item-{radio.pk}" in picker_values(page)
    issue(cat, TT_DAK_GLEI, users["administrator"], item=radio)  # another clerk, meanwhile
    before = db_state()
    response = client.post(commune_url(DAK_MAN), issue_form(cat, serial="BD-001", token=str(uuid.uuid4())))
    assert response.status_code == 200
    error = " ".join(response.context["form"].errors["stock"])
    assert "BD-001" in error
    assert f"item-{radio.pk}" not in picker_values(response)  # the list is drawn afresh
    assert db_state() == before


@pytest.mark.parametrize("what", ["unit", "quantity"])
def test_the_same_form_sent_twice_issues_once(cat, client_as, users, what):
    officer_at(DAK_MAN, users["administrator"])
    items(cat.radio, "BD-001", warehouse=cat.store)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=10, user=users["administrator"])
    client = client_as("provincial_clerk")
    form = client.get(commune_url(DAK_MAN)).context["form"]
    token = str(form["token"].initial)
    data = (
        issue_form(cat, serial="BD-001", token=token)
        if what == "unit"
        else issue_form(cat, equipment_type=cat.baton.pk, quantity="4", token=token)
    )
    assert client.post(commune_url(DAK_MAN), data).status_code == 302
    after_first = db_state()
    again = client.post(commune_url(DAK_MAN), data, follow=True)
    assert again.status_code == 200
    assert "đã được ghi" in again.content.decode() or "already recorded" in again.content.decode()
    assert db_state() == after_first
    assert Issuance.objects.count() == 1
    assert StockLevel.objects.get(equipment_type=cat.baton).quantity == (10 if what == "unit" else 6)


def test_a_post_with_only_the_csrf_token_or_partly_filled_writes_nothing(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    items(cat.radio, "BD-001", warehouse=cat.store)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=10, user=users["administrator"])
    client = client_as("provincial_clerk")
    before = db_state()
    empty = client.post(commune_url(DAK_MAN), {"csrfmiddlewaretoken": "x"})
    assert empty.status_code == 200
    assert {"stock", "issued_on"} <= set(empty.context["form"].errors)
    partly = client.post(commune_url(DAK_MAN), issue_form(cat, equipment_type=cat.baton.pk, quantity="", issued_on=""))
    assert {"quantity", "issued_on"} <= set(partly.context["form"].errors)
    too_many = client.post(commune_url(DAK_MAN), issue_form(cat, equipment_type=cat.baton.pk, quantity="11"))
    assert "10 chiếc" in " ".join(too_many.context["form"].errors["quantity"])  # the stock left, named
    receive = client.post(STOCK_URL, {"csrfmiddlewaretoken": "x"})
    assert receive.status_code == 200
    assert {"equipment_type", "received_on"} <= set(receive.context["form"].errors)
    assert db_state() == before


def test_the_only_warehouse_is_chosen_and_the_last_one_used_is_kept(cat, client_as, users):
    Warehouse.objects.filter(pk__in=[cat.glei_store.pk, cat.ngoc_hoi_store.pk]).delete()
    officer_at(DAK_MAN, users["administrator"])
    client = client_as("provincial_clerk")
    assert client.get(STOCK_URL).context["form"]["warehouse"].value() == cat.store.pk
    assert client.get(commune_url(DAK_MAN)).context["form"]["warehouse"].value() == cat.store.pk

    second = Warehouse.objects.create(province_id=62, name="Kho dự phòng")
    assert client.get(STOCK_URL).context["form"]["warehouse"].value() is None  # two: the clerk chooses
    assert client.post(STOCK_URL, receive_form(cat, warehouse=second.pk, serial_numbers="BD-9")).status_code == 302
    page = client.get(STOCK_URL)
    assert page.context["form"]["warehouse"].value() == second.pk  # the one just used
    assert f'<option value="{second.pk}" selected>' in page.content.decode()
    assert client.get(commune_url(DAK_MAN)).context["form"]["warehouse"].value() == second.pk


def test_stock_list_filters_by_type_warehouse_status_and_serial_and_pages_keep_them(cat, client_as, users):
    items(cat.radio, *[f"BD-{n:03d}" for n in range(60)], warehouse=cat.store)
    items(cat.radio, "BD-G01", warehouse=cat.glei_store)
    items(cat.motorbike, "XM-001", "XM-002", warehouse=cat.store)
    EquipmentItem.objects.filter(serial_number__in=["BD-007", "XM-002"]).update(status=ItemStatus.IN_REPAIR)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=5, user=users["administrator"])
    client = client_as("provincial_clerk")

    assert set(stock_rows(client.get(STOCK_URL, {"equipment_type": cat.motorbike.pk}))) == {"XM-001", "XM-002"}
    assert set(stock_rows(client.get(STOCK_URL, {"warehouse": cat.glei_store.pk}))) == {"BD-G01"}
    assert set(stock_rows(client.get(STOCK_URL, {"status": "in_repair"}))) == {"BD-007", "XM-002"}
    assert set(stock_rows(client.get(STOCK_URL, {"q": " bd-05"}))) == {f"BD-05{n}" for n in range(10)}
    both = client.get(STOCK_URL, {"q": "00", "equipment_type": cat.radio.pk, "status": "in_repair"})
    assert set(stock_rows(both)) == {"BD-007"}
    # The quantity stock follows the type and warehouse filters.
    html = client.get(STOCK_URL, {"equipment_type": cat.motorbike.pk}).content.decode()
    assert "dui-cao-su" not in html[html.index('data-testid="stock-levels"') :]

    first = client.get(STOCK_URL, {"equipment_type": cat.radio.pk, "warehouse": cat.store.pk})
    assert len(stock_rows(first)) == 50
    html = first.content.decode()
    assert f"equipment_type={cat.radio.pk}&amp;warehouse={cat.store.pk}&amp;page=2" in html
    second = client.get(STOCK_URL, {"equipment_type": cat.radio.pk, "warehouse": cat.store.pk, "page": "2"})
    assert len(stock_rows(second)) == 10 and "BD-G01" not in stock_rows(second)
    assert 'data-testid="stock-filter"' in html

    # Bad filters say so and show nothing; they never fail.
    for bad in ({"status": "mất"}, {"warehouse": "abc"}, {"equipment_type": "999999"}, {"q": "x\x00"}):
        response = client.get(STOCK_URL, bad)
        assert response.status_code == 200, bad
        assert stock_rows(response) == {}
        assert 'data-testid="filter-errors"' in response.content.decode()
    # A district clerk cannot filter on a warehouse outside their area.
    assert (
        'data-testid="filter-errors"'
        in client_as("district_clerk").get(STOCK_URL, {"warehouse": cat.ngoc_hoi_store.pk}).content.decode()
    )


def test_stock_export_follows_the_filters(cat, client_as):
    from openpyxl import load_workbook

    items(cat.radio, "BD-1", "BD-2", warehouse=cat.store)
    items(cat.motorbike, "XM-1", warehouse=cat.store)
    response = client_as("provincial_clerk").get(
        reverse("equipment:stock_export"), {"equipment_type": cat.motorbike.pk}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {cell for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row}
    assert "XM-1" in values and "BD-1" not in values


def test_receipts_are_listed_on_the_commune_page(cat, client_as, users):
    admin = users["administrator"]
    chief = officer_at(DAK_MAN, admin)
    radio, bike = items(cat.radio, "BD-1", warehouse=cat.store) + items(cat.motorbike, "XM-1", warehouse=cat.store)
    client = client_as("provincial_clerk")
    for serial in ("BD-1", "XM-1"):
        assert client.post(commune_url(DAK_MAN), issue_form(cat, serial=serial, officer=chief.pk)).status_code == 302
    (act,) = Handover.objects.all()
    html = client.get(commune_url(DAK_MAN)).content.decode()
    receipts = rows_with(html, "data-receipt")
    assert receipts == {str(act.pk): receipts[str(act.pk)]}
    assert receipts[str(act.pk)]["data-lines"] == "2" and receipts[str(act.pk)]["data-kind"] == "issue"
    assert reverse("equipment:handover_receipt", args=[act.pk]) in html
    issuance = Issuance.objects.get(item=radio)
    url = reverse("equipment:issuance_return", args=[issuance.pk])
    assert client.post(url, {"returned_on": dmy(TODAY), "condition": "good"}).status_code == 302
    issuance.refresh_from_db()
    html = client.get(commune_url(DAK_MAN)).content.decode()
    assert reverse("equipment:handover_receipt", args=[issuance.return_handover_id]) in html
    assert rows_with(html, "data-receipt")[str(issuance.return_handover_id)]["data-kind"] == "return"
    assert client_as("district_clerk").get(reverse("equipment:handover_receipt", args=[act.pk])).status_code == 200
    assert client_as("no_role").get(reverse("equipment:handover_receipt", args=[act.pk])).status_code == 403
    assert bike.pk  # both units are on the one receipt
