from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from personnel.forms import DateInput
from personnel.models import Officer
from rollout.core.dates import validate_rollout_date
from rollout.core.forms import BootstrapFormMixin

from .models import EquipmentItem, EquipmentType, ReturnCondition, Warehouse
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


class IssueForm(BootstrapFormMixin, forms.Form):
    equipment_type = forms.ModelChoiceField(label=_("Equipment type"), queryset=EquipmentType.objects.all())
    warehouse = forms.ModelChoiceField(label=_("From warehouse"), queryset=Warehouse.objects.none())
    serial_number = forms.CharField(label=_("Serial number"), required=False, max_length=60)
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1, max_value=10_000, initial=1)
    officer = forms.ModelChoiceField(
        label=_("To officer"), required=False, queryset=Officer.objects.none(),
        help_text=_("Optional: an officer assigned to this commune."),
        error_messages={"invalid_choice": _("This officer is not assigned to this commune: equipment goes to the "
                                            "commune's own officers only.")},
    )  # fmt: skip
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput(), validators=[validate_rollout_date])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, warehouses, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses
        self.fields["officer"].queryset = officers
        self.fields["issued_on"].initial = timezone.localdate()

    def clean_issued_on(self):
        value = self.cleaned_data["issued_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Equipment cannot be issued in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        equipment_type, warehouse = cleaned.get("equipment_type"), cleaned.get("warehouse")
        cleaned["item"] = None
        if equipment_type is not None and equipment_type.is_serialized:
            serial = (cleaned.get("serial_number") or "").strip()
            if not serial:
                self.add_error("serial_number", _("Give the serial number of the unit to issue."))
            else:
                item = EquipmentItem.objects.filter(equipment_type=equipment_type, serial_number=serial).first()
                if item is None:
                    self.add_error("serial_number", _("No %(type)s has serial number %(serial)s.") % {
                        "type": equipment_type, "serial": serial})  # fmt: skip
                cleaned["item"] = item
        elif equipment_type is not None and not cleaned.get("quantity"):
            self.add_error("quantity", _("Give the number of units."))
        if warehouse is None and "warehouse" not in self.errors:
            self.add_error("warehouse", _("Choose the warehouse."))
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
