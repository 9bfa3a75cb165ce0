"""Redis stops (a real ``redis-server`` of the test's own, never the shared one): the pages still serve, writes
succeed, a banner says background jobs are delayed, and a report asked for meanwhile waits in the outbox and is
produced, once, when Redis is back and the sweeper has run."""

import time

import pytest

from rollout.core.outbox import OutboxMessage
from rollout.health import broker_check
from rollout.models import Report, ReportStatus
from rollout.reports.services import previous_week
from rollout.tasks import jobs_sweep
from tests.builders.celery import celery_broker, celery_worker
from tests.builders.redis_server import FAULTS_GROUP
from tests.builders.reports import TODAY

pytestmark = [pytest.mark.xdist_group(FAULTS_GROUP), pytest.mark.django_db(transaction=True)]

BANNER = 'data-testid="jobs-delayed-banner"'


def _timed_get(client, url):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def _officer_form():
    return {
        "police_number": "234-567", "full_name": "A Thút", "birth_date": "01/03/1998", "gender": "male",
        "ethnicity": "xo_dang", "rank": 5, "current_unit": "Công an huyện Đắk Glei",
        "province": 62, "district": 610, "home_district": 610, "education": "university",
        "political_theory": "elementary", "phone": "0912345678",
    }  # fmt: skip


def test_with_redis_stopped_pages_and_writes_serve_and_the_report_is_produced_once_it_is_back(
    client_as, demo_baseline, own_redis, settings
):
    client = client_as("provincial_clerk")
    pages = ["/", "/dashboard/district/610/", "/communes/", "/officers/", "/reports/", "/training/", "/equipment/"]
    with celery_broker(settings, own_redis.url):
        assert client.get("/").status_code == 200  # the cache warms up on the live Redis
        assert BANNER not in client.get("/").content.decode()

        own_redis.stop()
        broker_check.forget()
        for url in pages:
            response, seconds = _timed_get(client, url)
            assert response.status_code == 200, url
            assert seconds < 3, (url, seconds)
        html = client.get("/").content.decode()
        assert BANNER in html
        assert "Các tác vụ nền đang bị chậm" in html  # in Vietnamese

        # Writes succeed: a new officer, and a report asked for now (saved, and kept in the outbox).
        response = client.post("/officers/new/", _officer_form())
        assert response.status_code == 302
        start, end = previous_week(TODAY)
        data = {"scope": "62", "period_start": f"{start:%d/%m/%Y}", "period_end": f"{end:%d/%m/%Y}"}
        response = client.post("/reports/new/", data)
        assert response.status_code == 302
        report = Report.objects.get()
        assert report.status == ReportStatus.PENDING
        message = OutboxMessage.objects.get(key=f"report:{report.pk}")
        assert message.dispatched_at is None and message.attempts == 1 and "Error" in message.last_error
        report_page = client.get(f"/reports/{report.pk}/").content.decode()
        assert "Đang chờ" in report_page
        # Asking again while Redis is down adds nothing.
        assert client.post("/reports/new/", data).status_code == 302
        assert OutboxMessage.objects.filter(key=f"report:{report.pk}").count() == 1
        body = client.get("/healthz").json()
        assert body["status"] == "degraded" and body["broker"].startswith("error")
        assert body["outbox_oldest_pending_seconds"] is not None

        # A sweep while Redis is still down keeps the row.
        assert jobs_sweep()["sent"] == 0

        own_redis.start()  # back, empty (no persistence)
        broker_check.forget()
        # The sweeper (beat's every minute, or manage.py dispatch_outbox) sends it through the same process's
        # connections, which reconnect by themselves; then a worker takes it.
        assert jobs_sweep()["sent"] >= 1
        assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
        with celery_worker(settings, own_redis.url):
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                report.refresh_from_db()
                if report.status == ReportStatus.DONE:
                    break
                time.sleep(0.2)
        report.refresh_from_db()
        assert report.status == ReportStatus.DONE and report.attempts == 1 and report.xlsx and report.pdf
        assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
        time.sleep(0.1)
        assert BANNER not in client.get("/").content.decode()
