from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from communes.admin import SafeImportForm
from rollout.core.imports import SafeImportAdminMixin, SafeXLSX

from .models import AllocationStandard, EquipmentItem, EquipmentType, Issuance, StockLevel, Warehouse
from .resources import COLUMN_SERIAL, COLUMN_TYPE, EquipmentItemResource

ItemXLSX = SafeXLSX.for_resource(EquipmentItemResource, required_headers=(COLUMN_TYPE, COLUMN_SERIAL))


class StandardInline(admin.TabularInline):
    model = AllocationStandard
    extra = 0
    raw_id_fields = ["commune"]


@admin.register(EquipmentType)
class EquipmentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "unit", "is_serialized"]
    list_filter = ["category", "is_serialized"]
    search_fields = ["code", "name"]
    inlines = [StandardInline]


@admin.register(AllocationStandard)
class AllocationStandardAdmin(admin.ModelAdmin):
    list_display = ["equipment_type", "commune_kind", "commune", "quantity"]
    list_filter = ["equipment_type", "commune_kind"]
    raw_id_fields = ["commune"]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["name", "province", "district"]
    list_filter = ["province"]


@admin.register(EquipmentItem)
class EquipmentItemAdmin(SafeImportAdminMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [EquipmentItemResource]
    import_form_class = SafeImportForm
    import_formats = [ItemXLSX]
    export_formats = [ItemXLSX]
    list_display = ["serial_number", "equipment_type", "warehouse", "status", "received_on"]
    list_filter = ["status", "equipment_type", "warehouse"]
    list_select_related = ["equipment_type", "warehouse"]
    search_fields = ["serial_number"]
    readonly_fields = ["status"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockLevel)
class StockLevelAdmin(SimpleHistoryAdmin):
    list_display = ["equipment_type", "warehouse", "quantity"]
    readonly_fields = ["quantity"]


@admin.register(Issuance)
class IssuanceAdmin(SimpleHistoryAdmin):
    list_display = ["equipment_type", "item", "quantity", "commune", "officer", "issued_on", "status"]
    list_filter = ["status", "equipment_type"]
    list_select_related = ["equipment_type", "item", "commune", "officer"]
    readonly_fields = [f.name for f in Issuance._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
