"""Demo equipment for Kon Tum: the catalogue, standards per commune post, the provincial store, stock, and the
equipment already handed to the communes covered before the pilot (most are fully equipped, some are short).
Idempotent."""

import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, CommuneKind, Coverage
from communes.services import KON_TUM
from rollout.core.figures_cache import figures_changed

from .models import (
    AllocationStandard,
    Category,
    EquipmentItem,
    EquipmentType,
    Issuance,
    ItemStatus,
    StockLevel,
    Warehouse,
)
from .services import handovers_record_missing

CATALOGUE = [
    # code, name, category, unit, serial-numbered, default standard per commune post
    ("xe-may", "Xe mô tô tuần tra", Category.VEHICLE, "chiếc", True, 2),
    ("may-bo-dam", "Máy bộ đàm cầm tay", Category.COMMUNICATION, "chiếc", True, 3),
    ("dien-thoai", "Điện thoại di động công vụ", Category.COMMUNICATION, "chiếc", True, 1),
    ("may-tinh", "Máy tính xách tay", Category.OFFICE, "chiếc", True, 1),
    ("dui-cao-su", "Dùi cui cao su", Category.SUPPORT_TOOL, "chiếc", False, 5),
    ("khoa-so-tay", "Khóa số tay", Category.SUPPORT_TOOL, "bộ", False, 5),
    ("ao-giap", "Áo giáp chống đâm", Category.SUPPORT_TOOL, "chiếc", False, 5),
    ("den-pin", "Đèn pin chiếu sáng", Category.OFFICE, "chiếc", False, 5),
]
# Wards are small and urban: one motorbike is enough.
KIND_OVERRIDES = {("xe-may", CommuneKind.WARD): 1}
STANDARDS = {code: standard for code, *_rest, standard in CATALOGUE}


@transaction.atomic
def demo_equipment_create(*, user) -> int:
    """Create the demo equipment; returns the number of issuances created (0 if already there)."""
    types = {}
    for code, name, category, unit, serialized, standard in CATALOGUE:
        equipment_type, _created = EquipmentType.objects.get_or_create(
            code=code, defaults={"name": name, "category": category, "unit": unit, "is_serialized": serialized}
        )
        types[code] = equipment_type
        AllocationStandard.objects.get_or_create(
            equipment_type=equipment_type, commune=None, commune_kind="", defaults={"quantity": standard}
        )
    for (code, kind), quantity in KIND_OVERRIDES.items():
        AllocationStandard.objects.get_or_create(
            equipment_type=types[code], commune=None, commune_kind=kind, defaults={"quantity": quantity}
        )
    store, _created = Warehouse.objects.get_or_create(province_id=KON_TUM, name="Kho hậu cần Công an tỉnh Kon Tum")
    if Issuance.objects.filter(warehouse=store).exists():
        return 0

    today = timezone.localdate()
    covered = list(
        Commune.objects.filter(district__province_id=KON_TUM)
        .exclude(coverage=Coverage.UNCOVERED)
        .prefetch_related("assignments__officer")
        .order_by("code")
    )
    items, issuances = [], []
    for code, equipment_type in types.items():
        if not equipment_type.is_serialized:
            continue
        standard = STANDARDS[code]
        for index, commune in enumerate(covered):
            wanted = KIND_OVERRIDES.get((code, commune.kind), standard)
            # every fifth commune is one radio and one motorbike short
            if index % 5 == 0 and code in ("may-bo-dam", "xe-may"):
                wanted -= 1
            chief = next((a.officer for a in commune.assignments.all() if a.post == "chief" and not a.ended_on), None)
            for unit in range(wanted):
                item = EquipmentItem(
                    equipment_type=equipment_type, serial_number=f"KT-{code.upper()}-{commune.code}-{unit + 1}",
                    warehouse=store, status=ItemStatus.ISSUED, received_on=datetime.date(2020, 1, 1),
                )  # fmt: skip
                items.append(item)
                issuances.append(
                    Issuance(
                        equipment_type=equipment_type,
                        item=item,
                        quantity=1,
                        warehouse=store,
                        commune=commune,
                        officer=chief if unit == 0 and code in ("may-bo-dam", "dien-thoai") else None,
                        issued_on=datetime.date(2020, 3, 1),
                        issued_by=user,
                    )  # fmt: skip
                )
        # spare units in the store for the pilot's new posts
        for unit in range(40):
            items.append(
                EquipmentItem(
                    equipment_type=equipment_type,
                    serial_number=f"KT-{code.upper()}-KHO-{unit + 1:03d}",
                    warehouse=store,
                    status=ItemStatus.IN_STOCK,
                    received_on=today - datetime.timedelta(days=30),
                )  # fmt: skip
            )
    bulk_create_with_history(items, EquipmentItem, batch_size=1000, default_user=user)
    for code, equipment_type in types.items():
        if equipment_type.is_serialized:
            continue
        standard = STANDARDS[code]
        for commune in covered:
            issuances.append(
                Issuance(
                    equipment_type=equipment_type,
                    quantity=standard,
                    warehouse=store,
                    commune=commune,
                    issued_on=datetime.date(2020, 3, 1),
                    issued_by=user,
                )  # fmt: skip
            )
        StockLevel.objects.update_or_create(warehouse=store, equipment_type=equipment_type, defaults={"quantity": 300})
    for issuance in issuances:
        issuance.item_id = issuance.item.pk if issuance.item else None
    bulk_create_with_history(issuances, Issuance, batch_size=1000, default_user=user)
    handovers_record_missing()  # one hand-over receipt per commune post and officer, as the pages make them
    figures_changed()  # issuances written in bulk, past the signals: every commune's stored state
    return len(issuances)
