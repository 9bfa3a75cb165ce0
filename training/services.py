"""Writes to training: classes, enrolment (capacity, duplicates, overlaps) and results (one transaction)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Scope
from personnel.choices import OfficerStatus
from personnel.models import Officer
from personnel.services import constraint_error

from .models import Course, Enrollment, TrainingSession, valid_until
from .selectors import officers_missing_courses

PIPELINE_STATUSES = (OfficerStatus.VETTED, OfficerStatus.IN_TRAINING, OfficerStatus.READY)
ENROLLABLE_STATUSES = (*PIPELINE_STATUSES, OfficerStatus.DEPLOYED)


def _check_province(user, province_id: int) -> None:
    scope = Scope.of(user)
    if not scope.everything and scope.province_code != province_id:
        raise PermissionDenied(_("This is outside your province."))


@transaction.atomic
def session_create(
    *, course: Course, province_id: int, starts_on: datetime.date, ends_on: datetime.date, place: str,
    instructor: str, capacity: int, created_by,
) -> TrainingSession:  # fmt: skip
    """Open a class of ``course``."""
    _check_province(created_by, province_id)
    if not course.is_active:
        raise ValidationError({"course": _("This course is no longer taught.")})
    session = TrainingSession(
        course=course, province_id=province_id, starts_on=starts_on, ends_on=ends_on, place=place.strip(),
        instructor=instructor.strip(), capacity=capacity, created_by=created_by,
    )  # fmt: skip
    session.full_clean()
    session._history_user = created_by
    session.save()
    return session


@dataclass
class EnrolmentOutcome:
    enrolled: list[Officer]
    refused: list[tuple[Officer | str, str]]  # (officer or police number, reason)


@transaction.atomic
def enrolment_add(*, session: TrainingSession, officers: list[Officer], enrolled_by) -> EnrolmentOutcome:
    """Enrol many officers at once. Refuses (with a reason each) officers already in the class, in another class
    at overlapping dates, of another province or district scope, or not at least vetted; refuses everything if
    the class would go over capacity. The class row and the officers' rows are locked, so two clerks filling
    the last seats at once cannot overbook it."""
    session = TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    _check_province(enrolled_by, session.province_id)
    scope = Scope.of(enrolled_by)
    if session.results_closed:
        raise ValidationError(_("The results of this class are recorded; it takes no more officers."))
    locked = {
        o.pk: o for o in Officer.objects.select_for_update().filter(pk__in=[o.pk for o in officers]).order_by("pk")
    }
    already = set(session.enrollments.values_list("officer_id", flat=True))
    overlapping = set(
        Enrollment.objects.filter(officer_id__in=locked, starts_on__lte=session.ends_on, ends_on__gte=session.starts_on)
        .exclude(session=session)
        .values_list("officer_id", flat=True)
    )
    accepted, refused = [], []
    for officer in (locked[o.pk] for o in officers if o.pk in locked):
        if officer.pk in already:
            refused.append((officer, _("already enrolled in this class")))
        elif officer.pk in overlapping:
            refused.append((officer, _("in another class at overlapping dates")))
        elif officer.province_id != session.province_id:
            refused.append((officer, _("belongs to another province")))
        elif scope.district_code is not None and officer.district_id != scope.district_code:
            refused.append((officer, _("outside your district")))
        elif officer.status not in ENROLLABLE_STATUSES:
            refused.append(
                (officer, _("status “%(status)s” cannot be enrolled") % {"status": officer.get_status_display()})
            )
        elif officer not in accepted:
            accepted.append(officer)
    seats = session.capacity - len(already)
    if len(accepted) > seats:
        raise ValidationError(
            _("The class has %(seats)s free seat(s); %(wanted)s officers were chosen.")
            % {"seats": max(seats, 0), "wanted": len(accepted)}
        )
    rows = [
        Enrollment(
            session=session, officer=officer, course=session.course, starts_on=session.starts_on,
            ends_on=session.ends_on, enrolled_by=enrolled_by,
        )
        for officer in accepted
    ]  # fmt: skip
    try:
        with transaction.atomic():
            for row in rows:
                row._history_user = enrolled_by
                row.save()
    except IntegrityError as exc:
        raise constraint_error(Enrollment, exc) from exc
    for officer in accepted:
        if officer.status in (OfficerStatus.VETTED, OfficerStatus.READY):
            officer.status = OfficerStatus.IN_TRAINING
            officer._history_user = enrolled_by
            officer.save(update_fields=["status", "updated_at"])
    return EnrolmentOutcome(enrolled=accepted, refused=refused)


@transaction.atomic
def enrolment_remove(*, enrollment: Enrollment, user) -> None:
    _check_province(user, enrollment.session.province_id)
    if enrollment.passed is not None:
        raise ValidationError(_("A result is recorded for this officer; it cannot be removed."))
    enrollment._history_user = user
    enrollment.delete()
    _settle_statuses([Officer.objects.select_for_update().get(pk=enrollment.officer_id)], user)


def _settle_statuses(officers: list[Officer], user) -> None:
    """Put officers of the training pipeline (vetted, in training, ready) where their training leaves them: in
    training while a class of theirs has no result yet, *ready* once every mandatory course is passed and
    valid, otherwise in training (or back to vetted when they have never been enrolled)."""
    officers = [o for o in officers if o.status in PIPELINE_STATUSES]
    if not officers:
        return
    ids = [o.pk for o in officers]
    missing = officers_missing_courses(ids)
    enrolled = dict.fromkeys(Enrollment.objects.filter(officer_id__in=ids).values_list("officer_id", flat=True), False)
    for officer_id in Enrollment.objects.filter(officer_id__in=ids, passed__isnull=True).values_list(
        "officer_id", flat=True
    ):
        enrolled[officer_id] = True  # a class without a result yet
    for officer in officers:
        if enrolled.get(officer.pk):
            wanted = OfficerStatus.IN_TRAINING
        elif not missing.get(officer.pk):
            wanted = OfficerStatus.READY
        elif officer.pk in enrolled or officer.status == OfficerStatus.READY:
            wanted = OfficerStatus.IN_TRAINING
        else:
            wanted = OfficerStatus.VETTED
        if wanted != officer.status:
            officer.status = wanted
            officer._history_user = user
            officer.save(update_fields=["status", "updated_at"])


@dataclass
class ResultRow:
    enrollment_id: int
    attended: bool
    score: Decimal | None
    passed: bool


def _last_certificate_number(course: Course, year: int) -> int:
    """The highest certificate sequence issued for ``course`` in ``year`` (0 when none)."""
    prefix = f"{course.code.upper()}-{year}-"
    last = Enrollment.objects.filter(certificate_number__startswith=prefix).aggregate(last=Max("certificate_number"))
    return int(last["last"].rsplit("-", 1)[1]) if last["last"] else 0


@transaction.atomic
def results_record(*, session: TrainingSession, rows: list[ResultRow], recorded_by) -> list[Enrollment]:
    """Record attendance, score and pass/fail for a class in one transaction. Every row is checked first; any
    error refuses the whole class (``ValidationError`` keyed by enrolment id). Passing officers get a numbered
    certificate (COURSE-YEAR-00001, numbered per course and year under a lock on the course), and those who
    are vetted and now trained become *ready*."""
    session = TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    _check_province(recorded_by, session.province_id)
    if session.starts_on > timezone.localdate():
        raise ValidationError(_("Results can be recorded once the class has started."))
    course = Course.objects.select_for_update().get(pk=session.course_id)
    enrollments = {e.pk: e for e in session.enrollments.select_related("officer")}
    errors: dict[str, list[str]] = {}
    for row in rows:
        key = str(row.enrollment_id)
        if row.enrollment_id not in enrollments:
            errors.setdefault(key, []).append(_("This officer is not enrolled in the class."))
            continue
        if row.score is not None and not Decimal(0) <= row.score <= Decimal(10):
            errors.setdefault(key, []).append(_("A score lies between 0 and 10."))
        if row.passed and not row.attended:
            errors.setdefault(key, []).append(_("An officer who did not attend cannot pass."))
    if errors:
        raise ValidationError(errors)

    year = session.ends_on.year
    last_number = _last_certificate_number(course, year)
    saved = []
    for row in rows:
        enrollment = enrollments[row.enrollment_id]
        enrollment.attended = row.attended
        enrollment.score = row.score
        enrollment.passed = row.passed
        enrollment.result_recorded_by = recorded_by
        if row.passed:
            if not enrollment.certificate_number:
                last_number += 1
                enrollment.certificate_number = f"{course.code.upper()}-{year}-{last_number:05d}"
            enrollment.valid_until = valid_until(course, session.ends_on)
        else:
            enrollment.certificate_number = None
            enrollment.valid_until = None
        enrollment._history_user = recorded_by
        enrollment.save()
        saved.append(enrollment)
    # the class is closed to new officers once every officer in it has a result
    session.results_closed = all(e.passed is not None for e in enrollments.values())
    session._history_user = recorded_by
    session.save(update_fields=["results_closed"])
    officers = Officer.objects.select_for_update().filter(pk__in=[e.officer_id for e in saved]).order_by("pk")
    _settle_statuses(list(officers), recorded_by)
    return saved
