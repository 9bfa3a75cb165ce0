"""The equipment step: the demo catalogue and allocation standards, a store per province, serial-numbered items
(100,000 at full scale: 80% issued, the rest in stock, in repair, lost or retired, some with earlier returned
issuances) and the issuances: the standards of covered communes (most in full, some short), quantities of
unserialised types, and extra phones for the officers; an item's status always agrees with its active issuance.
Stock levels of the unserialised types close the step."""

import datetime
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable

from accounts.models import User
from communes.models import Commune, Coverage, Province
from equipment.demo import CATALOGUE as EQUIPMENT_CATALOGUE
from equipment.demo import KIND_OVERRIDES
from equipment.models import (
    AllocationStandard,
    EquipmentItem,
    EquipmentType,
    Issuance,
    IssuanceStatus,
    ItemStatus,
    ReturnCondition,
    StockLevel,
    Warehouse,
)
from personnel.choices import Post
from personnel.models import Assignment
from rollout.national.context import FLUSH_EVERY, PREFIX, Run, Volumes, write
from rollout.national.draws import later, within
from rollout.national.regions import police_unit

ISSUED_SHARE = 0.8  # of the items, those held by a commune now


def equipment_seed(
    *, run: Run, rng: random.Random, volumes: Volumes, user: User, today: datetime.date, plan_start: datetime.date
) -> None:
    """Equip the covered communes that hold nothing yet, fill the stores, write items, issuances and stock."""
    types = _catalogue_load()
    all_types = list(EquipmentType.objects.order_by("code"))
    standard = _standards()
    provinces = {p.code: p for p in Province.objects.order_by("code")}
    stores = _stores_create(run=run, provinces=provinces)

    equipped_before = set(Issuance.objects.values_list("commune_id", flat=True).distinct())
    communes = [
        c
        for c in Commune.objects.exclude(coverage=Coverage.UNCOVERED)
        .order_by("code")
        .values_list("code", "kind", "district__province_id", "coverage")
        if c[0] not in equipped_before
    ]
    chiefs = dict(
        Assignment.objects.filter(ended_on__isnull=True, post=Post.CHIEF).values_list("commune_id", "officer_id")
    )
    chief_since = dict(
        Assignment.objects.filter(ended_on__isnull=True, post=Post.CHIEF).values_list("commune_id", "started_on")
    )
    staff = defaultdict(list)
    for commune, officer in (
        Assignment.objects.filter(ended_on__isnull=True)
        .exclude(post=Post.CHIEF)
        .values_list("commune_id", "officer_id")
    ):
        staff[commune].append(officer)
    run.log(f"  catalogue, stores and covered communes read (at {time.monotonic() - run.started:.1f} s)")
    staffed = [c for c in communes if c[0] in chiefs]
    unstaffed = [c for c in communes if c[0] not in chiefs]
    rng.shuffle(staffed)
    rng.shuffle(unstaffed)
    by_province = defaultdict(list)
    for c in communes:
        by_province[c[2]].append(c[0])

    serials = Counter()
    holding: dict[int, tuple[Issuance, int]] = {}  # id(item) → its active issuance and province
    items: list[EquipmentItem] = []
    issuances: list[Issuance] = []

    def new_item(equipment_type, province: int, received_on, status) -> EquipmentItem:
        serials[equipment_type.code] += 1
        item = EquipmentItem(
            equipment_type_id=equipment_type.pk, serial_number=f"{PREFIX}-{equipment_type.code.upper()}-"
            f"{serials[equipment_type.code]:07d}", warehouse_id=stores[province], status=status,
            received_on=received_on,
        )  # fmt: skip
        items.append(item)
        return item

    def issue(equipment_type, commune: int, province: int, on, *, item=None, quantity=1, officer=None,
              status=IssuanceStatus.ACTIVE, closed_on=None, condition="") -> Issuance:  # fmt: skip
        issuance = Issuance(
            equipment_type_id=equipment_type.pk, quantity=quantity, warehouse_id=stores[province],
            commune_id=commune, officer_id=officer, issued_on=on, issued_by_id=user.pk, status=status,
            closed_on=closed_on, return_condition=condition,
        )  # fmt: skip
        issuance.item = item
        issuances.append(issuance)
        if item is not None and status == IssuanceStatus.ACTIVE:
            holding[id(item)] = (issuance, province)
        return issuance

    issued_budget = round(volumes.items * ISSUED_SHARE)
    equipped = []
    for code, kind, province, coverage in staffed + unstaffed:
        needs = {t.pk: standard(t.pk, kind) for t in all_types}
        if rng.random() > (0.8 if code in chiefs else 0.6):  # short of one or two types
            for t in rng.sample(all_types, k=min(len(all_types), rng.choice([1, 1, 2]))):
                needs[t.pk] = max(needs[t.pk] - rng.randint(1, 2), 0)
        serial_need = sum(needs[t.pk] for t in all_types if t.is_serialized)
        if serial_need > issued_budget:
            break
        issued_budget -= serial_need
        if coverage == Coverage.PILOT and code in chief_since:
            on = within(rng, chief_since[code], 60, today)
        elif rng.random() < 0.45:
            on = plan_start - datetime.timedelta(days=rng.randint(1, 700))
        else:
            on = later(rng, plan_start, today)
        equipped.append((code, province, on))
        for t in all_types:
            if not needs[t.pk]:
                continue
            issued_on = within(rng, on, 20, today)
            if not t.is_serialized:
                issue(t, code, province, issued_on, quantity=needs[t.pk])
                continue
            for unit in range(needs[t.pk]):
                received = issued_on - datetime.timedelta(days=rng.randint(5, 120))
                item = new_item(t, province, received, ItemStatus.ISSUED)
                holder = chiefs.get(code) if unit == 0 and t.category == "communication" else None
                issue(t, code, province, issued_on, item=item, officer=holder)

    # Phones for the other officers of the equipped communes, while items last.
    phone = types.get("dien-thoai") or next((t for t in all_types if t.is_serialized), None)
    if phone is not None:
        for code, province, on in equipped:
            for officer in staff.get(code, []):
                if issued_budget <= 0:
                    break
                issued_budget -= 1
                issued_on = within(rng, on, 90, today)
                item = new_item(phone, province, issued_on - datetime.timedelta(days=rng.randint(5, 60)),
                                ItemStatus.ISSUED)  # fmt: skip
                issue(phone, code, province, issued_on, item=item, officer=officer)
    held_items = list(items)

    # Some held items came back once before; the rest of the items are in a store, in repair, lost or retired.
    serialized = [t for t in all_types if t.is_serialized]
    type_of = {t.pk: t for t in all_types}
    province_codes = [code for code in provinces if by_province[code]]
    for item in rng.sample(held_items, k=round(0.03 * len(held_items))):
        current, province = holding[id(item)]
        gap = rng.randint(100, 500)
        earlier_on = current.issued_on - datetime.timedelta(days=gap)
        closed = earlier_on + datetime.timedelta(days=rng.randint(10, gap - 1))
        item.received_on = min(item.received_on, earlier_on - datetime.timedelta(days=rng.randint(5, 60)))
        issue(type_of[item.equipment_type_id], rng.choice(by_province[province]), province, earlier_on, item=item,
              status=IssuanceStatus.RETURNED, closed_on=closed, condition=ReturnCondition.GOOD)  # fmt: skip
    outcomes = [(ItemStatus.IN_STOCK, None), (ItemStatus.IN_STOCK, ReturnCondition.GOOD),
                (ItemStatus.IN_REPAIR, ReturnCondition.DAMAGED), (ItemStatus.LOST, "lost"),
                (ItemStatus.RETIRED, ReturnCondition.UNUSABLE)]  # fmt: skip
    for _ in range(max(volumes.items - len(items), 0)):
        t = rng.choice(serialized)
        province = rng.choice(province_codes) if province_codes else next(iter(provinces))
        status, returned = rng.choices(outcomes, weights=[75, 10, 7, 5, 3])[0]
        if returned is None or not by_province[province]:
            new_item(t, province, today - datetime.timedelta(days=rng.randint(0, 300)), ItemStatus.IN_STOCK)
            continue
        issued_on = today - datetime.timedelta(days=rng.randint(60, 360))
        closed = min(today, issued_on + datetime.timedelta(days=rng.randint(10, 50)))
        item = new_item(t, province, issued_on - datetime.timedelta(days=rng.randint(5, 90)), status)
        if returned == "lost":
            issue(t, rng.choice(by_province[province]), province, issued_on, item=item, status=IssuanceStatus.LOST,
                  closed_on=closed)  # fmt: skip
        else:
            issue(t, rng.choice(by_province[province]), province, issued_on, item=item,
                  status=IssuanceStatus.RETURNED, closed_on=closed, condition=returned)  # fmt: skip

    run.log(
        f"  {len(items):,} items and {len(issuances):,} issuances planned (at {time.monotonic() - run.started:.1f} s)"
    )
    for start in range(0, len(items), FLUSH_EVERY):
        write(EquipmentItem, items[start : start + FLUSH_EVERY], user, history=False)
    run.count("equipment items", len(items))
    for issuance in issuances:
        issuance.item_id = issuance.item.pk if issuance.item else None
    for start in range(0, len(issuances), FLUSH_EVERY):
        write(Issuance, issuances[start : start + FLUSH_EVERY], user, history=True)
    run.count("issuances", len(issuances))

    _stock_levels_create(run=run, rng=rng, stores=stores, all_types=all_types, user=user)
    run.log(f"  communes equipped (in full or in part): {len(equipped):,}")


def _catalogue_load() -> dict[str, EquipmentType]:
    """The demo catalogue and its national standards, created when missing; the demo's types by code."""
    types = {}
    for code, name, category, unit, serialized, standard in EQUIPMENT_CATALOGUE:
        types[code], _created = EquipmentType.objects.get_or_create(
            code=code, defaults={"name": name, "category": category, "unit": unit, "is_serialized": serialized}
        )
        AllocationStandard.objects.get_or_create(
            equipment_type=types[code], commune=None, commune_kind="", defaults={"quantity": standard}
        )
    for (code, kind), quantity in KIND_OVERRIDES.items():
        AllocationStandard.objects.get_or_create(
            equipment_type=types[code], commune=None, commune_kind=kind, defaults={"quantity": quantity}
        )
    return types


def _standards() -> Callable[[int, str], int]:
    """The national standard of a type for a kind of commune: the kind's own, else the type's default."""
    defaults = dict(
        AllocationStandard.objects.filter(commune__isnull=True, commune_kind="").values_list(
            "equipment_type", "quantity"
        )
    )
    by_kind = {
        (t, k): q
        for t, k, q in AllocationStandard.objects.filter(commune__isnull=True)
        .exclude(commune_kind="")
        .values_list("equipment_type", "commune_kind", "quantity")
    }

    def standard(type_pk: int, kind: str) -> int:
        return by_kind.get((type_pk, kind), defaults.get(type_pk, 0))

    return standard


def _stores_create(*, run: Run, provinces: dict[int, Province]) -> dict[int, int]:
    """A provincial store for every province that has none; the store's key by province."""
    existing = {
        w.province_id: w for w in Warehouse.objects.filter(district__isnull=True, name__startswith="Kho trang bị")
    }
    new = [Warehouse(province_id=code, name=f"Kho trang bị {police_unit(p)}") for code, p in provinces.items()
           if code not in existing]  # fmt: skip
    Warehouse.objects.bulk_create(new)
    stores = {
        w.province_id: w.pk for w in Warehouse.objects.filter(district__isnull=True, name__startswith="Kho trang bị")
    }
    run.count("warehouses", len(new))
    return stores


def _stock_levels_create(
    *, run: Run, rng: random.Random, stores: dict[int, int], all_types: list[EquipmentType], user: User
) -> None:
    """The stores' stock of every unserialised type they do not hold yet (with history rows)."""
    have = set(StockLevel.objects.values_list("warehouse_id", "equipment_type_id"))
    levels = [
        StockLevel(warehouse_id=store, equipment_type_id=t.pk, quantity=rng.randint(50, 400))
        for store in stores.values()
        for t in all_types
        if not t.is_serialized and (store, t.pk) not in have
    ]
    write(StockLevel, levels, user, history=True)
    run.count("stock levels", len(levels))
