"""Celery tasks of the rollout: the daily snapshot, the weekly and monthly reports, producing one report,
e-mailing it to one subscriber, and previewing an import.

The schedule lives in ``settings.CELERY_BEAT_SCHEDULE``. Tasks take IDs, call services, and own their retries:
database and network errors (``OperationalError``, ``InterfaceError``, ``OSError`` — connection and SMTP errors
included) are retried with an exponential back-off; any other error marks the report failed, with its text.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from rollout.core.import_jobs import import_jobs_recover, import_preview_produce
from rollout.core.outbox import outbox_sweep
from rollout.models import Report, ReportStatus, SubscriptionFrequency
from rollout.progress.snapshots import snapshots_record
from rollout.progress.states import commune_states_refresh
from rollout.reports import services as report_services
from rollout.subscriptions import deliveries

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
REPORT_MAX_RETRIES = 3
REPORT_RETRY_BASE_SECONDS = 30
DELIVERY_MAX_RETRIES = 5
DELIVERY_RETRY_BASE_SECONDS = 60


@shared_task(
    name="rollout.record_snapshot",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=10 * 60,
)
def record_snapshot(on: str | None = None) -> dict:
    """Record today's progress snapshots (every loaded province and the whole country); ``on``: an ISO date."""
    import datetime

    day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    result = snapshots_record(day)
    return {"on": day.isoformat(), "created": result.created, "updated": result.updated}


@shared_task(
    name="rollout.refresh_commune_states",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=10 * 60,
)
def refresh_commune_states() -> int:
    """Refresh every commune's stored state for the new day: certificates that expired, assignments and
    issuances dated to start or end today (``rollout.progress.states``). Returns the rows written."""
    return commune_states_refresh(None)


@shared_task(name="rollout.weekly_reports", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def weekly_reports() -> list[int]:
    """Monday: last week's reports (each subscribed area, each province with a plan, the whole country), queued
    for production, and one delivery per weekly subscription. Idempotent: run twice, it creates and sends nothing
    more."""
    reports = deliveries.subscribed_reports_create(frequency=SubscriptionFrequency.WEEKLY, today=timezone.localdate())
    return [report.pk for report in reports]


@shared_task(name="rollout.monthly_reports", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def monthly_reports() -> list[int]:
    """The 1st: last month's reports of each area with a monthly subscription, and their deliveries.
    Idempotent."""
    reports = deliveries.subscribed_reports_create(frequency=SubscriptionFrequency.MONTHLY, today=timezone.localdate())
    return [report.pk for report in reports]


@shared_task(bind=True, name="rollout.produce_report", max_retries=REPORT_MAX_RETRIES, soft_time_limit=20 * 60)
def produce_report(self, report_id: int) -> str | None:
    """Build and store a report's files, then queue its subscribers' deliveries. Returns its status."""
    try:
        status = report_services.report_produce(report_id=report_id).status
        if status == ReportStatus.DONE:
            deliveries.deliveries_queue(report_id=report_id)
        return status
    except Report.DoesNotExist:
        logger.warning("Report %s no longer exists; nothing to produce.", report_id)
        return None
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("Report %s failed after %s retries.", report_id, self.request.retries)
            report_services.report_fail(report_id=report_id, exc=exc)
            return "failed"
        report_services.report_retry_noted(
            report_id=report_id, exc=exc, retry=self.request.retries + 1, max_retries=self.max_retries
        )
        if self.request.is_eager:
            # In-process (no Redis: the demo, most tests): retry at once; Celery's eager retry would raise.
            return self.apply(args=(report_id,), retries=self.request.retries + 1).result
        raise self.retry(exc=exc, countdown=REPORT_RETRY_BASE_SECONDS * 2**self.request.retries) from exc
    except Exception as exc:  # anything else will not get better by retrying: record it on the report
        logger.exception("Report %s failed.", report_id)
        report_services.report_fail(report_id=report_id, exc=exc)
        return "failed"


@shared_task(bind=True, name="rollout.deliver_report", max_retries=DELIVERY_MAX_RETRIES, soft_time_limit=5 * 60)
def deliver_report(self, delivery_id: int) -> str:
    """E-mail a subscribed report to one subscriber, once. Mail server and database errors are retried with an
    exponential back-off, then the delivery is marked failed; every failure is logged."""
    try:
        return deliveries.delivery_send(delivery_id=delivery_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("Delivery %s failed after %s retries.", delivery_id, self.request.retries)
            deliveries.delivery_fail(delivery_id=delivery_id, exc=exc)
            return "failed"
        logger.warning("Delivery %s failed (%s); retrying.", delivery_id, exc)
        deliveries.delivery_retry_noted(
            delivery_id=delivery_id, exc=exc, retry=self.request.retries + 1, max_retries=self.max_retries
        )
        if self.request.is_eager:  # in-process (the demo, most tests): retry at once
            return self.apply(args=(delivery_id,), retries=self.request.retries + 1).result
        raise self.retry(exc=exc, countdown=DELIVERY_RETRY_BASE_SECONDS * 2**self.request.retries) from exc
    except Exception as exc:  # a bug, or a file gone: retrying will not cure it
        logger.exception("Delivery %s failed.", delivery_id)
        deliveries.delivery_fail(delivery_id=delivery_id, exc=exc)
        return "failed"


@shared_task(name="rollout.preview_import", soft_time_limit=15 * 60, time_limit=16 * 60, ignore_result=True)
def preview_import(job_id: int) -> str | None:
    """Preview an uploaded file for its import page (a dry run), with its progress. Returns the job's status."""
    return import_preview_produce(job_id=job_id)


def jobs_sweep() -> dict[str, int]:
    """Reports and import previews whose worker died (or whose message was lost) go back to the outbox, then
    whatever the outbox holds is sent: the work of ``rollout.sweep_jobs`` and ``manage.py dispatch_outbox``."""
    reports = report_services.reports_recover()
    imports = import_jobs_recover()
    return {
        "requeued": reports["requeued"] + imports["requeued"],
        "failed": reports["failed"] + imports["failed"],
        "sent": outbox_sweep(),
    }


@shared_task(name="rollout.sweep_jobs", soft_time_limit=50, time_limit=60, ignore_result=True)
def sweep_jobs() -> dict[str, int]:
    """Every minute (Celery beat): recover stuck reports and send the outbox's pending rows."""
    return jobs_sweep()


@shared_task(
    name="rollout.send_digests", autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3
)
def send_digests() -> dict:
    """Send the digests due now (``rollout.notifications.services``): each once per user and period; an SMTP error
    is kept on the digest and retried at the next hourly run."""
    from rollout.notifications.services import digests_send_due

    return digests_send_due()
