"""A class's results from Excel: upload → preview of every row → confirm, the roster as template, and files
with bad rows or of the wrong kind, which write nothing.

Workbooks are built with openpyxl here (or downloaded from the roster export) and go through the real view.
The tests assert on the preview's rows — number, status, column and value of each error — on file error codes,
data-testid markers, and on what was, or was not, written to the database.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.messages import constants as levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from personnel.choices import OfficerStatus
from personnel.models import Officer
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.spreadsheets import xlsx as spreadsheet
from tests.builders.training import enrol
from tests.factories import OfficerFactory, vet_fully
from training import services
from training.models import Course, Enrollment, SubjectArea, TrainingSession
from training.services import ResultRow

pytestmark = pytest.mark.django_db

HEADERS = ["Số hiệu", "Có mặt", "Điểm", "Đạt"]
DAK_GLEI = 610
NGOC_HOI = 611


# --- helpers -------------------------------------------------------------------------------------------


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def xlsx(headers, rows, **options) -> bytes:
    return spreadsheet(headers, rows, title="Kết quả", **options)


def url_of(session) -> str:
    return reverse("training:session_results_import", args=[session.pk])


def preview(client, session, content: bytes, name: str = "ket-qua.xlsx"):
    return client.post(url_of(session), {"file": SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)})


def confirm(client, session, token: str, **extra):
    return client.post(url_of(session), {"token": token}, **extra)


def statuses(response) -> dict[int, str]:
    return {row.number: row.status for row in response.context["report"].rows}


def errors_by_row(response) -> dict[int, list[tuple[str, object]]]:
    """Each bad row's errors as (column, value): where the user must look, not the wording."""
    return {
        row.number: [(e.column, e.value) for e in row.errors] for row in response.context["report"].rows if row.errors
    }


def file_error_code(response) -> str:
    errors = response.context["form"].errors.as_data()["file"]
    assert len(errors) == 1, errors
    return errors[0].code


def stored_uploads(settings) -> list:
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def db_state() -> list[tuple]:
    """Every result column of every enrolment, the classes' flags and the officers' statuses."""
    columns = ("pk", "attended", "score", "passed", "certificate_number", "valid_until", "result_recorded_by")
    return (
        list(Enrollment.objects.order_by("pk").values_list(*columns))
        + list(TrainingSession.objects.order_by("pk").values_list("pk", "results_closed"))
        + list(Officer.objects.order_by("pk").values_list("pk", "status"))
    )


def sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def course(kon_tum):
    """The one mandatory course (valid 24 months), so that a pass makes a vetted officer trained."""
    Course.objects.create(
        code="CAX-09", title_vi="Võ thuật", title_en="Martial arts", subject_area=SubjectArea.PROFESSIONAL_OPERATIONS,
        hours=40, is_mandatory=False, validity_months=12,
    )  # fmt: skip
    return Course.objects.create(
        code="CAX-02", title_vi="Kỹ năng công tác Công an xã", title_en="Work skills",
        subject_area=SubjectArea.WORK_SKILLS, hours=60, is_mandatory=True, validity_months=24,
    )  # fmt: skip


def new_class(course, user, *, starts=-5, ends=-1, officers=6):
    session = services.session_create(
        course=course, province_id=62, starts_on=day(starts), ends_on=day(ends), place="Trường Chính trị tỉnh",
        instructor="Đại úy Lê Văn B", capacity=30, created_by=user,
    )  # fmt: skip
    people = [vet_fully(OfficerFactory(district_id=DAK_GLEI), user) for _ in range(officers)]
    enrol(session, people, user)
    return session, [Officer.objects.get(pk=o.pk) for o in people]


@pytest.fixture
def klass(course, users):
    """A class of CAX-02 that ended yesterday, with six enrolled officers, and a seventh officer not enrolled."""
    session, officers = new_class(course, users["administrator"])
    outsider = vet_fully(OfficerFactory(district_id=DAK_GLEI), users["administrator"])
    return session, officers, outsider


@pytest.fixture
def clerk(client_as):
    return client_as("provincial_clerk")


# --- a good file ---------------------------------------------------------------------------------------


def test_good_file_previews_every_row_then_confirm_records_the_class(klass, clerk, users, settings):
    session, (a, b, c, d, e, f), _outsider = klass
    content = xlsx(
        [*HEADERS, "Ghi chú"],  # an extra column (a note) is allowed
        [
            [a.police_number, "Có", 8.5, "Có", "Giỏi"],
            [f"  {b.police_number} ", "x", "7,25", "có", None],  # padded number, "x", decimal comma, lower case
            [c.police_number, "Không", None, "Không", "Ốm"],
            [d.police_number, 1, 6, "yes", None],
            [e.police_number, "Có", "4", None, None],  # blank "Đạt": the result stays not recorded
            [f.police_number, None, None, None, "Vắng"],  # every cell blank: nothing to change
        ],
    )
    before = db_state()

    page = clerk.get(url_of(session))
    assert page.status_code == 200
    assert page.context["template_url"] == reverse("training:session_roster", args=[session.pk])

    response = preview(clerk, session, content)

    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok
    assert statuses(response) == {**dict.fromkeys(range(2, 7), "changed"), 7: "unchanged"}
    assert report.totals == {"new": 0, "changed": 5, "unchanged": 1, "error": 0}
    rows = {row.number: row for row in report.rows}
    assert rows[2].label == a.full_name
    assert rows[2].changes == [("Có mặt", "", "Có"), ("Điểm", None, Decimal("8.5")), ("Đạt", "", "Có")]
    assert rows[4].changes == [("Có mặt", "", "Không"), ("Đạt", "", "Không")]
    assert rows[6].changes == [("Có mặt", "", "Có"), ("Điểm", None, Decimal("4"))]
    assert rows[7].changes == []
    html = response.content.decode()
    assert 'data-testid="import-confirm"' in html
    assert html.count('data-status="changed"') == 5
    assert db_state() == before  # the preview wrote nothing
    token = response.context["token"]
    assert token and token in html
    assert len(stored_uploads(settings)) == 1

    response = confirm(clerk, session, token, follow=True)

    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert [m.level for m in response.context["messages"]] == [levels.SUCCESS]
    saved = {x.officer_id: x for x in Enrollment.objects.filter(session=session)}
    results = {o: (saved[o.pk].attended, saved[o.pk].score, saved[o.pk].passed) for o in (a, b, c, d, e, f)}
    assert results == {
        a: (True, Decimal("8.50"), True),
        b: (True, Decimal("7.25"), True),
        c: (False, None, False),
        d: (True, Decimal("6.00"), True),
        e: (True, Decimal("4.00"), None),  # present with a score; the result is still to be entered
        f: (None, None, None),  # not in the file's changes: left as it was
    }
    year = session.ends_on.year
    assert sorted(saved[o.pk].certificate_number for o in (a, b, d)) == [f"CAX-02-{year}-0000{n}" for n in (1, 2, 3)]
    assert all(saved[o.pk].certificate_number is None for o in (c, e, f))
    assert saved[a.pk].valid_until == datetime.date(year + 2, session.ends_on.month, session.ends_on.day)
    assert all(saved[o.pk].result_recorded_by == users["provincial_clerk"] for o in (a, b, c, d, e))
    assert saved[f.pk].result_recorded_by is None
    # An import records results; it does not close the class (two officers have no result yet).
    assert not TrainingSession.objects.get(pk=session.pk).results_closed
    # Vetted and now holding the one mandatory course: ready. The others stay in training.
    officer_status = dict(Officer.objects.values_list("pk", "status"))
    assert {o: officer_status[o.pk] for o in (a, b, c, d, e, f)} == {
        a: OfficerStatus.READY,
        b: OfficerStatus.READY,
        c: OfficerStatus.IN_TRAINING,
        d: OfficerStatus.READY,
        e: OfficerStatus.IN_TRAINING,
        f: OfficerStatus.IN_TRAINING,
    }
    assert clerk.get(reverse("personnel:officer_detail", args=[a.pk])).context["training"]["trained"] is True
    assert Enrollment.history.filter(id=saved[a.pk].pk).first().history_user == users["provincial_clerk"]
    assert stored_uploads(settings) == []

    # The same token cannot be confirmed twice.
    after = db_state()
    again = confirm(clerk, session, token, follow=True)
    assert [m.level for m in again.context["messages"]] == [levels.ERROR]
    assert db_state() == after


def test_roster_is_the_template_and_round_trips(klass, clerk):
    session, officers, _outsider = klass
    roster = clerk.get(reverse("training:session_roster", args=[session.pk]))
    workbook = load_workbook(io.BytesIO(roster.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = {name: header.index(name) + 1 for name in HEADERS}
    grades = {o.police_number: ("Có", 9, "Có") if i % 2 else ("Có", 4.5, "Không") for i, o in enumerate(officers)}
    for row in range(2, sheet.max_row + 1):
        attended, score, passed = grades[sheet.cell(row, column["Số hiệu"]).value]
        sheet.cell(row, column["Có mặt"]).value = attended
        sheet.cell(row, column["Điểm"]).value = score
        sheet.cell(row, column["Đạt"]).value = passed
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = preview(clerk, session, buffer.getvalue())
    assert response.status_code == 200, errors_by_row(response)
    assert set(statuses(response).values()) == {"changed"}
    assert confirm(clerk, session, response.context["token"]).status_code == 302
    assert Enrollment.objects.filter(session=session, passed=True).count() == 3
    assert Enrollment.objects.filter(session=session, passed=False, score=Decimal("4.5")).count() == 3

    # The roster now holds the results; uploading it again changes nothing.
    exported = clerk.get(reverse("training:session_roster", args=[session.pk])).content
    before = db_state()
    response = preview(clerk, session, exported)
    assert response.status_code == 200, errors_by_row(response)
    assert set(statuses(response).values()) == {"unchanged"}
    assert confirm(clerk, session, response.context["token"]).status_code == 302
    after = db_state()
    assert [row for row in after if row not in before] == []  # certificates and everything else kept


# --- bad rows ------------------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_written(klass, clerk, settings):
    session, (a, b, c, d, e, f), outsider = klass
    content = xlsx(
        HEADERS,
        [
            [a.police_number, "Có", 8, "Có"],  # row 2: good
            ["999-999", "Có", 8, "Có"],  # row 3: no such officer
            [outsider.police_number, "Có", 8, "Có"],  # row 4: an officer, but not in this class
            [b.police_number, "Có", "abc", "Có"],  # row 5: not a score; a blank row follows (row 6)
            [c.police_number, "Có", 11, "Có"],  # row 7: above 10
            [a.police_number, "Có", 9, "Có"],  # row 8: the same officer twice
            [d.police_number, "Không", 8, "Có"],  # row 9: passed without attending
            [e.police_number, "có lẽ", 8, "Có"],  # row 10: not yes or no
            [f.police_number, "Có", "7,125", "Có"],  # row 11: three decimals
            [None, "Có", 8, "Có"],  # row 12: no police number
        ],
        blank_rows_after={3},
    )
    before = db_state()

    response = preview(clerk, session, content)

    assert response.status_code == 400
    assert errors_by_row(response) == {
        3: [("Số hiệu", "999-999")],
        4: [("Số hiệu", outsider.police_number)],
        5: [("Điểm", "abc")],
        7: [("Điểm", 11)],
        8: [("Số hiệu", a.police_number)],
        9: [("Đạt", "Có")],
        10: [("Có mặt", "có lẽ")],
        11: [("Điểm", "7,125")],
        12: [("Số hiệu", "")],
    }
    assert statuses(response)[2] == "changed"  # good rows are still previewed
    assert response.context["report"].totals["error"] == 9
    assert response.context["token"] is None
    html = response.content.decode()
    assert 'data-testid="import-refused"' in html
    assert 'data-testid="import-confirm"' not in html
    assert html.count('data-status="error"') == 9
    assert db_state() == before
    assert stored_uploads(settings) == []


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        (["999-999", "Có", 8, "Có"], "Số hiệu"),
        ("outsider", "Số hiệu"),
        ("duplicate", "Số hiệu"),
        (["{b}", "Có", "abc", "Có"], "Điểm"),
        (["{b}", "Có", 11, "Có"], "Điểm"),
        (["{b}", "Có", -0.5, "Có"], "Điểm"),
        (["{b}", "Có", "NaN", "Có"], "Điểm"),
        (["{b}", "Có", "Infinity", "Có"], "Điểm"),
        (["{b}", "Có", 8.333, "Có"], "Điểm"),
        (["{b}", "Có", datetime.datetime(2025, 1, 8), "Có"], "Điểm"),
        (["{b}", "Có", True, "Có"], "Điểm"),
        (["{b}", "Không", 8, "Có"], "Đạt"),
        ("recorded absent", "Đạt"),  # a blank "Có mặt" keeps the recorded "absent": no pass
        (["{b}", "Có", 8, "Đỗ"], "Đạt"),
        (["{b}", "vắng", 8, "Không"], "Có mặt"),
    ],
)
def test_one_bad_row_refuses_the_whole_file(klass, clerk, users, cells, column):
    admin = users["administrator"]
    session, (a, b, *_rest), outsider = klass
    if cells == "outsider":
        cells = [outsider.police_number, "Có", 8, "Có"]
    elif cells == "duplicate":
        cells = [a.police_number, "Không", None, "Không"]
    elif cells == "recorded absent":
        seat = session.enrollments.get(officer=b)
        services.results_record(session=session, rows=[ResultRow(seat.pk, False, None, False)], recorded_by=admin)
        cells = [b.police_number, None, 8, "Có"]
    cells = [b.police_number if value == "{b}" else value for value in cells]
    before = db_state()

    response = preview(clerk, session, xlsx(HEADERS, [[a.police_number, "Có", 8, "Có"], cells]))

    assert response.status_code == 400
    errors = errors_by_row(response)
    assert list(errors) == [3]
    assert [col for col, _value in errors[3]] == [column]
    assert db_state() == before


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("ket-qua.csv", "Số hiệu,Có mặt,Điểm,Đạt\n100-001,Có,8,Có\n".encode(), "extension"),
        ("ket-qua.xlsx", b"So hieu;Co mat\n", "not_xlsx"),
        ("ket-qua.xlsx", b"PK\x03\x04 broken", "bad_zip"),
        ("ket-qua.xlsx", "missing column", "missing_header"),
        ("ket-qua.xlsx", "duplicate column", "duplicate_header"),
        ("ket-qua.xlsx", "header only", "empty"),
    ],
)
def test_a_file_that_is_not_a_results_sheet_is_refused(klass, clerk, settings, name, content, code):
    session, (a, *_rest), _outsider = klass
    if content == "missing column":
        content = xlsx(["Số hiệu", "Có mặt", "Điểm"], [[a.police_number, "Có", 8]])
    elif content == "duplicate column":
        content = xlsx([*HEADERS, "Điểm"], [[a.police_number, "Có", 8, "Có", 9]])
    elif content == "header only":
        content = xlsx(HEADERS, [])
    before = db_state()

    response = preview(clerk, session, content, name)

    assert response.status_code == 400
    assert file_error_code(response) == code
    assert 'data-testid="file-error"' in response.content.decode()
    assert "report" not in response.context
    assert db_state() == before
    assert stored_uploads(settings) == []


# --- checks the service makes, and changes between preview and confirm --------------------------------


def test_results_of_a_class_that_has_not_started_are_refused_in_the_preview(course, clerk, users, settings):
    session, officers = new_class(course, users["administrator"], starts=2, ends=4, officers=2)
    content = xlsx(HEADERS, [[o.police_number, "Có", 8, "Có"] for o in officers])
    before = db_state()

    response = preview(clerk, session, content)

    assert response.status_code == 400
    assert response.context["token"] is None
    assert [row.number for row in response.context["report"].errors] == [0]  # about the file, not a row
    assert 'data-testid="import-confirm"' not in response.content.decode()
    assert db_state() == before
    assert stored_uploads(settings) == []


def test_confirm_checks_again_and_writes_nothing_when_the_class_changed(klass, clerk, users, settings):
    session, (a, b, *_rest), _outsider = klass
    content = xlsx(HEADERS, [[a.police_number, "Có", 8, "Có"], [b.police_number, "Có", 7, "Có"]])
    response = preview(clerk, session, content)
    assert response.status_code == 200
    # Between the preview and the confirmation, another clerk takes b out of the class.
    services.enrolment_remove(enrollment=session.enrollments.get(officer=b), user=users["administrator"])
    before = db_state()

    response = confirm(clerk, session, response.context["token"])

    assert response.status_code == 400
    assert errors_by_row(response) == {3: [("Số hiệu", b.police_number)]}
    assert db_state() == before
    assert stored_uploads(settings) == []


def test_confirm_refuses_a_result_someone_else_entered_after_the_preview(klass, clerk, users, settings):
    session, (a, b, *_rest), _outsider = klass
    content = xlsx(HEADERS, [[a.police_number, "Có", 8, "Có"], [b.police_number, "Có", 7, "Có"]])
    response = preview(clerk, session, content)
    assert response.status_code == 200
    # Between the preview and the confirmation, another clerk records a failed result for a.
    row = session.enrollments.get(officer=a)
    services.results_record(session=session, recorded_by=users["administrator"],
                            rows=[services.ResultRow(row.pk, True, Decimal(3), False)])  # fmt: skip
    before = db_state()

    response = confirm(clerk, session, response.context["token"])

    assert response.status_code == 400
    assert db_state() == before
    assert Enrollment.objects.get(pk=row.pk).passed is False  # not overwritten by the file


def test_a_new_preview_replaces_the_earlier_one(klass, clerk, settings):
    session, (a, *_rest), _outsider = klass
    first = preview(clerk, session, xlsx(HEADERS, [[a.police_number, "Có", 5, "Không"]])).context["token"]
    second = preview(clerk, session, xlsx(HEADERS, [[a.police_number, "Có", 9, "Có"]])).context["token"]
    assert len(stored_uploads(settings)) == 1
    assert confirm(clerk, session, first).status_code == 302  # expired: back to the upload, nothing written
    assert Enrollment.objects.get(officer=a).passed is None
    assert confirm(clerk, session, second).status_code == 302
    assert (Enrollment.objects.get(officer=a).score, Enrollment.objects.get(officer=a).passed) == (Decimal(9), True)


@pytest.mark.parametrize("token", ["", "short", "x" * 30, "../../etc/passwd-xxxxxxxxxxxxxxxx"])
def test_an_unknown_token_writes_nothing(klass, clerk, token):
    session, *_rest = klass
    before = db_state()
    response = confirm(clerk, session, token, follow=True)
    assert response.redirect_chain == [(url_of(session), 302)]
    assert [m.level for m in response.context["messages"]] == [levels.ERROR]
    assert db_state() == before


@pytest.mark.parametrize(("role", "code"), [("committee", 403), ("no_role", 403)])
def test_only_who_records_results_may_import_them(klass, client_as, role, code):
    session, (a, *_rest), _outsider = klass
    client = client_as(role)
    before = db_state()
    assert client.get(url_of(session)).status_code == code
    assert preview(client, session, xlsx(HEADERS, [[a.police_number, "Có", 8, "Có"]])).status_code == code
    assert confirm(client, session, "x" * 32).status_code == code
    assert db_state() == before


def messages_by_row(response) -> dict[int, list[str]]:
    return {row.number: [e.message for e in row.errors] for row in response.context["report"].rows if row.errors}


def vi(message: str) -> str:
    with translation.override("vi"):
        return gettext(message)


def enrol_from_ngoc_hoi(session, user) -> Officer:
    """An officer of another district (Ngọc Hồi) in the class, as a provincial clerk enrols them."""
    other = vet_fully(OfficerFactory(district_id=NGOC_HOI), user)
    enrol(session, [other], user)
    return Officer.objects.get(pk=other.pk)


def test_a_district_clerk_imports_the_results_of_their_districts_officers(klass, client_as, users):
    session, (a, b, *_rest), _outsider = klass
    other = enrol_from_ngoc_hoi(session, users["administrator"])
    client = client_as("district_clerk")
    assert client.get(url_of(session)).status_code == 200
    # The roster, their template, lists the six officers of their district, not the one of Ngọc Hồi.
    assert len(sheet_rows(client.get(reverse("training:session_roster", args=[session.pk])).content)) == 1 + 6

    content = xlsx(HEADERS, [[a.police_number, "Có", 8, "Có"], [b.police_number, "Có", 4, "Không"]])
    response = preview(client, session, content)

    assert response.status_code == 200, errors_by_row(response)
    assert statuses(response) == {2: "changed", 3: "changed"}
    assert confirm(client, session, response.context["token"]).status_code == 302
    saved = {x.officer_id: x for x in Enrollment.objects.filter(session=session)}
    assert (saved[a.pk].passed, saved[a.pk].certificate_number is not None) == (True, True)
    assert (saved[b.pk].score, saved[b.pk].passed) == (Decimal("4.00"), False)
    assert {saved[o.pk].result_recorded_by for o in (a, b)} == {users["district_clerk"]}
    assert (saved[other.pk].attended, saved[other.pk].score, saved[other.pk].passed) == (None, None, None)


def test_a_district_clerks_file_naming_an_officer_of_another_district_is_refused(klass, client_as, users, settings):
    session, (a, *_rest), _outsider = klass
    other = enrol_from_ngoc_hoi(session, users["administrator"])
    content = xlsx(HEADERS, [[a.police_number, "Có", 8, "Có"], [other.police_number, "Có", 9, "Có"]])
    before = db_state()

    response = preview(client_as("district_clerk"), session, content)

    assert response.status_code == 400
    assert errors_by_row(response) == {3: [("Số hiệu", other.police_number)]}
    assert messages_by_row(response) == {3: [vi("Not enrolled in this class.")]}
    assert response.context["token"] is None
    assert 'data-testid="import-confirm"' not in response.content.decode()
    assert db_state() == before  # not even the row of their own officer
    assert stored_uploads(settings) == []
    # The same file from a provincial clerk is good: the refusal is the district's doing.
    assert statuses(preview(client_as("provincial_clerk"), session, content)) == {2: "changed", 3: "changed"}


def test_a_template_with_every_result_cell_blank_changes_nothing(klass, clerk, users):
    session, officers, _outsider = klass
    a, b = officers[:2]
    # The roster of a class with no result yet: every result cell is blank.
    roster = clerk.get(reverse("training:session_roster", args=[session.pk])).content
    before = db_state()
    response = preview(clerk, session, roster)
    assert response.status_code == 200, errors_by_row(response)
    assert statuses(response) == dict.fromkeys(range(2, 8), "unchanged")
    assert confirm(clerk, session, response.context["token"]).status_code == 302
    assert db_state() == before

    # With results recorded, a file whose result cells are all blank leaves them as they are.
    seats = {e.officer_id: e.pk for e in session.enrollments.all()}
    services.results_record(
        session=session,
        rows=[ResultRow(seats[a.pk], True, Decimal("8"), True), ResultRow(seats[b.pk], False, None, False)],
        recorded_by=users["provincial_clerk"],
    )
    before = db_state()
    response = preview(clerk, session, xlsx(HEADERS, [[o.police_number, None, " ", None] for o in officers]))
    assert response.status_code == 200, errors_by_row(response)
    assert statuses(response) == dict.fromkeys(range(2, 8), "unchanged")
    assert all(row.changes == [] for row in response.context["report"].rows)
    assert confirm(clerk, session, response.context["token"]).status_code == 302
    assert db_state() == before  # a's pass and certificate, b's absence, the four rows not recorded: all kept


def test_a_file_with_only_one_score_filled_changes_only_that_score(klass, clerk, users):
    session, officers, _outsider = klass
    a = officers[0]
    seat = session.enrollments.get(officer=a)
    services.results_record(
        session=session, rows=[ResultRow(seat.pk, True, Decimal("8"), True)], recorded_by=users["provincial_clerk"]
    )
    seat.refresh_from_db()
    rows = [[o.police_number, None, None, None] for o in officers]
    rows[0][2] = "9,25"  # "Điểm" of a, every other cell blank
    before = db_state()

    response = preview(clerk, session, xlsx(HEADERS, rows))

    assert response.status_code == 200, errors_by_row(response)
    assert statuses(response) == {2: "changed", **dict.fromkeys(range(3, 8), "unchanged")}
    assert response.context["report"].rows[0].changes == [("Điểm", Decimal("8"), Decimal("9.25"))]
    assert confirm(clerk, session, response.context["token"]).status_code == 302
    after = db_state()
    assert [row for row in after if row not in before] == [
        (seat.pk, True, Decimal("9.25"), True, seat.certificate_number, seat.valid_until, users["provincial_clerk"].pk)
    ]
    assert [row for row in before if row not in after] == [
        (seat.pk, True, Decimal("8.00"), True, seat.certificate_number, seat.valid_until, users["provincial_clerk"].pk)
    ]


def test_a_pass_with_attendance_left_blank_means_present(klass, clerk):
    session, (a, *_rest), _outsider = klass
    response = preview(clerk, session, xlsx(HEADERS, [[a.police_number, None, None, "Có"]]))
    assert response.status_code == 200, errors_by_row(response)
    assert response.context["report"].rows[0].changes == [("Có mặt", "", "Có"), ("Đạt", "", "Có")]
    assert confirm(clerk, session, response.context["token"]).status_code == 302
    seat = session.enrollments.get(officer=a)
    assert (seat.attended, seat.score, seat.passed) == (True, None, True)


def test_anonymous_is_sent_to_login(klass, client):
    session, (a, *_rest), _outsider = klass
    response = preview(client, session, xlsx(HEADERS, [[a.police_number, "Có", 8, "Có"]]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Enrollment.objects.filter(passed__isnull=False).count() == 0


def test_roster_for_the_committee_is_masked_and_not_an_import_template(klass, client_as):
    session, officers, _outsider = klass
    content = client_as("committee").get(reverse("training:session_roster", args=[session.pk])).content
    _header, *lines = sheet_rows(content)
    assert len(lines) == len(officers)
    assert not {line[0] for line in lines} & {o.police_number for o in officers}
