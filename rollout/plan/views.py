"""The plan pages: the plan with its phases, committee and task summary; editing the plan's settings, phases and
committee (administrators); the committee's tasks (provincial clerks and administrators write, everyone reads).

Every page reads through ``visible_to`` (``rollout.core.scoping``): the Committee and administrators see every
plan, clerks their province's; an object of a plan the user cannot see answers 404. Writes go through
``rollout.plan.services``.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from communes.models import Coverage
from personnel.views import form_errors_from
from rollout.core.views import PagedListMixin, ScopedObjectMixin
from rollout.models import CommitteeMember, Phase, PilotPlan, Task, TaskStatus
from rollout.plan import services
from rollout.plan.forms import MemberForm, PhaseForm, PilotPlanForm, TaskFilter, TaskForm, TaskStatusForm
from rollout.plan.selectors import (
    phase_commune_progress,
    phase_mark_state,
    plan_summaries,
    with_overdue,
    with_phase_coverage,
)


def _save_errors(form, error) -> None:
    """A service's refusal onto the form: a ``ValidationError`` next to its field, a ``PermissionDenied`` on top."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You may not change this."))
    else:
        form_errors_from(form, error)


def _back(request, default: str) -> str:
    """The page to return to: ``next`` when it is a page of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# --- the plan --------------------------------------------------------------------------------------------------


class PlanIndexView(PermissionRequiredMixin, TemplateView):
    """The plans the user can see, each with its settings, phases (with coverage), committee and tasks. A fixed
    number of queries: the plans with their task counts, then their phases, members and next open tasks."""

    permission_required = "rollout.view_pilotplan"
    template_name = "rollout/plan/index.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        plans = plan_summaries(PilotPlan.objects.visible_to(self.request.user).by_province(), today=today)
        return super().get_context_data(plans=plans, today=today, **kwargs)


class PlanEditView(ScopedObjectMixin, FormView):
    permission_required = "rollout.change_pilotplan"
    form_class = PilotPlanForm
    template_name = "rollout/plan/plan_form.html"

    def load_objects(self, request, **kwargs):
        self.plan = get_object_or_404(PilotPlan.objects.visible_to(request.user), pk=kwargs["pk"])

    def get_initial(self):
        return {name: getattr(self.plan, name) for name in services.PLAN_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.plan, **kwargs)

    def form_valid(self, form):
        try:
            services.plan_update(plan=self.plan, user=self.request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _save_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The plan's settings are saved."))
        return HttpResponseRedirect(reverse("plan:index"))


# --- phases ----------------------------------------------------------------------------------------------------


class SaveThroughServiceMixin:
    """A form whose cleaned data (less the plan) goes to ``save(plan, data)``, a service call; the service's
    refusals are shown on the form, a success is announced and followed by a redirect."""

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        plan = data.pop("plan", None)
        try:
            saved = self.save(plan, data)
        except (ValidationError, PermissionDenied) as error:
            _save_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message(saved))
        return HttpResponseRedirect(self.saved_url(saved))


class PhaseFormMixin(SaveThroughServiceMixin):
    form_class = PhaseForm
    template_name = "rollout/plan/phase_form.html"

    def saved_message(self, phase):
        return _("Saved: %(phase)s.") % {"phase": phase}

    def saved_url(self, phase):
        return reverse("plan:phase_detail", args=[phase.pk])


class ChoosePlanMixin:
    """A create form whose plan is chosen among the user's plans (preselected by ``?plan=``)."""

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("plan"):
            initial["plan"] = self.request.GET["plan"]
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plans": PilotPlan.objects.visible_to(self.request.user).by_province()}


class PhaseCreateView(PermissionRequiredMixin, ChoosePlanMixin, PhaseFormMixin, FormView):
    permission_required = "rollout.add_phase"

    def save(self, plan, data):
        return services.phase_create(plan=plan, user=self.request.user, **data)


class PhaseEditView(ScopedObjectMixin, PhaseFormMixin, FormView):
    permission_required = "rollout.change_phase"

    def load_objects(self, request, **kwargs):
        self.phase = get_object_or_404(
            Phase.objects.visible_to(request.user).select_related("plan__province"), pk=kwargs["pk"]
        )

    def get_initial(self):
        phase = self.phase
        return {"number": phase.number, "name": phase.name, "target_on": phase.target_on, "note": phase.note,
                "communes": [c.pk for c in phase.communes.all()]}  # fmt: skip

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plans": [], "fixed_plan": self.phase.plan, "phase_pk": self.phase.pk}

    def get_context_data(self, **kwargs):
        return super().get_context_data(phase=self.phase, **kwargs)

    def save(self, plan, data):
        return services.phase_update(phase=self.phase, user=self.request.user, **data)


class PhaseDetailView(ScopedObjectMixin, TemplateView):
    """A phase's communes with their coverage and progress (officers against the norm, trained, equipped)."""

    permission_required = "rollout.view_phase"
    template_name = "rollout/plan/phase_detail.html"

    def load_objects(self, request, **kwargs):
        self.phase = get_object_or_404(
            with_phase_coverage(Phase.objects.visible_to(request.user).select_related("plan__province")),
            pk=kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        phase = self.phase
        today = timezone.localdate()
        rows = phase_commune_progress(phase, user=self.request.user)
        labels = dict(Coverage.choices)
        communes = [
            {**row, "get_coverage_display": labels[row["coverage"]],
             "get_absolute_url": reverse("communes:commune_detail", args=[row["code"]])}
            for row in rows
        ]  # fmt: skip
        phase_mark_state(phase, today=today)
        return super().get_context_data(
            phase=phase, plan=phase.plan, communes=communes, today=today,
            communes_elsewhere=phase.communes_total - len(communes), **kwargs,
        )  # fmt: skip


# --- committee members -----------------------------------------------------------------------------------------


class MemberFormMixin(SaveThroughServiceMixin):
    form_class = MemberForm
    template_name = "rollout/plan/member_form.html"

    def saved_message(self, member):
        return _("Saved: %(member)s.") % {"member": member}

    def saved_url(self, member):
        return reverse("plan:index") + "#committee"


class MemberCreateView(PermissionRequiredMixin, ChoosePlanMixin, MemberFormMixin, FormView):
    permission_required = "rollout.add_committeemember"

    def save(self, plan, data):
        return services.member_create(plan=plan, user=self.request.user, **data)


class MemberEditView(ScopedObjectMixin, MemberFormMixin, FormView):
    permission_required = "rollout.change_committeemember"

    def load_objects(self, request, **kwargs):
        self.member = get_object_or_404(
            CommitteeMember.objects.visible_to(request.user).select_related("plan"),
            pk=kwargs["pk"],
        )

    def get_initial(self):
        return {name: getattr(self.member, name) for name in services.MEMBER_FIELDS}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plans": [], "fixed_plan": self.member.plan}

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.member, **kwargs)

    def save(self, plan, data):
        return services.member_update(member=self.member, user=self.request.user, **data)


# --- tasks -----------------------------------------------------------------------------------------------------


class TaskListView(PermissionRequiredMixin, PagedListMixin, FilterView):
    permission_required = "rollout.view_task"
    filterset_class = TaskFilter
    template_name = "rollout/plan/task_list.html"
    paginate_by = 25
    sort_options = {
        "deadline": ("deadline",),
        "task": ("title", "deadline"),
        "unit": ("unit", "deadline"),
        "province": ("plan__province__sort_key", "deadline"),
        "status": ("status", "deadline"),
        "completed_on": ("completed_on", "deadline"),
    }

    def get_queryset(self):
        tasks = Task.objects.visible_to(self.request.user).select_related("plan__province")
        return with_overdue(tasks, today=timezone.localdate()).order_by("deadline", "pk")

    def get_filterset_kwargs(self, filterset_class):
        return {
            **super().get_filterset_kwargs(filterset_class),
            "plans": PilotPlan.objects.visible_to(self.request.user).by_province(),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["total"] = context["paginator"].count if context.get("paginator") else len(self.object_list)
        context["statuses"] = TaskStatus.choices
        context["can_change"] = self.request.user.has_perm("rollout.change_task")
        context["show_plan"] = PilotPlan.objects.visible_to(self.request.user).count() > 1
        return context


class TaskFormMixin(SaveThroughServiceMixin):
    form_class = TaskForm
    template_name = "rollout/plan/task_form.html"

    def saved_message(self, task):
        return _("The task is saved.")

    def saved_url(self, task):
        return _back(self.request, reverse("plan:task_list"))


class TaskCreateView(PermissionRequiredMixin, TaskFormMixin, FormView):
    permission_required = "rollout.add_task"

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("plan"):
            initial["plan"] = self.request.GET["plan"]
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plans": PilotPlan.objects.visible_to(self.request.user).by_province()}

    def save(self, plan, data):
        return services.task_create(plan=plan, user=self.request.user, **data)


class TaskEditView(ScopedObjectMixin, TaskFormMixin, FormView):
    permission_required = "rollout.change_task"

    def load_objects(self, request, **kwargs):
        self.task = get_object_or_404(
            Task.objects.visible_to(request.user).select_related("plan", "created_by"), pk=kwargs["pk"]
        )

    def get_initial(self):
        task = self.task
        return {"title": task.title, "unit": task.unit, "deadline": task.deadline, "status": task.status,
                "completed_on": task.completed_on, "notes": task.notes}  # fmt: skip

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plans": [], "fixed_plan": self.task.plan}

    def get_context_data(self, **kwargs):
        return super().get_context_data(task=self.task, **kwargs)

    def save(self, plan, data):
        return services.task_update(task=self.task, user=self.request.user, **data)


class TaskStatusView(ScopedObjectMixin, View):
    """The quick status change of the task list (POST only): done sets the completion date to today."""

    permission_required = "rollout.change_task"
    http_method_names = ["post"]

    def load_objects(self, request, **kwargs):
        self.task = get_object_or_404(Task.objects.visible_to(request.user).select_related("plan"), pk=kwargs["pk"])

    def post(self, request, pk):
        back = _back(request, reverse("plan:task_list"))
        form = TaskStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown status: choose one from the list."))
            return HttpResponseRedirect(back)
        status = form.cleaned_data["status"]
        if status == TaskStatus.CANCELLED and self.task.status != status and request.POST.get("confirm") != "yes":
            return self.confirm_cancel(request, back)
        try:
            task = services.task_set_status(task=self.task, status=status, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("“%(task)s” is now: %(status)s.") % {"task": task.title, "status": task.get_status_display()}
            )
        return HttpResponseRedirect(back)

    def confirm_cancel(self, request, back: str):
        """Cancelling a task ends it: ask first, naming the task and its unit (a POST without ``confirm=yes``)."""
        task = self.task
        return render(request, "generic/confirm.html", {
            "title": _("Cancel the task"),
            "question": _("Cancel the task “%(task)s” of %(unit)s (deadline %(deadline)s)?")
            % {"task": task.title, "unit": task.unit, "deadline": f"{task.deadline:%d/%m/%Y}"},
            "consequences": [_("It no longer counts as open or overdue; its status can be changed back later.")],
            "action": reverse("plan:task_status", args=[task.pk]),
            "hidden": [("status", TaskStatus.CANCELLED), ("next", back)],
            "back": back,
            "confirm_label": _("Cancel the task"),
            "breadcrumbs": [(_("Plan"), reverse("plan:index")), (_("Tasks"), reverse("plan:task_list"))],
        })  # fmt: skip
