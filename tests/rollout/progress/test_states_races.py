"""Two clerks writing to one commune (or one officer) at the same moment, on PostgreSQL (real transactions in two
threads): the commune's stored state counts both writes."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from communes.models import Commune
from personnel.choices import Post
from personnel.models import Officer
from personnel.services import assignment_create
from rollout.models import CommuneState
from rollout.progress import states
from rollout.progress.states import commune_states_differences
from tests.factories import AssignmentFactory, CourseFactory, EnrollmentFactory, OfficerFactory, vet_fully
from training.models import Enrollment, TrainingSession
from training.services import ResultRow, results_record

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


@pytest.mark.parametrize("first", ["assignment", "results"])
def test_an_officers_results_and_assignment_at_once_leave_the_commune_counted_right(
    demo_baseline, users, monkeypatch, first
):
    """A clerk records an officer's pass while another assigns the officer to Đắk Man. The results' refresh reads
    the officer's current assignments (the new one not committed yet); the assignment's refresh reads the
    officer's enrolments (the pass not committed yet): unless both lock the officer, each misses the other and
    Đắk Man keeps the officer untrained. ``first``: whose refresh has read its side when the other one starts."""
    admin = users["administrator"]
    course = CourseFactory()  # the one mandatory course
    officer = vet_fully(OfficerFactory(), admin)
    seat = EnrollmentFactory(officer=officer, session__course=course, session__created_by=admin)
    started, original_compute, original_touched = threading.Event(), states.commune_states_compute, states._touched

    def slow_compute(*args, **kwargs):  # the assignment's refresh: computed, then slow to commit
        computed = original_compute(*args, **kwargs)
        if threading.current_thread().name == "assignment":
            started.set()
            time.sleep(1)
        return computed

    def slow_touched(instance):  # the results' refresh: the officer's communes read, then slow to commit
        touched = list(original_touched(instance))
        if threading.current_thread().name == "results" and instance._meta.label == "training.Enrollment":
            started.set()
            time.sleep(1)
        return touched

    monkeypatch.setattr(states, "commune_states_compute", slow_compute)
    monkeypatch.setattr(states, "_touched", slow_touched)
    errors = []

    def assign():
        assignment_create(
            officer=Officer.objects.get(pk=officer.pk), commune=Commune.objects.get(code=DAK_MAN), post=Post.OFFICER,
            decision_number="1/QĐ", decision_date=TODAY, started_on=TODAY, created_by=admin,
            override_reason="Thiếu cán bộ đã đào tạo",
        )  # fmt: skip

    def record():
        results_record(
            session=TrainingSession.objects.get(pk=seat.session_id),
            rows=[ResultRow(seat.pk, True, Decimal("8"), True)], recorded_by=admin,
        )  # fmt: skip

    def clerk(call, wait):
        try:
            if wait:
                assert started.wait(timeout=10)
            call()
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=clerk, args=(assign, first != "assignment"), name="assignment"),
        threading.Thread(target=clerk, args=(record, first != "results"), name="results"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Enrollment.objects.get(pk=seat.pk).passed
    stored = CommuneState.objects.get(pk=DAK_MAN)
    assert (stored.officers_deployed, stored.officers_untrained) == (1, 0)
    assert commune_states_differences()[0] == 0
