"""Every export of a list naming officers is recorded: who, what, how many, identifiers shown or masked."""

import pytest
from django.urls import reverse

from accounts.models import ExportRecord
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(kon_tum):
    return OfficerFactory.create_batch(3)


def test_a_clerk_export_of_officers_is_recorded_with_identifiers_shown(client_as, users, roster):
    response = client_as("provincial_clerk").get(reverse("personnel:officer_export"), {"q": ""})
    assert response.status_code == 200
    record = ExportRecord.objects.get()
    assert (record.user, record.rows, record.identifiers_shown) == (users["provincial_clerk"], 3, True)
    assert record.file_name.startswith("can-bo-") and record.query == "q="


def test_a_committee_export_is_recorded_as_masked(client_as, users, roster):
    client_as("committee").get(reverse("personnel:officer_export"))
    record = ExportRecord.objects.get()
    assert (record.user, record.identifiers_shown) == (users["committee"], False)


@pytest.mark.parametrize("url_name", ["training:untrained", "training:refreshers"])
def test_training_list_exports_are_recorded(client_as, users, roster, url_name):
    response = client_as("provincial_clerk").get(reverse(url_name), {"format": "xlsx"})
    assert response.status_code == 200
    assert ExportRecord.objects.filter(user=users["provincial_clerk"]).count() == 1


def test_pages_and_non_personal_exports_are_not_recorded(client_as, roster):
    client = client_as("provincial_clerk")
    client.get(reverse("personnel:officer_list"))
    client.get(reverse("communes:commune_export"))
    assert not ExportRecord.objects.exists()


def test_the_record_cannot_be_edited_in_the_admin(client_as, users, roster):
    client = client_as("administrator")
    client.get(reverse("personnel:officer_export"))
    record = ExportRecord.objects.get()
    assert client.get(reverse("admin:accounts_exportrecord_changelist")).status_code == 200
    assert (
        client.post(reverse("admin:accounts_exportrecord_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    )
    assert ExportRecord.objects.filter(pk=record.pk).exists()
