"""Officers (cán bộ, chiến sỹ), their vetting, and their assignments (bố trí) to commune posts."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rollout.core.fields import CollationKeyField
from rollout.core.scoping import ScopedBy, ScopedQuerySet
from rollout.core.text import collation_key, fold, validate_person_name

from .ages import age_on, years_before
from .choices import (
    AssignmentEndReason,
    Education,
    Ethnicity,
    Gender,
    OfficerStatus,
    PoliticalTheory,
    Post,
    Rank,
    VettingCriterion,
)

police_number_validator = RegexValidator(r"^[0-9]{3}-[0-9]{3}$", _("A police number is six digits written 123-456."))
phone_validator = RegexValidator(r"^(\+84|0)[0-9]{9,10}$", _("A phone number looks like 0912345678 or +84912345678."))


class Language(models.Model):
    """A language an officer may speak; ``communes`` are those whose people speak it."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    is_ethnic_minority = models.BooleanField(_("ethnic-minority language"), default=True)
    communes = models.ManyToManyField(
        "communes.Commune", verbose_name=_("spoken in"), related_name="local_languages", blank=True
    )

    class Meta:
        ordering = ["-is_ethnic_minority", "name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self):
        return self.name


class OfficerQuerySet(ScopedQuerySet):
    def search(self, text, *, by_police_number: bool = True):
        """Accent-insensitive search on the name, and on the police number when ``by_police_number`` (not for
        roles that may not see police numbers: a search would reveal them)."""
        folded = fold(text)
        if not folded:
            return self
        condition = Q(search_key__contains=folded)
        if by_police_number:
            condition |= Q(police_number__startswith=text.strip())
        return self.filter(condition)


class Officer(models.Model):
    police_number = models.CharField(
        _("police number"), max_length=7, unique=True, validators=[police_number_validator]
    )
    full_name = models.CharField(_("full name"), max_length=100, validators=[validate_person_name])
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, choices=Ethnicity.choices, db_index=True)
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages spoken"), related_name="officers", blank=True
    )
    rank = models.PositiveSmallIntegerField(_("rank"), choices=Rank.choices, db_index=True)
    current_unit = models.CharField(_("current unit"), max_length=200)
    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="officers"
    )
    district = models.ForeignKey(
        "communes.District",
        verbose_name=_("managing district"),
        on_delete=models.PROTECT,
        related_name="officers",
        null=True,
        blank=True,
        help_text=_("The district police unit that manages the officer; empty for provincial units."),
    )
    home_district = models.ForeignKey(
        "communes.District",
        verbose_name=_("home district"),
        on_delete=models.PROTECT,
        related_name="native_officers",
        null=True,
        blank=True,
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    political_theory = models.CharField(
        _("political theory"), max_length=20, choices=PoliticalTheory.choices, default=PoliticalTheory.NONE
    )
    phone = models.CharField(_("phone"), max_length=13, blank=True, validators=[phone_validator])
    status = models.CharField(
        _("status"), max_length=20, choices=OfficerStatus.choices, default=OfficerStatus.CANDIDATE, db_index=True
    )
    search_key = models.CharField(max_length=100, editable=False, db_index=True)
    # Rosters go by given name first, in Vietnamese order (``collation_key``).
    sort_key = CollationKeyField()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_key", "sort_key", "updated_at"])
    # Officers belong to the unit that manages them: a district's, or the province's (no district).
    scoped_by = ScopedBy(province="province_id", district="district_id")
    objects = OfficerQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "police_number"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        permissions = [
            ("import_officer", _("Can import officers from Excel")),
            ("view_personal_identifiers", _("Can see birth dates, phone and police numbers unmasked")),
        ]
        indexes = [
            models.Index(fields=["province", "status"], name="personnel_officer_prov_status"),
            models.Index(fields=["district", "status"], name="personnel_officer_dist_status"),
            models.Index(fields=["birth_date"], name="personnel_officer_birth"),
            models.Index(fields=["sort_key", "police_number"], name="personnel_officer_sort_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_date__gte=datetime.date(1940, 1, 1)),
                name="%(app_label)s_%(class)s_birth_date_plausible",
                violation_error_message=_("The birth date is not plausible."),
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.police_number})"

    def save(self, *args, **kwargs):
        self.search_key = fold(self.full_name)
        self.sort_key = collation_key(self.full_name, person=True)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("personnel:officer_detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        today = timezone.localdate()
        if self.birth_date and not (years_before(today, 70) <= self.birth_date <= years_before(today, 18)):
            errors["birth_date"] = _("An officer is between 18 and 70 years old.")
        if self.district_id and self.province_id and self.district.province_id != self.province_id:
            errors["district"] = _("This district is not in the officer's province.")
        if errors:
            raise ValidationError(errors)

    @property
    def age(self) -> int:
        return age_on(self.birth_date, timezone.localdate())


class Vetting(models.Model):
    """The decision on one selection criterion for one officer."""

    officer = models.ForeignKey(Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="vettings")
    criterion = models.CharField(_("criterion"), max_length=30, choices=VettingCriterion.choices)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("decided on"))

    history = HistoricalRecords()
    # A decision is its officer's: a district clerk sees those of their district's officers (the API's list).
    scoped_by = ScopedBy(province="officer__province_id", district="officer__district_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["officer", "criterion"]
        verbose_name = _("vetting")
        verbose_name_plural = _("vettings")
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "criterion"],
                name="%(app_label)s_%(class)s_one_per_criterion",
                violation_error_message=_("This criterion is already recorded for the officer."),
            ),
        ]

    def __str__(self):
        return f"{self.officer} — {self.get_criterion_display()}"


class AssignmentQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)

    def active_on(self, day: datetime.date):
        """The assignments in force on ``day``: started by then and not ended (an assignment ended on ``day`` is
        its successor's that day, as a hand-over starts the successor's on the day the outgoing one ends). The
        rule of the progress figures (``rollout.progress.figures``) and of the register."""
        return self.filter(Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day)))


class Assignment(models.Model):
    """An officer holding a post in a commune, by a decision (quyết định), from ``started_on`` until ``ended_on``."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="assignments"
    )
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="assignments"
    )
    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    post = models.CharField(_("post"), max_length=10, choices=Post.choices)
    decision_number = models.CharField(_("decision number"), max_length=50)
    decision_date = models.DateField(_("decision date"))
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=AssignmentEndReason.choices, blank=True)
    end_note = models.CharField(_("end note"), max_length=500, blank=True)
    override_reason = models.TextField(
        _("override reason"),
        blank=True,
        max_length=2000,
        help_text=_("Why the assignment was made although it breaks an eligibility rule."),
    )
    rule_violations = models.TextField(_("eligibility rules broken"), blank=True, editable=False)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    # The province is the assignment's own (kept by the service); the district is the commune's.
    scoped_by = ScopedBy(province="province_id", district="commune__district_id")
    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        permissions = [("override_eligibility", _("Can assign an officer who breaks an eligibility rule"))]
        indexes = [
            models.Index(fields=["commune", "ended_on"], name="personnel_assignment_commune"),
            # the lists' order (newest first), read backwards: a page of 50 without sorting every assignment
            models.Index(fields=["started_on", "id"], name="personnel_assignment_started"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["officer"],
                condition=Q(ended_on__isnull=True),
                name="%(app_label)s_%(class)s_one_active_per_officer",
                violation_error_message=_("This officer already holds an active assignment."),
            ),
            models.UniqueConstraint(
                fields=["commune"],
                condition=Q(ended_on__isnull=True, post="chief"),
                name="%(app_label)s_%(class)s_one_active_chief_per_commune",
                violation_error_message=_("This commune already has an active chief."),
            ),
            models.UniqueConstraint(
                fields=["province", "decision_number"],
                name="%(app_label)s_%(class)s_decision_unique_in_province",
                violation_error_message=_("This decision number is already used in the province."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(rule_violations="") | ~Q(override_reason=""),
                name="%(app_label)s_%(class)s_override_has_reason",
                violation_error_message=_("Breaking an eligibility rule needs a written reason."),
            ),
        ]

    def __str__(self):
        return f"{self.officer.full_name} → {self.commune} ({self.get_post_display()})"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None
