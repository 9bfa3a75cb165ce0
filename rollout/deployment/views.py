"""The deployment plan's pages: the plans of the user's area, making a plan, reviewing it (lock a pair, leave an
officer or a commune out, run again, export), approving chosen rows into assignments.

Reads go through ``visible_to`` (a district clerk sees the plans of their province, with the rows of their
district); writes through ``rollout.deployment.services``.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from accounts.audit import export_record
from communes.models import Commune, Province
from personnel.identifiers import can_see_identifiers, mask
from personnel.models import Officer
from personnel.views import form_errors_from
from rollout.core import scoping
from rollout.core.imports import xlsx_response
from rollout.core.views import PagedListMixin, ScopedObjectMixin
from rollout.deployment import services
from rollout.deployment.forms import ApprovalForm, DeploymentPlanForm
from rollout.deployment.proposal import (
    REASON_ELIGIBLE,
    REASON_HOME_DISTRICT,
    REASON_IN_TRAINING,
    REASON_LOCAL_LANGUAGE,
    REASON_PRIME_AGE,
    REASON_RANK,
    REASON_TRAINED,
)
from rollout.models import DeploymentPlan, DeploymentPlanStatus, DeploymentRow

REASON_LABELS = {
    REASON_ELIGIBLE: gettext_lazy("Eligible under the plan"),
    REASON_TRAINED: gettext_lazy("Trained: every mandatory course passed"),
    REASON_IN_TRAINING: gettext_lazy("In training"),
    REASON_LOCAL_LANGUAGE: gettext_lazy("Speaks a language of the commune's people"),
    REASON_HOME_DISTRICT: gettext_lazy("From this district"),
    REASON_PRIME_AGE: gettext_lazy("Aged 25–40"),
    REASON_RANK: gettext_lazy("Rank"),
}


def reasons_in_words(reasons) -> list[tuple[int, str]]:
    return [(points, str(REASON_LABELS.get(code, code))) for points, code in reasons or ()]


class PlanListView(PermissionRequiredMixin, PagedListMixin, ListView):
    permission_required = "rollout.view_deploymentplan"
    template_name = "rollout/deployment/plan_list.html"
    paginate_by = 30

    def get_queryset(self):
        return (
            DeploymentPlan.objects.visible_to(self.request.user)
            .select_related("province", "phase", "created_by", "approved_by")
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        provinces = Province.objects.visible_to(user).order_by("code") if user.has_perm(
            "rollout.add_deploymentplan"
        ) else Province.objects.none()  # fmt: skip
        return super().get_context_data(provinces=provinces, **kwargs)


class PlanCreateView(PermissionRequiredMixin, View):
    """Make a plan for a province: ``?province=`` (a provincial clerk's own by default)."""

    permission_required = "rollout.add_deploymentplan"
    template_name = "rollout/deployment/plan_form.html"

    def province(self, request) -> Province:
        scope = scoping.Scope.of(request.user)
        code = request.POST.get("province") or request.GET.get("province") or scope.province_code
        try:
            code = int(code)
        except (TypeError, ValueError):
            raise Http404 from None
        return get_object_or_404(Province.objects.visible_to(request.user), pk=code)

    def render_form(self, request, province, form, status=200):
        return render(request, self.template_name, {"form": form, "province": province}, status=status)

    def get(self, request):
        if not (request.GET.get("province") or scoping.Scope.of(request.user).province_code):
            return HttpResponseRedirect(reverse("deployment:plan_list"))
        province = self.province(request)
        form = DeploymentPlanForm(province_id=province.pk)
        phase = form.fields["phase"].queryset.filter(pk=_int(request.GET.get("phase"))).first()
        if phase is not None:  # from a phase's page
            form.initial["phase"] = phase.pk
        return self.render_form(request, province, form)

    def post(self, request):
        province = self.province(request)
        form = DeploymentPlanForm(request.POST, province_id=province.pk)
        if not form.is_valid():
            return self.render_form(request, province, form)
        data = form.cleaned_data
        try:
            plan = services.deployment_plan_create(
                user=request.user,
                province_id=province.pk,
                posts=data["posts"],
                starts_on=data["starts_on"],
                phase=data["phase"],
                communes=data["communes"],
                allow_overrides=data["allow_overrides"],
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.render_form(request, province, form, status=403)
        except ValidationError as error:
            form_errors_from(form, error)
            return self.render_form(request, province, form)
        messages.success(request, _("The plan is made: review it, then approve the rows you choose."))
        return HttpResponseRedirect(plan.get_absolute_url())


class PlanMixin(ScopedObjectMixin):
    permission_required = "rollout.view_deploymentplan"

    def load_objects(self, request, **kwargs):
        self.plan = get_object_or_404(
            DeploymentPlan.objects.visible_to(request.user).select_related("province", "phase", "created_by"),
            pk=kwargs["pk"],
        )

    def rows(self):
        """The plan's rows the user may see (a district clerk: their district's), with their people."""
        return (
            DeploymentRow.objects.visible_to(self.request.user)
            .filter(plan=self.plan)
            .select_related("commune__district", "officer", "runner_up", "assignment")
            .order_by("tier", "commune__district__sort_key", "commune__sort_key", "commune_id", "post", "slot")
        )


class PlanDetailView(PlanMixin, View):
    template_name = "rollout/deployment/plan_detail.html"

    def get(self, request, pk):
        return self.render_page(request, ApprovalForm(initial={"runs": self.plan.runs}))

    def render_page(self, request, form, *, problems=None, chosen=None, typed=None, status=200):
        plan, user = self.plan, request.user
        rows = list(self.rows())
        runner_up_posts = {row.officer_id: row for row in rows if row.officer_id}
        # Officers the user may not see (a district clerk: those managed elsewhere) are named only as such.
        people = {row.officer_id for row in rows} | {row.runner_up_id for row in rows}
        seen = set(Officer.objects.visible_to(user).filter(pk__in=people - {None}).values_list("pk", flat=True))
        for row in rows:
            row.officer_hidden = row.officer_id is not None and row.officer_id not in seen
            row.runner_up_hidden = row.runner_up_id is not None and row.runner_up_id not in seen
            row.reason_words = reasons_in_words(row.reasons)
            row.problems = (problems or {}).get(row.pk, [])
            row.is_chosen = row.pk in (chosen or ())
            row.typed_number = (typed or {}).get(("decision", row.pk), "")
            row.typed_reason = (typed or {}).get(("override", row.pk), "")
            row.runner_up_elsewhere = runner_up_posts.get(row.runner_up_id)
        may_change = (
            user.has_perm("rollout.change_deploymentplan")
            and scoping.is_writable(user, plan)
            and plan.status == DeploymentPlanStatus.DRAFT
        )
        may_approve = may_change and user.has_perm("rollout.approve_deploymentplan")
        context = {
            "plan": plan,
            "rows": rows,
            "filled": [row for row in rows if row.officer_id],
            "unfilled": [row for row in rows if not row.officer_id],
            "form": form,
            "general_problems": (problems or {}).get(None, []),
            "may_change": may_change,
            "may_approve": may_approve,
            "excluded_officers": plan.excluded_officers.visible_to(user).order_by("sort_key"),
            "excluded_communes": plan.excluded_communes.select_related("district").order_by("sort_key"),
            "chosen_communes": plan.communes.order_by("sort_key"),
            "score_gain": plan.total_score - plan.greedy_total_score,
        }
        return render(request, self.template_name, context, status=status)


class PlanWriteMixin(PlanMixin):
    permission_required = "rollout.change_deploymentplan"

    def done(self, request, message=None):
        if message:
            messages.success(request, message)
        return HttpResponseRedirect(self.plan.get_absolute_url())

    def refused(self, request, error):
        text = str(error) if isinstance(error, PermissionDenied) else " ".join(services._messages_of(error))
        messages.error(request, text)
        return HttpResponseRedirect(self.plan.get_absolute_url())


class PlanRunView(PlanWriteMixin, View):
    def post(self, request, pk):
        try:
            plan = services.deployment_plan_run(plan=self.plan, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            return self.refused(request, error)
        for lock in plan.dropped_locks:
            messages.warning(
                request,
                _("A locked pair no longer holds (the officer is no longer available or the post is filled): %(what)s.")
                % {"what": _lock_words(lock)},
            )
        return self.done(
            request,
            _("The plan was run again: %(filled)s of %(open)s posts filled.")
            % {"filled": plan.posts_filled, "open": plan.posts_open},
        )


def _lock_words(lock) -> str:
    commune = Commune.objects.filter(pk=lock.commune_id).first()
    officer = Officer.objects.filter(pk=lock.officer_id).first()
    return f"{commune or lock.commune_id} — {officer.full_name if officer else lock.officer_id}"


class RowLockView(PlanWriteMixin, View):
    """Lock or unlock a pair: ``row`` and ``locked`` (1 or 0) say which and how; the same POST twice is harmless."""

    def post(self, request, pk):
        row = DeploymentRow.objects.visible_to(request.user).filter(plan=self.plan, pk=_int(request.POST.get("row")))
        row = row.first()
        if row is None:
            messages.error(request, _("This row is no longer in the plan: the plan was run again."))
            return self.done(request)
        locked = request.POST.get("locked") == "1"
        try:
            services.deployment_row_lock(row=row, locked=locked, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            return self.refused(request, error)
        words = _("Locked: %(what)s. The next runs keep it.") if locked else _("Unlocked: %(what)s.")
        return self.done(request, words % {"what": f"{row.commune.name} — {row.officer.full_name}"})


class ExcludeView(PlanWriteMixin, View):
    """Leave out (``leave_out=1``) or take back (``0``) an ``officer`` or a ``commune`` (their ids)."""

    def post(self, request, pk):
        leave_out = request.POST.get("leave_out") == "1"
        officer = commune = None
        if request.POST.get("officer"):
            officer = Officer.objects.filter(pk=_int(request.POST.get("officer"))).first()
            if officer is None:
                raise Http404
        elif request.POST.get("commune"):
            commune = Commune.objects.select_related("district").filter(pk=_int(request.POST.get("commune"))).first()
            if commune is None:
                raise Http404
        try:
            services.deployment_plan_exclude(
                plan=self.plan, user=request.user, officer=officer, commune=commune, leave_out=leave_out
            )
        except (ValidationError, PermissionDenied) as error:
            return self.refused(request, error)
        what = officer.full_name if officer else commune.name
        if leave_out:
            message = _("Left out: %(what)s. Run the plan again to fill the posts without them.")
        else:
            message = _("Taken back into the plan: %(what)s. Run the plan again to consider them.")
        return self.done(request, message % {"what": what})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ApproveView(PlanDetailView):
    """Approve the chosen rows (``approve``: row ids) with their decision numbers (``decision_<id>``, else the
    pattern's) and override reasons (``override_<id>``): all or nothing."""

    permission_required = "rollout.approve_deploymentplan"

    def get(self, request, pk):
        return HttpResponseRedirect(self.plan.get_absolute_url())

    def post(self, request, pk):
        form = ApprovalForm(request.POST)
        chosen = [row_id for row_id in (_int(v) for v in request.POST.getlist("approve")) if row_id is not None]
        typed = {}
        for row_id in chosen:
            typed[("decision", row_id)] = request.POST.get(f"decision_{row_id}", "")[:50]
            typed[("override", row_id)] = request.POST.get(f"override_{row_id}", "")[:2000]
        if not form.is_valid():
            return self.render_page(request, form, chosen=chosen, typed=typed)
        data = form.cleaned_data
        if data["runs"] != self.plan.runs:  # the plan was run again: its rows are not those the clerk reviewed
            stale = {None: [_("The plan was run again since this page was opened: review it again.")]}
            return self.render_page(request, ApprovalForm(initial={"runs": self.plan.runs}), problems=stale, status=409)
        if not chosen:
            return self.render_page(
                request, form, problems={None: [_("Choose at least one row to approve.")]}, typed=typed
            )
        # Rows without a number of their own take the pattern's, in the page's order.
        blanks = [row_id for row_id in chosen if not typed[("decision", row_id)].strip()]
        generated = {}
        if blanks and data["pattern"]:
            try:
                numbers = services.decision_numbers(data["pattern"], data["first_number"] or 1, len(blanks))
            except ValidationError as error:
                form_errors_from(form, error)
                return self.render_page(request, form, chosen=chosen, typed=typed)
            order = {row.pk: position for position, row in enumerate(self.rows())}
            blanks.sort(key=lambda row_id: order.get(row_id, 0))
            generated = dict(zip(blanks, numbers, strict=True))
        approved = [
            services.ApprovedRow(
                row_id=row_id,
                decision_number=typed[("decision", row_id)].strip() or generated.get(row_id, ""),
                override_reason=typed[("override", row_id)],
            )
            for row_id in chosen
        ]
        visible = set(self.rows().filter(pk__in=chosen).values_list("pk", flat=True))
        if set(chosen) - visible:
            return self.render_page(
                request, form, problems={None: [_("A row chosen is not in your area.")]}, chosen=chosen, typed=typed
            )
        try:
            made = services.deployment_plan_approve(
                plan=self.plan,
                user=request.user,
                rows=approved,
                decision_date=data["decision_date"],
                started_on=data["started_on"],
                runs=data["runs"],
            )
        except services.ApprovalRefused as refusal:
            self.plan.refresh_from_db()
            stale = None in refusal.problems and data["runs"] != self.plan.runs
            return self.render_page(
                request, form, problems=refusal.problems, chosen=chosen, typed=typed, status=409 if stale else 200
            )
        except PermissionDenied as error:
            return self.render_page(request, form, problems={None: [str(error)]}, status=403)
        messages.success(
            request,
            _("Approved: %(count)s assignments made, with their decisions.") % {"count": len(made)},
        )
        return HttpResponseRedirect(self.plan.get_absolute_url())


class PlanExportView(PlanMixin, View):
    """The plan's rows in Excel, identifiers masked for roles that mask them; the export is recorded."""

    def get(self, request, pk):
        reveal = can_see_identifiers(request.user)
        headers = [
            _("GSO code"), _("Commune"), _("District"), _("Post"), _("Police number"), _("Full name"), _("Score"),
            _("Why"), _("Rules broken"), _("Runner-up"), _("Runner-up's score"), _("Why empty"), _("Locked"),
            _("Decision number"),
        ]  # fmt: skip
        rows, plan_rows = [], list(self.rows())
        people = {row.officer_id for row in plan_rows} | {row.runner_up_id for row in plan_rows}
        seen = set(Officer.objects.visible_to(request.user).filter(pk__in=people - {None}).values_list("pk", flat=True))
        hidden = str(_("An officer managed by another unit"))
        for row in plan_rows:
            number = row.officer.police_number if row.officer and row.officer_id in seen else ""
            name = (row.officer.full_name if row.officer_id in seen else hidden) if row.officer else ""
            runner_up = (row.runner_up.full_name if row.runner_up_id in seen else hidden) if row.runner_up else ""
            rows.append(
                [
                    row.commune_id,
                    row.commune.name,
                    row.commune.district.name,
                    row.get_post_display(),
                    number if reveal else mask(number),
                    name,
                    row.score,
                    "; ".join(f"+{points} {words}" for points, words in reasons_in_words(row.reasons)),
                    row.rule_violations,
                    runner_up,
                    row.runner_up_score,
                    row.unfilled_reason,
                    _("Yes") if row.is_locked else "",
                    row.assignment.decision_number if row.assignment else "",
                ]
            )
        name = f"phuong-an-bo-tri-{self.plan.pk}-{timezone.localdate():%Y%m%d}.xlsx"
        export_record(request, what=str(self.plan), file_name=name, rows=len(rows), identifiers_shown=reveal)
        return xlsx_response(name, headers, rows, sheet_title="Phương án bố trí")
