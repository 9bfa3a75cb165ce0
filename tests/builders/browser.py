"""What the browser journeys share: the two screens they run on, signing in through the login page, the top
menu, and screenshots kept in test-artifacts/."""

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import PASSWORD

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def sign_in(page, live_server, username: str) -> None:
    """Sign in as ``username`` (the factories' password) on the login page the home page redirects to."""
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("Mật khẩu|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    page.wait_for_url(f"{live_server.url}/")


def save_screenshot(page, test_name: str, name: str) -> None:
    """The whole page as ``test-artifacts/<test>-<name>.png`` (test names are unique, so parallel runs agree)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{test_name}-{name}.png"), full_page=True)


def open_account_menu(page, item_testid: str) -> None:
    """Open the user's dropdown at the top right (the collapsed menu first, on a phone) and click the item."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#topnav")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#topnav button.dropdown-toggle").click()
    page.get_by_test_id(item_testid).click()
    page.wait_for_load_state()


def open_menu(page, name: str) -> None:
    """Click the top menu's entry labelled exactly ``name``, opening the collapsed menu first on a phone."""
    toggler = page.locator("button.navbar-toggler")
    menu = page.locator("#topnav")
    if toggler.is_visible():
        toggler.click()
        # Bootstrap marks the menu "show" once it has finished opening (it is "collapsing" meanwhile): a click
        # during the animation can be lost on a loaded machine.
        expect(menu).to_have_class(re.compile(r"\bshow\b"))
    menu.get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_load_state()
