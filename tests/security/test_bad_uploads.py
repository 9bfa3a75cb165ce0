"""The classic bad files on every import: the communes page and the communes admin, officers, equipment units,
class results, and the Excel list of a class's enrolment. Each file is refused with a clear message and writes
nothing (no row, no history, no pending upload left in storage); none answers 500.

Files: just over the size limit, the wrong type (CSV, text or PNG renamed .xlsx, old .xls), broken XLSX
(truncated, a ZIP without a workbook, sheet XML that is not XML or expands entities), a workbook that expands past
the uncompressed limit, an empty workbook, missing or unknown headers, too many rows, formula cells.
"""

import functools
import io
import zipfile
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import constants as levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import Workbook

from equipment.models import EquipmentItem
from personnel.models import Officer
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.spreadsheets import xlsx
from tests.builders.world import DAK_MAN, SCRIPT_FRAGMENTS, World, assert_unchanged, db_state

pytestmark = pytest.mark.django_db


@dataclass
class ImportSpec:
    role: str
    url: object  # world → url
    headers: list[str]
    row: object  # world → a valid row
    kind: str = "page"  # "page": upload → preview; "admin": django-import-export's admin; "enrol": the class's list
    strict_headers: bool = True  # unknown columns refused


IMPORTS = {
    "communes": ImportSpec("administrator", lambda w: reverse("communes:commune_import"), ["Mã xã", "Dân số"],
                           lambda w: [DAK_MAN, 1234]),
    "communes_admin": ImportSpec("administrator", lambda w: reverse("admin:communes_commune_import"),
                                 ["Mã xã", "Dân số"], lambda w: [DAK_MAN, 1234], kind="admin"),
    "officers": ImportSpec("administrator", lambda w: reverse("personnel:officer_import"),
                           ["Số hiệu", "Đơn vị công tác"], lambda w: [w.glei.police_number, "Công an huyện Đắk Glei"]),
    "equipment": ImportSpec("provincial_clerk", lambda w: reverse("equipment:items_import"),
                            ["Mã loại", "Số sê-ri", "Kho", "Ngày nhập", "Ghi chú"],
                            lambda w: ["may-bo-dam", "R-500", w.cat.glei_store.name, "15/03/2024", "Lô 1"]),
    "results": ImportSpec("provincial_clerk", lambda w: reverse("training:session_results_import", args=[w.session.pk]),
                          ["Số hiệu", "Có mặt", "Điểm", "Đạt"],
                          lambda w: [w.enrollment.officer.police_number, "Có", 8, "Có"], strict_headers=False),
    "enrolment_list": ImportSpec("provincial_clerk",
                                 lambda w: reverse("training:session_enrol", args=[w.open_session.pk]), ["Số hiệu"],
                                 lambda w: [w.free.police_number], kind="enrol", strict_headers=False),
}  # fmt: skip


def post_file(client, spec: ImportSpec, world: World, content: bytes, name: str = "file.xlsx", content_type=None):
    upload = SimpleUploadedFile(name, content, content_type=content_type or XLSX_CONTENT_TYPE)
    url = spec.url(world)
    if spec.kind == "admin":
        return client.post(url, {"resource": "0", "format": "0", "import_file": upload})
    if spec.kind == "enrol":
        return client.post(url, {"file": upload}, follow=True)
    return client.post(url, {"file": upload})


def stored_uploads() -> list:
    root = django_settings.MEDIA_ROOT / "imports"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def refusal_messages(spec: ImportSpec, response) -> list[str]:
    """The messages that tell the user why the file was refused; fails when the response is not a refusal."""
    html = response.content.decode()
    if spec.kind == "enrol":
        assert response.status_code == 200
        shown = [str(m) for m in response.context["messages"] if m.level == levels.ERROR]
    elif spec.kind == "admin":
        assert response.status_code == 200
        assert response.context.get("confirm_form") is None, "the admin offers to confirm the import"
        form_errors = response.context["form"].errors.get("import_file", []) if "form" in response.context else []
        result = response.context.get("result")
        row_errors = []
        if result is not None:
            assert result.has_errors() or result.has_validation_errors(), "the admin reports no error"
            row_errors = [str(e) for row in result.invalid_rows for e in row.error_dict.values()]
        shown = list(form_errors) or row_errors
    else:
        assert response.status_code == 400, response.status_code
        context = response.context
        shown = list(context["form"].errors.get("file", []))
        report = context.get("report")
        if not shown and report is not None:
            assert not report.ok
            shown = [error.message for row in report.errors for error in row.errors]
        assert 'data-testid="import-confirm"' not in html
    assert shown, "no message says what is wrong"
    if spec.kind != "admin":
        for message in shown[:3]:
            assert escape(message) in html, message
    return shown


def _cases():
    return [pytest.param(name, id=name) for name in IMPORTS]


def assert_accepted(spec: ImportSpec, response) -> None:
    if spec.kind == "enrol":
        assert [m for m in response.context["messages"] if m.level == levels.SUCCESS]
    elif spec.kind == "admin":
        assert response.context.get("confirm_form") is not None
    else:
        assert response.status_code == 200
        assert response.context["report"].ok


@pytest.mark.parametrize("name", _cases())
def test_a_good_file_is_accepted_by_each_import(world, client_as, name):
    """The baseline: the same headers and row pass, so a refusal below is the bad file's doing."""
    spec = IMPORTS[name]
    assert_accepted(spec, post_file(client_as(spec.role), spec, world, xlsx(spec.headers, [spec.row(world)])))


@pytest.mark.parametrize("name", [name for name, spec in IMPORTS.items() if not spec.strict_headers])
def test_an_import_that_reads_its_own_columns_ignores_an_unknown_one(world, client_as, name):
    spec = IMPORTS[name]
    response = post_file(client_as(spec.role), spec, world, _unknown_header(spec, world))
    assert_accepted(spec, response)
    assert "<script>alert(1)</script>" not in response.content.decode()


# --- the files -------------------------------------------------------------------------------------------------


def _oversized(spec, world) -> bytes:
    """Just over the limit, with the start of a ZIP: refused for its size before anything reads it."""
    return b"PK\x03\x04" + b"\x00" * (django_settings.IMPORT_MAX_UPLOAD_BYTES - 3)


def _csv(spec, world) -> bytes:
    return (",".join(spec.headers) + "\n" + ",".join(str(v) for v in spec.row(world)) + "\n").encode()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _good(spec, world) -> bytes:
    return xlsx(spec.headers, [spec.row(world)])


def _truncated(spec, world) -> bytes:
    content = _good(spec, world)
    return content[: len(content) // 2]


def _zip_without_workbook(spec, world) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    return buffer.getvalue()


def _replace_sheet(content: bytes, sheet_xml: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            archive.writestr(item, data)
    return buffer.getvalue()


def _broken_sheet_xml(spec, world) -> bytes:
    return _replace_sheet(_good(spec, world), b"<worksheet><sheetData><row><c" + b"\x00" * 10)


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>"""


def _entity_expansion(spec, world) -> bytes:
    """The "billion laughs": XML entities that expand exponentially (defusedxml stops them)."""
    return _replace_sheet(_good(spec, world), LAUGHS)


@functools.cache
def _bomb_member() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/filler.bin", b"\x00" * (django_settings.IMPORT_MAX_UNCOMPRESSED_BYTES + 1))
    return buffer.getvalue()


def _zip_bomb(spec, world) -> bytes:
    """A real workbook with one more member of zeros that expands just past the uncompressed limit: the file
    itself is small."""
    source = zipfile.ZipFile(io.BytesIO(_good(spec, world)))
    filler = zipfile.ZipFile(io.BytesIO(_bomb_member()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item.filename))
        info = filler.infolist()[0]
        archive.writestr(info, filler.read(info.filename))
    content = buffer.getvalue()
    assert len(content) < django_settings.IMPORT_MAX_UPLOAD_BYTES
    return content


def _headers_only(spec, world) -> bytes:
    return xlsx(spec.headers, [])


def _empty_workbook(spec, world) -> bytes:
    return xlsx([], [])


def _missing_headers(spec, world) -> bytes:
    return xlsx(["Ghi chú lạ"], [["x"]]) if spec.strict_headers else xlsx(["Họ và tên"], [["A Thị Hoa"]])


def _unknown_header(spec, world) -> bytes:
    return xlsx([*spec.headers, "<script>alert(1)</script>"], [[*spec.row(world), "x"]])


def _duplicate_header(spec, world) -> bytes:
    return xlsx([*spec.headers, spec.headers[0]], [[*spec.row(world), spec.row(world)[0]]])


def _headerless_value(spec, world) -> bytes:
    return xlsx(spec.headers, [[*spec.row(world), None, "lạc cột"]])


def _too_many_rows(spec, world) -> bytes:
    return xlsx(spec.headers, [spec.row(world)] * 3)  # the limit is patched to 2 below


def _formula(formula):
    def build(spec, world):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(spec.headers)
        row = spec.row(world)
        row[0] = formula  # a real formula cell (no cached value): never evaluated, so the key is missing
        sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    return build


BAD_FILES = [
    # (id, name, builder, settings to patch)
    ("oversized", "file.xlsx", _oversized, {}),
    ("csv", "file.csv", _csv, {}),
    ("csv-renamed-xlsx", "file.xlsx", _csv, {}),
    ("text-renamed-xlsx", "file.xlsx", lambda s, w: "Xin chào, đây không phải bảng tính".encode(), {}),
    ("png", "file.png", lambda s, w: PNG, {}),
    ("png-renamed-xlsx", "file.xlsx", lambda s, w: PNG, {}),
    ("old-xls", "file.xls", lambda s, w: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, {}),
    ("xlsx-renamed-exe", "file.exe", _good, {}),
    ("no-extension", "file", _good, {}),
    ("empty-file", "file.xlsx", lambda s, w: b"", {}),
    ("truncated", "file.xlsx", _truncated, {}),
    ("zip-without-workbook", "file.xlsx", _zip_without_workbook, {}),
    ("broken-sheet-xml", "file.xlsx", _broken_sheet_xml, {}),
    ("entity-expansion", "file.xlsx", _entity_expansion, {}),
    ("zip-bomb", "file.xlsx", _zip_bomb, {}),
    ("expands-past-patched-limit", "file.xlsx", lambda s, w: xlsx(s.headers, [s.row(w)] + [["A" * 30_000]] * 10),
     {"IMPORT_MAX_UNCOMPRESSED_BYTES": 100_000}),
    ("headers-no-rows", "file.xlsx", _headers_only, {}),
    ("empty-workbook", "file.xlsx", _empty_workbook, {}),
    ("missing-headers", "file.xlsx", _missing_headers, {}),
    ("unknown-header", "file.xlsx", _unknown_header, {}),
    ("duplicate-header", "file.xlsx", _duplicate_header, {}),
    ("value-without-header", "file.xlsx", _headerless_value, {}),
    ("too-many-rows", "file.xlsx", _too_many_rows, {"IMPORT_MAX_ROWS": 2}),
    ("formula", "file.xlsx", _formula("=1+1"), {}),
    ("formula-hyperlink", "file.xlsx", _formula('=HYPERLINK("http://evil.example/","Bấm vào đây")'), {}),
]  # fmt: skip


def _bad_file_cases():
    """Every import with every bad file, but an unknown column for the imports that ignore unknown columns."""
    return [
        pytest.param(name, *case[1:], id=f"{case[0]}-{name}")
        for case in BAD_FILES
        for name, spec in IMPORTS.items()
        if spec.strict_headers or case[2] is not _unknown_header
    ]


@pytest.mark.parametrize(("name", "file_name", "build", "patched"), _bad_file_cases())
def test_a_bad_file_is_refused_with_a_message_and_writes_nothing(
    world, client_as, settings, name, file_name, build, patched
):
    spec = IMPORTS[name]
    for key, value in patched.items():
        setattr(settings, key, value)
    content = build(spec, world)
    before = db_state()

    response = post_file(client_as(spec.role), spec, world, content, file_name)

    refusal_messages(spec, response)
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert_unchanged(before, db_state())
    assert stored_uploads() == []


# --- formulas and markup typed as text ---------------------------------------------------------------------------


def _as_text(headers, row, column: int) -> bytes:
    """A workbook whose cell ``column`` of the data row is text that starts with "=" (not a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    sheet.append(row)
    cell = sheet.cell(row=2, column=column + 1)
    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.example/","x")', "=1+1", "@SUM(A1)", *SCRIPT_FRAGMENTS])
def test_formula_like_text_and_markup_in_a_text_column_are_stored_as_text(world, client_as, value):
    """Text that looks like a formula or HTML is plain text: stored verbatim, shown escaped, never evaluated."""
    spec = IMPORTS["officers"]
    client = client_as(spec.role)
    content = _as_text(spec.headers, [world.glei.police_number, value], column=1)

    preview = post_file(client, spec, world, content)
    assert preview.status_code == 200, preview.context["form"].errors
    assert value not in preview.content.decode() or escape(value) == value
    token = preview.context["token"]
    client.post(spec.url(world), {"token": token})

    assert Officer.objects.get(pk=world.glei.pk).current_unit == value
    page = client.get(world.glei.get_absolute_url()).content.decode()
    assert escape(value) in page


ROW_VALUES = [
    # (import, column index, bad value)
    ("communes", 0, 999_999_999), ("communes", 0, "'; DROP TABLE communes_commune; --"),
    ("communes", 0, "<script>alert(1)</script>"), ("communes", 1, -5), ("communes", 1, 10**12),
    ("communes", 1, "abc"), ("communes", 1, "1e5"),
    ("officers", 0, "<script>alert(1)</script>"), ("officers", 1, "x" * 201),
    ("equipment", 2, "<script>alert(1)</script>"), ("equipment", 3, "01/01/1800"), ("equipment", 3, "01/01/2999"),
    ("equipment", 3, "31/02/2026"), ("equipment", 0, "1 OR 1=1"),
    ("results", 2, -1), ("results", 2, 10**12), ("results", 2, "abc"), ("results", 2, "NaN"),
    ("results", 1, "<script>alert(1)</script>"), ("results", 0, "1;DROP"),
]  # fmt: skip


ROW_IDS = [f"{n}-{c}-{str(v)[:10]}" for n, c, v in ROW_VALUES]


@pytest.mark.parametrize(("name", "column", "value"), ROW_VALUES, ids=ROW_IDS)
def test_a_bad_value_in_a_row_is_reported_escaped_and_writes_nothing(world, client_as, name, column, value):
    spec = IMPORTS[name]
    row = spec.row(world)
    row[column] = value
    before = db_state()

    response = post_file(client_as(spec.role), spec, world, xlsx(spec.headers, [row]))

    refusal_messages(spec, response)
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert_unchanged(before, db_state())


def test_a_district_clerk_cannot_import_units_into_another_districts_warehouse(world, client_as):
    spec = IMPORTS["equipment"]
    row = spec.row(world)
    row[2] = world.cat.ngoc_hoi_store.name
    before = db_state()

    response = post_file(client_as("district_clerk"), spec, world, xlsx(spec.headers, [row]))

    refusal_messages(spec, response)
    assert_unchanged(before, db_state())
    assert not EquipmentItem.objects.filter(serial_number="R-500").exists()


def test_a_district_clerk_enrolling_from_excel_enrols_nobody_of_another_district(world, client_as):
    spec = IMPORTS["enrolment_list"]
    before = db_state()

    response = post_file(client_as("district_clerk"), spec, world, xlsx(["Số hiệu"], [[world.city_free.police_number]]))

    warnings = [str(m) for m in response.context["messages"] if m.level == levels.WARNING]
    assert any(world.city_free.police_number in m for m in warnings)
    assert_unchanged(before, db_state())
