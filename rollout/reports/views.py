"""The reports archive: the list, a report's page (which follows its progress), its files, and asking for a
report now, and trying a failed one again. Viewing needs ``rollout.view_report``, asking and retrying
``rollout.add_report``; a report outside the user's scope answers 404 (``Report.objects.visible_to``)."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, ListView

from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from rollout.core.views import PagedListMixin
from rollout.models import Report, ReportStatus
from rollout.reports.content import PDF_CONTENT_TYPE, report_filename
from rollout.reports.forms import ReportRequestForm
from rollout.reports.services import report_request, report_retry

STATUS_COLOURS = {
    ReportStatus.PENDING: "secondary",
    ReportStatus.RUNNING: "info",
    ReportStatus.DONE: "success",
    ReportStatus.FAILED: "danger",
}
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "pdf": PDF_CONTENT_TYPE}


class VisibleReportsMixin(PermissionRequiredMixin):
    permission_required = "rollout.view_report"

    def get_queryset(self):
        return Report.objects.visible_to(self.request.user).select_related("province", "district", "requested_by")


class ReportListView(VisibleReportsMixin, PagedListMixin, ListView):
    template_name = "rollout/reports/report_list.html"
    paginate_by = 25
    # The national report has no province: it comes last by scope.
    sort_options = {
        "scope": ("province__sort_key", "district__sort_key", "-period_end"),
        "period": ("period_end", "period_start", "created_at"),
        "status": ("status", "-period_end"),
        "created": ("created_at",),
    }

    def get_queryset(self):
        return super().get_queryset().order_by("-period_end", "-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(status_colours=STATUS_COLOURS, **kwargs)


@method_decorator(never_cache, name="dispatch")
class ReportDetailView(VisibleReportsMixin, DetailView):
    template_name = "rollout/reports/report_detail.html"
    context_object_name = "report"

    def get_context_data(self, **kwargs):
        report = self.object
        return super().get_context_data(
            status_colours=STATUS_COLOURS,
            in_progress=report.status in (ReportStatus.PENDING, ReportStatus.RUNNING),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class ReportStatusView(VisibleReportsMixin, View):
    """The report's status as JSON, polled by its page while it is produced."""

    def get(self, request, pk):
        report = self.get_queryset().filter(pk=pk).first()
        if report is None:
            raise Http404(_("No such report."))
        return JsonResponse(
            {
                "status": report.status,
                "status_label": report.get_status_display(),
                "progress": report.progress,
                "finished": report.status in (ReportStatus.DONE, ReportStatus.FAILED),
            }
        )


class ReportDownloadView(VisibleReportsMixin, View):
    """A report's file, from storage, under its stable name."""

    def get(self, request, pk, kind):
        report = self.get_queryset().filter(pk=pk).first()
        if report is None or kind not in CONTENT_TYPES:
            raise Http404(_("No such report."))
        field_file = getattr(report, kind)
        if not field_file or not field_file.storage.exists(field_file.name):
            raise Http404(_("This report has no such file yet."))
        return FileResponse(
            field_file.open("rb"),
            as_attachment=True,
            filename=report_filename(report, kind),
            content_type=CONTENT_TYPES[kind],
        )


class ReportRequestView(PermissionRequiredMixin, FormView):
    """Ask for a report for a period and a scope now; the report is produced in the background."""

    permission_required = "rollout.add_report"
    form_class = ReportRequestForm
    template_name = "rollout/reports/report_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        report, outcome = report_request(
            province=form.cleaned_data["scope"],
            period_start=form.cleaned_data["period_start"],
            period_end=form.cleaned_data["period_end"],
            user=self.request.user,
        )
        text = {
            "created": _("The report is being produced; this page shows its progress."),
            "requeued": _("The report had failed; it is being produced again."),
            "done": _("This report is ready already."),
            "in_progress": _("This report is already being produced."),
        }[outcome]
        if outcome == "in_progress":
            messages.info(self.request, text)
        else:
            messages.success(self.request, text)
        return redirect(reverse("reports:detail", args=[report.pk]))


class ReportRetryView(VisibleReportsMixin, View):
    """Produce a failed report again, after a confirmation (``confirm=yes``: the dialog of ``confirm.js`` or the
    confirmation page). A report that is not failed (retried already, in another tab) is left as it is and its
    page says what it is doing."""

    permission_required = ("rollout.view_report", "rollout.add_report")

    def _report(self, pk) -> Report:
        report = self.get_queryset().filter(pk=pk).first()
        if report is None:
            raise Http404(_("No such report."))
        return report

    def confirmation(self, request, report):
        return render(request, "generic/confirm.html", {
            "title": _("Produce the report again"),
            "question": _("Produce “%(report)s” again?") % {"report": report},
            "consequences": [_("The report is produced in the background; its page shows the progress.")],
            "action": reverse("reports:retry", args=[report.pk]),
            "back": reverse("reports:detail", args=[report.pk]),
            "confirm_label": _("Produce again"),
            "breadcrumbs": [(_("Reports"), reverse("reports:list")),
                            (str(report), reverse("reports:detail", args=[report.pk]))],
        })  # fmt: skip

    def get(self, request, pk):
        return self.confirmation(request, self._report(pk))

    def post(self, request, pk):
        report = self._report(pk)
        if report.status != ReportStatus.FAILED:
            messages.info(request, _("This report is not failed: nothing to try again."))
            return redirect(reverse("reports:detail", args=[report.pk]))
        if request.POST.get("confirm") != "yes":
            return self.confirmation(request, report)
        report_retry(report=report, user=request.user)
        messages.success(request, _("The report is being produced again; this page shows its progress."))
        return redirect(reverse("reports:detail", args=[report.pk]))
