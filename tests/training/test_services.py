"""Training rules: capacity, duplicates, overlaps, results in one transaction, certificates, expiry, readiness."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from communes.models import Province
from personnel.choices import OfficerStatus, VettingCriterion
from personnel.models import Officer
from personnel.services import VettingDecision, officer_change_status, vetting_record
from tests.builders.training import enrol
from tests.factories import OfficerFactory, vet_fully
from training.models import Course, Enrollment, valid_until
from training.selectors import officer_training, officers_missing_courses, refreshers_due
from training.services import (
    CloseNeedsConfirmation,
    Result,
    ResultRow,
    enrolment_add,
    enrolment_remove,
    prior_training_record,
    prior_training_remove,
    results_record,
    session_close,
    session_create,
    session_reopen,
    statuses_settle_lapsed,
)
from training.tasks import settle_lapsed_statuses

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages asserted in English (the catalogue is Vietnamese; threads of the race tests too)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


TODAY = datetime.date.today()


def make_course(code="CAX-01", mandatory=True, validity=0):
    return Course.objects.create(
        code=code, title_vi=f"Khóa {code}", title_en=f"Course {code}", subject_area="law", hours=40,
        is_mandatory=mandatory, validity_months=validity,
    )  # fmt: skip


def make_session(course, user, start=None, days=3, capacity=30):
    start = start or TODAY - datetime.timedelta(days=days - 1)  # running: it ends today
    return session_create(
        course=course, province_id=62, starts_on=start, ends_on=start + datetime.timedelta(days=days - 1),
        place="Trường Chính trị tỉnh", instructor="Đại úy Lê Văn B", capacity=capacity, created_by=user,
    )  # fmt: skip


def vetted(user, **kwargs):
    return vet_fully(OfficerFactory(**kwargs), user)


def test_capacity_is_enforced_for_the_whole_batch(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin, capacity=2)
    officers = [vetted(admin) for _ in range(3)]
    with pytest.raises(ValidationError, match="2 free seat"):
        enrolment_add(session=session, officers=officers, enrolled_by=admin)
    assert not Enrollment.objects.exists()
    enrolment_add(session=session, officers=officers[:2], enrolled_by=admin)
    with pytest.raises(ValidationError, match="0 free seat"):
        enrolment_add(session=session, officers=officers[2:], enrolled_by=admin)
    assert Enrollment.objects.count() == 2


def test_no_officer_twice_in_a_class(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin)
    officer = vetted(admin)
    enrolment_add(session=session, officers=[officer], enrolled_by=admin)
    outcome = enrolment_add(session=session, officers=[officer], enrolled_by=admin)
    assert outcome.enrolled == []
    assert "already enrolled" in outcome.refused[0][1]
    first = Enrollment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            session=session, officer=officer, course=first.course, starts_on=first.starts_on, ends_on=first.ends_on,
            enrolled_by=admin,
        )  # fmt: skip


def test_no_overlapping_classes_for_one_officer(kon_tum, users):
    admin = users["administrator"]
    officer = vetted(admin)
    first = make_session(make_course("CAX-01"), admin, start=TODAY, days=5)
    overlapping = make_session(make_course("CAX-02"), admin, start=TODAY + datetime.timedelta(days=4), days=3)
    after = make_session(make_course("CAX-03"), admin, start=TODAY + datetime.timedelta(days=5), days=3)
    enrolment_add(session=first, officers=[officer], enrolled_by=admin)
    refused = enrolment_add(session=overlapping, officers=[officer], enrolled_by=admin)
    assert refused.enrolled == [] and "overlapping" in refused.refused[0][1]
    assert enrolment_add(session=after, officers=[officer], enrolled_by=admin).enrolled == [officer]


def test_enrolment_moves_vetted_officers_into_training_and_refuses_candidates(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin)
    officer, candidate = vetted(admin), OfficerFactory()
    outcome = enrolment_add(session=session, officers=[officer, candidate], enrolled_by=admin)
    assert outcome.enrolled == [officer]
    assert outcome.refused[0][0] == candidate
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING


def test_district_clerk_enrols_only_their_officers(kon_tum, users):
    session = make_session(make_course(), users["administrator"])
    mine = vetted(users["administrator"], district_id=610)
    theirs = vetted(users["administrator"], district_id=611)
    outcome = enrolment_add(session=session, officers=[mine, theirs], enrolled_by=users["district_clerk"])
    assert outcome.enrolled == [mine]
    assert outcome.refused[0][0] == theirs
    with pytest.raises(PermissionDenied):
        session_create(
            course=make_course("CAX-09"), province_id=1, starts_on=TODAY, ends_on=TODAY, place="x", instructor="y",
            capacity=5, created_by=users["provincial_clerk"],
        )  # fmt: skip


def test_results_in_one_transaction_with_numbered_certificates(kon_tum, users):
    admin = users["administrator"]
    course = make_course()
    session = make_session(course, admin)
    a, b, c = (vetted(admin) for _ in range(3))
    enrolment_add(session=session, officers=[a, b, c], enrolled_by=admin)
    ids = {e.officer_id: e.pk for e in Enrollment.objects.all()}

    with pytest.raises(ValidationError) as excinfo:
        results_record(
            session=session,
            rows=[ResultRow(ids[a.pk], True, Decimal("8.5"), True), ResultRow(ids[b.pk], False, None, True)],
            recorded_by=admin,
        )
    assert str(ids[b.pk]) in excinfo.value.message_dict
    assert not Enrollment.objects.filter(passed__isnull=False).exists()  # nothing saved, not even row a

    rows = [
        ResultRow(ids[a.pk], True, Decimal("8.5"), True),
        ResultRow(ids[b.pk], True, Decimal("4"), False),
        ResultRow(ids[c.pk], True, Decimal("7"), True),
    ]
    outcome = results_record(session=session, rows=rows, recorded_by=admin)
    assert (sorted(e.officer_id for e in outcome.saved), outcome.unchanged) == (sorted([a.pk, b.pk, c.pk]), 0)
    year = session.ends_on.year
    certificates = sorted(
        Enrollment.objects.exclude(certificate_number=None).values_list("certificate_number", flat=True)
    )
    assert certificates == [f"CAX-01-{year}-00001", f"CAX-01-{year}-00002"]
    assert Enrollment.objects.get(officer=b).certificate_number is None

    # the same rows again change nothing and write no history
    history = Enrollment.history.count()
    again = results_record(session=session, rows=rows, recorded_by=admin)
    assert (again.saved, again.unchanged) == ([], 3)
    assert Enrollment.history.count() == history

    # a second class of the same course continues the numbering
    later = make_session(course, admin, start=TODAY, days=1)
    d = vetted(admin)
    enrolment_add(session=later, officers=[d], enrolled_by=admin)
    results_record(
        session=later, rows=[ResultRow(Enrollment.objects.get(session=later).pk, True, Decimal("9"), True)],
        recorded_by=admin,
    )  # fmt: skip
    assert Enrollment.objects.get(session=later).certificate_number == f"CAX-01-{year}-00003"


def test_passing_every_mandatory_course_makes_a_vetted_officer_ready(kon_tum, users):
    admin = users["administrator"]
    law, duties = make_course("CAX-05"), make_course("CAX-01")
    make_course("CAX-07", mandatory=False)
    officer = vetted(admin)
    for course in (law, duties):
        session = make_session(course, admin, start=TODAY - datetime.timedelta(days=10 if course == law else 3))
        enrol(session, [officer], admin)  # classes of the past: their seats as history
        officer.refresh_from_db()
        assert officer.status == OfficerStatus.IN_TRAINING
        results_record(
            session=session, rows=[ResultRow(Enrollment.objects.get(session=session).pk, True, Decimal("7"), True)],
            recorded_by=admin,
        )  # fmt: skip
        officer.refresh_from_db()
        expected = OfficerStatus.READY if course == duties else OfficerStatus.IN_TRAINING
        assert officer.status == expected
    assert officer_training(officer)["trained"]
    assert officers_missing_courses([officer.pk]) == {officer.pk: []}


def test_refresher_expiry(kon_tum, users):
    admin = users["administrator"]
    course = make_course("CAX-02", validity=24)
    assert valid_until(course, datetime.date(2025, 1, 31)) == datetime.date(2027, 1, 31)
    assert valid_until(course, datetime.date(2024, 2, 29)) == datetime.date(2026, 2, 28)
    assert valid_until(make_course("CAX-01", validity=0), TODAY) is None

    officer = vetted(admin)
    old = make_session(course, admin, start=TODAY - datetime.timedelta(days=730), days=1)
    enrol(old, [officer], admin)
    results_record(session=old, rows=[ResultRow(Enrollment.objects.get().pk, True, None, True)], recorded_by=admin)
    enrollment = Enrollment.objects.get()
    assert TODAY - datetime.timedelta(days=2) <= enrollment.valid_until <= TODAY + datetime.timedelta(days=2)
    assert list(refreshers_due(Enrollment.objects.all())) == [enrollment]

    # expired: no longer trained, the refresher shows on the officer page
    assert not officer_training(officer, on=TODAY + datetime.timedelta(days=10))["trained"]
    assert officer_training(officer)["refreshers"] == [enrollment]
    # a newer pass clears the refresher
    renewal = make_session(course, admin, start=TODAY - datetime.timedelta(days=1), days=1)
    enrol(renewal, [officer], admin)
    results_record(
        session=renewal, rows=[ResultRow(Enrollment.objects.get(session=renewal).pk, True, None, True)],
        recorded_by=admin,
    )  # fmt: skip
    assert list(refreshers_due(Enrollment.objects.all())) == []


def test_results_cannot_be_recorded_before_the_class_starts(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin, start=TODAY + datetime.timedelta(days=7))
    officer = vetted(admin)
    enrolment_add(session=session, officers=[officer], enrolled_by=admin)
    with pytest.raises(ValidationError, match=f"Results can be entered from {session.starts_on:%d/%m/%Y}"):
        results_record(
            session=session, rows=[ResultRow(Enrollment.objects.get().pk, True, None, True)], recorded_by=admin
        )
    assert Enrollment.objects.get().passed is None


def test_enrolment_history_is_recorded(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin)
    officer = vetted(admin)
    enrolment_add(session=session, officers=[officer], enrolled_by=users["provincial_clerk"])
    results_record(
        session=session, rows=[ResultRow(Enrollment.objects.get().pk, True, Decimal("6"), True)], recorded_by=admin
    )
    history = Enrollment.history.order_by("history_date")
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", users["provincial_clerk"]),
        ("~", admin),
    ]
    assert history.last().passed is True


def test_a_pass_corrected_to_a_fail_takes_readiness_back(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin)
    officer = vetted(admin)
    enrolment_add(session=session, officers=[officer], enrolled_by=admin)
    enrollment = Enrollment.objects.get()
    results_record(session=session, rows=[ResultRow(enrollment.pk, True, Decimal("8"), True)], recorded_by=admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY
    results_record(session=session, rows=[ResultRow(enrollment.pk, True, Decimal("3"), False)], recorded_by=admin)
    officer.refresh_from_db()
    enrollment.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING
    assert enrollment.certificate_number is None and enrollment.valid_until is None
    assert not officer_training(officer)["trained"]


def test_removing_an_officer_from_a_class_puts_their_status_back(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin, start=TODAY + datetime.timedelta(days=3))
    officer = vetted(admin)
    enrolment_add(session=session, officers=[officer], enrolled_by=admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING
    enrolment_remove(enrollment=Enrollment.objects.get(), user=admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.VETTED
    assert not Enrollment.objects.exists()


# --- enrolment: a class takes officers until its last day -------------------------------------------------------


def test_a_class_that_has_ended_takes_no_more_officers(kon_tum, users):
    admin = users["administrator"]
    ended = make_session(make_course(), admin, start=TODAY - datetime.timedelta(days=3), days=3)  # ended yesterday
    officer = vetted(admin)
    with pytest.raises(ValidationError, match=f"This class ended on {ended.ends_on:%d/%m/%Y}.*prior training"):
        enrolment_add(session=ended, officers=[officer], enrolled_by=admin)
    assert not Enrollment.objects.exists()
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.VETTED
    # A class that is running (it started two days ago and ends today) still takes officers.
    running = make_session(make_course("CAX-02"), admin)
    assert running.starts_on < TODAY == running.ends_on
    assert enrolment_add(session=running, officers=[officer], enrolled_by=admin).enrolled == [officer]


# --- results: only what the clerk entered -----------------------------------------------------------------------


def _class_of(admin, *officers, course=None):
    session = make_session(course or make_course(), admin)
    enrolment_add(session=session, officers=list(officers), enrolled_by=admin)
    return session, {e.officer_id: e.pk for e in session.enrollments.all()}


def _results(session):
    return {e.officer_id: (e.attended, e.score, e.passed) for e in session.enrollments.all()}


def test_a_pass_for_an_absent_officer_is_refused_and_a_pass_with_no_attendance_means_present(kon_tum, users):
    admin = users["administrator"]
    a, b = vetted(admin), vetted(admin)
    session, seats = _class_of(admin, a, b)
    with pytest.raises(ValidationError) as refused:
        results_record(
            session=session,
            rows=[ResultRow(seats[a.pk], None, Decimal("7"), True), ResultRow(seats[b.pk], False, None, True)],
            recorded_by=admin,
        )
    assert refused.value.message_dict == {str(seats[b.pk]): ["An officer who did not attend cannot pass."]}
    assert _results(session) == {a.pk: (None, None, None), b.pk: (None, None, None)}

    results_record(session=session, rows=[ResultRow(seats[a.pk], None, Decimal("7"), True)], recorded_by=admin)
    assert _results(session) == {a.pk: (True, Decimal("7.00"), True), b.pk: (None, None, None)}


def test_rows_not_given_are_left_alone_and_the_class_stays_open(kon_tum, users):
    admin = users["administrator"]
    a, b, c = (vetted(admin) for _ in range(3))
    session, seats = _class_of(admin, a, b, c)
    results_record(session=session, rows=[ResultRow(seats[a.pk], True, Decimal("8"), True)], recorded_by=admin)
    results_record(session=session, rows=[ResultRow(seats[b.pk], True, Decimal("5"), None)], recorded_by=admin)
    assert _results(session) == {
        a.pk: (True, Decimal("8.00"), True),
        b.pk: (True, Decimal("5.00"), None),  # a score, no result yet: neither passed nor failed
        c.pk: (None, None, None),
    }
    session.refresh_from_db()
    assert not session.results_closed
    # Every officer with a result: the class is still open until the clerk closes it.
    results_record(
        session=session,
        rows=[ResultRow(seats[b.pk], True, Decimal("5"), False), ResultRow(seats[c.pk], False, None, False)],
        recorded_by=admin,
    )
    session.refresh_from_db()
    assert not session.results_closed


def test_a_row_changed_since_it_was_shown_refuses_the_whole_save(kon_tum, users):
    admin, clerk = users["administrator"], users["provincial_clerk"]
    a, b = vetted(admin), vetted(admin)
    session, seats = _class_of(admin, a, b)
    nothing = Result()
    # Two pages opened on a class with nothing recorded; the first clerk saves a's pass.
    results_record(
        session=session, rows=[ResultRow(seats[a.pk], True, Decimal("8"), True, shown=nothing)], recorded_by=admin
    )
    before = _results(session)

    with pytest.raises(ValidationError) as refused:
        results_record(
            session=session,
            rows=[
                ResultRow(seats[a.pk], False, None, False, shown=nothing),  # stale: a is passed now
                ResultRow(seats[b.pk], True, Decimal("6"), True, shown=nothing),
            ],
            recorded_by=clerk,
        )

    assert list(refused.value.message_dict) == [str(seats[a.pk])]
    assert "changed by someone else" in refused.value.message_dict[str(seats[a.pk])][0]
    assert _results(session) == before  # not even b's row
    # Saving again over what is shown now is a deliberate choice, and goes through.
    now = Result(True, Decimal("8.00"), True)
    results_record(
        session=session,
        rows=[ResultRow(seats[a.pk], False, None, False, shown=now), ResultRow(seats[b.pk], True, None, True)],
        recorded_by=clerk,
    )
    assert _results(session) == {a.pk: (False, None, False), b.pk: (True, None, True)}


def test_a_district_clerk_records_results_only_of_their_districts_officers(kon_tum, users):
    admin, district_clerk = users["administrator"], users["district_clerk"]
    mine, theirs = vetted(admin, district_id=610), vetted(admin, district_id=611)
    session, seats = _class_of(admin, mine, theirs)

    with pytest.raises(ValidationError) as refused:
        results_record(
            session=session,
            rows=[ResultRow(seats[mine.pk], True, Decimal("8"), True), ResultRow(seats[theirs.pk], True, None, True)],
            recorded_by=district_clerk,
        )
    assert refused.value.message_dict == {str(seats[theirs.pk]): ["This officer is outside your district."]}
    assert _results(session) == {mine.pk: (None, None, None), theirs.pk: (None, None, None)}

    outcome = results_record(
        session=session, rows=[ResultRow(seats[mine.pk], True, Decimal("8"), True)], recorded_by=district_clerk
    )
    assert [e.officer_id for e in outcome.saved] == [mine.pk]
    assert Enrollment.objects.get(pk=seats[mine.pk]).result_recorded_by == district_clerk


# --- closing and reopening a class ------------------------------------------------------------------------------


def test_closing_a_class_with_officers_without_a_result_asks_to_confirm_their_number(kon_tum, users):
    admin = users["administrator"]
    a, b, c = (vetted(admin) for _ in range(3))
    session, seats = _class_of(admin, a, b, c)
    results_record(session=session, rows=[ResultRow(seats[a.pk], True, Decimal("8"), True)], recorded_by=admin)

    with pytest.raises(CloseNeedsConfirmation) as asked:
        session_close(session=session, user=admin)
    assert asked.value.unrecorded == 2
    assert "2 officer(s) in this class have no result yet" in asked.value.messages[0]
    # Meanwhile another clerk enters b's result: the count confirmed no longer matches, so it asks again.
    results_record(session=session, rows=[ResultRow(seats[b.pk], True, Decimal("4"), False)], recorded_by=admin)
    with pytest.raises(CloseNeedsConfirmation) as asked_again:
        session_close(session=session, user=admin, unrecorded_confirmed=2)
    assert asked_again.value.unrecorded == 1
    session.refresh_from_db()
    assert not session.results_closed

    session_close(session=session, user=admin, unrecorded_confirmed=1)
    session.refresh_from_db()
    assert session.results_closed
    assert _results(session)[c.pk] == (None, None, None)  # closing records nothing
    with pytest.raises(ValidationError, match="already closed"):
        session_close(session=session, user=admin, unrecorded_confirmed=1)
    # Closed to enrolment; results can still be entered.
    with pytest.raises(ValidationError, match="closed; it takes no more officers"):
        enrolment_add(session=session, officers=[vetted(admin)], enrolled_by=admin)
    results_record(session=session, rows=[ResultRow(seats[c.pk], False, None, False)], recorded_by=admin)
    assert _results(session)[c.pk] == (False, None, False)


def test_a_class_where_everyone_has_a_result_closes_without_asking(kon_tum, users):
    admin = users["administrator"]
    officer = vetted(admin)
    session, seats = _class_of(admin, officer)
    results_record(session=session, rows=[ResultRow(seats[officer.pk], True, None, True)], recorded_by=admin)
    session_close(session=session, user=admin)
    session.refresh_from_db()
    assert session.results_closed


def test_a_closed_class_reopens_until_its_last_day(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin, start=TODAY, days=3)
    with pytest.raises(ValidationError, match="This class is open"):
        session_reopen(session=session, user=admin)
    session_close(session=session, user=admin)
    session_reopen(session=session, user=admin)
    session.refresh_from_db()
    assert not session.results_closed
    officer = vetted(admin)
    assert enrolment_add(session=session, officers=[officer], enrolled_by=admin).enrolled == [officer]

    ended = make_session(make_course("CAX-02"), admin, start=TODAY - datetime.timedelta(days=5), days=2)
    session_close(session=ended, user=admin)
    with pytest.raises(ValidationError, match="has ended"):
        session_reopen(session=ended, user=admin)
    ended.refresh_from_db()
    assert ended.results_closed


# --- prior or external training ---------------------------------------------------------------------------------


def _prior(officer, course, user, **overrides):
    values = {
        "completed_on": TODAY - datetime.timedelta(days=100), "provider": "Trường Cao đẳng Cảnh sát nhân dân II",
        "certificate_number": "CSND-2026-0101", "valid_until_on": None, **overrides,
    }  # fmt: skip
    return prior_training_record(officer=officer, course=course, recorded_by=user, **values)


REFUSALS = [
    # (case, field in the error)
    ("future date", "completed_on"),
    ("before the officer was 16", "completed_on"),
    ("missing provider", "provider"),
    ("missing certificate number", "certificate_number"),
    ("duplicate certificate number", "certificate_number"),
    ("duplicate of a class certificate", "certificate_number"),
    ("valid until before completion", "valid_until"),
    ("inactive course", "course"),
    ("the same training twice", "course"),
]


@pytest.mark.parametrize(("case", "field_name"), REFUSALS, ids=[case for case, _f in REFUSALS])
def test_prior_training_is_refused_naming_the_field(kon_tum, users, case, field_name):
    admin = users["administrator"]
    course = make_course(validity=24)
    officer = vetted(admin)
    overrides = {}
    if case == "future date":
        overrides = {"completed_on": TODAY + datetime.timedelta(days=1)}
    elif case == "before the officer was 16":
        overrides = {"completed_on": officer.birth_date + datetime.timedelta(days=10 * 365)}
    elif case == "missing provider":
        overrides = {"provider": "  "}
    elif case == "missing certificate number":
        overrides = {"certificate_number": ""}
    elif case == "duplicate certificate number":
        _prior(vetted(admin), course, admin, certificate_number="CSND-2026-0101")
    elif case == "duplicate of a class certificate":
        other = vetted(admin)
        session, seats = _class_of(admin, other, course=make_course("CAX-02", mandatory=False))
        results_record(session=session, rows=[ResultRow(seats[other.pk], True, None, True)], recorded_by=admin)
        overrides = {"certificate_number": Enrollment.objects.get(officer=other).certificate_number}
    elif case == "valid until before completion":
        overrides = {"valid_until_on": TODAY - datetime.timedelta(days=101)}
    elif case == "inactive course":
        Course.objects.filter(pk=course.pk).update(is_active=False)
        course.refresh_from_db()
    elif case == "the same training twice":
        _prior(officer, course, admin, certificate_number="CSND-2026-0999")
    before = list(Enrollment.objects.order_by("pk").values_list("pk", "officer_id", "certificate_number"))
    status = Officer.objects.get(pk=officer.pk).status

    with pytest.raises(ValidationError) as refused:
        _prior(officer, course, admin, **overrides)

    assert field_name in refused.value.message_dict
    assert list(Enrollment.objects.order_by("pk").values_list("pk", "officer_id", "certificate_number")) == before
    assert Officer.objects.get(pk=officer.pk).status == status


@pytest.mark.parametrize(
    ("role", "where"),
    [("district_clerk", "another district"), ("district_clerk", "the province"), ("provincial_clerk", "elsewhere")],
)
def test_prior_training_outside_the_clerks_area_is_refused(kon_tum, users, role, where):
    admin = users["administrator"]
    course = make_course()
    if where == "elsewhere":
        Province.objects.create(code=99, name="Tỉnh Thử Nghiệm", kind="province")
        officer = vetted(admin, province_id=99)
    else:
        officer = vetted(admin, district_id=611 if where == "another district" else None)
    with pytest.raises(PermissionDenied):
        _prior(officer, course, users[role])
    assert not Enrollment.objects.exists()
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.VETTED


@pytest.mark.parametrize("role", ["provincial_clerk", "district_clerk"])
def test_prior_training_of_the_last_missing_course_makes_the_officer_ready(kon_tum, users, role):
    clerk = users[role]
    law, duties = make_course("CAX-05", validity=24), make_course("CAX-01")
    officer = vetted(users["administrator"], district_id=610)
    completed = TODAY - datetime.timedelta(days=100)

    first = _prior(officer, law, clerk, completed_on=completed, certificate_number="TCCS-2026-0042")

    assert (first.session, first.is_prior, first.passed, first.attended) == (None, True, True, True)
    assert (first.provider, first.certificate_number) == ("Trường Cao đẳng Cảnh sát nhân dân II", "TCCS-2026-0042")
    assert first.valid_until == valid_until(law, completed)  # from the course's validity: 24 months
    assert 729 <= (first.valid_until - completed).days <= 732
    assert (first.result_recorded_by, first.enrolled_by) == (clerk, clerk)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING  # one course of two

    expires = TODAY + datetime.timedelta(days=400)
    last = _prior(officer, duties, clerk, certificate_number="TCCS-2026-0043", valid_until_on=expires)

    assert last.valid_until == expires  # as given, although the course never expires
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY
    assert officer_training(officer)["trained"]
    assert officer.history.first().history_user == clerk


def test_prior_training_removed_by_mistake_puts_the_status_back(kon_tum, users):
    admin, district_clerk = users["administrator"], users["district_clerk"]
    course = make_course()
    officer = vetted(admin, district_id=610)
    record = _prior(officer, course, admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY

    theirs = vetted(admin, district_id=611)
    their_record = _prior(theirs, course, admin, certificate_number="CSND-2026-0202")
    with pytest.raises(PermissionDenied):
        prior_training_remove(enrollment=their_record, user=district_clerk)
    session, seats = _class_of(admin, vetted(admin, district_id=610), course=make_course("CAX-02", mandatory=False))
    with pytest.raises(ValidationError, match="seat in a class"):
        prior_training_remove(enrollment=Enrollment.objects.get(pk=next(iter(seats.values()))), user=admin)

    prior_training_remove(enrollment=record, user=district_clerk)

    assert not Enrollment.objects.filter(pk=record.pk).exists()
    assert Enrollment.objects.filter(pk=their_record.pk).exists()
    assert Enrollment.history.filter(id=record.pk, history_type="-").get().history_user == district_clerk
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.VETTED  # no training record left


# --- statuses follow the facts ----------------------------------------------------------------------------------


def test_a_ready_officer_whose_certificate_expired_goes_back_to_in_training_once(kon_tum, users):
    admin = users["administrator"]
    course = make_course(validity=12)
    lapsing, valid, deployed_like = vetted(admin), vetted(admin), vetted(admin)
    for number, officer in enumerate((lapsing, valid, deployed_like)):
        _prior(officer, course, admin, certificate_number=f"CSND-2025-{number:04d}")
    assert set(Officer.objects.values_list("status", flat=True)) == {OfficerStatus.READY}
    # Overnight, the lapsing officer's certificate reached its last day (yesterday).
    Enrollment.objects.filter(officer=lapsing).update(valid_until=TODAY - datetime.timedelta(days=1))
    Officer.objects.filter(pk=deployed_like.pk).update(status=OfficerStatus.DEPLOYED)
    Enrollment.objects.filter(officer=deployed_like).update(valid_until=TODAY - datetime.timedelta(days=1))

    assert statuses_settle_lapsed() == 1

    statuses = dict(Officer.objects.values_list("pk", "status"))
    assert statuses == {
        lapsing.pk: OfficerStatus.IN_TRAINING,
        valid.pk: OfficerStatus.READY,
        deployed_like.pk: OfficerStatus.DEPLOYED,  # deployed officers keep their post; the untrained list shows them
    }
    # The daily task moves nobody the second time.
    assert settle_lapsed_statuses.delay().get() == 0
    assert dict(Officer.objects.values_list("pk", "status")) == statuses


def test_passing_every_course_makes_the_officer_ready_even_with_a_class_still_to_come(kon_tum, users):
    admin = users["administrator"]
    law = make_course("CAX-05")
    extra = make_course("CAX-07", mandatory=False)
    officer = vetted(admin)
    future = make_session(extra, admin, start=TODAY + datetime.timedelta(days=10), days=3)
    enrolment_add(session=future, officers=[officer], enrolled_by=admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING

    session, seats = _class_of(admin, officer, course=law)
    results_record(session=session, rows=[ResultRow(seats[officer.pk], True, Decimal("9"), True)], recorded_by=admin)

    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY  # the class to come does not hold it in training
    assert Enrollment.objects.filter(session=future, officer=officer, passed__isnull=True).exists()
    # A ready officer enrolled in a refresher stays ready.
    refresher = make_session(law, admin, start=TODAY + datetime.timedelta(days=20), days=2)
    enrolment_add(session=refresher, officers=[officer], enrolled_by=admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY


def test_a_failed_criterion_sends_an_officer_in_training_back_to_candidate(kon_tum, users):
    admin = users["administrator"]
    course = make_course()
    officer = vetted(admin)
    _class_of(admin, officer, course=course)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING
    vetting_record(
        officer=officer, decisions=[VettingDecision(VettingCriterion.HEALTH, False, "Ốm dài ngày")], decided_by=admin
    )
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.CANDIDATE


def test_a_manual_change_to_ready_is_refused_for_an_untrained_officer_naming_the_missing_course(kon_tum, users):
    admin = users["administrator"]
    law, duties = make_course("CAX-05"), make_course("CAX-01")
    officer = vetted(admin)
    _prior(officer, law, admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING

    with pytest.raises(ValidationError) as refused:
        officer_change_status(officer=officer, status=OfficerStatus.READY, user=admin)

    [message] = refused.value.message_dict["status"]
    assert "Missing mandatory courses" in message
    assert str(duties) in message and str(law) not in message
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.IN_TRAINING
    # Once trained, the officer is ready without a change by hand; a clerk may take them back and forth.
    _prior(officer, duties, admin, certificate_number="CSND-2026-0303")
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY
    officer_change_status(officer=officer, status=OfficerStatus.IN_TRAINING, user=admin)
    officer_change_status(officer=officer, status=OfficerStatus.READY, user=admin)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY
