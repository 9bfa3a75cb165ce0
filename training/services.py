"""Writes to training: classes, enrolment (capacity, duplicates, overlaps, dates), results (only what the clerk
entered, one transaction), closing a class, and prior or external training. Every write leaves the officers
concerned where their training puts them in the status pipeline (``personnel.services.officer_statuses_settle``)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from personnel.choices import OfficerStatus
from personnel.models import Officer
from personnel.services import PIPELINE_STATUSES, constraint_error, officer_statuses_settle
from rollout.core import scoping
from rollout.core.text import clean_text

from .models import Course, Enrollment, TrainingSession, valid_until

ENROLLABLE_STATUSES = (*PIPELINE_STATUSES, OfficerStatus.DEPLOYED)


@transaction.atomic
def session_create(
    *, course: Course, province_id: int, starts_on: datetime.date, ends_on: datetime.date, place: str,
    instructor: str, capacity: int, created_by,
) -> TrainingSession:  # fmt: skip
    """Open a class of ``course``."""
    session = TrainingSession(
        course=course, province_id=province_id, starts_on=starts_on, ends_on=ends_on, place=place.strip(),
        instructor=instructor.strip(), capacity=capacity, created_by=created_by,
    )  # fmt: skip
    scoping.check_writable(created_by, session)
    if not course.is_active:
        raise ValidationError({"course": _("This course is no longer taught.")})
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
    the class would go over capacity. A class takes officers until its last day, unless a clerk closed it. The
    class row and the officers' rows are locked, so two clerks filling the last seats at once cannot overbook
    it."""
    session = TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    scoping.check_writable(enrolled_by, session)
    if session.results_closed:
        raise ValidationError(_("This class is closed; it takes no more officers."))
    if session.ends_on < timezone.localdate():
        raise ValidationError(
            _("This class ended on %(date)s; it takes no more officers. Record earlier training as prior training.")
            % {"date": f"{session.ends_on:%d/%m/%Y}"}
        )
    locked = {
        o.pk: o for o in Officer.objects.select_for_update().filter(pk__in=[o.pk for o in officers]).order_by("pk")
    }
    already = set(session.enrollments.values_list("officer_id", flat=True))
    overlapping = {}  # officer id → the first clashing class (course, dates), named in the refusal
    for clash in (
        Enrollment.objects.filter(
            officer_id__in=locked, session__isnull=False, starts_on__lte=session.ends_on, ends_on__gte=session.starts_on
        )
        .exclude(session=session)
        .select_related("session__course")
        .order_by("starts_on", "pk")
    ):
        overlapping.setdefault(clash.officer_id, (clash.session.course.title, clash.starts_on, clash.ends_on))
    accepted, refused = [], []
    for officer in (locked[o.pk] for o in officers if o.pk in locked):
        if officer.pk in already:
            refused.append((officer, _("already enrolled in this class")))
        elif officer.pk in overlapping:
            title, starts_on, ends_on = overlapping[officer.pk]
            reason = _("already in the class “%(class)s” (%(start)s – %(end)s), at overlapping dates") % {
                "class": title, "start": f"{starts_on:%d/%m/%Y}", "end": f"{ends_on:%d/%m/%Y}"}  # fmt: skip
            refused.append((officer, reason))
        elif officer.province_id != session.province_id:
            refused.append((officer, _("belongs to another province")))
        elif not scoping.is_writable(enrolled_by, officer):  # of the class's province: another district's
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
    officer_statuses_settle(officers=accepted, user=enrolled_by)
    return EnrolmentOutcome(enrolled=accepted, refused=refused)


@transaction.atomic
def enrolment_remove(*, enrollment: Enrollment, user) -> None:
    """Take an officer out of a class, as long as no result is recorded for them."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",)).select_related("session", "officer").get(pk=enrollment.pk)
    )
    if enrollment.is_prior:
        raise ValidationError(_("This is prior training, not a seat in a class."))
    scoping.check_writable(user, enrollment.session)
    scoping.check_writable(user, enrollment)
    if enrollment.passed is not None:
        raise ValidationError(_("A result is recorded for this officer; it cannot be removed."))
    officer = Officer.objects.select_for_update().get(pk=enrollment.officer_id)  # before the write: see above
    enrollment._history_user = user
    enrollment.delete()
    officer_statuses_settle(officers=[officer], user=user)


@dataclass(frozen=True)
class Result:
    """A result as recorded: each part is ``None`` until the clerk enters it."""

    attended: bool | None = None
    score: Decimal | None = None
    passed: bool | None = None

    @classmethod
    def of(cls, enrollment: Enrollment) -> "Result":
        return cls(enrollment.attended, enrollment.score, enrollment.passed)


@dataclass
class ResultRow:
    """What the clerk entered for one enrolment. ``shown`` is what the page (or the preview) showed when it was
    opened: if the row has changed since, the save is refused rather than overwrite someone else's entry."""

    enrollment_id: int
    attended: bool | None
    score: Decimal | None
    passed: bool | None
    shown: Result | None = None

    @property
    def result(self) -> Result:
        # Only an officer who attended can pass: a pass with attendance not entered means present.
        attended = True if self.passed and self.attended is None else self.attended
        return Result(attended, self.score, self.passed)


def validate_result(result: Result) -> None:
    """The rules of one result, whichever door it comes through (the results page, the results import, this
    module): a score lies between 0 and 10, and only an officer who attended can pass. Raises
    ``ValidationError`` keyed by the part of the result ("score", "passed")."""
    errors = {}
    if result.score is not None and not (result.score.is_finite() and Decimal(0) <= result.score <= Decimal(10)):
        errors["score"] = [_("A score lies between 0 and 10.")]
    if result.passed and result.attended is False:
        errors["passed"] = [_("An officer who did not attend cannot pass.")]
    if errors:
        raise ValidationError(errors)


@dataclass
class ResultsOutcome:
    saved: list[Enrollment]  # the rows whose result changed
    unchanged: int  # rows sent with the result they already had


def _describe(result: Result) -> str:
    parts = [
        {None: _("attendance not recorded"), True: _("present"), False: _("absent")}[result.attended],
        _("score %(score)s") % {"score": number_format(result.score.normalize())}
        if result.score is not None
        else _("no score"),
        {None: _("result not recorded"), True: _("passed"), False: _("failed")}[result.passed],
    ]
    return ", ".join(parts)


def _last_certificate_number(course: Course, year: int) -> int:
    """The highest certificate sequence issued for ``course`` in ``year`` (0 when none)."""
    prefix = f"{course.code.upper()}-{year}-"
    last = Enrollment.objects.filter(certificate_number__startswith=prefix).aggregate(last=Max("certificate_number"))
    return int(last["last"].rsplit("-", 1)[1]) if last["last"] else 0


def results_can_be_entered(session: TrainingSession, on: datetime.date | None = None) -> bool:
    """Results are entered from the class's first day on (never before it started)."""
    return session.starts_on <= (on or timezone.localdate())


@transaction.atomic
def results_record(*, session: TrainingSession, rows: list[ResultRow], recorded_by) -> ResultsOutcome:
    """Record the results the clerk entered, and only those: enrolments not in ``rows`` are left as they are,
    and a row sent with the result it already has is not written. Every row is checked first and any error
    refuses the whole save (``ValidationError`` keyed by enrolment id): a score out of range, a pass without
    attendance, an officer outside a district clerk's district, a row changed by someone else since the page
    showed it. Results are entered once the class has started; saving part of a class leaves it open.

    Passing officers get a numbered certificate (COURSE-YEAR-00001, numbered per course and year under a lock on
    the course); a result taken back (failed, or not recorded) loses it. The officers concerned then move where
    their training leaves them (*ready* once every mandatory course is passed)."""
    session = TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    scoping.check_writable(recorded_by, session)
    if not results_can_be_entered(session):
        raise ValidationError(
            _("Results can be entered from %(date)s, when the class starts.")
            % {"date": f"{session.starts_on:%d/%m/%Y}"}
        )
    course = Course.objects.select_for_update().get(pk=session.course_id)
    wanted = {row.enrollment_id for row in rows}
    enrollments = {e.pk: e for e in session.enrollments.select_for_update(of=("self",)).select_related("officer")
                   .filter(pk__in=wanted).order_by("pk")}  # fmt: skip
    errors: dict[str, list[str]] = {}
    changed: list[tuple[Enrollment, Result]] = []
    unchanged = 0
    for row in rows:
        key = str(row.enrollment_id)
        enrollment = enrollments.get(row.enrollment_id)
        if enrollment is None:
            errors.setdefault(key, []).append(_("This officer is not enrolled in the class."))
            continue
        if not scoping.is_writable(recorded_by, enrollment):  # a district clerk records their officers' results
            errors.setdefault(key, []).append(_("This officer is outside your district."))
            continue
        result, current = row.result, Result.of(enrollment)
        try:
            validate_result(result)
        except ValidationError as error:
            errors.setdefault(key, []).extend(error.messages)
        if result == current:
            unchanged += 1
            continue
        if row.shown is not None and row.shown != current:
            errors.setdefault(key, []).append(
                _("%(officer)s's result was changed by someone else since the page was opened (now: %(now)s). "
                  "Check it and save again.") % {"officer": enrollment.officer.full_name, "now": _describe(current)}
            )  # fmt: skip
            continue
        changed.append((enrollment, result))
    if errors:
        raise ValidationError(errors)

    year = session.ends_on.year
    last_number = _last_certificate_number(course, year) if any(r.passed for _e, r in changed) else 0
    # The officers' rows before their results: an assignment of one of them at the same moment waits for this
    # save (its commune's untrained count reads their training), and this one for it (rollout.progress.states).
    officers = list(
        Officer.objects.select_for_update().filter(pk__in={e.officer_id for e, _r in changed}).order_by("pk")
    )
    saved = []
    for enrollment, result in changed:
        enrollment.attended, enrollment.score, enrollment.passed = result.attended, result.score, result.passed
        enrollment.result_recorded_by = recorded_by
        if result.passed:
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
    if saved:
        officer_statuses_settle(officers=officers, user=recorded_by)
    return ResultsOutcome(saved=saved, unchanged=unchanged)


class CloseNeedsConfirmation(ValidationError):
    """Closing a class with officers who have no result yet: the clerk confirms how many (``unrecorded``)."""

    def __init__(self, unrecorded: int):
        super().__init__(
            _("%(n)s officer(s) in this class have no result yet. Close it anyway?") % {"n": unrecorded},
            code="confirm",
        )
        self.unrecorded = unrecorded


@transaction.atomic
def session_close(*, session: TrainingSession, user, unrecorded_confirmed: int | None = None) -> TrainingSession:
    """Close a class to enrolment; results can still be entered. When some officers have no result yet, the
    clerk must confirm their number: a number that no longer matches (someone enrolled or entered results in
    the meantime) raises ``CloseNeedsConfirmation`` again, with the new count."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    scoping.check_writable(user, session)
    if session.results_closed:
        raise ValidationError(_("This class is already closed."))
    unrecorded = session.enrollments.filter(passed__isnull=True).count()
    if unrecorded and unrecorded_confirmed != unrecorded:
        raise CloseNeedsConfirmation(unrecorded)
    session.results_closed = True
    session._history_user = user
    session.save(update_fields=["results_closed"])
    return session


@transaction.atomic
def session_reopen(*, session: TrainingSession, user) -> TrainingSession:
    """Open a closed class to enrolment again (until its last day)."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    scoping.check_writable(user, session)
    if not session.results_closed:
        raise ValidationError(_("This class is open."))
    if session.ends_on < timezone.localdate():
        raise ValidationError(_("This class has ended; it cannot take officers again."))
    session.results_closed = False
    session._history_user = user
    session.save(update_fields=["results_closed"])
    return session


EARLIEST_TRAINING_AGE = 16


@transaction.atomic
def prior_training_record(
    *, officer: Officer, course: Course, completed_on: datetime.date, provider: str, certificate_number: str,
    recorded_by, valid_until_on: datetime.date | None = None, certificate_file=None,
) -> Enrollment:  # fmt: skip
    """Record a course the officer passed before or outside this system's classes (a school, another unit):
    its provider, completion day, certificate number and expiry (from the course's validity when not given),
    with the scanned certificate if there is one. It counts for readiness exactly like a passed class; a clerk
    records it in their own area, district clerks included. Raises ``ValidationError`` naming the field."""
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    scoping.check_writable(recorded_by, officer)
    provider, certificate_number = clean_text(provider), clean_text(certificate_number)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if not course.is_active:
        errors["course"] = _("This course is no longer taught.")
    if not isinstance(completed_on, datetime.date):
        errors["completed_on"] = _("Enter a valid date (dd/mm/yyyy).")
    elif completed_on > today:
        errors["completed_on"] = _("Training cannot be dated in the future.")
    elif completed_on.year - officer.birth_date.year < EARLIEST_TRAINING_AGE:
        errors["completed_on"] = _("The officer was not yet %(age)s then.") % {"age": EARLIEST_TRAINING_AGE}
    if not provider:
        errors["provider"] = _("Say who gave the training.")
    if not certificate_number:
        errors["certificate_number"] = _("Enter the certificate number.")
    elif Enrollment.objects.filter(certificate_number=certificate_number).exists():
        errors["certificate_number"] = _("Certificate %(number)s is already recorded.") % {"number": certificate_number}
    if valid_until_on is not None and "completed_on" not in errors and valid_until_on < completed_on:
        errors["valid_until"] = _("A certificate cannot expire before the training was completed.")
    if (
        "completed_on" not in errors
        and "course" not in errors
        and Enrollment.objects.filter(
            officer=officer, course=course, session__isnull=True, ends_on=completed_on
        ).exists()
    ):
        errors["course"] = _("This training is already recorded for the officer.")
    if errors:
        raise ValidationError(errors)
    enrollment = Enrollment(
        session=None, officer=officer, course=course, starts_on=completed_on, ends_on=completed_on, attended=True,
        passed=True, certificate_number=certificate_number[:40], provider=provider[:200],
        valid_until=valid_until_on or valid_until(course, completed_on), enrolled_by=recorded_by,
        result_recorded_by=recorded_by,
    )  # fmt: skip
    if certificate_file:
        enrollment.certificate_file = certificate_file
    enrollment.full_clean(exclude=["session", "certificate_file"])
    enrollment._history_user = recorded_by
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as exc:
        raise constraint_error(Enrollment, exc) from exc
    officer_statuses_settle(officers=[officer], user=recorded_by)
    return enrollment


@transaction.atomic
def prior_training_remove(*, enrollment: Enrollment, user) -> None:
    """Delete prior training recorded by mistake (it stays in the history); the officer's status follows."""
    enrollment = Enrollment.objects.select_for_update(of=("self",)).select_related("officer").get(pk=enrollment.pk)
    if not enrollment.is_prior:
        raise ValidationError(_("This is a seat in a class: change its result on the class's results page."))
    scoping.check_writable(user, enrollment)
    officer = Officer.objects.select_for_update().get(pk=enrollment.officer_id)  # before the write: see above
    enrollment._history_user = user
    enrollment.delete()
    officer_statuses_settle(officers=[officer], user=user)


def statuses_settle_lapsed(*, user=None) -> int:
    """Officers marked *ready* whose training has lapsed (a certificate expired) go back to *in training*;
    the daily task runs it. Returns how many moved."""
    from .selectors import mandatory_courses, mandatory_passed_count

    required = mandatory_courses().count()
    moved = 0
    ids = list(
        Officer.objects.filter(status=OfficerStatus.READY)
        .annotate(held=mandatory_passed_count())
        .filter(held__lt=required)
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            officers = Officer.objects.select_for_update().filter(pk__in=ids[start : start + 500]).order_by("pk")
            moved += len(officer_statuses_settle(officers=list(officers), user=user))
    return moved
