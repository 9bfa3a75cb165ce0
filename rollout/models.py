"""The pilot plan. It starts with the eligibility rules for assignments; phases, committee, tasks, snapshots and
reports join it with the Steering Committee issue."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from personnel.choices import Rank
from rollout.core.import_jobs import ImportJob  # noqa: F401  (the import previews' table belongs to this app)
from rollout.core.outbox import OutboxMessage  # noqa: F401  (the outbox's table belongs to this app)
from rollout.core.scoping import ScopedBy, ScopedQuerySet
from rollout.core.text import validate_person_name

MAX_TRAINING_GRACE_DAYS = 365


def in_plan_of(province: str) -> ScopedBy:
    """The scope of the plan and of what belongs to it (``province``: the path to the plan's province). The plan
    is provincial: district clerks read it and change none of it."""
    return ScopedBy(
        province=province,
        province_refusal=_("This plan is outside your province."),
        district_refusal=_("The plan is managed at the provincial level."),
    )


class PilotPlanQuerySet(ScopedQuerySet):
    def by_province(self):
        """With their province, in the order of the province codes (as every list of plans shows them)."""
        return self.select_related("province").order_by("province_id")


class PilotPlan(models.Model):
    """One plan per province: dates, default staffing norm, the eligibility rules of the selection and which
    posts need training before deployment."""

    province = models.OneToOneField(
        "communes.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="pilot_plan"
    )
    name = models.CharField(_("name"), max_length=200)
    started_on = models.DateField(_("start date"))
    target_on = models.DateField(_("target date"))
    default_staffing_norm = models.PositiveSmallIntegerField(
        _("default staffing norm"), default=settings.DEFAULT_STAFFING_NORM
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=22)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=45)
    min_rank = models.PositiveSmallIntegerField(_("minimum rank"), choices=Rank.choices, default=Rank.TRUNG_SI)
    requires_vetting = models.BooleanField(
        _("vetting required"), default=True, help_text=_("Only officers who passed every vetting criterion.")
    )
    # Readiness before deployment: which posts need a trained officer, and how long after the start an officer
    # may still complete their training (see ``personnel.eligibility``).
    training_required_chief = models.BooleanField(_("training required before deployment: chief"), default=True)
    training_required_deputy = models.BooleanField(_("training required before deployment: deputy"), default=True)
    training_required_officer = models.BooleanField(_("training required before deployment: officer"), default=False)
    training_grace_days = models.PositiveSmallIntegerField(
        _("training grace period (days)"),
        default=0,
        validators=[MaxValueValidator(MAX_TRAINING_GRACE_DAYS)],
        help_text=_(
            "An officer may start a post untrained if they are trained by the start date plus this many days; "
            "0: trained by the start date."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scoped_by = in_plan_of("province_id")
    objects = PilotPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("pilot plan")
        verbose_name_plural = _("pilot plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_on__gte=F("started_on")),
                name="%(app_label)s_%(class)s_target_after_start",
                violation_error_message=_("The target date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(max_age__gte=F("min_age")),
                name="%(app_label)s_%(class)s_age_range",
                violation_error_message=_("The maximum age cannot be below the minimum age."),
            ),
            models.CheckConstraint(
                condition=Q(default_staffing_norm__gte=1),
                name="%(app_label)s_%(class)s_staffing_norm_positive",
                violation_error_message=_("The staffing norm is at least one officer."),
            ),
            models.CheckConstraint(
                condition=Q(training_grace_days__gte=0, training_grace_days__lte=MAX_TRAINING_GRACE_DAYS),
                name="%(app_label)s_%(class)s_training_grace_days_range",
                violation_error_message=_("The training grace period lies between 0 and 365 days."),
            ),
        ]

    def __str__(self):
        return self.name

    def training_required_for(self, post: str) -> bool:
        """Whether an officer must be trained (by the deadline) before taking ``post`` (a ``Post`` value)."""
        return bool(getattr(self, f"training_required_{post}", False))

    def training_deadline(self, started_on: datetime.date) -> datetime.date:
        """The day by which an officer starting a post on ``started_on`` must be trained."""
        return started_on + datetime.timedelta(days=self.training_grace_days or 0)

    def clean(self):
        if self.min_age is not None and not 18 <= self.min_age <= 65:
            raise ValidationError({"min_age": _("An age limit lies between 18 and 65.")})
        if self.max_age is not None and not 18 <= self.max_age <= 65:
            raise ValidationError({"max_age": _("An age limit lies between 18 and 65.")})


class Phase(models.Model):
    """A wave of the plan: a set of communes to be covered by a target date."""

    plan = models.ForeignKey(PilotPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    target_on = models.DateField(_("target date"))
    communes = models.ManyToManyField("communes.Commune", verbose_name=_("communes"), related_name="phases", blank=True)
    note = models.TextField(_("note"), blank=True)

    scoped_by = in_plan_of("plan__province_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="%(app_label)s_%(class)s_unique_number",
                violation_error_message=_("The plan already has a phase with this number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="%(app_label)s_%(class)s_number_positive",
                violation_error_message=_("Phases are numbered from 1."),
            ),
        ]

    def __str__(self):
        return _("Phase %(number)s: %(name)s") % {"number": self.number, "name": self.name}


class CommitteeRole(models.TextChoices):
    HEAD = "head", _("Head")
    DEPUTY_HEAD = "deputy_head", _("Deputy head")
    STANDING = "standing", _("Standing body")
    MEMBER = "member", _("Member")


class CommitteeMember(models.Model):
    """A member of the Steering Committee (Ban Chỉ đạo); reports are e-mailed to the active ones."""

    plan = models.ForeignKey(
        PilotPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="committee_members"
    )
    full_name = models.CharField(_("full name"), max_length=120, validators=[validate_person_name])
    unit = models.CharField(_("unit"), max_length=200)
    role = models.CharField(_("role in the committee"), max_length=12, choices=CommitteeRole.choices)
    is_standing_body = models.BooleanField(
        _("standing body"),
        default=False,
        help_text=_("Part of the standing body (Cục Xây dựng phong trào bảo vệ an ninh Tổ quốc)."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scoped_by = in_plan_of("plan__province_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["plan", "role", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(role="head", is_active=True),
                name="%(app_label)s_%(class)s_one_head",
                violation_error_message=_("The committee already has a head."),
            ),
        ]

    def __str__(self):
        return f"{self.full_name} — {self.get_role_display()}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


TASK_CLOSED = (TaskStatus.DONE, TaskStatus.CANCELLED)


class TaskQuerySet(ScopedQuerySet):
    def overdue(self, on):
        return self.filter(deadline__lt=on).exclude(status__in=TASK_CLOSED)


class Task(models.Model):
    """A task the committee gives a unit, with a deadline."""

    plan = models.ForeignKey(PilotPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    unit = models.CharField(_("responsible unit"), max_length=200)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False, null=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scoped_by = in_plan_of("plan__province_id")
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["plan", "status", "deadline"], name="rollout_task_open_deadline")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", completed_on__isnull=False) | (~Q(status="done") & Q(completed_on=None)),
                name="%(app_label)s_%(class)s_completed_when_done",
                violation_error_message=_("A task has a completion date exactly when it is done."),
            ),
        ]

    def __str__(self):
        return self.title


class ProgressSnapshot(models.Model):
    """The day's figures for one province, or for the whole country (``province`` empty), for the trends."""

    on = models.DateField(_("date"))
    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="snapshots",
    )  # fmt: skip
    communes = models.PositiveIntegerField(_("communes"))
    covered = models.PositiveIntegerField(_("covered"))
    staffing_norm = models.PositiveIntegerField(_("staffing norm"))
    deployed = models.PositiveIntegerField(_("officers deployed"))
    trained_deployed = models.PositiveIntegerField(_("deployed officers trained"))
    equipped = models.PositiveIntegerField(_("covered communes equipped"))
    operational = models.PositiveIntegerField(_("operational communes"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        ordering = ["on"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "on"], condition=Q(province__isnull=False), name="%(app_label)s_%(class)s_daily"
            ),
            models.UniqueConstraint(
                fields=["on"], condition=Q(province__isnull=True), name="%(app_label)s_%(class)s_daily_national"
            ),
            models.CheckConstraint(
                condition=Q(covered__lte=F("communes"))
                & Q(trained_deployed__lte=F("deployed"))
                & Q(equipped__lte=F("covered"))
                & Q(operational__lte=F("equipped")),
                name="%(app_label)s_%(class)s_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.province or _('Whole country')} {self.on:%d/%m/%Y}"

    @property
    def uncovered(self) -> int:
        return self.communes - self.covered


class CommuneState(models.Model):
    """A commune's current state (``rollout.progress.figures.with_progress`` as of ``on``), kept by the writes that
    change it (``rollout.progress.states``): the dashboard's figures for today are one aggregate over these rows.
    ``manage.py verify_progress`` recomputes them from the sources."""

    commune = models.OneToOneField(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.CASCADE, primary_key=True,
        related_name="state",
    )  # fmt: skip
    on = models.DateField(_("as of"))
    is_covered = models.BooleanField(_("covered"))
    norm = models.PositiveIntegerField(_("staffing norm"))
    officers_deployed = models.PositiveIntegerField(_("officers deployed"))
    officers_untrained = models.PositiveIntegerField(_("deployed officers not trained"))
    is_equipped = models.BooleanField(_("equipped"))
    is_staffed = models.BooleanField(_("staffed"))
    is_operational = models.BooleanField(_("operational"))
    refreshed_at = models.DateTimeField(_("refreshed"), auto_now=True)

    class Meta:
        verbose_name = _("commune state")
        verbose_name_plural = _("commune states")
        constraints = [
            models.CheckConstraint(
                condition=Q(officers_untrained__lte=F("officers_deployed")), name="%(app_label)s_%(class)s_untrained"
            ),
        ]

    def __str__(self):
        return f"{self.commune_id} {self.on:%d/%m/%Y}"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being produced")
    DONE = "done", pgettext_lazy("report status", "Ready")
    FAILED = "failed", pgettext_lazy("report status", "Failed")


def report_upload_to(report, filename):
    return f"reports/{report.period_end:%Y}/{filename}"


class Report(models.Model):
    """A progress report for a period, for one province or the whole country (``province`` empty): an XLSX and a
    PDF file in storage. One report per scope and period: asking again reuses it."""

    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="reports",
    )  # fmt: skip
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    xlsx = models.FileField(_("Excel file"), upload_to=report_upload_to, blank=True)
    pdf = models.FileField(_("PDF file"), upload_to=report_upload_to, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When it was last queued, and the last sign of life of the worker producing it: the sweeper queues again a
    # report that waits, or runs without a heartbeat, longer than REPORT_LEASE_SECONDS.
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    # A report holds aggregate figures, no personal data: every clerk reads the national ones too.
    scoped_by = ScopedBy(province="province_id", national_when_no_province=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "period_start", "period_end"],
                condition=Q(province__isnull=False),
                name="%(app_label)s_%(class)s_one_per_period",
                violation_error_message=_("A report for this period already exists."),
            ),
            models.UniqueConstraint(
                fields=["period_start", "period_end"],
                condition=Q(province__isnull=True),
                name="%(app_label)s_%(class)s_one_per_period_national",
                violation_error_message=_("A report for this period already exists."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_order",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="%(app_label)s_%(class)s_progress_percent"),
        ]

    def __str__(self):
        scope = self.province or _("Whole country")
        return _("Progress report %(scope)s, %(start)s – %(end)s") % {
            "scope": scope, "start": f"{self.period_start:%d/%m/%Y}", "end": f"{self.period_end:%d/%m/%Y}",
        }  # fmt: skip
