"""Helpers shared by the equipment page, import and receipt tests: a small catalogue, covered communes with a
chief, and readers of the data markers the pages carry."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

from communes.models import Commune, CommuneKind
from equipment.models import AllocationStandard, Category, EquipmentItem, EquipmentType, Issuance, Warehouse
from personnel.choices import Post
from personnel.services import assignment_create
from tests.factories import OfficerFactory, vet_fully

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)

# Kon Tum (demo baseline): covered and uncovered communes of Huyện Đắk Glei (610), and a ward of the city (608).
DAK_GLEI = 610
NGOC_HOI = 611
DAK_MAN = 23347  # Xã Đắk Man (610): uncovered
DAK_PEK = 23353  # Xã Đắk Pék (610): uncovered
TT_DAK_GLEI = 23341  # Thị trấn Đắk Glei (610): covered since 2019
QUANG_TRUNG = 23281  # Phường Quang Trung, Thành phố Kon Tum: covered since 2019
PLEI_KAN = 23377  # Thị trấn Plei Kần, Huyện Ngọc Hồi (611): covered


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Catalogue:
    radio: EquipmentType  # serial-numbered, standard 3
    motorbike: EquipmentType  # serial-numbered, standard 2 (1 for a ward)
    baton: EquipmentType  # counted by quantity, standard 5
    store: Warehouse  # the provincial store
    glei_store: Warehouse  # Đắk Glei's district store
    ngoc_hoi_store: Warehouse  # Ngọc Hồi's district store


def make_catalogue(*, store_name: str = "Kho Công an tỉnh") -> Catalogue:
    radio = EquipmentType.objects.create(
        code="may-bo-dam", name="Máy bộ đàm cầm tay", category=Category.COMMUNICATION, unit="chiếc"
    )
    motorbike = EquipmentType.objects.create(
        code="xe-may", name="Xe mô tô tuần tra", category=Category.VEHICLE, unit="chiếc"
    )
    baton = EquipmentType.objects.create(
        code="dui-cao-su", name="Dùi cui cao su", category=Category.SUPPORT_TOOL, unit="chiếc", is_serialized=False
    )
    AllocationStandard.objects.create(equipment_type=radio, quantity=3)
    AllocationStandard.objects.create(equipment_type=motorbike, quantity=2)
    AllocationStandard.objects.create(equipment_type=motorbike, commune_kind=CommuneKind.WARD, quantity=1)
    AllocationStandard.objects.create(equipment_type=baton, quantity=5)
    return Catalogue(
        radio=radio,
        motorbike=motorbike,
        baton=baton,
        store=Warehouse.objects.create(province_id=62, name=store_name),
        glei_store=Warehouse.objects.create(province_id=62, district_id=DAK_GLEI, name="Kho Công an huyện Đắk Glei"),
        ngoc_hoi_store=Warehouse.objects.create(
            province_id=62, district_id=NGOC_HOI, name="Kho Công an huyện Ngọc Hồi"
        ),
    )


def assign(officer, commune_code: int, user, post: str = Post.CHIEF, number: str = "01/QĐ-CAT"):
    return assignment_create(
        officer=officer,
        commune=Commune.objects.get(code=commune_code),
        post=post,
        decision_number=number,
        decision_date=TODAY - datetime.timedelta(days=3),
        started_on=TODAY - datetime.timedelta(days=2),
        created_by=user,
    )


def officer_at(commune_code: int, user, post: str = Post.CHIEF, **factory_kwargs):
    """A vetted officer assigned to the commune (a chief covers an uncovered commune)."""
    officer = vet_fully(OfficerFactory(**factory_kwargs), user)
    assign(officer, commune_code, user, post=post, number=f"{officer.pk}/QĐ-CAT")
    officer.refresh_from_db()
    return officer


def items(equipment_type, *serials, warehouse):
    """Units registered directly (the receive page is tested on its own)."""
    return [
        EquipmentItem.objects.create(
            equipment_type=equipment_type, serial_number=s, warehouse=warehouse, received_on=YESTERDAY
        )
        for s in serials
    ]


def rows_with(html: str, marker: str) -> dict[str, dict[str, str]]:
    """Table rows carrying ``marker`` (an attribute, e.g. ``data-type``): {marker value: {attribute: value}}."""
    found = {}
    for tag in re.findall(rf"<tr [^>]*{marker}=\"[^\"]*\"[^>]*>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        found[attrs[marker]] = attrs
    return found


def holdings(response) -> dict[str, tuple[int, int, int]]:
    """The commune page's held-against-standard table: {type code: (standard, held, shortage)}."""
    html = response.content.decode()
    section = html[html.index('data-testid="holdings"') : html.index('data-testid="issuances"')]
    return {
        code: (int(a["data-standard"]), int(a["data-held"]), int(a["data-shortage"]))
        for code, a in rows_with(section, "data-type").items()
    }


def db_state() -> dict[str, list]:
    """Everything the equipment pages write: any write shows up."""
    from equipment.models import StockLevel

    return {
        "items": list(EquipmentItem.objects.order_by("pk").values()),
        "item_history": EquipmentItem.history.count(),
        "issuances": list(Issuance.objects.order_by("pk").values()),
        "levels": list(StockLevel.objects.order_by("pk").values()),
    }
