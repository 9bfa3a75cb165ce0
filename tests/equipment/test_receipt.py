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


def test_receipt_of_a_radio_handed_to_the_chief(cat, chief, client_as, users):
    (radio,) = items(cat.radio, "BD-2024-0001", warehouse=cat.store)
    issuance = services.issuance_create(
        commune=Commune.objects.get(code=QUANG_TRUNG), equipment_type=cat.radio, warehouse=cat.store,
        issued_on=TODAY, user=users["provincial_clerk"], item=radio, officer=chief, note="Kèm pin dự phòng",
    )  # fmt: skip
    response = client_as("committee").get(receipt_url(issuance))
    assert response["Content-Disposition"] == f'inline; filename="bien-ban-ban-giao-{issuance.pk}.pdf"'
    text = pdf_text(response)
    for expected in [
        "CÔNG AN TỈNH KON TUM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN BÀN GIAO TRANG BỊ, PHƯƠNG TIỆN",
        f"Số: {issuance.pk:05d}/BBBG",
        f"Ngày {TODAY:%d} tháng {TODAY:%m} năm {TODAY:%Y}",
        "Kho hậu cần Công an tỉnh Kon Tum",
        "Công an Phường Quang Trung, Thành phố Kon Tum",
        "đồng chí Y Đức Nguyễn Thị Hằng (Đại úy)",
        "Máy bộ đàm cầm tay",
        "BD-2024-0001",
        "Kèm pin dự phòng",
        "BÊN GIAO",
        "BÊN NHẬN",
    ]:
        assert expected in text, expected
    assert users["provincial_clerk"].get_full_name() in text  # who drew it up: "Nguyễn Văn"


def test_receipt_is_vietnamese_whatever_the_interface_language(cat, chief, client_as, users):
    (radio,) = items(cat.radio, "BD-1", warehouse=cat.store)
    issuance = services.issuance_create(
        commune=Commune.objects.get(code=QUANG_TRUNG), equipment_type=cat.radio, warehouse=cat.store,
        issued_on=YESTERDAY, user=users["administrator"], item=radio, officer=chief,
    )  # fmt: skip
    client = client_as("provincial_clerk")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    text = pdf_text(client.get(receipt_url(issuance)))
    assert "(Đại úy)" in text
    assert "Captain" not in text
    assert "Tình trạng: đang quản lý, sử dụng." in text
    assert "Held" not in text

    services.issuance_return(issuance=issuance, returned_on=TODAY, condition="damaged", user=users["administrator"])
    text = pdf_text(client.get(receipt_url(issuance)))
    assert f"Tình trạng: đã trả lại (hư hỏng, chờ sửa chữa) ngày {TODAY:%d/%m/%Y}." in text


def test_receipt_of_a_quantity(cat, client_as, users):
    services.stock_receive(warehouse=cat.store, equipment_type=cat.baton, quantity=20, user=users["administrator"])
    issuance = services.issuance_create(
        commune=Commune.objects.get(code=QUANG_TRUNG), equipment_type=cat.baton, warehouse=cat.store,
        issued_on=TODAY, user=users["administrator"], quantity=12,
    )  # fmt: skip
    services.issuance_report_lost(
        issuance=issuance, lost_on=TODAY, note="Thất lạc khi diễn tập", user=users["administrator"]
    )
    text = pdf_text(client_as("provincial_clerk").get(receipt_url(issuance)))
    assert "1 Dùi cui cao su — chiếc 12" in text  # row: no., name, no serial number, unit, quantity
    assert "đồng chí" not in text  # handed to the post, not to an officer
    assert "Thất lạc khi diễn tập" in text
    assert f"Tình trạng: đã báo mất ngày {TODAY:%d/%m/%Y}." in text


def test_receipt_is_scoped_like_the_commune(cat, chief, client_as, users):
    (radio,) = items(cat.radio, "BD-1", warehouse=cat.store)
    issuance = services.issuance_create(
        commune=Commune.objects.get(code=QUANG_TRUNG), equipment_type=cat.radio, warehouse=cat.store,
        issued_on=TODAY, user=users["administrator"], item=radio,
    )  # fmt: skip
    assert client_as("district_clerk").get(receipt_url(issuance)).status_code == 404  # Kon Tum city, not Đắk Glei
    assert client_as("no_role").get(receipt_url(issuance)).status_code == 403
    assert client_as("administrator").get(receipt_url(issuance)).status_code == 200
