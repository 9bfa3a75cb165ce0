"""Writes around progress reports: asking for one, the scheduled ones, producing the files and failing visibly.

Rules:

- one report per scope (a district, a province, or the whole country) and period: asking again reuses it; a
  failed one is queued again, a finished one is not rebuilt;
- producing a report that is already done rebuilds nothing: running the task twice never duplicates files;
  rebuilding a failed report replaces its files under the same names;
- e-mailing is not done here: the subscriptions (``rollout.subscriptions``, the Steering Committee's defaults
  included) send each subscriber the report of their area once it is done.
"""

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import District, Province
from rollout.core import scoping
from rollout.core.outbox import OutboxMessage, outbox_enqueue
from rollout.models import PilotPlan, ProgressSnapshot, Report, ReportStatus
from rollout.progress.snapshots import snapshots_record
from rollout.reports.content import report_content, report_filename, report_pdf, report_xlsx

logger = logging.getLogger(__name__)

# Days of trend a report fills in itself when the daily snapshots are missing (longer gaps: backfill_snapshots).
FILL_MISSING_SNAPSHOTS_DAYS = 31


def previous_week(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Monday–Sunday week before the one ``today`` falls in."""
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    return monday, monday + datetime.timedelta(days=6)


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar month before the one ``today`` falls in."""
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


PRODUCE_TASK = "rollout.produce_report"


def _report_key(report_id: int) -> str:
    return f"report:{report_id}"


def report_queue(report: Report) -> None:
    """Queue the production of ``report`` through the outbox, in the current transaction: sent to the worker
    once it commits, kept (and sent by the sweeper) while the broker cannot be reached. Queued twice before it
    is sent, it is sent once."""
    now = timezone.now()
    report.queued_at = now
    Report.objects.filter(pk=report.pk).update(queued_at=now)
    outbox_enqueue(PRODUCE_TASK, kwargs={"report_id": report.pk}, key=_report_key(report.pk))


def _lease_start(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.REPORT_LEASE_SECONDS)


def report_is_stuck(report: Report, *, now: datetime.datetime | None = None) -> bool:
    """A report that should be moving and is not: running without a heartbeat for longer than the lease (its
    worker died), or waiting longer than the lease since it was queued (its message was lost)."""
    since = _lease_start(now or timezone.now())
    if report.status == ReportStatus.RUNNING:
        return report.heartbeat_at is None or report.heartbeat_at < since
    if report.status == ReportStatus.PENDING:
        return (report.queued_at or report.created_at) < since
    return False


@transaction.atomic
def report_request(
    *, province: Province | None, period_start: datetime.date, period_end: datetime.date, user=None
) -> tuple[Report, str]:
    """Create the report for the scope (a province, or the whole country) and period, or reuse the existing one;
    returns it and what happened: ``"created"`` (queued), ``"requeued"`` (it had failed, or was stuck; queued
    again), ``"done"`` (ready already) or ``"in_progress"`` (already queued or running). A user asks only for a
    report of an area they may see."""
    scoping.check_visible(user, Report(province=province))
    report, created = Report.objects.select_for_update().get_or_create(
        province=province, district=None, period_start=period_start, period_end=period_end,
        defaults={"requested_by": user},
    )  # fmt: skip
    if created:
        report_queue(report)
        return report, "created"
    if report.status == ReportStatus.FAILED:
        report.status, report.progress, report.attempts = ReportStatus.PENDING, 0, 0
        report.save(update_fields=["status", "progress", "attempts"])
        report_queue(report)
        return report, "requeued"
    if report.status == ReportStatus.DONE:
        return report, "done"
    if report_is_stuck(report):
        report.status, report.progress = ReportStatus.PENDING, 0
        report.save(update_fields=["status", "progress"])
        report_queue(report)
        return report, "requeued"
    return report, "in_progress"


@transaction.atomic
def report_retry(*, report: Report, user) -> Report:
    """Produce a failed report again (asked for on its page), with a fresh count of attempts. A report that is
    not failed is left as it is."""
    scoping.check_visible(user, report)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.FAILED:
        report.status, report.progress, report.attempts, report.error = ReportStatus.PENDING, 0, 0, ""
        report.save(update_fields=["status", "progress", "attempts", "error"])
        report_queue(report)
    return report


def reports_recover(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The sweeper's part for reports: a report running without a heartbeat for longer than the lease (its
    worker died) is queued again, or failed once it has had ``REPORT_MAX_ATTEMPTS`` attempts; a report waiting
    longer than the lease since it was queued, with nothing left in the outbox for it, is queued again.
    Returns how many were requeued and failed."""
    now = now or timezone.now()
    since = _lease_start(now)
    outcome = {"requeued": 0, "failed": 0}
    stale_running = Report.objects.filter(status=ReportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True)
    )
    pending_message = OutboxMessage.objects.filter(
        dispatched_at__isnull=True, key=Concat(Value("report:"), Cast(OuterRef("pk"), CharField()))
    )
    stale_pending = (
        Report.objects.filter(status=ReportStatus.PENDING)
        .filter(Q(queued_at__lt=since) | Q(queued_at__isnull=True, created_at__lt=since))
        .exclude(Exists(pending_message))
    )
    for queryset in (stale_running, stale_pending):
        for pk in list(queryset.values_list("pk", flat=True)):
            with transaction.atomic():
                report = queryset.select_for_update(skip_locked=True).filter(pk=pk).first()
                if report is None:
                    continue
                if report.status == ReportStatus.RUNNING and report.attempts >= settings.REPORT_MAX_ATTEMPTS:
                    report.status = ReportStatus.FAILED
                    report.error = _("The report could not be produced: its worker stopped %(count)s times.") % {
                        "count": report.attempts
                    }
                    report.save(update_fields=["status", "error"])
                    logger.error("Report %s failed: its worker stopped %s times.", pk, report.attempts)
                    outcome["failed"] += 1
                    continue
                if report.status == ReportStatus.RUNNING:
                    report.error = _("Its worker stopped; produced again (attempt %(next)s of %(max)s).") % {
                        "next": report.attempts + 1,
                        "max": settings.REPORT_MAX_ATTEMPTS,
                    }
                report.status, report.progress = ReportStatus.PENDING, 0
                report.save(update_fields=["status", "progress", "error"])
                report_queue(report)
                logger.warning("Report %s was stuck; queued again.", pk)
                outcome["requeued"] += 1
    return outcome


@transaction.atomic
def scheduled_report(
    *, province_id: int | None, district_id: int | None, period_start: datetime.date, period_end: datetime.date
) -> Report:
    """The report of an area (a district, a province, or the country: ``province_id`` None) for the period, made
    by the schedule (no ``requested_by``): the existing one reused, a new or failed one queued. Idempotent."""
    if district_id is not None and province_id is None:
        province_id = District.objects.values_list("province_id", flat=True).get(pk=district_id)
    report, created = Report.objects.select_for_update().get_or_create(
        province_id=province_id, district_id=district_id, period_start=period_start, period_end=period_end
    )
    if created or report.status == ReportStatus.FAILED:
        if not created:
            report.status, report.progress, report.attempts = ReportStatus.PENDING, 0, 0
            report.save(update_fields=["status", "progress", "attempts"])
        report_queue(report)
    return report


def archive_areas() -> list[tuple[int | None, None]]:
    """The areas whose weekly report the archive always holds, subscribed to or not: each province with a plan,
    and the whole country (``(province_id, district_id)``)."""
    provinces = PilotPlan.objects.order_by("province_id").values_list("province_id", flat=True)
    return [(None, None), *[(province_id, None) for province_id in provinces]]


def demo_report_create(*, today: datetime.date, requested_by) -> Report:
    """Last week's report of Kon Tum, produced now in this process (the demo's archive); kept once made. Nothing
    is e-mailed: the subscriptions send reports only from the schedule."""
    start, end = previous_week(today)
    report, _created = Report.objects.get_or_create(
        province_id=62, district=None, period_start=start, period_end=end, defaults={"requested_by": requested_by}
    )
    return report_produce(report_id=report.pk)


def _set_progress(report: Report, progress: int) -> None:
    """A step done: the progress shown, and the heartbeat that tells the sweeper the worker is alive."""
    report.progress = progress
    Report.objects.filter(pk=report.pk).update(progress=progress, heartbeat_at=timezone.now())


def _fill_missing_snapshots(report: Report) -> None:
    days = (report.period_end - report.period_start).days + 1
    if days > FILL_MISSING_SNAPSHOTS_DAYS or report.district_id:  # a district's trend comes from the records
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
    progress at each step. A report already done is not rebuilt."""
    report = Report.objects.select_related("province", "district").get(pk=report_id)
    if report.status == ReportStatus.DONE and report.xlsx and report.pdf:
        return report
    # Claim it: a report another worker is producing (running, with a fresh heartbeat) is left to that worker,
    # so that a message delivered twice does not produce it twice at once.
    now = timezone.now()
    claimed = (
        Report.objects.filter(pk=report.pk)
        .exclude(status=ReportStatus.RUNNING, heartbeat_at__gte=_lease_start(now))
        .update(status=ReportStatus.RUNNING, progress=5, attempts=F("attempts") + 1, error="", heartbeat_at=now)
    )
    report.refresh_from_db(fields=["status", "progress", "attempts", "error", "heartbeat_at"])
    if not claimed:
        logger.info("Report %s is being produced by another worker; nothing to do.", report.pk)
        return report
    _fill_missing_snapshots(report)
    _set_progress(report, 20)
    content = report_content(
        province=report.province, district=report.district, period_start=report.period_start,
        period_end=report.period_end,
    )  # fmt: skip
    _set_progress(report, 40)
    xlsx = report_xlsx(content)
    _set_progress(report, 60)
    pdf = report_pdf(content)
    _set_progress(report, 85)
    _store(report, "xlsx", xlsx)
    _store(report, "pdf", pdf)
    report.status, report.progress, report.finished_at, report.error = ReportStatus.DONE, 100, timezone.now(), ""
    report.save(update_fields=["xlsx", "pdf", "status", "progress", "finished_at", "error"])
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
