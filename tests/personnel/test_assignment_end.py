"""Ending an assignment: recall, or hand over to a successor with the equipment, in one transaction, after a
confirmation (services, pages, scoping)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from communes.models import Commune, Coverage
from equipment import services as equipment_services
from equipment.models import Issuance, StockLevel
from personnel import services
from personnel.choices import AssignmentEndReason, OfficerStatus, Post
from personnel.models import Assignment, Officer
from tests.builders.equipment import (
    DAK_MAN,
    DAK_PEK,
    PLEI_KAN,
    TODAY,
    YESTERDAY,
    assign,
    items,
    make_catalogue,
    officer_at,
)
from tests.factories import OfficerFactory, vet_fully

pytestmark = pytest.mark.django_db


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def post_with_gear(demo_baseline, users):
    """Đắk Man's chief holding a radio and 3 batons, and an available successor (vetted) of Đắk Glei."""
    admin = users["administrator"]
    catalogue = make_catalogue()
    chief = officer_at(DAK_MAN, admin, full_name="Y Blông", district_id=610)
    StockLevel.objects.create(warehouse=catalogue.store, equipment_type=catalogue.baton, quantity=10)
    (radio,) = items(catalogue.radio, "BD-0001", warehouse=catalogue.store)
    commune = Commune.objects.get(code=DAK_MAN)
    held = [
        equipment_services.issuance_create(commune=commune, equipment_type=catalogue.radio, warehouse=catalogue.store,
                                           issued_on=YESTERDAY, user=admin, item=radio, officer=chief),
        equipment_services.issuance_create(commune=commune, equipment_type=catalogue.baton, warehouse=catalogue.store,
                                           issued_on=YESTERDAY, user=admin, quantity=3, officer=chief),
    ]  # fmt: skip
    successor = vet_fully(OfficerFactory(full_name="A Thút", district_id=610), admin)
    return {
        "assignment": Assignment.objects.get(officer=chief, ended_on__isnull=True),
        "chief": chief,
        "successor": successor,
        "held": held,
        "commune": commune,
    }


def state() -> dict:
    """Everything ending or handing over writes: any write shows up."""
    return {
        "assignments": list(Assignment.objects.order_by("pk").values()),
        "assignment_history": Assignment.history.count(),
        "officers": list(Officer.objects.order_by("pk").values("pk", "status", "district_id")),
        "officer_history": Officer.history.count(),
        "issuances": list(Issuance.objects.order_by("pk").values()),
        "issuance_history": Issuance.history.count(),
        "coverage": list(Commune.objects.order_by("pk").values_list("pk", "coverage")),
    }


def hand_over(setup, user, **overrides):
    return services.assignment_hand_over(
        **{
            "assignment": setup["assignment"],
            "successor": setup["successor"],
            "ended_on": TODAY,
            "reason": AssignmentEndReason.TRANSFER,
            "decision_number": "30/QĐ-CAT",
            "decision_date": TODAY,
            "user": user,
        }
        | overrides
    )


# Services


def test_hand_over_moves_the_post_and_the_equipment_together(post_with_gear, users):
    taken = hand_over(post_with_gear, users["provincial_clerk"])
    old = Assignment.objects.get(pk=post_with_gear["assignment"].pk)
    assert old.ended_on == TODAY and old.end_reason == AssignmentEndReason.TRANSFER
    assert (taken.officer, taken.commune_id, taken.post, taken.started_on) == (
        post_with_gear["successor"], DAK_MAN, Post.CHIEF, TODAY
    )  # fmt: skip
    assert Commune.objects.get(code=DAK_MAN).coverage == Coverage.PILOT  # never left uncovered
    held = Issuance.objects.filter(pk__in=[i.pk for i in post_with_gear["held"]])
    assert {i.officer_id for i in held} == {post_with_gear["successor"].pk}
    assert {i.status for i in held} == {"active"}
    assert StockLevel.objects.get().quantity == 7  # the stock is untouched
    latest = Issuance.history.filter(id=post_with_gear["held"][0].pk).latest("history_date")
    assert latest.history_user == users["provincial_clerk"]
    assert post_with_gear["successor"].police_number in latest.history_change_reason
    assert Officer.objects.get(pk=post_with_gear["successor"].pk).status == OfficerStatus.DEPLOYED
    assert Officer.objects.get(pk=post_with_gear["chief"].pk).status != OfficerStatus.DEPLOYED


def test_a_successor_who_became_unavailable_is_refused_and_nothing_is_written(post_with_gear, users):
    assign(post_with_gear["successor"], DAK_PEK, users["administrator"], number="31/QĐ-CAT")  # taken meanwhile
    before = state()
    with pytest.raises(ValidationError) as error:
        hand_over(post_with_gear, users["provincial_clerk"])
    assert "successor" in error.value.message_dict
    assert state() == before


def test_an_equipment_step_that_refuses_undoes_the_whole_hand_over(post_with_gear, users):
    before = state()
    with pytest.raises(ValidationError) as error:  # the radio was issued after the day the post is handed over
        hand_over(post_with_gear, users["provincial_clerk"], ended_on=YESTERDAY - datetime.timedelta(days=1),
                  decision_date=YESTERDAY - datetime.timedelta(days=1))  # fmt: skip
    assert "ended_on" in error.value.message_dict
    assert state() == before


def test_handing_over_twice_ends_once(post_with_gear, users):
    other = vet_fully(OfficerFactory(district_id=610), users["administrator"])
    hand_over(post_with_gear, users["provincial_clerk"])
    after_first = state()
    with pytest.raises(ValidationError):
        hand_over(post_with_gear, users["provincial_clerk"], successor=other, decision_number="32/QĐ-CAT")
    assert state() == after_first


def test_equipment_goes_only_to_an_officer_assigned_to_the_commune(post_with_gear, users):
    with pytest.raises(ValidationError):
        equipment_services.issuances_hand_over(
            outgoing=post_with_gear["chief"], successor=post_with_gear["successor"], commune=post_with_gear["commune"],
            handed_on=TODAY, user=users["provincial_clerk"],
        )  # fmt: skip
    assert {i.officer_id for i in Issuance.objects.all()} == {post_with_gear["chief"].pk}


# Pages


def url_of(assignment, back=""):
    return reverse("personnel:assignment_end", args=[assignment.pk]) + (f"?back={back}" if back else "")


def recall_data(**overrides):
    return {"mode": "recall", "ended_on": dmy(TODAY), "end_reason": "transfer", "back": "commune"} | overrides


def handover_data(successor, **overrides):
    return recall_data(mode="hand_over", successor=successor.police_number, decision_number="33/QĐ-CAT",
                       decision_date=dmy(TODAY)) | overrides  # fmt: skip


def test_the_commune_and_assign_pages_offer_ending(post_with_gear, client_as):
    client = client_as("provincial_clerk")
    end_url = reverse("personnel:assignment_end", args=[post_with_gear["assignment"].pk])
    assert end_url in client.get(reverse("communes:commune_detail", args=[DAK_MAN])).content.decode()
    assert end_url in client.get(reverse("personnel:assign", args=[DAK_MAN])).content.decode()
    committee = client_as("committee")
    assert end_url not in committee.get(reverse("communes:commune_detail", args=[DAK_MAN])).content.decode()
    assert committee.get(end_url).status_code == 403


def test_a_recall_confirms_first_and_warns_the_commune_becomes_uncovered(post_with_gear, client_as):
    client = client_as("provincial_clerk")
    assignment = post_with_gear["assignment"]
    page = client.get(url_of(assignment, "commune"))
    html = page.content.decode()
    assert 'data-testid="uncovered-warning"' in html and "breadcrumb" in html
    before = state()
    confirm = client.post(url_of(assignment), recall_data())
    assert confirm.status_code == 200
    assert confirm.templates[0].name == "personnel/assignment_end_confirm.html"
    assert 'data-testid="confirm-uncovered"' in confirm.content.decode()
    assert state() == before  # nothing written before the confirmation

    data = recall_data(confirmed="1", state=confirm.context["state"])
    done = client.post(url_of(assignment), data)
    assert done.status_code == 302 and done["Location"] == reverse("communes:commune_detail", args=[DAK_MAN])
    assert Commune.objects.get(code=DAK_MAN).coverage == Coverage.UNCOVERED
    assert Issuance.objects.filter(officer=post_with_gear["chief"], status="active").count() == 2  # to return
    after = state()
    again = client.post(url_of(assignment), data)  # the same POST twice ends once
    assert again.status_code == 302
    assert state() == after
    assert client.get(url_of(assignment)).status_code == 302  # an ended assignment goes back to the commune


def test_a_post_with_only_the_csrf_token_writes_nothing(post_with_gear, client_as):
    before = state()
    response = client_as("provincial_clerk").post(url_of(post_with_gear["assignment"]), {"csrfmiddlewaretoken": "x"})
    assert response.status_code == 200
    assert {"mode", "ended_on", "end_reason"} <= set(response.context["form"].errors)
    assert state() == before


def test_a_partly_filled_hand_over_says_what_is_missing(post_with_gear, client_as):
    before = state()
    response = client_as("provincial_clerk").post(
        url_of(post_with_gear["assignment"]), recall_data(mode="hand_over", confirmed="1")
    )
    assert {"successor", "decision_number", "decision_date"} <= set(response.context["form"].errors)
    assert state() == before


def test_a_stale_confirmation_is_shown_again_and_writes_nothing(post_with_gear, client_as, users):
    client = client_as("provincial_clerk")
    assignment, successor = post_with_gear["assignment"], post_with_gear["successor"]
    confirm = client.post(url_of(assignment), handover_data(successor))
    assert len(confirm.context["equipment"]) == 2
    # Meanwhile another clerk issues one more unit to the outgoing chief: the confirmation no longer says it all.
    batons = post_with_gear["held"][1]
    equipment_services.issuance_create(
        commune=post_with_gear["commune"], equipment_type=batons.equipment_type, warehouse=batons.warehouse,
        issued_on=TODAY, user=users["administrator"], quantity=1, officer=post_with_gear["chief"],
    )  # fmt: skip
    before = state()
    stale = client.post(url_of(assignment), handover_data(successor, confirmed="1", state=confirm.context["state"]))
    assert stale.status_code == 200
    assert stale.templates[0].name == "personnel/assignment_end_confirm.html"
    assert len(stale.context["equipment"]) == 3
    assert state() == before

    done = client.post(url_of(assignment), handover_data(successor, confirmed="1", state=stale.context["state"]))
    assert done.status_code == 302
    assert Issuance.objects.filter(officer=successor, status="active").count() == 3


def test_hand_over_from_the_commune_page(post_with_gear, client_as):
    client = client_as("provincial_clerk")
    assignment, successor = post_with_gear["assignment"], post_with_gear["successor"]
    chosen = client.get(url_of(assignment, "commune") + f"&successor={successor.police_number}")
    assert chosen.context["form"]["mode"].value() == "hand_over"
    assert chosen.context["form"]["successor"].value() == successor.police_number
    confirm = client.post(url_of(assignment), handover_data(successor))
    html = confirm.content.decode()
    assert "A Thút" in html and "BD-0001" in html and 'data-testid="confirm-uncovered"' not in html
    done = client.post(url_of(assignment), handover_data(successor, confirmed="1", state=confirm.context["state"]))
    assert done["Location"] == reverse("communes:commune_detail", args=[DAK_MAN])
    assert Assignment.objects.get(commune_id=DAK_MAN, ended_on__isnull=True).officer == successor
    assert Issuance.objects.filter(officer=successor, status="active").count() == 2


def test_a_successor_who_breaks_a_rule_needs_an_override(post_with_gear, client_as, users):
    old = vet_fully(OfficerFactory(birth_date=TODAY.replace(year=TODAY.year - 50), district_id=610),
                    users["administrator"])  # fmt: skip
    client = client_as("district_clerk")  # may not override
    before = state()
    refused = client.post(url_of(post_with_gear["assignment"]), handover_data(old))
    assert refused.templates[0].name == "personnel/assignment_end.html"
    assert "age" in refused.content.decode().lower() or refused.context["form"].non_field_errors()
    assert state() == before


def test_district_clerk_ends_only_in_their_district(post_with_gear, client_as, users):
    theirs = officer_at(PLEI_KAN, users["administrator"], district_id=611)
    client = client_as("district_clerk")
    theirs_assignment = Assignment.objects.get(officer=theirs)
    assert client.get(url_of(theirs_assignment)).status_code == 404
    assert client.post(url_of(theirs_assignment), recall_data(confirmed="1")).status_code == 404
    outsider = vet_fully(OfficerFactory(district_id=611), users["administrator"])  # not the clerk's officer
    response = client.post(url_of(post_with_gear["assignment"]), handover_data(outsider))
    assert "successor" in response.context["form"].errors
    assert client.get(url_of(post_with_gear["assignment"])).status_code == 200


def test_the_end_page_and_its_confirmation_keep_their_query_count(
    post_with_gear, client_as, users, django_assert_max_num_queries
):
    for _ in range(6):
        vet_fully(OfficerFactory(district_id=610), users["administrator"])
    client = client_as("provincial_clerk")
    url = url_of(post_with_gear["assignment"])
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(40):
        assert client.post(url, handover_data(post_with_gear["successor"])).status_code == 200


def test_a_decision_number_already_used_refuses_the_hand_over_on_the_page(post_with_gear, client_as):
    client = client_as("provincial_clerk")
    assignment, successor = post_with_gear["assignment"], post_with_gear["successor"]
    used = assignment.decision_number  # the outgoing chief's own decision
    data = handover_data(successor, decision_number=used)
    confirm = client.post(url_of(assignment), data)
    before = state()
    refused = client.post(url_of(assignment), data | {"confirmed": "1", "state": confirm.context["state"]})
    assert refused.status_code == 200
    assert refused.templates[0].name == "personnel/assignment_end.html"
    assert refused.context["form"].errors
    assert state() == before
