"""A real worker process killed with SIGKILL in the middle of a report: the report is noticed (its heartbeat
stops), queued again by the sweeper, and finishes exactly once: one set of files, one e-mail to each subscriber,
and the killed worker's message, delivered again later, does nothing."""

import datetime
import os
import signal
import time

import pytest
from django.core import mail
from django.db import connection, transaction

from rollout.core.outbox import OutboxMessage
from rollout.models import DeliveryStatus, Report, ReportDelivery, ReportStatus, ReportSubscription
from rollout.reports.services import previous_week, report_queue
from rollout.tasks import jobs_sweep, produce_report
from tests.builders.celery import celery_broker, celery_worker, worker_queue
from tests.builders.redis_server import FAULTS_GROUP
from tests.builders.reports import TODAY, build_pilot
from tests.builders.worker_process import worker_process

pytestmark = [pytest.mark.xdist_group(FAULTS_GROUP), pytest.mark.django_db(transaction=True)]


def _test_database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(report: Report, condition, seconds: float = 60) -> Report:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if condition(report):
            return report
        time.sleep(0.1)
    raise AssertionError(f"report {report.pk}: {report.status} {report.progress}% after {seconds} s")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker process needs a shared database")
def test_a_worker_killed_mid_report_leaves_a_report_that_finishes_exactly_once(
    demo_baseline, users, own_redis, settings, client_as
):
    build_pilot(demo_baseline, users["provincial_clerk"])  # a committee: its two addresses subscribe by default
    start, end = previous_week(TODAY)
    with celery_broker(settings, own_redis.url):
        with transaction.atomic():
            report = Report.objects.create(province=demo_baseline, period_start=start, period_end=end)
            for subscription in ReportSubscription.objects.filter(province=demo_baseline):  # as the weekly batch does
                ReportDelivery.objects.create(
                    subscription=subscription, report=report, period_start=start, period_end=end
                )
            report_queue(report)  # sent to this test's Redis on commit
        assert OutboxMessage.objects.get().dispatched_at is not None

        with worker_process(
            database_url=_test_database_url(), redis_url=own_redis.url, queue=worker_queue(), stall_reports=True
        ) as process:
            _wait_for(report, lambda r: r.status == ReportStatus.RUNNING and r.progress == 40)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        report.refresh_from_db()
        assert (report.status, report.progress, report.attempts) == (ReportStatus.RUNNING, 40, 1)

        # Within the lease nothing is touched: a slow step is not a dead worker.
        assert jobs_sweep() == {"requeued": 0, "failed": 0, "sent": 0}
        # The heartbeat is older than the lease (shortened here from minutes to one second): queued again.
        settings.REPORT_LEASE_SECONDS = 1
        time.sleep(1.2)
        assert jobs_sweep() == {"requeued": 1, "failed": 0, "sent": 0}  # sent at once, on the requeue's commit
        assert OutboxMessage.objects.filter(dispatched_at__isnull=False).count() == 2
        page = client_as("provincial_clerk").get(f"/reports/{report.pk}/").content.decode()
        assert "Tiến trình xử lý đã dừng; đang lập lại (lần 2 trên 3)" in page

        with celery_worker(settings, own_redis.url):
            _wait_for(report, lambda r: r.status == ReportStatus.DONE)
            _wait_for(report, lambda r: not r.deliveries.filter(status=DeliveryStatus.PENDING).exists())
        assert report.attempts == 2 and report.progress == 100 and report.error == ""
        assert report.xlsx.name.endswith(".xlsx") and report.pdf.name.endswith(".pdf")
        files = sorted(os.listdir(os.path.dirname(report.pdf.path)))
        assert len(files) == 2, files  # one Excel file and one PDF, under their stable names
        assert sorted(m.to[0] for m in mail.outbox) == ["ha@example.vn", "son@example.vn"]  # e-mailed once each

        # The killed worker's message comes back once the visibility timeout passes: it finds the report done.
        assert produce_report.apply(kwargs={"report_id": report.pk}).result == ReportStatus.DONE
        report.refresh_from_db()
        assert report.attempts == 2 and len(mail.outbox) == 2
        assert jobs_sweep() == {"requeued": 0, "failed": 0, "sent": 0}


def test_a_report_whose_worker_keeps_dying_fails_after_the_last_attempt_and_can_be_retried(
    kon_tum, settings, client_as, django_capture_on_commit_callbacks
):
    settings.REPORT_LEASE_SECONDS = 60
    start, end = previous_week(TODAY)
    report = Report.objects.create(
        province=kon_tum, period_start=start, period_end=end, status=ReportStatus.RUNNING, progress=20,
        attempts=settings.REPORT_MAX_ATTEMPTS,
    )  # fmt: skip
    Report.objects.filter(pk=report.pk).update(heartbeat_at=report.created_at - datetime.timedelta(hours=1))
    assert jobs_sweep() == {"requeued": 0, "failed": 1, "sent": 0}
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "đã dừng 3 lần" in report.error

    client = client_as("provincial_clerk")
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'data-testid="retry-form"' in page and "Lập lại báo cáo này?" in page
    # A POST with only the CSRF token asks first, and writes nothing.
    response = client.post(f"/reports/{report.pk}/retry/")
    assert response.status_code == 200 and 'data-testid="confirm-page"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/{report.pk}/retry/", {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.attempts == 1
    # Sent twice (a second tab): nothing more happens.
    response = client.post(f"/reports/{report.pk}/retry/", {"confirm": "yes"}, follow=True)
    assert "không có gì để thử lại" in response.content.decode()
    report.refresh_from_db()
    assert report.attempts == 1
    # The committee may read reports but not ask for them: no button, and the POST is refused.
    committee = client_as("committee")
    assert committee.post(f"/reports/{report.pk}/retry/", {"confirm": "yes"}).status_code == 403
