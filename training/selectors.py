"""Reads over training: readiness (trained = every mandatory course passed and not expired), refreshers due,
and the expressions that let officer lists and suggestions know who is trained in one query."""

import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Course, Enrollment

REFRESHER_WINDOW_DAYS = 60


def mandatory_courses():
    return Course.objects.filter(is_mandatory=True, is_active=True)


def _valid_pass(on: datetime.date) -> Q:
    return Q(passed=True) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def mandatory_passed_count(on: datetime.date | None = None):
    """An expression for officer querysets: how many distinct mandatory courses the officer holds a valid pass
    of on ``on``. Compare with ``mandatory_courses().count()``."""
    on = on or timezone.localdate()
    passed = (
        Enrollment.objects.filter(_valid_pass(on), officer=OuterRef("pk"), course__is_mandatory=True,
                                  course__is_active=True)
        .order_by()
        .values("officer")
        .annotate(n=Count("course", distinct=True))
        .values("n")
    )  # fmt: skip
    return Coalesce(Subquery(passed, output_field=IntegerField()), Value(0))


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


def officer_training(officer, on: datetime.date | None = None) -> dict:
    """What the officer page shows: trained or not, what is missing, passed courses with their expiry, and
    refreshers that fall due within the window."""
    on = on or timezone.localdate()
    missing = officers_missing_courses([officer.pk], on)[officer.pk]
    enrollments = list(officer.enrollments.select_related("session__course").order_by("-starts_on"))
    due_by = on + datetime.timedelta(days=REFRESHER_WINDOW_DAYS)
    latest_pass: dict[int, Enrollment] = {}
    for enrollment in enrollments:
        if enrollment.passed and enrollment.course_id not in latest_pass:
            latest_pass[enrollment.course_id] = enrollment
    refreshers = sorted(
        (e for e in latest_pass.values() if e.valid_until and e.valid_until <= due_by),
        key=lambda e: e.valid_until,
    )
    return {"trained": not missing, "missing": missing, "enrollments": enrollments, "refreshers": refreshers,
            "due_by": due_by}  # fmt: skip


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
        .order_by("valid_until", "officer__search_key")
    )


def mandatory_passed_by(officer_ref, on: datetime.date):
    """An expression: how many distinct mandatory courses the officer ``officer_ref`` (an ``OuterRef``) held a
    valid pass of on the day ``on`` (a class that had begun by then, passed and not yet expired)."""
    passed = (
        Enrollment.objects.filter(_valid_pass(on), officer=officer_ref, starts_on__lte=on, course__is_mandatory=True,
                                  course__is_active=True)
        .order_by()
        .values("officer")
        .annotate(n=Count("course", distinct=True))
        .values("n")
    )  # fmt: skip
    return Coalesce(Subquery(passed, output_field=IntegerField()), Value(0))
