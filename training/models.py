"""Training (đào tạo, tập huấn): the course catalogue, classes, enrolments and results."""

import datetime
import pathlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rollout.core.scoping import ScopedBy, ScopedQuerySet
from rollout.core.text import validate_person_name


class SubjectArea(models.TextChoices):
    """The six areas the plan names for training and re-training before and after going to a commune."""

    WORK_SKILLS = "work_skills", _("Work skills")
    PROFESSIONAL_OPERATIONS = "professional_operations", _("Professional operations")
    POLITICAL_KNOWLEDGE = "political_knowledge", _("Political knowledge")
    CULTURE_SOCIETY = "culture_society", _("Culture and society")
    LAW = "law", _("Law")
    COMMUNE_POLICE_DUTIES = "commune_police_duties", _("Functions, duties and powers of commune police")


class Course(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True, allow_unicode=False)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    subject_area = models.CharField(_("subject area"), max_length=30, choices=SubjectArea.choices)
    hours = models.PositiveSmallIntegerField(_("hours"), validators=[MinValueValidator(1), MaxValueValidator(2000)])
    is_mandatory = models.BooleanField(_("mandatory"), default=True, db_index=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        default=0,
        validators=[MaxValueValidator(120)],
        help_text=_("After this many months the course must be taken again; 0 means it never expires."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["subject_area", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=1),
                name="%(app_label)s_%(class)s_hours_positive",
                violation_error_message=_("A course lasts at least one hour."),
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "vi").startswith("en") else self.title_vi


class TrainingSession(models.Model):
    """A class (lớp) of a course: dates, place, instructor and the number of seats."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    place = models.CharField(_("place"), max_length=200)
    instructor = models.CharField(_("instructor"), max_length=200, validators=[validate_person_name])
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    results_closed = models.BooleanField(_("closed to enrolment"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # Classes are provincial: a district clerk sees the province's classes and enrols their officers in them.
    scoped_by = ScopedBy(province="province_id")
    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        permissions = [("record_results", _("Can record the results of a class"))]
        indexes = [models.Index(fields=["province", "starts_on"], name="training_session_prov_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=_("A class cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="%(app_label)s_%(class)s_capacity_positive",
                violation_error_message=_("A class has at least one seat."),
            ),
        ]

    def __str__(self):
        return f"{self.course.code} · {self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("training:session_detail", args=[self.pk])


def certificate_upload_to(enrollment, filename: str) -> str:
    """A scanned certificate is stored under a random name: the original name may carry personal data."""
    extension = pathlib.PurePath(filename).suffix.lower()[:5]
    return f"certificates/{timezone.now():%Y}/{secrets.token_hex(12)}{extension}"


class Enrollment(models.Model):
    """A course taken by an officer, and its result: either a seat in a class (attendance, score 0–10, passed,
    certificate numbered by the system), or **prior or external training** recorded by a clerk (no class: the
    provider, the day it was completed, the certificate and its expiry). Readiness reads both alike."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="enrollments",
        null=True,
        blank=True,
    )
    officer = models.ForeignKey(
        "personnel.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, related_name="enrollments"
    )
    # Copies of the class dates and course, kept by the service, so readiness and overlaps are one indexed query.
    # For prior training both dates are the day it was completed.
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+",
                               editable=False)  # fmt: skip
    starts_on = models.DateField(editable=False)
    ends_on = models.DateField(editable=False)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=40, null=True, blank=True, unique=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, editable=False)
    provider = models.CharField(
        _("provider"), max_length=200, blank=True, help_text=_("Who gave prior or external training.")
    )
    certificate_file = models.FileField(
        _("scanned certificate"), upload_to=certificate_upload_to, blank=True, max_length=200
    )
    result_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    enrolled_at = models.DateTimeField(_("enrolled"), auto_now_add=True)

    history = HistoricalRecords()
    # A seat or a certificate is its officer's: a district clerk sees those of their district's officers.
    scoped_by = ScopedBy(province="officer__province_id", district="officer__district_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["session", "officer__sort_key"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        permissions = [("record_prior_training", _("Can record prior or external training"))]
        indexes = [
            models.Index(fields=["officer", "course", "passed"], name="training_enrol_officer_course"),
            models.Index(fields=["valid_until"], name="training_enrol_valid_until"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "officer"],
                name="%(app_label)s_%(class)s_once_per_class",
                violation_error_message=_("This officer is already enrolled in the class."),
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                name="%(app_label)s_%(class)s_score_0_10",
                violation_error_message=_("A score lies between 0 and 10."),
            ),
            models.CheckConstraint(
                condition=~Q(passed=True) | Q(attended=True),
                name="%(app_label)s_%(class)s_pass_needs_attendance",
                violation_error_message=_("An officer who did not attend cannot pass."),
            ),
            models.CheckConstraint(
                condition=Q(certificate_number__isnull=True) | Q(passed=True),
                name="%(app_label)s_%(class)s_certificate_only_if_passed",
                violation_error_message=_("Only a passed course earns a certificate."),
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False, provider="")
                | Q(session__isnull=True, passed=True, certificate_number__isnull=False) & ~Q(provider=""),
                name="%(app_label)s_%(class)s_prior_training_complete",
                violation_error_message=_("Prior training is a passed course with its provider and certificate."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=_("A class cannot end before it starts."),
            ),
        ]

    def __str__(self):
        where = self.session if self.session_id else self.provider
        return f"{self.officer} @ {where}"

    @property
    def is_prior(self) -> bool:
        """Prior or external training, recorded without a class."""
        return self.session_id is None


def valid_until(course: Course, ends_on: datetime.date) -> datetime.date | None:
    """The last day a passed course counts, or None when it never expires."""
    if not course.validity_months:
        return None
    months = ends_on.month - 1 + course.validity_months
    year, month = ends_on.year + months // 12, months % 12 + 1
    day = min(ends_on.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                            31, 31, 30, 31, 30, 31][month - 1])  # fmt: skip
    return datetime.date(year, month, day)
