"""Training journeys of issue 10 in a real browser, in Vietnamese, each starting from the menu after sign-in.

1. One result of a class of 30 is entered: only that row changes, the class stays open until the clerk closes it
   (after a confirmation that counts the officers without a result).
2. A stale results page writes only what its clerk entered: officers enrolled meanwhile are left alone and said
   so, and a row someone else changed meanwhile is refused and shown again.
3. A new candidate becomes ready through the officer page alone (register, vet, prior training, enrol in the next
   class, enter the result) and is then suggested above a better-profiled but untrained officer.
4. The same as a district clerk, on a desktop and on a phone.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from communes.models import Commune
from personnel.choices import OfficerStatus, Rank
from personnel.models import Language, Officer
from tests.builders.browser import DESKTOP, PHONE, open_menu, save_screenshot, sign_in
from tests.factories import CourseFactory, OfficerFactory, TrainingSessionFactory, user_with_role, vet_fully
from training import services
from training.models import Enrollment, TrainingSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMMUNE = 23347  # Xã Đắk Man, Huyện Đắk Glei: uncovered in the demo baseline
CLASS_URL = r"/training/classes/{pk}/(#[\w-]+)?$"  # a redirect keeps the fragment of the results link


def running_class(course, clerk, *, capacity=30, place="Trường Chính trị tỉnh Kon Tum") -> TrainingSession:
    """A class of Kon Tum that started two days ago and ends in three days."""
    today = timezone.localdate()
    return TrainingSessionFactory(
        course=course, starts_on=today - datetime.timedelta(days=2), ends_on=today + datetime.timedelta(days=3),
        capacity=capacity, place=place, created_by=clerk,
    )  # fmt: skip


def result_of(enrollment: Enrollment) -> tuple:
    enrollment.refresh_from_db()
    return enrollment.attended, enrollment.score, enrollment.passed


def tab_screenshot(tab, request, name: str) -> None:
    """The ``screenshot`` fixture's file, for another tab than ``page``."""
    save_screenshot(tab, request.node.name, name)


def assert_fits(page) -> None:
    """The page is no wider than the window (a wide table scrolls inside its own box)."""
    width, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"{page.url} is {width}px wide in a {window}px window"


def alert(page, text: str):
    return page.locator("main [role=alert]").filter(has_text=text)


def fill_row(row, name: str, *, attended: str | None = None, score: str | None = None, passed: str | None = None):
    """Fill one row of the results page through its labels (“Điểm danh — name”, “Điểm — name”, “Kết quả — name”)."""
    if attended is not None:
        row.get_by_label(f"Điểm danh — {name}", exact=True).select_option(label=attended)
    if score is not None:
        row.get_by_label(f"Điểm — {name}", exact=True).fill(score)
    if passed is not None:
        row.get_by_label(f"Kết quả — {name}", exact=True).select_option(label=passed)


# 1. One result of thirty ------------------------------------------------------------------------------------------


def test_clerk_records_one_result_of_thirty_and_closes_the_class(page, live_server, kon_tum, users, screenshot):
    clerk, admin = users["provincial_clerk"], users["administrator"]
    course = CourseFactory(code="CAX-01", title_vi="Chức năng, nhiệm vụ, quyền hạn của Công an xã")
    session = running_class(course, clerk)
    officers = [vet_fully(OfficerFactory(district_id=610), admin) for _ in range(30)]
    assert len(services.enrolment_add(session=session, officers=officers, enrolled_by=clerk).enrolled) == 30
    chosen = officers[11]
    sign_in(page, live_server, clerk.username)

    open_menu(page, "Tập huấn")
    page.get_by_test_id("session-table").get_by_role("link", name=re.compile("^CAX-01 — ")).click()
    page.wait_for_url(re.compile(CLASS_URL.format(pk=session.pk)))
    expect(page.get_by_test_id("unrecorded")).to_have_attribute("data-count", "30")
    page.get_by_role("link", name="Nhập kết quả", exact=True).click()
    page.wait_for_url(re.compile(rf"/training/classes/{session.pk}/results/$"))

    results = page.get_by_test_id("results-form")
    expect(results.get_by_test_id("result-row")).to_have_count(30)
    # every row starts as not recorded
    assert set(results.locator("select[name^=attended_]").evaluate_all("els => els.map(e => e.value)")) == {""}
    assert set(results.locator("select[name^=passed_]").evaluate_all("els => els.map(e => e.value)")) == {""}
    row = results.locator(f"tr[data-officer='{chosen.pk}']")
    fill_row(row, chosen.full_name, attended="Có mặt", score="8", passed="Đạt")
    screenshot("results")
    results.get_by_role("button", name="Lưu kết quả").click()
    page.wait_for_url(re.compile(CLASS_URL.format(pk=session.pk)))

    # exactly that row changed; the 29 others are still not recorded; the class is open
    entered = Enrollment.objects.get(session=session, officer=chosen)
    assert result_of(entered) == (True, Decimal("8"), True)
    assert entered.result_recorded_by == clerk
    others = Enrollment.objects.filter(session=session).exclude(pk=entered.pk)
    assert others.count() == 29
    assert not others.filter(Q(attended__isnull=False) | Q(score__isnull=False) | Q(passed__isnull=False)).exists()
    assert not others.exclude(certificate_number=None).exists()
    session.refresh_from_db()
    assert not session.results_closed
    expect(alert(page, "Đã lưu kết quả của 1 cán bộ.")).to_be_visible()
    expect(alert(page, "Còn 29 cán bộ chưa có kết quả.")).to_be_visible()
    expect(page.get_by_test_id("unrecorded")).to_have_attribute("data-count", "29")
    roster_row = page.get_by_test_id("roster").locator(f"tr[data-officer='{chosen.pk}']")
    expect(roster_row).to_contain_text("Đạt")
    # the only mandatory course passed: the officer is ready, the others are in training
    assert Officer.objects.get(pk=chosen.pk).status == OfficerStatus.READY
    assert set(Officer.objects.exclude(pk=chosen.pk).values_list("status", flat=True)) == {OfficerStatus.IN_TRAINING}
    screenshot("saved")

    # Closing asks first, with the count
    page.get_by_role("button", name="Khóa ghi danh").click()
    page.wait_for_url(re.compile(rf"/training/classes/{session.pk}/close/$"))
    confirm = page.get_by_test_id("close-confirm")
    expect(confirm).to_have_attribute("data-unrecorded", "29")
    expect(confirm).to_contain_text("Lớp còn 29 cán bộ chưa có kết quả.")
    session.refresh_from_db()
    assert not session.results_closed
    screenshot("close-confirm")
    page.get_by_role("button", name="Vẫn khóa lớp").click()
    page.wait_for_url(re.compile(CLASS_URL.format(pk=session.pk)))
    expect(alert(page, "Đã khóa ghi danh lớp.")).to_be_visible()
    expect(page.get_by_test_id("class-state")).to_contain_text("Đã khóa ghi danh")
    session.refresh_from_db()
    assert session.results_closed
    # closed to enrolment, results can still be entered; nothing else changed
    expect(page.get_by_test_id("enrol-form")).to_have_count(0)
    expect(page.get_by_role("link", name="Nhập kết quả", exact=True)).to_be_visible()
    assert Enrollment.objects.filter(session=session, passed__isnull=True).count() == 29
    screenshot("closed")


# 2. A stale results page --------------------------------------------------------------------------------------------


def test_a_stale_results_page_writes_only_what_its_clerk_entered(
    page, live_server, kon_tum, users, screenshot, request
):
    clerk, admin = users["provincial_clerk"], users["administrator"]
    colleague = user_with_role(Role.PROVINCIAL_CLERK, province=kon_tum, suffix="colleague")
    course = CourseFactory(code="CAX-01", title_vi="Chức năng, nhiệm vụ, quyền hạn của Công an xã")
    session = running_class(course, clerk, capacity=10)
    names = ["A Đinh Bình", "A Đinh Chiến", "A Đinh Dũng", "A Đinh Giang"]
    shown = [vet_fully(OfficerFactory(district_id=610, full_name=name), admin) for name in names]
    late = [vet_fully(OfficerFactory(district_id=610, full_name=name), admin) for name in ("Y Hạnh", "Y Khoa")]
    services.enrolment_add(session=session, officers=shown, enrolled_by=clerk)
    mine, theirs = (Enrollment.objects.get(session=session, officer=o) for o in shown[:2])
    sign_in(page, live_server, clerk.username)

    open_menu(page, "Tập huấn")
    page.get_by_test_id("session-table").get_by_role("link", name=re.compile("^CAX-01 — ")).click()
    page.wait_for_url(re.compile(CLASS_URL.format(pk=session.pk)))
    # the results page, opened twice (a second tab stays open on it)
    enter = page.get_by_role("link", name="Nhập kết quả", exact=True)
    with page.context.expect_page() as opened:
        enter.click(modifiers=["Control"])
    second_tab = opened.value
    second_tab.set_default_timeout(15_000)
    second_tab.wait_for_load_state()
    enter.click()
    page.wait_for_url(re.compile(rf"/training/classes/{session.pk}/results/$"))
    for tab in (page, second_tab):
        expect(tab.get_by_test_id("results-form").get_by_test_id("result-row")).to_have_count(4)

    # Meanwhile another clerk enrols two more officers and records a result for a row these pages show
    assert len(services.enrolment_add(session=session, officers=late, enrolled_by=colleague).enrolled) == 2
    services.results_record(
        session=session, rows=[services.ResultRow(theirs.pk, True, Decimal("6.5"), True)], recorded_by=colleague
    )
    before = {e.pk: (e.attended, e.score, e.passed) for e in Enrollment.objects.filter(session=session)}

    # The first page fills in a different row and saves
    results = page.get_by_test_id("results-form")
    fill_row(results.locator(f"tr[data-officer='{shown[0].pk}']"), shown[0].full_name, attended="Có mặt",
             score="7,5", passed="Đạt")  # fmt: skip
    results.get_by_role("button", name="Lưu kết quả").click()
    page.wait_for_url(re.compile(CLASS_URL.format(pk=session.pk)))
    after = {e.pk: (e.attended, e.score, e.passed) for e in Enrollment.objects.filter(session=session)}
    assert after[mine.pk] == (True, Decimal("7.5"), True)
    assert {pk: r for pk, r in after.items() if pk != mine.pk} == {pk: r for pk, r in before.items() if pk != mine.pk}
    assert after[theirs.pk] == (True, Decimal("6.5"), True)  # the other clerk's entry stands
    for officer in late:  # enrolled after the page was opened: untouched
        assert result_of(Enrollment.objects.get(session=session, officer=officer)) == (None, None, None)
    theirs.refresh_from_db()
    assert theirs.result_recorded_by == colleague
    expect(alert(page, "2 cán bộ được ghi danh sau khi trang được mở nên được giữ nguyên")).to_be_visible()
    expect(alert(page, "Còn 4 cán bộ chưa có kết quả.")).to_be_visible()
    screenshot("left-alone")

    # The second tab, still on the page as it was opened, changes the row the other clerk recorded: refused
    before = {e.pk: (e.attended, e.score, e.passed, e.result_recorded_by_id) for e in Enrollment.objects.all()}
    stale = second_tab.get_by_test_id("results-form")
    fill_row(stale.locator(f"tr[data-officer='{shown[1].pk}']"), shown[1].full_name, attended="Có mặt",
             score="4", passed="Không đạt")  # fmt: skip
    stale.get_by_role("button", name="Lưu kết quả").click()
    second_tab.wait_for_load_state()
    assert re.search(rf"/training/classes/{session.pk}/results/$", second_tab.url)
    refused = second_tab.get_by_test_id("results-form")
    refused_row = refused.locator(f"tr[data-officer='{shown[1].pk}']")
    expect(refused_row).to_have_attribute("data-invalid", "true")
    expect(refused_row).to_contain_text(
        f"Kết quả của {shown[1].full_name} đã được người khác thay đổi sau khi trang được mở"
    )
    expect(refused.get_by_test_id("form-errors")).to_be_visible()
    after = {e.pk: (e.attended, e.score, e.passed, e.result_recorded_by_id) for e in Enrollment.objects.all()}
    assert after == before  # nothing written
    # shown again: the clerk's entry kept on that row, every other row as recorded now (the late ones included)
    expect(refused.get_by_test_id("result-row")).to_have_count(6)
    expect(refused_row.locator("select[name^=passed_]")).to_have_value("no")
    expect(refused_row.locator("input[name^=score_]")).to_have_value("4")
    mine_row = refused.locator(f"tr[data-officer='{shown[0].pk}']")
    expect(mine_row.locator("select[name^=passed_]")).to_have_value("yes")
    expect(mine_row.locator("input[name^=score_]")).to_have_value("7,5")
    tab_screenshot(second_tab, request, "refused")

    # Saving again is now a deliberate choice over the other clerk's entry
    refused.get_by_role("button", name="Lưu kết quả").click()
    second_tab.wait_for_url(re.compile(CLASS_URL.format(pk=session.pk)))
    assert result_of(theirs) == (True, Decimal("4"), False)
    assert result_of(mine) == (True, Decimal("7.5"), True)
    second_tab.close()


# 3 and 4. A new candidate made ready through the officer page alone, then suggested first -------------------------


@pytest.fixture
def readiness_world(demo_baseline, users):
    """Two mandatory courses, one class of the second running now, and nothing else registered but a vetted,
    untrained officer of Đắk Glei with a better raw profile than the candidate the journey registers: from the
    district, speaking the commune's language (Xơ Đăng is set as spoken in Xã Đắk Man), a higher rank."""
    first = CourseFactory(code="CAX-01", title_vi="Chức năng, nhiệm vụ, quyền hạn của Công an xã")
    second = CourseFactory(code="CAX-02", title_vi="Kỹ năng nghiệp vụ của Công an xã")
    session = running_class(second, users["provincial_clerk"], place="Trường Chính trị tỉnh Kon Tum")
    xo_dang = Language.objects.get(code="xo-dang")
    xo_dang.communes.add(Commune.objects.get(code=COMMUNE))
    untrained = vet_fully(
        OfficerFactory(full_name="A Chưa Học", police_number="321-900", district_id=610, home_district_id=610,
                       rank=Rank.DAI_UY),
        users["administrator"],
    )  # fmt: skip
    untrained.languages.add(xo_dang)
    return {"first": first, "second": second, "session": session, "untrained": untrained}


def _candidate_becomes_ready_and_is_suggested_first(page, live_server, user, world, screenshot) -> None:
    first, session, untrained = world["first"], world["session"], world["untrained"]
    refused = []  # every page of the journey is the user's to see (no 403 or 404 on the way)
    page.on("response", lambda r: refused.append((r.status, r.url)) if r.status >= 400 else None)
    sign_in(page, live_server, user.username)

    # Register a candidate: Cán bộ → Đăng ký cán bộ
    open_menu(page, "Cán bộ")
    page.get_by_role("link", name="Đăng ký cán bộ").click()
    form = page.get_by_test_id("officer-form")
    form.get_by_label(re.compile("^Số hiệu")).fill("789-012")
    form.get_by_label(re.compile("^Họ và tên")).fill("Y Sẵn Sàng")
    form.get_by_label(re.compile("^Ngày sinh")).fill("15/03/1995")
    form.get_by_label(re.compile("^Giới tính")).select_option("male")
    form.get_by_label(re.compile("^Dân tộc")).select_option("gie_trieng")
    form.get_by_label(re.compile("^Cấp bậc")).select_option(str(Rank.TRUNG_UY.value))
    form.get_by_label(re.compile("^Đơn vị công tác")).fill("Công an huyện Đắk Glei")
    form.get_by_label(re.compile("^Công an huyện quản lý")).select_option("610")
    form.get_by_label(re.compile("^Trình độ học vấn")).select_option("university")
    form.get_by_label("Giẻ Triêng", exact=True).check()
    screenshot("register")
    assert_fits(page)
    form.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(r"/officers/\d+/$"))
    officer = Officer.objects.get(police_number="789-012")
    assert officer.district_id == 610
    expect(page.get_by_test_id("officer-status")).to_have_text("Chờ xét duyệt")
    training = page.get_by_test_id("officer-training")
    expect(training.get_by_test_id("enrol-next")).to_have_count(0)  # classes take vetted officers only
    expect(training).to_contain_text("Lớp chỉ nhận cán bộ đã xét duyệt tiêu chuẩn")

    # Vetting: every criterion passed
    page.get_by_role("link", name="Xét duyệt tiêu chuẩn").click()
    vetting = page.get_by_test_id("vetting-form")
    for row in vetting.locator("tr[data-criterion]").all():
        row.locator("input[value=pass]").check()
    screenshot("vetting")  # not assert_fits: this form is wider than a phone (reported)
    vetting.get_by_role("button", name="Lưu kết quả xét duyệt").click()
    page.wait_for_url(re.compile(rf"/officers/{officer.pk}/$"))
    expect(page.get_by_test_id("officer-status")).to_have_text("Đã đạt xét duyệt")
    expect(page.get_by_test_id("vetting-table").locator("tbody tr")).to_have_count(5)
    courses = page.get_by_test_id("mandatory-courses")
    expect(courses.locator("tr[data-course=CAX-01]")).to_have_attribute("data-state", "missing")
    expect(courses.locator("tr[data-course=CAX-02]")).to_have_attribute("data-state", "missing")

    # Prior training for the first course
    page.get_by_test_id("officer-training").get_by_role("link", name="Ghi nhận đào tạo trước đây").click()
    prior = page.get_by_test_id("prior-training-form")
    prior.get_by_label("Chuyên đề", exact=True).select_option(str(first.pk))
    prior.get_by_label("Ngày hoàn thành", exact=True).fill("20/06/2024")
    prior.get_by_label("Cơ sở đào tạo", exact=True).fill("Trường Cao đẳng Cảnh sát nhân dân II")
    prior.get_by_label("Số chứng chỉ", exact=True).fill("CĐCS-2024-0117")
    screenshot("prior-training")
    assert_fits(page)
    prior.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(rf"/officers/{officer.pk}/(#officer-training)?$"))
    expect(alert(page, "Đã ghi nhận đào tạo trước đây.")).to_be_visible()
    courses = page.get_by_test_id("mandatory-courses")
    expect(courses.locator("tr[data-course=CAX-01]")).to_have_attribute("data-state", "passed")
    prior_row = page.get_by_test_id("training-records").locator("tr[data-prior=true]")
    expect(prior_row).to_contain_text("Trường Cao đẳng Cảnh sát nhân dân II")
    expect(prior_row).to_contain_text("CĐCS-2024-0117")

    # The next class of the second course, from its row
    enrol = courses.locator("tr[data-course=CAX-02]").get_by_test_id("enrol-next")
    expect(enrol).to_have_text(f"Ghi danh lớp {session.starts_on:%d/%m/%Y} – {session.ends_on:%d/%m/%Y}")
    enrol.click()
    page.wait_for_url(re.compile(rf"/officers/{officer.pk}/(#officer-training)?$"))
    expect(alert(page, "Đã ghi danh Y Sẵn Sàng")).to_be_visible()
    second_row = page.get_by_test_id("mandatory-courses").locator("tr[data-course=CAX-02]")
    expect(second_row).to_have_attribute("data-state", "in_class")
    assert Enrollment.objects.filter(session=session, officer=officer).exists()
    screenshot("enrolled")
    assert_fits(page)

    # The result, from the officer page
    second_row.get_by_role("link", name="Nhập kết quả", exact=True).click()
    page.wait_for_url(re.compile(rf"/training/classes/{session.pk}/results/(#enrollment-\d+)?$"))
    results = page.get_by_test_id("results-form")
    fill_row(results.locator(f"tr[data-officer='{officer.pk}']"), officer.full_name, passed="Đạt")
    screenshot("result")
    assert_fits(page)
    results.get_by_role("button", name="Lưu kết quả").click()
    page.wait_for_url(re.compile(CLASS_URL.format(pk=session.pk)))
    expect(alert(page, "Đã lưu kết quả của 1 cán bộ.")).to_be_visible()

    # Back on the officer page: ready, with no status changed by hand
    page.get_by_test_id("roster").get_by_role("link", name=officer.full_name, exact=True).click()
    page.wait_for_url(re.compile(rf"/officers/{officer.pk}/$"))
    expect(page.get_by_test_id("officer-status")).to_have_text("Sẵn sàng bố trí")
    trained = page.get_by_test_id("trained")
    expect(trained).to_have_text("Đã tập huấn")
    expect(trained).to_have_class(re.compile(r"\btext-bg-success\b"))
    courses = page.get_by_test_id("mandatory-courses")
    for code in ("CAX-01", "CAX-02"):
        expect(courses.locator(f"tr[data-course={code}]")).to_have_attribute("data-state", "passed")
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.READY
    screenshot("ready")
    assert_fits(page)

    # Suggested above the untrained officer: Xã → the commune → Bố trí cán bộ
    open_menu(page, "Xã")
    search = page.get_by_test_id("commune-filter").locator("input[name=q]")
    search.fill("Đắk Man")
    search.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    page.get_by_test_id("commune-table").get_by_role("link", name="Xã Đắk Man", exact=True).click()
    page.wait_for_url(re.compile(rf"/communes/{COMMUNE}/$"))
    page.get_by_role("link", name="Bố trí cán bộ").click()
    page.wait_for_url(re.compile(rf"/officers/assign/{COMMUNE}/"))
    suggestions = page.get_by_test_id("suggestions")
    rows = suggestions.locator("tbody tr")
    order = rows.evaluate_all("rows => rows.map(r => r.dataset.officer)")
    assert order == ["789-012", "321-900"], order
    ready_row = suggestions.locator("tr[data-officer='789-012']")
    untrained_row = suggestions.locator(f"tr[data-officer='{untrained.police_number}']")
    expect(ready_row).to_have_attribute("data-meets-rules", "yes")
    expect(untrained_row).to_have_attribute("data-meets-rules", "no")
    expect(untrained_row.get_by_test_id("breaks-rules")).to_contain_text("đào tạo trước khi bố trí")
    expect(untrained_row).to_contain_text("Chưa được đào tạo cho chức danh Trưởng Công an xã")
    # although the untrained officer's raw score is the higher one
    ready_score = int(ready_row.locator("td.num").inner_text())
    untrained_score = int(untrained_row.locator("td.num").inner_text())
    assert untrained_score > ready_score, (untrained_score, ready_score)
    screenshot("assign")
    assert_fits(page)
    assert refused == []


def test_provincial_clerk_makes_a_new_candidate_ready_from_the_officer_page(
    page, live_server, readiness_world, users, screenshot
):
    _candidate_becomes_ready_and_is_suggested_first(
        page, live_server, users["provincial_clerk"], readiness_world, screenshot
    )


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_district_clerk_makes_a_new_candidate_ready_from_the_officer_page(
    page, live_server, readiness_world, users, screenshot
):
    _candidate_becomes_ready_and_is_suggested_first(page, live_server, users["district_clerk"], readiness_world,
                                                    screenshot)  # fmt: skip
    # the district clerk's officer, in their district
    assert Officer.objects.get(police_number="789-012").district_id == users["district_clerk"].district_id
