"""The API from a clerk's seat, in a real browser, in Vietnamese, on a desktop and on a phone: a district clerk
creates a personal token from the account menu, pastes it into the API guide's curl and Python examples
(docs/api.md, run as written against the live server), opens the API documentation page (Swagger UI from static:
no request leaves the server), and revokes the token, which the server then refuses."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken
from communes.models import Commune
from personnel.models import Officer, Vetting
from tests.builders.browser import DESKTOP, PHONE, open_account_menu, sign_in
from tests.builders.world import DAK_GLEI
from tests.factories import OfficerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _block(language: str) -> str:
    """The guide's code block in ``language`` (its one ``sh`` and one ``python`` block)."""
    [block] = re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    return block


def _answers(text: str) -> list:
    """The JSON documents curl printed one after the other."""
    decoder, answers, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        answer, at = decoder.raw_decode(text, at)
        answers.append(answer)
    return answers


def _run(command: list[str], token: str, live_server) -> subprocess.CompletedProcess:
    env = {**os.environ, "TOKEN": token, "BASE": f"{live_server.url}/api/v1"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_a_district_clerk_uses_the_api_with_a_personal_token(page, live_server, demo_baseline, users, screenshot):
    clerk = users["district_clerk"]
    candidate = OfficerFactory(district_id=DAK_GLEI)
    sign_in(page, live_server, clerk.username)

    open_account_menu(page, "menu-tokens")
    expect(page.get_by_role("heading", name="Mã khóa API", exact=True)).to_be_visible()
    form = page.get_by_test_id("token-form")
    form.get_by_label("Tên").fill("Bảng số liệu huyện Đắk Glei")
    form.get_by_label("Hiệu lực (ngày)").fill("30")
    form.get_by_role("button", name="Tạo mã khóa").click()
    key = page.get_by_test_id("token-key").inner_text().strip()
    expect(page.get_by_test_id("tokens")).to_contain_text("Bảng số liệu huyện Đắk Glei")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    screenshot("created")
    token = ApiToken.objects.get(user=clerk)
    assert token.prefix and key.startswith(token.prefix) and key not in (token.key_hash, token.prefix)

    # The guide's curl lines, as written: three JSON answers of the clerk's area
    curl = _run(["bash", "-c", _block("sh")], key, live_server)
    assert curl.returncode == 0, curl.stderr
    communes, progress, officers = _answers(curl.stdout)
    uncovered = Commune.objects.filter(district_id=DAK_GLEI, coverage="uncovered")
    assert communes["count"] == uncovered.count() > 0
    assert {row["code"] for row in communes["results"]} == set(uncovered.values_list("code", flat=True))
    assert (
        progress["area"] == "province:62"
        and progress["communes"] == Commune.objects.filter(district_id=DAK_GLEI).count()
    )
    assert [row["id"] for row in officers["results"]] == [candidate.pk]

    # The guide's Python script, as written: it lists the uncovered communes and vets the first candidate
    script = _run([sys.executable, "-c", _block("python")], key, live_server)
    assert script.returncode == 0, script.stderr
    assert f"{uncovered.count()} uncovered communes in Kon Tum" in script.stdout
    assert f"{candidate.full_name} vetted for health" in script.stdout
    vetting = Vetting.objects.get(officer=candidate, criterion="health")
    assert vetting.passed and vetting.history.latest().history_user == clerk
    assert Officer.objects.get(pk=candidate.pk).status == "candidate"  # the other criteria are still to decide

    # The documentation page, from the tokens page's link: every request stays on the server
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_role("link", name="Tài liệu API").click()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert page.locator(".swagger-ui .opblock").count() >= 30
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/classes/{id}/results/")
    elsewhere = [url for url in requests if not url.startswith((live_server.url, "data:", "blob:"))]
    assert not elsewhere, elsewhere
    screenshot("docs")

    # Revoke it: the server refuses the key from then on
    page.go_back()
    page.get_by_test_id("tokens").get_by_role("button", name="Thu hồi").click()
    expect(page.get_by_test_id("tokens")).to_contain_text("Đã thu hồi")
    screenshot("revoked")
    refused = _run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Authorization: Token {key}",
                    f"{live_server.url}/api/v1/communes/"], key, live_server)  # fmt: skip
    assert refused.stdout == "401"
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    table = page.get_by_test_id("tokens")
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth"), "the tokens table scrolls sideways"
