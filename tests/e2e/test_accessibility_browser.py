"""axe-core on the main pages, in Vietnamese and in English: no serious or critical violation. axe-core is vendored
for the tests only (``tests/e2e/vendor/axe-core-<version>/``, from npm, nothing fetched at run time) and injected
into each page; the pages are those of the demo (``seed_demo``), signed in as an administrator, who sees them all.
"""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from communes.models import Commune
from personnel.choices import Post
from personnel.models import Assignment
from rollout.models import DeploymentPlan
from tests.builders.browser import DESKTOP, PHONE, sign_in
from training.models import TrainingSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = next((Path(__file__).parent / "vendor").glob("axe-core-*/axe.min.js"))
SERIOUS = ("serious", "critical")


def main_pages() -> dict[str, str]:
    """The main pages, on demo records: a commune with a chief, that chief, an uncovered commune, a class."""
    chief = Assignment.objects.filter(post=Post.CHIEF, ended_on__isnull=True).order_by("commune_id").first()
    uncovered = (
        Commune.objects.filter(district__province_id=62, baseline_covered_on__isnull=True)
        .exclude(assignments__post=Post.CHIEF, assignments__ended_on__isnull=True)
        .order_by("code")
        .first()
    )
    session = TrainingSession.objects.order_by("-starts_on", "pk").first()
    deployment = DeploymentPlan.objects.order_by("pk").first()  # the demo's approved plans of phase 1
    return {
        "dashboard": "/",
        "district": "/dashboard/district/610/",
        "communes": "/communes/",
        "commune": f"/communes/{chief.commune_id}/",
        "officers": "/officers/",
        "officer": f"/officers/{chief.officer_id}/",
        "assign": f"/officers/assign/{uncovered.code}/",
        "training": "/training/",
        "class": f"/training/classes/{session.pk}/",
        "equipment": "/equipment/",
        "stock": "/equipment/stock/",
        "plan": "/plan/",
        "deployment plans": "/deployment/",
        "deployment plan": f"/deployment/{deployment.pk}/",
        "new deployment plan": "/deployment/new/?province=62",
        "alerts": "/alerts/",
        "notifications": "/notifications/",
        "notification settings": "/notifications/preferences/",
        "reports": "/reports/",
        "register": "/register/",
        "register of a past day": "/register/?district=610&day=01/10/2026",
        "service record": f"/register/officers/{chief.officer_id}/",
        "subscriptions": "/subscriptions/",
        "new subscription": "/subscriptions/new/",
        "admin": "/admin/",
        "not found": "/no-such-page/",
    }


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )


def summary(found: dict) -> dict:
    """Per page and rule: how many elements, and each distinct failure once with its first element."""
    out = {}
    for name, violations in found.items():
        for v in violations:
            seen = {}
            for node in v["nodes"]:
                why = node["summary"].split("\n")[-1].strip()
                seen.setdefault(why, [node["target"], 0])[1] += 1
            out[f"{name}: {v['id']} ({v['impact']})"] = [f"{n}× {why} — e.g. {t}" for why, (t, n) in seen.items()]
    return out


@pytest.fixture
def demo(kon_tum, users):
    call_command("seed_demo", stdout=io.StringIO())
    return kon_tum


@pytest.mark.parametrize(
    ("language", "viewport"), [("vi", DESKTOP), ("en", DESKTOP), ("vi", PHONE)], ids=["vi", "en", "vi-phone"]
)
def test_main_pages_have_no_serious_accessibility_violation(browser, live_server, demo, users, language, viewport):
    # axe is injected as a script of the page: the Content-Security-Policy (scripts from static/ only) is
    # bypassed for this test alone. On a phone the menu is collapsed and tables scroll: other elements, other rules.
    context = browser.new_context(viewport=viewport, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, live_server, users["administrator"].username)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        found = {}
        for name, url in main_pages().items():
            page.goto(f"{live_server.url}{url}")
            assert page.locator("html").get_attribute("lang") == language, name
            serious = [v for v in axe_violations(page) if v["impact"] in SERIOUS]
            if serious:
                found[name] = serious
        assert not found, json.dumps(summary(found), ensure_ascii=False, indent=1)
    finally:
        context.close()
