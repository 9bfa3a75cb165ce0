import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from communes.models import District, Province
from personnel.choices import OfficerStatus
from personnel.forms import DateInput
from rollout.core.dates import validate_rollout_date
from rollout.core.forms import BootstrapFormMixin
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE, read_dataset, validate_xlsx_upload

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
        self.fields["course"].queryset = Course.objects.filter(is_active=True)
        for name in ("starts_on", "ends_on"):  # a year typed wrong (1800, 2999) is refused next to the date
            self.fields[name].validators.append(validate_rollout_date)
        provinces = Province.objects.visible_to(user)
        self.fields["province"].queryset = provinces
        if len(provinces) == 1:
            self.fields["province"].initial = provinces[0]

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


ATTENDANCE_CHOICES = [("", _("— not recorded")), ("yes", _("Present")), ("no", _("Absent"))]
RESULT_CHOICES = [("", _("— not recorded")), ("yes", _("Passed")), ("no", _("Failed"))]
_TRI_STATE = {"": None, "yes": True, "no": False}
_TRI_STATE_VALUE = {None: "", True: "yes", False: "no"}


def _score_text(score) -> str:
    return "" if score is None else format(score.normalize(), "f").replace(".", ",")


def shown_token(result) -> str:
    """What a row showed when the page was opened, posted back with it: "attended|score|passed"."""
    return "|".join((_TRI_STATE_VALUE[result.attended], "" if result.score is None else str(result.score),
                     _TRI_STATE_VALUE[result.passed]))  # fmt: skip


def parse_shown_token(token: str):
    from .services import Result

    attended, score, passed = token.split("|")
    return Result(_TRI_STATE[attended], parse_score(score), _TRI_STATE[passed])


class ResultsForm(forms.Form):
    """One row per enrolment the page shows: attendance (not recorded / present / absent), score (0–10, comma or
    point) and result (not recorded / passed / failed), each starting from what is recorded.

    Every row posts what it showed (``shown_<id>``) with its fields: a row is saved only when the clerk changed
    it, and enrolments whose fields are not all in the post (enrolled after the page was opened, or a post
    carrying nothing) are left alone. The service refuses a changed row that someone else changed meanwhile."""

    def __init__(self, *args, enrollments, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import Result

        self.enrollments = list(enrollments)
        for e in self.enrollments:
            current = Result.of(e)
            self.fields[f"attended_{e.pk}"] = forms.ChoiceField(
                required=False, choices=ATTENDANCE_CHOICES, initial=_TRI_STATE_VALUE[e.attended],
                widget=forms.Select(attrs={"class": "form-select form-select-sm result-select",
                                           "data-part": "attended"}),
            )  # fmt: skip
            self.fields[f"score_{e.pk}"] = forms.CharField(
                required=False, max_length=6, initial=_score_text(e.score),
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "inputmode": "decimal",
                                              "data-part": "score", "size": 5}),
            )  # fmt: skip
            self.fields[f"passed_{e.pk}"] = forms.ChoiceField(
                required=False, choices=RESULT_CHOICES, initial=_TRI_STATE_VALUE[e.passed],
                widget=forms.Select(attrs={"class": "form-select form-select-sm result-select",
                                           "data-part": "passed"}),
            )  # fmt: skip
            self.fields[f"shown_{e.pk}"] = forms.CharField(
                required=False, initial=shown_token(current), widget=forms.HiddenInput
            )

    def _posted(self, e) -> bool:
        return all(f"{part}_{e.pk}" in self.data for part in ("attended", "score", "passed", "shown"))

    def rows(self):
        return [(e, self[f"attended_{e.pk}"], self[f"score_{e.pk}"], self[f"passed_{e.pk}"], self[f"shown_{e.pk}"])
                for e in self.enrollments]  # fmt: skip

    @property
    def posted(self) -> list:
        """The enrolments the post carries whole."""
        return [e for e in self.enrollments if self._posted(e)]

    @property
    def not_posted(self) -> list:
        return [e for e in self.enrollments if not self._posted(e)]

    def clean(self):
        from .services import Result, validate_result

        cleaned = super().clean()
        for e in self.posted:
            if f"score_{e.pk}" not in self._errors:  # a score too long for the field is already refused
                try:
                    cleaned[f"score_{e.pk}"] = parse_score(cleaned.get(f"score_{e.pk}"))
                except forms.ValidationError as error:
                    self.add_error(f"score_{e.pk}", error)
            entered = Result(_TRI_STATE.get(cleaned.get(f"attended_{e.pk}")), cleaned.get(f"score_{e.pk}"),
                             _TRI_STATE.get(cleaned.get(f"passed_{e.pk}")))  # fmt: skip
            try:
                validate_result(entered)
            except forms.ValidationError as error:
                for part, messages in error.message_dict.items():
                    self.add_error(f"{part}_{e.pk}", messages)
            try:
                cleaned[f"shown_{e.pk}"] = parse_shown_token(cleaned.get(f"shown_{e.pk}") or "")
            except (ValueError, KeyError, forms.ValidationError):
                self.add_error(f"passed_{e.pk}", _("This row is out of date: open the page again."))
        return cleaned

    def result_rows(self):
        """The rows the clerk changed (what they entered differs from what the row showed)."""
        from .services import ResultRow

        rows = []
        for e in self.posted:
            row = ResultRow(
                enrollment_id=e.pk,
                attended=_TRI_STATE[self.cleaned_data[f"attended_{e.pk}"]],
                score=self.cleaned_data[f"score_{e.pk}"],
                passed=_TRI_STATE[self.cleaned_data[f"passed_{e.pk}"]],
                shown=self.cleaned_data[f"shown_{e.pk}"],
            )
            if row.result != row.shown:
                rows.append(row)
        return rows

    def refreshed_data(self):
        """The post to show again after a refused save: rows the clerk changed keep what they entered, every
        other row (untouched, or enrolled since) shows what is recorded now; each row now "showed" what is
        recorded now, so saving again is a deliberate choice over someone else's entry."""
        from .services import Result

        data = self.data.copy()
        changed = {row.enrollment_id for row in self.result_rows()} if hasattr(self, "cleaned_data") else set()
        for e in self.enrollments:
            current = Result.of(e)
            if e.pk not in changed:
                data[f"attended_{e.pk}"] = _TRI_STATE_VALUE[e.attended]
                data[f"score_{e.pk}"] = _score_text(e.score)
                data[f"passed_{e.pk}"] = _TRI_STATE_VALUE[e.passed]
            data[f"shown_{e.pk}"] = shown_token(current)
        return data


class PriorTrainingForm(BootstrapFormMixin, forms.Form):
    """A course passed before or outside this system's classes."""

    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.filter(is_active=True))
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput(), validators=[validate_rollout_date])
    provider = forms.CharField(label=_("Provider"), max_length=200,
                               help_text=_("The school or unit that gave the training."))  # fmt: skip
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=DateInput(), validators=[validate_rollout_date],
        help_text=_("Empty: from the course's validity."),
    )  # fmt: skip
    certificate_file = forms.FileField(
        label=_("Scanned certificate (PDF, JPEG or PNG, at most 5 MB)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )  # fmt: skip

    def clean_certificate_file(self):
        upload = self.cleaned_data.get("certificate_file")
        if upload:
            validate_certificate_upload(upload)
        return upload


CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024
_CERTIFICATE_SIGNATURES = {".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",),
                           ".jpeg": (b"\xff\xd8\xff",)}  # fmt: skip


def validate_certificate_upload(upload) -> None:
    """A scanned certificate is a PDF, JPEG or PNG of at most 5 MB whose content matches its name."""
    import pathlib

    if upload.size > CERTIFICATE_MAX_BYTES:
        raise forms.ValidationError(_("The file is larger than 5 MB."), code="size")
    extension = pathlib.PurePath(upload.name or "").suffix.lower()
    signatures = _CERTIFICATE_SIGNATURES.get(extension)
    if signatures is None:
        raise forms.ValidationError(_("Give a PDF, JPEG or PNG file."), code="type")
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(signatures):
        raise forms.ValidationError(_("The file's content is not a %(kind)s.") % {"kind": extension[1:].upper()},
                                    code="content")  # fmt: skip
