"""What the browser journeys share: signing in through the login page, and screenshots kept in test-artifacts/."""

import re
from pathlib import Path

from tests.factories import PASSWORD

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
