"""The plan services: the pilot plan's settings and training rules, phases, Steering Committee and tasks, the rules
the database keeps, and the demo plan."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from rollout.models import CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.plan import services
from rollout.plan.demo import demo_plan_create
from tests.builders.plan import START, TARGET, TODAY, communes_of, db_state

pytestmark = pytest.mark.django_db


def test_district_clerk_cannot_write_the_plan_through_services(objects, users):
    with pytest.raises(PermissionDenied):
        services.task_create(plan=objects["plan"], user=users["district_clerk"], title="x", unit="y", deadline=TARGET)


def test_task_completion_date_set_exactly_when_done(objects, users):
    admin = users["administrator"]
    task = services.task_create(plan=objects["plan"], user=admin, title="Báo cáo", unit="Phòng Tham mưu",
                                deadline=TARGET, status=TaskStatus.DONE)  # fmt: skip
    assert task.completed_on == TODAY
    task = services.task_set_status(task=task, status=TaskStatus.IN_PROGRESS, user=admin)
    assert task.completed_on is None
    yesterday = TODAY - datetime.timedelta(days=1)
    task = services.task_set_status(task=task, status=TaskStatus.DONE, user=admin, on=yesterday)
    assert (task.status, task.completed_on) == (TaskStatus.DONE, yesterday)
    task = services.task_update(task=task, user=admin, title="Báo cáo tháng", completed_on=None)
    assert task.completed_on == yesterday  # still done: the date it had is kept
    task = services.task_set_status(task=task, status=TaskStatus.CANCELLED, user=admin)
    task.refresh_from_db()
    assert (task.status, task.completed_on) == (TaskStatus.CANCELLED, None)

    with pytest.raises(ValidationError) as error:
        services.task_set_status(task=task, status="finished", user=admin)
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.task_update(task=task, user=admin, status=TaskStatus.OPEN, completed_on=yesterday)
    assert "completed_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.task_set_status(task=task, status=TaskStatus.DONE, user=admin, on=TODAY + datetime.timedelta(days=2))
    assert "completed_on" in error.value.message_dict
    task.refresh_from_db()
    assert (task.status, task.completed_on) == (TaskStatus.CANCELLED, None)


def test_the_database_refuses_a_completion_date_on_an_open_task(plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(plan=plan, title="x", unit="y", deadline=TARGET, status="open", completed_on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(plan=plan, title="x", unit="y", deadline=TARGET, status="done")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"unit": ""}, "unit"),
        ({"deadline": datetime.date(1999, 12, 31)}, "deadline"),
        ({"deadline": datetime.date(2999, 1, 1)}, "deadline"),
        ({"status": "bogus"}, "status"),
    ],
)
def test_task_create_refuses_bad_input(plan, users, fields, field):
    data = {"title": "Việc", "unit": "Đơn vị", "deadline": TARGET, **fields}
    with pytest.raises(ValidationError) as error:
        services.task_create(plan=plan, user=users["administrator"], **data)
    assert field in error.value.message_dict
    assert not Task.objects.exists()


def test_one_head_per_committee(plan):
    head = services.member_create(plan=plan, user=None, full_name="Nguyễn Văn Sơn", unit="Bộ Công an",
                                  role=CommitteeRole.HEAD)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.member_create(plan=plan, user=None, full_name="Trần Văn B", unit="Bộ Công an", role="head")
    assert "Nguyễn Văn Sơn" in error.value.message_dict["role"][0]
    deputy = services.member_create(plan=plan, user=None, full_name="Trần Văn B", unit="Cục", role="deputy_head")
    with pytest.raises(ValidationError):
        services.member_update(member=deputy, user=None, role=CommitteeRole.HEAD)
    # An inactive head does not count: the deputy can take over once the head steps down.
    services.member_update(member=head, user=None, is_active=False)
    assert services.member_update(member=deputy, user=None, role=CommitteeRole.HEAD).role == CommitteeRole.HEAD
    assert CommitteeMember.objects.filter(role="head", is_active=True).count() == 1


def test_one_head_in_the_database_reads_as_a_clear_message(plan):
    CommitteeMember.objects.create(plan=plan, full_name="A", unit="U", role="head")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteeMember.objects.create(plan=plan, full_name="B", unit="U", role="head")
    second = CommitteeMember(plan=plan, full_name="B", unit="U", role="head")
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services._save(second, CommitteeMember)
    assert error.value.messages == ["The committee already has a head."]
    assert CommitteeMember.objects.count() == 1


def test_member_refuses_unknown_role_and_standing_role_is_standing_body(plan):
    with pytest.raises(ValidationError) as error:
        services.member_create(plan=plan, user=None, full_name="A", unit="U", role="chairman")
    assert "role" in error.value.message_dict
    member = services.member_create(plan=plan, user=None, full_name="B", unit="Cục Xây dựng phong trào",
                                    role=CommitteeRole.STANDING)  # fmt: skip
    assert member.is_standing_body


def test_phase_communes_from_another_province_are_refused(plan, elsewhere):
    own = communes_of(62, 2)
    with pytest.raises(ValidationError) as error:
        services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=TARGET,
                              communes=[*own, elsewhere["commune"]])  # fmt: skip
    assert "Xã Ngoài Tỉnh" in error.value.message_dict["communes"][0]
    assert not Phase.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=TARGET, communes=[12345678])
    assert "12345678" in error.value.message_dict["communes"][0]
    phase = services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=TARGET, communes=own)
    with pytest.raises(ValidationError):
        services.phase_update(phase=phase, user=None, communes=[elsewhere["commune"].pk])
    assert set(phase.communes.values_list("pk", flat=True)) == {c.pk for c in own}


def test_phase_rules(plan):
    own = communes_of(62, 4)
    services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=TARGET, communes=own[:2])
    cases = [
        ({"number": 1}, "number"),  # taken
        ({"number": 0}, "number"),
        ({"name": " "}, "name"),
        ({"target_on": START - datetime.timedelta(days=1)}, "target_on"),  # before the plan starts
        ({"target_on": datetime.date(1990, 1, 1)}, "target_on"),
        ({"communes": own[1:3]}, "communes"),  # own[1] is already in phase 1
    ]
    for override, field in cases:
        data = {"number": 2, "name": "Đợt 2", "target_on": TARGET, "communes": own[2:], **override}
        with pytest.raises(ValidationError) as error:
            services.phase_create(plan=plan, user=None, **data)
        assert field in error.value.message_dict, override
    assert Phase.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target_on": START - datetime.timedelta(days=1)}, "target_on"),
        ({"min_age": 17}, "min_age"),
        ({"max_age": 66}, "max_age"),
        ({"min_age": 40, "max_age": 30}, "max_age"),
        ({"default_staffing_norm": 0}, "default_staffing_norm"),
        ({"started_on": datetime.date(1900, 1, 1)}, "started_on"),
        ({"name": ""}, "name"),
        ({"training_grace_days": -1}, "training_grace_days"),
        ({"training_grace_days": 366}, "training_grace_days"),
        ({"training_grace_days": "10"}, "training_grace_days"),
        ({"training_grace_days": None}, "training_grace_days"),
        ({"training_grace_days": True}, "training_grace_days"),
        ({"training_required_chief": "yes"}, "training_required_chief"),
        ({"training_required_officer": None}, "training_required_officer"),
    ],
)
def test_plan_update_refuses_bad_settings(plan, users, fields, field):
    before = list(PilotPlan.objects.values())
    with pytest.raises(ValidationError) as error:
        services.plan_update(plan=plan, user=users["administrator"], **fields)
    assert field in error.value.message_dict
    assert list(PilotPlan.objects.values()) == before


# --- demo data -------------------------------------------------------------------------------------------------


def test_demo_plan_is_complete_and_idempotent(demo_baseline, users):
    admin = users["administrator"]
    created = demo_plan_create(user=admin)
    assert created == {"phases": 3, "members": 13, "tasks": 10}
    plan = PilotPlan.objects.get(province_id=62)
    phase_communes = Phase.communes.through.objects.filter(phase__plan=plan)
    assert phase_communes.count() == 54
    assert phase_communes.values("commune_id").distinct().count() == 54
    assert not phase_communes.exclude(commune__baseline_covered_on__isnull=True).exists()
    head = CommitteeMember.objects.get(plan=plan, role=CommitteeRole.HEAD)
    assert head.full_name == "Nguyễn Văn Sơn"
    standing = CommitteeMember.objects.filter(plan=plan, is_standing_body=True)
    assert standing.exists() and all("Cục Xây dựng phong trào" in m.unit for m in standing)
    assert all(m.email.endswith("@demo.invalid") for m in CommitteeMember.objects.filter(plan=plan))
    statuses = set(Task.objects.filter(plan=plan).values_list("status", flat=True))
    assert statuses == set(TaskStatus.values)
    assert Task.objects.filter(plan=plan).overdue(plan.started_on + datetime.timedelta(days=120)).count() >= 3
    assert all("demo" in t.notes for t in Task.objects.filter(plan=plan))
    assert not Task.objects.filter(status=TaskStatus.DONE, completed_on__isnull=True).exists()

    before = db_state()
    assert demo_plan_create(user=admin) == {"phases": 0, "members": 0, "tasks": 0}
    assert db_state() == before


# --- readiness rules of the plan ---------------------------------------------------------------------------------


def test_a_new_plan_requires_training_for_chiefs_and_deputies_without_grace(plan):
    assert (plan.training_required_chief, plan.training_required_deputy, plan.training_required_officer) == (
        True, True, False,
    )  # fmt: skip
    assert plan.training_grace_days == 0
    assert [plan.training_required_for(post) for post in ("chief", "deputy", "officer")] == [True, True, False]
    assert plan.training_deadline(START) == START
    plan.training_grace_days = 30
    assert plan.training_deadline(START) == START + datetime.timedelta(days=30)


def test_plan_update_keeps_the_training_rules_it_is_not_given(plan, users):
    services.plan_update(plan=plan, user=users["administrator"], training_grace_days=365)
    plan.refresh_from_db()
    assert (plan.training_grace_days, plan.training_required_chief) == (365, True)


@pytest.mark.parametrize("days", [-1, 366])
def test_the_database_refuses_a_grace_period_out_of_range(plan, days):
    with pytest.raises(IntegrityError), transaction.atomic():
        PilotPlan.objects.filter(pk=plan.pk).update(training_grace_days=days)
