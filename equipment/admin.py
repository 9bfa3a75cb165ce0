from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from communes.admin import SafeImportForm
from rollout.core.admin import HistoryAdmin, ReadOnlyAdminMixin, ServiceAdmin
from rollout.core.imports import SafeImportAdminMixin, SafeXLSX

from . import services
from .models import AllocationStandard, EquipmentItem, EquipmentType, Handover, Issuance, StockLevel, Warehouse
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
class EquipmentItemAdmin(SafeImportAdminMixin, ImportExportModelAdmin, ServiceAdmin, HistoryAdmin):
    """Units are received (``services.items_receive``) and corrected (``item_update``) as on the receive page and
    through the same import; the status moves through issuance and returns, the type and serial number identify
    a unit once registered."""

    resource_classes = [EquipmentItemResource]
    import_form_class = SafeImportForm
    import_formats = [ItemXLSX]
    export_formats = [ItemXLSX]
    list_display = ["serial_number", "equipment_type", "warehouse", "status", "received_on"]
    list_filter = ["status", "equipment_type", "warehouse"]
    list_select_related = ["equipment_type", "warehouse"]
    search_fields = ["serial_number"]

    def get_readonly_fields(self, request, obj=None):
        return ["equipment_type", "serial_number", "status"] if obj is not None else ["status"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def service_create(self, request, form):
        (item,) = services.items_receive(
            warehouse=form.cleaned_data["warehouse"], equipment_type=form.cleaned_data["equipment_type"],
            serial_numbers=[form.cleaned_data["serial_number"]], received_on=form.cleaned_data["received_on"],
            note=form.cleaned_data["note"], user=request.user,
        )  # fmt: skip
        return item

    def service_update(self, request, obj, form):
        return services.item_update(
            item=obj, warehouse=form.cleaned_data["warehouse"], received_on=form.cleaned_data["received_on"],
            note=form.cleaned_data["note"], user=request.user,
        )  # fmt: skip


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Stock comes in on the receive page (``services.stock_receive``) and goes out with issuances."""

    list_display = ["equipment_type", "warehouse", "quantity"]


@admin.register(Issuance)
class IssuanceAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Issuances, returns and losses are written on the commune's equipment page (``services``)."""

    list_display = ["equipment_type", "item", "quantity", "commune", "officer", "issued_on", "status"]
    list_filter = ["status", "equipment_type"]
    list_select_related = ["equipment_type", "item", "commune", "officer"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Hand-over and return records are made by the services as equipment is issued and returned."""

    list_display = ["__str__", "kind", "commune", "officer", "warehouse", "handed_on"]
    list_filter = ["kind"]
    list_select_related = ["commune", "officer", "warehouse"]
    date_hierarchy = "handed_on"
