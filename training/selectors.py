"""Reads over training: readiness (trained = every mandatory course passed and not expired), refreshers due,
and the expressions that let officer lists and suggestions know who is trained in one query."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from personnel.readers import TrainingFacts
from personnel.selectors import history_entries

from .models import Course, Enrollment, TrainingSession

REFRESHER_WINDOW_DAYS = 60


def mandatory_courses():
    return Course.objects.filter(is_mandatory=True, is_active=True)


def _valid_pass(on: datetime.date) -> Q:
    return Q(passed=True) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def _mandatory_held(officer_ref, condition: Q):
    """An integer expression: how many distinct active mandatory courses the officer ``officer_ref`` (an
    ``OuterRef``) has a record of that meets ``condition`` (0 when none)."""
    held = (
        Enrollment.objects.filter(condition, officer=officer_ref, course__is_mandatory=True, course__is_active=True)
        .order_by()
        .values("officer")
        .annotate(n=Count("course", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def mandatory_passed_count(on: datetime.date | None = None):
    """An expression for officer querysets: how many distinct mandatory courses the officer holds a valid pass
    of on ``on``. Compare with ``mandatory_courses().count()``."""
    return _mandatory_held(OuterRef("pk"), _valid_pass(on or timezone.localdate()))


def officers_untrained(officers, *, required: int):
    """Of ``officers``, those without a valid pass today of every one of the ``required`` mandatory courses
    (``mandatory_courses().count()``), annotated with ``passed_mandatory``: how many they hold."""
    return officers.annotate(passed_mandatory=mandatory_passed_count()).filter(passed_mandatory__lt=required)


def courses_with_class_counts():
    """The catalogue, each course with ``classes``: how many classes of it there have been."""
    # An aggregation drops the model's default ordering: order explicitly.
    return Course.objects.annotate(classes=Count("sessions")).order_by("subject_area", "code")


def sessions_with_counts():
    """Classes, newest first, each with ``enrolled``, ``passed`` and ``unrecorded`` (results still to enter)."""
    return (
        TrainingSession.objects.select_related("course", "province")
        .annotate(
            enrolled=Count("enrollments"),
            passed=Count("enrollments", filter=Q(enrollments__passed=True)),
            unrecorded=Count("enrollments", filter=Q(enrollments__passed__isnull=True)),
        )
        .order_by("-starts_on", "-pk")  # an aggregation drops the model's default ordering; pages need one
    )


def officers_missing_courses(officer_ids, on: datetime.date | None = None) -> dict[int, list[Course]]:
    """For each officer id: the mandatory courses without a valid pass (two queries for any number of officers)."""
    on = on or timezone.localdate()
    courses = list(mandatory_courses())
    held: dict[int, set[int]] = {officer_id: set() for officer_id in officer_ids}
    rows = (
        Enrollment.objects.filter(_valid_pass(on), officer_id__in=list(held), course__in=courses)
        .values_list("officer_id", "course_id")
        .distinct()
    )
    for officer_id, course_id in rows:
        held[officer_id].add(course_id)
    return {officer_id: [c for c in courses if c.pk not in have] for officer_id, have in held.items()}


def training_facts(officer_ids, on: datetime.date | None = None) -> TrainingFacts:
    """What the status pipeline needs to know of ``officer_ids`` (three queries for any number of officers):
    the mandatory courses each lacks, and who has any training record."""
    missing = officers_missing_courses(officer_ids, on)
    ever = Enrollment.objects.filter(officer_id__in=list(missing)).values_list("officer_id", flat=True).distinct()
    return TrainingFacts(missing=missing, ever_trained=frozenset(ever))


class CourseState:
    PASSED = "passed"
    EXPIRED = "expired"
    IN_CLASS = "in_class"
    FAILED = "failed"
    MISSING = "missing"


@dataclass
class MandatoryCourse:
    """One mandatory course as the officer page shows it: its state, the record behind it, the class the officer
    is in now, and the next open class to enrol in when the course is still to be taken (or due again)."""

    course: Course
    state: str
    record: Enrollment | None = None  # the valid (or last expired, or last failed) result
    pending: Enrollment | None = None  # a class of the course whose result is still to come
    next_class: TrainingSession | None = None
    refresher_due: bool = False

    @property
    def needs_class(self) -> bool:
        return self.pending is None and (self.state != CourseState.PASSED or self.refresher_due)


def open_sessions(*, province_id: int, on: datetime.date | None = None):
    """Classes that still take officers on ``on``: not closed, not yet over, with a free seat; soonest first."""
    on = on or timezone.localdate()
    return (
        TrainingSession.objects.filter(province_id=province_id, results_closed=False, ends_on__gte=on)
        .annotate(enrolled=Count("enrollments"))
        .filter(enrolled__lt=F("capacity"))
        .select_related("course")
        .order_by("starts_on", "pk")
    )


def officer_training(officer, on: datetime.date | None = None) -> dict:
    """What the officer page shows: trained or not, each mandatory course with its state and the next open
    class of it, every class and prior training, and refreshers that fall due within the window (four queries)."""
    on = on or timezone.localdate()
    enrollments = list(officer.enrollments.select_related("session__course", "course").order_by("-ends_on", "-pk"))
    due_by = on + datetime.timedelta(days=REFRESHER_WINDOW_DAYS)
    latest_pass: dict[int, Enrollment] = {}
    for enrollment in enrollments:
        if enrollment.passed and enrollment.course_id not in latest_pass:
            latest_pass[enrollment.course_id] = enrollment
    refreshers = sorted(
        (e for e in latest_pass.values() if e.valid_until and e.valid_until <= due_by),
        key=lambda e: e.valid_until,
    )
    courses = []
    for course in mandatory_courses():
        mine = [e for e in enrollments if e.course_id == course.pk]
        valid = [e for e in mine if e.passed and (e.valid_until is None or e.valid_until >= on)]
        pending = next((e for e in reversed(mine) if e.session_id is not None and e.passed is None), None)
        if valid:
            record = max(valid, key=lambda e: e.valid_until or datetime.date.max)
            state = CourseState.PASSED
        elif any(e.passed for e in mine):
            record, state = next(e for e in mine if e.passed), CourseState.EXPIRED
        elif pending is not None:
            record, state = None, CourseState.IN_CLASS
        elif any(e.passed is False for e in mine):
            record, state = next(e for e in mine if e.passed is False), CourseState.FAILED
        else:
            record, state = None, CourseState.MISSING
        refresher_due = state == CourseState.PASSED and record.valid_until is not None and record.valid_until <= due_by
        courses.append(MandatoryCourse(course, state, record, pending, refresher_due=refresher_due))
    wanted = [c for c in courses if c.needs_class]
    if wanted:
        _choose_next_classes(officer, wanted, enrollments, on)
    return {"trained": all(c.state == CourseState.PASSED for c in courses), "courses": courses,
            "missing": [c.course for c in courses if c.state != CourseState.PASSED], "enrollments": enrollments,
            "refreshers": refreshers, "due_by": due_by}  # fmt: skip


def _choose_next_classes(officer, wanted: list[MandatoryCourse], enrollments: list[Enrollment], on) -> None:
    """The soonest open class of each wanted course that the officer can take: not already in it, and not at
    dates overlapping a class the officer is in (the enrolment service refuses both)."""
    taken = [(e.starts_on, e.ends_on) for e in enrollments if e.session_id is not None and e.passed is None]
    in_classes = {e.session_id for e in enrollments}
    sessions = open_sessions(province_id=officer.province_id, on=on).filter(course__in=[c.course for c in wanted])
    by_course: dict[int, TrainingSession] = {}
    for session in sessions:
        if session.course_id in by_course or session.pk in in_classes:
            continue
        if any(start <= session.ends_on and session.starts_on <= end for start, end in taken):
            continue
        by_course[session.course_id] = session
    for item in wanted:
        item.next_class = by_course.get(item.course.pk)


def officer_training_history(officer) -> list:
    """Every recorded change to the officer's classes, results and prior training, as history entries for the
    officer page (one query): who enrolled them, who entered or changed a result, and when."""
    records = (
        Enrollment.history.filter(officer_id=officer.pk)
        .select_related("history_user", "course")
        .order_by("history_date", "history_id")
    )

    def label(record) -> str:
        where = (
            record.provider if record.session_id is None else f"{record.starts_on:%d/%m/%Y}–{record.ends_on:%d/%m/%Y}"
        )
        return f"{record.course.code} ({where})"

    return history_entries(records, "enrollment", label)


def refreshers_due(enrollments, on: datetime.date | None = None):
    """Latest passes that expire within the window (or have expired), with no later valid pass of the course."""
    on = on or timezone.localdate()
    due_by = on + datetime.timedelta(days=REFRESHER_WINDOW_DAYS)
    newer = Enrollment.objects.filter(
        officer=OuterRef("officer"), course=OuterRef("course"), passed=True, ends_on__gt=OuterRef("ends_on")
    )
    return (
        enrollments.filter(passed=True, valid_until__isnull=False, valid_until__lte=due_by)
        .exclude(Exists(newer))
        .select_related("officer__district", "course")
        .order_by("valid_until", "officer__sort_key")
    )


def mandatory_passed_by(officer_ref, on: datetime.date):
    """An expression: how many distinct mandatory courses the officer ``officer_ref`` (an ``OuterRef``) held a
    valid pass of on the day ``on`` (a class that had begun by then, passed and not yet expired)."""
    return _mandatory_held(officer_ref, _valid_pass(on) & Q(starts_on__lte=on))


def mandatory_covered_by(officer_ref, on: datetime.date):
    """An expression: how many distinct mandatory courses the officer ``officer_ref`` (an ``OuterRef``) is trained
    in *by* the day ``on``: a valid pass on that day, or a seat in a class of the course with no result yet that
    ends before it (an officer marked absent is not counted). Equal to ``mandatory_courses().count()`` means
    "trained by then"; the readiness rule of ``personnel.eligibility`` reads it."""
    pending = Q(passed__isnull=True, session__isnull=False, ends_on__lt=on) & ~Q(attended=False)
    return _mandatory_held(officer_ref, _valid_pass(on) | pending)


def mandatory_course_count():
    """An expression: how many mandatory courses are active (an uncorrelated subquery the database runs once), so
    that a query comparing it with ``mandatory_covered_by`` needs no count of its own."""
    counted = mandatory_courses().order_by().values("is_mandatory").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
