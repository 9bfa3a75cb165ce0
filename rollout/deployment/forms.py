"""The deployment plan's forms: making a plan, and the approval's common fields (the rows' own fields, a decision
number and an override reason per row, are read by the view)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Coverage
from personnel.forms import DateInput
from rollout.core.dates import validate_rollout_date
from rollout.core.forms import BootstrapFormMixin
from rollout.deployment.services import DECISION_NUMBER_MARK
from rollout.models import Phase, PlanPosts


class DeploymentPlanForm(BootstrapFormMixin, forms.Form):
    phase = forms.ModelChoiceField(
        label=_("Phase"),
        queryset=Phase.objects.none(),
        required=False,
        empty_label=_("Every phase (the whole province)"),
    )
    communes = forms.ModelMultipleChoiceField(
        label=_("Only these communes"),
        queryset=Commune.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to plan every commune of the phase or the province."),
    )
    posts = forms.ChoiceField(
        label=_("Posts to fill"), choices=PlanPosts.choices, initial=PlanPosts.CHIEFS, widget=forms.RadioSelect
    )
    starts_on = forms.DateField(
        label=_("Start date of the posts"), widget=DateInput(), validators=[validate_rollout_date]
    )
    allow_overrides = forms.BooleanField(
        label=_("Propose officers who break a rule where nobody keeps them"),
        required=False,
        help_text=_("Each such row is marked and needs a written reason on approval."),
    )

    def __init__(self, *args, province_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = Phase.objects.filter(plan__province_id=province_id).order_by("number")
        self.fields["communes"].queryset = (
            Commune.objects.filter(district__province_id=province_id)
            .exclude(coverage=Coverage.BASELINE)
            .select_related("district")
            .order_by("district__sort_key", "sort_key", "code")
        )
        self.fields["communes"].label_from_instance = lambda c: f"{c.name} ({c.district.name})"
        self.fields["starts_on"].initial = timezone.localdate()


class ApprovalForm(BootstrapFormMixin, forms.Form):
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput(), validators=[validate_rollout_date])
    started_on = forms.DateField(label=_("Start date"), widget=DateInput(), validators=[validate_rollout_date])
    pattern = forms.CharField(
        label=_("Decision numbers"),
        max_length=50,
        required=False,
        help_text=_("For the rows without a number of their own: {n} is replaced by the first number, then the next."),
        widget=forms.TextInput(attrs={"placeholder": f"{DECISION_NUMBER_MARK}/QĐ-CAT"}),
    )
    first_number = forms.IntegerField(label=_("First number"), min_value=1, max_value=999_999, required=False)
    runs = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["decision_date"].initial = today
        self.fields["started_on"].initial = today
