"""The hand-over receipt (biên bản bàn giao) as PDF: made by WeasyPrint, its text read back with pypdf."""

import io
import re
import unicodedata

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from pypdf import PdfReader

from communes.models import Commune
from equipment import services
from equipment.models import EquipmentItem, Handover
from tests.builders.equipment import QUANG_TRUNG, TODAY, YESTERDAY, items, make_catalogue, officer_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(demo_baseline):
    return make_catalogue(store_name="Kho hậu cần Công an tỉnh Kon Tum")


@pytest.fixture
def chief(cat, users):
    return officer_at(QUANG_TRUNG, users["administrator"], full_name="Y Đức Nguyễn Thị Hằng", rank=7)  # Đại úy


def receipt_url(issuance) -> str:
    return reverse("equipment:issuance_receipt", args=[issuance.pk])


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # One space between words (line breaks and spacing are layout), letters as composed code points.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def issue_to(commune_code, cat, user, *, item=None, equipment_type=None, quantity=1, officer=None, on=TODAY,
             note="", warehouse=None):  # fmt: skip
    return services.issuance_create(
        commune=Commune.objects.get(code=commune_code), equipment_type=equipment_type or item.equipment_type,
        warehouse=warehouse or cat.store, issued_on=on, user=user, item=item, quantity=quantity, officer=officer,
        note=note,
    )  # fmt: skip


def test_one_receipt_lists_everything_handed_to_the_chief_in_one_act(cat, chief, client_as, users):
    clerk = users["provincial_clerk"]
    (radio,) = items(cat.radio, "BD-2024-0001", warehouse=cat.store)
    (bike,) = items(cat.motorbike, "XM-2024-0007", warehouse=cat.store)
    first = issue_to(QUANG_TRUNG, cat, clerk, item=radio, officer=chief, note="Kèm pin dự phòng")
    second = issue_to(QUANG_TRUNG, cat, clerk, item=bike, officer=chief)
    assert first.handover == second.handover
    handover = first.handover

    response = client_as("committee").get(reverse("equipment:handover_receipt", args=[handover.pk]))
    assert response["Content-Disposition"] == f'inline; filename="bien-ban-ban-giao-{handover.pk}.pdf"'
    text = pdf_text(response)
    for expected in [
        "CÔNG AN TỈNH KON TUM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Kon Tum, ngày {TODAY:%d} tháng {TODAY:%m} năm {TODAY:%Y}",
        "BIÊN BẢN BÀN GIAO TRANG BỊ, PHƯƠNG TIỆN",
        f"Số: {handover.pk:05d}/BBBG",
        "Bên giao: Kho hậu cần Công an tỉnh Kon Tum",
        "Bên nhận: Công an phường Quang Trung, Thành phố Kon Tum",
        "đồng chí Y Đức Nguyễn Thị Hằng (Đại úy)",
        "1 Máy bộ đàm cầm tay BD-2024-0001 chiếc 1 Kèm pin dự phòng",
        "2 Xe mô tô tuần tra XM-2024-0007 chiếc 1",
        "Tổng cộng: 2 khoản.",
        "ĐẠI DIỆN BÊN GIAO",
        "ĐẠI DIỆN BÊN NHẬN",
    ]:
        assert expected in text, expected
    assert "Công an Phường" not in text
    assert clerk.get_full_name() in text  # who drew it up: "Nguyễn Văn"
    # The address earlier receipts were printed from gives the same act's receipt.
    again = client_as("committee").get(reverse("equipment:issuance_receipt", args=[second.pk]))
    again = pdf_text(again)
    assert f"Số: {handover.pk:05d}/BBBG" in again and "BD-2024-0001" in again and "XM-2024-0007" in again


@pytest.mark.parametrize("different", ["holder", "officer", "day", "warehouse"])
def test_another_holder_day_or_warehouse_is_another_receipt(cat, chief, users, different):
    admin = users["administrator"]
    radio, other = items(cat.radio, "BD-1", "BD-2", warehouse=cat.store)
    items(cat.radio, "BD-G", warehouse=cat.glei_store)
    first = issue_to(QUANG_TRUNG, cat, admin, item=radio, officer=chief)
    kwargs = {"item": other, "officer": chief}
    if different == "holder":
        kwargs["officer"] = None  # the post itself, not its chief
    elif different == "officer":
        kwargs["officer"] = officer_at(QUANG_TRUNG, admin, post="officer")
    elif different == "day":
        kwargs["on"] = YESTERDAY
    else:
        kwargs["item"] = EquipmentItem.objects.get(serial_number="BD-G")
        kwargs["warehouse"] = cat.glei_store
    second = issue_to(QUANG_TRUNG, cat, admin, **kwargs)
    assert first.handover != second.handover
    assert Handover.objects.count() == 2


def test_receipt_is_vietnamese_whatever_the_interface_language(cat, chief, client_as, users):
    (radio,) = items(cat.radio, "BD-1", warehouse=cat.store)
    issuance = issue_to(QUANG_TRUNG, cat, users["administrator"], item=radio, officer=chief, on=YESTERDAY)
    client = client_as("provincial_clerk")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    text = pdf_text(client.get(receipt_url(issuance)))
    assert "(Đại úy)" in text
    assert "Captain" not in text
    assert "Held" not in text


def test_return_receipt_lists_what_came_back_together(cat, chief, client_as, users):
    admin = users["administrator"]
    radio, spare = items(cat.radio, "BD-1", "BD-2", warehouse=cat.store)
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=20, user=admin)
    held = [
        issue_to(QUANG_TRUNG, cat, admin, item=radio, officer=chief, on=YESTERDAY),
        issue_to(QUANG_TRUNG, cat, admin, equipment_type=cat.baton, quantity=3, officer=chief, on=YESTERDAY),
    ]
    kept = issue_to(QUANG_TRUNG, cat, admin, item=spare, officer=chief, on=YESTERDAY)
    returned = [
        services.issuance_return(
            issuance=held[0], returned_on=TODAY, condition="damaged", user=users["provincial_clerk"]
        ),
        services.issuance_return(issuance=held[1], returned_on=TODAY, condition="good", user=admin),
    ]
    act = returned[0].return_handover
    assert act.kind == "return" and returned[1].return_handover == act
    kept.refresh_from_db()
    assert kept.return_handover is None

    response = client_as("committee").get(reverse("equipment:handover_receipt", args=[act.pk]))
    assert response["Content-Disposition"] == f'inline; filename="bien-ban-thu-hoi-{act.pk}.pdf"'
    text = pdf_text(response)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Kon Tum, ngày {TODAY:%d} tháng {TODAY:%m} năm {TODAY:%Y}",
        "BIÊN BẢN THU HỒI TRANG BỊ, PHƯƠNG TIỆN",
        f"Số: {act.pk:05d}/BBTH",
        "Bên giao: Công an phường Quang Trung, Thành phố Kon Tum — đồng chí Y Đức Nguyễn Thị Hằng (Đại úy)",
        "Bên nhận: Kho hậu cần Công an tỉnh Kon Tum",
        "Máy bộ đàm cầm tay BD-1 chiếc 1 Hư hỏng, chờ sửa chữa",
        "Dùi cui cao su — chiếc 3 Tốt",
        "Tổng cộng: 2 khoản.",
    ]:
        assert expected in text, expected
    assert "BD-2" not in text  # still held: not on the return receipt


def test_receipt_of_a_quantity_to_the_post(cat, client_as, users):
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=20, user=users["administrator"])
    issuance = issue_to(QUANG_TRUNG, cat, users["administrator"], equipment_type=cat.baton, quantity=12)
    text = pdf_text(client_as("provincial_clerk").get(receipt_url(issuance)))
    assert "1 Dùi cui cao su — chiếc 12" in text  # row: no., name, no serial number, unit, quantity
    assert "đồng chí" not in text  # handed to the post, not to an officer


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("Xã Ngọc Lây", "Công an xã Ngọc Lây"),
        ("Thị trấn Đắk Glei", "Công an thị trấn Đắk Glei"),
        ("Phường Quang Trung", "Công an phường Quang Trung"),
        ("Ia Chim", "Công an Ia Chim"),  # no unit prefix: the name as it is
    ],
)
def test_the_commune_police_unit_is_named_as_documents_write_it(name, unit):
    assert Commune(name=name).police_unit == unit


def test_receipt_is_scoped_like_the_commune(cat, chief, client_as, users):
    (radio,) = items(cat.radio, "BD-1", warehouse=cat.store)
    issuance = services.issuance_create(
        commune=Commune.objects.get(code=QUANG_TRUNG), equipment_type=cat.radio, warehouse=cat.store,
        issued_on=TODAY, user=users["administrator"], item=radio,
    )  # fmt: skip
    assert client_as("district_clerk").get(receipt_url(issuance)).status_code == 404  # Kon Tum city, not Đắk Glei
    assert client_as("no_role").get(receipt_url(issuance)).status_code == 403
    assert client_as("administrator").get(receipt_url(issuance)).status_code == 200


def test_receipt_queries_do_not_grow_with_its_lines(cat, chief, client_as, users, django_assert_max_num_queries):
    admin = users["administrator"]
    units = items(cat.radio, *[f"BD-{n}" for n in range(12)], warehouse=cat.store)
    first = issue_to(QUANG_TRUNG, cat, admin, item=units[0], officer=chief)
    client = client_as("provincial_clerk")
    url = reverse("equipment:handover_receipt", args=[first.handover_id])
    with django_assert_max_num_queries(20) as one_line:
        assert "BD-0" in pdf_text(client.get(url))
    for unit in units[1:]:
        issue_to(QUANG_TRUNG, cat, admin, item=unit, officer=chief)
    with django_assert_max_num_queries(len(one_line.captured_queries)):
        assert "BD-11" in pdf_text(client.get(url))
