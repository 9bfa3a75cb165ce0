"""Serial-numbered equipment in Excel: upload → preview → confirm, the template and the export.

Every workbook is built with openpyxl here and goes through the real views; the tests assert on what was (and
was not) written. Clients pick English with the language cookie so that messages do not depend on the
Vietnamese catalogue; column names and values are Vietnamese anyway.
"""

import datetime
import io
import re
import unicodedata

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from equipment import services
from equipment.models import EquipmentItem, ItemStatus
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.equipment import DAK_MAN, TODAY, TOMORROW, YESTERDAY, db_state, items, make_catalogue, officer_at
from tests.builders.spreadsheets import xlsx as spreadsheet

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("equipment:items_import")
HEADERS = ["Mã loại", "Số sê-ri", "Kho", "Ngày nhập", "Ghi chú"]
EXPORT_HEADERS = ["Mã loại", "Loại trang bị", "Số sê-ri", "Kho", "Tình trạng", "Ngày nhập", "Ghi chú"]
STORE = "Kho Công an tỉnh"
GLEI = "Kho Công an huyện Đắk Glei"
NGOC_HOI = "Kho Công an huyện Ngọc Hồi"


def xlsx(headers, rows, **options) -> bytes:
    return spreadsheet(headers, rows, title="Trang bị", **options)


def in_english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def cat(demo_baseline):
    return make_catalogue(store_name=STORE)


@pytest.fixture
def clerk(client_as):
    return in_english(client_as("provincial_clerk"))


def preview(client, content: bytes, name: str = "trang-bi.xlsx"):
    upload = SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)
    return client.post(IMPORT_URL, {"file": upload})


def confirm(client, token: str):
    return client.post(IMPORT_URL, {"token": token})


def statuses(response) -> dict[int, str]:
    return {row.number: row.status for row in response.context["report"].rows}


def errors_by_row(response) -> dict[int, list[tuple[str, object]]]:
    """{sheet row: [(column, value)]} of every error in the preview."""
    return {
        row.number: [(e.column, e.value) for e in row.errors] for row in response.context["report"].rows if row.errors
    }


def messages_of(response) -> list[str]:
    return [row_error.message for row in response.context["report"].rows for row_error in row.errors]


def sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


# --- a good file ---------------------------------------------------------------------------------------


def test_good_file_previews_then_confirm_registers_the_units(cat, clerk, users, settings):
    (known,) = items(cat.radio, "BD-009", warehouse=cat.store)
    content = xlsx(
        HEADERS,
        [
            ["may-bo-dam", "BD-001", STORE, "15/03/2024", "Lô 1"],  # a date written as text
            ["xe-may", 1234567, GLEI, datetime.datetime(2024, 6, 1), None],  # a serial typed as a number, a date cell
            ["may-bo-dam", "BD-009", GLEI, known.received_on, "Chuyển kho huyện"],  # known: moves, gets a note
            ["may-bo-dam", "XM-001", STORE, "01/01/2024", ""],  # a serial a motorbike also has: another unit
        ],
    )
    before = db_state()

    response = preview(clerk, content)

    assert response.status_code == 200
    assert statuses(response) == {2: "new", 3: "new", 4: "changed", 5: "new"}
    report = response.context["report"]
    assert report.ok
    changes = {row.number: {c[0]: (c[1], c[2]) for c in row.changes} for row in report.rows}
    assert changes[4] == {"Kho": (STORE, GLEI), "Ghi chú": ("", "Chuyển kho huyện")}
    html = response.content.decode()
    assert 'data-testid="import-confirm"' in html
    assert html.count('data-status="new"') == 3
    assert db_state() == before  # the preview wrote nothing

    response = confirm(clerk, response.context["token"])
    assert response.status_code == 302
    assert response["Location"] == reverse("equipment:stock")
    got = {
        (i.equipment_type.code, i.serial_number): (i.warehouse.name, i.received_on, i.note, i.status)
        for i in EquipmentItem.objects.select_related("equipment_type", "warehouse")
    }
    assert got == {
        ("may-bo-dam", "BD-001"): (STORE, datetime.date(2024, 3, 15), "Lô 1", ItemStatus.IN_STOCK),
        ("xe-may", "1234567"): (GLEI, datetime.date(2024, 6, 1), "", ItemStatus.IN_STOCK),
        ("may-bo-dam", "BD-009"): (GLEI, known.received_on, "Chuyển kho huyện", ItemStatus.IN_STOCK),
        ("may-bo-dam", "XM-001"): (STORE, datetime.date(2024, 1, 1), "", ItemStatus.IN_STOCK),
    }
    new = EquipmentItem.objects.get(serial_number="BD-001")
    assert new.history.get().history_user == users["provincial_clerk"]
    assert confirm(clerk, "x" * 32).status_code == 302  # the token is used up
    assert EquipmentItem.objects.count() == 4


def test_an_issued_unit_keeps_its_status_when_imported_again(cat, clerk, users):
    officer_at(DAK_MAN, users["administrator"])
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    _issue(cat, radio, users["administrator"])
    response = preview(clerk, xlsx(HEADERS, [["may-bo-dam", "BD-001", STORE, radio.received_on, "Ghi chú mới"]]))
    assert statuses(response) == {2: "changed"}
    confirm(clerk, response.context["token"])
    radio.refresh_from_db()
    assert (radio.status, radio.note) == (ItemStatus.ISSUED, "Ghi chú mới")


def _issue(cat, item, user):
    from communes.models import Commune

    return services.issuance_create(
        commune=Commune.objects.get(code=DAK_MAN), equipment_type=cat.radio, warehouse=cat.store, issued_on=TODAY,
        user=user, item=item,
    )  # fmt: skip


def test_unchanged_rows_are_reported_and_blank_rows_keep_sheet_numbers(cat, clerk):
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    content = xlsx(
        HEADERS,
        [["may-bo-dam", "BD-001", STORE, radio.received_on, None], ["may-bo-dam", "BD-002", STORE, "02/01/2024"]],
        blank_rows_after=(0,),
    )
    response = preview(clerk, content)
    assert statuses(response) == {2: "unchanged", 4: "new"}


# --- bad rows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["bo-dam-xyz", "BD-100", STORE, "01/02/2024", None], "Mã loại"),  # unknown type code
        (["may-bo-dam", "BD-100", "Kho không tồn tại", "01/02/2024", None], "Kho"),  # unknown warehouse
        (["dui-cao-su", "DC-1", STORE, "01/02/2024", None], "Mã loại"),  # counted by quantity, not by serial
        (["may-bo-dam", "BD-100", STORE, "31/02/2024", None], "Ngày nhập"),  # no such day
        (["may-bo-dam", "BD-100", STORE, "ngày mai", None], "Ngày nhập"),
        (["may-bo-dam", "BD-100", STORE, TOMORROW.strftime("%d/%m/%Y"), None], "Ngày nhập"),  # in the future
        (["may-bo-dam", "BD-100", STORE, None, None], "Ngày nhập"),  # a new unit needs its date
        (["may-bo-dam", None, STORE, "01/02/2024", None], "Số sê-ri"),
        (["may-bo-dam", "B" * 61, STORE, "01/02/2024", None], "Số sê-ri"),
        (["may-bo-dam", "BD-100", None, "01/02/2024", None], "Kho"),
        (["may-bo-dam", "BD-100", STORE, "01/02/2024", "x" * 301], "Ghi chú"),
    ],
)
def test_a_bad_row_is_reported_with_its_column_and_nothing_is_written(cat, clerk, settings, row, column):
    good = ["may-bo-dam", "BD-001", STORE, "01/01/2024", "Tốt"]
    before = db_state()
    response = preview(clerk, xlsx(HEADERS, [good, row]))
    assert response.status_code == 400
    assert statuses(response) == {2: "new", 3: "error"}
    assert [c for c, _value in errors_by_row(response)[3]] == [column]
    html = response.content.decode()
    assert 'data-testid="import-refused"' in html
    assert 'data-testid="import-confirm"' not in html
    assert response.context["token"] is None
    assert db_state() == before
    assert not (settings.MEDIA_ROOT / "imports").exists() or not any((settings.MEDIA_ROOT / "imports").iterdir())


def test_every_bad_row_is_reported_at_once(cat, clerk):
    items(cat.radio, "BD-900", warehouse=cat.store)
    content = xlsx(
        HEADERS,
        [
            ["khong-co", "BD-100", STORE, "01/02/2024", None],  # 2: unknown type
            ["may-bo-dam", "BD-101", "Kho ma", "01/02/2024", None],  # 3: unknown warehouse
            ["may-bo-dam", "BD-102", STORE, "01/02/2024", None],  # 4: good
            ["may-bo-dam", "BD-102", STORE, "01/02/2024", None],  # 5: listed twice (first in row 4)
            ["dui-cao-su", "DC-1", STORE, "01/02/2024", None],  # 6: unserialised type
            ["xe-may", "XM-1", STORE, "2024/02/31", None],  # 8: bad date (row 7 is blank)
        ],
        blank_rows_after=(4,),
    )
    before = db_state()
    response = preview(clerk, content)
    assert response.status_code == 400
    assert errors_by_row(response) == {
        2: [("Mã loại", "khong-co")],
        3: [("Kho", "Kho ma")],
        5: [("Số sê-ri", "BD-102")],
        6: [("Mã loại", "dui-cao-su")],
        8: [("Ngày nhập", "2024/02/31")],
    }
    duplicate = [e.message for row in response.context["report"].rows if row.number == 5 for e in row.errors]
    assert re.search(r"\b4\b", duplicate[0])  # names the row where the unit is first listed
    assert db_state() == before


def test_a_duplicate_names_the_right_row_after_a_bad_row(cat, clerk):
    content = xlsx(
        HEADERS,
        [
            ["khong-co", "BD-100", STORE, "01/02/2024", None],  # 2: unknown type
            ["may-bo-dam", "BD-7", STORE, "01/02/2024", None],  # 4: first listing (row 3 is blank)
            ["may-bo-dam", "BD-7", STORE, "01/02/2024", None],  # 5: again
        ],
        blank_rows_after=(0,),
    )
    response = preview(clerk, content)
    message = [e.message for row in response.context["report"].rows if row.number == 5 for e in row.errors]
    assert len(message) == 1 and re.search(r"\b4\b", message[0]) and not re.search(r"\b[23]\b", message[0])


def test_a_confirmed_file_that_turned_bad_writes_nothing(cat, clerk):
    content = xlsx(
        HEADERS, [["may-bo-dam", "BD-001", STORE, "01/01/2024"], ["may-bo-dam", "BD-002", STORE, "01/01/2024"]]
    )
    response = preview(clerk, content)
    token = response.context["token"]
    items(cat.radio, "BD-003", warehouse=cat.store)
    cat.store.name = "Kho đã đổi tên"  # the warehouse is renamed between the preview and the confirmation
    cat.store.save()
    before = db_state()
    response = confirm(clerk, token)
    assert response.status_code == 400
    assert set(errors_by_row(response)) == {2, 3}
    assert db_state() == before


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (["Mã loại", "Kho", "Ngày nhập"], "missing_headers"),  # no serial column
        (HEADERS + ["Cột lạ"], "unknown_headers"),
    ],
)
def test_a_file_with_wrong_columns_is_refused(cat, clerk, headers, code):
    response = preview(clerk, xlsx(headers, [["may-bo-dam"] * len(headers)]))
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["file"]
    assert len(errors) == 1
    assert 'data-testid="file-error"' in response.content.decode()
    assert not EquipmentItem.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(cat, clerk):
    response = preview(clerk, b"Ma loai;So seri\nmay-bo-dam;1\n", name="trang-bi.csv")
    assert response.status_code == 400
    assert 'data-testid="file-error"' in response.content.decode()
    assert not EquipmentItem.objects.exists()


# --- the user's area -----------------------------------------------------------------------------------


def test_district_clerk_imports_only_into_warehouses_of_their_area(cat, client_as):
    client = in_english(client_as("district_clerk"))
    items(cat.radio, "NH-1", warehouse=cat.ngoc_hoi_store)
    content = xlsx(
        HEADERS,
        [
            ["may-bo-dam", "BD-1", GLEI, "01/02/2024", None],  # own district: fine
            ["may-bo-dam", "BD-2", STORE, "01/02/2024", None],  # the provincial store: fine
            ["may-bo-dam", "BD-3", NGOC_HOI, "01/02/2024", None],  # another district's warehouse
            ["may-bo-dam", "NH-1", GLEI, "01/02/2024", None],  # a unit of another district's warehouse
        ],
    )
    before = db_state()
    response = preview(client, content)
    assert response.status_code == 400
    assert errors_by_row(response) == {4: [("Kho", NGOC_HOI)], 5: [("Số sê-ri", "NH-1")]}
    assert db_state() == before

    response = preview(client, xlsx(HEADERS, [["may-bo-dam", "BD-1", GLEI, "01/02/2024", None]]))
    assert confirm(client, response.context["token"]).status_code == 302
    assert EquipmentItem.objects.get(serial_number="BD-1").warehouse == cat.glei_store
    assert EquipmentItem.objects.get(serial_number="NH-1").warehouse == cat.ngoc_hoi_store


def test_committee_cannot_import(cat, client_as):
    client = client_as("committee")
    assert client.get(IMPORT_URL).status_code == 403
    response = preview(client, xlsx(HEADERS, [["may-bo-dam", "BD-1", STORE, "01/02/2024", None]]))
    assert response.status_code == 403
    assert not EquipmentItem.objects.exists()


# --- template and export -------------------------------------------------------------------------------


def test_template_has_the_import_columns(cat, clerk):
    response = clerk.get(reverse("equipment:items_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert sheet_rows(response.content) == [tuple(HEADERS)]


def test_export_lists_the_units_of_the_users_warehouses(cat, client_as, users):
    officer_at(DAK_MAN, users["administrator"])
    radio, _ = items(cat.radio, "BD-002", "BD-001", warehouse=cat.store)
    EquipmentItem.objects.filter(serial_number="BD-001").update(note="=HYPERLINK(1)")
    items(cat.motorbike, "XM-1", warehouse=cat.glei_store)
    items(cat.motorbike, "XM-9", warehouse=cat.ngoc_hoi_store)
    _issue(cat, radio, users["administrator"])

    response = client_as("committee").get(reverse("equipment:stock_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="trang-bi-')
    rows = sheet_rows(response.content)
    assert rows[0] == tuple(EXPORT_HEADERS)
    received = datetime.datetime.combine(YESTERDAY, datetime.time())
    with translation.override("vi"):
        in_stock, issued = str(ItemStatus.IN_STOCK.label), str(ItemStatus.ISSUED.label)
    assert rows[1:] == [
        ("may-bo-dam", "Máy bộ đàm cầm tay", "BD-001", STORE, in_stock, received, "'=HYPERLINK(1)"),
        ("may-bo-dam", "Máy bộ đàm cầm tay", "BD-002", STORE, issued, received, None),
        ("xe-may", "Xe mô tô tuần tra", "XM-1", GLEI, in_stock, received, None),
        ("xe-may", "Xe mô tô tuần tra", "XM-9", NGOC_HOI, in_stock, received, None),
    ]
    # A district clerk's export holds the units of the province's store and their district's.
    rows = sheet_rows(client_as("district_clerk").get(reverse("equipment:stock_export")).content)
    assert [r[2] for r in rows[1:]] == ["BD-001", "BD-002", "XM-1"]


def test_an_exported_file_imports_back_unchanged(cat, clerk):
    items(cat.radio, "BD-001", "BD-002", warehouse=cat.store)
    items(cat.motorbike, "XM-1", warehouse=cat.glei_store)
    EquipmentItem.objects.filter(serial_number="BD-002").update(note="+84 hàng mẫu")
    exported = clerk.get(reverse("equipment:stock_export")).content
    before = db_state()
    response = preview(clerk, exported, name="trang-bi-export.xlsx")
    assert response.status_code == 200
    assert statuses(response) == {2: "unchanged", 3: "unchanged", 4: "unchanged"}
    assert confirm(clerk, response.context["token"]).status_code == 302
    assert db_state() == before


# --- a file changes only what it says; NFC (issue 12) ----------------------------------------------------


def test_blank_cells_leave_a_known_unit_as_it_is_and_the_clear_marker_clears_its_note(cat, clerk):
    (radio,) = items(cat.radio, "BD-001", warehouse=cat.store)
    radio.note = "Pin mới"
    radio.save()
    before = db_state()

    response = preview(clerk, xlsx(HEADERS, [["may-bo-dam", "BD-001", None, None, None]]))
    assert statuses(response) == {2: "unchanged"}
    assert [row.label for row in response.context["report"].rows] == ["may-bo-dam · BD-001"]
    confirm(clerk, response.context["token"])
    assert db_state() == before

    response = preview(clerk, xlsx(HEADERS, [["may-bo-dam", "BD-001", None, None, "(Xoá)"]]))
    assert [(c.column, c.kind) for c in response.context["report"].rows[0].shown_changes] == [("Ghi chú", "cleared")]
    confirm(clerk, response.context["token"])
    radio.refresh_from_db()
    assert (radio.note, radio.warehouse) == ("", cat.store)


def test_headers_in_other_case_and_decomposed_serials_are_read_as_the_known_ones(cat, clerk):
    headers = [" MÃ LOẠI", unicodedata.normalize("NFD", "số sê-ri"), "KHO", "ngày nhập"]
    serial = unicodedata.normalize("NFD", "BĐ-Ư1")

    response = preview(clerk, xlsx(headers, [["may-bo-dam", serial, STORE, "01/01/2024"]]))

    assert response.status_code == 200, errors_by_row(response)
    confirm(clerk, response.context["token"])
    assert EquipmentItem.objects.filter(serial_number="BĐ-Ư1").exists()


def test_the_template_has_an_instruction_sheet(cat, client_as):
    workbook = load_workbook(io.BytesIO(client_as("provincial_clerk").get(reverse("equipment:items_template")).content))

    assert workbook.sheetnames == ["Trang bị", "Hướng dẫn"]
    rows = {row[0]: row[1:] for row in workbook["Hướng dẫn"].iter_rows(values_only=True) if row and row[0] in HEADERS}
    assert set(rows) == set(HEADERS)
    assert rows["Số sê-ri"][0] == "Bắt buộc: xác định bản ghi"
