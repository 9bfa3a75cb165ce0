"""The plan in the admin: its forms save through ``rollout.plan.services``, with the plan pages' rules (a commune
in one phase of a plan, one active head of the committee, a completion date exactly for a done task), the user's
scope and the task's author. A plan, phase, member or task is not moved to another plan (its plan is read-only
once saved) and not deleted here: no service does either."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rollout.core.admin import ReadOnlyAdminMixin, ServiceAdmin
from rollout.core.outbox import OutboxMessage
from rollout.models import (
    CommitteeMember,
    DeploymentPlan,
    DeploymentRow,
    Digest,
    Phase,
    PilotPlan,
    ReportDelivery,
    ReportSubscription,
    Task,
)
from rollout.plan import services


class PlanPartAdmin(ServiceAdmin):
    """Delete is off, and the plan is read-only once the object is saved."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "plan"] if obj is not None else readonly

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PilotPlan)
class PilotPlanAdmin(ServiceAdmin):
    list_display = ["name", "province", "started_on", "target_on", "min_age", "max_age", "min_rank", "requires_vetting"]
    list_select_related = ["province"]
    fieldsets = [
        (None, {"fields": ["name", "province", "started_on", "target_on", "default_staffing_norm"]}),
        (_("Eligibility rules"), {"fields": ["min_age", "max_age", "min_rank", "requires_vetting"]}),
        (
            _("Training before deployment"),
            {
                "fields": [
                    "training_required_chief",
                    "training_required_deputy",
                    "training_required_officer",
                    "training_grace_days",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["province"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def service_create(self, request, form):
        return services.plan_create(
            province=form.cleaned_data["province"], user=request.user, **self.given(form, services.PLAN_FIELDS)
        )

    def service_update(self, request, obj, form):
        return services.plan_update(plan=obj, user=request.user, **self.given(form, services.PLAN_FIELDS))


@admin.register(Phase)
class PhaseAdmin(PlanPartAdmin):
    fields = ["plan", "number", "name", "target_on", "communes", "note"]
    list_display = ["number", "name", "plan", "target_on"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
    search_fields = ["name"]
    autocomplete_fields = ["communes"]

    def service_create(self, request, form):
        return services.phase_create(
            plan=form.cleaned_data["plan"], user=request.user, communes=form.cleaned_data["communes"],
            **self.given(form, services.PHASE_FIELDS),
        )  # fmt: skip

    def service_update(self, request, obj, form):
        return services.phase_update(
            phase=obj, user=request.user, communes=form.cleaned_data["communes"],
            **self.given(form, services.PHASE_FIELDS),
        )  # fmt: skip


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(PlanPartAdmin):
    list_display = ["full_name", "unit", "role", "is_standing_body", "email", "is_active", "plan"]
    list_filter = ["plan", "role", "is_standing_body", "is_active"]
    list_select_related = ["plan"]
    search_fields = ["full_name", "unit", "email"]

    def service_create(self, request, form):
        return services.member_create(
            plan=form.cleaned_data["plan"], user=request.user, **self.given(form, services.MEMBER_FIELDS)
        )

    def service_update(self, request, obj, form):
        return services.member_update(member=obj, user=request.user, **self.given(form, services.MEMBER_FIELDS))


@admin.register(Task)
class TaskAdmin(PlanPartAdmin):
    list_display = ["title", "unit", "deadline", "status", "completed_on", "plan"]
    list_filter = ["plan", "status"]
    list_select_related = ["plan"]
    search_fields = ["title", "unit"]
    date_hierarchy = "deadline"
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def service_create(self, request, form):
        return services.task_create(
            plan=form.cleaned_data["plan"], user=request.user, status=form.cleaned_data["status"],
            completed_on=form.cleaned_data["completed_on"], **self.given(form, services.TASK_FIELDS),
        )  # fmt: skip

    def service_update(self, request, obj, form):
        return services.task_update(
            task=obj, user=request.user, status=form.cleaned_data["status"],
            completed_on=form.cleaned_data["completed_on"], **self.given(form, services.TASK_FIELDS),
        )  # fmt: skip


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What waits to be sent to the workers, and why it waits (the last error): read only; the sweeper sends it."""

    list_display = ("task", "key", "created_at", "dispatched_at", "attempts", "last_error")
    list_filter = (("dispatched_at", admin.EmptyFieldListFilter), "task")
    search_fields = ("key", "task")
    date_hierarchy = "created_at"


class DeploymentRowInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DeploymentRow
    fields = ("commune", "post", "slot", "officer", "score", "is_locked", "assignment", "unfilled_reason")
    readonly_fields = fields
    extra = 0


@admin.register(DeploymentPlan)
class DeploymentPlanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Deployment plans are made, run and approved on their pages (``rollout.deployment.services``): read only."""

    list_display = (
        "pk",
        "province",
        "phase",
        "posts",
        "status",
        "posts_filled",
        "posts_open",
        "created_by",
        "created_at",
    )
    list_filter = ("status", "posts", "province")
    list_select_related = ("province", "phase", "created_by")
    inlines = [DeploymentRowInline]


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each user's digests: when made and sent, and why one was not (the last SMTP error): read only."""

    list_display = ("user", "period", "frequency", "alerts", "is_empty", "sent_at", "attempts", "last_error")
    list_filter = ("frequency", ("sent_at", admin.EmptyFieldListFilter), "is_empty")
    search_fields = ("user__username", "user__email", "period")
    list_select_related = ("user",)


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Users subscribe on their own page (``/subscriptions/``); the committee's defaults follow its list: read
    only."""

    list_display = ("__str__", "user", "email", "frequency", "send_xlsx", "send_pdf", "created_at")
    list_filter = ("frequency", ("user", admin.EmptyFieldListFilter))
    list_select_related = ("user", "province", "district")
    search_fields = ("email", "user__username", "user__email")


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every e-mail of a subscribed report, with its status, address, attempts and last error: read only."""

    list_display = ("subscription", "period_start", "period_end", "status", "recipient", "attempts", "sent_at", "error")
    list_filter = ("status", "subscription__frequency")
    list_select_related = ("subscription__user", "subscription__province", "subscription__district")
    search_fields = ("recipient", "subscription__email", "subscription__user__username")
    date_hierarchy = "created_at"
