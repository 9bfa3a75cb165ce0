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
from simple_history.models import HistoricalRecords

from personnel.choices import Post, Rank
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
    # what the state was computed under (``rollout.progress.states.state_basis``: the settings it depends on)
    basis = models.CharField(_("basis"), max_length=16, db_default="")
    # the commune's district and province, copied: the whole country's figures are one GROUP BY over this table
    district_code = models.PositiveIntegerField(_("district code"), db_default=0)
    province_code = models.PositiveSmallIntegerField(_("province code"), db_default=0)
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


# Where a report (and a subscription to one) sits: the whole country (no province), a province (no district) or a
# district. A report holds aggregate figures and no personal data: every user with an area reads the national
# report and their province's; a district clerk reads their own district's, no other.
REPORT_AREA = ScopedBy(
    province="province_id", district="district_id", whole_province_when_no_district=True,
    national_when_no_province=True,
)  # fmt: skip


def area_name(province, district) -> str:
    """ "Huyện Đắk Glei, Tỉnh Kon Tum", "Tỉnh Kon Tum" or "Whole country"."""
    if district is not None:
        return f"{district.name}, {province.name}" if province is not None else district.name
    return province.name if province is not None else str(_("Whole country"))


class Report(models.Model):
    """A progress report for a period, for one district, one province (``district`` empty) or the whole country
    (``province`` empty too): an XLSX and a PDF file in storage. One report per area and period: asking again
    reuses it, and every subscriber of the area gets the same files."""

    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="reports",
    )  # fmt: skip
    district = models.ForeignKey(
        "communes.District", verbose_name=_("district"), on_delete=models.CASCADE, null=True, blank=True,
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

    scoped_by = REPORT_AREA
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "period_start", "period_end"],
                condition=Q(province__isnull=False, district__isnull=True),
                name="%(app_label)s_%(class)s_one_per_period",
                violation_error_message=_("A report for this period already exists."),
            ),
            models.UniqueConstraint(
                fields=["district", "period_start", "period_end"],
                condition=Q(district__isnull=False),
                name="%(app_label)s_%(class)s_one_per_period_district",
                violation_error_message=_("A report for this period already exists."),
            ),
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(province__isnull=False),
                name="%(app_label)s_%(class)s_district_within_province",
                violation_error_message=_("A district's report names its province too."),
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
        return _("Progress report %(scope)s, %(start)s – %(end)s") % {
            "scope": self.scope_name, "start": f"{self.period_start:%d/%m/%Y}", "end": f"{self.period_end:%d/%m/%Y}",
        }  # fmt: skip

    @property
    def scope_name(self) -> str:
        return area_name(self.province, self.district)

    def clean(self):
        if self.district_id and self.province_id and self.district.province_id != self.province_id:
            raise ValidationError({"district": _("This district is not in the chosen province.")})


# --- deployment plans (phương án bố trí): rollout.deployment ------------------------------------------------------


class PlanPosts(models.TextChoices):
    """Which posts a deployment plan fills."""

    CHIEFS = "chiefs", _("Chiefs of the uncovered communes")
    NORM = "norm", _("Chiefs, deputies and officers up to the staffing norm")


class DeploymentPlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class DeploymentPlan(models.Model):
    """A proposed placement of available officers into the open posts of a province, a phase or chosen communes
    (``rollout.deployment``): made, reviewed, re-run with locks and exclusions, then approved row by row into
    assignments. The plan and its rows keep who made and approved them (and history)."""

    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="deployment_plans"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Only the communes of this phase; empty: the whole province (or the communes chosen)."),
    )  # fmt: skip
    communes = models.ManyToManyField(
        "communes.Commune", verbose_name=_("communes chosen"), related_name="+", blank=True,
        help_text=_("Only these communes; empty: every commune of the phase or the province."),
    )  # fmt: skip
    posts = models.CharField(_("posts to fill"), max_length=10, choices=PlanPosts.choices, default=PlanPosts.CHIEFS)
    starts_on = models.DateField(
        _("start date of the posts"),
        help_text=_("The day the officers would take their posts: the rules are read then."),
    )
    allow_overrides = models.BooleanField(
        _("propose officers who break a rule"),
        default=False,
        help_text=_("Only where no officer keeps every rule; each such row needs a written reason on approval."),
    )
    excluded_officers = models.ManyToManyField(
        "personnel.Officer", verbose_name=_("officers left out"), related_name="+", blank=True
    )
    excluded_communes = models.ManyToManyField(
        "communes.Commune", verbose_name=_("communes left out"), related_name="+", blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeploymentPlanStatus.choices, default=DeploymentPlanStatus.DRAFT
    )
    # the last run's figures
    runs = models.PositiveIntegerField(_("runs"), default=0)
    solved_at = models.DateTimeField(_("last run"), null=True, blank=True)
    posts_open = models.PositiveIntegerField(_("open posts"), default=0)
    posts_filled = models.PositiveIntegerField(_("posts filled"), default=0)
    total_score = models.PositiveIntegerField(_("total score"), default=0)
    greedy_posts = models.PositiveIntegerField(_("posts filled one commune after another"), default=0)
    greedy_total_score = models.PositiveIntegerField(_("total score one commune after another"), default=0)
    seconds = models.FloatField(_("seconds to solve"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    history = HistoricalRecords()
    scoped_by = in_plan_of("province_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deployment plan")
        verbose_name_plural = _("deployment plans")
        ordering = ["-created_at", "-pk"]
        permissions = [("approve_deploymentplan", _("Can approve a deployment plan into assignments"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(posts_filled__lte=F("posts_open")), name="%(app_label)s_%(class)s_filled_le_open"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="%(app_label)s_%(class)s_approval_recorded",
            ),
        ]

    def __str__(self):
        scope = self.phase or self.province
        return _("Deployment plan #%(number)s: %(scope)s") % {"number": self.pk, "scope": scope}

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("deployment:plan_detail", args=[self.pk])


class DeploymentRow(models.Model):
    """One open post of a deployment plan's last run: the officer proposed for it (none: left empty, with why),
    the score and its reasons, the runner-up; a clerk's lock keeps the pair through the next runs; approval
    turns the row into an assignment."""

    plan = models.ForeignKey(DeploymentPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="rows")
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    post = models.CharField(_("post"), max_length=10, choices=Post.choices)
    slot = models.PositiveSmallIntegerField(_("post number in the commune"), default=1)
    tier = models.PositiveSmallIntegerField(_("priority"), default=0)
    officer = models.ForeignKey(
        "personnel.Officer", verbose_name=_("officer"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    score = models.PositiveIntegerField(_("score"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)  # [[points, code], ...]
    rule_violations = models.TextField(_("rules broken"), blank=True)
    runner_up = models.ForeignKey(
        "personnel.Officer", verbose_name=_("runner-up"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    runner_up_score = models.PositiveIntegerField(_("runner-up's score"), null=True, blank=True)
    unfilled_reason = models.TextField(_("why empty"), blank=True)
    is_locked = models.BooleanField(_("locked"), default=False)
    assignment = models.OneToOneField(
        "personnel.Assignment", verbose_name=_("assignment"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    history = HistoricalRecords()
    scoped_by = ScopedBy(province="plan__province_id", district="commune__district_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deployment plan row")
        verbose_name_plural = _("deployment plan rows")
        ordering = ["plan", "tier", "commune__sort_key", "commune_id", "post", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "commune", "post", "slot"], name="%(app_label)s_%(class)s_one_row_per_post"
            ),
            models.UniqueConstraint(
                fields=["plan", "officer"],
                condition=Q(officer__isnull=False),
                name="%(app_label)s_%(class)s_officer_once",
                violation_error_message=_("An officer is proposed for one post of a plan at most."),
            ),
            models.CheckConstraint(
                condition=Q(is_locked=False) | Q(officer__isnull=False), name="%(app_label)s_%(class)s_lock_has_officer"
            ),
        ]

    def __str__(self):
        return f"{self.commune} — {self.get_post_display()} {self.slot}"


# --- notifications: the daily digest and in-app notices (rollout.notifications) --------------------------------


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week (Monday)")
    NEVER = "never", _("Never")


class NotificationPreference(models.Model):
    """What a user wants to hear of: how often the digest comes, and which alert kinds it holds (none chosen:
    every kind)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    frequency = models.CharField(
        _("digest"), max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.DAILY
    )
    kinds = models.JSONField(_("alert kinds"), default=list, blank=True)
    email_enabled = models.BooleanField(_("by e-mail"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user} — {self.get_frequency_display()}"


class Digest(models.Model):
    """One digest of one user for one period (``period``: "2026-12-01" for a day, "2026-W49" for a week): made once,
    sent at most once (``sent_at``); an SMTP error is kept with the attempt count and the next run tries again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="digests")  # fmt: skip
    period = models.CharField(_("period"), max_length=12)
    frequency = models.CharField(_("digest"), max_length=10, choices=DigestFrequency.choices)
    alerts = models.PositiveIntegerField(_("alerts"), default=0)
    is_empty = models.BooleanField(_("nothing to report"), default=False)  # no alert, task or certificate: not sent
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="%(app_label)s_%(class)s_once_per_period"),
        ]

    def __str__(self):
        return f"{self.user} {self.period}"


class Notification(models.Model):
    """A notice in the app, read or unread; a digest leaves one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")  # fmt: skip
    digest = models.OneToOneField(Digest, verbose_name=_("digest"), on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="notification")  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="rollout_notification_unread")]

    def __str__(self):
        return self.title


# --- report subscriptions: rollout.subscriptions -------------------------------------------------------------------


class SubscriptionFrequency(models.TextChoices):
    """How often a subscribed report comes: the week (Monday–Sunday) or the calendar month just ended."""

    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


def _one_subscription_per_area(owner: str, owned: Q) -> list[models.UniqueConstraint]:
    """One subscription per recipient (``owner``: the user, or a committee address), area and frequency: one
    partial constraint per kind of area (the country, a province, a district), as the area's keys may be empty."""
    areas = (
        ("country", [], Q(province__isnull=True)),
        ("province", ["province"], Q(province__isnull=False, district__isnull=True)),
        ("district", ["district"], Q(district__isnull=False)),
    )
    return [
        models.UniqueConstraint(
            fields=[owner, *keys, "frequency"],
            condition=owned & condition,
            name=f"%(app_label)s_%(class)s_one_per_{owner}_{level}",
            violation_error_message=_("You already receive this report at this frequency."),
        )
        for level, keys, condition in areas
    ]


class ReportSubscription(models.Model):
    """A standing order for the progress report of an area — the whole country, a province or a district — each
    week or each month, as an Excel workbook, a PDF or both. Either a user's own (``user``), sent to their
    account's address, or one of the Steering Committee's defaults (no user, the member's ``email``), kept in step
    with the committee by ``rollout.subscriptions.services.committee_subscriptions_sync``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="report_subscriptions",
    )  # fmt: skip
    email = models.EmailField(
        _("e-mail"), blank=True, help_text=_("A committee member's address (the committee's default subscriptions).")
    )
    province = models.ForeignKey(
        "communes.Province", verbose_name=_("province"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    district = models.ForeignKey(
        "communes.District", verbose_name=_("district"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    frequency = models.CharField(_("frequency"), max_length=10, choices=SubscriptionFrequency.choices)
    send_xlsx = models.BooleanField(_("Excel workbook"), default=True)
    send_pdf = models.BooleanField(_("PDF"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scoped_by = REPORT_AREA
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        ordering = ["frequency", "province_id", "district_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, email="") | (Q(user__isnull=True) & ~Q(email="")),
                name="%(app_label)s_%(class)s_user_or_address",
                violation_error_message=_("A subscription is a user's, or a committee member's address."),
            ),
            models.CheckConstraint(
                condition=Q(send_xlsx=True) | Q(send_pdf=True),
                name="%(app_label)s_%(class)s_some_format",
                violation_error_message=_("Choose at least one format: Excel or PDF."),
            ),
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(province__isnull=False),
                name="%(app_label)s_%(class)s_district_within_province",
                violation_error_message=_("A district's subscription names its province too."),
            ),
            *_one_subscription_per_area("user", Q(user__isnull=False)),
            *_one_subscription_per_area("email", Q(user__isnull=True)),
        ]
        indexes = [models.Index(fields=["frequency", "province", "district"], name="rollout_subscription_area")]

    def __str__(self):
        return _("%(area)s, %(frequency)s") % {"area": self.area_name, "frequency": self.get_frequency_display()}

    @property
    def area_name(self) -> str:
        return area_name(self.province, self.district)

    @property
    def is_committee_default(self) -> bool:
        return self.user_id is None

    @property
    def formats(self) -> list[str]:
        """The files the recipient gets: ``"xlsx"``, ``"pdf"`` or both, in that order."""
        return [kind for kind, wanted in (("xlsx", self.send_xlsx), ("pdf", self.send_pdf)) if wanted]

    def clean(self):
        if self.district_id and self.province_id and self.district.province_id != self.province_id:
            raise ValidationError({"district": _("This district is not in the chosen province.")})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", pgettext_lazy("e-mail", "Sent")
    SKIPPED = "skipped", _("Not sent")
    FAILED = "failed", pgettext_lazy("e-mail", "Failed")


class ReportDelivery(models.Model):
    """One e-mail of a subscribed report: one per subscription and period, whatever runs the batch or sends it how
    many times (the unique constraint); sent once, or not sent with the reason (the recipient no longer may see
    the area), or failed after its retries."""

    subscription = models.ForeignKey(
        ReportSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    recipient = models.EmailField(_("sent to"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        ordering = ["-period_end", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start", "period_end"],
                name="%(app_label)s_%(class)s_once_per_period",
                violation_error_message=_("This report was already sent for this period."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_order",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="%(app_label)s_%(class)s_sent_when_sent",
            ),
        ]
        indexes = [models.Index(fields=["report", "status"], name="rollout_delivery_report_status")]

    def __str__(self):
        return f"{self.subscription} {self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y}"
