import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from personnel.forms import DateInput
from personnel.models import Officer
from rollout.core.dates import validate_rollout_date
from rollout.core.forms import BootstrapFormMixin

from .models import EquipmentItem, EquipmentType, ReturnCondition, StockLevel, Warehouse
from .services import validate_received_on


class ReceiveForm(BootstrapFormMixin, forms.Form):
    """Receive stock: serial numbers for serial-numbered types, a quantity for the others."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    equipment_type = forms.ModelChoiceField(label=_("Equipment type"), queryset=EquipmentType.objects.all())
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), validators=[validate_rollout_date])
    serial_numbers = forms.CharField(
        label=_("Serial numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For serial-numbered types: one per line, or separated by commas."),
    )
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1, max_value=100_000)

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        validate_received_on(value)
        return value

    def clean(self):
        cleaned = super().clean()
        equipment_type = cleaned.get("equipment_type")
        numbers = [n.strip() for n in (cleaned.get("serial_numbers") or "").replace(",", "\n").splitlines()]
        cleaned["serials"] = [n for n in numbers if n]
        if equipment_type is not None:
            if equipment_type.is_serialized and not cleaned["serials"]:
                self.add_error("serial_numbers", _("Give the serial number of each unit."))
            if not equipment_type.is_serialized and not cleaned.get("quantity"):
                self.add_error("quantity", _("Give the number of units received."))
        return cleaned


class StockPicker(forms.Select):
    """A list box of what may be issued, grouped by type; each option carries its warehouse and the words it is
    found by (``static/js/stock_picker.js`` filters the list as the clerk types; without it, the list works as
    it is)."""

    def __init__(self, attrs=None):
        super().__init__({"size": 8, "data-stock-picker": "", **(attrs or {})})
        self.option_data: dict[str, dict[str, str]] = {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update({
            "data-filter-label": _("Search the stock"),
            "data-filter-placeholder": _("Serial number or type, e.g. BD-0001, bộ đàm"),
            "data-count-text": _("%(n)s shown"),
        })  # fmt: skip
        return context

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_data.get(str(value), {}))
        return option


class StockPickField(forms.ChoiceField):
    """The choices are what is in stock when the page is drawn; a value sent from an older page is looked up by
    the form (and refused with its reason), not answered with "not one of the choices"."""

    def valid_value(self, value):
        return True


class IssueForm(BootstrapFormMixin, forms.Form):
    """Issue what is picked from the stock of the user's warehouses: a serial-numbered unit, or a quantity of a
    counted type. A unit issued or moved since the page was opened is refused by the service with its reason."""

    warehouse = forms.ModelChoiceField(
        label=_("From warehouse"), required=False, queryset=Warehouse.objects.none(),
        empty_label=_("Any of my warehouses"),
    )  # fmt: skip
    stock = StockPickField(
        label=_("Equipment"), widget=StockPicker(),
        help_text=_("Type a serial number or a type's name to narrow the list."),
        error_messages={"required": _("Choose the unit, or the counted type, to issue.")},
    )  # fmt: skip
    quantity = forms.IntegerField(
        label=_("Quantity"), required=False, min_value=1, max_value=10_000, initial=1,
        help_text=_("For types counted by quantity; a serial-numbered unit is one."),
    )  # fmt: skip
    officer = forms.ModelChoiceField(
        label=_("To officer"), required=False, queryset=Officer.objects.none(),
        help_text=_("Optional: an officer assigned to this commune."),
        error_messages={"invalid_choice": _("This officer is not assigned to this commune: equipment goes to the "
                                            "commune's own officers only.")},
    )  # fmt: skip
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput(), validators=[validate_rollout_date])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, warehouses, officers, items, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.warehouses = warehouses
        self.fields["warehouse"].queryset = warehouses
        self.fields["officer"].queryset = officers
        self.fields["issued_on"].initial = timezone.localdate()
        self.fields["token"].initial = uuid.uuid4()
        self._set_choices(items, levels)

    def _set_choices(self, items, levels):
        widget = self.fields["stock"].widget
        groups: dict[str, list] = {}
        for level in levels:
            value = f"level-{level.pk}"
            label = _("%(available)s %(unit)s in stock · %(warehouse)s") % {
                "available": level.quantity, "unit": level.equipment_type.unit, "warehouse": level.warehouse,
            }  # fmt: skip
            groups.setdefault(level.equipment_type.name, []).append((value, label))
            widget.option_data[value] = {
                "data-warehouse": str(level.warehouse_id), "data-available": str(level.quantity),
                "data-search": f"{level.equipment_type.name} {level.equipment_type.code}",
            }  # fmt: skip
        for item in items:
            value = f"item-{item.pk}"
            groups.setdefault(item.equipment_type.name, []).append((value, f"{item.serial_number} · {item.warehouse}"))
            widget.option_data[value] = {
                "data-warehouse": str(item.warehouse_id),
                "data-search": f"{item.serial_number} {item.equipment_type.name} {item.equipment_type.code}",
            }
        self.fields["stock"].choices = sorted(groups.items())

    def clean_issued_on(self):
        value = self.cleaned_data["issued_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Equipment cannot be issued in the future."))
        return value

    def clean_stock(self):
        """The picked unit or stock level, among all of the user's warehouses whatever its state now: one issued
        meanwhile is refused by the service, with the reason."""
        value = self.cleaned_data["stock"]
        kind, _sep, pk = value.partition("-")
        found = None
        if pk.isdigit() and kind == "item":
            found = (
                EquipmentItem.objects.filter(warehouse__in=self.warehouses, pk=pk)
                .select_related("equipment_type", "warehouse")
                .first()
            )
        elif pk.isdigit() and kind == "level":
            found = (
                StockLevel.objects.filter(warehouse__in=self.warehouses, pk=pk)
                .select_related("equipment_type", "warehouse")
                .first()
            )
        if found is None:
            raise forms.ValidationError(_("This equipment is not in the stock of your warehouses."))
        return found

    def clean(self):
        cleaned = super().clean()
        picked, warehouse = cleaned.get("stock"), cleaned.get("warehouse")
        if picked is None:
            return cleaned
        if warehouse is not None and picked.warehouse_id != warehouse.pk:
            self.add_error("stock", _("This is kept in %(kept)s, not in %(chosen)s.") % {
                "kept": picked.warehouse, "chosen": warehouse})  # fmt: skip
            return cleaned
        cleaned["warehouse"] = picked.warehouse
        cleaned["equipment_type"] = picked.equipment_type
        if isinstance(picked, EquipmentItem):
            cleaned["item"], cleaned["quantity"] = picked, 1
        else:
            cleaned["item"] = None
            if not cleaned.get("quantity") and "quantity" not in self.errors:
                self.add_error("quantity", _("Give the number of units."))
        return cleaned


class ReturnForm(BootstrapFormMixin, forms.Form):
    returned_on = forms.DateField(label=_("Returned on"), widget=DateInput(), validators=[validate_rollout_date])
    condition = forms.ChoiceField(label=_("Condition"), choices=ReturnCondition.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["returned_on"].initial = timezone.localdate()

    def clean_returned_on(self):
        value = self.cleaned_data["returned_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A return cannot be dated in the future."))
        return value


class LostForm(BootstrapFormMixin, forms.Form):
    lost_on = forms.DateField(label=_("Lost on"), widget=DateInput(), validators=[validate_rollout_date])
    note = forms.CharField(label=_("How it was lost"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lost_on"].initial = timezone.localdate()

    def clean_lost_on(self):
        value = self.cleaned_data["lost_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A loss cannot be dated in the future."))
        return value
