"""A large file's preview as a background job (``rollout.core.import_jobs``): queued through the outbox when it is
uploaded, checked by a real Celery worker with its progress on the page (percentage and rows, polled as JSON, a
refresh link without JavaScript), then confirmed; a job whose worker died is checked again once, and old ones are
forgotten. Workbooks go through the real pages."""

import datetime
import time

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune
from rollout.core.import_jobs import ImportJob, ImportJobStatus, import_jobs_recover
from rollout.core.imports import ImportReport, report_digest
from rollout.core.outbox import OutboxMessage
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.celery import CELERY_GROUP
from tests.builders.spreadsheets import xlsx
from tests.factories import ImportJobFactory

IMPORT_URL = "/communes/import/"
SESSION_PREFIX = "import-communes"


def commune_file(populations: dict[int, int]) -> SimpleUploadedFile:
    content = xlsx(["Mã xã", "Dân số"], [[code, population] for code, population in populations.items()], title="Xã")
    return SimpleUploadedFile("xa.xlsx", content, content_type=XLSX_CONTENT_TYPE)


def every_commune(base: int = 1000) -> dict[int, int]:
    return {
        code: base + index for index, code in enumerate(Commune.objects.order_by("code").values_list("code", flat=True))
    }


def in_english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def job_token(response) -> str:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith(f"{IMPORT_URL}?job="), location
    return location.split("?job=", 1)[1]


def bind(client, job: ImportJob) -> None:
    """Put ``job`` in the client's session, as its upload did."""
    session = client.session
    session[f"{SESSION_PREFIX}:{job.token}"] = {"job": job.pk}
    session.save()


@pytest.fixture
def administrator(client_as):
    return in_english(client_as("administrator"))


@pytest.fixture
def large(settings):
    """Files of more than 10 rows are large here: previewed by the worker."""
    settings.IMPORT_SYNC_MAX_ROWS = 10


# --- through a real worker --------------------------------------------------------------------------------------


@pytest.mark.xdist_group(CELERY_GROUP)
@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_by_the_worker_with_its_progress_then_confirmed(
    demo_baseline, administrator, large, redis_worker
):
    populations = every_commune()
    started = time.monotonic()
    response = administrator.post(IMPORT_URL, {"file": commune_file(populations)})
    assert time.monotonic() - started < 2  # the page does not wait for the rows
    token = job_token(response)
    job = ImportJob.objects.get(token=token)
    assert OutboxMessage.objects.get(key=f"import:{job.pk}").dispatched_at is not None  # sent to Redis

    polls = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        polled = administrator.get(IMPORT_URL, {"job": token, "format": "json"})
        assert polled.status_code == 200
        polls.append(polled.json())
        if polls[-1]["finished"]:
            break
        time.sleep(0.05)
    last = polls[-1]
    assert last == {"status": "done", "status_label": "Checked", "percent": 100, "rows_done": 102,
                    "rows_total": 102, "rows_text": "102 of 102 rows checked", "finished": True}  # fmt: skip
    assert all(0 <= poll["percent"] <= 100 for poll in polls)
    assert [poll["percent"] for poll in polls] == sorted(poll["percent"] for poll in polls)

    page = administrator.get(IMPORT_URL, {"job": token})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="import-preview"' in html and 'data-testid="import-confirm"' in html
    assert 'data-testid="import-job"' not in html  # no progress bar any more
    assert page.context["report"].totals == {"new": 0, "changed": 102, "unchanged": 0, "error": 0}
    assert Commune.objects.filter(population__isnull=False).count() == 0  # nothing written by the preview

    response = administrator.post(IMPORT_URL, {"token": page.context["token"]})
    assert response.status_code == 302 and response["Location"] == reverse("communes:commune_list")
    assert dict(Commune.objects.values_list("code", "population")) == populations
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.CONFIRMED


# --- the progress page ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_of_a_file_being_checked_shows_its_percentage_and_rows_and_a_refresh_link(
    demo_baseline, administrator, users
):
    job = ImportJobFactory(user=users["administrator"], rows_done=2_513, rows_total=10_051)
    bind(administrator, job)

    response = administrator.get(IMPORT_URL, {"job": job.token})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-valuenow="25"' in html and ">25%<" in html
    assert "2,513 of 10,051 rows checked" in html
    assert f'href="{IMPORT_URL}?job={job.token}" data-testid="import-refresh"' in html  # works without JavaScript
    assert f'data-import-status-url="{IMPORT_URL}?job={job.token}&amp;format=json"' in html
    assert "js/import_progress.js" in html
    assert 'data-testid="import-confirm"' not in html
    polled = administrator.get(IMPORT_URL, {"job": job.token, "format": "json"}).json()
    assert polled == {"status": "running", "status_label": "Being checked", "percent": 25, "rows_done": 2_513,
                      "rows_total": 10_051, "rows_text": "2,513 of 10,051 rows checked", "finished": False}  # fmt: skip


@pytest.mark.django_db
def test_the_progress_speaks_vietnamese_with_vietnamese_numbers(demo_baseline, client_as, users):
    client = client_as("administrator")
    job = ImportJobFactory(user=users["administrator"], rows_done=2_513, rows_total=10_051)
    bind(client, job)

    html = client.get(IMPORT_URL, {"job": job.token}).content.decode()

    assert "Đã kiểm tra 2.513 trên 10.051 dòng" in html
    assert "Đang kiểm tra tệp" in html
    assert "Làm mới" in html


@pytest.mark.django_db
def test_a_job_not_of_this_session_is_not_shown(demo_baseline, administrator, client_as, users):
    job = ImportJobFactory(user=users["administrator"])
    response = administrator.get(IMPORT_URL, {"job": job.token})  # not bound to this session
    assert response.status_code == 302 and response["Location"] == IMPORT_URL
    assert administrator.get(IMPORT_URL, {"job": job.token, "format": "json"}).status_code == 404
    assert administrator.get(IMPORT_URL, {"job": "../../etc/passwd", "format": "json"}).status_code == 404
    other = ImportJobFactory(user=users["provincial_clerk"])
    bind(administrator, other)  # someone else's job, even in this session
    assert administrator.get(IMPORT_URL, {"job": other.token, "format": "json"}).status_code == 404


@pytest.mark.django_db
def test_a_file_waiting_for_the_worker_says_so(demo_baseline, administrator, users, monkeypatch):
    from rollout.health import broker_check

    monkeypatch.setattr(broker_check, "reachable", lambda: False)
    job = ImportJobFactory(user=users["administrator"], status=ImportJobStatus.PENDING, rows_total=None, rows_done=0)
    bind(administrator, job)

    html = administrator.get(IMPORT_URL, {"job": job.token}).content.decode()

    assert "Waiting for the background worker." in html
    assert 'data-testid="import-delayed"' in html
    assert 'data-testid="jobs-delayed-banner"' in html


# --- in-process (no broker): the same job, with its progress recorded as it goes ---------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="progress is recorded on a second connection")
@pytest.mark.django_db(transaction=True)
def test_the_rows_done_are_recorded_while_the_rows_are_checked(demo_baseline, administrator, large, monkeypatch):
    import rollout.core.import_jobs as import_jobs

    monkeypatch.setattr(import_jobs, "PROGRESS_INTERVAL_SECONDS", 0)
    seen = []
    record = import_jobs._Progress.__call__

    def observed(self, rows_done):
        record(self, rows_done)
        # read on the preview's own connection, inside its transaction: what the page's poll would see
        seen.append(ImportJob.objects.values_list("rows_done", "rows_total").get(pk=self.job_id))

    monkeypatch.setattr(import_jobs._Progress, "__call__", observed)

    token = job_token(administrator.post(IMPORT_URL, {"file": commune_file(every_commune())}))

    assert len(seen) == 102
    assert seen[0] == (1, 102) and seen[50] == (51, 102) and seen[-1] == (102, 102)
    job = ImportJob.objects.get(token=token)
    assert (job.status, job.rows_done, job.rows_total, job.attempts) == ("done", 102, 102, 1)
    assert job.heartbeat_at is not None


@pytest.mark.django_db
def test_a_large_file_with_bad_rows_shows_them_and_cannot_be_confirmed(
    demo_baseline, administrator, large, django_capture_on_commit_callbacks, settings
):
    populations = every_commune()
    populations[99_999] = 5  # no such commune
    with django_capture_on_commit_callbacks(execute=True):
        token = job_token(administrator.post(IMPORT_URL, {"file": commune_file(populations)}))

    page = administrator.get(IMPORT_URL, {"job": token})

    assert page.status_code == 200
    assert page.context["report"].totals["error"] == 1
    assert page.context["token"] is None
    assert 'data-testid="import-refused"' in page.content.decode()
    assert not list((settings.MEDIA_ROOT / "imports").iterdir())  # the file is not kept
    job = ImportJob.objects.get(token=token)
    assert administrator.post(IMPORT_URL, {"token": token}).status_code == 302  # nothing to confirm
    assert Commune.objects.filter(population__isnull=False).count() == 0
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.DONE


@pytest.mark.django_db
def test_a_large_file_whose_data_changed_before_the_confirmation_is_checked_again_in_the_background(
    demo_baseline, administrator, large, django_capture_on_commit_callbacks
):
    populations = every_commune()
    with django_capture_on_commit_callbacks(execute=True):
        token = job_token(administrator.post(IMPORT_URL, {"file": commune_file(populations)}))
    code = next(iter(populations))
    Commune.objects.filter(code=code).update(population=populations[code] + 1)  # someone's edit meanwhile
    before = list(Commune.objects.order_by("code").values())

    with django_capture_on_commit_callbacks(execute=True):
        response = administrator.post(IMPORT_URL, {"token": token})

    assert response.status_code == 409
    assert list(Commune.objects.order_by("code").values()) == before  # nothing written
    html = response.content.decode()
    assert "changed since the preview" in html
    new_job = response.context["job"]
    assert new_job.token != token and 'data-testid="import-job"' in html  # its new preview, being checked
    page = administrator.get(IMPORT_URL, {"job": new_job.token})  # checked meanwhile (in-process here)
    rows = {row.number: row for row in page.context["report"].rows}
    assert rows[2].status == "changed" and rows[2].changes[0][1:3] == (populations[code] + 1, populations[code])
    assert administrator.post(IMPORT_URL, {"token": new_job.token}).status_code == 302
    assert dict(Commune.objects.values_list("code", "population")) == populations


@pytest.mark.django_db
def test_a_new_upload_discards_the_job_being_checked(demo_baseline, administrator, large, settings):
    first = job_token(administrator.post(IMPORT_URL, {"file": commune_file(every_commune())}))  # queued, not run
    administrator.post(IMPORT_URL, {"file": commune_file({23347: 5})})  # a small one: checked at once

    assert ImportJob.objects.get(token=first).status == ImportJobStatus.DISCARDED
    assert len(list((settings.MEDIA_ROOT / "imports").iterdir())) == 1
    assert administrator.get(IMPORT_URL, {"job": first, "format": "json"}).status_code == 404


# --- a worker that died, old jobs ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_checked_again_once_then_fails(demo_baseline, administrator, users, settings):
    lease = datetime.timedelta(seconds=settings.IMPORT_PREVIEW_LEASE_SECONDS + 1)
    job = ImportJobFactory(user=users["administrator"], heartbeat_at=timezone.now() - lease, attempts=1)
    fresh = ImportJobFactory(user=users["administrator"])  # its worker beats: left alone

    assert import_jobs_recover() == {"requeued": 1, "failed": 0, "deleted": 0}
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (ImportJobStatus.PENDING, 0)
    assert OutboxMessage.objects.filter(key=f"import:{job.pk}", dispatched_at__isnull=True).count() == 1
    assert import_jobs_recover()["requeued"] == 0  # its message still waits in the outbox: not twice

    # sent, taken by a worker that dies too
    OutboxMessage.objects.filter(key=f"import:{job.pk}").update(dispatched_at=timezone.now())

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, attempts=2, heartbeat_at=timezone.now() - lease
    )
    assert import_jobs_recover()["failed"] == 1
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and "đã dừng 2 lần" in job.error  # the site's language
    assert ImportJob.objects.get(pk=fresh.pk).status == ImportJobStatus.RUNNING
    bind(administrator, job)
    html = administrator.get(IMPORT_URL, {"job": job.token}).content.decode()
    # the worker writes the reason in the site's language (Vietnamese), whatever the page's language
    assert 'data-testid="import-failed"' in html and "đã dừng 2 lần" in html
    assert 'data-testid="import-upload"' in html  # upload again from here


@pytest.mark.django_db
def test_a_message_delivered_twice_checks_the_file_once(demo_baseline, administrator, large):
    from rollout.tasks import preview_import

    token = job_token(administrator.post(IMPORT_URL, {"file": commune_file(every_commune())}))
    job = ImportJob.objects.get(token=token)

    assert preview_import(job.pk) == ImportJobStatus.DONE
    assert preview_import(job.pk) is None  # already checked
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJobStatus.DONE, 1)


@pytest.mark.django_db
def test_old_jobs_are_forgotten_with_their_files(demo_baseline, administrator, settings):
    response = administrator.post(IMPORT_URL, {"file": commune_file({23347: 5})})
    job = ImportJob.objects.get(token=response.context["token"])
    assert len(list((settings.MEDIA_ROOT / "imports").iterdir())) == 1
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))

    assert import_jobs_recover()["deleted"] == 1

    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not list((settings.MEDIA_ROOT / "imports").iterdir())
    assert administrator.post(IMPORT_URL, {"token": job.token}).status_code == 302  # expired


def test_a_preview_kept_as_json_shows_and_digests_the_same():
    from rollout.core.imports import CellError, Change, PreviewRow

    report = ImportReport(
        rows=[
            PreviewRow(2, "changed", "23347 · Xã Đắk Man",
                       changes=[Change.of("Dân số", None, 3500), Change.of("Có CA chính quy từ ngày",
                                                                          datetime.date(2021, 3, 15), None)]),
            PreviewRow(3, "error", "", errors=[CellError("Ngày sinh", datetime.datetime(1990, 1, 2, 3, 4), "bad")]),
        ]
    )  # fmt: skip

    kept = ImportReport.from_json(report.to_json())

    assert kept.rows == report.rows
    assert report_digest(kept) == report_digest(report)
    assert kept.lost_values == 1 and kept.totals == report.totals
