import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import District, Province
from rollout.core import scoping
from rollout.core.dates import validate_rollout_date
from rollout.core.forms import BootstrapFormMixin

from .choices import AssignmentEndMode, AssignmentEndReason, OfficerStatus, Post, VettingCriterion
from .models import Language, Officer


class DateInput(forms.DateInput):
    """A text box that takes and shows dd/mm/yyyy (the browser's date picker would show the OS locale)."""

    def __init__(self, **kwargs):
        super().__init__(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, **kwargs)


class OfficerForm(BootstrapFormMixin, forms.ModelForm):
    """Particulars of an officer. Choices of province and district are limited to the clerk's area."""

    languages = forms.ModelMultipleChoiceField(
        label=_("Languages spoken"),
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Officer
        fields = [
            "police_number", "full_name", "birth_date", "gender", "ethnicity", "languages", "rank", "current_unit",
            "province", "district", "home_district", "education", "political_theory", "phone",
        ]  # fmt: skip
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = Province.objects.visible_to(user)
        districts = District.objects.visible_to(user).select_related("province")
        self.fields["province"].queryset = provinces
        self.fields["district"].queryset = districts
        self.fields["home_district"].queryset = District.objects.all()
        if provinces.count() == 1 and not self.instance.pk:
            self.fields["province"].initial = provinces.first()
        if scoping.sees_one_district(user):  # a district clerk's officers are managed by their district
            self.fields["district"].required = True
            if not self.instance.pk:
                self.fields["district"].initial = districts.first()

    def clean_police_number(self):
        return self.cleaned_data["police_number"].strip()

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())


TYPED_CRITERIA = [c for c in VettingCriterion if c != VettingCriterion.AGE]  # age follows from the birth date


class VettingForm(BootstrapFormMixin, forms.Form):
    """The selection criteria on one form: passed / failed / not decided, each with a note. Age is not typed:
    the service derives it from the birth date (``services.vetting_age_decision``). "All pass" (the button
    named ``all_pass``) records every criterion as passed, each on its own, keeping the notes typed."""

    RESULT_CHOICES = [("", _("Not decided")), ("pass", _("Passed")), ("fail", _("Failed"))]

    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput(), validators=[validate_rollout_date])
    all_pass = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, officer, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {v.criterion: v for v in officer.vettings.all()}
        self.fields["decided_on"].initial = timezone.localdate()
        for criterion in TYPED_CRITERIA:
            vetting = existing.get(criterion.value)
            self.fields[f"{criterion.value}_result"] = forms.ChoiceField(
                label=criterion.label,
                choices=self.RESULT_CHOICES,
                required=False,
                initial=("pass" if vetting.passed else "fail") if vetting else "",
                widget=forms.RadioSelect,
            )
            self.fields[f"{criterion.value}_note"] = forms.CharField(
                label=_("Note"), required=False, max_length=2000, initial=vetting.note if vetting else ""
            )

    def criteria_rows(self):
        return [(self[f"{c.value}_result"], self[f"{c.value}_note"]) for c in TYPED_CRITERIA]

    def clean_decided_on(self):
        value = self.cleaned_data["decided_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A decision cannot be dated in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        for criterion in TYPED_CRITERIA:
            name = f"{criterion.value}_result"
            result = cleaned.get(name)
            if cleaned.get("all_pass"):
                if result == "fail":
                    self.add_error(name, _("Marked as failed: change it, or save without “All pass”."))
                    continue
                cleaned[name] = result = "pass"
            note = (cleaned.get(f"{criterion.value}_note") or "").strip()
            if result == "fail" and not note:
                self.add_error(f"{criterion.value}_note", _("Say why the criterion failed."))
        return cleaned

    def decisions(self):
        from .services import VettingDecision

        return [
            VettingDecision(
                criterion=c.value,
                passed=self.cleaned_data[f"{c.value}_result"] == "pass",
                note=self.cleaned_data[f"{c.value}_note"].strip(),
            )
            for c in TYPED_CRITERIA
            if self.cleaned_data.get(f"{c.value}_result")
        ]


class AssignmentForm(BootstrapFormMixin, forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Officer (police number)"),
        queryset=Officer.objects.none(),
        to_field_name="police_number",
        widget=forms.TextInput(attrs={"placeholder": "123-456", "autocomplete": "off"}),
        error_messages={
            "invalid_choice": _("No officer available for assignment in your area has this police number.")
        },
    )
    post = forms.ChoiceField(label=_("Post"), choices=Post.choices, initial=Post.CHIEF)
    decision_number = forms.CharField(label=_("Decision number"), max_length=50)
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput(), validators=[validate_rollout_date])
    started_on = forms.DateField(label=_("Start date"), widget=DateInput(), validators=[validate_rollout_date])
    override_reason = forms.CharField(
        label=_("Override reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when the officer breaks a rule of the plan (eligibility, or training before deployment) and you "
            "decide to assign them anyway."
        ),
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["started_on"].initial = timezone.localdate()

    def clean_decision_number(self):
        return self.cleaned_data["decision_number"].strip()

    def clean(self):
        cleaned = super().clean()
        decision_date, started_on = cleaned.get("decision_date"), cleaned.get("started_on")
        if decision_date and decision_date > timezone.localdate():
            self.add_error("decision_date", _("A decision cannot be dated in the future."))
        if decision_date and started_on and started_on < decision_date:
            self.add_error("started_on", _("The start date cannot be before the decision date."))
        return cleaned


class SuggestionQueryForm(BootstrapFormMixin, forms.Form):
    """The assign page's query (GET): suggestions for which post, starting on which day."""

    post = forms.ChoiceField(label=_("Suggestions for the post"), choices=Post.choices, required=False)
    on = forms.DateField(label=_("Starting on"), widget=DateInput(), required=False, validators=[validate_rollout_date])

    def __init__(self, data, *, default_post, **kwargs):
        # What is not asked for shows (and counts) as the default, so the selector always says what is listed.
        defaults = {"post": default_post, "on": f"{timezone.localdate():%d/%m/%Y}"}
        data = {**defaults, **{name: data[name] for name in defaults if data.get(name)}}
        super().__init__(data, **kwargs)
        self.default_post = default_post

    def choice(self) -> tuple[str, datetime.date]:
        """(post, start date): what was asked for where valid, else chief-or-officer and today."""
        self.is_valid()  # an invalid field is left out of ``cleaned_data`` and shows its error
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("post") or self.default_post, cleaned.get("on") or timezone.localdate()


class AssignmentEndForm(BootstrapFormMixin, forms.Form):
    """Ending an assignment: recall, or hand over to a successor (an available officer of the province, by
    police number, with the decision that appoints them). The page shows a confirmation before anything is
    written; ``back`` says which page to return to."""

    mode = forms.ChoiceField(
        label=_("How the post is left"),
        choices=AssignmentEndMode.choices,
        initial=AssignmentEndMode.RECALL,
        widget=forms.RadioSelect,
    )
    ended_on = forms.DateField(label=_("End date"), widget=DateInput(), validators=[validate_rollout_date])
    end_reason = forms.ChoiceField(label=_("Reason"), choices=AssignmentEndReason.choices)
    end_note = forms.CharField(label=_("Note"), required=False, max_length=500)
    successor = forms.ModelChoiceField(
        label=_("Successor (police number)"),
        queryset=Officer.objects.none(),
        to_field_name="police_number",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "123-456", "autocomplete": "off"}),
        error_messages={
            "invalid_choice": _("No officer available for assignment in your area has this police number.")
        },
    )
    decision_number = forms.CharField(label=_("Successor's decision number"), max_length=50, required=False)
    decision_date = forms.DateField(
        label=_("Successor's decision date"), widget=DateInput(), required=False, validators=[validate_rollout_date]
    )
    override_reason = forms.CharField(
        label=_("Override reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the successor breaks a rule of the plan and you decide to hand over anyway."),
    )
    back = forms.ChoiceField(
        choices=[("commune", "commune"), ("assign", "assign"), ("officer", "officer")],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, assignment, successors, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.fields["ended_on"].initial = timezone.localdate()
        self.fields["successor"].queryset = successors

    def clean_ended_on(self):
        value = self.cleaned_data["ended_on"]
        if value < self.assignment.started_on:
            raise forms.ValidationError(_("The end date cannot be before the start date."))
        if value > timezone.localdate():
            raise forms.ValidationError(_("An assignment cannot end in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        cleaned["decision_number"] = (cleaned.get("decision_number") or "").strip()
        if cleaned.get("mode") != AssignmentEndMode.HAND_OVER:
            return cleaned
        for name in ("successor", "decision_number", "decision_date"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("A hand-over needs this."))
        decision_date, ended_on = cleaned.get("decision_date"), cleaned.get("ended_on")
        if decision_date and decision_date > timezone.localdate():
            self.add_error("decision_date", _("A decision cannot be dated in the future."))
        elif decision_date and ended_on and ended_on < decision_date:
            self.add_error("ended_on", _("The successor takes the post on this day: not before their decision."))
        return cleaned

    @property
    def is_hand_over(self) -> bool:
        return self.cleaned_data.get("mode") == AssignmentEndMode.HAND_OVER


class OfficerStatusForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=OfficerStatus.choices)
