import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from communes.models import District, Province
from personnel.choices import OfficerStatus
from personnel.forms import DateInput
from rollout.forms import BootstrapFormMixin
from rollout.services import validate_plan_date
from rollout.spreadsheets import XLSX_CONTENT_TYPE, read_dataset, validate_xlsx_upload

from .models import Course, TrainingSession

POLICE_NUMBER_HEADER = "Số hiệu"
_SEPARATORS = re.compile(r"[\s,;]+")


def parse_score(value) -> Decimal | None:
    """A score as typed in the form or found in a spreadsheet cell: blank is no score; otherwise a number from 0
    to 10 with at most two decimals, written with a decimal comma or point. Raises ``ValidationError``."""
    raw = "" if value is None else str(value).strip().replace(",", ".")
    if not raw:
        return None
    try:
        score = Decimal(raw)
    except InvalidOperation:
        raise forms.ValidationError(_("“%(value)s” is not a score.") % {"value": value}, code="invalid") from None
    # NaN and infinities parse, but cannot be compared: refuse them before comparing.
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(10) or score.as_tuple().exponent < -2:
        raise forms.ValidationError(_("A score lies between 0 and 10, with at most two decimals."), code="range")
    return score


class SessionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["course", "province", "starts_on", "ends_on", "place", "instructor", "capacity"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.roles import Scope

        self.fields["course"].queryset = Course.objects.filter(is_active=True)
        for name in ("starts_on", "ends_on"):  # a year typed wrong (1800, 2999) is refused next to the date
            self.fields[name].validators.append(validate_plan_date)
        scope = Scope.of(user)
        if scope.everything:
            self.fields["province"].queryset = Province.objects.all()
        else:
            self.fields["province"].queryset = Province.objects.filter(code=scope.province_code)
            self.fields["province"].initial = scope.province_code

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("A class cannot end before it starts."))
        if starts_on and starts_on.year < 2000:
            self.add_error("starts_on", _("The date is out of range."))
        return cleaned


class EnrolForm(BootstrapFormMixin, forms.Form):
    """Choose officers to enrol: by status and district, by police numbers typed or pasted, or by an Excel list
    of police numbers (column “Số hiệu”)."""

    status = forms.ChoiceField(
        label=_("All officers with status"),
        required=False,
        choices=[("", "—"), *[(s.value, s.label) for s in OfficerStatus if s != OfficerStatus.WITHDRAWN]],
    )
    district = forms.ModelChoiceField(label=_("in district"), required=False, queryset=District.objects.none())
    police_numbers = forms.CharField(
        label=_("Police numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "123-456, 234-567"}),
        help_text=_("Separated by commas, spaces or new lines."),
    )
    file = forms.FileField(
        label=_("or an Excel list (column “Số hiệu”)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_xlsx_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        numbers = {token for token in _SEPARATORS.split(cleaned.get("police_numbers") or "") if token}
        upload = cleaned.get("file")
        if upload:
            try:
                dataset = read_dataset(upload, required_headers=[POLICE_NUMBER_HEADER])
            except forms.ValidationError as exc:
                self.add_error("file", exc)
            else:
                numbers.update(str(v).strip() for v in dataset[POLICE_NUMBER_HEADER] if v not in (None, ""))
        cleaned["numbers"] = sorted(numbers)
        if not cleaned["numbers"] and not cleaned.get("status") and not self.errors:
            raise forms.ValidationError(_("Choose officers: a status, police numbers or an Excel list."))
        return cleaned


class ResultsForm(forms.Form):
    """One row per enrolled officer: attended, score (0–10, comma or point) and passed."""

    def __init__(self, *args, enrollments, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrollments = list(enrollments)
        for e in self.enrollments:
            self.fields[f"attended_{e.pk}"] = forms.BooleanField(
                required=False, initial=e.attended if e.attended is not None else True,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )  # fmt: skip
            self.fields[f"score_{e.pk}"] = forms.CharField(
                required=False, max_length=6, initial="" if e.score is None else str(e.score).replace(".", ","),
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "inputmode": "decimal"}),
            )  # fmt: skip
            self.fields[f"passed_{e.pk}"] = forms.BooleanField(
                required=False, initial=bool(e.passed),
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )  # fmt: skip

    def rows(self):
        return [(e, self[f"attended_{e.pk}"], self[f"score_{e.pk}"], self[f"passed_{e.pk}"]) for e in self.enrollments]

    def clean(self):
        cleaned = super().clean()
        for e in self.enrollments:
            if f"score_{e.pk}" not in self._errors:  # a score too long for the field is already refused
                try:
                    cleaned[f"score_{e.pk}"] = parse_score(cleaned.get(f"score_{e.pk}"))
                except forms.ValidationError as error:
                    self.add_error(f"score_{e.pk}", error)
            if cleaned.get(f"passed_{e.pk}") and not cleaned.get(f"attended_{e.pk}"):
                self.add_error(f"passed_{e.pk}", _("An officer who did not attend cannot pass."))
        return cleaned

    def result_rows(self):
        from .services import ResultRow

        return [
            ResultRow(
                enrollment_id=e.pk,
                attended=self.cleaned_data[f"attended_{e.pk}"],
                score=self.cleaned_data[f"score_{e.pk}"],
                passed=self.cleaned_data[f"passed_{e.pk}"],
            )
            for e in self.enrollments
        ]
