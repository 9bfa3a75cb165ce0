"""The register's filters: an area the user may see (a province, one of its districts, one commune) and a day."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communes.models import Commune, District, Province
from personnel.forms import DateInput
from rollout.core import scoping
from rollout.core.dates import validate_rollout_date
from rollout.core.forms import BootstrapFormMixin
from rollout.models import PilotPlan


def _code(value) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class RegisterForm(BootstrapFormMixin, forms.Form):
    """``province``, ``district``, ``commune`` (GSO codes) and ``day`` (dd/mm/yyyy, today when empty). The choices
    are the user's: the provinces they may see with their communes loaded, that province's districts in their area,
    the communes of the district chosen (or of the province). A district clerk's area is their district."""

    province = forms.ChoiceField(label=_("Province"))
    district = forms.ChoiceField(label=_("District"), required=False)
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    day = forms.DateField(label=_("As of"), required=False, widget=DateInput())

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        communes = Commune.objects.visible_to(user)
        self.provinces = {
            p.code: p
            for p in Province.objects.visible_to(user)
            .filter(Exists(communes.filter(district__province=OuterRef("pk"))))
            .order_by("code")
        }
        province = self.provinces.get(_code(self.data.get("province"))) or self.default_province()
        self.chosen_province = province
        self.districts = (
            {d.code: d for d in District.objects.visible_to(user).filter(province=province).order_by("code")}
            if province
            else {}
        )
        district = self.districts.get(_code(self.data.get("district")))
        if scoping.sees_one_district(user) and len(self.districts) == 1:
            district = next(iter(self.districts.values()))
        in_area = communes.filter(district=district) if district else communes.filter(district__province=province)
        self.communes = {c.code: c for c in in_area.order_by("district_id", "code")} if province else {}

        self.fields["province"].choices = [(str(code), p.name) for code, p in self.provinces.items()]
        self.fields["province"].error_messages["invalid_choice"] = _(
            "There is no province with code “%(value)s” among the provinces you can see."
        )
        self.fields["district"].choices = [("", _("All districts"))] * (not scoping.sees_one_district(user)) + [
            (str(code), d.name) for code, d in self.districts.items()
        ]
        self.fields["district"].error_messages["invalid_choice"] = _(
            "There is no district with code “%(value)s” in this province in your area."
        )
        self.fields["commune"].choices = [("", pgettext_lazy("filter choice", "All communes"))] + [
            (str(code), c.name) for code, c in self.communes.items()
        ]
        self.fields["commune"].error_messages["invalid_choice"] = _(
            "There is no commune with code “%(value)s” in this district or province in your area."
        )
        self.fields["day"].error_messages["invalid"] = _("Enter the day as dd/mm/yyyy, for example 01/10/2026.")
        # Fields left out of the request take their defaults (the user's area, today): the form is always bound.
        defaults = {
            "province": str(province.code) if province else "",
            "district": str(district.code) if district else "",
            "day": f"{timezone.localdate():%d/%m/%Y}",
        }
        data = self.data.copy()
        for name, value in defaults.items():
            if not data.get(name):
                data[name] = value
        self.data = data

    def default_province(self) -> Province | None:
        """The user's own province; for who sees several, the first with a pilot plan, else the first."""
        scope = scoping.Scope.of(self.user)
        if scope.province_code in self.provinces:
            return self.provinces[scope.province_code]
        with_plan = PilotPlan.objects.filter(province_id__in=list(self.provinces)).order_by("province_id")
        code = with_plan.values_list("province_id", flat=True).first()
        if code is not None:
            return self.provinces[code]
        return next(iter(self.provinces.values()), None)

    def clean_province(self) -> Province:
        return self.provinces[int(self.cleaned_data["province"])]

    def clean_district(self) -> District | None:
        value = self.cleaned_data.get("district")
        return self.districts[int(value)] if value else None

    def clean_commune(self) -> Commune | None:
        value = self.cleaned_data.get("commune")
        return self.communes[int(value)] if value else None

    def clean_day(self) -> datetime.date:
        day = self.cleaned_data.get("day") or timezone.localdate()
        validate_rollout_date(day)
        if day > timezone.localdate():
            raise ValidationError(_("The register is kept up to today: choose today or a day before."), code="future")
        return day
