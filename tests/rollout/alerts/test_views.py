"""The alerts page and its export: who may open them, what a district clerk sees, bad parameters ignored."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import ExportRecord
from communes.models import Commune, Coverage
from tests.factories import AllocationStandardFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [("committee", 200), ("provincial_clerk", 200), ("district_clerk", 200), ("administrator", 200), ("no_role", 403)],
)
def test_who_may_open_the_alerts(client_as, demo_baseline, role, status):
    assert client_as(role).get(reverse("alerts:index")).status_code == status
    assert client_as(role).get(reverse("alerts:export")).status_code == status


def test_anonymous_users_are_sent_to_sign_in(client, demo_baseline):
    response = client.get(reverse("alerts:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_counts_every_kind_and_lists_the_chosen_one(client_as, demo_baseline):
    AllocationStandardFactory(quantity=1)
    page = client_as("district_clerk").get(reverse("alerts:index")).content.decode()
    here = Commune.objects.filter(district_id=610).exclude(coverage=Coverage.UNCOVERED)
    assert f'data-kind="short_of_standard" data-count="{here.count()}"' in page
    assert 'data-kind="understaffed"' in page and 'data-kind="ready_unassigned" data-count="0"' in page
    listed = client_as("district_clerk").get(reverse("alerts:index") + "?kind=short_of_standard").content.decode()
    assert listed.count('data-testid="alert"') == here.count()
    assert all(commune.name in listed for commune in here)
    elsewhere = Commune.objects.exclude(district_id=610).exclude(coverage=Coverage.UNCOVERED).first()
    assert elsewhere.name not in listed


def test_bad_parameters_are_ignored(client_as, demo_baseline):
    for query in ("?kind=nothing", "?district=abc", "?district=99999", "?page=-3&kind=understaffed", "?kind=%00"):
        assert client_as("provincial_clerk").get(reverse("alerts:index") + query).status_code == 200, query


def test_the_export_has_a_sheet_per_kind_and_is_recorded(client_as, demo_baseline):
    AllocationStandardFactory(quantity=1)
    response = client_as("provincial_clerk").get(reverse("alerts:export"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 9
    assert ExportRecord.objects.filter(file_name__startswith="canh-bao-").count() == 1


def test_the_dashboard_shows_the_counts(client_as, demo_baseline):
    page = client_as("committee").get(reverse("home")).content.decode()
    assert 'data-testid="dashboard-alerts"' in page
    assert page.count('href="/alerts/?kind=') == 9
