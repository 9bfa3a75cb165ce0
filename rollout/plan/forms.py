"""Forms of the plan pages: plan settings, phases, committee members, tasks, and the task list's filters.

The forms check the shape of the input (a date, a number in range, a known choice); the rules between fields
and rows are the services' (``rollout.plan.services``), whose errors the views put next to the fields.
"""

from itertools import groupby

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import Commune
from personnel.choices import Rank
from personnel.forms import DateInput
from rollout.core.dates import validate_rollout_date
from rollout.core.forms import BootstrapFormMixin
from rollout.core.text import fold
from rollout.models import MAX_TRAINING_GRACE_DAYS, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.plan.services import MAX_AGE_LIMIT, MAX_PHASE_NUMBER, MAX_STAFFING_NORM, MIN_AGE_LIMIT

UNKNOWN_PLAN = _("Unknown plan: choose one of the plans listed.")


class PlanChoiceMixin:
    """A ``plan`` field limited to the plans the user may change; hidden when there is only one."""

    def setup_plan_field(self, plans) -> list[PilotPlan]:
        """Limit the choices to ``plans`` (a queryset); returns them as a list."""
        field = self.fields["plan"]
        field.queryset = plans
        choices = list(plans)
        if len(choices) == 1:
            field.widget = forms.HiddenInput()
            field.initial = choices[0].pk
        return choices

    def chosen_plan(self, plans) -> PilotPlan | None:
        """The plan the form is about: the submitted one when it is valid, else the initial one."""
        value = self.data.get(self.add_prefix("plan")) if self.is_bound else self.initial.get("plan")
        value = getattr(value, "pk", value) or self.fields["plan"].initial
        return next((plan for plan in plans if str(plan.pk) == str(value)), None)


class PilotPlanForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    started_on = forms.DateField(label=_("Start date"), widget=DateInput(), validators=[validate_rollout_date])
    target_on = forms.DateField(label=_("Target date"), widget=DateInput(), validators=[validate_rollout_date])
    default_staffing_norm = forms.IntegerField(
        label=_("Default staffing norm"), min_value=1, max_value=MAX_STAFFING_NORM,
        help_text=_("Regular officers a commune post needs when the commune has no norm of its own."),
    )  # fmt: skip
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=MIN_AGE_LIMIT, max_value=MAX_AGE_LIMIT)
    max_age = forms.IntegerField(label=_("Maximum age"), min_value=MIN_AGE_LIMIT, max_value=MAX_AGE_LIMIT)
    min_rank = forms.TypedChoiceField(label=_("Minimum rank"), choices=Rank.choices, coerce=int)
    requires_vetting = forms.BooleanField(
        label=_("Vetting required"), required=False, help_text=_("Only officers who passed every vetting criterion.")
    )
    training_required_chief = forms.BooleanField(
        label=_("Training required before deployment: chief"), required=False,
        help_text=_("A chief must be trained (every mandatory course) by the start, plus the grace period."),
    )  # fmt: skip
    training_required_deputy = forms.BooleanField(
        label=_("Training required before deployment: deputy"), required=False
    )
    training_required_officer = forms.BooleanField(
        label=_("Training required before deployment: officer"), required=False
    )
    training_grace_days = forms.IntegerField(
        label=_("Training grace period (days)"), min_value=0, max_value=MAX_TRAINING_GRACE_DAYS, required=False,
        help_text=_("Days after the start of a post by which the officer must be trained; empty or 0: none."),
    )  # fmt: skip

    def clean_training_grace_days(self):
        return self.cleaned_data["training_grace_days"] or 0


class PhaseForm(PlanChoiceMixin, BootstrapFormMixin, forms.Form):
    """A phase: the communes are offered from the plan's province only, as checkboxes grouped by district."""

    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=PilotPlan.objects.none(), error_messages={"invalid_choice": UNKNOWN_PLAN}
    )
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=MAX_PHASE_NUMBER)
    name = forms.CharField(label=_("Name"), max_length=200)
    target_on = forms.DateField(label=_("Target date"), widget=DateInput(), validators=[validate_rollout_date])
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes"), required=False, queryset=Commune.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("%(value)s is not a commune of the plan's province."),
                        "invalid_pk_value": _("“%(pk)s” is not a commune code.")},
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, plans, fixed_plan=None, phase_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_plan is not None:  # editing: a phase stays in its plan
            del self.fields["plan"]
            self.selected_plan = fixed_plan
        else:
            self.selected_plan = self.chosen_plan(self.setup_plan_field(plans))
        self.phase_pk = phase_pk
        communes = Commune.objects.none()
        if self.selected_plan is not None:
            communes = (
                Commune.objects.filter(district__province_id=self.selected_plan.province_id)
                .select_related("district")
                .order_by("district_id", "sort_key", "code")
            )
        self.fields["communes"].queryset = communes

    def commune_groups(self):
        """[(district, [(commune, checkbox, number of the other phase holding it or None), ...]), ...] in the
        order of the districts' codes (two queries)."""
        taken = {}
        if self.selected_plan is not None:
            taken = dict(
                Phase.communes.through.objects.filter(phase__plan=self.selected_plan)
                .exclude(phase_id=self.phase_pk)
                .values_list("commune_id", "phase__number")
            )
        pairs = [(box.data["value"].instance, box) for box in self["communes"]]
        return [
            (district, [(commune, box, taken.get(commune.pk)) for commune, box in group])
            for district, group in groupby(pairs, key=lambda pair: pair[0].district)
        ]


class MemberForm(PlanChoiceMixin, BootstrapFormMixin, forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=PilotPlan.objects.none(), error_messages={"invalid_choice": UNKNOWN_PLAN}
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    unit = forms.CharField(label=_("Unit"), max_length=200)
    role = forms.ChoiceField(label=_("Role in the committee"), choices=CommitteeRole.choices)
    is_standing_body = forms.BooleanField(
        label=_("Standing body"), required=False,
        help_text=_("Part of the standing body (Cục Xây dựng phong trào bảo vệ an ninh Tổ quốc)."),
    )  # fmt: skip
    email = forms.EmailField(
        label=_("E-mail"), required=False, max_length=254, help_text=_("Progress reports are sent to this address.")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, plans, fixed_plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_plan is not None:
            del self.fields["plan"]
        else:
            self.setup_plan_field(plans)


class TaskForm(PlanChoiceMixin, BootstrapFormMixin, forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=PilotPlan.objects.none(), error_messages={"invalid_choice": UNKNOWN_PLAN}
    )
    title = forms.CharField(label=_("Task"), max_length=300)
    unit = forms.CharField(label=_("Responsible unit"), max_length=200)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput(), validators=[validate_rollout_date])
    status = forms.ChoiceField(
        label=_("Status"), choices=TaskStatus.choices, initial=TaskStatus.OPEN,
        error_messages={"invalid_choice": _("Unknown status: choose one from the list.")},
    )  # fmt: skip
    completed_on = forms.DateField(
        label=_("Completed on"), required=False, widget=DateInput(), validators=[validate_rollout_date],
        help_text=_("Only for a done task; empty means today."),
    )  # fmt: skip
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, plans, fixed_plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_plan is not None:
            del self.fields["plan"]
        else:
            self.setup_plan_field(plans)


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.choices)


class TaskFilter(django_filters.FilterSet):
    """The task list's filters: plan, status, overdue only, and an accent-insensitive search on the unit."""

    q = django_filters.CharFilter(label=_("Unit or task"), method="filter_search", max_length=100)
    plan = django_filters.ModelChoiceFilter(
        label=_("Plan"), queryset=PilotPlan.objects.none(), empty_label=_("All plans")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TaskStatus.choices, empty_label=_("Any status"))
    overdue = django_filters.ChoiceFilter(
        label=_("Deadline"), method="filter_overdue", choices=[("yes", _("Overdue only"))], empty_label=_("Any")
    )

    class Meta:
        model = Task
        fields = ["q", "plan", "status", "overdue"]

    def __init__(self, *args, plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plans is not None:
            self.filters["plan"].queryset = plans
            self.form.fields["plan"].queryset = plans

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value == "yes" else queryset

    def filter_search(self, queryset, name, value):
        """Units are few and repeat from task to task: the distinct units are read in one query and folded, so
        "phong to chuc" finds "Phòng Tổ chức cán bộ". The title matches as typed."""
        folded = fold(value)
        if not folded:
            return queryset
        units = queryset.order_by().values_list("unit", flat=True).distinct()
        matching = [unit for unit in units if folded in fold(unit)]
        return queryset.filter(Q(unit__in=matching) | Q(title__icontains=value.strip()))
