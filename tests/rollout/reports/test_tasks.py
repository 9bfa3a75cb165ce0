"""The report task run by a real Celery worker through Redis: the stored files hold the database's figures and
correct Vietnamese."""

import pytest
from celery.result import EagerResult
from django.core import mail

from rollout.models import Report, ReportStatus
from rollout.reports.content import REPORT_TITLE
from rollout.reports.services import previous_week
from rollout.tasks import produce_report
from tests.builders.celery import CELERY_GROUP
from tests.builders.reports import TODAY, build_pilot, check_xlsx_matches_database, pdf_text


@pytest.mark.xdist_group(CELERY_GROUP)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_produces_the_weekly_report(demo_baseline, users, redis_worker):
    build_pilot(demo_baseline, users["provincial_clerk"])
    start, end = previous_week(TODAY)
    report = Report.objects.create(province=demo_baseline, period_start=start, period_end=end)

    result = produce_report.delay(report.pk)
    assert not isinstance(result, EagerResult)  # sent through Redis, run by the worker thread
    assert result.get(timeout=120) == ReportStatus.DONE

    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.progress == 100 and report.attempts == 1
    with report.xlsx.open("rb") as handle:
        check_xlsx_matches_database(handle.read(), province_id=62, period_start=start, period_end=end)
    with report.pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    assert REPORT_TITLE in text  # "BÁO CÁO TIẾN ĐỘ …": the diacritics survive the PDF
    assert "Báo cáo tiến độ".upper() in text
    assert "Kon Tum" in text and "Đắk Glei" in text and "Kon Rẫy" in text
    # e-mailing is the subscriptions' (tests/rollout/subscriptions/test_tasks.py): nobody has a delivery of this one
    assert mail.outbox == [] and report.emailed_at is None


@pytest.mark.xdist_group(CELERY_GROUP)
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_the_worker(client, kon_tum, redis_worker):
    body = client.get("/healthz").json()
    assert body["redis"] == "ok"
    assert body["worker"] == "ok"
