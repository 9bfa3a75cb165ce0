"""The deployment plan's pages: role × page × method, and what real use sends (a partly filled approval, a POST
with only the CSRF token, the same POST twice, a page gone stale)."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from communes.models import Commune, Coverage
from personnel.models import Assignment
from rollout.deployment import services
from rollout.models import DeploymentPlan, DeploymentPlanStatus, DeploymentRow
from tests.builders.plan import dmy
from tests.builders.world import assert_unchanged, db_state
from tests.factories import OfficerFactory, ProvinceFactory, UserFactory, vet_fully

pytestmark = pytest.mark.django_db

DAK_MAN, DAK_PEK, DAK_CHOONG = 23347, 23353, 23356  # uncovered communes of Đắk Glei (610)
TODAY = timezone.localdate()


@pytest.fixture
def plan(demo_baseline, users):
    admin = users["administrator"]
    for rank in (8, 6):
        vet_fully(OfficerFactory(rank=rank), admin)
    communes = list(Commune.objects.filter(code__in=[DAK_MAN, DAK_PEK, DAK_CHOONG]).select_related("district"))
    return services.deployment_plan_create(user=users["provincial_clerk"], province_id=62, communes=communes)


def _urls(plan):
    return {
        name: reverse(f"deployment:{name}", args=[plan.pk])
        for name in ("plan_detail", "plan_run", "row_lock", "exclude", "approve", "export")
    }


def _approval(plan, rows, **extra):
    data = {"runs": plan.runs, "decision_date": dmy(TODAY), "started_on": dmy(TODAY), "approve": [r.pk for r in rows]}
    data.update(extra)
    return data


# fmt: off
ROLES = ("committee", "provincial_clerk", "district_clerk", "administrator", "no_role")
MATRIX = [
    # page         method  committee prov. clerk distr. clerk administrator no role
    ("list",       "get",  200,      200,        200,         200,          403),
    ("create",     "get",  403,      200,        403,         200,          403),
    ("plan_detail", "get", 200,      200,        200,         200,          403),
    ("export",     "get",  200,      200,        200,         200,          403),
    ("plan_run",   "post", 403,      302,        403,         302,          403),
    ("row_lock",   "post", 403,      302,        403,         302,          403),
    ("exclude",    "post", 403,      302,        403,         302,          403),
    ("approve",    "post", 403,      200,        403,         200,          403),
]
# fmt: on


@pytest.mark.parametrize(("page", "method", *ROLES), MATRIX)
def test_role_page_method_matrix(client_as, plan, page, method, committee, provincial_clerk, district_clerk,
                                 administrator, no_role):  # fmt: skip
    expected = dict(zip(ROLES, (committee, provincial_clerk, district_clerk, administrator, no_role), strict=True))
    row = plan.rows.filter(officer__isnull=False).first()
    urls = {
        **_urls(plan),
        "list": reverse("deployment:plan_list"),
        "create": reverse("deployment:plan_create") + "?province=62",
    }  # noqa: E501
    data = {"row": row.pk, "locked": "1", "officer": row.officer_id, "leave_out": "1"} if method == "post" else {}
    for role, status in expected.items():
        response = getattr(client_as(role), method)(urls[page], data)
        assert response.status_code == status, (page, role, response.status_code)


def test_anonymous_users_are_sent_to_sign_in(client, plan):
    for url in [reverse("deployment:plan_list"), *_urls(plan).values()]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_a_clerk_of_another_province_does_not_see_the_plan(client, plan):
    other = ProvinceFactory()
    clerk = UserFactory(role="Provincial clerk", province=other)
    client.force_login(clerk)
    assert client.get(_urls(plan)["plan_detail"]).status_code == 404
    assert client.post(_urls(plan)["plan_run"]).status_code == 404


def test_the_district_clerk_sees_only_their_districts_rows_and_no_form(client_as, demo_baseline, users):
    admin = users["administrator"]
    vet_fully(OfficerFactory(), admin)
    elsewhere = Commune.objects.filter(coverage=Coverage.UNCOVERED).exclude(district_id=610).first()
    communes = list(Commune.objects.filter(code__in=[DAK_MAN, elsewhere.code]).select_related("district"))
    plan = services.deployment_plan_create(user=users["provincial_clerk"], province_id=62, communes=communes)
    page = client_as("district_clerk").get(plan.get_absolute_url()).content.decode()
    assert f'data-commune="{DAK_MAN}"' in page and f'data-commune="{elsewhere.code}"' not in page
    assert 'data-testid="approve-form"' in page and 'name="approve"' not in page and "run-again" not in page


def test_the_clerk_makes_a_plan_from_the_form(client_as, demo_baseline, users):
    vet_fully(OfficerFactory(), users["administrator"])
    http = client_as("provincial_clerk")
    page = http.get(reverse("deployment:plan_create"))  # the clerk's own province
    assert page.status_code == 200 and "Kon Tum" in page.content.decode()
    response = http.post(
        reverse("deployment:plan_create"), {"province": 62, "posts": "chiefs", "starts_on": dmy(TODAY)}
    )
    plan = DeploymentPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.posts_open == 54 and plan.posts_filled == 1
    # a form with only the CSRF token makes nothing
    before = DeploymentPlan.objects.count()
    assert http.post(reverse("deployment:plan_create"), {"province": 62}).status_code == 200
    assert DeploymentPlan.objects.count() == before


def test_an_approval_with_only_the_csrf_token_writes_nothing(client_as, plan):
    before = db_state()
    response = client_as("provincial_clerk").post(_urls(plan)["approve"], {})
    assert response.status_code == 200
    assert_unchanged(before, db_state())


def test_a_partly_filled_approval_says_what_is_missing_and_writes_nothing(client_as, plan):
    rows = list(plan.rows.filter(officer__isnull=False))
    before = db_state()
    # rows chosen, no decision number and no pattern
    response = client_as("provincial_clerk").post(_urls(plan)["approve"], _approval(plan, rows))
    page = response.content.decode()
    assert response.status_code == 200 and page.count('data-testid="row-problem"') == len(rows)
    assert_unchanged(before, db_state())
    # nothing chosen
    response = client_as("provincial_clerk").post(_urls(plan)["approve"], _approval(plan, [], pattern="{n}/QĐ"))
    assert 'data-testid="approval-problem"' in response.content.decode()
    assert_unchanged(before, db_state())


def test_approving_numbers_the_decisions_from_the_pattern_and_the_same_post_twice_adds_nothing(client_as, plan):
    rows = list(plan.rows.filter(officer__isnull=False).order_by("pk"))
    http = client_as("provincial_clerk")
    data = _approval(plan, rows, pattern="{n}/QĐ-CAT", first_number=41, **{f"decision_{rows[0].pk}": "7/QĐ-CAT"})
    response = http.post(_urls(plan)["approve"], data)
    assert response.status_code == 302
    numbers = set(
        Assignment.objects.filter(decision_number__endswith="/QĐ-CAT").values_list("decision_number", flat=True)
    )
    assert numbers == {"7/QĐ-CAT", "41/QĐ-CAT"}
    plan.refresh_from_db()
    assert plan.status == DeploymentPlanStatus.APPROVED
    before = db_state()
    again = http.post(_urls(plan)["approve"], data)
    assert again.status_code in (200, 409) and "Đã được phê duyệt" in again.content.decode()
    assert_unchanged(before, db_state())


def test_a_stale_page_is_refused_with_409_and_shown_again(client_as, plan):
    http = client_as("provincial_clerk")
    seen = _approval(plan, list(plan.rows.filter(officer__isnull=False)), pattern="{n}/QĐ", first_number=1)
    http.post(_urls(plan)["plan_run"])  # someone runs the plan again meanwhile
    before = Assignment.objects.count()
    response = http.post(_urls(plan)["approve"], seen)
    assert response.status_code == 409
    assert "chạy lại" in response.content.decode()
    assert Assignment.objects.count() == before


def test_lock_twice_and_leave_out_then_take_back(client_as, plan):
    http = client_as("provincial_clerk")
    row = plan.rows.filter(officer__isnull=False).first()
    for _ in range(2):
        assert http.post(_urls(plan)["row_lock"], {"row": row.pk, "locked": "1"}).status_code == 302
    assert DeploymentRow.objects.get(pk=row.pk).is_locked
    assert http.post(_urls(plan)["row_lock"], {}).status_code == 302  # only the token: nothing changes
    assert DeploymentRow.objects.get(pk=row.pk).is_locked
    http.post(_urls(plan)["exclude"], {"officer": row.officer_id, "leave_out": "1"})
    assert list(plan.excluded_officers.values_list("pk", flat=True)) == [row.officer_id]
    assert not DeploymentRow.objects.get(pk=row.pk).is_locked  # leaving the officer out unlocks their pair
    http.post(_urls(plan)["exclude"], {"officer": row.officer_id, "leave_out": "0"})
    assert not plan.excluded_officers.exists()
    assert http.post(_urls(plan)["exclude"], {"officer": "x"}).status_code == 404


def test_the_export_masks_police_numbers_for_the_committee_and_is_recorded(client_as, plan):
    from accounts.models import ExportRecord

    response = client_as("committee").get(_urls(plan)["export"])
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True) if row[4]]
    assert numbers and all(number.startswith("•••-•") for number in numbers)
    assert ExportRecord.objects.filter(identifiers_shown=False).exists()


def test_the_pages_forms_post_back_the_ids_they_show(client_as, plan):
    # commune codes are five digits: a localised "23.347" in a hidden field would post nothing the server knows
    import re

    http = client_as("provincial_clerk")
    page = http.get(_urls(plan)["plan_detail"]).content.decode()
    commune = re.search(r'name="commune" value="([^"]+)"', page).group(1)
    assert commune.isdigit()
    assert http.post(_urls(plan)["exclude"], {"commune": commune, "leave_out": "1"}).status_code == 302
    assert list(plan.excluded_communes.values_list("pk", flat=True)) == [int(commune)]
    row = re.search(r'name="approve" value="([^"]+)"', page).group(1)
    assert row.isdigit() and f'name="decision_{row}"' in page


def test_a_phase_page_leads_to_a_plan_of_that_phase(client_as, demo_baseline):
    from tests.factories import PhaseFactory, PilotPlanFactory

    phase = PhaseFactory(plan=PilotPlanFactory(province_id=62), number=1)
    http = client_as("provincial_clerk")
    page = http.get(reverse("plan:phase_detail", args=[phase.pk])).content.decode()
    link = f"{reverse('deployment:plan_create')}?province=62&amp;phase={phase.pk}"
    assert link in page
    form = http.get(link.replace("&amp;", "&")).content.decode()
    assert f'<option value="{phase.pk}" selected>' in form
