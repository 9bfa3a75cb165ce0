"""Filters of the stock page: serial-numbered units by type, warehouse and status, searched by serial number;
the quantity stock by type and warehouse."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import EquipmentItem, EquipmentType, ItemStatus, Warehouse


class EquipmentItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Serial number"), method="filter_serial", max_length=60)
    equipment_type = django_filters.ModelChoiceFilter(
        label=_("Equipment type"), queryset=EquipmentType.objects.order_by("name"), empty_label=_("All types")
    )
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label=_("All warehouses")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ItemStatus.choices, empty_label=_("Any status"))

    class Meta:
        model = EquipmentItem
        fields = ["q", "equipment_type", "warehouse", "status"]

    def __init__(self, *args, warehouses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if warehouses is not None:
            self.filters["warehouse"].queryset = warehouses
            self.form.fields["warehouse"].queryset = warehouses

    def filter_serial(self, queryset, name, value):
        # Serial numbers are typed as printed on the unit: a part of one finds it, in any case.
        return queryset.filter(serial_number__icontains=value.strip())

    def levels(self, levels):
        """The quantity stock under the same type and warehouse filters (a status or serial number concerns
        serial-numbered units only)."""
        data = self.form.cleaned_data if self.is_valid() else {}
        if data.get("equipment_type"):
            levels = levels.filter(equipment_type=data["equipment_type"])
        if data.get("warehouse"):
            levels = levels.filter(warehouse=data["warehouse"])
        return levels
