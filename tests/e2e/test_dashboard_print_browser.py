"""Browser journey: a district clerk (and the Committee) opens the dashboard from the menu and prints it for a
meeting. The page is titled with the clerk's district; on A4 portrait (Chromium's ``page.pdf(format="A4")``) the
charts are redrawn at their printed size (not squeezed) with every legend inside its chart, and nothing runs past
the page's width. At 1366×768 and on a phone (390×844), in Vietnamese."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from tests.builders.browser import ARTIFACTS, save_screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

A4_POINTS = (595, 842)  # 210 × 297 mm
PRINTED_WIDTH_PX = 703  # 210 mm less the 12 mm margins of the print style, at 96 px per inch

CHARTS = ("chart-covered", "chart-shares")


@pytest.fixture
def demo(kon_tum, users):
    call_command("seed_demo", stdout=io.StringIO())  # the roster, training, equipment and 62 days of snapshots
    return kon_tum


def open_dashboard_from_the_menu(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("link", name="Tổng quan").click()
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-covered') && Chart.getChart('chart-shares')")


def chart_geometry(page) -> dict:
    """For each chart: its drawing (bitmap) and its box on the page, and its legend's box inside the drawing."""
    return page.evaluate(
        """(ids) => Object.fromEntries(ids.map((id) => {
            const chart = Chart.getChart(id), canvas = chart.canvas, box = canvas.getBoundingClientRect();
            const parent = canvas.parentElement.getBoundingClientRect();
            return [id, {
                bitmap: [canvas.width / chart.currentDevicePixelRatio, canvas.height / chart.currentDevicePixelRatio],
                box: [box.width, box.height], parent: [parent.width, parent.height],
                legend: [chart.legend.left, chart.legend.top, chart.legend.right, chart.legend.bottom],
                legendItems: chart.legend.legendItems.length, datasets: chart.data.datasets.length,
                legendLines: chart.legend.lineWidths.length,
            }];
        }))""",
        list(CHARTS),
    )


def assert_drawn_at_their_size(geometry: dict) -> None:
    for name, g in geometry.items():
        (bw, bh), (w, h), (pw, ph) = g["bitmap"], g["box"], g["parent"]
        assert abs(bw - w) <= 2 and abs(bh - h) <= 2, (name, g)  # drawn for the box it shows in: not stretched
        assert abs(w - pw) <= 2 and abs(h - ph) <= 2, (name, g)  # and fills its frame
        left, top, right, bottom = g["legend"]
        assert g["legendItems"] == g["datasets"], (name, g)  # every series named
        assert left >= 0 and top >= 0 and right <= w + 1 and bottom <= h + 1, (name, g)  # legend inside: not cut


def look(pdf_path, name: str) -> None:
    """The PDF's first page as a PNG beside it, for a person to look at (when pdftoppm is installed)."""
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf_path), str(ARTIFACTS / name)],
                       check=False, timeout=60)  # fmt: skip


@pytest.mark.parametrize("role", ["district_clerk", "committee"])
def test_printing_the_dashboard_on_a4_portrait(page, live_server, demo, users, role, request):
    sign_in(page, live_server, users[role].username)
    open_dashboard_from_the_menu(page)
    area = page.get_by_test_id("area-name").inner_text()
    if role == "district_clerk":
        assert page.get_by_test_id("area-district").inner_text() == "Huyện Đắk Glei"
        assert "Huyện Đắk Glei" in page.title()
    else:
        assert "Tỉnh Kon Tum" in area and page.get_by_test_id("area-district").count() == 0
    assert_drawn_at_their_size(chart_geometry(page))
    save_screenshot(page, request.node.name, "screen")

    # The Print button opens the browser's print dialog (stubbed: headless Chromium has none).
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="In").click()
    assert page.evaluate("() => window.printed") == 1

    # As printed on A4: the browser says it prints (``beforeprint``), lays the page out at A4's width in print
    # media, and prints; the PDF is Chromium's own print.
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.set_viewport_size({"width": PRINTED_WIDTH_PX, "height": 1000})
    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    geometry = chart_geometry(page)
    for name, g in geometry.items():
        (bw, bh), (w, h), (_pw, ph) = g["bitmap"], g["box"], g["parent"]
        assert abs(bw / bh - w / h) < 0.03, (name, g)  # drawn for the shape it is printed in: not squeezed
        assert w >= PRINTED_WIDTH_PX * 0.85 and h <= ph + 1, (name, g)  # the page's width, inside its frame
        left, top, right, bottom = g["legend"]
        assert g["legendItems"] == g["datasets"] and right <= bw + 1 and bottom <= bh + 1, (name, g)  # legend whole
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, overflow
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"{request.node.name}-dashboard.pdf"
    page.pdf(path=str(pdf_path), format="A4", print_background=True)
    look(pdf_path, f"{request.node.name}-pdf")
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(300)
    assert_drawn_at_their_size(chart_geometry(page))  # back to the screen's size

    reader = PdfReader(str(pdf_path))
    for printed in reader.pages:  # A4, portrait
        assert abs(float(printed.mediabox.width) - A4_POINTS[0]) < 2, printed.mediabox
        assert abs(float(printed.mediabox.height) - A4_POINTS[1]) < 2, printed.mediabox
    assert len(reader.pages) <= 3
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Mức độ sẵn sàng" in text and "Đắk Glei" in text
    assert not re.search(r"Đăng xuất|Quản trị", text)  # no top bar, no user menu


def test_the_dashboard_on_a_phone(browser, live_server, demo, users):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, users["district_clerk"].username)
        open_dashboard_from_the_menu(page)
        assert page.get_by_test_id("area-district").inner_text() == "Huyện Đắk Glei"
        assert page.get_by_role("button", name="In").is_visible()
        assert_drawn_at_their_size(chart_geometry(page))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, overflow
    finally:
        context.close()
