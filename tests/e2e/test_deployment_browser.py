"""The deployment planner in a real browser, in Vietnamese, from the menu, on a desktop and on a phone: the
provincial clerk plans Kon Tum's phase 1, locks one pair, runs the plan again, approves it with numbered
decisions, and the dashboard shows the communes covered."""

import re

import pytest
from playwright.sync_api import expect

from communes.models import Commune, Coverage
from personnel.models import Assignment
from rollout.models import DeploymentPlan
from tests.builders.browser import DESKTOP, PHONE, open_menu, sign_in
from tests.factories import OfficerFactory, PhaseFactory, PilotPlanFactory, vet_fully

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHASE_1 = (23347, 23353, 23356)  # Xã Đắk Man, Xã Đắk Pék, Xã Đắk Choong (Đắk Glei): uncovered in the baseline


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_clerk_plans_phase_1_locks_reruns_approves_and_the_dashboard_counts_the_communes(
    page, live_server, demo_baseline, users, screenshot
):
    admin, clerk = users["administrator"], users["provincial_clerk"]
    plan = PilotPlanFactory(province_id=62, name="Kế hoạch thí điểm Kon Tum")
    phase = PhaseFactory(plan=plan, number=1, name="Đợt 1")
    phase.communes.set(Commune.objects.filter(code__in=PHASE_1))
    for name, rank in (("Y Blông", 8), ("A Thút", 7), ("Rơ Châm Hiền", 6)):
        vet_fully(OfficerFactory(full_name=name, rank=rank), admin)
    sign_in(page, live_server, clerk.username)

    # From the menu: the plans, then a new plan of phase 1
    open_menu(page, "Bố trí")
    page.get_by_test_id("new-plan").get_by_role("button", name="Lập phương án").click()
    form = page.get_by_test_id("plan-form")
    form.get_by_label("Giai đoạn").select_option(label=str(phase))
    form.get_by_role("button", name="Lập phương án").click()
    page.wait_for_url(re.compile(r"/deployment/\d+/$"))
    expect(page.get_by_test_id("posts-filled")).to_have_text("3 / 3")
    screenshot("proposed")

    # Lock Đắk Pék's pair, run the plan again: the pair is kept
    pek = page.get_by_test_id("proposed").locator("tr[data-commune='23353']")
    officer = pek.get_attribute("data-officer")
    pek.get_by_test_id("lock").locator("visible=true").click()
    expect(page.get_by_role("alert").filter(has_text="Đã khóa")).to_be_visible()
    page.get_by_test_id("run-again").click()
    expect(page.get_by_role("alert").filter(has_text="Đã chạy lại phương án")).to_be_visible()
    pek = page.get_by_test_id("proposed").locator("tr[data-commune='23353']")
    assert pek.get_attribute("data-officer") == officer
    expect(pek.get_by_test_id("locked")).to_be_visible()

    # Approve every row, numbered from a pattern
    page.get_by_test_id("select-all").check()
    approve = page.get_by_test_id("approve-form")
    approve.get_by_label("Số quyết định", exact=True).fill("{n}/QĐ-CAT")
    approve.get_by_label("Số bắt đầu").fill("10")
    screenshot("approving")
    page.get_by_test_id("approve").click()
    expect(page.get_by_role("alert").filter(has_text="Đã phê duyệt: 3")).to_be_visible()
    expect(page.get_by_test_id("approved-row")).to_have_count(3)
    numbers = set(Assignment.objects.filter(commune_id__in=PHASE_1).values_list("decision_number", flat=True))
    assert numbers == {"10/QĐ-CAT", "11/QĐ-CAT", "12/QĐ-CAT"}
    assert set(Commune.objects.filter(code__in=PHASE_1).values_list("coverage", flat=True)) == {Coverage.PILOT}
    assert DeploymentPlan.objects.get().status == "approved"

    # The dashboard counts them: 48 covered before the pilot, 3 now by it
    open_menu(page, "Tổng quan")
    expect(page.get_by_test_id("covered")).to_contain_text("51")
    screenshot("dashboard")
