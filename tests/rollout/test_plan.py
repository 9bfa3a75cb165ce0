"""The plan pages and their services: the pilot plan's settings, phases, Steering Committee and tasks; who may do
what; bad input refused with nothing written; query counts that do not grow; the demo plan."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from communes.models import Commune, CommuneKind, District, Province
from rollout.models import CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.plan import services
from rollout.plan.demo import demo_plan_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages asserted in English: the services' in this thread, the pages' through the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


TODAY = timezone.localdate()
START = datetime.date(2026, 10, 1)
TARGET = datetime.date(2027, 6, 30)


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def plan(kon_tum):
    return PilotPlan.objects.create(province=kon_tum, name="Kế hoạch thí điểm Kon Tum", started_on=START,
                                    target_on=TARGET)  # fmt: skip


@pytest.fixture
def elsewhere(db):
    """Another province with one district, one commune and its own plan."""
    province = Province.objects.create(code=99, name="Tỉnh Thử Nghiệm", kind="province")
    district = District.objects.create(code=990, province=province, name="Huyện Thử", kind="rural_district")
    commune = Commune.objects.create(code=99001, district=district, name="Xã Ngoài Tỉnh", kind=CommuneKind.COMMUNE)
    other_plan = PilotPlan.objects.create(province=province, name="Kế hoạch tỉnh khác", started_on=START,
                                          target_on=TARGET)  # fmt: skip
    return {"province": province, "commune": commune, "plan": other_plan}


def communes_of(province_code: int, n: int) -> list[Commune]:
    return list(Commune.objects.filter(district__province_id=province_code).order_by("code")[:n])


@pytest.fixture
def objects(plan, users):
    """One phase, one member and one task of the Kon Tum plan."""
    phase = services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=TARGET,
                                  communes=communes_of(62, 3))  # fmt: skip
    member = services.member_create(plan=plan, user=None, full_name="Nguyễn Văn Sơn", unit="Bộ Công an",
                                    role=CommitteeRole.HEAD)  # fmt: skip
    task = services.task_create(plan=plan, user=users["administrator"], title="Lập danh sách xã",
                                unit="Phòng Tổ chức cán bộ", deadline=START + datetime.timedelta(days=30))  # fmt: skip
    return {"plan": plan, "phase": phase, "member": member, "task": task}


# --- permissions -----------------------------------------------------------------------------------------------

READ_PAGES = ["index", "phase_detail", "task_list"]
ADMIN_PAGES = ["plan_edit", "phase_create", "phase_edit", "member_create", "member_edit"]
TASK_PAGES = ["task_create", "task_edit"]


def url_for(name: str, objects) -> str:
    args = {
        "plan_edit": [objects["plan"].pk],
        "phase_edit": [objects["phase"].pk],
        "phase_detail": [objects["phase"].pk],
        "member_edit": [objects["member"].pk],
        "task_edit": [objects["task"].pk],
        "task_status": [objects["task"].pk],
    }.get(name, [])
    return reverse(f"plan:{name}", args=args)


GET_MATRIX = {
    # role: (read pages, admin pages, task pages, task_status GET)
    "committee": (200, 403, 403, 403),
    "district_clerk": (200, 403, 403, 403),
    "provincial_clerk": (200, 403, 200, 405),
    "administrator": (200, 200, 200, 405),
    "no_role": (403, 403, 403, 403),
}


@pytest.mark.parametrize("role", list(GET_MATRIX))
def test_get_permission_matrix(role, objects, client_as):
    client = client_as(role)
    read, admin, task, status = GET_MATRIX[role]
    for name in READ_PAGES:
        assert client.get(url_for(name, objects)).status_code == read, name
    for name in ADMIN_PAGES:
        assert client.get(url_for(name, objects)).status_code == admin, name
    for name in TASK_PAGES:
        assert client.get(url_for(name, objects)).status_code == task, name
    assert client.get(url_for("task_status", objects)).status_code == status


def test_anonymous_is_sent_to_login(objects, client):
    for name in [*READ_PAGES, *ADMIN_PAGES, *TASK_PAGES, "task_status"]:
        url = url_for(name, objects)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name
        assert client.post(url, {}).status_code == 302, name


def db_state():
    return (
        list(PilotPlan.objects.order_by("pk").values()),
        list(Phase.objects.order_by("pk").values()),
        sorted(Phase.communes.through.objects.values_list("phase_id", "commune_id")),
        list(CommitteeMember.objects.order_by("pk").values()),
        list(Task.objects.order_by("pk").values()),
    )


def valid_posts(objects):
    plan = objects["plan"]
    return {
        "plan_edit": {"name": "Kế hoạch mới", "started_on": dmy(START), "target_on": dmy(TARGET),
                      "default_staffing_norm": "5", "min_age": "22", "max_age": "45", "min_rank": "3",
                      "requires_vetting": "on"},
        "phase_create": {"plan": plan.pk, "number": "2", "name": "Đợt 2", "target_on": dmy(TARGET), "note": ""},
        "phase_edit": {"number": "1", "name": "Đợt 1 (sửa)", "target_on": dmy(TARGET), "note": ""},
        "member_create": {"plan": plan.pk, "full_name": "Lê Văn Tuấn", "unit": "Công an tỉnh Kon Tum",
                          "role": "deputy_head", "is_active": "on"},
        "member_edit": {"full_name": "Nguyễn Văn Sơn", "unit": "Thứ trưởng Bộ Công an", "role": "head",
                        "is_active": "on"},
        "task_create": {"plan": plan.pk, "title": "Tập huấn", "unit": "Cục Đào tạo", "deadline": dmy(TARGET),
                        "status": "open"},
        "task_edit": {"title": "Lập danh sách xã (sửa)", "unit": "Phòng Tổ chức cán bộ", "deadline": dmy(TARGET),
                      "status": "in_progress"},
        "task_status": {"status": "done"},
    }  # fmt: skip


@pytest.mark.parametrize("role", ["committee", "district_clerk", "no_role"])
def test_read_only_roles_cannot_post(role, objects, client_as):
    client = client_as(role)
    before = db_state()
    for name, data in valid_posts(objects).items():
        assert client.post(url_for(name, objects), data).status_code == 403, name
    assert db_state() == before


def test_provincial_clerk_writes_tasks_only(objects, client_as):
    client = client_as("provincial_clerk")
    posts = valid_posts(objects)
    before = db_state()
    for name in ADMIN_PAGES:
        assert client.post(url_for(name, objects), posts[name]).status_code == 403, name
    assert db_state() == before
    for name in ["task_create", "task_edit", "task_status"]:
        response = client.post(url_for(name, objects), posts[name])
        assert response.status_code == 302, (name, response.content[:2000])
    assert Task.objects.count() == 2
    task = Task.objects.get(pk=objects["task"].pk)
    assert (task.title, task.status, task.completed_on) == ("Lập danh sách xã (sửa)", TaskStatus.DONE, TODAY)
    assert Task.objects.get(title="Tập huấn").created_by == task.created_by.__class__.objects.get(
        username="provincial_clerk_user"
    )


def test_administrator_writes_everything(objects, client_as):
    client = client_as("administrator")
    for name, data in valid_posts(objects).items():
        response = client.post(url_for(name, objects), data)
        assert response.status_code == 302, (name, response.content[:3000])
    plan = PilotPlan.objects.get(pk=objects["plan"].pk)
    assert (plan.name, plan.default_staffing_norm, plan.min_rank) == ("Kế hoạch mới", 5, 3)
    assert Phase.objects.filter(plan=plan).count() == 2
    assert CommitteeMember.objects.get(full_name="Nguyễn Văn Sơn").unit == "Thứ trưởng Bộ Công an"
    assert CommitteeMember.objects.filter(role=CommitteeRole.DEPUTY_HEAD).count() == 1
    assert Phase.objects.get(pk=objects["phase"].pk).communes.count() == 0  # the edit sent no commune


def test_provincial_clerk_cannot_reach_another_provinces_tasks(objects, elsewhere, users, client_as):
    foreign = services.task_create(plan=elsewhere["plan"], user=users["administrator"], title="Việc tỉnh khác",
                                   unit="Công an tỉnh khác", deadline=TARGET)  # fmt: skip
    client = client_as("provincial_clerk")
    before = db_state()
    assert client.get(reverse("plan:task_edit", args=[foreign.pk])).status_code == 404
    edit = {"title": "x", "unit": "y", "deadline": dmy(TARGET), "status": "open"}
    assert client.post(reverse("plan:task_edit", args=[foreign.pk]), edit).status_code == 404
    assert client.post(reverse("plan:task_status", args=[foreign.pk]), {"status": "done"}).status_code == 404
    # Creating a task in the other province's plan: the plan is not a choice.
    data = {"plan": elsewhere["plan"].pk, "title": "x", "unit": "y", "deadline": dmy(TARGET), "status": "open"}
    response = client.post(reverse("plan:task_create"), data)
    assert response.status_code == 200
    assert "Unknown plan" in response.content.decode()
    assert db_state() == before
    # The list shows only the own province's tasks.
    page = client.get(reverse("plan:task_list")).content.decode()
    assert "Lập danh sách xã" in page and "Việc tỉnh khác" not in page
    with pytest.raises(PermissionDenied):
        services.task_create(plan=elsewhere["plan"], user=users["provincial_clerk"], title="x", unit="y",
                             deadline=TARGET)  # fmt: skip


def test_district_clerk_cannot_write_the_plan_through_services(objects, users):
    with pytest.raises(PermissionDenied):
        services.task_create(plan=objects["plan"], user=users["district_clerk"], title="x", unit="y", deadline=TARGET)


# --- services --------------------------------------------------------------------------------------------------


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


# --- bad input through the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"deadline": "01/01/1999"}, "deadline", "out of range"),
        ({"deadline": "31/02/2026"}, "deadline", ""),  # Django's own message, translated
        ({"deadline": "01/01/3000"}, "deadline", "out of range"),
        ({"title": "  "}, "title", ""),
        ({"status": "finished"}, "status", "Unknown status"),
        ({"plan": "987654"}, "plan", "Unknown plan"),
        ({"plan": "abc"}, "plan", "Unknown plan"),
        ({"status": "open", "completed_on": dmy(TODAY)}, "completed_on", "Only a done task"),
    ],
)
def test_task_form_bad_input_writes_nothing(objects, client_as, override, field, message):
    client = client_as("administrator")
    before = db_state()
    data = valid_posts(objects)["task_create"] | override
    response = client.post(reverse("plan:task_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert db_state() == before


def test_task_status_bad_input_writes_nothing(objects, client_as):
    client = client_as("provincial_clerk")
    before = db_state()
    url = reverse("plan:task_status", args=[objects["task"].pk])
    response = client.post(url, {"status": "finished"}, follow=True)
    assert "Unknown status" in response.content.decode()
    assert db_state() == before
    assert client.post(reverse("plan:task_status", args=[999999]), {"status": "done"}).status_code == 404


def test_plan_edit_bad_input_writes_nothing(objects, client_as):
    client = client_as("administrator")
    before = db_state()
    url = reverse("plan:plan_edit", args=[objects["plan"].pk])
    good = valid_posts(objects)["plan_edit"]
    cases = [
        ({"target_on": "01/01/2026"}, "target_on"),
        ({"min_age": "17"}, "min_age"),
        ({"max_age": "70"}, "max_age"),
        ({"min_age": "40", "max_age": "30"}, "max_age"),
        ({"min_rank": "99"}, "min_rank"),
        ({"default_staffing_norm": "-1"}, "default_staffing_norm"),
        ({"started_on": "hôm qua"}, "started_on"),
        ({"training_grace_days": "-1"}, "training_grace_days"),
        ({"training_grace_days": "366"}, "training_grace_days"),
        ({"training_grace_days": "abc"}, "training_grace_days"),
        ({"training_grace_days": "1.5"}, "training_grace_days"),
    ]
    for override, field in cases:
        response = client.post(url, good | override)
        assert response.status_code == 200, override
        assert field in response.context["form"].errors, (override, response.context["form"].errors)
    assert db_state() == before
    assert client.get(reverse("plan:plan_edit", args=[999999])).status_code == 404


def test_phase_form_refuses_foreign_commune(objects, elsewhere, client_as):
    client = client_as("administrator")
    before = db_state()
    data = valid_posts(objects)["phase_create"] | {"communes": [communes_of(62, 5)[4].pk, elsewhere["commune"].pk]}
    response = client.post(reverse("plan:phase_create"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["communes"])
    assert "99001" in errors and "plan's province" in errors
    assert db_state() == before


def test_phase_form_groups_communes_by_district(objects, client_as):
    response = client_as("administrator").get(reverse("plan:phase_create") + f"?plan={objects['plan'].pk}")
    groups = response.context["form"].commune_groups()
    assert len(groups) == 10
    assert sum(len(boxes) for _district, boxes in groups) == 102
    assert "Huyện Đắk Glei" in response.content.decode()


def test_member_form_second_head_is_refused(objects, client_as):
    client = client_as("administrator")
    before = db_state()
    data = valid_posts(objects)["member_create"] | {"role": "head"}
    response = client.post(reverse("plan:member_create"), data)
    assert response.status_code == 200
    assert "already has a head" in " ".join(response.context["form"].errors["role"])
    data = valid_posts(objects)["member_create"] | {"email": "not-an-address", "full_name": ""}
    response = client.post(reverse("plan:member_create"), data)
    assert {"email", "full_name"} <= set(response.context["form"].errors)
    assert db_state() == before


# --- pages -----------------------------------------------------------------------------------------------------


def test_index_shows_phase_coverage_and_overdue(objects, demo_baseline, client_as, users):
    plan = objects["plan"]
    free = Commune.objects.filter(district__province_id=62).exclude(phases__isnull=False).order_by("code")
    covered = free.exclude(coverage="uncovered")[:2]
    uncovered = free.filter(coverage="uncovered")[:1]
    late = services.phase_create(plan=plan, user=None, number=2, name="Đợt trễ", target_on=START,
                                 communes=[*covered, *uncovered])  # fmt: skip
    Phase.objects.filter(pk=late.pk).update(target_on=TODAY - datetime.timedelta(days=1))
    response = client_as("committee").get(reverse("plan:index"))
    assert response.status_code == 200
    (shown,) = response.context["plans"]
    phases = {p.number: p for p in shown.phases.all()}
    assert (phases[2].communes_total, phases[2].communes_covered, phases[2].is_overdue) == (3, 2, True)
    assert phases[1].communes_total == 3
    page = response.content.decode()
    assert 'data-testid="phase-overdue"' in page and "Overdue" in page
    assert "Nguyễn Văn Sơn" in page
    assert shown.tasks_total == 1 and shown.tasks_overdue == (1 if objects["task"].deadline < TODAY else 0)


def test_task_list_filters(objects, users, client_as):
    plan, admin = objects["plan"], users["administrator"]
    services.task_create(plan=plan, user=admin, title="Mua xe máy", unit="Phòng Hậu cần", deadline=TARGET,
                         status=TaskStatus.DONE)  # fmt: skip
    services.task_create(plan=plan, user=admin, title="Quá hạn", unit="Phòng Hậu cần",
                         deadline=TODAY - datetime.timedelta(days=3))  # fmt: skip
    client = client_as("committee")

    def titles(**params):
        response = client.get(reverse("plan:task_list"), params)
        assert response.status_code == 200
        return {task.title for task in response.context["object_list"]}

    assert titles(q="phong to chuc") == {"Lập danh sách xã"}
    assert titles(q="PHÒNG HẬU CẦN") == {"Mua xe máy", "Quá hạn"}
    assert titles(q="hau can", status="done") == {"Mua xe máy"}
    assert "Quá hạn" in titles(overdue="yes")
    assert "Mua xe máy" not in titles(overdue="yes")
    response = client.get(reverse("plan:task_list"), {"status": "bogus"})
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    assert client.get(reverse("plan:task_list"), {"page": "999"}).status_code == 200
    page = client.get(reverse("plan:task_list")).content.decode()
    assert 'data-testid="overdue-badge"' in page
    assert reverse("plan:task_status", args=[objects["task"].pk]) not in page  # read only: no status form


def test_phase_detail_lists_communes_with_coverage(objects, client_as):
    response = client_as("district_clerk").get(reverse("plan:phase_detail", args=[objects["phase"].pk]))
    assert response.status_code == 200
    assert len(response.context["communes"]) == 3
    assert 'data-testid="coverage-badge"' in response.content.decode()


# --- query counts ----------------------------------------------------------------------------------------------


def _grow(plan, admin, n: int) -> None:
    """Phases, members and tasks up to ``n`` of each."""
    communes = list(Commune.objects.filter(district__province_id=62).order_by("code"))
    start = Phase.objects.filter(plan=plan).count() + 1
    for i in range(start, n + 1):
        services.phase_create(plan=plan, user=None, number=i, name=f"Đợt {i}", target_on=TARGET,
                              communes=communes[3 * i: 3 * i + 3])  # fmt: skip
    for i in range(CommitteeMember.objects.filter(plan=plan).count(), n):
        services.member_create(plan=plan, user=None, full_name=f"Thành viên {i}", unit="Đơn vị", role="member")
    for i in range(Task.objects.filter(plan=plan).count(), n):
        status = [TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED][i % 4]
        services.task_create(plan=plan, user=admin, title=f"Việc {i}", unit=f"Đơn vị {i % 5}",
                             deadline=TODAY + datetime.timedelta(days=i - 10), status=status)  # fmt: skip


@pytest.mark.parametrize("page", ["plan:index", "plan:task_list"])
@pytest.mark.parametrize("role", ["administrator", "provincial_clerk"])
def test_query_count_does_not_grow(objects, users, client_as, django_assert_max_num_queries, page, role):
    plan, admin = objects["plan"], users["administrator"]
    client = client_as(role)
    _grow(plan, admin, 3)
    params = {"q": "don vi"} if page == "plan:task_list" else {}
    client.get(reverse(page), params)  # warm the session and caches
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse(page), params).status_code == 200
    _grow(plan, admin, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(page), params)
        assert response.status_code == 200
    if page == "plan:task_list":
        assert len(response.context["object_list"]) == 25  # a full page: 30 tasks match


def test_phase_detail_query_count_does_not_grow(objects, client_as, django_assert_max_num_queries):
    client = client_as("committee")
    phase = objects["phase"]
    url = reverse("plan:phase_detail", args=[phase.pk])
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    phase.communes.set(communes_of(62, 40))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


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


def test_phase_form_with_several_plans_asks_for_the_plan_first(objects, elsewhere, client_as):
    client = client_as("administrator")
    response = client.get(reverse("plan:phase_create"))
    assert response.context["form"].selected_plan is None
    assert f"?plan={elsewhere['plan'].pk}" in response.content.decode()
    response = client.get(reverse("plan:phase_create"), {"plan": objects["plan"].pk})
    groups = response.context["form"].commune_groups()
    taken = [number for _district, boxes in groups for _commune, _box, number in boxes if number]
    assert taken == [1, 1, 1]  # the communes of phase 1 are marked
    response = client.get(reverse("plan:phase_create"), {"plan": elsewhere["plan"].pk})
    assert [c.pk for _d, boxes in response.context["form"].commune_groups() for c, _b, _n in boxes] == [99001]


def test_task_status_redirects_only_within_the_site(objects, client_as):
    client = client_as("provincial_clerk")
    url = reverse("plan:task_status", args=[objects["task"].pk])
    response = client.post(url, {"status": "in_progress", "next": "https://example.com/"})
    assert response.url == reverse("plan:task_list")
    response = client.post(url, {"status": "open", "next": reverse("plan:index")})
    assert response.url == reverse("plan:index")
    assert Task.objects.get(pk=objects["task"].pk).status == TaskStatus.OPEN


@pytest.mark.parametrize("model", ["phase", "committeemember", "task"])
def test_admin_pages(objects, client_as, model):
    client = client_as("administrator")
    assert client.get(reverse(f"admin:rollout_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:rollout_{model}_add")).status_code == 200


def test_admin_phase_refuses_foreign_communes(objects, elsewhere, client_as):
    client = client_as("administrator")
    phase = objects["phase"]
    data = {"plan": phase.plan_id, "number": 1, "name": "Đợt 1", "target_on": TARGET.isoformat(),
            "communes": [elsewhere["commune"].pk], "note": ""}  # fmt: skip
    response = client.post(reverse("admin:rollout_phase_change", args=[phase.pk]), data)
    assert response.status_code == 200
    assert "Not in Tỉnh Kon Tum" in response.content.decode()
    assert phase.communes.count() == 3


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


def test_plan_edit_saves_the_training_rules_and_the_index_shows_them(objects, client_as):
    client = client_as("administrator")
    url = reverse("plan:plan_edit", args=[objects["plan"].pk])
    page = client.get(url).content.decode()
    for name in ("training_required_chief", "training_required_deputy", "training_required_officer",
                 "training_grace_days"):  # fmt: skip
        assert f'name="{name}"' in page, name
    data = valid_posts(objects)["plan_edit"] | {"training_required_chief": "on", "training_required_officer": "on",
                                                 "training_grace_days": "30"}  # fmt: skip

    assert client.post(url, data).status_code == 302

    plan = PilotPlan.objects.get(pk=objects["plan"].pk)
    assert (plan.training_required_chief, plan.training_required_deputy, plan.training_required_officer) == (
        True, False, True,
    )  # fmt: skip
    assert plan.training_grace_days == 30
    index = client.get(reverse("plan:index")).content.decode()
    assert "Training required before deployment" in index
    assert "chief, officer" in index and "30 days" in index

    # An empty grace period is none; no post ticked is shown as such.
    data = valid_posts(objects)["plan_edit"] | {"training_grace_days": ""}
    assert client.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert plan.training_grace_days == 0
    assert not (plan.training_required_chief or plan.training_required_deputy or plan.training_required_officer)
    index = client.get(reverse("plan:index")).content.decode()
    assert "for no post" in index and "none: trained by the start" in index


def test_plan_update_keeps_the_training_rules_it_is_not_given(plan, users):
    services.plan_update(plan=plan, user=users["administrator"], training_grace_days=365)
    plan.refresh_from_db()
    assert (plan.training_grace_days, plan.training_required_chief) == (365, True)


@pytest.mark.parametrize("days", [-1, 366])
def test_the_database_refuses_a_grace_period_out_of_range(plan, days):
    with pytest.raises(IntegrityError), transaction.atomic():
        PilotPlan.objects.filter(pk=plan.pk).update(training_grace_days=days)


def test_admin_plan_page_shows_the_training_rules(plan, client_as):
    page = client_as("administrator").get(reverse("admin:rollout_pilotplan_change", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Training before deployment" in html and 'name="training_grace_days"' in html
