"""The import journey of issue 12 in a real browser, in Vietnamese, from the menu after sign-in, on a desktop and
on a phone: the administrator downloads the commune template, fills in only the code and the population, uploads
it, sees a summary where only the population changes (no date cleared, no key area turned off), and confirms. And
a large file (issue 14), checked in the background while the page shows its progress, with Redis down at first."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from communes.models import Commune, Coverage
from rollout.health import broker_check
from rollout.tasks import jobs_sweep
from tests.builders.browser import DESKTOP, PHONE, open_menu, sign_in
from tests.builders.celery import celery_broker, celery_worker
from tests.builders.redis_server import FAULTS_GROUP

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAK_BLO = 23344  # Xã Đắk Blô: border, key area, covered since 01/01/2020
TT_DAK_GLEI = 23341  # Thị trấn Đắk Glei: covered since 01/07/2019
DAK_MAN = 23347  # Xã Đắk Man: uncovered
DAK_PEK = 23353  # Xã Đắk Pék: left as it is


def attributes(code: int) -> tuple:
    commune = Commune.objects.get(code=code)
    return commune.is_key_area, commune.is_border, commune.border_country, commune.staffing_norm, \
        commune.baseline_covered_on  # fmt: skip


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_template_filled_with_code_and_population_changes_only_the_population(
    page, live_server, demo_baseline, users, screenshot, tmp_path
):
    before = {code: attributes(code) for code in (DAK_BLO, TT_DAK_GLEI, DAK_MAN)}
    sign_in(page, live_server, users["administrator"].username)

    open_menu(page, re.compile("^(Xã|Communes)$"))
    page.get_by_role("link", name="Nhập từ Excel").click()
    expect(page.locator("h1")).to_contain_text("Nhập")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Biểu mẫu")).click()
    template = tmp_path / "mau-nhap-xa.xlsx"
    download_info.value.save_as(template)

    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert "Hướng dẫn" in workbook.sheetnames
    for code, population in ((DAK_BLO, 4100), (TT_DAK_GLEI, 9800), (DAK_MAN, 2300), (DAK_PEK, None)):
        sheet.append([{"Mã xã": code, "Dân số": population}.get(header) for header in headers])
    Commune.objects.filter(code=DAK_PEK).update(population=None)
    filled = io.BytesIO()
    workbook.save(filled)
    upload = tmp_path / "xa.xlsx"
    upload.write_bytes(filled.getvalue())

    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_load_state()

    summary = page.get_by_test_id("import-summary")
    expect(summary).to_be_visible()
    expect(page.get_by_test_id("total-changed")).to_have_text("Thay đổi: 3")
    expect(page.get_by_test_id("total-unchanged")).to_have_text("Không đổi: 1")
    expect(page.get_by_test_id("total-error")).to_contain_text("0")
    expect(page.get_by_test_id("import-losses")).to_have_count(0)
    changed = page.locator('tr[data-status="changed"]')
    expect(changed).to_have_count(3)
    details = changed.locator("td:nth-child(4)").all_inner_texts()
    assert all(text.startswith("Dân số:") and "\n" not in text.strip() for text in details), details
    expect(changed.first.get_by_test_id("row-record")).to_have_text(f"{DAK_BLO} · Xã Đắk Blô")
    expect(page.locator('[data-change="cleared"], [data-change="off"]')).to_have_count(0)
    # The unchanged row is hidden until "all rows" is chosen.
    unchanged = page.locator('tr[data-status="unchanged"]')
    expect(unchanged).to_be_hidden()
    page.get_by_text(re.compile(r"Tất cả các dòng \(4\)")).click()
    expect(unchanged).to_be_visible()
    screenshot("preview")

    page.get_by_role("button", name="Xác nhận nhập dữ liệu").click()
    page.wait_for_url(re.compile(r"/communes/$"))
    expect(page.locator("main .alert-success")).to_contain_text("3 bản ghi thay đổi")
    screenshot("done")

    assert {code: Commune.objects.get(code=code).population for code in (DAK_BLO, TT_DAK_GLEI, DAK_MAN)} == {
        DAK_BLO: 4100, TT_DAK_GLEI: 9800, DAK_MAN: 2300
    }  # fmt: skip
    assert {code: attributes(code) for code in before} == before
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 54


@pytest.mark.xdist_group(FAULTS_GROUP)
@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_large_file_is_checked_in_the_background_while_the_page_shows_its_progress(
    page, live_server, demo_baseline, users, own_redis, settings, tmp_path, screenshot
):
    """Redis is down when the administrator uploads every commune of Kon Tum (more rows than are checked while
    the page waits): the page answers at once with a progress bar that waits; once Redis is back and the sweeper
    has run, a worker checks the file, the page turns into the preview by itself, and the confirmation writes."""
    settings.IMPORT_SYNC_MAX_ROWS = 10
    codes = list(Commune.objects.order_by("code").values_list("code", flat=True))
    workbook = Workbook()
    workbook.active.append(["Mã xã", "Dân số"])
    for index, code in enumerate(codes):
        workbook.active.append([code, 700 + index])
    upload = tmp_path / "xa.xlsx"
    workbook.save(upload)
    with celery_broker(settings, own_redis.url):
        sign_in(page, live_server, users["administrator"].username)
        own_redis.stop()
        broker_check.forget()
        page.goto(f"{live_server.url}/communes/import/")
        page.locator("input[type=file]").set_input_files(str(upload))
        page.get_by_role("button", name="Kiểm tra tệp").click()
        page.wait_for_url(re.compile(r"/communes/import/\?job="))

        progress = page.get_by_test_id("import-progress")
        expect(progress).to_be_visible()
        expect(progress).to_have_attribute("aria-valuenow", "0")
        expect(page.get_by_test_id("import-rows")).to_have_text("Đang chờ tiến trình xử lý nền.")
        expect(page.get_by_test_id("import-delayed")).to_be_visible()
        expect(page.get_by_test_id("import-refresh")).to_have_text("Làm mới")
        screenshot("waiting")

        own_redis.start()
        broker_check.forget()
        assert jobs_sweep()["sent"] == 1
        with celery_worker(settings, own_redis.url):
            page.get_by_test_id("import-confirm").wait_for(timeout=60_000)  # the page reloads by itself
        expect(page.get_by_test_id("total-changed")).to_have_text("Thay đổi: 102")
        expect(page.get_by_test_id("import-job")).to_have_count(0)
        screenshot("checked")
        page.get_by_role("button", name="Xác nhận nhập dữ liệu").click()
        page.wait_for_url(re.compile(r"/communes/$"))
        expect(page.locator("main .alert-success")).to_contain_text("102 bản ghi thay đổi")

    assert dict(Commune.objects.values_list("code", "population")) == {
        code: 700 + index for index, code in enumerate(codes)
    }
