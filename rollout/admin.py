from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import PilotPlan


@admin.register(PilotPlan)
class PilotPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "province", "started_on", "target_on", "min_age", "max_age", "min_rank", "requires_vetting"]
    list_select_related = ["province"]
    fieldsets = [
        (None, {"fields": ["name", "province", "started_on", "target_on", "default_staffing_norm"]}),
        (_("Eligibility rules"), {"fields": ["min_age", "max_age", "min_rank", "requires_vetting"]}),
    ]
