"""The form to ask for a progress report now: a period and a scope the user may see."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import Province
from personnel.forms import DateInput
from rollout.core.forms import BootstrapFormMixin

NATIONAL = "country"
MAX_PERIOD_DAYS = 366
EARLIEST = datetime.date(2000, 1, 1)


class ReportRequestForm(BootstrapFormMixin, forms.Form):
    scope = forms.ChoiceField(label=_("Scope"))
    period_start = forms.DateField(label=_("From"), widget=DateInput())
    period_end = forms.DateField(label=_("To"), widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The whole country is always offered to who may ask for reports; the provinces are the user's, if loaded.
        provinces = Province.objects.visible_to(user).filter(districts__isnull=False).distinct().order_by("code")
        self.provinces = {str(p.code): p for p in provinces}
        self.fields["scope"].choices = [
            (NATIONAL, _("Whole country")),
            *[(k, p.name) for k, p in self.provinces.items()],
        ]
        if len(self.provinces) == 1:
            self.fields["scope"].initial = next(iter(self.provinces))
        today = timezone.localdate()
        monday = today - datetime.timedelta(days=today.weekday() + 7)
        self.fields["period_start"].initial = monday
        self.fields["period_end"].initial = monday + datetime.timedelta(days=6)

    def clean_scope(self) -> Province | None:
        value = self.cleaned_data["scope"]
        return None if value == NATIONAL else self.provinces[value]

    def clean_period_start(self):
        start = self.cleaned_data["period_start"]
        if start < EARLIEST:
            raise forms.ValidationError(_("The period cannot start before 01/01/2000."), code="too_early")
        if start > timezone.localdate():
            raise forms.ValidationError(_("The period cannot start in the future."), code="future")
        return start

    def clean_period_end(self):
        end = self.cleaned_data["period_end"]
        if end > timezone.localdate():
            raise forms.ValidationError(_("The period cannot end in the future."), code="future")
        return end

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            if end < start:
                self.add_error(
                    "period_end", forms.ValidationError(_("The period cannot end before it starts."), code="order")
                )
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error(
                    "period_end",
                    forms.ValidationError(
                        _("A report covers at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}, code="too_long"
                    ),
                )
        return cleaned
