"""Redis stops (a real ``redis-server`` of the test's own) while an administrator uploads a large file: the upload
answers at once, the import page keeps serving and says the check waits for the background jobs; once Redis is
back and the sweeper has run, a worker checks the file and it is confirmed, once."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from communes.models import Commune
from rollout.core.import_jobs import ImportJob, ImportJobStatus
from rollout.core.outbox import OutboxMessage
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from rollout.health import broker_check
from rollout.tasks import jobs_sweep
from tests.builders.celery import celery_broker, celery_worker
from tests.builders.redis_server import FAULTS_GROUP
from tests.builders.spreadsheets import xlsx

pytestmark = [pytest.mark.xdist_group(FAULTS_GROUP), pytest.mark.django_db(transaction=True)]

IMPORT_URL = "/communes/import/"


def test_a_large_file_uploaded_with_redis_stopped_waits_then_is_checked_and_confirmed(
    client_as, demo_baseline, own_redis, settings
):
    settings.IMPORT_SYNC_MAX_ROWS = 10
    client = client_as("administrator")  # in Vietnamese, the default (a language picked here would outlive the test)
    codes = list(Commune.objects.order_by("code").values_list("code", flat=True))
    content = xlsx(["Mã xã", "Dân số"], [[code, 500 + index] for index, code in enumerate(codes)], title="Xã")
    with celery_broker(settings, own_redis.url):
        own_redis.stop()
        broker_check.forget()

        started = time.monotonic()
        response = client.post(
            IMPORT_URL, {"file": SimpleUploadedFile("xa.xlsx", content, content_type=XLSX_CONTENT_TYPE)}
        )
        assert time.monotonic() - started < 3
        assert response.status_code == 302
        token = response["Location"].split("?job=", 1)[1]
        job = ImportJob.objects.get(token=token)
        assert job.status == ImportJobStatus.PENDING
        message = OutboxMessage.objects.get(key=f"import:{job.pk}")
        assert message.dispatched_at is None and "Error" in message.last_error

        started = time.monotonic()
        page = client.get(IMPORT_URL, {"job": token})
        assert time.monotonic() - started < 3
        assert page.status_code == 200
        html = page.content.decode()
        assert "Đang chờ tiến trình xử lý nền." in html
        assert 'data-testid="import-delayed"' in html and 'data-testid="jobs-delayed-banner"' in html
        assert client.get(IMPORT_URL, {"job": token, "format": "json"}).json()["finished"] is False
        assert client.get("/communes/").status_code == 200  # the rest serves too

        own_redis.start()
        broker_check.forget()
        assert jobs_sweep()["sent"] >= 1
        with celery_worker(settings, own_redis.url):
            deadline = time.monotonic() + 60
            while (
                time.monotonic() < deadline
                and not client.get(IMPORT_URL, {"job": token, "format": "json"}).json()["finished"]
            ):
                time.sleep(0.2)
        job.refresh_from_db()
        assert (job.status, job.attempts, job.totals["changed"]) == (ImportJobStatus.DONE, 1, 102)

        response = client.post(IMPORT_URL, {"token": token})
        assert response.status_code == 302 and response["Location"] == "/communes/"
        assert client.post(IMPORT_URL, {"token": token})["Location"] == IMPORT_URL  # once
    assert dict(Commune.objects.values_list("code", "population")) == {
        code: 500 + index for index, code in enumerate(codes)
    }
