"""Equipment rules: stock, issuance to covered communes and their officers, returns, losses, standards."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import translation

from communes.models import Commune
from equipment import services
from equipment.models import (
    AllocationStandard,
    EquipmentItem,
    EquipmentType,
    Issuance,
    IssuanceStatus,
    ItemStatus,
    StockLevel,
    Warehouse,
)
from equipment.selectors import commune_equipment, type_summary, with_equipment
from personnel.services import assignment_create
from tests.factories import OfficerFactory, vet_fully


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages asserted in English (the catalogue is Vietnamese; threads of the race tests too)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


TODAY = datetime.date.today()
COVERED = 23281  # Phường Quang Trung (baseline)
UNCOVERED = 23347  # Xã Đắk Man, Huyện Đắk Glei


@pytest.fixture
def setup(demo_baseline, users):
    admin = users["administrator"]
    radio = EquipmentType.objects.create(code="radio", name="Máy bộ đàm", category="communication", unit="chiếc")
    batons = EquipmentType.objects.create(
        code="baton", name="Dùi cui", category="support_tool", unit="chiếc", is_serialized=False
    )
    store = Warehouse.objects.create(name="Kho tỉnh", province_id=62)
    AllocationStandard.objects.create(equipment_type=radio, quantity=2)
    AllocationStandard.objects.create(equipment_type=batons, quantity=5)
    items = services.items_receive(
        warehouse=store, equipment_type=radio, serial_numbers=["R-1", "R-2", "R-3"], received_on=TODAY, user=admin
    )
    services.stock_receive(warehouse=store, equipment_type=batons, quantity=8, user=admin)
    return {"radio": radio, "batons": batons, "store": store, "items": items, "admin": admin}


def issue(setup, commune=COVERED, **kwargs):
    defaults = {"equipment_type": setup["radio"], "item": setup["items"][0]}
    defaults.update(kwargs)
    return services.issuance_create(
        commune=Commune.objects.get(code=commune), warehouse=setup["store"], issued_on=TODAY,
        user=kwargs.pop("user", setup["admin"]), **{k: v for k, v in defaults.items() if k != "user"},
    )  # fmt: skip


@pytest.mark.django_db
def test_receiving_refuses_duplicates_and_known_serials(setup):
    with pytest.raises(ValidationError, match="R-9"):
        services.items_receive(
            warehouse=setup["store"], equipment_type=setup["radio"], serial_numbers=["R-9", "R-9"], received_on=TODAY,
            user=setup["admin"],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="R-1"):
        services.items_receive(
            warehouse=setup["store"], equipment_type=setup["radio"], serial_numbers=["R-1"], received_on=TODAY,
            user=setup["admin"],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.stock_receive(
            warehouse=setup["store"], equipment_type=setup["batons"], quantity=0, user=setup["admin"]
        )
    assert EquipmentItem.objects.count() == 3


@pytest.mark.django_db
def test_an_item_is_issued_to_one_holder_at_a_time(setup):
    issue(setup)
    assert EquipmentItem.objects.get(serial_number="R-1").status == ItemStatus.ISSUED
    with pytest.raises(ValidationError, match="not in stock"):
        issue(setup, commune=23284)
    first = Issuance.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Issuance.objects.create(
            equipment_type=setup["radio"], item=first.item, warehouse=setup["store"], commune_id=23284,
            issued_on=TODAY, issued_by=setup["admin"],
        )  # fmt: skip


@pytest.mark.django_db
def test_quantities_never_go_negative(setup):
    issue(setup, equipment_type=setup["batons"], item=None, quantity=5)
    assert StockLevel.objects.get().quantity == 3
    with pytest.raises(ValidationError, match="Only 3"):
        issue(setup, equipment_type=setup["batons"], item=None, quantity=4)
    assert StockLevel.objects.get().quantity == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=StockLevel.objects.get().pk).update(quantity=-1)


@pytest.mark.django_db
def test_no_issuance_to_an_uncovered_commune_or_a_foreign_officer(setup, users):
    with pytest.raises(ValidationError, match="no regular police"):
        issue(setup, commune=UNCOVERED)
    stranger = vet_fully(OfficerFactory(), setup["admin"])
    with pytest.raises(ValidationError, match="not assigned"):
        issue(setup, officer=stranger)
    assert not Issuance.objects.exists()
    assert EquipmentItem.objects.get(serial_number="R-1").status == ItemStatus.IN_STOCK


@pytest.mark.django_db
def test_issuing_to_the_chief_of_a_newly_covered_commune(setup):
    chief = vet_fully(OfficerFactory(), setup["admin"])
    assignment_create(
        officer=chief, commune=Commune.objects.get(code=UNCOVERED), post="chief", decision_number="1/QĐ",
        decision_date=TODAY, started_on=TODAY, created_by=setup["admin"],
    )  # fmt: skip
    issuance = issue(setup, commune=UNCOVERED, officer=chief)
    assert issuance.officer == chief
    shortage = {t.code: t.shortage for t in commune_equipment(Commune.objects.get(code=UNCOVERED))}
    assert shortage == {"radio": 1, "baton": 5}


@pytest.mark.django_db
def test_returns_and_losses(setup):
    good = issue(setup)
    damaged = issue(setup, item=setup["items"][1])
    lost = issue(setup, item=setup["items"][2])
    batons = issue(setup, equipment_type=setup["batons"], item=None, quantity=4)

    services.issuance_return(issuance=good, returned_on=TODAY, condition="good", user=setup["admin"])
    services.issuance_return(issuance=damaged, returned_on=TODAY, condition="damaged", user=setup["admin"])
    with pytest.raises(ValidationError, match="Describe"):
        services.issuance_report_lost(issuance=lost, lost_on=TODAY, note=" ", user=setup["admin"])
    services.issuance_report_lost(issuance=lost, lost_on=TODAY, note="Mất khi tuần tra lũ", user=setup["admin"])
    services.issuance_return(issuance=batons, returned_on=TODAY, condition="good", user=setup["admin"])

    statuses = dict(EquipmentItem.objects.values_list("serial_number", "status"))
    assert statuses == {"R-1": ItemStatus.IN_STOCK, "R-2": ItemStatus.IN_REPAIR, "R-3": ItemStatus.LOST}
    assert StockLevel.objects.get().quantity == 8
    assert set(Issuance.objects.values_list("status", flat=True)) == {IssuanceStatus.RETURNED, IssuanceStatus.LOST}
    with pytest.raises(ValidationError, match="already been returned"):
        services.issuance_return(issuance=good, returned_on=TODAY, condition="good", user=setup["admin"])
    # the returned radio can go out again
    assert issue(setup, commune=23284).item.serial_number == "R-1"


@pytest.mark.django_db
def test_return_cannot_predate_the_issue(setup):
    issuance = issue(setup)
    with pytest.raises(ValidationError):
        services.issuance_return(
            issuance=issuance, returned_on=TODAY - datetime.timedelta(days=1), condition="good", user=setup["admin"]
        )


@pytest.mark.django_db
def test_standards_default_kind_and_commune_overrides(setup):
    ward = Commune.objects.get(code=COVERED)
    AllocationStandard.objects.create(equipment_type=setup["radio"], commune_kind="ward", quantity=1)
    assert {t.code: t.standard for t in commune_equipment(ward)}["radio"] == 1
    AllocationStandard.objects.create(equipment_type=setup["radio"], commune=ward, quantity=4)
    assert {t.code: t.standard for t in commune_equipment(ward)}["radio"] == 4
    assert {t.code: t.standard for t in commune_equipment(Commune.objects.get(code=23311))}["radio"] == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationStandard.objects.create(equipment_type=setup["radio"], quantity=3)  # a second default


@pytest.mark.django_db
def test_equipped_and_type_summary(setup):
    ward = Commune.objects.get(code=COVERED)
    issue(setup)
    issue(setup, item=setup["items"][1])
    issue(setup, equipment_type=setup["batons"], item=None, quantity=5)
    annotated = {c.code: c for c in with_equipment(Commune.objects.filter(code__in=[COVERED, 23284]))}
    assert annotated[COVERED].is_equipped and annotated[COVERED].unmet_types == 0
    assert not annotated[23284].is_equipped and annotated[23284].unmet_types == 2

    rows = {row["type"].code: row for row in type_summary(Commune.objects.filter(district__province_id=62))}
    assert rows["radio"]["held"] == 2
    assert rows["radio"]["standard"] == 2 * 102
    assert rows["radio"]["shortage"] == 2 * 101
    assert rows["radio"]["in_stock"] == 1
    assert rows["baton"]["in_stock"] == 3
    assert rows["baton"]["communes_short"] == 101
    assert ward.code == COVERED


@pytest.mark.django_db
def test_district_clerk_issues_only_in_their_district(setup, users):
    with pytest.raises(PermissionDenied):
        issue(setup, user=users["district_clerk"])


@pytest.mark.django_db
def test_issuance_history(setup, users):
    issuance = issue(setup, user=users["provincial_clerk"])
    services.issuance_return(issuance=issuance, returned_on=TODAY, condition="good", user=setup["admin"])
    records = list(Issuance.history.order_by("history_date").values_list("history_type", "status", "history_user"))
    assert records == [("+", "active", users["provincial_clerk"].pk), ("~", "returned", setup["admin"].pk)]
    assert EquipmentItem.history.filter(serial_number="R-1").count() == 3  # received, issued, returned


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_clerks_issuing_the_same_item_at_once(setup, users, monkeypatch):
    original = services._check_recipient

    def slow(*args, **kwargs):
        time.sleep(0.5)  # both clerks pass the checks, then race for the item
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_check_recipient", slow)
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def clerk(index, commune, user):
        try:
            barrier.wait()
            outcomes[index] = issue(setup, commune=commune, user=user)
        except Exception as exc:  # collected for the assertions
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=clerk, args=(0, COVERED, users["provincial_clerk"])),
        threading.Thread(target=clerk, args=(1, 23284, setup["admin"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(isinstance(o, Issuance) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1 and "not in stock" in " ".join(refused[0].messages)
    assert Issuance.objects.filter(item__serial_number="R-1").count() == 1


def test_demo_issuances_get_their_hand_over_records(demo_baseline, users):
    from equipment.demo import demo_equipment_create
    from equipment.models import Handover

    chief = vet_fully(OfficerFactory(), users["administrator"])
    assignment_create(officer=chief, commune=Commune.objects.get(code=23347), post="chief", decision_number="1/QĐ",
                      decision_date=datetime.date.today(), started_on=datetime.date.today(),
                      created_by=users["administrator"])  # fmt: skip
    demo_equipment_create(user=users["administrator"])
    assert not Issuance.objects.filter(handover__isnull=True).exists()
    assert not Issuance.objects.filter(status="returned", return_handover__isnull=True).exists()
    # One record per holder, warehouse and day: the chief's units on one, the post's on another.
    for act in Handover.objects.all():
        assert set(act.issued.values_list("commune_id", "officer_id", "warehouse_id", "issued_on")) == {
            (act.commune_id, act.officer_id, act.warehouse_id, act.handed_on)
        }
    keys = Issuance.objects.values_list("commune_id", "officer_id", "warehouse_id", "issued_on").distinct()
    assert Handover.objects.count() == keys.count()


@pytest.mark.django_db
def test_issuances_of_one_holder_warehouse_and_day_share_one_hand_over_record(setup):
    from equipment.models import Handover

    first = issue(setup)
    second = issue(setup, equipment_type=setup["batons"], item=None, quantity=3)
    assert first.handover == second.handover
    act = first.handover
    assert (act.kind, act.commune_id, act.officer_id, act.warehouse, act.handed_on, act.recorded_by) == (
        "issue", COVERED, None, setup["store"], TODAY, setup["admin"],
    )  # fmt: skip
    assert set(act.issued.all()) == {first, second}
    assert act.number == f"{act.pk:05d}/BBBG"
    # A return opens a return record; the next return of the same holder that day joins it.
    services.issuance_return(issuance=first, returned_on=TODAY, condition="good", user=setup["admin"])
    services.issuance_return(issuance=second, returned_on=TODAY, condition="good", user=setup["admin"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.return_handover == second.return_handover != act
    assert first.return_handover.kind == "return" and first.return_handover.number.endswith("/BBTH")
    assert Handover.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_issue_opens_no_record(setup):
    from equipment.models import Handover

    with pytest.raises(ValidationError):
        issue(setup, equipment_type=setup["batons"], item=None, quantity=99)
    with pytest.raises(ValidationError):
        issue(setup, commune=UNCOVERED)
    assert not Handover.objects.exists()


@pytest.mark.django_db
def test_the_same_token_issues_once(setup):
    import uuid

    token = uuid.uuid4()
    first = issue(setup, equipment_type=setup["batons"], item=None, quantity=2, token=token)
    with pytest.raises(services.AlreadyRecorded) as again:
        issue(setup, equipment_type=setup["batons"], item=None, quantity=2, token=token)
    assert again.value.issuance == first
    assert StockLevel.objects.get(equipment_type=setup["batons"]).quantity == 6
    assert Issuance.objects.count() == 1


@pytest.mark.django_db
def test_issuable_stock_is_what_is_in_stock_in_the_given_warehouses(setup):
    from equipment.selectors import issuable_stock

    other = Warehouse.objects.create(name="Kho huyện", province_id=62, district_id=610)
    services.items_receive(warehouse=other, equipment_type=setup["radio"], serial_numbers=["G-1"], received_on=TODAY,
                           user=setup["admin"])  # fmt: skip
    issue(setup)  # R-1 leaves the stock
    EquipmentItem.objects.filter(serial_number="R-2").update(status=ItemStatus.IN_REPAIR)
    StockLevel.objects.create(warehouse=other, equipment_type=setup["batons"], quantity=0)
    items, levels = issuable_stock(Warehouse.objects.filter(pk=setup["store"].pk))
    assert [i.serial_number for i in items] == ["R-3"]
    assert [(lv.warehouse, lv.quantity) for lv in levels] == [(setup["store"], 8)]
    items, levels = issuable_stock(Warehouse.objects.all())
    assert [i.serial_number for i in items] == ["G-1", "R-3"]
    assert len(levels) == 1  # an empty level is not offered


@pytest.mark.django_db
def test_the_stock_filter(setup):
    from equipment.filters import EquipmentItemFilter

    other = Warehouse.objects.create(name="Kho huyện", province_id=62, district_id=610)
    services.items_receive(warehouse=other, equipment_type=setup["radio"], serial_numbers=["G-1"], received_on=TODAY,
                           user=setup["admin"])  # fmt: skip
    issue(setup)
    everything = EquipmentItem.objects.all()

    def serials(**data):
        filterset = EquipmentItemFilter(data, queryset=everything, warehouses=Warehouse.objects.all())
        assert filterset.is_valid(), filterset.errors
        return sorted(filterset.qs.values_list("serial_number", flat=True))

    assert serials() == ["G-1", "R-1", "R-2", "R-3"]
    assert serials(q="r-") == ["R-1", "R-2", "R-3"]
    assert serials(status="issued") == ["R-1"]
    assert serials(warehouse=other.pk) == ["G-1"]
    assert serials(equipment_type=setup["batons"].pk) == []
    assert serials(q="3", warehouse=setup["store"].pk, status="in_stock") == ["R-3"]
    limited = EquipmentItemFilter({"warehouse": other.pk}, queryset=everything,
                                  warehouses=Warehouse.objects.filter(pk=setup["store"].pk))  # fmt: skip
    assert not limited.is_valid()  # a warehouse outside the user's is no filter value


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_clerks_handing_over_to_one_holder_at_once_write_one_record(setup, users, monkeypatch):
    from equipment.models import Handover

    original = services._act

    def slow(**kwargs):
        time.sleep(0.3)  # were the commune not locked, both would find no record and open one each
        return original(**kwargs)

    monkeypatch.setattr(services, "_act", slow)
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def clerk(index, item, user):
        try:
            barrier.wait()
            outcomes[index] = issue(setup, item=item, user=user)
        except Exception as exc:  # collected for the assertions
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=clerk, args=(0, setup["items"][0], users["provincial_clerk"])),
        threading.Thread(target=clerk, args=(1, setup["items"][1], setup["admin"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert all(isinstance(o, Issuance) for o in outcomes), outcomes
    (act,) = Handover.objects.all()
    assert act.issued.count() == 2


@pytest.mark.django_db
def test_the_migration_groups_issuances_recorded_before_hand_over_records(setup):
    import importlib

    from django.apps import apps

    from equipment.models import Handover

    migration = importlib.import_module("equipment.migrations.0002_handover_records")
    radio_a, radio_b = issue(setup), issue(setup, item=setup["items"][1])
    batons = issue(setup, commune=23284, equipment_type=setup["batons"], item=None, quantity=2)
    services.issuance_return(issuance=radio_a, returned_on=TODAY, condition="good", user=setup["admin"])
    Issuance.objects.update(handover=None, return_handover=None)  # as before the migration
    Handover.objects.all().delete()

    migration.group_existing_issuances(apps, None)

    radio_a.refresh_from_db()
    radio_b.refresh_from_db()
    batons.refresh_from_db()
    assert radio_a.handover == radio_b.handover != batons.handover
    assert radio_a.return_handover.kind == "return" and radio_b.return_handover is None
    assert Handover.objects.count() == 3
