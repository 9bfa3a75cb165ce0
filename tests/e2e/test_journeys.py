"""Each role's main journey in a real browser, and a screenshot of every main page in Vietnamese and English
(saved under test-artifacts/ as the tests' artefacts).

The clerk's journeys (assigning, training, equipping) have their own browser tests next to this file; the
Committee's dashboard and report journey is in test_dashboard_browser.py.
"""

import io
import re

import pytest
from openpyxl import Workbook

from communes.models import Commune
from personnel.models import Officer
from tests.builders.browser import sign_in
from tests.factories import OfficerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _workbook(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(page, name: str, content: bytes) -> None:
    upload = page.get_by_test_id("import-upload")
    upload.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": content}
    )  # fmt: skip
    upload.locator("button[type=submit]").click()
    page.get_by_test_id("import-preview").wait_for()


def test_administrator_imports_communes_then_officers(page, live_server, demo_baseline, users, screenshot):
    sign_in(page, live_server, users["administrator"].username)

    # Communes: two rows change their population; the preview says so, confirming writes it
    page.goto(f"{live_server.url}/communes/import/")
    headers = ["Mã xã", "Mã huyện", "Dân số", "Định biên"]
    _upload(page, "xa.xlsx", _workbook(headers, [[23281, 608, 4321, 6], [23284, 608, 2345, None]]))
    assert re.search(r"2$", page.get_by_test_id("total-changed").inner_text())
    screenshot("communes-preview")
    page.get_by_test_id("import-confirm").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/communes/$"))
    assert Commune.objects.get(code=23281).population == 4321
    assert Commune.objects.get(code=23281).staffing_norm == 6
    assert Commune.objects.get(code=23284).population == 2345

    # A bad file writes nothing and says which cell is wrong
    page.goto(f"{live_server.url}/communes/import/")
    _upload(page, "xa.xlsx", _workbook(headers, [[23281, 608, -5, 6]]))
    refused = page.get_by_test_id("import-refused")
    assert refused.is_visible()
    assert "Dân số" in page.get_by_test_id("import-preview").inner_text()
    screenshot("communes-refused")
    assert Commune.objects.get(code=23281).population == 4321

    # Officers: two new officers of Đắk Glei
    page.goto(f"{live_server.url}/officers/import/")
    officer_headers = [
        "Số hiệu", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Ngôn ngữ", "Cấp bậc", "Đơn vị công tác",
        "Mã tỉnh", "Mã huyện quản lý", "Mã huyện quê quán", "Trình độ học vấn", "Lý luận chính trị", "Điện thoại",
    ]  # fmt: skip
    rows = [
        ["321-001", "A Thị Hoa", "12/05/1995", "Nữ", "Xơ Đăng", "Xơ Đăng, Tiếng Việt", "Thượng úy",
         "Công an huyện Đắk Glei", 62, 610, 610, "Đại học", "Trung cấp", "0912000111"],
        ["321-002", "Y Bút", "03/09/1993", "Nam", "Giẻ Triêng", "Giẻ Triêng", "Trung úy",
         "Công an huyện Đắk Glei", 62, 610, 610, "Cao đẳng", "Sơ cấp", "0912000222"],
    ]  # fmt: skip
    _upload(page, "can-bo.xlsx", _workbook(officer_headers, rows))
    assert re.search(r"2$", page.get_by_test_id("total-new").inner_text())
    screenshot("officers-preview")
    page.get_by_test_id("import-confirm").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/officers/$"))
    assert set(Officer.objects.values_list("police_number", flat=True)) == {"321-001", "321-002"}
    page.goto(f"{live_server.url}/officers/?q=y+but")
    assert "Y Bút" in page.locator("main").inner_text()


def test_district_clerk_is_kept_inside_their_district(page, live_server, demo_baseline, users, screenshot):
    own = OfficerFactory(district_id=610, full_name="Nguyễn Văn Trong")
    other = OfficerFactory(district_id=608, full_name="Trần Văn Ngoài")
    sign_in(page, live_server, users["district_clerk"].username)

    page.goto(f"{live_server.url}/officers/")
    listed = page.locator("main").inner_text()
    assert "Nguyễn Văn Trong" in listed and "Trần Văn Ngoài" not in listed
    screenshot("officers")

    # another district's officer and commune do not exist for them; their own do
    for url in (f"/officers/{other.pk}/", f"/officers/{other.pk}/edit/", "/officers/assign/23200/",
                "/equipment/communes/23200/"):  # fmt: skip
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 404, url
    assert page.goto(f"{live_server.url}/officers/{own.pk}/").status == 200
    # the commune list shows Đắk Glei only
    page.goto(f"{live_server.url}/communes/")
    districts = set(page.get_by_test_id("commune-table").locator("tbody tr td:nth-child(3)").all_inner_texts())
    assert districts == {"Huyện Đắk Glei"}
    # and the administration is not theirs
    assert page.goto(f"{live_server.url}/admin/").url.startswith(f"{live_server.url}/admin/login/")


MAIN_PAGES = [
    ("dashboard", "/"),
    ("communes", "/communes/"),
    ("commune", "/communes/23281/"),
    ("officers", "/officers/"),
    ("training", "/training/"),
    ("untrained", "/training/untrained/"),
    ("equipment", "/equipment/"),
    ("shortages", "/equipment/shortages/"),
    ("plan", "/plan/"),
    ("tasks", "/plan/tasks/"),
]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_main_page_in_both_languages(page, live_server, demo_baseline, users, screenshot, language):
    sign_in(page, live_server, users["committee"].username)
    if language == "en":
        page.get_by_test_id("language-switch").locator("button[value=en]").click()
        page.wait_for_load_state()
    for name, url in MAIN_PAGES:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language, url
        assert page.locator("h1").first.is_visible(), url
        screenshot(f"{language}-{name}")
    if language == "en":
        assert "Communes" in page.locator("nav").first.inner_text()
    else:
        assert "Cán bộ" in page.locator("nav").first.inner_text()
