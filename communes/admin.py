from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from rollout.core.admin import ReadOnlyAdminMixin, ServiceAdmin
from rollout.core.imports import SafeImportAdminMixin, SafeXLSX
from rollout.core.spreadsheets import validate_xlsx_upload

from .models import Commune, District, Province
from .resources import COLUMN_CODE, CommuneResource
from .services import COMMUNE_ATTRIBUTES, commune_update

CommuneXLSX = SafeXLSX.for_resource(CommuneResource, required_headers=(COLUMN_CODE,))


class SafeImportForm(ImportForm):
    """The admin's import form, with the same size and type checks as the app's import page."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        validate_xlsx_upload(upload)
        return upload


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Loaded from the GSO data (``services.divisions_load``, the ``load_divisions`` command)."""

    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "search_key", "=code"]


@admin.register(District)
class DistrictAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Loaded from the GSO data (``services.divisions_load``, the ``load_divisions`` command)."""

    list_display = ["code", "name", "kind", "province"]
    list_filter = ["kind", "province"]
    list_select_related = ["province"]
    search_fields = ["name", "search_key", "=code"]


@admin.register(Commune)
class CommuneAdmin(SafeImportAdminMixin, ImportExportModelAdmin, ServiceAdmin):
    """The clerks' attributes of a commune, saved through ``services.commune_update``; its name, kind and
    district come from the GSO data, its coverage from the assignments."""

    resource_classes = [CommuneResource]
    import_form_class = SafeImportForm
    # Set here, not through IMPORT_EXPORT_FORMATS: the app's reading and formula-safe writing.
    import_formats = [CommuneXLSX]
    export_formats = [CommuneXLSX]
    list_display = ["code", "name", "kind", "district", "is_key_area", "is_border", "coverage", "is_demo"]
    list_filter = ["kind", "coverage", "is_key_area", "is_border", "district__province"]
    list_select_related = ["district"]
    search_fields = ["name", "search_key", "=code"]
    readonly_fields = ["code", "name", "kind", "district", "coverage", "updated_at"]
    fields = [
        "code",
        "name",
        "kind",
        "district",
        "is_key_area",
        "is_border",
        "border_country",
        "population",
        "staffing_norm",
        "baseline_covered_on",
        "coverage",
        "is_demo",
        "updated_at",
    ]
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return request.user.has_perm("communes.import_commune")

    def service_update(self, request, obj, form):
        return commune_update(commune=obj, user=request.user, **self.given(form, COMMUNE_ATTRIBUTES))
