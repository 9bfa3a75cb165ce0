"""Two clerks writing to one commune at the same moment, on PostgreSQL (real transactions in two threads): the
commune's stored state counts both writes."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from communes.models import Commune
from personnel.choices import Post
from personnel.models import Officer
from personnel.services import assignment_create
from rollout.models import CommuneState
from rollout.progress import states
from rollout.progress.states import commune_states_differences
from tests.factories import AssignmentFactory, OfficerFactory, vet_fully

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

DAK_MAN = 23347  # Xã Đắk Man (uncovered in the demo baseline)
TODAY = datetime.date.today()


def _concurrently(*calls) -> list:
    barrier = threading.Barrier(len(calls))
    errors = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # asserted by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.fixture
def slow_compute(monkeypatch):
    """Both writes are made before either state is computed."""
    original = states.commune_states_compute

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(states, "commune_states_compute", slow)


def test_two_writes_past_the_communes_lock_are_both_counted(demo_baseline, users, slow_compute):
    """The services lock the commune; a write that does not (the model saved in the shell, a future path) is still
    counted: each refresh locks the state's row, then computes in a new statement, after the other committed."""
    commune = Commune.objects.get(code=DAK_MAN)
    officers = [OfficerFactory(status="deployed") for _ in range(2)]

    def save(officer):
        def call():
            with transaction.atomic():
                AssignmentFactory(officer=officer, commune=commune, created_by=users["administrator"])

        return call

    assert _concurrently(*(save(officer) for officer in officers)) == []
    assert CommuneState.objects.get(pk=DAK_MAN).officers_deployed == 2
    assert commune_states_differences()[0] == 0


def test_two_officers_assigned_to_one_commune_at_once_are_both_counted(demo_baseline, users, monkeypatch):
    admin = users["administrator"]
    officers = [vet_fully(OfficerFactory(), admin).pk for _ in range(2)]
    original = states.commune_states_compute

    def slow_compute(*args, **kwargs):
        time.sleep(0.5)  # both assignments are written before either state is computed
        return original(*args, **kwargs)

    monkeypatch.setattr(states, "commune_states_compute", slow_compute)
    barrier = threading.Barrier(2)
    errors = []

    def clerk(officer_pk, number):
        try:
            barrier.wait()
            assignment_create(
                officer=Officer.objects.get(pk=officer_pk), commune=Commune.objects.get(code=DAK_MAN),
                post=Post.OFFICER, decision_number=number, decision_date=TODAY, started_on=TODAY, created_by=admin,
            )  # fmt: skip
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(pk, f"{n}/QĐ")) for n, pk in enumerate(officers, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert CommuneState.objects.get(pk=DAK_MAN).officers_deployed == 2
    assert commune_states_differences()[0] == 0
