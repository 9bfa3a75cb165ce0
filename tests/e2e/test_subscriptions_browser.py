"""Report subscriptions in a real browser, in Vietnamese, from the account menu, on a desktop and on a phone: a
member of the Steering Committee subscribes to Kon Tum's monthly report as a PDF, and on the 1st beat's monthly
task e-mails it to them over a real SMTP server, once."""

import pytest
from playwright.sync_api import expect

from rollout.models import ReportSubscription, SubscriptionFrequency
from rollout.reports.services import previous_month
from rollout.tasks import monthly_reports
from tests.builders.browser import DESKTOP, PHONE, open_account_menu, sign_in
from tests.builders.reports import TODAY

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_committee_member_subscribes_to_kon_tums_monthly_pdf_report(
    page, live_server, demo_baseline, users, smtp, screenshot
):
    member = users["committee"]
    member.email = "uy-vien.bcd@example.vn"
    member.save(update_fields=["email"])
    sign_in(page, live_server, member.username)

    open_account_menu(page, "menu-subscriptions")
    expect(page.get_by_role("heading", name="Đăng ký nhận báo cáo")).to_be_visible()
    expect(page.get_by_test_id("subscriptions")).to_contain_text("Bạn chưa đăng ký nhận báo cáo nào.")
    page.get_by_test_id("new-subscription").click()

    form = page.get_by_test_id("subscription-form")
    form.get_by_label("Địa bàn").select_option(label="Tỉnh Kon Tum (toàn tỉnh)")
    form.get_by_label("Hằng tháng").check()
    form.get_by_label("Tệp Excel (XLSX)").uncheck()
    expect(form.get_by_label("PDF", exact=True)).to_be_checked()
    screenshot("form")
    form.get_by_role("button", name="Đăng ký", exact=True).click()

    page.wait_for_url(f"{live_server.url}/subscriptions/")
    expect(page.get_by_role("alert").filter(has_text="Đã đăng ký: Tỉnh Kon Tum, Hằng tháng.")).to_be_visible()
    row = page.get_by_test_id("subscriptions").locator("tr[data-subscription]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tỉnh Kon Tum")
    expect(row).to_contain_text("Hằng tháng")
    expect(row).to_contain_text("PDF")
    expect(row).not_to_contain_text("Excel")
    expect(row).to_contain_text("Chưa gửi")
    screenshot("subscribed")
    subscription = ReportSubscription.objects.get(user=member)
    assert (subscription.province_id, subscription.district_id) == (62, None)
    assert (subscription.frequency, subscription.formats) == (SubscriptionFrequency.MONTHLY, ["pdf"])

    # The 1st of the month: beat's monthly task, twice (a duplicated message): one e-mail, with the PDF only
    monthly_reports.delay()
    monthly_reports.delay()
    start, end = previous_month(TODAY)
    [message] = smtp.to(member.email)
    assert list(message.attachments()) == [f"bao-cao-tien-do_62_{start:%Y-%m-%d}_{end:%Y-%m-%d}.pdf"]
    page.reload()
    expect(row).to_contain_text("Đã gửi")
    screenshot("sent")
