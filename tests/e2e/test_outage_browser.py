"""Browser journey: Redis stops while a clerk works. From the menu, the reports page still opens and says that
background jobs are delayed; the clerk asks for a report, which waits; once Redis is back and the sweeper has
run, the report's page turns to ready by itself and offers its files. At 1366×768 and on a phone (390×844), in
Vietnamese, with a real ``redis-server`` of the test's own and a real worker."""

import re

import pytest

from rollout.health import broker_check
from rollout.models import Report, ReportStatus
from rollout.tasks import jobs_sweep
from tests.builders.browser import open_menu, sign_in
from tests.builders.celery import celery_broker, celery_worker
from tests.builders.redis_server import FAULTS_GROUP

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group(FAULTS_GROUP), pytest.mark.django_db(transaction=True)]


def open_the_reports_from_the_menu(page):
    open_menu(page, "Báo cáo")  # on a phone: waits for the collapsed menu to open before clicking
    page.wait_for_url(re.compile(r"/reports/$"))


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["office", "phone"])
def test_a_clerk_asks_for_a_report_while_redis_is_down_and_gets_it_once_it_is_back(
    browser, live_server, demo_baseline, users, own_redis, settings, viewport
):
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        with celery_broker(settings, own_redis.url):
            sign_in(page, live_server, users["provincial_clerk"].username)
            assert page.get_by_test_id("jobs-delayed-banner").count() == 0

            own_redis.stop()
            broker_check.forget()
            open_the_reports_from_the_menu(page)
            banner = page.get_by_test_id("jobs-delayed-banner")
            assert "Các tác vụ nền đang bị chậm" in banner.inner_text()
            assert "Các thay đổi của bạn đã được lưu" in banner.inner_text()
            page.get_by_test_id("request-report").click()
            page.get_by_test_id("report-request-form").locator("button[type=submit]").click()
            page.wait_for_url(re.compile(r"/reports/\d+/$"))
            report = Report.objects.get()
            assert report.status == ReportStatus.PENDING
            assert page.locator(".status-badge").inner_text().strip() == "Đang chờ"
            assert page.get_by_test_id("jobs-delayed-banner").is_visible()
            assert page.get_by_test_id("report-progress").is_visible()

            own_redis.start()
            broker_check.forget()
            assert jobs_sweep()["sent"] == 1
            with celery_worker(settings, own_redis.url):
                page.get_by_test_id("download-xlsx").wait_for(timeout=90_000)  # the page reloads by itself
            assert page.locator(".status-badge").inner_text().strip() == "Đã xong"
            assert page.get_by_test_id("jobs-delayed-banner").count() == 0
            report.refresh_from_db()
            assert report.status == ReportStatus.DONE and report.attempts == 1
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["office", "phone"])
def test_a_clerk_tries_a_failed_report_again_after_the_browser_asks(browser, live_server, kon_tum, users, viewport):
    from rollout.reports.services import previous_week
    from tests.builders.reports import TODAY

    start, end = previous_week(TODAY)
    report = Report.objects.create(
        province=kon_tum, period_start=start, period_end=end, status=ReportStatus.FAILED, attempts=3,
        error="Không lập được báo cáo: tiến trình xử lý đã dừng 3 lần.",
    )  # fmt: skip
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server, users["provincial_clerk"].username)
        open_the_reports_from_the_menu(page)
        page.locator(f'a[href="/reports/{report.pk}/"]').first.click()
        page.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
        assert "đã dừng 3 lần" in page.get_by_test_id("report-error").inner_text()
        questions = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        page.get_by_test_id("retry-button").click()
        page.wait_for_timeout(300)
        assert questions == ["Lập lại báo cáo này?"]
        report.refresh_from_db()
        assert report.status == ReportStatus.FAILED  # dismissed: nothing happens
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("retry-button").click()
        page.get_by_test_id("download-xlsx").wait_for(timeout=60_000)  # produced in-process in the tests
        assert "đang được lập lại" in page.locator(".alert-success").inner_text()
        report.refresh_from_db()
        assert report.status == ReportStatus.DONE and report.attempts == 1
    finally:
        context.close()
