"""Vetting: "all pass" records every criterion; the age criterion follows from the birth date (service, page)."""

import datetime

import pytest
from django.urls import reverse

from personnel import services
from personnel.choices import OfficerStatus, VettingCriterion
from personnel.models import Officer, Vetting
from tests.factories import OfficerFactory, _years_ago

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
TYPED = ["political_quality", "professional_capacity", "health", "background"]


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def written() -> tuple:
    return list(Vetting.objects.order_by("pk").values()), Vetting.history.count(), Officer.history.count()


def test_the_age_criterion_is_derived_from_the_birth_date(kon_tum, users):
    young = OfficerFactory(birth_date=_years_ago(30))
    old = OfficerFactory(birth_date=_years_ago(50))  # the default plan: 22–45
    for officer in (young, old):
        services.vetting_record(
            officer=officer,
            decisions=[services.VettingDecision(criterion=c, passed=True) for c in TYPED],
            decided_by=users["provincial_clerk"],
        )
    young_age = young.vettings.get(criterion=VettingCriterion.AGE)
    assert young_age.passed and "30" in young_age.note
    old_age = old.vettings.get(criterion=VettingCriterion.AGE)
    assert not old_age.passed and "50" in old_age.note and "22–45" in old_age.note
    assert Officer.objects.get(pk=young.pk).status != OfficerStatus.CANDIDATE  # vetted (ready: no course yet)
    assert Officer.objects.get(pk=old.pk).status == OfficerStatus.CANDIDATE


def test_the_page_shows_the_birth_date_and_types_no_age(kon_tum, client_as):
    officer = OfficerFactory(birth_date=datetime.date(1995, 3, 15))
    page = client_as("provincial_clerk").get(reverse("personnel:officer_vetting", args=[officer.pk]))
    html = page.content.decode()
    assert "age_result" not in page.context["form"].fields
    assert "15/03/1995" in html and 'data-derived-criterion="age"' in html
    assert 'name="all_pass"' in html


def test_all_pass_records_each_criterion_in_one_click(kon_tum, client_as):
    officer = OfficerFactory(birth_date=_years_ago(30))
    client = client_as("provincial_clerk")
    url = reverse("personnel:officer_vetting", args=[officer.pk])
    data = {"all_pass": "1", "decided_on": dmy(TODAY), "health_note": "Khám ngày 20/11"}
    assert client.post(url, data).status_code == 302
    assert officer.vettings.filter(passed=True).count() == 5
    assert officer.vettings.get(criterion="health").note == "Khám ngày 20/11"
    assert Officer.objects.get(pk=officer.pk).status != OfficerStatus.CANDIDATE
    before = written()
    assert client.post(url, data).status_code == 302  # the same POST twice records nothing more
    assert written() == before


def test_all_pass_with_a_criterion_marked_failed_writes_nothing(kon_tum, client_as):
    officer = OfficerFactory()
    data = {"all_pass": "1", "decided_on": dmy(TODAY), "health_result": "fail", "health_note": "Cận thị nặng"}
    response = client_as("provincial_clerk").post(reverse("personnel:officer_vetting", args=[officer.pk]), data)
    assert response.status_code == 200
    assert "health_result" in response.context["form"].errors
    assert not officer.vettings.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"csrfmiddlewaretoken": "x"},  # only the token
        {"decided_on": dmy(TODAY)},  # nothing decided
    ],
)
def test_an_empty_vetting_post_writes_nothing(kon_tum, client_as, data):
    officer = OfficerFactory()
    before = written()
    client_as("provincial_clerk").post(reverse("personnel:officer_vetting", args=[officer.pk]), data)
    assert written() == before


def test_a_partly_filled_vetting_records_what_was_decided_and_the_age(kon_tum, client_as):
    officer = OfficerFactory(birth_date=_years_ago(30))
    data = {"decided_on": dmy(TODAY), "health_result": "pass"}
    client_as("provincial_clerk").post(reverse("personnel:officer_vetting", args=[officer.pk]), data)
    assert set(officer.vettings.values_list("criterion", flat=True)) == {"health", "age"}
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.CANDIDATE
