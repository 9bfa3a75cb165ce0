"""Browser test: the Committee opens the dashboard, sees the trend charts drawn (Chart.js from static, no inline
script), changes province, drills down from a district to a commune; and the page fits a phone."""

import datetime
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from rollout.models import PilotPlan, ProgressSnapshot, Report
from rollout.reports.services import report_produce
from tests.builders.browser import save_screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


@pytest.fixture
def trend(demo_baseline):
    PilotPlan.objects.create(province=demo_baseline, name="Kế hoạch thí điểm Kon Tum",
                             started_on=TODAY - datetime.timedelta(days=60),
                             target_on=TODAY + datetime.timedelta(days=120))  # fmt: skip
    for n, covered in enumerate([40, 42, 44, 46, 48]):
        ProgressSnapshot.objects.create(
            province=demo_baseline, on=TODAY - datetime.timedelta(days=7 * (5 - n)), communes=102, covered=covered,
            staffing_norm=400, deployed=10 * n, trained_deployed=8 * n, equipped=n, operational=0,
        )  # fmt: skip
    return demo_baseline


def test_the_committee_reads_the_dashboard_and_drills_down(page, live_server, trend, users, screenshot):
    errors = []  # script errors, CSP refusals and failed requests (the browser's own favicon probe aside)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 else None)
    sign_in(page, live_server, users["committee"].username)

    assert page.get_by_test_id("covered").inner_text().replace(" ", "") == "48/102"
    # Both charts are drawn by Chart.js on their canvas.
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-covered') && Chart.getChart('chart-shares')")
    assert page.evaluate("() => Chart.getChart('chart-covered').data.datasets[0].data") == [40, 42, 44, 46, 48]
    assert page.get_by_test_id("forecast").get_attribute("data-status") == "late"
    screenshot("dashboard")

    page.get_by_test_id("district-row").filter(has_text="Huyện Đắk Glei").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/dashboard/district/610/$"))
    assert "Tỉnh Kon Tum" in page.locator(".breadcrumb").inner_text()
    assert page.get_by_test_id("commune-row").count() == 12
    screenshot("district")

    page.get_by_test_id("commune-row").filter(has_text="Xã Đắk Blô").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/communes/23344/$"))
    assert page.locator("h1").inner_text() == "Xã Đắk Blô"
    assert errors == []


def test_the_committee_downloads_the_latest_report(page, live_server, trend, users, screenshot):
    start = TODAY - datetime.timedelta(days=TODAY.weekday() + 7)
    report = Report.objects.create(province=trend, period_start=start, period_end=start + datetime.timedelta(days=6))
    report_produce(report_id=report.pk)
    sign_in(page, live_server, users["committee"].username)

    latest = page.get_by_test_id("report-row").first
    assert "Kon Tum" in latest.inner_text()
    latest.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    screenshot("report")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(download.path()).pages).split())
    assert "BÁO CÁO TIẾN ĐỘ" in text and "Đắk Glei" in text, text
    with page.expect_download() as download_info:
        page.get_by_test_id("download-xlsx").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    with open(download_info.value.path(), "rb") as file:
        sheet = load_workbook(file).worksheets[0]
    assert any("Kon Tum" in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell)


def test_the_dashboard_fits_a_phone(browser, live_server, trend, users, request):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, users["committee"].username)
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-covered')")
    # Nothing wider than the screen but the tables, which scroll inside their own box.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    save_screenshot(page, request.node.name, "phone")
    context.close()
