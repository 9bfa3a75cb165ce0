"""Training pages through the test client: opening a class, enrolling a group (by status, pasted police numbers
or an Excel list), the whole-class results form, rosters, the untrained and refresher lists with their Excel
exports, who may do what, and query counts that do not grow with the data.

Workbooks are built with openpyxl here and posted through the real views. Assertions look at what was (and
was not) written, at form error keys, message levels with the police numbers they name, and data-testid
markers; expected messages are the application's own msgids, not sentences typed here.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.messages import constants as levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from communes.services import divisions_load
from personnel.choices import OfficerStatus
from personnel.identifiers import mask
from personnel.models import Officer
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.spreadsheets import xlsx
from tests.builders.training import enrol
from tests.factories import OfficerFactory, vet_fully
from training import services
from training.models import Course, Enrollment, SubjectArea, TrainingSession

pytestmark = [
    pytest.mark.django_db,
    # A paginated list without a stable order shows some rows twice and others never.
    pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning"),
]

DAK_GLEI = 610  # the district clerk's district
NGOC_HOI = 611
PLACE = "Trường Chính trị tỉnh Kon Tum"


# --- helpers -------------------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def day(offset: int) -> datetime.date:
    return today() + datetime.timedelta(days=offset)


def dmy(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def make_course(
    code: str, *, mandatory: bool = True, validity: int = 0, active: bool = True, area: str = SubjectArea.LAW
) -> Course:
    return Course.objects.create(
        code=code, title_vi=f"Khóa {code}", title_en=f"Course {code}", subject_area=area, hours=40,
        is_mandatory=mandatory, validity_months=validity, is_active=active,
    )  # fmt: skip


def open_class(course, user, *, starts: int = -5, ends: int = -1, capacity: int = 30) -> TrainingSession:
    """A class of ``course`` from ``starts`` to ``ends`` days from today (by default it ended yesterday)."""
    return services.session_create(
        course=course, province_id=62, starts_on=day(starts), ends_on=day(ends), place=PLACE,
        instructor="Thượng tá Y Nhiên", capacity=capacity, created_by=user,
    )  # fmt: skip


def vetted(user, count: int = 1, *, district: int = DAK_GLEI) -> list[Officer]:
    return [vet_fully(OfficerFactory(district_id=district), user) for _ in range(count)]


def record_all(session, user, *, passed: bool = True, score: str = "8"):
    rows = [
        services.ResultRow(e.pk, attended=True, score=Decimal(score), passed=passed)
        for e in session.enrollments.order_by("pk")
    ]
    return services.results_record(session=session, rows=rows, recorded_by=user).saved


def give_pass(officer, course, user, *, ends: int) -> Enrollment:
    """A pass of ``course`` from a three-day class that ended ``ends`` days from today."""
    session = open_class(course, user, starts=ends - 2, ends=ends)
    enrol(session, [officer], user)
    return record_all(session, user)[0]


def page_data(response) -> dict[str, str]:
    """What the browser sends back for a form as the page shows it: every field with its shown value."""
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


def flashed(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


def vi(message: str) -> str:
    """The application's own message, as the Vietnamese page shows it."""
    with translation.override("vi"):
        return gettext(message)


def enrolled(session) -> set[str]:
    return set(session.enrollments.values_list("officer__police_number", flat=True))


def result_state() -> list[tuple]:
    """Every result column of every enrolment, the classes' flags and the officers' statuses: any write shows."""
    columns = ("pk", "attended", "score", "passed", "certificate_number", "valid_until", "result_recorded_by")
    return (
        list(Enrollment.objects.order_by("pk").values_list(*columns))
        + list(TrainingSession.objects.order_by("pk").values_list("pk", "results_closed"))
        + list(Officer.objects.order_by("pk").values_list("pk", "status"))
    )


def result_rows_html(response) -> dict[int, str]:
    """The results form's rows by enrolment id: the row's opening tag."""
    html = response.content.decode()
    tags = re.findall(r'(<tr data-testid="result-row" data-enrollment="(\d+)"[^>]*>)', html)
    return {int(pk): tag for tag, pk in tags}


@pytest.fixture
def catalogue(kon_tum):
    """Two mandatory courses (one never expires, one valid 24 months) and an optional one."""
    return {
        "duties": make_course("CAX-01"),
        "skills": make_course("CAX-02", validity=24),
        "martial": make_course("CAX-09", mandatory=False, validity=12, area=SubjectArea.PROFESSIONAL_OPERATIONS),
    }


@pytest.fixture
def clerk(client_as):
    return client_as("provincial_clerk")


# --- opening a class -----------------------------------------------------------------------------------


def class_form(course, /, **overrides):
    data = {
        "course": course.pk,
        "province": 62,
        "starts_on": dmy(day(10)),
        "ends_on": dmy(day(14)),
        "place": f"  {PLACE} ",
        "instructor": "Thượng tá Y Nhiên",
        "capacity": 40,
    }
    data.update(overrides)
    return data


def test_clerk_opens_a_class(catalogue, clerk, users):
    page = clerk.get(reverse("training:session_create"))
    assert page.status_code == 200
    assert 'data-testid="session-form"' in page.content.decode()
    assert list(page.context["form"].fields["province"].queryset.values_list("code", flat=True)) == [62]

    response = clerk.post(reverse("training:session_create"), class_form(catalogue["duties"]))

    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert (session.course, session.province_id, session.starts_on, session.ends_on) == (
        catalogue["duties"],
        62,
        day(10),
        day(14),
    )
    assert (session.place, session.capacity, session.results_closed) == (PLACE, 40, False)
    assert session.created_by == users["provincial_clerk"]
    assert session.history.first().history_user == users["provincial_clerk"]
    detail = clerk.get(response["Location"])
    assert detail.status_code == 200
    assert detail.context["free_seats"] == 40
    assert 'data-testid="enrol-form"' in detail.content.decode()


def test_a_one_day_class_is_allowed(catalogue, clerk):
    response = clerk.post(
        reverse("training:session_create"), class_form(catalogue["duties"], starts_on=dmy(day(3)), ends_on=dmy(day(3)))
    )
    assert response.status_code == 302
    assert TrainingSession.objects.get().ends_on == day(3)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_on": dmy(day(10)), "ends_on": dmy(day(9))}, "ends_on"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -5}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"capacity": 99_999_999_999}, "capacity"),
        ({"capacity": "nhiều"}, "capacity"),
        ({"capacity": ""}, "capacity"),
        ({"place": ""}, "place"),
        ({"place": "    "}, "place"),
        ({"place": "x" * 201}, "place"),
        ({"instructor": ""}, "instructor"),
        ({"starts_on": "31/02/2026"}, "starts_on"),
        ({"starts_on": "01/01/1999", "ends_on": "02/01/1999"}, "starts_on"),
        ({"ends_on": "hôm nay"}, "ends_on"),
        ({"course": 999_999}, "course"),
        ({"province": 64}, "province"),  # another province: not a choice for a Kon Tum clerk
        ({"province": ""}, "province"),
        ({"place": "<script>alert(1)</script>", "capacity": 0}, "capacity"),
    ],
)
def test_bad_class_input_is_refused_and_nothing_written(catalogue, clerk, overrides, field):
    response = clerk.post(reverse("training:session_create"), class_form(catalogue["duties"], **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'data-testid="form-errors"' in response.content.decode()
    assert b"<script>alert(1)</script>" not in response.content
    assert not TrainingSession.objects.exists()


def test_a_retired_course_cannot_get_a_class(catalogue, clerk):
    retired = make_course("CAX-99", active=False)
    response = clerk.post(reverse("training:session_create"), class_form(retired))
    assert "course" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


# --- enrolment -----------------------------------------------------------------------------------------


def test_enrol_by_status_and_district(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    glei = vetted(admin, 3)
    ngoc_hoi = vetted(admin, district=NGOC_HOI)
    candidate = OfficerFactory(district_id=DAK_GLEI)

    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]), {"status": "vetted", "district": DAK_GLEI}, follow=True
    )

    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert enrolled(session) == {o.police_number for o in glei}
    assert flashed(response) == [(levels.SUCCESS, vi("%(n)s officer(s) enrolled.") % {"n": 3})]
    assert set(Officer.objects.filter(pk__in=[o.pk for o in glei]).values_list("status", flat=True)) == {
        OfficerStatus.IN_TRAINING
    }
    assert Officer.objects.get(pk=ngoc_hoi[0].pk).status == OfficerStatus.VETTED
    assert Officer.objects.get(pk=candidate.pk).status == OfficerStatus.CANDIDATE
    assert response.context["free_seats"] == 27
    roster = response.content.decode()
    assert all(f'data-officer="{o.pk}"' in roster for o in glei)
    enrolment = Enrollment.objects.filter(session=session).first()
    assert enrolment.enrolled_by == users["provincial_clerk"]
    assert enrolment.history.first().history_user == users["provincial_clerk"]

    # Without a district, the status takes the whole province.
    clerk.post(reverse("training:session_enrol", args=[session.pk]), {"status": "vetted"})
    assert enrolled(session) == {o.police_number for o in [*glei, *ngoc_hoi]}


def test_enrol_by_pasted_police_numbers_reports_unknown_ones(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    a, b, c, d = vetted(admin, 4)
    text = f"{a.police_number}, {b.police_number}\n{c.police_number}  999-999;\r\n{a.police_number}"

    response = clerk.post(reverse("training:session_enrol", args=[session.pk]), {"police_numbers": text}, follow=True)

    assert enrolled(session) == {a.police_number, b.police_number, c.police_number}
    assert d.police_number not in enrolled(session)
    messages = flashed(response)
    assert messages[0] == (levels.SUCCESS, vi("%(n)s officer(s) enrolled.") % {"n": 3})
    warnings = [text for level, text in messages if level == levels.WARNING]
    assert warnings == [vi("%(number)s: no such officer in your area.") % {"number": "999-999"}]


def test_enrol_by_excel_list(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    a, b, c = vetted(admin, 3)
    content = xlsx(
        ["STT", "Số hiệu", "Họ và tên"],
        [[1, a.police_number, a.full_name], [2, f"  {b.police_number} ", b.full_name], [3, None, "(trống)"],
         [4, "888-888", "Không có"]],
    )  # fmt: skip

    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]),
        {"file": SimpleUploadedFile("danh-sach.xlsx", content, content_type=XLSX_CONTENT_TYPE)},
        follow=True,
    )

    assert enrolled(session) == {a.police_number, b.police_number}
    assert c.police_number not in enrolled(session)
    warnings = [text for level, text in flashed(response) if level == levels.WARNING]
    assert warnings == [vi("%(number)s: no such officer in your area.") % {"number": "888-888"}]


def test_excel_list_and_pasted_numbers_together(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    a, b = vetted(admin, 2)
    content = xlsx(["Số hiệu"], [[a.police_number]])
    clerk.post(
        reverse("training:session_enrol", args=[session.pk]),
        {"police_numbers": b.police_number, "file": SimpleUploadedFile("ds.xlsx", content)},
    )
    assert enrolled(session) == {a.police_number, b.police_number}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("danh-sach.csv", b"S\xe1\xbb\x91 hi\xe1\xbb\x87u\n123-456\n"),
        ("danh-sach.xlsx", b"So hieu;123-456\n"),  # text named .xlsx
        ("danh-sach.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),  # the old binary format
        ("danh-sach.xlsx", b"PK\x03\x04 not really a zip"),
        ("danh-sach.xlsx", b""),
        ("danh-sach.xlsx", "missing column"),
    ],
)
def test_enrol_refuses_a_file_that_is_not_a_police_number_list(catalogue, clerk, users, name, content):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    (officer,) = vetted(admin)
    if content == "missing column":
        content = xlsx(["Họ và tên", "Số hiệu CAND"], [[officer.full_name, officer.police_number]])

    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]),
        {"police_numbers": officer.police_number, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )

    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert [level for level, _text in flashed(response)] == [levels.ERROR]
    assert not Enrollment.objects.exists()
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.VETTED


def test_enrol_with_nothing_chosen_is_refused(catalogue, clerk, users):
    session = open_class(catalogue["duties"], users["administrator"], starts=5, ends=9)
    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]),
        {"status": "", "district": DAK_GLEI, "police_numbers": " , \n"},
        follow=True,
    )
    assert [level for level, _text in flashed(response)] == [levels.ERROR]
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("already", [0, 2])
def test_capacity_exceeded_refuses_everything(catalogue, clerk, users, already):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9, capacity=4)
    enrol(session, vetted(admin, already), admin)
    officers = vetted(admin, 5 - already)
    before = result_state()

    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]),
        {"police_numbers": " ".join(o.police_number for o in officers)},
        follow=True,
    )

    expected = vi("The class has %(seats)s free seat(s); %(wanted)s officers were chosen.") % {
        "seats": 4 - already,
        "wanted": 5 - already,
    }
    assert flashed(response) == [(levels.ERROR, expected)]
    assert session.enrollments.count() == already
    assert result_state() == before  # no enrolment, no status change


def test_duplicate_and_overlapping_enrolments_are_refused_with_reasons(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    other = open_class(catalogue["skills"], admin, starts=8, ends=12)  # overlaps on days 8 and 9
    later = open_class(catalogue["martial"], admin, starts=10, ends=12)  # the day after: no overlap
    already, busy, free, fresh = vetted(admin, 4)
    candidate = OfficerFactory(district_id=DAK_GLEI)
    enrol(session, [already], admin)
    enrol(other, [busy], admin)
    enrol(later, [free], admin)

    numbers = [o.police_number for o in (already, busy, free, fresh, candidate)]
    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]), {"police_numbers": "\n".join(numbers)}, follow=True
    )

    assert enrolled(session) == {already.police_number, free.police_number, fresh.police_number}
    assert set(Enrollment.objects.filter(officer=busy).values_list("session", flat=True)) == {other.pk}
    messages = flashed(response)
    assert messages[0] == (levels.SUCCESS, vi("%(n)s officer(s) enrolled.") % {"n": 2})
    with translation.override("vi"):
        status = str(OfficerStatus.CANDIDATE.label)
    assert sorted(text for level, text in messages if level == levels.WARNING) == sorted(
        [
            f"{Officer.objects.get(pk=already.pk)}: {vi('already enrolled in this class')}",
            f"{Officer.objects.get(pk=busy.pk)}: "
            + vi("already in the class “%(class)s” (%(start)s – %(end)s), at overlapping dates")
            % {"class": other.course.title, "start": f"{other.starts_on:%d/%m/%Y}", "end": f"{other.ends_on:%d/%m/%Y}"},
            f"{candidate}: " + vi("status “%(status)s” cannot be enrolled") % {"status": status},
        ]
    )


def test_district_clerk_enrols_only_officers_of_their_district(catalogue, client_as, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    (mine,) = vetted(admin)
    (theirs,) = vetted(admin, district=NGOC_HOI)
    client = client_as("district_clerk")

    page = client.get(session.get_absolute_url())
    assert page.status_code == 200
    assert list(page.context["enrol_form"].fields["district"].queryset.values_list("code", flat=True)) == [DAK_GLEI]
    assert "session_results" not in page.content.decode() and "/results/" not in page.content.decode()

    # Another district in the status form is not a choice: nothing is enrolled.
    response = client.post(
        reverse("training:session_enrol", args=[session.pk]), {"status": "vetted", "district": NGOC_HOI}, follow=True
    )
    assert [level for level, _text in flashed(response)] == [levels.ERROR]
    assert not Enrollment.objects.exists()

    # A police number of another district is not in the clerk's area.
    response = client.post(
        reverse("training:session_enrol", args=[session.pk]),
        {"police_numbers": f"{mine.police_number} {theirs.police_number}"},
        follow=True,
    )
    assert enrolled(session) == {mine.police_number}
    assert [text for level, text in flashed(response) if level == levels.WARNING] == [
        vi("%(number)s: no such officer in your area.") % {"number": theirs.police_number}
    ]
    assert Officer.objects.get(pk=theirs.pk).status == OfficerStatus.VETTED

    # By status without a district: only their own district.
    (second,) = vetted(admin)
    vetted(admin, district=NGOC_HOI)
    client.post(reverse("training:session_enrol", args=[session.pk]), {"status": "vetted"})
    assert enrolled(session) == {mine.police_number, second.police_number}

    # Results: the district clerk records those of their own district's officers, and sees no other.
    started = open_class(catalogue["skills"], admin, starts=-20, ends=-18)
    (foreign,) = vetted(admin, district=NGOC_HOI)
    enrol(started, [Officer.objects.get(pk=mine.pk), foreign], admin)
    own_row, foreign_row = started.enrollments.get(officer=mine), started.enrollments.get(officer=foreign)
    page = client.get(reverse("training:session_results", args=[started.pk]))
    assert set(result_rows_html(page)) == {own_row.pk}
    data = {**page_data(page), f"attended_{own_row.pk}": "yes", f"score_{own_row.pk}": "9",
            f"passed_{own_row.pk}": "yes"}  # fmt: skip
    forged = {f"attended_{foreign_row.pk}": "yes", f"score_{foreign_row.pk}": "2", f"passed_{foreign_row.pk}": "no",
              f"shown_{foreign_row.pk}": "||"}  # fmt: skip
    assert client.post(reverse("training:session_results", args=[started.pk]), {**data, **forged}).status_code == 302
    own_row.refresh_from_db()
    foreign_row.refresh_from_db()
    assert (own_row.passed, own_row.score) == (True, Decimal("9"))
    assert (foreign_row.passed, foreign_row.score) == (None, None)  # not on the clerk's page: left alone
    assert Officer.objects.get(pk=foreign.pk).status == OfficerStatus.IN_TRAINING
    # Closing a class is the province's.
    assert client.post(reverse("training:session_close", args=[started.pk])).status_code == 403
    assert not TrainingSession.objects.get(pk=started.pk).results_closed


def test_a_closed_class_takes_no_more_officers(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=-1, ends=3)
    enrol(session, vetted(admin), admin)
    record_all(session, admin)
    services.session_close(session=session, user=admin)
    (late,) = vetted(admin)

    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]), {"police_numbers": late.police_number}, follow=True
    )

    assert [level for level, _text in flashed(response)] == [levels.ERROR]
    assert late.police_number not in enrolled(session)
    assert 'data-testid="enrol-form"' not in response.content.decode()


def test_remove_an_enrolment(catalogue, client_as, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, ends=0)
    pending, graded = vetted(admin, 2)
    (other_district,) = vetted(admin, district=NGOC_HOI)
    enrol(session, [pending, graded, other_district], admin)
    graded_row = session.enrollments.get(officer=graded)
    services.results_record(
        session=session, rows=[services.ResultRow(graded_row.pk, True, Decimal("7"), True)], recorded_by=admin
    )

    # A district clerk cannot reach another district's officer's enrolment.
    foreign = session.enrollments.get(officer=other_district)
    district = client_as("district_clerk")
    assert (
        district.post(reverse("training:enrollment_remove", args=[foreign.pk]), {"confirm": "yes"}).status_code == 404
    )
    assert Enrollment.objects.filter(pk=foreign.pk).exists()

    clerk = client_as("provincial_clerk")
    row = session.enrollments.get(officer=pending)
    response = clerk.post(reverse("training:enrollment_remove", args=[row.pk]), {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert not Enrollment.objects.filter(pk=row.pk).exists()
    assert Enrollment.history.filter(id=row.pk, history_type="-").get().history_user == users["provincial_clerk"]

    # An enrolment with a result stays.
    response = clerk.post(reverse("training:enrollment_remove", args=[graded_row.pk]), {"confirm": "yes"}, follow=True)
    assert [level for level, _text in flashed(response)] == [levels.ERROR]
    assert Enrollment.objects.filter(pk=graded_row.pk, passed=True).exists()


def test_enrolling_nobody_is_a_warning_that_says_why(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    (already,) = vetted(admin)
    enrol(session, [already], admin)

    # Nobody has the status chosen in that district.
    response = clerk.post(
        reverse("training:session_enrol", args=[session.pk]), {"status": "ready", "district": NGOC_HOI}, follow=True
    )
    with translation.override("vi"):
        status = str(OfficerStatus.READY.label)
    expected = vi("No officer was enrolled: no officer of %(district)s in your area has the status “%(status)s”.") % {
        "district": "Huyện Ngọc Hồi", "status": status}  # fmt: skip
    assert flashed(response) == [(levels.WARNING, expected)]
    assert "Đã ghi danh 0 cán bộ." not in response.content.decode()

    # Everyone chosen is refused (the same POST twice: the second enrols nobody): a warning, then each reason.
    data = {"police_numbers": already.police_number}
    response = clerk.post(reverse("training:session_enrol", args=[session.pk]), data, follow=True)
    assert flashed(response) == [
        (levels.WARNING, vi("No officer was enrolled: every officer chosen was refused, for the reasons below.")),
        (levels.WARNING, f"{Officer.objects.get(pk=already.pk)}: {vi('already enrolled in this class')}"),
    ]
    assert session.enrollments.count() == 1


def test_removing_an_officer_from_a_class_asks_first(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9)
    (officer,) = vetted(admin)
    enrol(session, [officer], admin)
    row = session.enrollments.get()
    url = reverse("training:enrollment_remove", args=[row.pk])
    before = result_state()

    # The roster's button asks in the browser (confirm.js) and, without JavaScript, on the confirmation page.
    roster = clerk.get(session.get_absolute_url()).content.decode()
    assert f'action="{url}"' in roster and 'data-confirm-field="confirm"' in roster

    # A POST with only the CSRF token (no JavaScript, or a forged form) writes nothing: it asks.
    for response in (clerk.post(url, {}), clerk.get(url)):
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-testid="confirm-page"' in page
        assert officer.full_name in page and catalogue["duties"].title in page
        assert 'name="confirm" value="yes"' in page
    assert result_state() == before

    response = clerk.post(url, {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    removed = vi("%(officer)s removed from the class “%(class)s”.")
    who = Officer.objects.get(pk=officer.pk)
    assert flashed(response) == [(levels.SUCCESS, removed % {"officer": who, "class": catalogue["duties"].title})]
    assert not session.enrollments.exists()

    # The same POST again (a double click, a resend): nothing more, and it says so.
    after = result_state()
    response = clerk.post(url, {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert flashed(response) == [
        (
            levels.INFO,
            vi("%(officer)s was already removed from the class.") % {"officer": Officer.objects.get(pk=officer.pk)},
        )
    ]
    assert result_state() == after


def test_removing_prior_training_asks_first(catalogue, clerk, users):
    admin = users["administrator"]
    (officer,) = vetted(admin)
    record = services.prior_training_record(
        officer=officer, course=catalogue["skills"], completed_on=day(-90), provider="Trường Cao đẳng CSND II",
        certificate_number="CSND-1", recorded_by=admin,
    )  # fmt: skip
    url = reverse("training:prior_training_remove", args=[record.pk])
    before = result_state()

    response = clerk.post(url, {})
    assert response.status_code == 200 and 'data-testid="confirm-page"' in response.content.decode()
    assert catalogue["skills"].title in response.content.decode()
    assert result_state() == before

    response = clerk.post(url, {"confirm": "yes"}, follow=True)
    assert flashed(response) == [(levels.SUCCESS, vi("Prior training removed; it stays in the history."))]
    assert not Enrollment.objects.filter(pk=record.pk).exists()

    response = clerk.post(url, {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(officer.get_absolute_url() + "#officer-training", 302)]
    assert flashed(response) == [(levels.INFO, vi("This prior training was already removed."))]


# --- the whole-class results form ----------------------------------------------------------------------


@pytest.fixture
def graded_class(catalogue, users):
    """A finished class of CAX-01 with three officers: the first also holds a pass of CAX-02 (so passing CAX-01
    makes them trained), the second does not, the third will fail."""
    admin = users["administrator"]
    holder, newcomer, failing = vetted(admin, 3)
    give_pass(holder, catalogue["skills"], admin, ends=-20)
    session = open_class(catalogue["duties"], admin, starts=-5, ends=-1)
    enrol(session, Officer.objects.filter(pk__in=[holder.pk, newcomer.pk, failing.pk]), admin)
    rows = {e.officer_id: e for e in session.enrollments.all()}
    return session, [rows[holder.pk], rows[newcomer.pk], rows[failing.pk]]


def results_data(page, rows, **overrides):
    """The form as the page ``page`` shows it, with the first two of ``rows`` passed (comma and point decimals)
    and the third failed after attending. ``overrides`` replace fields by name; ``None`` leaves one out."""
    first, second, third = rows
    data = {
        **page_data(page),
        f"attended_{first.pk}": "yes", f"score_{first.pk}": "8,5", f"passed_{first.pk}": "yes",
        f"attended_{second.pk}": "yes", f"score_{second.pk}": " 7.25 ", f"passed_{second.pk}": "yes",
        f"attended_{third.pk}": "yes", f"score_{third.pk}": "3", f"passed_{third.pk}": "no",
    }  # fmt: skip
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_results_form_saves_the_whole_class(graded_class, clerk, users):
    session, (first, second, third) = graded_class
    url = reverse("training:session_results", args=[session.pk])
    page = clerk.get(url)
    assert page.status_code == 200
    assert 'data-testid="results-form"' in page.content.decode()
    assert set(result_rows_html(page)) == {first.pk, second.pk, third.pk}
    # Nothing is pre-filled: every row starts as not recorded.
    assert all(page_data(page)[f"{part}_{e.pk}"] == "" for e in (first, second, third)
               for part in ("attended", "score", "passed"))  # fmt: skip
    assert Officer.objects.get(pk=first.officer_id).status == OfficerStatus.IN_TRAINING

    response = clerk.post(url, results_data(page, (first, second, third)))

    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    year = session.ends_on.year
    saved = {e.pk: e for e in Enrollment.objects.filter(session=session)}
    assert (saved[first.pk].attended, saved[first.pk].score, saved[first.pk].passed) == (True, Decimal("8.50"), True)
    assert (saved[second.pk].score, saved[second.pk].passed) == (Decimal("7.25"), True)
    assert (saved[third.pk].attended, saved[third.pk].score, saved[third.pk].passed) == (True, Decimal("3"), False)
    assert {saved[first.pk].certificate_number, saved[second.pk].certificate_number} == {
        f"CAX-01-{year}-00001",
        f"CAX-01-{year}-00002",
    }
    assert saved[third.pk].certificate_number is None
    assert saved[first.pk].valid_until is None  # CAX-01 never expires
    assert all(e.result_recorded_by == users["provincial_clerk"] for e in saved.values())
    assert not TrainingSession.objects.get(pk=session.pk).results_closed  # only the clerk closes a class
    # Vetted and now trained: ready. Passed but still missing CAX-02, or failed: still in training.
    statuses = dict(Officer.objects.values_list("pk", "status"))
    assert statuses[first.officer_id] == OfficerStatus.READY
    assert statuses[second.officer_id] == OfficerStatus.IN_TRAINING
    assert statuses[third.officer_id] == OfficerStatus.IN_TRAINING

    trained = clerk.get(reverse("personnel:officer_detail", args=[first.officer_id]))
    assert trained.context["training"]["trained"] is True
    assert trained.context["training"]["missing"] == []
    assert re.search(r'class="badge text-bg-success" data-testid="trained"', trained.content.decode())
    assert f"CAX-01-{year}-0000" in trained.content.decode()
    # Who entered the result, and what it was before, is in the officer's history.
    passed_label = vi("passed")
    entered = [e for e in trained.context["history"] if e.what == "enrollment" and e.action == "~"
               and e.label.startswith("CAX-01")]  # fmt: skip
    assert [e.user for e in entered] == [users["provincial_clerk"]]
    assert (passed_label, "—", vi("Yes")) in entered[0].changes
    untrained = clerk.get(reverse("personnel:officer_detail", args=[second.officer_id]))
    assert untrained.context["training"]["trained"] is False
    assert [c.code for c in untrained.context["training"]["missing"]] == ["CAX-02"]
    assert re.search(r'class="badge text-bg-warning" data-testid="trained"', untrained.content.decode())

    listing = clerk.get(reverse("training:session_list"))
    row = next(s for s in listing.context["object_list"] if s.pk == session.pk)
    assert (row.enrolled, row.passed) == (3, 2)


def test_results_can_be_corrected_and_keep_their_certificate(graded_class, clerk):
    session, rows = graded_class
    url = reverse("training:session_results", args=[session.pk])
    clerk.post(url, results_data(clerk.get(url), rows))
    first = Enrollment.objects.get(pk=rows[0].pk)
    number = first.certificate_number

    page = clerk.get(url)
    assert page.context["form"][f"score_{first.pk}"].value() == "8,5"
    response = clerk.post(url, {**page_data(page), f"score_{first.pk}": "9", f"passed_{rows[1].pk}": "no"})

    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.score, first.certificate_number) == (Decimal("9"), number)
    second = Enrollment.objects.get(pk=rows[1].pk)
    assert (second.passed, second.certificate_number) == (False, None)


def test_one_result_of_a_class_of_thirty_leaves_the_other_29_unrecorded(catalogue, clerk, users):
    """The reproduction: filling in one officer's result recorded all 30 others as present and failed."""
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=-2, ends=4, capacity=31)
    enrol(session, vetted(admin, 31), admin)
    url = reverse("training:session_results", args=[session.pk])
    page = clerk.get(url)
    one = session.enrollments.order_by("pk").first()

    response = clerk.post(url, {**page_data(page), f"attended_{one.pk}": "yes", f"score_{one.pk}": "8",
                                f"passed_{one.pk}": "yes"})  # fmt: skip

    assert response.status_code == 302
    recorded = Enrollment.objects.get(pk=one.pk)
    assert (recorded.attended, recorded.passed, recorded.certificate_number is not None) == (True, True, True)
    others = session.enrollments.exclude(pk=one.pk)
    assert others.count() == 30
    assert set(others.values_list("attended", "score", "passed", "result_recorded_by")) == {(None, None, None, None)}
    assert not Enrollment.history.filter(session_id=session.pk, history_type="~").exclude(id=one.pk).exists()
    assert not TrainingSession.objects.get(pk=session.pk).results_closed
    messages_ = [text for _level, text in flashed(clerk.get(session.get_absolute_url()))]
    assert vi("%(n)s officer(s) still have no result.") % {"n": 30} in messages_


def test_the_same_results_post_twice_writes_once(graded_class, clerk):
    session, rows = graded_class
    url = reverse("training:session_results", args=[session.pk])
    data = results_data(clerk.get(url), rows)
    clerk.post(url, data)
    after_first = result_state()
    history = Enrollment.history.count()

    response = clerk.post(url, data, follow=True)  # a double click, or the browser's "resend"

    assert result_state() == after_first
    assert Enrollment.history.count() == history
    assert vi("No result was changed.") in [text for _level, text in flashed(response)]


def test_a_post_with_only_the_csrf_token_changes_nothing(catalogue, users, client):
    """The reproduction: a POST carrying only the CSRF token took a class from 50 passed to 0."""
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, capacity=50)
    enrol(session, vetted(admin, 50), admin)
    record_all(session, admin)
    before = result_state()
    client.force_login(users["provincial_clerk"])
    client.handler.enforce_csrf_checks = True
    url = reverse("training:session_results", args=[session.pk])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()).group(1)

    response = client.post(url, {"csrfmiddlewaretoken": token}, follow=True)

    assert response.status_code == 200
    assert result_state() == before
    assert session.enrollments.filter(passed=True).exclude(certificate_number=None).count() == 50
    assert vi("No result was changed.") in [text for _level, text in flashed(response)]


def test_a_stale_results_page_changes_nothing_it_did_not_show(catalogue, client_as, users):
    """A page opened before another clerk enrolled more officers and recorded a result leaves both alone; a row
    both clerks changed is refused, shown again as recorded now, and saved on purpose the second time."""
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=-1, ends=3)
    first, second = vetted(admin, 2)
    enrol(session, [first, second], admin)
    rows = {e.officer_id: e for e in session.enrollments.all()}
    clerk = client_as("provincial_clerk")
    url = reverse("training:session_results", args=[session.pk])
    stale = page_data(clerk.get(url))

    late = vetted(admin, 3)
    enrol(session, late, admin)  # another clerk enrols three more
    late_rows = list(session.enrollments.filter(officer__in=late))
    services.results_record(session=session, recorded_by=admin, rows=[
        services.ResultRow(late_rows[0].pk, True, Decimal("6"), True),
        services.ResultRow(rows[second.pk].pk, True, Decimal("4"), False),
    ])  # fmt: skip
    before = result_state()

    # The clerk changed only the first officer: saved; the late and the other clerk's rows are left alone.
    mine = {**stale, f"attended_{rows[first.pk].pk}": "yes", f"passed_{rows[first.pk].pk}": "yes"}
    response = clerk.post(url, mine, follow=True)
    assert Enrollment.objects.get(pk=rows[first.pk].pk).passed is True
    assert Enrollment.objects.get(pk=rows[second.pk].pk).passed is False
    assert Enrollment.objects.get(pk=late_rows[0].pk).passed is True
    assert list(session.enrollments.filter(pk__in=[r.pk for r in late_rows[1:]]).values_list("passed", flat=True)) == [
        None, None]  # fmt: skip
    assert vi("%(n)s officer(s) enrolled after the page was opened were left as they are: enter their results now.") % {
        "n": 3} in [text for _level, text in flashed(response)]  # fmt: skip

    # The clerk also changed the row the other clerk recorded meanwhile: refused, nothing written.
    before = result_state()
    clash = {**stale, f"attended_{rows[second.pk].pk}": "yes", f"score_{rows[second.pk].pk}": "9",
             f"passed_{rows[second.pk].pk}": "yes"}  # fmt: skip
    response = clerk.post(url, clash)
    assert response.status_code == 200
    assert result_state() == before
    assert f"passed_{rows[second.pk].pk}" in response.context["form"].errors
    # Shown again: the clash keeps what the clerk typed, the others show what is recorded now.
    again = page_data(response)
    assert again[f"score_{rows[second.pk].pk}"] == "9"
    assert (again[f"passed_{rows[first.pk].pk}"], again[f"passed_{late_rows[0].pk}"]) == ("yes", "yes")
    response = clerk.post(url, again)
    assert response.status_code == 302
    assert Enrollment.objects.get(pk=rows[second.pk].pk).passed is True
    assert Enrollment.objects.get(pk=late_rows[0].pk).passed is True


@pytest.mark.parametrize(
    ("row", "overrides", "field"),
    [
        (1, {"score": "abc"}, "score"),
        (1, {"score": "11"}, "score"),
        (1, {"score": "10,01"}, "score"),
        (1, {"score": "-1"}, "score"),
        (1, {"score": "7,555"}, "score"),
        (1, {"score": "7.5.1"}, "score"),
        (1, {"score": "NaN"}, "score"),
        (1, {"score": "sNaN"}, "score"),
        (1, {"score": "Infinity"}, "score"),
        (1, {"score": "1234567"}, "score"),
        (2, {"attended": "no", "passed": "yes"}, "passed"),  # passed while absent
        (2, {"attended": "maybe"}, "attended"),
        (2, {"shown": "not a token"}, "passed"),
    ],
)
def test_one_bad_row_saves_nothing_and_marks_that_row(graded_class, clerk, row, overrides, field):
    session, rows = graded_class
    bad = rows[row]
    before = result_state()
    url = reverse("training:session_results", args=[session.pk])
    data = results_data(clerk.get(url), rows, **{f"{name}_{bad.pk}": value for name, value in overrides.items()})

    response = clerk.post(url, data)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {f"{field}_{bad.pk}"}
    assert result_state() == before
    marked = result_rows_html(response)
    assert 'data-invalid="true"' in marked[bad.pk]
    assert all('data-invalid="true"' not in tag for pk, tag in marked.items() if pk != bad.pk)
    assert 'data-testid="form-errors"' in response.content.decode()


def test_a_pass_with_attendance_left_blank_means_present(graded_class, clerk):
    session, (first, *_rest) = graded_class
    url = reverse("training:session_results", args=[session.pk])
    clerk.post(url, {**page_data(clerk.get(url)), f"passed_{first.pk}": "yes"})
    assert Enrollment.objects.filter(pk=first.pk).values_list("attended", "passed").get() == (True, True)


def test_results_of_a_class_that_has_not_started_are_not_offered_and_refused(catalogue, clerk, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=3, ends=5)
    enrol(session, vetted(admin, 3), admin)
    before = result_state()
    rows = list(session.enrollments.order_by("pk"))
    url = reverse("training:session_results", args=[session.pk])

    detail = clerk.get(session.get_absolute_url()).content.decode()
    assert url not in detail and reverse("training:session_results_import", args=[session.pk]) not in detail
    assert vi("Results can be entered from %(date)s.") % {"date": dmy(session.starts_on)} in detail
    assert clerk.get(url)["Location"] == session.get_absolute_url()
    shown = {f"shown_{e.pk}": "||" for e in rows}
    response = clerk.post(
        url,
        {
            **shown,
            **{
                f"{part}_{e.pk}": v
                for e in rows
                for part, v in (("attended", "yes"), ("score", "8"), ("passed", "yes"))
            },
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert result_state() == before


def test_results_of_an_empty_class_change_nothing(catalogue, clerk, users):
    session = open_class(catalogue["duties"], users["administrator"], ends=2)
    response = clerk.post(reverse("training:session_results", args=[session.pk]), {})
    assert response.status_code == 302
    assert not TrainingSession.objects.get(pk=session.pk).results_closed
    # The class still takes officers.
    (officer,) = vetted(users["administrator"])
    clerk.post(reverse("training:session_enrol", args=[session.pk]), {"police_numbers": officer.police_number})
    assert enrolled(session) == {officer.police_number}


def test_closing_a_class_with_unrecorded_rows_asks_first_and_says_how_many(catalogue, client_as, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=-1, ends=3)
    enrol(session, vetted(admin, 4), admin)
    services.results_record(session=session, recorded_by=admin, rows=[
        services.ResultRow(session.enrollments.order_by("pk").first().pk, True, None, True)])  # fmt: skip
    clerk = client_as("provincial_clerk")
    url = reverse("training:session_close", args=[session.pk])

    asked = clerk.post(url)
    assert asked.status_code == 200
    assert 'data-testid="close-confirm" data-unrecorded="3"' in asked.content.decode()
    assert not TrainingSession.objects.get(pk=session.pk).results_closed

    enrol(session, vetted(admin), admin)  # someone enrols one more before the clerk confirms
    asked_again = clerk.post(url, {"unrecorded": "3"})
    assert 'data-unrecorded="4"' in asked_again.content.decode()
    assert not TrainingSession.objects.get(pk=session.pk).results_closed

    closed = clerk.post(url, {"unrecorded": "4"}, follow=True)
    assert closed.redirect_chain == [(session.get_absolute_url(), 302)]
    assert TrainingSession.objects.get(pk=session.pk).results_closed
    assert 'data-testid="enrol-form"' not in closed.content.decode()
    # Results can still be entered; the class can be opened again while it runs.
    assert clerk.get(reverse("training:session_results", args=[session.pk])).status_code == 200
    clerk.post(reverse("training:session_reopen", args=[session.pk]))
    assert not TrainingSession.objects.get(pk=session.pk).results_closed


def test_a_running_class_takes_officers_until_its_last_day_an_ended_one_does_not(catalogue, clerk, users):
    admin = users["administrator"]
    running = open_class(catalogue["duties"], admin, starts=-3, ends=0)
    ended = open_class(catalogue["skills"], admin, starts=-5, ends=-1)
    officer, late = vetted(admin, 2)

    clerk.post(reverse("training:session_enrol", args=[running.pk]), {"police_numbers": officer.police_number})
    assert enrolled(running) == {officer.police_number}
    page = clerk.get(ended.get_absolute_url())
    assert 'data-testid="enrol-form"' not in page.content.decode()
    response = clerk.post(reverse("training:session_enrol", args=[ended.pk]), {"police_numbers": late.police_number},
                          follow=True)  # fmt: skip
    assert [level for level, _text in flashed(response)] == [levels.ERROR]
    assert not ended.enrollments.exists()


# --- the officer page: a path to trained ---------------------------------------------------------------


def test_officer_page_shows_each_mandatory_course_and_enrols_in_the_next_class(catalogue, client_as, users):
    admin = users["administrator"]
    (officer,) = vetted(admin)
    give_pass(officer, catalogue["duties"], admin, ends=-30)
    services.session_create(course=catalogue["skills"], province_id=62, starts_on=day(20), ends_on=day(25),
                            place="Later", instructor="X", capacity=5, created_by=admin)  # fmt: skip
    soonest = open_class(catalogue["skills"], admin, starts=-2, ends=2)  # running: still takes officers
    full = open_class(catalogue["skills"], admin, starts=1, ends=2, capacity=1)
    enrol(full, vetted(admin), admin)
    clerk = client_as("district_clerk")
    url = reverse("personnel:officer_detail", args=[officer.pk])

    page = clerk.get(url)
    states = {c.course.code: c.state for c in page.context["training"]["courses"]}
    assert states == {"CAX-01": "passed", "CAX-02": "missing"}
    skills = next(c for c in page.context["training"]["courses"] if c.course.code == "CAX-02")
    assert skills.next_class.pk == soonest.pk
    html = page.content.decode()
    assert 'data-course="CAX-02" data-state="missing"' in html and 'data-testid="enrol-next"' in html

    response = clerk.post(reverse("training:officer_enrol", args=[officer.pk]), {"session": soonest.pk}, follow=True)
    assert officer.police_number in enrolled(soonest)
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.IN_TRAINING
    skills = next(c for c in response.context["training"]["courses"] if c.course.code == "CAX-02")
    assert (skills.state, skills.pending.session_id) == ("in_class", soonest.pk)
    # The district clerk enters the result from the class page the officer page links to.
    assert reverse("training:session_results", args=[soonest.pk]) in response.content.decode()
    row = soonest.enrollments.get()
    results = clerk.get(reverse("training:session_results", args=[soonest.pk]))
    clerk.post(reverse("training:session_results", args=[soonest.pk]),
               {**page_data(results), f"passed_{row.pk}": "yes", f"score_{row.pk}": "7"})  # fmt: skip
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.READY


def test_officer_enrol_refuses_another_districts_officer_and_a_bad_class(catalogue, client_as, users):
    admin = users["administrator"]
    (theirs,) = vetted(admin, district=NGOC_HOI)
    (mine,) = vetted(admin)
    session = open_class(catalogue["skills"], admin, starts=1, ends=3)
    clerk = client_as("district_clerk")
    assert clerk.post(reverse("training:officer_enrol", args=[theirs.pk]), {"session": session.pk}).status_code == 404
    for bad in ("", "abc", "²", "99999999", str(session.pk + 1000)):
        clerk.post(reverse("training:officer_enrol", args=[mine.pk]), {"session": bad})
    assert not Enrollment.objects.exists()


def test_prior_training_makes_an_officer_ready_without_a_status_change_by_hand(catalogue, client_as, users):
    admin = users["administrator"]
    (officer,) = vetted(admin)
    clerk = client_as("district_clerk")
    url = reverse("training:prior_training_create", args=[officer.pk])
    page = clerk.get(url, {"course": catalogue["duties"].pk})
    assert page.status_code == 200 and page.context["form"]["course"].value() == catalogue["duties"].pk
    scan = SimpleUploadedFile("giay chung nhan.pdf", b"%PDF-1.4 scanned", content_type="application/pdf")
    clerk.post(url, {"course": catalogue["duties"].pk, "completed_on": dmy(day(-400)),
                     "provider": "Trường Cao đẳng Cảnh sát nhân dân II", "certificate_number": "CSND-2025-118",
                     "certificate_file": scan})  # fmt: skip
    response = clerk.post(url, {"course": catalogue["skills"].pk, "completed_on": dmy(day(-10)),
                                "provider": "Công an tỉnh Gia Lai", "certificate_number": "GL-77",
                                "valid_until": dmy(day(700))}, follow=True)  # fmt: skip

    assert response.redirect_chain[-1][0].startswith(reverse("personnel:officer_detail", args=[officer.pk]))
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.READY
    prior = {e.course.code: e for e in Enrollment.objects.filter(officer=officer, session__isnull=True)}
    assert (prior["CAX-02"].valid_until, prior["CAX-01"].valid_until) == (day(700), None)
    assert Enrollment.history.filter(id=prior["CAX-01"].pk).get().history_user == users["district_clerk"]
    html = response.content.decode()
    assert "Trường Cao đẳng Cảnh sát nhân dân II" in html
    download = clerk.get(reverse("training:certificate_file", args=[prior["CAX-01"].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert "no-store" in download["Cache-Control"]
    assert not prior["CAX-01"].certificate_file.name.endswith("giay chung nhan.pdf")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"completed_on": ""}, "completed_on"),
        ({"completed_on": "31/02/2026"}, "completed_on"),
        ({"provider": "   "}, "provider"),
        ({"certificate_number": ""}, "certificate_number"),
        ({"valid_until": "01/01/2001"}, "valid_until"),
        ({"course": "999999"}, "course"),
    ],
)
def test_bad_prior_training_is_refused_and_nothing_written(catalogue, clerk, users, overrides, field):
    (officer,) = vetted(users["administrator"])
    data = {"course": catalogue["duties"].pk, "completed_on": dmy(day(-30)), "provider": "Trường",
            "certificate_number": "X-1", **overrides}  # fmt: skip
    response = clerk.post(reverse("training:prior_training_create", args=[officer.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.exe", b"MZ\x90\x00"), ("scan.pdf", b"<html>not a pdf"), ("scan.png", b"%PDF-1.4")],
)
def test_a_certificate_scan_must_be_a_pdf_or_an_image(catalogue, clerk, users, name, content):
    (officer,) = vetted(users["administrator"])
    data = {"course": catalogue["duties"].pk, "completed_on": dmy(day(-30)), "provider": "Trường",
            "certificate_number": "X-1", "certificate_file": SimpleUploadedFile(name, content)}  # fmt: skip
    response = clerk.post(reverse("training:prior_training_create", args=[officer.pk]), data)
    assert "certificate_file" in response.context["form"].errors
    assert not Enrollment.objects.exists()


def test_prior_training_of_another_district_is_not_found(catalogue, client_as, users):
    (theirs,) = vetted(users["administrator"], district=NGOC_HOI)
    clerk = client_as("district_clerk")
    url = reverse("training:prior_training_create", args=[theirs.pk])
    assert clerk.get(url).status_code == 404
    data = {"course": catalogue["duties"].pk, "completed_on": dmy(day(-30)), "provider": "T", "certificate_number": "1"}
    assert clerk.post(url, data).status_code == 404
    assert client_as("committee").post(url, data).status_code == 403
    assert not Enrollment.objects.exists()


# --- roster, masking, lists and their exports ----------------------------------------------------------


def test_roster_export_with_results_and_masking_for_the_committee(graded_class, clerk, client_as):
    session, rows = graded_class
    url = reverse("training:session_results", args=[session.pk])
    clerk.post(url, results_data(clerk.get(url), rows))
    officers = {e.officer_id: Officer.objects.select_related("district").get(pk=e.officer_id) for e in rows}

    response = clerk.get(reverse("training:session_roster", args=[session.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert f"lop-CAX-01-{session.starts_on:%Y%m%d}.xlsx" in response["Content-Disposition"]
    header, *lines = sheet_rows(response.content)
    assert header == ("Số hiệu", "Họ và tên", "Huyện", "Có mặt", "Điểm", "Đạt", "Số chứng chỉ", "Hiệu lực đến")
    by_number = {line[0]: line for line in lines}
    assert set(by_number) == {o.police_number for o in officers.values()}
    year = session.ends_on.year
    first = officers[rows[0].officer_id]
    line = by_number[first.police_number]
    assert line[1:4] == (first.full_name, first.district.name, "Có")
    assert Decimal(str(line[4])) == Decimal("8.5")
    assert line[5] == "Có" and line[6].startswith(f"CAX-01-{year}-")
    failed = by_number[officers[rows[2].officer_id].police_number]
    assert (failed[5], failed[6]) == ("Không", None)

    committee = client_as("committee")
    response = committee.get(reverse("training:session_roster", args=[session.pk]))
    assert response.status_code == 200
    _header, *lines = sheet_rows(response.content)
    numbers = [line[0] for line in lines]
    assert sorted(numbers) == sorted(mask(o.police_number) for o in officers.values())
    cells = " ".join(str(v) for line in lines for v in line)
    assert not any(o.police_number in cells for o in officers.values())
    assert {line[1] for line in lines} == {o.full_name for o in officers.values()}  # names are not masked

    page = committee.get(session.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert not any(o.police_number in html for o in officers.values())
    assert 'data-testid="enrol-form"' not in html
    assert reverse("training:session_results", args=[session.pk]) not in html


def test_district_clerk_sees_only_their_district_in_a_class(catalogue, client_as, users):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, starts=5, ends=9, capacity=10)
    mine = vetted(admin, 2)
    theirs = vetted(admin, 3, district=NGOC_HOI)
    enrol(session, [*mine, *theirs], admin)
    client = client_as("district_clerk")

    page = client.get(session.get_absolute_url())
    assert {e.officer_id for e in page.context["enrollments"]} == {o.pk for o in mine}
    assert (page.context["enrolled_count"], page.context["free_seats"]) == (5, 5)
    html = page.content.decode()
    assert 'data-testid="other-districts" data-count="3"' in html
    assert not any(o.police_number in html or o.full_name in html for o in theirs)

    _header, *lines = sheet_rows(client.get(reverse("training:session_roster", args=[session.pk])).content)
    assert sorted(line[0] for line in lines) == sorted(o.police_number for o in mine)

    clerk = client_as("provincial_clerk")
    assert len(clerk.get(session.get_absolute_url()).context["enrollments"]) == 5
    assert 'data-testid="other-districts"' not in clerk.get(session.get_absolute_url()).content.decode()
    assert len(sheet_rows(clerk.get(reverse("training:session_roster", args=[session.pk])).content)) == 6


@pytest.fixture
def deployed(catalogue, users):
    """Deployed officers: fully trained, missing CAX-02, with no course, with CAX-02 expired; a ready officer
    missing a course (not deployed, so not listed) and a deployed officer of another district."""
    admin = users["administrator"]

    def officer(district=DAK_GLEI):
        return OfficerFactory(district_id=district, status=OfficerStatus.DEPLOYED)

    trained, missing_one, none, expired = (officer() for _ in range(4))
    other_district = officer(NGOC_HOI)
    ready = OfficerFactory(district_id=DAK_GLEI, status=OfficerStatus.READY)
    give_pass(trained, catalogue["duties"], admin, ends=-100)
    give_pass(trained, catalogue["skills"], admin, ends=-50)
    give_pass(missing_one, catalogue["duties"], admin, ends=-100)
    give_pass(expired, catalogue["duties"], admin, ends=-100)
    give_pass(expired, catalogue["skills"], admin, ends=-800)  # valid 24 months: expired about 70 days ago
    give_pass(ready, catalogue["duties"], admin, ends=-100)
    return {"trained": trained, "missing_one": missing_one, "none": none, "expired": expired,
            "other_district": other_district, "ready": ready}  # fmt: skip


def test_untrained_deployed_list_and_export(deployed, clerk, client_as):
    response = clerk.get(reverse("training:untrained"))
    assert response.status_code == 200
    assert response.context["required"] == 2
    listed = {o.pk: o.passed_mandatory for o in response.context["object_list"]}
    assert listed == {
        deployed["missing_one"].pk: 1,
        deployed["none"].pk: 0,
        deployed["expired"].pk: 1,
        deployed["other_district"].pk: 0,
    }
    assert 'data-testid="untrained-table"' in response.content.decode()

    export = clerk.get(reverse("training:untrained"), {"format": "xlsx"})
    assert export["Content-Type"] == XLSX_CONTENT_TYPE
    header, *lines = sheet_rows(export.content)
    assert header == ("Số hiệu", "Họ và tên", "Huyện", "Khóa bắt buộc đã đạt", "Còn thiếu")
    assert {line[0]: line[3:] for line in lines} == {
        deployed["missing_one"].police_number: (1, 1),
        deployed["none"].police_number: (0, 2),
        deployed["expired"].police_number: (1, 1),
        deployed["other_district"].police_number: (0, 2),
    }

    district = client_as("district_clerk")
    assert {o.pk for o in district.get(reverse("training:untrained")).context["object_list"]} == {
        deployed["missing_one"].pk,
        deployed["none"].pk,
        deployed["expired"].pk,
    }
    committee = client_as("committee")
    export = committee.get(reverse("training:untrained"), {"format": "xlsx"})
    _header, *lines = sheet_rows(export.content)
    assert sorted(line[0] for line in lines) == sorted(
        mask(deployed[k].police_number) for k in ("missing_one", "none", "expired", "other_district")
    )
    page = committee.get(reverse("training:untrained")).content.decode()
    assert deployed["none"].police_number not in page


def test_refreshers_due_list_and_export(catalogue, clerk, client_as, users):
    admin = users["administrator"]
    soon, renewed, later, expired, never, other = (
        OfficerFactory(district_id=d, status=OfficerStatus.DEPLOYED)
        for d in (DAK_GLEI, DAK_GLEI, DAK_GLEI, DAK_GLEI, DAK_GLEI, NGOC_HOI)
    )
    due = give_pass(soon, catalogue["martial"], admin, ends=-340)  # 12 months: due in about 25 days
    give_pass(renewed, catalogue["martial"], admin, ends=-340)
    give_pass(renewed, catalogue["martial"], admin, ends=-10)  # a newer pass: nothing due
    give_pass(later, catalogue["martial"], admin, ends=-200)  # due in about 165 days: outside the window
    gone = give_pass(expired, catalogue["skills"], admin, ends=-750)  # 24 months: expired about 20 days ago
    give_pass(never, catalogue["duties"], admin, ends=-2000)  # never expires
    theirs = give_pass(other, catalogue["martial"], admin, ends=-330)

    response = clerk.get(reverse("training:refreshers"))

    assert response.status_code == 200
    assert [e.pk for e in response.context["object_list"]] == [gone.pk, due.pk, theirs.pk]  # by expiry
    assert gone.valid_until < today() <= due.valid_until <= day(60)
    html = response.content.decode()
    assert 'data-testid="refreshers-table"' in html

    export = clerk.get(reverse("training:refreshers"), {"format": "xlsx"})
    assert export["Content-Type"] == XLSX_CONTENT_TYPE
    header, *lines = sheet_rows(export.content)
    assert header == ("Số hiệu", "Họ và tên", "Huyện", "Mã khóa", "Khóa học", "Hết hiệu lực")
    assert [(line[0], line[3], line[5].date()) for line in lines] == [
        (expired.police_number, "CAX-02", gone.valid_until),
        (soon.police_number, "CAX-09", due.valid_until),
        (other.police_number, "CAX-09", theirs.valid_until),
    ]

    officer_page = clerk.get(reverse("personnel:officer_detail", args=[soon.pk]))
    assert [e.pk for e in officer_page.context["training"]["refreshers"]] == [due.pk]

    district = client_as("district_clerk")
    assert [e.pk for e in district.get(reverse("training:refreshers")).context["object_list"]] == [gone.pk, due.pk]

    committee = client_as("committee")
    _header, *lines = sheet_rows(committee.get(reverse("training:refreshers"), {"format": "xlsx"}).content)
    assert [line[0] for line in lines] == [mask(o.police_number) for o in (expired, soon, other)]


def test_class_list_filters(catalogue, clerk, users):
    admin = users["administrator"]
    past = open_class(catalogue["duties"], admin, starts=-10, ends=-8)
    upcoming = open_class(catalogue["skills"], admin, starts=5, ends=9)
    running = open_class(catalogue["martial"], admin, starts=-1, ends=1)
    url = reverse("training:session_list")
    assert [s.pk for s in clerk.get(url).context["object_list"]] == [upcoming.pk, running.pk, past.pk]
    assert [s.pk for s in clerk.get(url, {"when": "upcoming"}).context["object_list"]] == [upcoming.pk]
    assert [s.pk for s in clerk.get(url, {"when": "past"}).context["object_list"]] == [past.pk]
    course = catalogue["skills"].pk
    assert [s.pk for s in clerk.get(url, {"course": course}).context["object_list"]] == [upcoming.pk]
    for junk in ({"course": "abc"}, {"when": "<b>"}, {"page": "999"}, {"page": "x"}):
        assert clerk.get(url, junk).status_code == 200
    courses = clerk.get(reverse("training:course_list"))
    # In catalogue order: by subject area ("law" before "professional_operations"), then code.
    assert [(c.code, c.classes) for c in courses.context["object_list"]] == [
        ("CAX-01", 1),
        ("CAX-02", 1),
        ("CAX-09", 1),
    ]


def test_classes_of_another_province_are_not_found(catalogue, clerk, users):
    divisions_load(province_codes=[64])  # Gia Lai
    admin = users["administrator"]
    gia_lai = services.session_create(
        course=catalogue["duties"], province_id=64, starts_on=day(-5), ends_on=day(-1), place="Pleiku",
        instructor="Trung tá A", capacity=10, created_by=admin,
    )  # fmt: skip
    (officer,) = vetted(admin)
    assert gia_lai.pk not in {s.pk for s in clerk.get(reverse("training:session_list")).context["object_list"]}
    for name in ("session_detail", "session_results", "session_results_import", "session_roster"):
        assert clerk.get(reverse(f"training:{name}", args=[gia_lai.pk])).status_code == 404, name
    url = reverse("training:session_enrol", args=[gia_lai.pk])
    response = clerk.post(url, {"police_numbers": officer.police_number})
    assert response.status_code == 404
    assert not Enrollment.objects.exists()


# --- who may do what -----------------------------------------------------------------------------------

READ, CREATE, ENROL, RESULTS = "read", "create", "enrol", "results"
ALLOWED = {
    "committee": {READ},
    "provincial_clerk": {READ, CREATE, ENROL, RESULTS},
    "district_clerk": {READ, ENROL, RESULTS},
    "administrator": {READ, CREATE, ENROL, RESULTS},
    "no_role": set(),
}


@pytest.fixture
def world(catalogue, users):
    """A finished class with two enrolled officers of the district clerk's district."""
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, ends=0)
    enrol(session, vetted(admin, 2), admin)
    return session


def pages(session, catalogue):
    """(name, method, what is needed, status when allowed, request data); applied in this order."""
    rows = list(session.enrollments.order_by("pk"))
    (newcomer,) = vetted(session.created_by)
    later, holder = vetted(session.created_by, 2)
    prior = services.prior_training_record(
        officer=holder, course=catalogue["skills"], completed_on=day(-90), provider="Trường Cao đẳng CSND II",
        certificate_number="CSND-1", recorded_by=session.created_by,
        certificate_file=SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scan"),
    )  # fmt: skip
    prior_data = {"course": catalogue["duties"].pk, "completed_on": dmy(day(-30)), "provider": "Trường",
                  "certificate_number": "CSND-2"}  # fmt: skip
    results = {key: value for e in rows for key, value in
               ((f"attended_{e.pk}", "yes"), (f"score_{e.pk}", "8"), (f"passed_{e.pk}", "yes"), (f"shown_{e.pk}", "||"))
               }  # fmt: skip
    pk = session.pk
    return [
        ("session_list", "get", READ, 200, [], None),
        ("course_list", "get", READ, 200, [], None),
        ("session_detail", "get", READ, 200, [pk], None),
        ("session_roster", "get", READ, 200, [pk], None),
        ("untrained", "get", READ, 200, [], None),
        ("refreshers", "get", READ, 200, [], None),
        ("session_create", "get", CREATE, 200, [], None),
        ("session_create", "post", CREATE, 302, [], class_form(catalogue["skills"])),
        ("session_enrol", "get", ENROL, 405, [pk], None),
        ("session_enrol", "post", ENROL, 302, [pk], {"police_numbers": newcomer.police_number}),
        ("enrollment_remove", "get", ENROL, 200, [rows[0].pk], None),  # the confirmation page
        ("enrollment_remove", "post", ENROL, 302, [rows[0].pk], {"confirm": "yes"}),
        ("session_results", "get", RESULTS, 200, [pk], None),
        ("session_results_import", "get", RESULTS, 200, [pk], None),
        ("session_results", "post", RESULTS, 302, [pk],
         {k: v for k, v in results.items() if not k.endswith(f"_{rows[0].pk}")}),
        ("officer_enrol", "get", ENROL, 405, [later.pk], None),
        ("officer_enrol", "post", ENROL, 302, [later.pk], {"session": pk}),
        ("prior_training_create", "get", ENROL, 200, [later.pk], None),
        ("prior_training_create", "post", ENROL, 302, [later.pk], prior_data),
        ("certificate_file", "get", READ, 200, [prior.pk], None),
        ("prior_training_remove", "get", ENROL, 200, [prior.pk], None),  # the confirmation page
        ("prior_training_remove", "post", ENROL, 302, [prior.pk], {"confirm": "yes"}),
        ("session_close", "get", CREATE, 405, [pk], None),
        ("session_close", "post", CREATE, 200, [pk], {}),  # officers without a result: asks first
        ("session_reopen", "post", CREATE, 302, [pk], {}),  # open: refused with a message
    ]  # fmt: skip


@pytest.mark.parametrize("role", ALLOWED)
def test_training_role_matrix(world, catalogue, client_as, role):
    client = client_as(role)
    table = pages(world, catalogue)
    before = result_state()
    got, expected = {}, {}
    for name, method, need, allowed, args, data in table:
        response = getattr(client, method)(reverse(f"training:{name}", args=args), data or {})
        got[(name, method)] = response.status_code
        expected[(name, method)] = allowed if need in ALLOWED[role] else 403
    assert got == expected
    if ENROL not in ALLOWED[role]:
        assert result_state() == before  # nothing a refused request could have written
        assert TrainingSession.objects.count() == 1


def test_anonymous_is_sent_to_login(world, catalogue, client):
    for name, method, _need, _allowed, args, data in pages(world, catalogue):
        response = getattr(client, method)(reverse(f"training:{name}", args=args), data or {})
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name
    assert TrainingSession.objects.count() == 1
    assert world.enrollments.count() == 2


# --- constant query counts -----------------------------------------------------------------------------


def test_class_list_query_count_does_not_grow(catalogue, clerk, users, django_assert_max_num_queries):
    admin = users["administrator"]
    officers = vetted(admin, 3)

    def add_classes(count, offset):
        for number in range(count):
            session = open_class(catalogue["duties"], admin, starts=offset + 3 * number, ends=offset + 3 * number + 1)
            enrol(session, officers, admin)

    add_classes(5, -100)
    url = reverse("training:session_list")
    with django_assert_max_num_queries(20) as small:
        assert len(clerk.get(url).context["object_list"]) == 5
    add_classes(35, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(clerk.get(url).context["object_list"]) == 40


@pytest.mark.parametrize("page", ["session_detail", "session_results"])
def test_class_pages_query_count_does_not_grow(catalogue, clerk, users, django_assert_max_num_queries, page):
    admin = users["administrator"]
    session = open_class(catalogue["duties"], admin, capacity=100)
    enrol(session, vetted(admin, 5), admin)
    url = reverse(f"training:{page}", args=[session.pk])
    with django_assert_max_num_queries(25) as small:
        clerk.get(url)
    enrol(session, vetted(admin, 35, district=NGOC_HOI), admin)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = clerk.get(url)
    assert response.status_code == 200
    assert session.enrollments.count() == 40


def test_officer_page_query_count_does_not_grow(catalogue, clerk, users, django_assert_max_num_queries):
    # A deployed officer: classes do not change the status, so the page's history (whose cost per status change
    # is the personnel app's) stays the same while the training section grows from one class to eight.
    admin = users["administrator"]
    officer = OfficerFactory(district_id=DAK_GLEI, status=OfficerStatus.DEPLOYED)
    give_pass(officer, catalogue["duties"], admin, ends=-5)
    url = reverse("personnel:officer_detail", args=[officer.pk])
    with django_assert_max_num_queries(30) as small:
        clerk.get(url)
    for number in range(7):
        course = catalogue["skills"] if number % 2 else catalogue["martial"]
        give_pass(Officer.objects.get(pk=officer.pk), course, admin, ends=-20 - 10 * number)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = clerk.get(url)
    assert len(response.context["training"]["enrollments"]) == 8


def test_list_pages_query_count_does_not_grow(deployed, catalogue, clerk, users, django_assert_max_num_queries):
    urls = [reverse("training:untrained"), reverse("training:refreshers")]
    captured = {}
    for url in urls:
        with django_assert_max_num_queries(20) as small:
            clerk.get(url)
        captured[url] = len(small.captured_queries)
    admin = users["administrator"]
    for _ in range(10):
        officer = OfficerFactory(district_id=DAK_GLEI, status=OfficerStatus.DEPLOYED)
        give_pass(officer, catalogue["martial"], admin, ends=-340)
    for url in urls:
        with django_assert_max_num_queries(captured[url]):
            clerk.get(url)


def test_ready_is_not_offered_by_hand_to_an_untrained_officer_and_is_refused(catalogue, clerk, users):
    admin = users["administrator"]
    (officer,) = vetted(admin)
    give_pass(officer, catalogue["duties"], admin, ends=-30)  # CAX-02 still missing: in training
    url = reverse("personnel:officer_detail", args=[officer.pk])
    assert OfficerStatus.READY not in [value for value, _label in clerk.get(url).context["next_statuses"]]

    response = clerk.post(reverse("personnel:officer_status", args=[officer.pk]), {"status": "ready"}, follow=True)

    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.IN_TRAINING
    (error,) = [text for level, text in flashed(response) if level == levels.ERROR]
    assert "CAX-02" in error
