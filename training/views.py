import pathlib

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from accounts.audit import export_record
from communes.models import District
from personnel.choices import OfficerStatus
from personnel.identifiers import can_see_identifiers, identifier_display
from personnel.models import Officer
from personnel.views import form_errors_from
from rollout.core import scoping
from rollout.core.imports import CellError, ImportReport, ImportView, PreviewRow, xlsx_response
from rollout.core.spreadsheets import read_dataset
from rollout.core.views import PagedListMixin, ScopedObjectMixin, VisibleToMixin
from rollout.core.widgets import YesNoWidget

from . import services
from .forms import (
    POLICE_NUMBER_HEADER,
    EnrolForm,
    PriorTrainingForm,
    ResultsForm,
    SessionForm,
    parse_score,
    parse_shown_token,
    shown_token,
)
from .models import Course, Enrollment, TrainingSession
from .selectors import (
    courses_with_class_counts,
    mandatory_courses,
    officers_untrained,
    refreshers_due,
    sessions_with_counts,
)


class CourseListView(PermissionRequiredMixin, PagedListMixin, ListView):
    permission_required = "training.view_course"
    queryset = courses_with_class_counts()
    template_name = "training/course_list.html"
    paginate_by = 500  # the catalogue is one page
    sort_options = {
        "code": ("code",),
        "subject_area": ("subject_area", "code"),
        "hours": ("hours", "code"),
        "classes": ("classes", "code"),
    }


class SessionListView(VisibleToMixin, PagedListMixin, ListView):
    permission_required = "training.view_trainingsession"
    queryset = sessions_with_counts()
    template_name = "training/session_list.html"
    sort_options = {
        "class": ("course__code", "-starts_on"),
        "dates": ("starts_on", "ends_on"),
        "place": ("place", "-starts_on"),
        "enrolled": ("enrolled", "-starts_on"),
        "passed": ("passed", "-starts_on"),
    }

    def get_queryset(self):
        sessions = super().get_queryset()
        when = self.request.GET.get("when", "")
        today = timezone.localdate()
        if when == "upcoming":
            sessions = sessions.filter(starts_on__gt=today)
        elif when == "past":
            sessions = sessions.filter(ends_on__lt=today)
        course = self.request.GET.get("course", "")
        if course.isascii() and course.isdigit():  # "²" is a digit to str.isdigit() but not to int()
            sessions = sessions.filter(course_id=int(course))
        return sessions

    def get_context_data(self, **kwargs):
        return super().get_context_data(courses=Course.objects.all(), **kwargs)


class SessionCreateView(PermissionRequiredMixin, FormView):
    permission_required = "training.add_trainingsession"
    form_class = SessionForm
    template_name = "training/session_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            session = services.session_create(
                course=data["course"], province_id=data["province"].pk, starts_on=data["starts_on"],
                ends_on=data["ends_on"], place=data["place"], instructor=data["instructor"],
                capacity=data["capacity"], created_by=self.request.user,
            )  # fmt: skip
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Class created. Now enrol officers."))
        return HttpResponseRedirect(session.get_absolute_url())


class SessionDetailView(VisibleToMixin, DetailView):
    permission_required = "training.view_trainingsession"
    queryset = TrainingSession.objects.select_related("course", "province", "created_by").prefetch_related(
        Prefetch("enrollments", queryset=Enrollment.objects.select_related("officer__district"))
    )
    template_name = "training/session_detail.html"

    def get_context_data(self, **kwargs):
        everyone = list(self.object.enrollments.all())
        # Classes are provincial, but a district clerk sees only the seats of their district's officers (as
        # ``Enrollment.visible_to`` does); the seats still count everyone.
        enrollments = [e for e in everyone if scoping.sees(self.request.user, e)]
        today = timezone.localdate()
        return super().get_context_data(
            enrollments=enrollments,
            takes_officers=not self.object.results_closed and self.object.ends_on >= today,
            results_open=services.results_can_be_entered(self.object, today),
            today=today,
            unrecorded=sum(1 for e in enrollments if e.passed is None),  # of the officers the user sees
            enrolled_count=len(everyone),
            other_districts=len(everyone) - len(enrollments),
            free_seats=max(self.object.capacity - len(everyone), 0),
            enrol_form=EnrolForm(districts=District.objects.visible_to(self.request.user)),
            **kwargs,
        )


class SessionEnrolView(ScopedObjectMixin, View):
    permission_required = "training.add_enrollment"

    def load_objects(self, request, **kwargs):
        self.session = get_object_or_404(TrainingSession.objects.visible_to(request.user), pk=kwargs["pk"])

    def post(self, request, pk):
        form = EnrolForm(request.POST, request.FILES, districts=District.objects.visible_to(request.user))
        if not form.is_valid():
            for error in form.errors.values():
                messages.error(request, " ".join(error))
            return HttpResponseRedirect(self.session.get_absolute_url())
        data = form.cleaned_data
        officers = Officer.objects.visible_to(request.user).filter(province_id=self.session.province_id)
        chosen = Officer.objects.none()
        if data["status"]:
            by_status = officers.filter(status=data["status"])
            if data["district"]:
                by_status = by_status.filter(district=data["district"])
            chosen = chosen | by_status
        unknown = []
        if data["numbers"]:
            found = officers.filter(police_number__in=data["numbers"])
            unknown = sorted(set(data["numbers"]) - set(found.values_list("police_number", flat=True)))
            chosen = chosen | found
        try:
            outcome = services.enrolment_add(
                session=self.session, officers=list(chosen.distinct().order_by("pk")), enrolled_by=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return HttpResponseRedirect(self.session.get_absolute_url())
        if outcome.enrolled:
            messages.success(request, _("%(n)s officer(s) enrolled.") % {"n": len(outcome.enrolled)})
        else:
            messages.warning(request, _nothing_enrolled(data, refused=bool(outcome.refused or unknown)))
        for officer, reason in outcome.refused:
            messages.warning(request, f"{officer}: {reason}")
        for number in unknown:
            messages.warning(request, _("%(number)s: no such officer in your area.") % {"number": number})
        return HttpResponseRedirect(self.session.get_absolute_url())


def _nothing_enrolled(data: dict, *, refused: bool) -> str:
    """Why nobody was enrolled: every officer chosen was refused (the reasons follow), or nobody matched."""
    if refused:
        return _("No officer was enrolled: every officer chosen was refused, for the reasons below.")
    status = OfficerStatus(data["status"]).label if data["status"] else ""
    if data["district"]:
        return _("No officer was enrolled: no officer of %(district)s in your area has the status “%(status)s”.") % {
            "district": data["district"].name, "status": status}  # fmt: skip
    return _(
        "No officer was enrolled: no officer of the class's province in your area has the status “%(status)s”."
    ) % {"status": status}


def _confirmed(request) -> bool:
    """A removal acts only when the form says ``confirm=yes`` (the confirmation page's button, or the dialog of
    ``static/js/confirm.js``); a POST without it, with only the CSRF token, writes nothing."""
    return request.POST.get("confirm") == "yes"


def _already_removed(model, pk: int):
    """The last history row of a deleted ``model`` row (a removal sent twice), else None."""
    return model.history.filter(id=pk, history_type="-").order_by("-history_date").first()


class EnrollmentRemoveView(ScopedObjectMixin, View):
    """Take an officer out of a class, after a confirmation that names the officer and the class. Sent again
    once done, it says so and goes back to the class."""

    permission_required = "training.delete_enrollment"

    def load_objects(self, request, **kwargs):
        self.enrollment = (
            Enrollment.objects.filter(session__in=TrainingSession.objects.visible_to(request.user))
            .filter(officer__in=Officer.objects.visible_to(request.user))
            .select_related("session__course", "officer")
            .filter(pk=kwargs["pk"])
            .first()
        )
        self.removed = None
        if self.enrollment is None:
            removed = _already_removed(Enrollment, kwargs["pk"])
            session = removed and TrainingSession.objects.visible_to(request.user).filter(pk=removed.session_id).first()
            officer = session and Officer.objects.visible_to(request.user).filter(pk=removed.officer_id).first()
            if not officer:
                raise Http404(_("No such enrolment in your area."))
            self.removed = (officer, session)

    def confirmation(self, request):
        e = self.enrollment
        dates = f"{e.session.starts_on:%d/%m/%Y} – {e.session.ends_on:%d/%m/%Y}"
        return render(request, "generic/confirm.html", {
            "title": _("Remove from the class"),
            "question": _("Remove %(officer)s from the class “%(class)s” (%(dates)s)?")
            % {"officer": e.officer.full_name, "class": e.session.course.title, "dates": dates},
            "consequences": [
                _("The seat becomes free; the officer can be enrolled again later."),
                _("The enrolment stays in the history."),
            ],
            "action": reverse("training:enrollment_remove", args=[e.pk]),
            "back": e.session.get_absolute_url(),
            "confirm_label": _("Remove from the class"),
            "breadcrumbs": [(_("Classes"), reverse("training:session_list")),
                            (str(e.session), e.session.get_absolute_url())],
        })  # fmt: skip

    def get(self, request, pk):
        if self.removed:
            return self.already_removed(request)
        return self.confirmation(request)

    def already_removed(self, request):
        officer, session = self.removed
        messages.info(request, _("%(officer)s was already removed from the class.") % {"officer": officer})
        return HttpResponseRedirect(session.get_absolute_url())

    def post(self, request, pk):
        if self.removed:
            return self.already_removed(request)
        if not _confirmed(request):
            return self.confirmation(request)
        try:
            services.enrolment_remove(enrollment=self.enrollment, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(officer)s removed from the class “%(class)s”.")
                % {"officer": self.enrollment.officer, "class": self.enrollment.session.course.title},
            )
        return HttpResponseRedirect(self.enrollment.session.get_absolute_url())


class SessionResultsView(ScopedObjectMixin, FormView):
    """One screen for a whole class: attendance, scores and results. Only the rows the clerk changes are saved
    (in one transaction); a district clerk sees and records the officers of their district."""

    permission_required = "training.record_results"
    form_class = ResultsForm
    template_name = "training/session_results.html"

    def load_objects(self, request, **kwargs):
        self.session = get_object_or_404(
            TrainingSession.objects.visible_to(request.user).select_related("course"), pk=kwargs["pk"]
        )

    def get(self, request, *args, **kwargs):
        if not services.results_can_be_entered(self.session):
            messages.info(request, _("Results can be entered from %(date)s, when the class starts.")
                          % {"date": f"{self.session.starts_on:%d/%m/%Y}"})  # fmt: skip
            return HttpResponseRedirect(self.session.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_enrollments(self):
        return (
            self.session.enrollments.filter(officer__in=Officer.objects.visible_to(self.request.user))
            .select_related("officer")
            .order_by("officer__sort_key", "pk")
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "enrollments": self.get_enrollments()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, **kwargs)

    def form_valid(self, form):
        rows = form.result_rows()
        left_alone = len(form.not_posted) if form.posted else 0  # a post carrying no row at all reports nothing
        if not rows:
            messages.info(self.request, _("No result was changed."))
        else:
            try:
                outcome = services.results_record(session=self.session, rows=rows, recorded_by=self.request.user)
            except (ValidationError, PermissionDenied) as error:
                return self.refused(form, error)
            if outcome.saved:
                messages.success(self.request, _("Results saved for %(n)s officer(s).") % {"n": len(outcome.saved)})
            else:  # the same post again (a double click, the browser's "resend"): already recorded
                messages.info(self.request, _("No result was changed."))
        if left_alone:
            messages.warning(
                self.request,
                _("%(n)s officer(s) enrolled after the page was opened were left as they are: enter their results "
                  "now.") % {"n": left_alone},
            )  # fmt: skip
        unrecorded = self.get_enrollments().filter(passed__isnull=True).count()
        if unrecorded:
            messages.info(self.request, _("%(n)s officer(s) still have no result.") % {"n": unrecorded})
        return HttpResponseRedirect(self.session.get_absolute_url())

    def refused(self, form, error):
        """Show the page again with the errors: the clerk's changes kept, every other row as recorded now."""
        again = self.get_form_class()(data=form.refreshed_data(), enrollments=self.get_enrollments())
        again.is_valid()  # what is recorded now and what the clerk entered were both valid: no error of its own
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                field = f"passed_{key}" if f"passed_{key}" in again.fields else None
                again.add_error(field, errors)
        else:
            again.add_error(None, getattr(error, "messages", [str(error)]))
        return self.render_to_response(self.get_context_data(form=again))


class SessionActionView(ScopedObjectMixin, View):
    """A button of the class page (POST): ``act`` calls the service; its refusal comes back as a message."""

    def load_objects(self, request, **kwargs):
        self.session = get_object_or_404(
            TrainingSession.objects.visible_to(request.user).select_related("course"), pk=kwargs["pk"]
        )

    def act(self, request):
        raise NotImplementedError

    def post(self, request, pk):
        try:
            response = self.act(request)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            response = None
        return response or HttpResponseRedirect(self.session.get_absolute_url())


class SessionCloseView(SessionActionView):
    """Close a class to enrolment; with officers still without a result, ask first and say how many."""

    permission_required = "training.change_trainingsession"
    template_name = "training/session_close.html"

    def act(self, request):
        raw = request.POST.get("unrecorded", "")
        confirmed = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else None
        try:
            services.session_close(session=self.session, user=request.user, unrecorded_confirmed=confirmed)
        except services.CloseNeedsConfirmation as ask:
            return render(request, self.template_name, {"session": self.session, "unrecorded": ask.unrecorded,
                                                        "asked_before": confirmed is not None})  # fmt: skip
        messages.success(request, _("The class is closed to enrolment."))
        return None


class SessionReopenView(SessionActionView):
    permission_required = "training.change_trainingsession"

    def act(self, request):
        services.session_reopen(session=self.session, user=request.user)
        messages.success(request, _("The class takes officers again."))


RESULT_COLUMNS = {"attended": "Có mặt", "score": "Điểm", "passed": "Đạt"}  # the parts of a result in the file


class SessionResultsImportView(ScopedObjectMixin, ImportView):
    """Results from Excel: Số hiệu, Có mặt, Điểm, Đạt. A blank cell changes nothing, nor does an officer left out
    of the file; preview every row; any bad row writes nothing."""

    permission_required = "training.record_results"
    required_headers = (POLICE_NUMBER_HEADER, "Có mặt", "Điểm", "Đạt")
    title = gettext_lazy("Import class results")
    session_prefix = "import-results"

    def load_objects(self, request, **kwargs):
        self.session = get_object_or_404(
            TrainingSession.objects.visible_to(request.user).select_related("course"), pk=kwargs["pk"]
        )
        self.success_url = self.session.get_absolute_url()
        self.template_url = reverse("training:session_roster", args=[self.session.pk])

    def read(self, upload):
        return read_dataset(upload, required_headers=self.required_headers)

    def run(self, dataset, *, dry_run):
        # What the preview showed is kept for the confirmation: a result someone else changes in between is
        # refused there (stale), as on the results page, instead of being overwritten.
        shown_key = f"{self.session_prefix}-shown:{self.session.pk}"
        previewed = {} if dry_run else self.request.session.pop(shown_key, {})
        shown_now = {}
        enrollments = {
            e.officer.police_number: e
            for e in self.session.enrollments.filter(
                officer__in=Officer.objects.visible_to(self.request.user)
            ).select_related("officer")
        }
        yes_no = YesNoWidget()
        rows, results, seen = [], [], set()
        # Errors name the row the user sees in Excel, even when blank rows were dropped.
        numbers = getattr(dataset, "sheet_row_numbers", None) or range(2, len(dataset) + 2)
        for index, values in zip(numbers, dataset.dict, strict=True):
            number = str(values.get(POLICE_NUMBER_HEADER) or "").strip()
            row = PreviewRow(number=index, status="unchanged", label=number)
            enrollment = enrollments.get(number)
            if enrollment is None:
                row.errors.append(CellError(POLICE_NUMBER_HEADER, number, _("Not enrolled in this class.")))
            elif number in seen:
                row.errors.append(CellError(POLICE_NUMBER_HEADER, number, _("Appears twice in the file.")))
            seen.add(number)
            current = services.Result.of(enrollment) if enrollment is not None else services.Result()
            try:
                attended = _cell_or(current.attended, values.get("Có mặt"), yes_no.clean)
            except ValueError as exc:
                row.errors.append(CellError("Có mặt", values.get("Có mặt"), str(exc)))
                attended = None  # unknown: no second error about passing without attending
            try:
                passed = _cell_or(current.passed, values.get("Đạt"), yes_no.clean)
            except ValueError as exc:
                row.errors.append(CellError("Đạt", values.get("Đạt"), str(exc)))
                passed = None
            try:
                score = _cell_or(current.score, values.get("Điểm"), parse_score)
            except forms.ValidationError as exc:
                row.errors.append(CellError("Điểm", values.get("Điểm"), " ".join(exc.messages)))
                score = None
            try:
                services.validate_result(services.Result(attended, score, passed))
            except ValidationError as error:
                for part, messages_ in error.message_dict.items():
                    column = RESULT_COLUMNS[part]
                    row.errors.extend(CellError(column, values.get(column), message) for message in messages_)
            if row.errors:
                row.status = "error"
            elif enrollment is not None:
                row.label = enrollment.officer.full_name
                shown_now[str(enrollment.pk)] = shown_token(current)
                token = previewed.get(str(enrollment.pk))
                entered = services.ResultRow(
                    enrollment.pk, attended, score, passed, shown=parse_shown_token(token) if token else current
                )
                after = entered.result
                before_after = zip(
                    ("Có mặt", "Điểm", "Đạt"),
                    (current.attended, current.score, current.passed),
                    (after.attended, after.score, after.passed),
                    strict=True,
                )
                for column, old, new in before_after:
                    if old != new:
                        shown = (old, new) if column == "Điểm" else (_yes_no_or_blank(old), _yes_no_or_blank(new))
                        row.changes.append((column, *shown))
                if row.changes:
                    row.status = "changed"
                    results.append(entered)
            rows.append(row)
        report = ImportReport(rows=rows)
        if dry_run:
            self.request.session[shown_key] = shown_now
        if report.ok and results:
            # The preview runs the same service in a transaction that is rolled back, so that what only the
            # service checks (a class that has not started, a concurrent change) shows before the confirmation.
            try:
                with transaction.atomic():
                    services.results_record(session=self.session, rows=results, recorded_by=self.request.user)
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                pass
            except (ValidationError, PermissionDenied) as error:
                messages_ = getattr(error, "messages", [str(error)])
                report.rows.append(PreviewRow(0, "error", "", errors=[CellError("", None, m) for m in messages_]))
        return report


def _cell_or(current, value, parse):
    """A cell's value, or ``current`` when the cell is blank: a blank cell changes nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return current
    return parse(value)


class _DryRun(Exception):
    """Raised to roll back the preview's transaction."""


def _yes_no_or_blank(value) -> str:
    return "" if value is None else YesNoWidget().render(value)


class SessionRosterExportView(ScopedObjectMixin, View):
    """The class roster with results as XLSX (also the template for the results import)."""

    permission_required = "training.view_trainingsession"

    def load_objects(self, request, **kwargs):
        self.session = get_object_or_404(
            TrainingSession.objects.visible_to(request.user).select_related("course"), pk=kwargs["pk"]
        )

    def get(self, request, pk):
        yes_no = YesNoWidget()
        shown = identifier_display(request.user)
        # Everyone in the class for the province; a district clerk gets the officers of their district.
        enrollments = (
            self.session.enrollments.filter(officer__in=Officer.objects.visible_to(request.user))
            .select_related("officer__district")
            .order_by("officer__sort_key")
        )
        rows = [
            [shown(e.officer.police_number), e.officer.full_name, e.officer.district.name if e.officer.district else "",
             "" if e.attended is None else yes_no.render(e.attended), e.score,
             "" if e.passed is None else yes_no.render(e.passed), e.certificate_number or "", e.valid_until]
            for e in enrollments
        ]  # fmt: skip
        headers = [POLICE_NUMBER_HEADER, "Họ và tên", "Huyện", "Có mặt", "Điểm", "Đạt", "Số chứng chỉ", "Hiệu lực đến"]
        name = f"lop-{self.session.course.code}-{self.session.starts_on:%Y%m%d}.xlsx"
        export_record(request, what=_("Class roster"), file_name=name, rows=len(rows),
                      identifiers_shown=can_see_identifiers(request.user))  # fmt: skip
        return xlsx_response(name, headers, rows, sheet_title=self.session.course.code)


class UntrainedDeployedView(PermissionRequiredMixin, PagedListMixin, ListView):
    """Deployed officers who are not trained: a mandatory course missing or expired."""

    permission_required = "personnel.view_officer"
    template_name = "training/untrained_list.html"
    sort_options = {
        "officer": ("sort_key", "police_number"),
        "district": ("district__sort_key", "sort_key"),
        "passed": ("passed_mandatory", "sort_key"),
    }

    def get_queryset(self):
        self.required = mandatory_courses().count()
        deployed = Officer.objects.visible_to(self.request.user).filter(status=OfficerStatus.DEPLOYED)
        untrained = officers_untrained(deployed, required=self.required)
        return untrained.select_related("district").order_by("district_id", "sort_key", "pk")

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            officers = self.sort_queryset(self.get_queryset())
            shown = identifier_display(request.user)
            rows = [
                [shown(o.police_number), o.full_name, o.district.name if o.district else "", o.passed_mandatory,
                 self.required - o.passed_mandatory]
                for o in officers
            ]  # fmt: skip
            headers = [POLICE_NUMBER_HEADER, "Họ và tên", "Huyện", "Khóa bắt buộc đã đạt", "Còn thiếu"]
            export_record(request, what=_("Untrained deployed officers"), file_name="chua-dao-tao.xlsx",
                          rows=len(rows), identifiers_shown=can_see_identifiers(request.user))  # fmt: skip
            return xlsx_response("chua-dao-tao.xlsx", headers, rows, sheet_title="Chưa đào tạo")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(required=self.required, **kwargs)


class RefreshersDueView(PermissionRequiredMixin, PagedListMixin, ListView):
    """Passes that expire within 60 days (or have expired) and have not been renewed."""

    permission_required = "training.view_enrollment"
    template_name = "training/refreshers_list.html"
    sort_options = {
        "officer": ("officer__sort_key", "officer__police_number"),
        "district": ("officer__district__sort_key", "officer__sort_key"),
        "course": ("course__code", "officer__sort_key"),
        "valid_until": ("valid_until", "officer__sort_key"),
    }

    def get_queryset(self):
        officers = Officer.objects.visible_to(self.request.user)
        return refreshers_due(Enrollment.objects.filter(officer__in=officers))

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            shown = identifier_display(request.user)
            rows = [
                [shown(e.officer.police_number), e.officer.full_name,
                 e.officer.district.name if e.officer.district else "", e.course.code, e.course.title_vi,
                 e.valid_until]
                for e in self.sort_queryset(self.get_queryset())
            ]  # fmt: skip
            headers = [POLICE_NUMBER_HEADER, "Họ và tên", "Huyện", "Mã khóa", "Khóa học", "Hết hiệu lực"]
            export_record(request, what=_("Refreshers due"), file_name="boi-duong-lai.xlsx", rows=len(rows),
                          identifiers_shown=can_see_identifiers(request.user))  # fmt: skip
            return xlsx_response("boi-duong-lai.xlsx", headers, rows, sheet_title="Bồi dưỡng lại")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)


class OfficerTrainingMixin(ScopedObjectMixin):
    """A training write from the officer page, on an officer of the user's area (404 outside it)."""

    def load_objects(self, request, **kwargs):
        self.officer = get_object_or_404(
            Officer.objects.visible_to(request.user).select_related("province", "district"), pk=kwargs["pk"]
        )


class OfficerEnrolView(OfficerTrainingMixin, View):
    """Enrol the officer in one class (POST ``session``), from the course list of the officer page."""

    permission_required = "training.add_enrollment"

    def post(self, request, pk):
        raw = request.POST.get("session", "")
        session = None
        if raw.isascii() and raw.isdigit() and len(raw) < 10:
            session = TrainingSession.objects.visible_to(request.user).filter(pk=int(raw)).first()
        if session is None:
            messages.error(request, _("Choose a class."))
            return HttpResponseRedirect(self.officer.get_absolute_url())
        try:
            outcome = services.enrolment_add(session=session, officers=[self.officer], enrolled_by=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            for _officer, reason in outcome.refused:
                messages.error(request, _("Not enrolled: %(reason)s.") % {"reason": reason})
            if outcome.enrolled:
                messages.success(
                    request,
                    _("%(officer)s is enrolled in %(class)s (%(start)s – %(end)s).")
                    % {"officer": self.officer.full_name, "class": session.course.title,
                       "start": f"{session.starts_on:%d/%m/%Y}", "end": f"{session.ends_on:%d/%m/%Y}"},
                )  # fmt: skip
        return HttpResponseRedirect(self.officer.get_absolute_url() + "#officer-training")


class PriorTrainingCreateView(OfficerTrainingMixin, FormView):
    """Record a course the officer passed before or outside the classes of this system."""

    permission_required = "training.record_prior_training"
    form_class = PriorTrainingForm
    template_name = "training/prior_training_form.html"

    def get_initial(self):
        raw = self.request.GET.get("course", "")
        if raw.isascii() and raw.isdigit() and len(raw) < 10:
            return {"course": int(raw)}
        return {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(officer=self.officer, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.prior_training_record(
                officer=self.officer, course=data["course"], completed_on=data["completed_on"],
                provider=data["provider"], certificate_number=data["certificate_number"],
                valid_until_on=data["valid_until"], certificate_file=data["certificate_file"],
                recorded_by=self.request.user,
            )  # fmt: skip
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        officer = Officer.objects.get(pk=self.officer.pk)
        messages.success(
            self.request,
            _("Prior training recorded. Status: %(status)s.") % {"status": officer.get_status_display()},
        )
        return HttpResponseRedirect(self.officer.get_absolute_url() + "#officer-training")


class PriorTrainingRemoveView(ScopedObjectMixin, View):
    """Delete a prior-training record, after a confirmation that names the course and the officer."""

    permission_required = "training.record_prior_training"

    def load_objects(self, request, **kwargs):
        self.enrollment = (
            Enrollment.objects.filter(session__isnull=True, officer__in=Officer.objects.visible_to(request.user))
            .select_related("officer", "course")
            .filter(pk=kwargs["pk"])
            .first()
        )
        self.removed_from = None
        if self.enrollment is None:
            removed = _already_removed(Enrollment, kwargs["pk"])
            officer = (
                removed
                and removed.session_id is None
                and (Officer.objects.visible_to(request.user).filter(pk=removed.officer_id).first())
            )
            if not officer:
                raise Http404(_("No such prior training in your area."))
            self.removed_from = officer

    def confirmation(self, request):
        e = self.enrollment
        back = e.officer.get_absolute_url() + "#officer-training"
        return render(request, "generic/confirm.html", {
            "title": _("Remove prior training"),
            "question": _("Remove the prior training “%(course)s” of %(officer)s, completed on %(date)s?")
            % {"course": e.course.title, "officer": e.officer.full_name, "date": f"{e.starts_on:%d/%m/%Y}"},
            "consequences": [
                _("The course no longer counts for the officer's readiness; the status follows."),
                _("The record stays in the history."),
            ],
            "action": reverse("training:prior_training_remove", args=[e.pk]),
            "back": back,
            "confirm_label": _("Remove prior training"),
            "breadcrumbs": [(_("Officers"), reverse("personnel:officer_list")), (e.officer.full_name, back)],
        })  # fmt: skip

    def get(self, request, pk):
        if self.removed_from:
            return self.already_removed(request)
        return self.confirmation(request)

    def already_removed(self, request):
        messages.info(request, _("This prior training was already removed."))
        return HttpResponseRedirect(self.removed_from.get_absolute_url() + "#officer-training")

    def post(self, request, pk):
        if self.removed_from:
            return self.already_removed(request)
        if not _confirmed(request):
            return self.confirmation(request)
        try:
            services.prior_training_remove(enrollment=self.enrollment, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Prior training removed; it stays in the history."))
        return HttpResponseRedirect(self.enrollment.officer.get_absolute_url() + "#officer-training")


class CertificateFileView(ScopedObjectMixin, View):
    """The scanned certificate of prior training, for users who may see the officer; each download recorded."""

    permission_required = "training.view_enrollment"

    def load_objects(self, request, **kwargs):
        self.enrollment = get_object_or_404(
            Enrollment.objects.filter(officer__in=Officer.objects.visible_to(request.user)).exclude(
                certificate_file=""
            ),
            pk=kwargs["pk"],
        )

    def get(self, request, pk):
        stored = self.enrollment.certificate_file
        try:
            handle = stored.open("rb")
        except OSError:
            raise Http404(_("The file is missing.")) from None
        name = f"chung-chi-{self.enrollment.pk}{pathlib.PurePath(stored.name).suffix}"
        export_record(request, what=_("Scanned certificate"), file_name=name, rows=1,
                      identifiers_shown=can_see_identifiers(request.user))  # fmt: skip
        response = FileResponse(handle, as_attachment=True, filename=name)
        response["Cache-Control"] = "private, no-store"
        return response
