"""The subscription form: an area the user may see, how often, which files. The form checks the shape of the
input; the rules (the user's area, one subscription per area and frequency, an e-mail address) are the services'
(``rollout.subscriptions.services``), whose errors the views put next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from communes.models import District, Province
from rollout.core.forms import BootstrapFormMixin
from rollout.models import SubscriptionFrequency
from rollout.subscriptions.selectors import COUNTRY, subscribable_areas

FORMAT_CHOICES = [("xlsx", _("Excel workbook (XLSX)")), ("pdf", _("PDF"))]


class SubscriptionForm(BootstrapFormMixin, forms.Form):
    area = forms.ChoiceField(
        label=_("Area"),
        error_messages={
            "required": _("Choose the area of the report."),
            "invalid_choice": _(
                "Choose an area from the list: you may subscribe only to reports of areas you may see."
            ),
        },
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=SubscriptionFrequency.choices,
        widget=forms.RadioSelect,
        initial=SubscriptionFrequency.WEEKLY,
        error_messages={"required": _("Choose how often: weekly or monthly.")},
        help_text=_("Weekly: every Monday, the week before. Monthly: on the 1st, the month before."),
    )
    formats = forms.MultipleChoiceField(
        label=_("Files"),
        choices=FORMAT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["xlsx", "pdf"],
        error_messages={"required": _("Choose at least one format: Excel or PDF.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("— choose —")), *subscribable_areas(user)]

    def clean_area(self) -> tuple[Province | None, District | None]:
        """The chosen area as (province, district): (None, None) for the whole country."""
        value = self.cleaned_data["area"]
        if value == COUNTRY:
            return None, None
        kind, _sep, code = value.partition(":")
        if kind == "district":
            district = District.objects.select_related("province").get(pk=int(code))
            return district.province, district
        return Province.objects.get(pk=int(code)), None
