"""Writes around progress reports: asking for one, the weekly batch, producing the files, failing visibly and
e-mailing the committee.

Rules:

- one report per scope (a province, or the whole country) and period: asking again reuses it; a failed one is
  queued again, a finished one is not rebuilt;
- producing a report that is already done rebuilds nothing (only a pending e-mail is sent): running the task
  twice never duplicates files; rebuilding a failed report replaces its files under the same names;
- the weekly reports (scheduled, ``requested_by`` empty) are e-mailed to the committee: a province's report to
  the active members of that province's plan, the national report to the active members of every plan (each
  address once). Reports asked for on a page are not e-mailed: whoever asked downloads them.
"""

import datetime
import logging
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communes.models import Province
from rollout.core import scoping
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from rollout.models import CommitteeMember, PilotPlan, ProgressSnapshot, Report, ReportStatus
from rollout.progress.snapshots import snapshots_record
from rollout.reports.content import PDF_CONTENT_TYPE, report_content, report_filename, report_pdf, report_xlsx

logger = logging.getLogger(__name__)

# Days of trend a report fills in itself when the daily snapshots are missing (longer gaps: backfill_snapshots).
FILL_MISSING_SNAPSHOTS_DAYS = 31


def previous_week(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Monday–Sunday week before the one ``today`` falls in."""
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    return monday, monday + datetime.timedelta(days=6)


_producer: Callable[[int], object] | None = None


def register_report_producer(producer: Callable[[int], object]) -> None:
    """``producer(report_id)`` queues the production of a report: the Celery task, which sits above the reports
    and calls their services (``rollout.tasks``), registered by ``RolloutConfig.ready``."""
    global _producer
    _producer = producer


def report_queue(report: Report) -> None:
    """Queue the production of ``report`` once the current transaction commits."""
    if _producer is None:
        raise ImproperlyConfigured("No producer of reports registered (the rollout app registers its task).")
    producer, report_id = _producer, report.pk
    transaction.on_commit(lambda: producer(report_id))


@transaction.atomic
def report_request(
    *, province: Province | None, period_start: datetime.date, period_end: datetime.date, user=None
) -> tuple[Report, str]:
    """Create the report for the scope and period, or reuse the existing one; returns it and what happened:
    ``"created"`` (queued), ``"requeued"`` (it had failed; queued again), ``"done"`` (ready already) or
    ``"in_progress"`` (already queued or running). A user asks only for a report of an area they may see."""
    scoping.check_visible(user, Report(province=province))
    report, created = Report.objects.select_for_update().get_or_create(
        province=province, period_start=period_start, period_end=period_end, defaults={"requested_by": user}
    )
    if created:
        report_queue(report)
        return report, "created"
    if report.status == ReportStatus.FAILED:
        report.status, report.progress = ReportStatus.PENDING, 0
        report.save(update_fields=["status", "progress"])
        report_queue(report)
        return report, "requeued"
    if report.status == ReportStatus.DONE:
        return report, "done"
    return report, "in_progress"


def weekly_reports_create(*, today: datetime.date) -> list[Report]:
    """The scheduled reports of last week: one per province with a pilot plan and one for the whole country.
    Idempotent: an existing report is reused; only new or failed ones are queued."""
    start, end = previous_week(today)
    provinces = [None, *Province.objects.filter(pk__in=PilotPlan.objects.values("province_id")).order_by("code")]
    reports = []
    for province in provinces:
        with transaction.atomic():
            report, created = Report.objects.get_or_create(province=province, period_start=start, period_end=end)
            if created or report.status == ReportStatus.FAILED:
                if not created:
                    Report.objects.filter(pk=report.pk).update(status=ReportStatus.PENDING, progress=0)
                report_queue(report)
        reports.append(report)
    return reports


def _set_progress(report: Report, progress: int) -> None:
    report.progress = progress
    Report.objects.filter(pk=report.pk).update(progress=progress)


def _fill_missing_snapshots(report: Report) -> None:
    days = (report.period_end - report.period_start).days + 1
    if days > FILL_MISSING_SNAPSHOTS_DAYS:
        return
    recorded = set(
        ProgressSnapshot.objects.filter(
            province=report.province, on__range=(report.period_start, report.period_end)
        ).values_list("on", flat=True)
    )
    last = min(report.period_end, timezone.localdate())
    for offset in range(days):
        day = report.period_start + datetime.timedelta(days=offset)
        if day <= last and day not in recorded:
            snapshots_record(day)


def _store(report: Report, field_name: str, data: bytes) -> None:
    """Save ``data`` in the report's file field under its stable name, replacing an earlier file."""
    field_file = getattr(report, field_name)
    filename = report_filename(report, field_name)
    target = field_file.field.generate_filename(report, filename)
    if field_file.name and field_file.name != target:
        field_file.storage.delete(field_file.name)
    if field_file.storage.exists(target):
        field_file.storage.delete(target)  # the same name again, not ``name_x7Kq2.pdf``
    field_file.save(filename, ContentFile(data), save=False)


def report_produce(*, report_id: int) -> Report:
    """Build the report's XLSX and PDF, store them through Django's storage and mark it done, updating its
    progress at each step; then e-mail a scheduled report. A report already done is not rebuilt."""
    report = Report.objects.select_related("province").get(pk=report_id)
    if report.status == ReportStatus.DONE and report.xlsx and report.pdf:
        report_email_if_due(report)
        return report
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, progress=5, attempts=F("attempts") + 1, error=""
    )
    report.refresh_from_db(fields=["status", "progress", "attempts", "error"])
    _fill_missing_snapshots(report)
    _set_progress(report, 20)
    content = report_content(province=report.province, period_start=report.period_start, period_end=report.period_end)
    _set_progress(report, 40)
    xlsx = report_xlsx(content)
    _set_progress(report, 60)
    pdf = report_pdf(content)
    _set_progress(report, 85)
    _store(report, "xlsx", xlsx)
    _store(report, "pdf", pdf)
    report.status, report.progress, report.finished_at, report.error = ReportStatus.DONE, 100, timezone.now(), ""
    report.save(update_fields=["xlsx", "pdf", "status", "progress", "finished_at", "error"])
    report_email_if_due(report)
    return report


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def report_fail(*, report_id: int, exc: BaseException) -> None:
    """Record that producing the report failed for good: status failed, with the error."""
    Report.objects.filter(pk=report_id).update(status=ReportStatus.FAILED, error=_error_text(exc))


def report_retry_noted(*, report_id: int, exc: BaseException, retry: int, max_retries: int) -> None:
    """Record a transient failure that will be retried: the report waits again, the error is shown."""
    text = _("Attempt failed, will retry (%(retry)s of %(max)s): %(error)s") % {
        "retry": retry,
        "max": max_retries,
        "error": _error_text(exc),
    }
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.DONE).update(
        status=ReportStatus.PENDING, error=text[:2000]
    )


def report_recipients(report: Report) -> list[str]:
    """The active committee members with an e-mail address: of the province's plan, or of every plan for the
    national report; each address once."""
    members = CommitteeMember.objects.filter(is_active=True).exclude(email="")
    if report.province_id:
        members = members.filter(plan__province_id=report.province_id)
    seen, addresses = set(), []
    for email in members.order_by("plan_id", "role", "full_name").values_list("email", flat=True):
        if email.lower() not in seen:
            seen.add(email.lower())
            addresses.append(email)
    return addresses


def report_email_if_due(report: Report) -> bool:
    """E-mail a finished scheduled report to the committee, once (``emailed_at``). SMTP errors propagate (they
    are ``OSError``s: the task retries)."""
    if report.requested_by_id or report.emailed_at or report.status != ReportStatus.DONE:
        return False
    recipients = report_recipients(report)
    if not recipients:
        return False
    with translation.override("vi"):
        subject = str(report)
        body = render_to_string("rollout/reports/report_email.txt", {"report": report})
        message = EmailMessage(subject=subject, body=body, to=recipients)
        for field_name, content_type in (("xlsx", XLSX_CONTENT_TYPE), ("pdf", PDF_CONTENT_TYPE)):
            field_file = getattr(report, field_name)
            with field_file.open("rb") as handle:
                message.attach(report_filename(report, field_name), handle.read(), content_type)
    message.send(fail_silently=False)
    report.emailed_at = timezone.now()
    Report.objects.filter(pk=report.pk).update(emailed_at=report.emailed_at)
    return True
