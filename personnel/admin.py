from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from accounts.audit import export_record
from communes.admin import SafeImportForm
from rollout.core.admin import HistoryAdmin, ReadOnlyAdminMixin, ServiceAdmin
from rollout.core.imports import SafeImportAdminMixin, SafeXLSX

from . import services
from .identifiers import can_see_identifiers
from .models import Assignment, Language, Officer, Vetting
from .resources import COLUMN_POLICE_NUMBER, OfficerResource

OfficerXLSX = SafeXLSX.for_resource(OfficerResource, required_headers=(COLUMN_POLICE_NUMBER,))


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_ethnic_minority"]
    filter_horizontal = ["communes"]
    search_fields = ["name", "code"]


class VettingInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Vetting decisions are recorded on the officer's vetting page (``services.vetting_record``)."""

    model = Vetting
    extra = 0
    fields = ["criterion", "passed", "note", "decided_by", "decided_on"]


@admin.register(Officer)
class OfficerAdmin(SafeImportAdminMixin, ImportExportModelAdmin, ServiceAdmin, HistoryAdmin):
    """Register and correct officers through ``services.officer_create`` and ``officer_update`` (a new officer
    is a candidate; the user's area; who did it); status changes, vetting and assignments go through the app's
    pages, which enforce the pipeline and the eligibility rules. The import is the officer pages' own."""

    resource_classes = [OfficerResource]
    import_form_class = SafeImportForm
    import_formats = [OfficerXLSX]
    export_formats = [OfficerXLSX]
    list_display = ["police_number", "full_name", "rank", "status", "province", "district"]
    list_filter = ["status", "rank", "ethnicity", "province"]
    list_select_related = ["province", "district"]
    search_fields = ["full_name", "search_key", "=police_number"]
    readonly_fields = ["status", "created_at", "updated_at"]
    autocomplete_fields = []
    raw_id_fields = ["district", "home_district"]
    filter_horizontal = ["languages"]
    inlines = [VettingInline]
    list_per_page = 50
    show_full_result_count = False

    def has_import_permission(self, request):
        return request.user.has_perm("personnel.import_officer")

    def has_delete_permission(self, request, obj=None):
        return False

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        export_record(
            request, what=_("Officer list (admin)"), file_name="officers.xlsx", rows=queryset.count(),
            identifiers_shown=can_see_identifiers(request.user),
        )  # fmt: skip
        return data

    def service_create(self, request, form):
        return services.officer_create(
            user=request.user, languages=form.cleaned_data["languages"], **self.given(form, services.OFFICER_FIELDS)
        )

    def service_update(self, request, obj, form):
        return services.officer_update(
            officer=Officer.objects.get(pk=obj.pk), user=request.user, languages=form.cleaned_data["languages"],
            **self.given(form, services.OFFICER_FIELDS),
        )  # fmt: skip


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Assignments are made and ended on the app's pages (``services.assignment_create`` and ``assignment_end``:
    one active post per officer, one chief per commune, eligibility, coverage)."""

    list_display = ["officer", "commune", "post", "decision_number", "started_on", "ended_on"]
    list_filter = ["post", "province", ("ended_on", admin.EmptyFieldListFilter)]
    list_select_related = ["officer", "commune"]
    search_fields = ["decision_number", "officer__full_name", "=officer__police_number", "commune__name"]
    raw_id_fields = ["officer", "commune"]
