"""Each commune's stored state (``rollout.progress.states``): kept by the services that change it, in their
transaction, and checked by ``manage.py verify_progress`` against the sources."""

import datetime
import io
import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F

from communes.models import Commune
from communes.services import commune_update, communes_bulk_update
from equipment import services as equipment_services
from equipment.models import AllocationStandard, EquipmentType, Issuance, Warehouse
from personnel.choices import AssignmentEndReason, Post
from personnel.models import Assignment
from personnel.services import assignment_create, assignment_end
from rollout.models import CommuneState
from rollout.progress.states import commune_states_differences, commune_states_refresh
from rollout.tasks import refresh_commune_states
from tests.builders.equipment import DAK_MAN, DAK_PEK, TODAY, YESTERDAY, items
from tests.factories import OfficerFactory, vet_fully
from training.models import Course, Enrollment
from training.services import ResultRow, enrolment_add, prior_training_record, results_record, session_create

pytestmark = pytest.mark.django_db


def officer_at(code: int, user, post: str = Post.CHIEF):
    """A vetted officer given the post, untrained: an override the administrator may give, with its reason."""
    officer = vet_fully(OfficerFactory(), user)
    assignment_create(
        officer=officer, commune=Commune.objects.get(code=code), post=post, decision_number=f"{officer.pk}/QĐ-CAT",
        decision_date=TODAY - datetime.timedelta(days=3), started_on=TODAY - datetime.timedelta(days=2),
        created_by=user, override_reason="Thiếu cán bộ đã đào tạo",
    )  # fmt: skip
    return officer


def state(code: int) -> CommuneState:
    return CommuneState.objects.get(pk=code)


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_progress", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def demo(kon_tum, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return kon_tum


def test_every_commune_has_its_state_after_the_loaders(kon_tum):
    assert CommuneState.objects.count() == Commune.objects.count() == 102
    assert not CommuneState.objects.exclude(on=TODAY).exists()
    assert verify() == (0, "verify_progress: 0 difference(s).\n")


def test_the_demo_then_a_days_work_leave_no_difference(demo, users):
    """The write-heavy paths one after another: assign, end, enrol and results, issue and return, a standard, a
    norm, a commune import; after each, the touched commune's row already says so, and verify finds nothing."""
    admin = users["administrator"]
    assert commune_states_differences()[0] == 0

    # assign: a chief covers an uncovered commune
    before = state(DAK_PEK)
    chief = officer_at(DAK_PEK, admin)
    after = state(DAK_PEK)
    assert after.is_covered and after.officers_deployed == before.officers_deployed + 1
    mandatory = Course.objects.filter(is_mandatory=True, is_active=True).count()
    assert after.officers_untrained == before.officers_untrained + (1 if mandatory else 0)
    assert commune_states_differences()[0] == 0

    # enrol and pass one mandatory course in a class; the others are prior training: no longer untrained
    first, *others = Course.objects.filter(is_mandatory=True, is_active=True).order_by("code")
    session = session_create(
        course=first, province_id=62, starts_on=TODAY - datetime.timedelta(days=2), ends_on=TODAY,
        place="Trường Chính trị tỉnh", instructor="Đại úy Lê Văn B", capacity=30, created_by=admin,
    )  # fmt: skip
    enrolment_add(session=session, officers=[chief], enrolled_by=admin)
    seat = Enrollment.objects.get(session=session, officer=chief)
    results_record(session=session, rows=[ResultRow(seat.pk, True, Decimal("8"), True)], recorded_by=admin)
    assert commune_states_differences()[0] == 0
    for number, course in enumerate(others):
        prior_training_record(
            officer=chief, course=course, completed_on=TODAY - datetime.timedelta(days=40), provider="Trường CSND",
            certificate_number=f"TT-{number}", recorded_by=admin,
        )  # fmt: skip
    assert state(DAK_PEK).officers_untrained == before.officers_untrained
    assert commune_states_differences()[0] == 0

    # issue and return: a standard of one radio for this commune only
    radio = EquipmentType.objects.get(code="may-bo-dam")
    store = Warehouse.objects.create(province_id=62, name="Kho thử")
    (unit,) = items(radio, "SV-1", warehouse=store)
    for standard in AllocationStandard.objects.filter(commune__isnull=True):
        standard.delete()  # as the admin does: every commune refreshed
    assert commune_states_differences()[0] == 0
    Issuance.objects.filter(commune_id=DAK_PEK).delete()
    AllocationStandard.objects.create(equipment_type=radio, commune_id=DAK_PEK, quantity=1)
    assert state(DAK_PEK).is_equipped is False
    issuance = equipment_services.issuance_create(
        commune=Commune.objects.get(code=DAK_PEK), equipment_type=radio, warehouse=store, issued_on=TODAY,
        user=admin, item=unit,
    )  # fmt: skip
    assert state(DAK_PEK).is_equipped is True
    assert commune_states_differences()[0] == 0
    equipment_services.issuance_return(issuance=issuance, returned_on=TODAY, condition="good", user=admin)
    assert state(DAK_PEK).is_equipped is False
    assert commune_states_differences()[0] == 0

    # a standard changed (the admin saves the model): every commune it applies to
    standard = AllocationStandard.objects.get(commune_id=DAK_PEK)
    standard.quantity = 0
    standard.save()
    assert state(DAK_PEK).is_equipped is True
    assert commune_states_differences()[0] == 0

    # the commune's own norm (the page's service), and many communes at once (the import's service)
    commune_update(commune=Commune.objects.get(code=DAK_PEK), user=admin, staffing_norm=1)
    assert state(DAK_PEK).norm == 1 and state(DAK_PEK).is_staffed
    communes = list(Commune.objects.filter(district_id=610))
    for commune in communes:
        commune.staffing_norm = 9
    communes_bulk_update(communes, fields=["staffing_norm"])
    assert set(CommuneState.objects.filter(commune__district_id=610).values_list("norm", flat=True)) == {9}
    assert commune_states_differences()[0] == 0

    # end: the commune is uncovered again
    assignment_end(
        assignment=Assignment.objects.get(officer=chief, ended_on__isnull=True), ended_on=TODAY,
        reason=AssignmentEndReason.TRANSFER, user=admin,
    )  # fmt: skip
    assert state(DAK_PEK).officers_deployed == before.officers_deployed
    assert not state(DAK_PEK).is_covered
    assert verify()[0] == 0


def test_verify_progress_reports_a_write_past_the_services(kon_tum, users):
    admin = users["administrator"]
    chief = officer_at(DAK_MAN, admin)
    assert verify()[0] == 0
    Assignment.objects.filter(officer=chief).update(ended_on=YESTERDAY)  # no service, no signal
    status, output = verify()
    assert status == 1
    assert "1 difference(s)" in output
    assert f"commune {DAK_MAN}: is_covered True → False, officers_deployed 1 → 0" in output
    with pytest.raises(SystemExit):
        call_command("verify_progress", "--fix", stdout=io.StringIO())
    assert verify()[0] == 0


def test_the_daily_task_brings_every_commune_to_the_new_day(kon_tum):
    CommuneState.objects.update(on=F("on") - datetime.timedelta(days=1))  # as the night before
    assert commune_states_differences()[0] == 102
    assert refresh_commune_states() == 102
    assert commune_states_differences()[0] == 0


def test_an_expired_certificate_changes_the_state_at_the_next_refresh(kon_tum, users):
    """Time passing changes nothing in the sources: the daily refresh is what notices."""
    admin = users["administrator"]
    course = Course.objects.create(
        code="CAX-01", title_vi="Khóa", title_en="Course", subject_area="law", hours=40, is_mandatory=True
    )
    chief = officer_at(DAK_MAN, admin)
    seat = prior_training_record(
        officer=chief, course=course, completed_on=TODAY - datetime.timedelta(days=30), provider="Trường CSND",
        certificate_number="TT-1", recorded_by=admin, valid_until_on=TODAY,
    )  # fmt: skip
    assert state(DAK_MAN).officers_untrained == 0
    # the certificate ran out yesterday: what the sources say today, not yet what is stored
    Enrollment.objects.filter(pk=seat.pk).update(valid_until=YESTERDAY)
    assert commune_states_differences()[0] == 1
    commune_states_refresh([DAK_MAN])
    assert state(DAK_MAN).officers_untrained == 1
    assert commune_states_differences()[0] == 0


def test_a_type_removed_refreshes_every_commune(kon_tum):
    radio = EquipmentType.objects.create(code="r", name="Máy bộ đàm", category="communication", unit="chiếc")
    AllocationStandard.objects.create(equipment_type=radio, quantity=1)
    assert not CommuneState.objects.filter(is_equipped=True).exists()
    radio.delete()
    assert not CommuneState.objects.filter(is_equipped=False).exists()
    assert not Issuance.objects.exists()
    assert commune_states_differences()[0] == 0


def test_the_refresh_runs_every_night_just_after_midnight_in_vietnam():
    from rollout.celery import app

    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"] == "rollout.refresh_commune_states"]
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {1})
    assert str(app.timezone) == "Asia/Ho_Chi_Minh"


def test_a_seed_refreshes_once_at_the_end(kon_tum, monkeypatch):
    from rollout.core import figures_cache

    calls = []
    original = figures_cache._states_refresher
    monkeypatch.setattr(figures_cache, "_states_refresher", lambda codes: calls.append(codes) or original(codes))
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert calls == [None]  # every commune, once, however many courses, types and standards were saved
    assert commune_states_differences()[0] == 0
