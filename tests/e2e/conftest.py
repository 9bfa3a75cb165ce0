"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser)."""

import os
import shutil

import pytest

from tests.builders.browser import DESKTOP, save_screenshot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A page in Vietnamese at 1366×768, or at the viewport a test asks for with
    ``parametrize("page", [PHONE], indirect=True)`` (a phone: touch, mobile)."""
    viewport = getattr(request, "param", DESKTOP)
    phone = viewport["width"] < 576
    context = browser.new_context(viewport=viewport, locale="vi-VN", is_mobile=phone, has_touch=phone,
                                  accept_downloads=True)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    def take(name: str):
        save_screenshot(page, request.node.name, name)

    return take
