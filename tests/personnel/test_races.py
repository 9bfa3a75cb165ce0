"""Two clerks at the same moment, on PostgreSQL: real concurrent transactions in two threads."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from communes.models import Commune, Coverage
from personnel import services
from personnel.choices import OfficerStatus, Post
from personnel.models import Assignment, Officer
from tests.builders.equipment import DAK_MAN, DAK_PEK, officer_at
from tests.factories import OfficerFactory, vet_fully

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages asserted in English (the catalogue is Vietnamese; threads of the race tests too)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


TODAY = datetime.date.today()


def run_concurrently(monkeypatch, *calls):
    """Run ``calls`` in threads that start together; the rule check is slowed down so that the transactions
    overlap for certain. Returns each call's result or exception."""
    original = services.eligibility_violations

    def slow_check(*args, **kwargs):
        time.sleep(0.5)  # hold the row lock while the other clerk arrives
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "eligibility_violations", slow_check)
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # collected and asserted on by the test
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _assign(officer_pk, commune_code, user, number, post=Post.CHIEF):
    return lambda: services.assignment_create(
        officer=Officer.objects.get(pk=officer_pk),
        commune=Commune.objects.get(code=commune_code),
        post=post,
        decision_number=number,
        decision_date=TODAY,
        started_on=TODAY,
        created_by=user,
    )


def test_two_clerks_assigning_the_same_officer_at_once(demo_baseline, users, monkeypatch):
    officer = vet_fully(OfficerFactory(), users["administrator"])
    outcomes = run_concurrently(
        monkeypatch,
        _assign(officer.pk, 23347, users["provincial_clerk"], "01/QĐ"),
        _assign(officer.pk, 23353, users["administrator"], "02/QĐ"),
    )

    succeeded = [o for o in outcomes if isinstance(o, Assignment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(succeeded) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert "already holds an active assignment" in " ".join(refused[0].messages)
    assert Assignment.objects.filter(officer=officer).count() == 1
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.DEPLOYED


def test_two_clerks_naming_a_chief_for_the_same_commune_at_once(demo_baseline, users, monkeypatch):
    first = vet_fully(OfficerFactory(), users["administrator"])
    second = vet_fully(OfficerFactory(), users["administrator"])
    outcomes = run_concurrently(
        monkeypatch,
        _assign(first.pk, 23347, users["provincial_clerk"], "01/QĐ"),
        _assign(second.pk, 23347, users["administrator"], "02/QĐ"),
    )

    assert sum(isinstance(o, Assignment) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1 and "already has an active chief" in " ".join(refused[0].messages)
    assert Assignment.objects.filter(commune_id=23347, post=Post.CHIEF).count() == 1
    assert Commune.objects.get(code=23347).coverage == Coverage.PILOT
    loser = second if Assignment.objects.filter(officer=first).exists() else first
    # As vetting left them (no mandatory course in the catalogue: ready at once), not deployed.
    assert Officer.objects.get(pk=loser.pk).status == OfficerStatus.READY


def test_two_clerks_handing_posts_over_to_the_same_successor_at_once(demo_baseline, users, monkeypatch):
    admin = users["administrator"]
    chiefs = [officer_at(code, admin, district_id=610) for code in (DAK_MAN, DAK_PEK)]
    successor = vet_fully(OfficerFactory(district_id=610), admin)

    def hand_over(chief, number):
        return lambda: services.assignment_hand_over(
            assignment=Assignment.objects.get(officer=chief, ended_on__isnull=True),
            successor=Officer.objects.get(pk=successor.pk),
            ended_on=TODAY,
            reason="transfer",
            decision_number=number,
            decision_date=TODAY,
            user=users["provincial_clerk"],
        )

    outcomes = run_concurrently(monkeypatch, hand_over(chiefs[0], "50/QĐ"), hand_over(chiefs[1], "51/QĐ"))
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1 and len([o for o in outcomes if isinstance(o, Assignment)]) == 1
    assert "already holds an active assignment" in str(refused[0])
    assert Assignment.objects.filter(officer=successor, ended_on__isnull=True).count() == 1
    # the refused hand-over wrote nothing: its chief is still in post, the commune still covered
    still = [c for c in chiefs if Assignment.objects.filter(officer=c, ended_on__isnull=True).exists()]
    assert len(still) == 1
    assert Commune.objects.filter(code__in=(DAK_MAN, DAK_PEK), coverage=Coverage.PILOT).count() == 2
