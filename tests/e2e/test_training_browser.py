import datetime
import re

import pytest

from personnel.choices import OfficerStatus
from personnel.models import Officer
from tests.builders.browser import sign_in
from tests.factories import OfficerFactory, vet_fully
from training.models import Course, Enrollment, TrainingSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_runs_a_class_and_the_passing_officers_become_trained(page, live_server, kon_tum, users, screenshot):
    Course.objects.create(
        code="CAX-01", title_vi="Chức năng, nhiệm vụ, quyền hạn của Công an xã", title_en="Commune police duties",
        subject_area="commune_police_duties", hours=40, is_mandatory=True,
    )  # fmt: skip
    officers = [vet_fully(OfficerFactory(district_id=610), users["administrator"]) for _ in range(3)]
    today = datetime.date.today()
    sign_in(page, live_server, users["provincial_clerk"].username)

    # Create the class
    page.goto(f"{live_server.url}/training/")
    page.get_by_role("link", name=re.compile("Mở lớp mới|Lớp mới|New class")).click()
    form = page.get_by_test_id("session-form")
    form.locator("select[name=course]").select_option(str(Course.objects.get().pk))
    form.locator("input[name=starts_on]").fill((today - datetime.timedelta(days=2)).strftime("%d/%m/%Y"))
    form.locator("input[name=ends_on]").fill(today.strftime("%d/%m/%Y"))
    form.locator("input[name=place]").fill("Trường Chính trị tỉnh Kon Tum")
    form.locator("input[name=instructor]").fill("Thượng tá Nguyễn Văn Hùng")
    form.locator("input[name=capacity]").fill("30")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/training/classes/\d+/$"))

    # Enrol everyone vetted in Đắk Glei at once
    enrol = page.get_by_test_id("enrol-form")
    enrol.locator("select[name=status]").select_option("vetted")
    enrol.locator("select[name=district]").select_option("610")
    enrol.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("roster").locator("tbody tr").count() == 3
    assert Enrollment.objects.count() == 3
    screenshot("roster")

    # Enter the results of the whole class: two pass, one fails
    page.get_by_role("link", name=re.compile("^(Nhập kết quả|Enter results)$")).click()
    results = page.get_by_test_id("results-form")
    for officer, score, passed in zip(officers, ["8,5", "7", "3,5"], [True, True, False], strict=True):
        row = results.get_by_test_id("result-row").filter(has_text=officer.full_name)
        row.locator("select[name^=attended_]").select_option("yes")
        row.locator("input[name^=score_]").fill(score)
        row.locator("select[name^=passed_]").select_option("yes" if passed else "no")
    screenshot("results")
    results.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/training/classes/\d+/$"))

    assert not TrainingSession.objects.get().results_closed  # saving results leaves the class open

    statuses = [Officer.objects.get(pk=o.pk).status for o in officers]
    assert statuses == [OfficerStatus.READY, OfficerStatus.READY, OfficerStatus.IN_TRAINING]
    page.goto(f"{live_server.url}{officers[0].get_absolute_url()}")
    assert page.get_by_test_id("trained").get_attribute("class").count("text-bg-success") == 1
    page.goto(f"{live_server.url}{officers[2].get_absolute_url()}")
    assert "CAX-01" in page.get_by_test_id("officer-training").inner_text()
    screenshot("officer")
