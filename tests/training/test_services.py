"""Training rules: capacity, duplicates, overlaps, results in one transaction, certificates, expiry, readiness."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from personnel.choices import OfficerStatus
from tests.factories import OfficerFactory, vet_fully
from training.models import Course, Enrollment, valid_until
from training.selectors import officer_training, officers_missing_courses, refreshers_due
from training.services import ResultRow, enrolment_add, enrolment_remove, results_record, session_create

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

    results_record(
        session=session,
        rows=[
            ResultRow(ids[a.pk], True, Decimal("8.5"), True),
            ResultRow(ids[b.pk], True, Decimal("4"), False),
            ResultRow(ids[c.pk], True, Decimal("7"), True),
        ],
        recorded_by=admin,
    )
    year = session.ends_on.year
    certificates = sorted(
        Enrollment.objects.exclude(certificate_number=None).values_list("certificate_number", flat=True)
    )
    assert certificates == [f"CAX-01-{year}-00001", f"CAX-01-{year}-00002"]
    assert Enrollment.objects.get(officer=b).certificate_number is None

    # a second class of the same course continues the numbering
    later = make_session(course, admin, start=TODAY, days=1)
    enrolment_add(session=later, officers=[b], enrolled_by=admin)
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
        enrolment_add(session=session, officers=[officer], enrolled_by=admin)
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
    enrolment_add(session=old, officers=[officer], enrolled_by=admin)
    results_record(session=old, rows=[ResultRow(Enrollment.objects.get().pk, True, None, True)], recorded_by=admin)
    enrollment = Enrollment.objects.get()
    assert TODAY - datetime.timedelta(days=2) <= enrollment.valid_until <= TODAY + datetime.timedelta(days=2)
    assert list(refreshers_due(Enrollment.objects.all())) == [enrollment]

    # expired: no longer trained, the refresher shows on the officer page
    assert not officer_training(officer, on=TODAY + datetime.timedelta(days=10))["trained"]
    assert officer_training(officer)["refreshers"] == [enrollment]
    # a newer pass clears the refresher
    renewal = make_session(course, admin, start=TODAY - datetime.timedelta(days=1), days=1)
    enrolment_add(session=renewal, officers=[officer], enrolled_by=admin)
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
    with pytest.raises(ValidationError, match="started"):
        results_record(
            session=session, rows=[ResultRow(Enrollment.objects.get().pk, True, None, True)], recorded_by=admin
        )


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


def test_a_class_closes_only_when_every_officer_has_a_result(kon_tum, users):
    admin = users["administrator"]
    session = make_session(make_course(), admin)
    first, second = vetted(admin), vetted(admin)
    enrolment_add(session=session, officers=[first, second], enrolled_by=admin)
    first_row = Enrollment.objects.get(officer=first)
    results_record(session=session, rows=[ResultRow(first_row.pk, True, Decimal("8"), True)], recorded_by=admin)
    session.refresh_from_db()
    assert not session.results_closed
    second_row = Enrollment.objects.get(officer=second)
    results_record(session=session, rows=[ResultRow(second_row.pk, True, Decimal("6"), True)], recorded_by=admin)
    session.refresh_from_db()
    assert session.results_closed


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
