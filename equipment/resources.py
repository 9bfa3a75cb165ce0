"""Serial-numbered equipment in Excel: Mã loại, Số sê-ri, Kho, Ngày nhập, Ghi chú (and, read-only, the type's name
and the unit's status, which an export writes and an import ignores, so that an exported file imports back
unchanged). A new (type, serial) pair registers a unit in stock; a known one updates its warehouse, date and note
(not its status, which moves through issuance and returns). Warehouses and known units are limited to the
user's area; a (type, serial) pair listed twice, an unknown type or warehouse, a type counted by quantity and a
date that is not a date or is in the future are errors of their row and column. Rows are written through the
services, as on the receive page (``items_receive``, ``item_update``), which hold the rules the rows are checked
by."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from rollout.core.imports import CellRulesMixin
from rollout.core.widgets import DayFirstDateWidget

from . import services
from .models import EquipmentItem, EquipmentType, ItemStatus, Warehouse

COLUMN_TYPE = "Mã loại"
COLUMN_TYPE_NAME = "Loại trang bị"
COLUMN_SERIAL = "Số sê-ri"
COLUMN_WAREHOUSE = "Kho"
COLUMN_RECEIVED_ON = "Ngày nhập"
COLUMN_STATUS = "Tình trạng"
COLUMN_NOTE = "Ghi chú"

# What to write in each column, for the template's instruction sheet.
COLUMN_HELP = {
    COLUMN_TYPE: gettext_lazy("The equipment type's code, e.g. may-bo-dam (only types counted by serial number)."),
    COLUMN_SERIAL: gettext_lazy("The unit's serial number; with the type code it identifies the unit."),
    COLUMN_WAREHOUSE: gettext_lazy("The warehouse's name, as in the list of warehouses."),
    COLUMN_RECEIVED_ON: gettext_lazy("dd/mm/yyyy, not in the future."),
    COLUMN_NOTE: gettext_lazy("Any note."),
}


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


class TextWidget(widgets.Widget):
    """Text; a blank cell is the empty text (the columns are NOT NULL)."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a serial number typed as a number
        return str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return value or ""


class StatusWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return str(ItemStatus(value).label) if value else ""


class EquipmentItemResource(CellRulesMixin, resources.ModelResource):
    equipment_type = fields.Field(
        attribute="equipment_type", column_name=COLUMN_TYPE, widget=LookupWidget(EquipmentType, "code", "type")
    )
    type_name = fields.Field(attribute="equipment_type__name", column_name=COLUMN_TYPE_NAME, readonly=True)
    serial_number = fields.Field(attribute="serial_number", column_name=COLUMN_SERIAL, widget=TextWidget())
    warehouse = fields.Field(attribute="warehouse", column_name=COLUMN_WAREHOUSE)
    status = fields.Field(attribute="status", column_name=COLUMN_STATUS, readonly=True, widget=StatusWidget())
    received_on = fields.Field(attribute="received_on", column_name=COLUMN_RECEIVED_ON, widget=DayFirstDateWidget())
    note = fields.Field(attribute="note", column_name=COLUMN_NOTE, widget=TextWidget())

    class Meta:
        model = EquipmentItem
        fields = ("equipment_type", "type_name", "serial_number", "warehouse", "status", "received_on", "note")
        import_id_fields = ("equipment_type", "serial_number")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_instance = True

    def __init__(self, *, warehouses=None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.warehouses = warehouses
        self.fields["warehouse"].widget = LookupWidget(Warehouse, "name", "warehouse", queryset=warehouses)
        self._rows_by_key: dict[tuple[str, str], int] = {}
        self._sheet_row_numbers: list[int] | None = None

    def get_queryset(self):
        return EquipmentItem.objects.select_related("equipment_type", "warehouse")

    @staticmethod
    def _key(row) -> tuple[str, str]:
        return (
            str(row.get(COLUMN_TYPE) or "").strip(),
            TextWidget().clean(row.get(COLUMN_SERIAL)),
        )

    def before_import(self, dataset, **kwargs):
        """Start the check for units listed twice, once per file."""
        self._rows_by_key = {}
        self._sheet_row_numbers = getattr(dataset, "sheet_row_numbers", None)

    def before_import_row(self, row, **kwargs):
        """A unit listed twice is an error of the second row, which names the first one's row in the sheet."""
        key = self._key(row)
        if not all(key):
            return
        number = kwargs.get("row_number")
        first = self._rows_by_key.setdefault(key, number)
        if first != number:
            numbers = self._sheet_row_numbers
            first_row = numbers[first - 1] if numbers and first and first <= len(numbers) else (first or 0) + 1
            raise ValidationError({"serial_number": _("Already listed in row %(row)s.") % {"row": first_row}})

    def get_instance(self, instance_loader, row):
        try:
            equipment_type = self.fields["equipment_type"].clean(row)
        except ValueError as exc:
            raise ValidationError({"equipment_type": str(exc)}) from exc
        serial = TextWidget().clean(row.get(COLUMN_SERIAL))
        if equipment_type is None or not serial:
            raise ValidationError({"serial_number": _("Both the type code and the serial number are needed.")})
        services.validate_serialized(equipment_type)
        item = self.get_queryset().filter(equipment_type=equipment_type, serial_number=serial).first()
        if (
            item is not None
            and self.warehouses is not None
            and not self.warehouses.filter(pk=item.warehouse_id).exists()
        ):
            raise ValidationError(
                {"serial_number": _("This unit is registered in a warehouse outside your area (%(warehouse)s).")
                 % {"warehouse": item.warehouse}}
            )  # fmt: skip
        return item

    def describe_row(self, row, instance) -> str:
        """The row's record in the preview: the type code and the serial number ("may-bo-dam · BD-100")."""
        return " · ".join(part for part in self._key(row) if part)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "received_on" not in errors and instance.received_on:
            try:
                services.validate_received_on(instance.received_on)
            except ValidationError as exc:
                errors["received_on"] = exc.messages
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        """A new unit is received into stock, a known one corrected, through the services."""
        if is_create:
            (saved,) = services.items_receive(
                warehouse=instance.warehouse, equipment_type=instance.equipment_type,
                serial_numbers=[instance.serial_number], received_on=instance.received_on, note=instance.note,
                user=self.user,
            )  # fmt: skip
        else:
            saved = services.item_update(
                item=instance, warehouse=instance.warehouse, received_on=instance.received_on, note=instance.note,
                user=self.user,
            )  # fmt: skip
        instance.pk, instance.status = saved.pk, saved.status  # the preview reports the saved unit
