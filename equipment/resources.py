"""Serial-numbered equipment in Excel: Mã loại, Số sê-ri, Kho, Ngày nhập, Ghi chú. A new (type, serial) pair
registers a unit in stock; a known one updates its warehouse, date and note (not its status, which moves through
issuance and returns)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from rollout.widgets import DayFirstDateWidget

from .models import EquipmentItem, EquipmentType, ItemStatus

COLUMN_TYPE = "Mã loại"
COLUMN_SERIAL = "Số sê-ri"
COLUMN_WAREHOUSE = "Kho"


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key written as a natural key; unknown values are row errors."""

    def __init__(self, model, field, label, queryset=None):
        super().__init__(model, field=field)
        self.label = label
        self._queryset = queryset

    def get_queryset(self, value, row, *args, **kwargs):
        return self._queryset if self._queryset is not None else self.model.objects.all()

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        instance = self.get_queryset(value, row).filter(**{self.field: str(value).strip()}).first()
        if instance is None:
            raise ValueError(_("Unknown %(what)s: %(value)s.") % {"what": self.label, "value": value})
        return instance


class EquipmentItemResource(resources.ModelResource):
    equipment_type = fields.Field(
        attribute="equipment_type", column_name=COLUMN_TYPE, widget=LookupWidget(EquipmentType, "code", "type")
    )
    serial_number = fields.Field(attribute="serial_number", column_name=COLUMN_SERIAL)
    warehouse = fields.Field(attribute="warehouse", column_name=COLUMN_WAREHOUSE)
    received_on = fields.Field(attribute="received_on", column_name="Ngày nhập", widget=DayFirstDateWidget())
    note = fields.Field(attribute="note", column_name="Ghi chú")

    class Meta:
        model = EquipmentItem
        fields = ("equipment_type", "serial_number", "warehouse", "received_on", "note")
        import_id_fields = ("equipment_type", "serial_number")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_instance = True

    def __init__(self, *, warehouses=None, user=None, **kwargs):
        super().__init__(**kwargs)
        from .models import Warehouse

        self.user = user
        self.fields["warehouse"].widget = LookupWidget(Warehouse, "name", "warehouse", queryset=warehouses)
        self._seen: dict[tuple, int] = {}

    def get_instance(self, instance_loader, row):
        try:
            equipment_type = self.fields["equipment_type"].clean(row)
        except ValueError as exc:
            raise ValidationError({"equipment_type": str(exc)}) from exc
        serial = str(row.get(COLUMN_SERIAL) or "").strip()
        if equipment_type is None or not serial:
            raise ValidationError({"serial_number": _("Both the type code and the serial number are needed.")})
        if not equipment_type.is_serialized:
            raise ValidationError({"equipment_type": _("This type is counted by quantity, not by serial number.")})
        key = (equipment_type.pk, serial)
        if key in self._seen:
            raise ValidationError({"serial_number": _("Already listed in row %(row)s.") % {"row": self._seen[key]}})
        self._seen[key] = len(self._seen) + 2
        return EquipmentItem.objects.filter(equipment_type=equipment_type, serial_number=serial).first()

    def before_save_instance(self, instance, row, **kwargs):
        if not instance.pk:
            instance.status = ItemStatus.IN_STOCK
        if self.user is not None:
            instance._history_user = self.user

    def dehydrate_warehouse(self, item):
        return item.warehouse.name
