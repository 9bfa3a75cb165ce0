"""The closed-network trial in a real browser: gunicorn on the production settings with ``ALLOW_PLAIN_HTTP=true``,
over plain HTTP. A district clerk signs in (the step that failed with a CSRF error while the cookies stayed
Secure), opens the plan from the menu and a phase that spans several districts, and sees only their district's
communes. At 1366×768 and on a phone (390×844), in Vietnamese."""

import datetime
import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import expect

from communes.models import Commune
from rollout.models import PilotPlan
from rollout.plan import services as plan_services
from tests.builders.browser import save_screenshot
from tests.builders.divisions import DEMO_DISTRICT
from tests.builders.server import needs_shared_database, production_server
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), needs_shared_database]


@pytest.fixture
def phase(kon_tum):
    plan = PilotPlan.objects.create(
        province_id=62, name="Kế hoạch thí điểm Kon Tum",
        started_on=datetime.date(2026, 10, 1), target_on=datetime.date(2027, 6, 30),
    )  # fmt: skip
    glei = list(Commune.objects.filter(district_id=DEMO_DISTRICT).order_by("code")[:3])
    others = list(Commune.objects.filter(district__province_id=62).exclude(district_id=DEMO_DISTRICT)[:17])
    phase = plan_services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=plan.target_on,
                                       communes=[*glei, *others])  # fmt: skip
    return phase, glei, others


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["office", "phone"])
def test_a_district_clerk_signs_in_over_plain_http_and_sees_their_phase_communes(
    browser, users, phase, viewport, request
):
    phase, glei, others = phase
    clerk = users["district_clerk"]
    # the server checks passwords with the production hashers (the tests' settings use MD5)
    clerk.password = PBKDF2PasswordHasher().encode(PASSWORD, "plainhttptrial", iterations=1_000)
    clerk.save(update_fields=["password"])
    width, height = viewport
    phone = width < 576
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="vi-VN", is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        with production_server(ALLOW_PLAIN_HTTP="true") as server:
            page.goto(f"{server.url}/")
            assert page.url.startswith(f"{server.url}/accounts/login/")  # plain HTTP, no redirect to https
            page.get_by_label("Tên đăng nhập").fill(clerk.username)
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(f"{server.url}/")
            assert not any(cookie["secure"] for cookie in context.cookies())

            toggler = page.locator("button.navbar-toggler")
            if toggler.is_visible():
                toggler.click()
                expect(page.locator("#topnav")).to_be_visible()
            page.locator("#topnav").get_by_role("link", name="Kế hoạch", exact=True).click()
            page.get_by_test_id("phase-table").get_by_role("link", name="Đợt 1").click()
            page.wait_for_url(re.compile(rf"/plan/phases/{phase.pk}/$"))

            rows = page.get_by_test_id("phase-communes").locator("tbody tr")
            expect(rows).to_have_count(3)
            for commune in glei:
                expect(page.get_by_test_id("phase-communes")).to_contain_text(commune.name)
            expect(page.get_by_test_id("phase-communes-elsewhere")).to_contain_text(
                "17 xã khác của đợt này thuộc các huyện khác"
            )
            save_screenshot(page, request.node.name, "phase")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()
