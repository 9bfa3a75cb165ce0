import datetime
import re

import pytest

from communes.models import Commune, Coverage
from personnel.models import Officer
from tests.builders.browser import sign_in
from tests.factories import CourseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_registers_vets_and_assigns_a_chief(page, live_server, demo_baseline, users, screenshot):
    today = datetime.date.today().strftime("%d/%m/%Y")
    course = CourseFactory(code="CAX-01", title_vi="Chức năng, nhiệm vụ, quyền hạn của Công an xã")
    sign_in(page, live_server, users["provincial_clerk"].username)

    # Register
    page.goto(f"{live_server.url}/officers/")
    page.get_by_role("link", name=re.compile("Đăng ký cán bộ|Register an officer")).click()
    form = page.get_by_test_id("officer-form")
    form.get_by_label(re.compile("Số hiệu|Police number")).fill("456-789")
    form.get_by_label(re.compile("Họ và tên|Full name")).fill("A Thút")
    form.get_by_label(re.compile("Ngày sinh|Birth date")).fill("15/03/1995")
    form.get_by_label(re.compile("^(Giới tính|Gender)")).select_option("male")
    form.get_by_label(re.compile("^(Dân tộc|Ethnicity)")).select_option("xo_dang")
    form.get_by_label(re.compile("^(Cấp bậc|Rank)")).select_option("5")
    form.get_by_label(re.compile("Đơn vị công tác|Current unit")).fill("Công an huyện Đắk Glei")
    form.get_by_label(re.compile("^(Huyện quản lý|Công an huyện quản lý|Managing district)")).select_option("610")
    form.get_by_label(re.compile("^(Trình độ học vấn|Education)")).select_option("university")
    form.get_by_label("Xơ Đăng").check()
    screenshot("register")
    form.get_by_role("button", name=re.compile("Lưu|Save")).click()
    page.wait_for_url(re.compile(r"/officers/\d+/$"))
    assert page.get_by_test_id("officer-status").inner_text().strip() in ("Chờ xét duyệt", "Candidate")

    # Vet
    page.get_by_role("link", name=re.compile("^ ?(Tuyển chọn|Xét duyệt tiêu chuẩn|Vetting)")).click()
    vetting = page.get_by_test_id("vetting-form")  # one click: all pass; the age follows from the birth date
    assert "15/03/1995" in vetting.locator("tr[data-derived-criterion=age]").inner_text()
    vetting.get_by_role("button", name=re.compile("Đạt tất cả|All pass")).click()
    page.wait_for_url(re.compile(r"/officers/\d+/$"))
    officer = Officer.objects.get(police_number="456-789")
    assert officer.status == "vetted"
    assert page.get_by_test_id("vetting-table").locator("tbody tr").count() == 5

    # Trained before (the plan wants a trained chief): recorded as prior training, the officer is ready at once
    page.get_by_test_id("officer-training").get_by_role("link", name=re.compile("Ghi nhận đào tạo trước đây")).click()
    prior = page.get_by_test_id("prior-training-form")
    prior.locator("select[name=course]").select_option(str(course.pk))
    prior.locator("input[name=completed_on]").fill("20/06/2024")
    prior.locator("input[name=provider]").fill("Trường Cao đẳng Cảnh sát nhân dân II")
    prior.locator("input[name=certificate_number]").fill("CĐCS-2024-0117")
    prior.get_by_role("button", name=re.compile("Lưu|Save")).click()
    page.wait_for_url(re.compile(r"/officers/\d+/(#officer-training)?$"))
    assert Officer.objects.get(pk=officer.pk).status == "ready"

    # Assign as chief of an uncovered commune, choosing the top suggestion
    page.goto(f"{live_server.url}/communes/23347/")
    page.get_by_role("link", name=re.compile("Bố trí cán bộ|Assign an officer")).click()
    suggestions = page.get_by_test_id("suggestions")
    top = suggestions.locator("tbody tr").first
    assert "A Thút" in top.inner_text()
    top.get_by_role("link", name=re.compile("Chọn|Choose")).click()
    assign = page.get_by_test_id("assign-form")
    assert assign.locator("input[name=officer]").input_value() == "456-789"
    assign.locator("select[name=post]").select_option("chief")
    assign.locator("input[name=decision_number]").fill("25/QĐ-CAT-PX01")
    assign.locator("input[name=decision_date]").fill(today)
    assign.locator("input[name=started_on]").fill(today)
    screenshot("assign")
    assign.get_by_role("button", name=re.compile("Bố trí|Assign")).click()
    page.wait_for_url(f"{live_server.url}/communes/23347/")
    assert "A Thút" in page.get_by_test_id("commune-assignments").inner_text()
    screenshot("commune")

    # The commune now counts as covered on the commune list
    assert Commune.objects.get(code=23347).coverage == Coverage.PILOT
    page.goto(f"{live_server.url}/communes/?district=610&coverage=covered")
    names = page.get_by_test_id("commune-table").locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert "Xã Đắk Man" in names
    totals = page.get_by_test_id("commune-totals").inner_text()
    page.goto(f"{live_server.url}/communes/")
    assert re.search(r"\b53\b", page.get_by_test_id("commune-totals").inner_text()), totals
