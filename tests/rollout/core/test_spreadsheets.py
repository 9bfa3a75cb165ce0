"""Reading uploaded workbooks (``read_dataset``) and writing formula-safe ones (``xlsx_bytes``)."""

import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from defusedxml.common import EntitiesForbidden
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from rollout.core.spreadsheets import escape_formula, read_dataset, validate_xlsx_upload, xlsx_bytes


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patched(content: bytes, member: str, change) -> bytes:
    """``content`` with one ZIP member rewritten by ``change``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            archive.writestr(item, change(data) if item.filename == member else data)
    return buffer.getvalue()


def as_upload(content: bytes, name: str = "x.xlsx") -> ContentFile:
    return ContentFile(content, name=name)


def read(content: bytes, **kwargs):
    return read_dataset(as_upload(content), **kwargs)


def refusal(content: bytes, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        read(content, **kwargs)
    return caught.value.code


# --- escape_formula ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["=1+1", '=HYPERLINK("http://x","y")', "+84 123", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1"],
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(value):
    assert escape_formula(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["Xã Đắk Blô", "", "a=b", "'=already", 5, -5, 1.5, None, True, datetime.date(2020, 1, 1)],
)
def test_other_values_are_left_alone(value):
    assert escape_formula(value) == value


# --- xlsx_bytes ----------------------------------------------------------------------------------------


def test_xlsx_bytes_writes_no_formula_and_keeps_numbers_and_dates():
    content = xlsx_bytes(
        ["Tên", "Số", "Ngày"],
        [
            ["=1+1", -5, datetime.date(2021, 3, 15)],
            ["@cmd", 12.5, None],
            ["-1", 0, datetime.datetime(2021, 3, 15, 8, 30)],
        ],
        sheet_title="Một tên trang tính rất dài vượt quá ba mươi mốt ký tự",
    )

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert len(sheet.title) == 31
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [
        ("Tên", "Số", "Ngày"),
        ("'=1+1", -5, datetime.datetime(2021, 3, 15)),
        ("'@cmd", 12.5, None),
        ("'-1", 0, datetime.datetime(2021, 3, 15, 8, 30)),
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["C2"].number_format == "DD/MM/YYYY"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_bytes_survives_control_characters_lazy_text_and_time_zones():
    aware = datetime.datetime(2021, 3, 15, 1, 0, tzinfo=datetime.UTC)

    with translation.override("en"):
        content = xlsx_bytes([gettext_lazy("Name"), "Khi"], [["Xã\x0bĐắk\x00 Blô", aware]])

    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("Name", "Khi")
    assert rows[1][0] == "XãĐắk Blô"
    local = aware.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)
    assert rows[1][1] == local


# --- read_dataset --------------------------------------------------------------------------------------


def test_read_dataset_strips_text_drops_blank_rows_and_keeps_sheet_row_numbers():
    content = workbook(
        [" Mã xã ", "Tên", "Ngày", None],
        [23347, "  Xã Đắk Man  ", datetime.datetime(2021, 3, 15)],
        [None, "   ", None],
        [],
        [23353, "Xã Đắk Pék", datetime.datetime(2021, 3, 15, 8, 30)],
    )

    dataset = read(content)

    assert dataset.headers == ["Mã xã", "Tên", "Ngày"]
    assert list(dataset) == [
        (23347, "Xã Đắk Man", datetime.date(2021, 3, 15)),
        (23353, "Xã Đắk Pék", datetime.datetime(2021, 3, 15, 8, 30)),
    ]
    assert dataset.sheet_row_numbers == [2, 5]


def test_read_dataset_reads_only_the_first_sheet():
    book = Workbook()
    book.active.append(["Mã xã"])
    book.active.append([1])
    other = book.create_sheet("Khác")
    other.append(["Mã xã"])
    other.append([2])
    buffer = io.BytesIO()
    book.save(buffer)

    assert list(read(buffer.getvalue())) == [(1,)]


def test_read_dataset_trusts_the_cells_not_a_wrong_dimension():
    """Some programs write <dimension ref="A1:A1"/> whatever the sheet holds; openpyxl's read-only mode would
    then drop every other column."""
    content = workbook(["Mã xã", "Dân số"], [23347, 100], [23353, 200])
    content = patched(content, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'ref="A1:B3"', b'ref="A1:A1"'))

    dataset = read(content)

    assert dataset.headers == ["Mã xã", "Dân số"]
    assert list(dataset) == [(23347, 100), (23353, 200)]


@pytest.mark.parametrize(
    ("change", "member"),
    [
        (lambda xml: xml[: len(xml) - 60], "xl/worksheets/sheet1.xml"),  # truncated XML
        (lambda xml: xml.replace(b"<v>100</v>", b"<v>abc</v>"), "xl/worksheets/sheet1.xml"),  # a bad number
        (lambda xml: b"\x00\x01 not xml", "xl/worksheets/sheet1.xml"),
        (lambda xml: b"not xml", "xl/workbook.xml"),
    ],
    ids=["truncated-sheet", "bad-number-cell", "binary-sheet", "broken-workbook-xml"],
)
def test_a_damaged_workbook_is_a_validation_error_not_a_crash(change, member):
    content = patched(workbook(["Mã xã", "Dân số"], [23347, 100]), member, change)

    assert refusal(content) == "bad_xlsx"


def test_xml_entities_are_refused():
    """A billion-laughs payload in the sheet: openpyxl parses with defusedxml, which refuses any entity."""
    assert openpyxl.DEFUSEDXML
    doctype = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'

    def bomb(xml):
        assert b"<t>x</t>" in xml
        return doctype + xml.replace(b"<t>x</t>", b"<t>&lol2;</t>")

    content = patched(workbook(["Mã xã"], ["x"]), "xl/worksheets/sheet1.xml", bomb)

    with pytest.raises(ValidationError) as caught:
        read(content)

    assert caught.value.code == "bad_xlsx"
    causes, error = [], caught.value
    while error is not None:
        causes.append(type(error))
        error = error.__cause__ or error.__context__
    assert EntitiesForbidden in causes


@pytest.mark.parametrize(
    ("rows", "kwargs", "code"),
    [
        ([["Mã xã"]], {}, "empty"),
        ([], {}, "empty"),
        ([[None, None], [1, 2]], {}, "empty"),
        ([["Mã xã", "Mã xã"], [1, 2]], {}, "duplicate_header"),
        ([["Dân số"], [1]], {"required_headers": ["Mã xã"]}, "missing_header"),
        ([["Mã xã", "Ghi chú"], [1, "x"]], {"allowed_headers": ["Mã xã"]}, "unknown_header"),
        ([["Mã xã"], [1, "lạc cột"]], {}, "headerless_value"),
        ([["Mã xã", None, "Dân số"], [1, "lạc cột", 2]], {}, "headerless_value"),
        ([["Mã xã"], [1], [2], [3]], {}, "too_many_rows"),
    ],
    ids=[
        "header-only",
        "nothing",
        "no-header",
        "duplicate",
        "missing",
        "unknown",
        "value-right-of-headers",
        "value-under-blank-header",
        "too-many-rows",
    ],
)
def test_read_dataset_refuses_bad_sheets(settings, rows, kwargs, code):
    settings.IMPORT_MAX_ROWS = 2

    assert refusal(workbook(*rows), **kwargs) == code


def test_read_dataset_accepts_known_and_blank_headers_when_restricted():
    dataset = read(workbook(["Mã xã", None, "Dân số"], [1, None, 2]), allowed_headers=["Mã xã", "Dân số"])

    assert list(dataset) == [(1, None, 2)]


# --- validate_xlsx_upload ------------------------------------------------------------------------------


def test_the_size_limit_is_checked_before_anything_is_read(settings):
    content = workbook(["Mã xã"], [1])
    settings.IMPORT_MAX_UPLOAD_BYTES = len(content) - 1

    with pytest.raises(ValidationError) as caught:
        validate_xlsx_upload(as_upload(content))

    assert caught.value.code == "too_large"
    settings.IMPORT_MAX_UPLOAD_BYTES = len(content)
    validate_xlsx_upload(as_upload(content))


def test_the_uncompressed_size_is_checked(settings):
    content = workbook(["Mã xã", "Ghi chú"], *([1, "A" * 10_000] for _ in range(50)))
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 100_000

    with pytest.raises(ValidationError) as caught:
        validate_xlsx_upload(as_upload(content))

    assert caught.value.code == "too_large"
    assert len(content) < 100_000


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("x.csv", b"a,b\n1,2\n", "extension"),
        ("x", b"PK\x03\x04", "extension"),
        ("x.xlsx", b"", "empty"),
        ("x.xlsx", b"a,b\n1,2\n", "not_xlsx"),
        ("x.xlsx", b"PK\x03\x04" + b"\x00" * 64, "bad_zip"),
    ],
)
def test_validate_xlsx_upload_refuses(name, content, code):
    with pytest.raises(ValidationError) as caught:
        validate_xlsx_upload(as_upload(content, name))

    assert caught.value.code == code
