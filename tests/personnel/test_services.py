"""The personnel rules: status pipeline, vetting, assignments and their database constraints."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from communes.models import Commune, Coverage
from personnel.choices import AssignmentEndReason, OfficerStatus, Post, Rank, VettingCriterion
from personnel.models import Assignment, Officer
from personnel.readers import plan_for
from personnel.services import (
    VettingDecision,
    assignment_create,
    assignment_end,
    eligibility_violations,
    officer_change_status,
    officer_create,
    vetting_record,
)
from rollout.models import PilotPlan
from tests.factories import CourseFactory, OfficerFactory, _years_ago, vet_fully

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages asserted in English (the catalogue is Vietnamese; threads of the race tests too)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


UNCOVERED = 23347  # Xã Đắk Man, Huyện Đắk Glei (610)
OTHER_UNCOVERED = 23353  # Xã Đắk Pék, same district
TODAY = datetime.date.today()


def assign(officer, user, commune=UNCOVERED, post=Post.CHIEF, number="01/QĐ-CAT", **extra):
    return assignment_create(
        officer=officer,
        commune=Commune.objects.get(code=commune),
        post=post,
        decision_number=number,
        decision_date=TODAY - datetime.timedelta(days=3),
        started_on=TODAY - datetime.timedelta(days=1),
        created_by=user,
        **extra,
    )


# --- status pipeline ---------------------------------------------------------------------------


def test_a_new_officer_is_a_candidate(kon_tum, users):
    officer = officer_create(
        user=users["provincial_clerk"],
        police_number="123-456",
        full_name="Nguyễn Văn An",
        birth_date=_years_ago(28),
        gender="male",
        ethnicity="kinh",
        rank=Rank.TRUNG_UY,
        current_unit="Công an huyện Đắk Glei",
        province=kon_tum,
        education="university",
        status=OfficerStatus.DEPLOYED,  # ignored: the pipeline starts at candidate
    )
    assert officer.status == OfficerStatus.CANDIDATE
    assert officer.history.count() == 1
    assert officer.history.first().history_user == users["provincial_clerk"]


def test_no_jump_from_candidate_to_deployed(kon_tum, users):
    officer = OfficerFactory()
    with pytest.raises(ValidationError, match="deployed by assigning"):
        officer_change_status(officer=officer, status=OfficerStatus.DEPLOYED, user=users["administrator"])
    with pytest.raises(ValidationError) as excinfo:
        officer_change_status(officer=officer, status=OfficerStatus.READY, user=users["administrator"])
    assert "status" in excinfo.value.message_dict
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.CANDIDATE


def test_a_candidate_cannot_be_marked_vetted_by_hand(kon_tum, users):
    officer = OfficerFactory()
    with pytest.raises(ValidationError, match="every vetting criterion"):
        officer_change_status(officer=officer, status=OfficerStatus.VETTED, user=users["administrator"])


def test_candidate_can_be_withdrawn_and_come_back(kon_tum, users):
    officer = OfficerFactory()
    officer_change_status(officer=officer, status=OfficerStatus.WITHDRAWN, user=users["administrator"])
    officer_change_status(officer=officer, status=OfficerStatus.CANDIDATE, user=users["administrator"])
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.CANDIDATE
    assert [h.status for h in officer.history.order_by("history_date")] == ["candidate", "withdrawn", "candidate"]


# --- vetting -----------------------------------------------------------------------------------


def test_vetted_only_when_every_criterion_passes(kon_tum, users):
    CourseFactory()  # a mandatory course the officer has not taken: vetted, not yet ready
    officer = OfficerFactory()
    clerk = users["provincial_clerk"]
    criteria = VettingCriterion.values
    vetting_record(officer=officer, decisions=[VettingDecision(c, True) for c in criteria[:-1]], decided_by=clerk)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.CANDIDATE

    vetting_record(officer=officer, decisions=[VettingDecision(criteria[-1], True)], decided_by=clerk)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.VETTED
    assert officer.vettings.count() == 5
    assert all(v.decided_by == clerk for v in officer.vettings.all())


def test_a_failed_criterion_sends_a_vetted_officer_back_to_candidate(kon_tum, users):
    CourseFactory()  # a mandatory course the officer has not taken: vetted, not yet ready
    officer = vet_fully(OfficerFactory(), users["provincial_clerk"])
    assert officer.status == OfficerStatus.VETTED
    vetting_record(
        officer=officer,
        decisions=[VettingDecision(VettingCriterion.HEALTH, False, "Không đủ sức khỏe")],
        decided_by=users["provincial_clerk"],
    )
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.CANDIDATE
    assert officer.vettings.get(criterion=VettingCriterion.HEALTH).note == "Không đủ sức khỏe"


def test_with_no_mandatory_course_a_vetted_officer_is_ready_and_a_failed_criterion_takes_it_back(kon_tum, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    assert officer.status == OfficerStatus.READY  # nothing to train in: ready as soon as vetted
    assert [h.status for h in officer.history.order_by("history_date")] == ["candidate", "vetted", "ready"]
    failed = VettingDecision(VettingCriterion.BACKGROUND, False, "Xác minh lại")
    vetting_record(officer=officer, decisions=[failed], decided_by=clerk)
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.CANDIDATE


def test_vetting_cannot_be_dated_in_the_future(kon_tum, users):
    with pytest.raises(ValidationError):
        vetting_record(
            officer=OfficerFactory(),
            decisions=[VettingDecision(VettingCriterion.AGE, True)],
            decided_by=users["provincial_clerk"],
            decided_on=TODAY + datetime.timedelta(days=2),
        )


def test_vetting_one_row_per_criterion_in_the_database(kon_tum, users):
    officer = vet_fully(OfficerFactory(), users["provincial_clerk"])
    existing = officer.vettings.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(existing).objects.create(
            officer=officer, criterion=existing.criterion, passed=True, decided_by=users["provincial_clerk"],
            decided_on=TODAY,
        )  # fmt: skip


# --- assignments -------------------------------------------------------------------------------


def test_assigning_a_chief_deploys_the_officer_and_covers_the_commune(demo_baseline, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    assert Commune.objects.get(code=UNCOVERED).coverage == Coverage.UNCOVERED

    assignment = assign(officer, clerk)

    officer.refresh_from_db()
    assert officer.status == OfficerStatus.DEPLOYED
    assert officer.district_id == 610
    assert assignment.province_id == 62
    assert Commune.objects.get(code=UNCOVERED).coverage == Coverage.PILOT
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 53


def test_a_deputy_does_not_cover_the_commune(demo_baseline, users):
    clerk = users["provincial_clerk"]
    assign(vet_fully(OfficerFactory(), clerk), clerk, post=Post.DEPUTY)
    assert Commune.objects.get(code=UNCOVERED).coverage == Coverage.UNCOVERED


def test_one_active_assignment_per_officer(demo_baseline, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    assign(officer, clerk)
    with pytest.raises(ValidationError):
        assign(officer, clerk, commune=OTHER_UNCOVERED, number="02/QĐ-CAT")
    assert Assignment.objects.filter(officer=officer).count() == 1


def test_one_active_chief_per_commune(demo_baseline, users):
    clerk = users["provincial_clerk"]
    assign(vet_fully(OfficerFactory(), clerk), clerk)
    with pytest.raises(ValidationError, match="already has an active chief"):
        assign(vet_fully(OfficerFactory(), clerk), clerk, number="02/QĐ-CAT")


def test_decision_number_unique_in_the_province(demo_baseline, users):
    clerk = users["provincial_clerk"]
    assign(vet_fully(OfficerFactory(), clerk), clerk, number="07/QĐ-CAT")
    with pytest.raises(ValidationError, match="decision number"):
        assign(vet_fully(OfficerFactory(), clerk), clerk, commune=OTHER_UNCOVERED, number="07/QĐ-CAT")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"ended_on": TODAY - datetime.timedelta(days=10)}, "end_after_start"),
        ({"rule_violations": "Tuổi", "override_reason": ""}, "override_has_reason"),
    ],
)
def test_assignment_check_constraints_hold_in_the_database(demo_baseline, users, fields, constraint):
    clerk = users["provincial_clerk"]
    officer = OfficerFactory(status=OfficerStatus.VETTED)
    values = {
        "officer": officer, "commune_id": UNCOVERED, "province_id": 62, "post": Post.OFFICER,
        "decision_number": "99/QĐ", "decision_date": TODAY, "started_on": TODAY, "created_by": clerk, **fields,
    }  # fmt: skip
    with pytest.raises(ValidationError):
        Assignment(**values).full_clean()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Assignment.objects.create(**values)


@pytest.mark.parametrize(
    "second",
    [
        {"officer": "same", "commune_id": OTHER_UNCOVERED, "post": Post.OFFICER},  # two active for one officer
        {"officer": "other", "commune_id": UNCOVERED, "post": Post.CHIEF},  # two active chiefs
    ],
)
def test_assignment_unique_constraints_hold_in_the_database(demo_baseline, users, second):
    clerk = users["provincial_clerk"]
    first_officer = OfficerFactory(status=OfficerStatus.DEPLOYED)
    common = {"province_id": 62, "decision_date": TODAY, "started_on": TODAY, "created_by": clerk}
    Assignment.objects.create(
        officer=first_officer, commune_id=UNCOVERED, post=Post.CHIEF, decision_number="1", **common
    )
    officer = first_officer if second["officer"] == "same" else OfficerFactory(status=OfficerStatus.VETTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            officer=officer, commune_id=second["commune_id"], post=second["post"], decision_number="2", **common
        )


def test_ending_an_assignment_keeps_it_in_history_and_uncovers(demo_baseline, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    assignment = assign(officer, clerk)
    assignment_end(assignment=assignment, ended_on=TODAY, reason=AssignmentEndReason.TRANSFER, user=clerk)

    officer.refresh_from_db()
    assignment.refresh_from_db()
    assert assignment.ended_on == TODAY
    assert officer.status == OfficerStatus.READY
    assert Commune.objects.get(code=UNCOVERED).coverage == Coverage.UNCOVERED
    # ... and the officer can be posted elsewhere now
    assign(officer, clerk, commune=OTHER_UNCOVERED, number="02/QĐ-CAT")
    assert Assignment.objects.filter(officer=officer).count() == 2
    with pytest.raises(ValidationError, match="already ended"):
        assignment_end(assignment=assignment, ended_on=TODAY, reason=AssignmentEndReason.OTHER, user=clerk)


def test_an_untrained_officer_back_from_a_post_returns_to_vetted_in_one_step(demo_baseline, users):
    clerk = users["provincial_clerk"]
    CourseFactory()  # a mandatory course the officer never took
    officer = vet_fully(OfficerFactory(), clerk)
    assignment = assign(officer, clerk, override_reason="Cần gấp: chưa có lớp")  # chief untrained: an override
    changes = officer.history.count()

    assignment_end(assignment=assignment, ended_on=TODAY, reason=AssignmentEndReason.TRANSFER, user=clerk)

    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.VETTED
    assert officer.history.count() == changes + 1  # deployed → vetted, not via "ready"


def test_withdrawal_withdraws_the_officer(demo_baseline, users):
    clerk = users["provincial_clerk"]
    assignment = assign(vet_fully(OfficerFactory(), clerk), clerk)
    assignment_end(assignment=assignment, ended_on=TODAY, reason=AssignmentEndReason.WITHDRAWAL, user=clerk)
    assert Officer.objects.get(pk=assignment.officer_id).status == OfficerStatus.WITHDRAWN


def test_candidates_cannot_be_assigned(demo_baseline, users):
    with pytest.raises(ValidationError, match="cannot be assigned"):
        assign(OfficerFactory(), users["administrator"], override_reason="Cần gấp")


# --- eligibility -------------------------------------------------------------------------------


def test_eligibility_rules_of_the_plan(kon_tum, users):
    PilotPlan.objects.create(
        province=kon_tum, name="Kế hoạch", started_on=TODAY, target_on=TODAY, min_age=22, max_age=40,
        min_rank=Rank.THIEU_UY,
    )  # fmt: skip
    plan = plan_for(62)
    young_low = vet_fully(OfficerFactory(birth_date=_years_ago(20), rank=Rank.TRUNG_SI), users["administrator"])
    fine = vet_fully(OfficerFactory(), users["administrator"])
    unvetted = OfficerFactory()

    assert eligibility_violations(fine, plan) == []
    assert len(eligibility_violations(young_low, plan)) == 2
    assert len(eligibility_violations(unvetted, plan)) == 1


def test_breaking_a_rule_needs_an_override_with_a_reason(demo_baseline, users):
    clerk = users["provincial_clerk"]
    old = vet_fully(OfficerFactory(birth_date=_years_ago(50)), clerk)  # default plan: 22–45

    with pytest.raises(ValidationError) as excinfo:
        assign(old, clerk)
    assert "override_reason" in excinfo.value.message_dict
    assert not Assignment.objects.exists()

    assignment = assign(old, clerk, override_reason="Thông thạo địa bàn, tiếng Xơ Đăng")
    assert "50" in assignment.rule_violations
    assert assignment.override_reason == "Thông thạo địa bàn, tiếng Xơ Đăng"
    assert assignment.overridden_by == clerk


def test_a_district_clerk_cannot_override(demo_baseline, users):
    district_clerk = users["district_clerk"]
    old = vet_fully(OfficerFactory(birth_date=_years_ago(50), district_id=610), district_clerk)
    with pytest.raises(ValidationError, match="administrator or a provincial clerk"):
        assign(old, district_clerk, override_reason="Lý do")
    assert not Assignment.objects.exists()


# --- scope -------------------------------------------------------------------------------------


def test_a_district_clerk_cannot_write_outside_their_district(demo_baseline, users):
    district_clerk = users["district_clerk"]  # Huyện Đắk Glei (610)
    outsider = vet_fully(OfficerFactory(district_id=611), users["administrator"])
    with pytest.raises(PermissionDenied):
        assign(outsider, district_clerk)
    insider = vet_fully(OfficerFactory(district_id=610), users["administrator"])
    with pytest.raises(PermissionDenied):
        assign(insider, district_clerk, commune=23377)  # Thị trấn Plei Kần, Ngọc Hồi
    with pytest.raises(PermissionDenied):
        vetting_record(
            officer=OfficerFactory(district_id=611),
            decisions=[VettingDecision(VettingCriterion.AGE, True)],
            decided_by=district_clerk,
        )
    assert assign(insider, district_clerk).commune_id == UNCOVERED
