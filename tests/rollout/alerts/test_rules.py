"""Each alert rule on data that triggers it and on data that does not, in the user's area."""

import datetime

import pytest
from django.utils import timezone

from communes.models import Commune, Coverage
from personnel.choices import OfficerStatus, Post
from personnel.models import Officer
from rollout.alerts.rules import RULES_BY_KIND, alert_counts, alerts_of
from tests.factories import (
    AllocationStandardFactory,
    AssignmentFactory,
    CourseFactory,
    EnrollmentFactory,
    IssuanceFactory,
    OfficerFactory,
    PhaseFactory,
    PilotPlanFactory,
    PriorTrainingFactory,
    TaskFactory,
    TrainingSessionFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAK_MAN, DAK_PEK = 23347, 23353  # Đắk Glei (610), uncovered in the demo baseline


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def kinds(user, kind):
    return alerts_of(RULES_BY_KIND[kind], user, TODAY)


def test_a_deployed_officer_untrained_past_the_grace_period(demo_baseline, users):
    admin = users["administrator"]
    CourseFactory(code="CAX-01")
    PilotPlanFactory(province_id=62, training_grace_days=30)
    late = AssignmentFactory(commune_id=DAK_MAN, started_on=days(-31), decision_date=days(-31))
    AssignmentFactory(commune_id=DAK_PEK, started_on=days(-29), decision_date=days(-29))  # within its grace
    trained = AssignmentFactory(commune_id=23344, started_on=days(-60), decision_date=days(-60))
    PriorTrainingFactory(officer=trained.officer, course__code="CAX-01")
    alerts = kinds(admin, "untrained_deployed")
    assert [a.subject for a in alerts] == [late.officer.full_name]
    assert "0" in alerts[0].detail and alerts[0].url.endswith(f"/officers/{late.officer_id}/")


def test_a_chiefs_certificate_expiring_within_60_days(demo_baseline, users):
    course = CourseFactory(code="CAX-02", validity_months=12)
    soon = AssignmentFactory(commune_id=DAK_MAN, post=Post.CHIEF)
    later = AssignmentFactory(commune_id=DAK_PEK, post=Post.CHIEF)
    officer_post = AssignmentFactory(commune_id=23344, post=Post.OFFICER)
    PriorTrainingFactory(officer=soon.officer, course=course, valid_until=days(30))
    PriorTrainingFactory(officer=later.officer, course=course, valid_until=days(120))
    PriorTrainingFactory(officer=officer_post.officer, course=course, valid_until=days(10))  # not a chief
    alerts = kinds(users["administrator"], "certificate_expiring")
    assert [a.subject for a in alerts] == [soon.officer.full_name]


def test_equipment_held_after_the_assignment_ended(demo_baseline, users):
    holder = OfficerFactory(status=OfficerStatus.READY)
    IssuanceFactory(commune_id=DAK_MAN, officer=holder)
    serving = AssignmentFactory(commune_id=DAK_PEK)
    IssuanceFactory(commune_id=DAK_PEK, officer=serving.officer)
    alerts = kinds(users["administrator"], "equipment_after_assignment")
    assert [a.subject for a in alerts] == [holder.full_name]
    assert "/return/" in alerts[0].url or "issuance" in alerts[0].url


def test_a_covered_commune_below_its_norm_or_without_a_chief(demo_baseline, users):
    covered = list(Commune.objects.exclude(coverage=Coverage.UNCOVERED).order_by("code"))
    assert len(covered) == 48
    assert alert_counts(users["administrator"], TODAY)["understaffed"] == 48  # no roster: every one of them
    full = covered[0]
    full.staffing_norm = 2
    full.save()
    AssignmentFactory(commune=full, post=Post.CHIEF)
    AssignmentFactory(commune=full, post=Post.DEPUTY)
    assert alert_counts(users["administrator"], TODAY)["understaffed"] == 47


def test_a_commune_short_of_its_standard(demo_baseline, users):
    assert alert_counts(users["administrator"], TODAY)["short_of_standard"] == 0  # no standard, nothing short
    AllocationStandardFactory(quantity=1)
    assert alert_counts(users["administrator"], TODAY)["short_of_standard"] == 48  # the covered communes


def test_an_officer_in_two_overlapping_classes(demo_baseline, users):
    officer = OfficerFactory()
    first = TrainingSessionFactory(starts_on=days(1), ends_on=days(5))
    second = TrainingSessionFactory(starts_on=days(4), ends_on=days(8))
    apart = TrainingSessionFactory(starts_on=days(10), ends_on=days(12))
    EnrollmentFactory(session=first, officer=officer)
    EnrollmentFactory(session=second, officer=officer)
    EnrollmentFactory(session=apart, officer=officer)
    EnrollmentFactory(session=apart)  # someone else, alone
    alerts = kinds(users["administrator"], "overlapping_classes")
    assert [a.subject for a in alerts] == [officer.full_name]
    assert alerts[0].url.endswith(f"/training/classes/{first.pk}/")


def test_a_phase_or_a_task_overdue(demo_baseline, users):
    plan = PilotPlanFactory(province_id=62)
    late = PhaseFactory(plan=plan, number=1, target_on=days(-1))
    late.communes.set([DAK_MAN])
    done = PhaseFactory(plan=plan, number=2, target_on=days(-1))
    done.communes.set(Commune.objects.filter(coverage=Coverage.BASELINE)[:2])
    PhaseFactory(plan=plan, number=3, target_on=days(10)).communes.set([DAK_PEK])
    overdue = TaskFactory(plan=plan, deadline=days(-2))
    TaskFactory(plan=plan, deadline=days(-2), status="done", completed_on=days(-3))
    TaskFactory(plan=plan, deadline=days(2))
    admin = users["administrator"]
    assert [a.subject for a in kinds(admin, "phase_overdue")] == [str(late)]
    assert [a.subject for a in kinds(admin, "task_overdue")] == [overdue.title]


def test_an_officer_ready_for_more_than_90_days_and_not_assigned(demo_baseline, users):
    idle, recent, assigned = (OfficerFactory(status=OfficerStatus.READY) for _ in range(3))
    AssignmentFactory(officer=assigned, commune_id=DAK_MAN)
    Officer.objects.filter(pk=assigned.pk).update(status=OfficerStatus.READY)  # a stale status on an assigned one
    history = Officer.history.model.objects
    history.filter(id__in=[idle.pk, assigned.pk]).update(history_date=timezone.now() - datetime.timedelta(days=100))
    history.filter(id=recent.pk).update(history_date=timezone.now() - datetime.timedelta(days=10))
    assert [a.subject for a in kinds(users["administrator"], "ready_unassigned")] == [idle.full_name]
    # back to vetted, then ready again 10 days ago: ready for 10 days, not 100
    idle.status = OfficerStatus.VETTED
    idle.save()
    idle.status = OfficerStatus.READY
    idle.save()
    records = list(history.filter(id=idle.pk).order_by("history_id"))
    history.filter(pk=records[-2].pk).update(history_date=timezone.now() - datetime.timedelta(days=20))
    history.filter(pk=records[-1].pk).update(history_date=timezone.now() - datetime.timedelta(days=10))
    assert kinds(users["administrator"], "ready_unassigned") == []


def test_a_district_clerk_counts_only_their_district(demo_baseline, users):
    AssignmentFactory(commune_id=DAK_MAN, post=Post.CHIEF)  # Đắk Glei
    elsewhere = Commune.objects.filter(coverage=Coverage.UNCOVERED).exclude(district_id=610).first()
    AssignmentFactory(commune=elsewhere, post=Post.CHIEF)
    AllocationStandardFactory(quantity=1)
    admin, clerk = alert_counts(users["administrator"], TODAY), alert_counts(users["district_clerk"], TODAY)
    assert clerk["short_of_standard"] < admin["short_of_standard"]
    covered_here = Commune.objects.filter(district_id=610).exclude(coverage=Coverage.UNCOVERED).count()
    assert clerk["short_of_standard"] == covered_here
    assert alert_counts(users["no_role"], TODAY) == dict.fromkeys(RULES_BY_KIND, 0)


def test_counting_every_kind_takes_a_constant_number_of_queries(demo_baseline, users, django_assert_max_num_queries):
    AllocationStandardFactory(quantity=1)
    with django_assert_max_num_queries(len(RULES_BY_KIND) + 3):
        alert_counts(users["administrator"], TODAY)
