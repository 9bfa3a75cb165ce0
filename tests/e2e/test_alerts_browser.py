"""Alerts and notifications in a real browser, in Vietnamese, from the menu, on a desktop and on a phone: the district
clerk opens the alerts, picks a kind, follows the link to the page that fixes it; then reads the digest's notice
behind the bell and marks it read."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communes.models import Commune, Coverage
from rollout.notifications import services
from tests.builders.browser import DESKTOP, PHONE, open_menu, sign_in
from tests.factories import AllocationStandardFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_district_clerk_follows_an_alert_to_its_page_and_reads_the_digest(page, live_server, demo_baseline, users,
                                                                        screenshot):  # fmt: skip
    clerk = users["district_clerk"]
    clerk.email = "huyen@congan.example"
    clerk.save()
    AllocationStandardFactory(quantity=1)  # every covered commune is short of it
    here = Commune.objects.filter(district_id=610).exclude(coverage=Coverage.UNCOVERED).order_by("sort_key")
    morning = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(7)))
    services.digest_send(user=clerk, today=morning.date(), frequency="daily")  # the locmem backend keeps the mail
    sign_in(page, live_server, clerk.username)

    open_menu(page, "Cảnh báo")
    counts = page.get_by_test_id("alert-counts")
    card = counts.locator("[data-kind='short_of_standard']")
    expect(card).to_have_attribute("data-count", str(here.count()))
    card.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xã thiếu trang bị so với tiêu chuẩn")
    expect(page.get_by_test_id("alert")).to_have_count(here.count())
    screenshot("alerts")
    first = page.get_by_test_id("alert").filter(has_text=here.first().name)
    first.get_by_role("link", name=re.compile("Cấp phát trang bị")).click()
    page.wait_for_url(re.compile(rf"/equipment/communes/{here.first().code}/$"))

    # The digest's notice behind the bell
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible():  # a phone: the bell is in the collapsed menu
        toggler.click()
        expect(page.locator("#topnav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_test_id("notifications-link").click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    notice = page.get_by_test_id("notice").first
    expect(notice).to_have_attribute("data-read", "no")
    expect(notice).to_contain_text("Bản tin triển khai")
    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_test_id("notice").first).to_have_attribute("data-read", "yes")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
