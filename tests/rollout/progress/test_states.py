"""Each commune's stored state (``rollout.progress.states``): kept by the services that change it, in their
transaction, and checked by ``manage.py verify_progress`` against the sources."""

import datetime
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import Commune
from communes.services import commune_update, communes_bulk_update
from equipment import services as equipment_services
from equipment.models import AllocationStandard, EquipmentType, Issuance, Warehouse
from personnel.choices import AssignmentEndReason, Post
from personnel.models import Assignment
from personnel.services import assignment_create, assignment_end
from rollout.models import CommuneState
from rollout.progress.figures import figures, figures_by
from rollout.progress.states import commune_states_differences, commune_states_refresh, stale_codes
from rollout.tasks import refresh_commune_states
from tests.builders.equipment import DAK_MAN, DAK_PEK, TODAY, TT_DAK_GLEI, YESTERDAY, items
from tests.factories import CourseFactory, EnrollmentFactory, IssuanceFactory, OfficerFactory, vet_fully
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


# A row moved (to another commune or officer) or deleted refreshes where it counted before, too ----------------


def test_an_assignment_moved_to_another_commune_refreshes_both(kon_tum, users):
    officer = officer_at(DAK_MAN, users["administrator"])
    assert state(DAK_MAN).officers_deployed == 1 and state(DAK_MAN).is_covered
    assignment = Assignment.objects.get(officer=officer)
    assignment.commune_id = DAK_PEK  # as an edit in the administration site saves it
    assignment.save()
    assert state(DAK_MAN).officers_deployed == 0 and not state(DAK_MAN).is_covered
    assert state(DAK_PEK).officers_deployed == 1 and state(DAK_PEK).is_covered
    assert commune_states_differences()[0] == 0


def test_a_save_of_other_fields_reads_nothing_more(kon_tum, users):
    """Naming the fields saved (none of them the commune) costs no read of the stored row."""
    officer = officer_at(DAK_MAN, users["administrator"])
    assignment = Assignment.objects.get(officer=officer)
    assignment.decision_number = "9/QĐ-CAT"

    def reads_of_the_stored_commune(**save):
        with CaptureQueriesContext(connection) as saved:
            assignment.save(**save)
        return [q for q in saved.captured_queries if q["sql"].startswith('SELECT "personnel_assignment"."commune_id"')]

    assert len(reads_of_the_stored_commune()) == 1
    assert reads_of_the_stored_commune(update_fields=["decision_number"]) == []
    assert len(reads_of_the_stored_commune(update_fields=["commune"])) == 1
    assert commune_states_differences()[0] == 0


def test_an_issuance_moved_to_another_commune_refreshes_both(kon_tum):
    radio = EquipmentType.objects.create(code="r", name="Máy bộ đàm", category="communication", unit="chiếc")
    store = Warehouse.objects.create(province_id=62, name="Kho thử")
    (unit,) = items(radio, "SV-1", warehouse=store)
    AllocationStandard.objects.create(equipment_type=radio, commune_id=DAK_MAN, quantity=1)
    AllocationStandard.objects.create(equipment_type=radio, commune_id=DAK_PEK, quantity=1)
    issuance = IssuanceFactory(item=unit, commune_id=DAK_MAN)
    assert state(DAK_MAN).is_equipped and not state(DAK_PEK).is_equipped
    issuance.commune_id = DAK_PEK
    issuance.save()
    assert not state(DAK_MAN).is_equipped and state(DAK_PEK).is_equipped
    assert commune_states_differences()[0] == 0


def test_an_enrolment_given_to_another_officer_refreshes_both_officers_communes(kon_tum, users):
    admin = users["administrator"]
    course = CourseFactory()  # the one mandatory course
    first, second = officer_at(DAK_MAN, admin), officer_at(DAK_PEK, admin, post=Post.OFFICER)
    seat = EnrollmentFactory(officer=first, session__course=course, attended=True, passed=True)
    assert (state(DAK_MAN).officers_untrained, state(DAK_PEK).officers_untrained) == (0, 1)
    seat.officer = second  # recorded against the wrong officer, corrected
    seat.save()
    assert (state(DAK_MAN).officers_untrained, state(DAK_PEK).officers_untrained) == (1, 0)
    assert commune_states_differences()[0] == 0


def test_a_standard_moved_to_another_commune_refreshes_both(kon_tum):
    radio = EquipmentType.objects.create(code="r", name="Máy bộ đàm", category="communication", unit="chiếc")
    standard = AllocationStandard.objects.create(equipment_type=radio, commune_id=DAK_MAN, quantity=1)
    assert not state(DAK_MAN).is_equipped and state(DAK_PEK).is_equipped
    standard.commune_id = DAK_PEK
    standard.save()
    assert state(DAK_MAN).is_equipped and not state(DAK_PEK).is_equipped
    assert commune_states_differences()[0] == 0


def test_a_delete_through_a_stale_instance_refreshes_where_the_row_was(kon_tum, users):
    """The page loaded the assignment at Đắk Man; someone moved it to Đắk Pék since; deleting it from the old
    page refreshes Đắk Pék, where the stored row counted."""
    officer = officer_at(DAK_MAN, users["administrator"])
    stale = Assignment.objects.get(officer=officer)
    moved = Assignment.objects.get(pk=stale.pk)
    moved.commune_id = DAK_PEK
    moved.save()
    assert state(DAK_PEK).officers_deployed == 1
    with transaction.atomic():
        stale.delete()
    assert state(DAK_PEK).officers_deployed == 0 and state(DAK_MAN).officers_deployed == 0
    assert commune_states_differences()[0] == 0


def test_an_enrolment_deleted_refreshes_its_officers_commune(kon_tum, users):
    admin = users["administrator"]
    course = CourseFactory()
    officer = officer_at(DAK_MAN, admin)
    seat = EnrollmentFactory(officer=officer, session__course=course, attended=True, passed=True)
    assert state(DAK_MAN).officers_untrained == 0
    seat.delete()
    assert state(DAK_MAN).officers_untrained == 1
    assert commune_states_differences()[0] == 0


# The settings the states depend on ------------------------------------------------------------------------------


def test_a_new_default_norm_is_never_read_from_rows_stored_under_the_old_one(kon_tum, settings, client_as):
    """A deployment changes DEFAULT_STAFFING_NORM: the stored rows (norm 5) are not today's figures any more. The
    dashboard computes from the records until they are refreshed; migrate (every deployment) refreshes them."""
    communes = Commune.objects.filter(district__province_id=62)
    assert not communes.exclude(staffing_norm__isnull=True).exists()  # every commune on the default norm
    old = settings.DEFAULT_STAFFING_NORM
    assert figures(communes, live=True).staffing_norm == 102 * old
    settings.DEFAULT_STAFFING_NORM = old + 2
    assert len(stale_codes()) == 102
    assert commune_states_differences()[0] == 102
    assert figures(communes, live=True).staffing_norm == 102 * (old + 2)  # from the records: never the stored 5
    assert figures_by(communes, "district", live=True) == figures_by(communes, "district")
    page = client_as("committee").get(reverse("home") + "?province=62")
    assert page.context["figures"].staffing_norm == 102 * (old + 2)

    call_command("migrate", verbosity=0)  # nothing to migrate; its post_migrate refreshes the rows
    assert stale_codes() == []
    assert set(CommuneState.objects.values_list("norm", flat=True)) == {old + 2}
    assert commune_states_differences()[0] == 0
    assert figures(communes, live=True).staffing_norm == 102 * (old + 2)


def test_rows_of_another_basis_are_counted_by_verify_and_fixed_by_the_nightly_refresh(kon_tum):
    CommuneState.objects.filter(pk=DAK_MAN).update(basis="written-before")
    CommuneState.objects.filter(pk=DAK_PEK).delete()
    CommuneState.objects.filter(pk=TT_DAK_GLEI).update(on=YESTERDAY)
    assert stale_codes() == sorted([DAK_MAN, DAK_PEK, TT_DAK_GLEI])
    commune_states_refresh([DAK_PEK, TT_DAK_GLEI])
    assert stale_codes() == [DAK_MAN]
    status, output = verify()
    assert status == 1 and "1 difference(s)" in output and "basis 'written-before' →" in output
    assert figures(Commune.objects.filter(pk=DAK_MAN), live=True) == figures(Commune.objects.filter(pk=DAK_MAN))
    refresh_commune_states()
    assert stale_codes() == [] and verify()[0] == 0


# The check after the write-heavy tests ----------------------------------------------------------------------------


def test_the_write_heavy_modules_are_checked_after_each_test():
    from tests.builders.states import ROOT, WRITE_HEAVY, is_write_heavy

    assert [path for path in WRITE_HEAVY if not (ROOT / path).is_file()] == []
    assert is_write_heavy(Path(__file__)) and not is_write_heavy(ROOT / "tests/rollout/progress/test_figures.py")


def test_the_check_after_each_test_fails_on_a_write_past_the_services(kon_tum, users):
    from tests.builders.states import assert_states_kept

    officer_at(DAK_MAN, users["administrator"])
    assert_states_kept()
    Assignment.objects.filter(commune_id=DAK_MAN).update(ended_on=YESTERDAY)  # no service, no signal
    with pytest.raises(AssertionError, match=rf"1 commune state\(s\) differ.*'code': {DAK_MAN}"):
        assert_states_kept()
    commune_states_refresh([DAK_MAN])  # this test's own check, at its end, then passes
