from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from accounts.audit import export_record
from communes.models import Commune, District
from rollout.core.imports import ImportView, resource_rows, template_response, xlsx_response
from rollout.core.views import PagedListMixin, ScopedObjectMixin, VisibleToMixin, sorted_by

from . import services
from .choices import STATUS_TRANSITIONS, AssignmentEndMode, OfficerStatus, Post
from .filters import OfficerFilter, officer_sorts
from .forms import (
    AssignmentEndForm,
    AssignmentForm,
    OfficerForm,
    OfficerStatusForm,
    SuggestionQueryForm,
    VettingForm,
)
from .identifiers import can_see_identifiers
from .models import Assignment, Officer
from .readers import officer_history_entries, officer_page, plan_for
from .resources import COLUMN_HELP as OFFICER_COLUMN_HELP
from .resources import COLUMN_POLICE_NUMBER, OfficerResource
from .selectors import (
    assignment_end_state,
    available_officers,
    default_post,
    officer_history,
    officer_suggestions,
)


def form_errors_from(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` onto the form, next to the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class OfficerListView(VisibleToMixin, PagedListMixin, FilterView):
    permission_required = "personnel.view_officer"
    queryset = Officer.objects.select_related("district", "province").prefetch_related("languages")
    filterset_class = OfficerFilter
    template_name = "personnel/officer_list.html"

    def get_sort_options(self):
        return officer_sorts(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["districts"] = District.objects.filter(
            pk__in=Commune.objects.visible_to(self.request.user).values("district_id")
        ).order_by("code")
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["total"] = context["paginator"].count if context.get("paginator") else len(self.object_list)
        context["can_sort_identifiers"] = "police_number" in self.get_sort_options()
        return context


class OfficerDetailView(VisibleToMixin, DetailView):
    permission_required = "personnel.view_officer"
    queryset = Officer.objects.select_related("district", "province", "home_district").prefetch_related(
        "languages",
        "vettings__decided_by",
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("commune__district", "overridden_by", "created_by"),
        ),
    )
    template_name = "personnel/officer_detail.html"

    def get_context_data(self, **kwargs):
        officer = self.object
        context = super().get_context_data(**kwargs)
        # Training and equipment sit above personnel: their sections of the page and of the history are what
        # they registered (``personnel.readers``), under their own keys ("training", "equipment").
        also = [entry for entries in officer_history_entries.read(officer).values() for entry in entries]
        context["history"] = officer_history(
            officer, reveal_identifiers=can_see_identifiers(self.request.user), also=also
        )
        context.update(officer_page.read(officer))
        context["today"] = timezone.localdate()
        context["vettings"] = {v.criterion: v for v in officer.vettings.all()}
        context["status_form"] = OfficerStatusForm()
        # Deployment and vetting have their own pages; *ready* follows the training, so it is offered only to an
        # officer who is trained (the service would refuse anyone else, naming the missing courses).
        by_hand_never = {OfficerStatus.DEPLOYED, OfficerStatus.VETTED}
        if not context["training"]["trained"]:
            by_hand_never.add(OfficerStatus.READY)
        context["next_statuses"] = [
            (s, OfficerStatus(s).label)
            for s in OfficerStatus.values
            if s in STATUS_TRANSITIONS[officer.status] and s not in by_hand_never
        ]
        return context


class OfficerFormMixin(PermissionRequiredMixin):
    form_class = OfficerForm
    template_name = "personnel/officer_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        fields = {k: v for k, v in form.cleaned_data.items() if k != "languages"}
        try:
            officer = self.save(form, fields, form.cleaned_data["languages"])
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved %(officer)s.") % {"officer": officer})
        return HttpResponseRedirect(officer.get_absolute_url())


class OfficerCreateView(OfficerFormMixin, FormView):
    permission_required = "personnel.add_officer"

    def save(self, form, fields, languages):
        return services.officer_create(user=self.request.user, languages=languages, **fields)


class OfficerUpdateView(ScopedObjectMixin, OfficerFormMixin, FormView):
    permission_required = "personnel.change_officer"

    def load_objects(self, request, **kwargs):
        self.officer = get_object_or_404(Officer.objects.visible_to(request.user), pk=kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.officer}

    def get_context_data(self, **kwargs):
        return super().get_context_data(officer=self.officer, **kwargs)

    def save(self, form, fields, languages):
        officer = Officer.objects.get(pk=self.officer.pk)  # the form mutated its instance while validating
        return services.officer_update(officer=officer, user=self.request.user, languages=languages, **fields)


class OfficerVettingView(ScopedObjectMixin, FormView):
    permission_required = ("personnel.add_vetting", "personnel.change_vetting")
    form_class = VettingForm
    template_name = "personnel/vetting_form.html"

    def load_objects(self, request, **kwargs):
        self.officer = get_object_or_404(Officer.objects.visible_to(request.user), pk=kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "officer": self.officer}

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            officer=self.officer,
            age=self.officer.age,
            age_decision=services.vetting_age_decision(self.officer, today),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            officer = services.vetting_record(
                officer=self.officer,
                decisions=form.decisions(),
                decided_by=self.request.user,
                decided_on=form.cleaned_data["decided_on"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Vetting saved. Status: %(status)s.") % {"status": officer.get_status_display()},
        )
        return HttpResponseRedirect(officer.get_absolute_url())


class OfficerStatusView(PermissionRequiredMixin, View):
    """Withdraw an officer, send them to training, or back to candidate (POST from the detail page)."""

    permission_required = "personnel.change_officer"

    def post(self, request, pk):
        officer = get_object_or_404(Officer.objects.visible_to(request.user), pk=pk)
        form = OfficerStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid status."))
            return HttpResponseRedirect(officer.get_absolute_url())
        try:
            services.officer_change_status(officer=officer, status=form.cleaned_data["status"], user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Status changed."))
        return HttpResponseRedirect(officer.get_absolute_url())


class AssignView(ScopedObjectMixin, FormView):
    """The assign page of a commune: current posts, ranked suggestions with reasons, and the assignment form."""

    permission_required = "personnel.add_assignment"
    form_class = AssignmentForm
    template_name = "personnel/assign.html"

    def load_objects(self, request, **kwargs):
        self.commune = get_object_or_404(
            Commune.objects.visible_to(request.user).select_related("district__province").with_staffing_norm(),
            pk=kwargs["code"],
        )
        self.query = SuggestionQueryForm(request.GET, default_post=default_post(self.commune), auto_id="suggest_%s")
        self.post_choice, self.start_choice = self.query.choice()

    def get_initial(self):
        return {**super().get_initial(), "post": self.post_choice, "started_on": self.start_choice}

    def available_officers(self):
        return available_officers(user=self.request.user, province_id=self.commune.district.province_id)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "officers": self.available_officers()}
        chosen = self.request.GET.get("officer", "")
        if self.request.method == "GET" and chosen:
            kwargs["initial"] = {**kwargs.get("initial", {}), "officer": chosen[:7]}
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not services.can_override_eligibility(self.request.user):
            del form.fields["override_reason"]  # its errors then show at the top of the form
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post, on = self.post_choice, self.start_choice
        form = context["form"]
        if form.is_bound:  # a refused assignment: the suggestions follow the post and the date it asked for
            cleaned = getattr(form, "cleaned_data", {})
            post, on = cleaned.get("post") or post, cleaned.get("started_on") or on
        plan = plan_for(self.commune.district.province_id)
        suggestions = officer_suggestions(commune=self.commune, user=self.request.user, plan=plan, post=post, on=on)
        current = list(
            self.commune.assignments.active().select_related("officer", "overridden_by").order_by("post", "started_on")
        )
        chosen_number = "" if form.is_bound else str(form["officer"].value() or "")
        context.update(
            commune=self.commune,
            plan=plan,
            suggestions=suggestions,
            chosen=next((s.officer for s in suggestions if s.officer.police_number == chosen_number), None),
            current=current,
            query=self.query,
            post=post,
            post_label=Post(post).label,
            on=on,
            training_required=plan.training_required_for(post),
            training_deadline=plan.training_deadline(on),
            choose_query=urlencode({"post": post, "on": f"{on:%d/%m/%Y}"}),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            assignment = services.assignment_create(
                officer=data["officer"],
                commune=self.commune,
                post=data["post"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                started_on=data["started_on"],
                created_by=self.request.user,
                override_reason=data.get("override_reason", ""),
            )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(officer)s now holds the post of %(post)s in %(commune)s.")
            % {"officer": assignment.officer.full_name, "post": assignment.get_post_display(), "commune": self.commune},
        )
        return HttpResponseRedirect(self.commune.get_absolute_url())


class AssignmentEndView(ScopedObjectMixin, FormView):
    """End an assignment, from the officer's, the commune's or the assign page: *recall* (the officer leaves
    the post) or *hand over* to a successor (who takes the same post from the same day, with the equipment).
    A confirmation that says what will happen comes first; nothing is written before it is confirmed. The
    confirmation carries a fingerprint of what it described: a stale one is shown again, updated."""

    permission_required = "personnel.change_assignment"
    form_class = AssignmentEndForm
    template_name = "personnel/assignment_end.html"
    confirm_template_name = "personnel/assignment_end_confirm.html"

    def load_objects(self, request, **kwargs):
        self.assignment = get_object_or_404(
            Assignment.objects.visible_to(request.user).select_related("officer", "commune__district__province"),
            pk=kwargs["pk"],
        )
        self.commune = self.assignment.commune

    def get(self, request, *args, **kwargs):
        return self.already_ended() or super().get(request, *args, **kwargs)

    def already_ended(self):
        """An ended assignment (a second click, an old tab) goes back to the commune, saying so: nothing is
        written twice."""
        if self.assignment.is_active:
            return None
        messages.info(
            self.request,
            _("This assignment already ended on %(date)s; nothing was changed.")
            % {"date": f"{self.assignment.ended_on:%d/%m/%Y}"},
        )
        return HttpResponseRedirect(self.commune.get_absolute_url())

    def get_initial(self):
        initial = {**super().get_initial(), "back": self.request.GET.get("back", "commune")}
        if self.request.GET.get("successor"):
            initial.update(mode=AssignmentEndMode.HAND_OVER, successor=self.request.GET["successor"][:7])
        return initial

    def get_form_kwargs(self):
        successors = available_officers(user=self.request.user, province_id=self.assignment.province_id)
        return {**super().get_form_kwargs(), "assignment": self.assignment, "successors": successors}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not services.can_override_eligibility(self.request.user):
            del form.fields["override_reason"]  # its errors then show at the top of the form
        return form

    def held(self):
        """What the outgoing officer holds (equipment registers it: ``personnel.readers.officer_page``)."""
        return list(officer_page.read_one("equipment", self.assignment.officer) or [])

    def back_url(self, back: str) -> str:
        if back == "officer":
            return self.assignment.officer.get_absolute_url()
        if back == "assign":
            return reverse("personnel:assign", args=[self.commune.pk])
        return self.commune.get_absolute_url()

    def leaves_uncovered(self) -> bool:
        """Recalling the chief of a commune without regular police before the pilot leaves it uncovered."""
        return self.assignment.post == Post.CHIEF and self.commune.baseline_covered_on is None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        back = (form.cleaned_data.get("back") if hasattr(form, "cleaned_data") else None) or form["back"].value()
        context.update(
            assignment=self.assignment,
            commune=self.commune,
            leaves_uncovered=self.leaves_uncovered(),
            back_url=self.back_url(back or "commune"),
        )
        if "equipment" not in context:
            context["equipment"] = self.held()
        if "state" not in context:  # the form, not its confirmation: successors to choose from
            plan = plan_for(self.assignment.province_id)
            context["suggestions"] = officer_suggestions(
                commune=self.commune, user=self.request.user, plan=plan, post=self.assignment.post, limit=5
            )
        return context

    def post(self, request, *args, **kwargs):
        ended = self.already_ended()
        if ended:
            return ended
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        if "edit" in request.POST:  # "Change" on the confirmation: the form again, as filled in
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        successor = data["successor"] if form.is_hand_over else None
        violations = []
        if successor is not None:
            plan = plan_for(self.assignment.province_id)
            violations = services.eligibility_violations(successor, plan, data["ended_on"], post=self.assignment.post)
            if violations and not data.get("override_reason", "").strip():
                form.add_error(
                    "override_reason" if "override_reason" in form.fields else None,
                    [_("The successor breaks eligibility rules:"), *violations,
                     _("Handing over anyway needs an override with a written reason.")
                     if "override_reason" in form.fields
                     else _("Only an administrator or a provincial clerk may override eligibility rules.")],
                )  # fmt: skip
                return self.form_invalid(form)
        held = self.held()
        state = assignment_end_state(self.assignment, successor=successor, held=held)
        confirmation = {"form": form, "state": state, "successor": successor, "violations": violations,
                        "equipment": held}  # fmt: skip
        if request.POST.get("confirmed") != "1":
            return self.render_confirmation(confirmation)
        if request.POST.get("state") != state:
            messages.warning(
                request,
                _("Something changed since this confirmation was shown (the posts, the successor or the equipment). "
                  "Read it again before confirming; nothing was changed."),
            )  # fmt: skip
            return self.render_confirmation(confirmation)
        try:
            if successor is not None:
                services.assignment_hand_over(
                    assignment=self.assignment,
                    successor=successor,
                    ended_on=data["ended_on"],
                    reason=data["end_reason"],
                    note=data["end_note"],
                    decision_number=data["decision_number"],
                    decision_date=data["decision_date"],
                    override_reason=data.get("override_reason", ""),
                    user=request.user,
                )
            else:
                services.assignment_end(
                    assignment=self.assignment,
                    ended_on=data["ended_on"],
                    reason=data["end_reason"],
                    note=data["end_note"],
                    user=request.user,
                )
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if successor is not None:
            messages.success(
                request,
                _("%(successor)s now holds the post of %(post)s in %(commune)s; %(outgoing)s has left it.")
                % {"successor": successor.full_name, "post": self.assignment.get_post_display(),
                   "commune": self.commune.name, "outgoing": self.assignment.officer.full_name},
            )  # fmt: skip
        else:
            messages.success(request, _("The assignment has ended; it stays in the history."))
        return HttpResponseRedirect(self.back_url(data.get("back") or "commune"))

    def render_confirmation(self, confirmation):
        context = self.get_context_data(**confirmation)
        return self.response_class(
            request=self.request, template=[self.confirm_template_name], context=context, using=self.template_engine
        )


class OfficerExportView(PermissionRequiredMixin, View):
    """The filtered officer list as XLSX; identifiers masked for roles that may not see them."""

    permission_required = "personnel.view_officer"

    def get(self, request):
        officers = Officer.objects.visible_to(request.user).select_related("district", "home_district", "province")
        # The same filters as the list, with the same district choices (the user's own districts).
        districts = District.objects.filter(
            pk__in=Commune.objects.visible_to(request.user).values("district_id")
        ).order_by("code")
        filterset = OfficerFilter(
            request.GET, queryset=officers.prefetch_related("languages"), request=request, districts=districts
        )
        officers = (
            sorted_by(filterset.qs, request.GET.get("sort"), officer_sorts(request.user))
            if filterset.is_valid()
            else officers.none()
        )
        reveal = can_see_identifiers(request.user)
        resource = OfficerResource(reveal_identifiers=reveal)
        headers, rows = resource_rows(resource, officers)
        name = f"can-bo-{timezone.localdate():%Y%m%d}.xlsx"
        export_record(request, what=_("Officer list"), file_name=name, rows=len(rows), identifiers_shown=reveal)
        return xlsx_response(name, headers, rows, sheet_title="Cán bộ")


class OfficerTemplateView(PermissionRequiredMixin, View):
    permission_required = "personnel.import_officer"

    def get(self, request):
        # The columns an import reads; the status is read-only (it moves through vetting and assignments).
        resource = OfficerResource()
        headers = [f.column_name for f in resource.get_import_fields() if not f.readonly]
        return template_response(
            "mau-nhap-can-bo.xlsx", resource, headers, sheet_title="Cán bộ", column_help=OFFICER_COLUMN_HELP
        )


class OfficerImportView(ImportView):
    permission_required = "personnel.import_officer"
    required_headers = (COLUMN_POLICE_NUMBER,)
    title = gettext_lazy("Import officers")
    success_url = reverse_lazy("personnel:officer_list")
    template_url = reverse_lazy("personnel:officer_template")
    session_prefix = "import-officers"
    # An officer's row is checked through the services (15–30 ms at national scale, some twenty queries): beyond
    # 50 rows the preview could hold the page for more than a second or two, so the worker checks it.
    sync_max_rows = 50

    def get_resource(self):
        return OfficerResource(user=self.request.user)
