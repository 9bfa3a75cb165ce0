from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rollout.models import CommitteeMember, Phase, PilotPlan, Task


@admin.register(PilotPlan)
class PilotPlanAdmin(admin.ModelAdmin):
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


class PhaseAdminForm(forms.ModelForm):
    """The phase's communes lie in the plan's province, as on the plan pages."""

    class Meta:
        model = Phase
        fields = ["plan", "number", "name", "target_on", "communes", "note"]

    def clean(self):
        cleaned = super().clean()
        plan, communes = cleaned.get("plan"), cleaned.get("communes")
        if plan is not None and communes is not None:
            foreign = [
                c.name for c in communes.select_related("district") if c.district.province_id != plan.province_id
            ]
            if foreign:
                self.add_error(
                    "communes",
                    _("Not in %(province)s, the plan's province: %(names)s.")
                    % {"province": plan.province, "names": ", ".join(foreign)},
                )
        return cleaned


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    form = PhaseAdminForm
    list_display = ["number", "name", "plan", "target_on"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
    search_fields = ["name"]
    autocomplete_fields = ["communes"]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ["full_name", "unit", "role", "is_standing_body", "email", "is_active", "plan"]
    list_filter = ["plan", "role", "is_standing_body", "is_active"]
    list_select_related = ["plan"]
    search_fields = ["full_name", "unit", "email"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "deadline", "status", "completed_on", "plan"]
    list_filter = ["plan", "status"]
    list_select_related = ["plan"]
    search_fields = ["title", "unit"]
    date_hierarchy = "deadline"
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
