"""Role × page: a district clerk sees nothing of another district on any page or download, a provincial clerk
nothing of another province, and an object of elsewhere answers 404 (``rollout.core.scoping``: ``visible_to``).

Every page of the application is opened with the world's objects of the district clerk's district (Đắk Glei); the
world also has officers, a chief, an assignment, a trainee and equipment of the provincial city (608), and another
province with its own plan, task and commune.
"""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from communes.models import Commune
from personnel.models import Officer
from tests.builders.equipment import QUANG_TRUNG
from tests.builders.world import CITY, DAK_GLEI, world_urls

pytestmark = pytest.mark.usefixtures("shared_world")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX):
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
    if response.get("Content-Type", "").startswith(("text/", "application/json")):
        return content.decode()
    return ""


def _leaks(http, urls, markers: dict[str, re.Pattern]) -> list[str]:
    found = []
    for name, url in urls.items():
        response = http.get(url)
        text = _text(response)
        found += [f"{url} ({name}): {what}" for what, pattern in markers.items() if pattern.search(text)]
    return found


def _officer_names(queryset) -> dict[str, re.Pattern]:
    # "Nguyễn Văn Thử 1" must not match "Nguyễn Văn Thử 10"
    return {name: re.compile(re.escape(name) + r"(?!\d)") for name in queryset.values_list("full_name", flat=True)}


def _commune_links(queryset) -> dict[str, re.Pattern]:
    return {
        f"link to commune {code}": re.compile(re.escape(reverse("communes:commune_detail", args=[code])) + '"')
        for code in queryset.values_list("code", flat=True)
    }


def test_a_district_clerk_sees_nothing_of_another_district_on_any_page(client_as, world):
    elsewhere = Officer.objects.exclude(district_id=DAK_GLEI)
    assert elsewhere.filter(district_id=CITY).count() >= 3  # the city's candidate, chief, trainee…
    # phase 1 of the plan also takes communes of the city: its page lists only Đắk Glei's
    world.phase.communes.add(*Commune.objects.filter(district_id=CITY)[:17])
    markers = {
        **_officer_names(elsewhere),
        **_commune_links(Commune.objects.exclude(district_id=DAK_GLEI)),
        "the city's commune": re.compile("Quang Trung"),
    }
    leaks = _leaks(client_as("district_clerk"), world_urls(world), markers)
    assert not leaks, "\n".join(leaks)


def test_a_provincial_clerk_sees_nothing_of_another_province_on_any_page(client_as, world):
    markers = {
        "the other province": re.compile("Tỉnh Thử Nghiệm"),
        "its commune": re.compile("Xã Ngoài Tỉnh"),
        "its plan": re.compile("Kế hoạch tỉnh khác"),
        "its task": re.compile("Việc tỉnh khác"),
        "its warehouse": re.compile("Kho tỉnh khác"),
    }
    leaks = _leaks(client_as("provincial_clerk"), world_urls(world), markers)
    assert not leaks, "\n".join(leaks)


def _elsewhere_pages(world) -> dict[str, str]:
    """The pages of the city's objects (another district than the district clerk's)."""
    city_trainee = world.city_enrollment
    return {
        "officer": reverse("personnel:officer_detail", args=[world.city_chief.pk]),
        "officer's form": reverse("personnel:officer_update", args=[world.city_chief.pk]),
        "vetting": reverse("personnel:officer_vetting", args=[world.city.pk]),
        "assignment's end": reverse("personnel:assignment_end", args=[world.city_assignment.pk]),
        "assigning to a commune": reverse("personnel:assign", args=[QUANG_TRUNG]),
        "commune": reverse("communes:commune_detail", args=[QUANG_TRUNG]),
        "commune's equipment": reverse("equipment:commune_equipment", args=[QUANG_TRUNG]),
        "issuance's receipt": reverse("equipment:issuance_receipt", args=[world.city_issuance.pk]),
        "handover's receipt": reverse("equipment:handover_receipt", args=[world.city_issuance.handover_id]),
        "return": reverse("equipment:issuance_return", args=[world.city_issuance.pk]),
        "enrolment's removal": reverse("training:enrollment_remove", args=[city_trainee.pk]),
        "prior training": reverse("training:prior_training_create", args=[world.city_free.pk]),
        "district dashboard": reverse("dashboard:district", args=[CITY]),
    }


def test_a_district_clerk_gets_404_for_every_object_of_another_district(client_as, world):
    http = client_as("district_clerk")
    shown = {what: http.get(url).status_code for what, url in _elsewhere_pages(world).items()}
    assert shown == dict.fromkeys(shown, 404)


def test_a_provincial_clerk_opens_the_same_pages_of_their_province(client_as, world):
    http = client_as("provincial_clerk")
    shown = {what: http.get(url).status_code for what, url in _elsewhere_pages(world).items()}
    assert shown == dict.fromkeys(shown, 200)


def test_a_provincial_clerk_gets_404_for_the_objects_of_another_province(client_as, world):
    http = client_as("provincial_clerk")
    pages = {
        "commune": reverse("communes:commune_detail", args=[world.other_commune.code]),
        "commune's equipment": reverse("equipment:commune_equipment", args=[world.other_commune.code]),
        "task": reverse("plan:task_edit", args=[world.other_task.pk]),
    }
    shown = {what: http.get(url).status_code for what, url in pages.items()}
    assert shown == dict.fromkeys(shown, 404)
