"""The admin is a door like any other: its forms save through the services (their rules and messages, the user's
scope, who did it), or the model is read-only there; a record's history can be read, never reverted.

Every request goes through the real admin pages as a signed-in administrator (English, by the language cookie);
the tests assert on the form's errors, the answer's status and what was, or was not, written."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from communes.models import Commune, CommuneKind, Coverage, District, Province
from equipment import services as equipment_services
from equipment.models import (
    Category,
    EquipmentItem,
    EquipmentType,
    Handover,
    Issuance,
    ItemStatus,
    StockLevel,
    Warehouse,
)
from personnel import services as personnel_services
from personnel.choices import AssignmentEndReason, OfficerStatus, Post
from personnel.models import Assignment, Officer
from rollout.models import CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.plan import services as plan_services
from tests.factories import EnrollmentFactory, OfficerFactory, user_with_role, vet_fully
from training.models import Enrollment, TrainingSession

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=30)
TARGET = TODAY + datetime.timedelta(days=300)
DAK_MAN = 23347  # Xã Đắk Man, Huyện Đắk Glei: uncovered in the demo baseline
TT_DAK_GLEI = 23341  # Thị trấn Đắk Glei: covered since 2019


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages asserted in English: the services' in this thread, the pages' through the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def admin_client(client_as):
    return client_as("administrator")


def form_errors(response) -> list[str]:
    """Every error the admin's form shows, field errors and errors at the top alike."""
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return [message for messages in form.errors.values() for message in messages]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


# --- the plan: plans, phases, committee members and tasks through rollout.plan.services -----------------------


@pytest.fixture
def plan(kon_tum):
    return plan_services.plan_create(province=kon_tum, user=None, name="Kế hoạch thí điểm Kon Tum", started_on=START,
                                     target_on=TARGET)  # fmt: skip


def communes(n: int, *, offset: int = 0) -> list[Commune]:
    return list(Commune.objects.filter(district__province_id=62).order_by("code")[offset : offset + n])


@pytest.fixture
def phase_one(plan):
    return plan_services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=TARGET,
                                      communes=communes(2))  # fmt: skip


def phase_data(plan, *, number: int, communes) -> dict:
    return {"plan": plan.pk, "number": number, "name": f"Đợt {number}", "target_on": TARGET.isoformat(),
            "communes": [c.pk for c in communes], "note": ""}  # fmt: skip


def test_a_commune_in_two_phases_of_one_plan_is_refused_in_the_admin_and_nothing_is_written(phase_one, admin_client):
    taken, free = phase_one.communes.order_by("code").first(), communes(1, offset=5)[0]

    response = admin_client.post(admin_url(Phase, "add"), phase_data(phase_one.plan, number=2, communes=[taken, free]))

    assert form_errors(response) == [f"Already in another phase of the plan: {taken.name} (1)."]
    assert list(Phase.objects.values_list("number", flat=True)) == [1]
    assert not Phase.communes.through.objects.filter(commune=free).exists()

    # The same on a change: the second phase keeps its communes.
    second = plan_services.phase_create(plan=phase_one.plan, user=None, number=2, name="Đợt 2", target_on=TARGET,
                                        communes=[free])  # fmt: skip
    response = admin_client.post(
        admin_url(Phase, "change", second.pk), phase_data(phase_one.plan, number=2, communes=[free, taken])
    )
    assert form_errors(response) == [f"Already in another phase of the plan: {taken.name} (1)."]
    assert list(second.communes.all()) == [free]
    assert list(Phase.objects.get(pk=phase_one.pk).communes.order_by("code")) == communes(2)


def test_a_phase_saved_in_the_admin_is_the_services_and_keeps_its_plan(phase_one, admin_client, elsewhere_plan):
    chosen = communes(2, offset=5)
    response = admin_client.post(admin_url(Phase, "add"), phase_data(phase_one.plan, number=2, communes=chosen))
    assert response.status_code == 302
    second = Phase.objects.get(plan=phase_one.plan, number=2)
    assert list(second.communes.order_by("code")) == chosen

    # The plan is read-only once the phase exists: a posted plan is ignored.
    data = phase_data(elsewhere_plan, number=2, communes=chosen) | {"name": "  Đợt   hai "}
    assert admin_client.post(admin_url(Phase, "change", second.pk), data).status_code == 302
    second.refresh_from_db()
    assert (second.plan, second.name) == (phase_one.plan, "Đợt hai")  # the service's clean text


@pytest.fixture
def elsewhere_plan(db):
    province = Province.objects.create(code=99, name="Tỉnh Thử Nghiệm", kind="province")
    district = District.objects.create(code=990, province=province, name="Huyện Thử", kind="rural_district")
    Commune.objects.create(code=99001, district=district, name="Xã Ngoài Tỉnh", kind=CommuneKind.COMMUNE)
    return plan_services.plan_create(province=province, user=None, name="Kế hoạch tỉnh khác", started_on=START,
                                     target_on=TARGET)  # fmt: skip


def plan_data(province, **changes) -> dict:
    data = {
        "name": "Kế hoạch thí điểm", "province": province.pk, "started_on": START.isoformat(),
        "target_on": TARGET.isoformat(), "default_staffing_norm": 5, "min_age": 22, "max_age": 45, "min_rank": 3,
        "requires_vetting": "on", "training_required_chief": "on", "training_grace_days": 0,
    }  # fmt: skip
    return data | changes


def test_a_plan_is_created_and_changed_in_the_admin_under_the_services_rules(kon_tum, admin_client):
    late_start = {"started_on": TARGET.isoformat(), "target_on": START.isoformat()}

    response = admin_client.post(admin_url(PilotPlan, "add"), plan_data(kon_tum, **late_start))

    assert form_errors(response) == [f"The target date cannot be before the start date ({TARGET:%d/%m/%Y})."]
    assert not PilotPlan.objects.exists()

    assert admin_client.post(admin_url(PilotPlan, "add"), plan_data(kon_tum, name="  Kế hoạch  ")).status_code == 302
    plan = PilotPlan.objects.get()
    assert (plan.province, plan.name, plan.training_required_deputy) == (kon_tum, "Kế hoạch", False)

    response = admin_client.post(admin_url(PilotPlan, "change", plan.pk), plan_data(kon_tum, training_grace_days=400))
    assert form_errors(response) == ["The training grace period lies between 0 and 365 days."]
    assert PilotPlan.objects.get().training_grace_days == 0


def member_data(plan, **changes) -> dict:
    return {"plan": plan.pk, "full_name": "Trần Văn Bình", "unit": "Công an tỉnh", "role": CommitteeRole.HEAD,
            "email": "", "is_active": "on"} | changes  # fmt: skip


def test_a_second_active_head_is_refused_in_the_admin_with_the_services_message(plan, admin_client):
    plan_services.member_create(plan=plan, user=None, full_name="Nguyễn Văn Sơn", unit="Bộ Công an",
                                role=CommitteeRole.HEAD)  # fmt: skip

    response = admin_client.post(admin_url(CommitteeMember, "add"), member_data(plan))

    assert form_errors(response) == [
        "The committee already has a head: Nguyễn Văn Sơn. Make them inactive or change their role first."
    ]
    assert CommitteeMember.objects.count() == 1
    # A member of the standing body is part of it by definition, whatever the box says.
    data = member_data(plan, role=CommitteeRole.STANDING)
    assert admin_client.post(admin_url(CommitteeMember, "add"), data).status_code == 302
    assert CommitteeMember.objects.get(full_name="Trần Văn Bình").is_standing_body


def task_data(plan, **changes) -> dict:
    data = {"plan": plan.pk, "title": "Lập danh sách xã", "unit": "Phòng Tổ chức cán bộ",
            "deadline": TARGET.isoformat(), "status": TaskStatus.OPEN, "completed_on": "", "notes": ""}  # fmt: skip
    return data | changes


def test_a_task_saved_in_the_admin_records_its_author_and_follows_the_completion_rule(plan, admin_client, users):
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    for changes, message in [
        ({"status": TaskStatus.DONE, "completed_on": tomorrow}, "A task cannot be completed in the future."),
        ({"completed_on": TODAY.isoformat()}, "Only a done task has a completion date."),
    ]:
        response = admin_client.post(admin_url(Task, "add"), task_data(plan, **changes))
        assert form_errors(response) == [message]
    assert not Task.objects.exists()

    assert admin_client.post(admin_url(Task, "add"), task_data(plan)).status_code == 302
    task = Task.objects.get()
    assert task.created_by == users["administrator"]

    # Done without a date: completed today, as on the task pages.
    response = admin_client.post(admin_url(Task, "change", task.pk), task_data(plan, status=TaskStatus.DONE))
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.completed_on, task.created_by) == (TaskStatus.DONE, TODAY, users["administrator"])


def test_a_staff_user_of_another_province_cannot_change_the_plan_through_the_admin(plan, elsewhere_plan, client):
    task = plan_services.task_create(plan=plan, user=None, title="Lập danh sách xã", unit="Phòng Tổ chức cán bộ",
                                     deadline=TARGET)  # fmt: skip
    clerk = user_with_role(Role.PROVINCIAL_CLERK, province=elsewhere_plan.province, is_staff=True, suffix="staff")
    client.force_login(clerk)

    response = client.post(admin_url(Task, "change", task.pk), task_data(plan, title="Đổi tên"))

    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).title == "Lập danh sách xã"


@pytest.mark.parametrize("model", [PilotPlan, Phase, CommitteeMember, Task])
def test_the_plan_and_its_parts_are_not_deleted_in_the_admin(phase_one, admin_client, model):
    plan_services.member_create(plan=phase_one.plan, user=None, full_name="Nguyễn Văn Sơn", unit="Bộ Công an",
                                role=CommitteeRole.HEAD)  # fmt: skip
    plan_services.task_create(plan=phase_one.plan, user=None, title="Lập danh sách xã", unit="Phòng Tổ chức cán bộ",
                              deadline=TARGET)  # fmt: skip
    record = model.objects.get()

    assert admin_client.post(admin_url(model, "delete", record.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=record.pk).exists()


# --- officers through personnel.services ------------------------------------------------------------------------


def officer_data(**changes) -> dict:
    return {
        "police_number": "123-456", "full_name": "Nguyễn Văn An", "birth_date": "1995-05-01", "gender": "male",
        "ethnicity": "kinh", "rank": 6, "current_unit": "Công an huyện Đắk Glei", "province": 62, "district": "",
        "home_district": "", "education": "university", "political_theory": "none", "phone": "",
        "vettings-TOTAL_FORMS": 0, "vettings-INITIAL_FORMS": 0,
    } | changes  # fmt: skip


def test_an_officer_registered_and_corrected_in_the_admin_goes_through_the_services(kon_tum, admin_client, users):
    assert admin_client.post(admin_url(Officer, "add"), officer_data()).status_code == 302
    officer = Officer.objects.get(police_number="123-456")
    assert officer.status == OfficerStatus.CANDIDATE
    assert officer.history.get().history_user == users["administrator"]

    data = officer_data(full_name="Nguyễn Văn Ân", birth_date="1930-01-01")
    response = admin_client.post(admin_url(Officer, "change", officer.pk), data)
    assert form_errors(response) == ["An officer is between 18 and 70 years old."]
    assert officer.history.count() == 1

    response = admin_client.post(admin_url(Officer, "change", officer.pk), officer_data(full_name="Nguyễn Văn Ân"))
    assert response.status_code == 302
    latest = officer.history.first()
    assert (latest.full_name, latest.history_type) == ("Nguyễn Văn Ân", "~")
    assert latest.history_user == users["administrator"]


# --- equipment items through equipment.services -----------------------------------------------------------------


@pytest.fixture
def catalogue(kon_tum):
    radio = EquipmentType.objects.create(code="may-bo-dam", name="Máy bộ đàm", category=Category.COMMUNICATION,
                                         unit="chiếc")  # fmt: skip
    baton = EquipmentType.objects.create(code="dui-cao-su", name="Dùi cui", category=Category.SUPPORT_TOOL,
                                         unit="chiếc", is_serialized=False)  # fmt: skip
    return {"radio": radio, "baton": baton, "store": Warehouse.objects.create(province_id=62, name="Kho tỉnh")}


def item_data(catalogue, **changes) -> dict:
    return {"equipment_type": catalogue["radio"].pk, "serial_number": "BD-001", "warehouse": catalogue["store"].pk,
            "received_on": TODAY.isoformat(), "note": ""} | changes  # fmt: skip


def test_an_item_received_in_the_admin_follows_the_receive_rules(catalogue, admin_client, users):
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    for changes, message in [
        ({"received_on": tomorrow}, "Stock cannot be received in the future."),
        ({"equipment_type": catalogue["baton"].pk}, "This type is counted by quantity, not by serial number."),
    ]:
        assert form_errors(admin_client.post(admin_url(EquipmentItem, "add"), item_data(catalogue, **changes))) == [
            message
        ]
    assert not EquipmentItem.objects.exists()

    assert admin_client.post(admin_url(EquipmentItem, "add"), item_data(catalogue, note=" Mới ")).status_code == 302
    item = EquipmentItem.objects.get()
    assert (item.status, item.note) == (ItemStatus.IN_STOCK, "Mới")
    assert item.history.get().history_user == users["administrator"]


# --- communes: their attributes through communes.services.commune_update -------------------------------------


def commune_data(commune: Commune, **changes) -> dict:
    return {"is_key_area": "on" if commune.is_key_area else "", "is_border": "on" if commune.is_border else "",
            "border_country": commune.border_country, "population": commune.population or "",
            "staffing_norm": commune.staffing_norm or "", "baseline_covered_on": "",
            "is_demo": ""} | changes  # fmt: skip


def test_a_commune_changed_in_the_admin_follows_the_models_rules_and_becomes_covered(
    demo_baseline, admin_client, django_capture_on_commit_callbacks
):
    commune = Commune.objects.get(code=DAK_MAN)
    assert (commune.coverage, commune.is_border) == (Coverage.UNCOVERED, False)
    before = snapshot(Commune, DAK_MAN)
    response = admin_client.post(admin_url(Commune, "change", DAK_MAN), commune_data(commune, border_country="LA"))
    assert form_errors(response) == ["Only a border commune has a neighbouring country."]
    response = admin_client.post(admin_url(Commune, "change", DAK_MAN), commune_data(commune, staffing_norm="0"))
    assert "The staffing norm is at least one officer." in " ".join(form_errors(response))
    assert snapshot(Commune, DAK_MAN) == before

    with django_capture_on_commit_callbacks(execute=True):
        data = commune_data(commune, population="4321", baseline_covered_on="2019-07-01")
        response = admin_client.post(admin_url(Commune, "change", DAK_MAN), data)
    assert response.status_code == 302
    commune.refresh_from_db()
    assert (commune.population, commune.baseline_covered_on) == (4321, datetime.date(2019, 7, 1))
    assert commune.coverage == Coverage.BASELINE  # the service's consequence: coverage follows the baseline date


# --- read-only models: written on the app's pages only ---------------------------------------------------------


@pytest.fixture
def records(demo_baseline, users, catalogue):
    """One of each record the admin only shows: an assignment, a class and a seat in it, a stock level and an
    issuance, and the administrative units."""
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    assignment = personnel_services.assignment_create(
        officer=officer, commune=Commune.objects.get(code=TT_DAK_GLEI), post=Post.OFFICER, decision_number="01/QĐ",
        decision_date=TODAY, started_on=TODAY, created_by=clerk,
    )  # fmt: skip
    enrollment = EnrollmentFactory(officer=OfficerFactory())
    level = equipment_services.stock_receive(warehouse=catalogue["store"], equipment_type=catalogue["baton"],
                                             quantity=10, user=clerk)  # fmt: skip
    issuance = equipment_services.issuance_create(
        commune=Commune.objects.get(code=TT_DAK_GLEI), equipment_type=catalogue["baton"],
        warehouse=catalogue["store"], issued_on=TODAY, quantity=2, user=clerk,
    )  # fmt: skip
    return {
        Assignment: assignment, Enrollment: enrollment, TrainingSession: enrollment.session, StockLevel: level,
        Issuance: issuance, Handover: issuance.handover, Province: demo_baseline,
        District: District.objects.get(code=610),
    }  # fmt: skip


READ_ONLY = [Assignment, Enrollment, TrainingSession, StockLevel, Issuance, Handover, Province, District]


def snapshot(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model._meta.model_name)
def test_read_only_models_are_shown_but_refuse_add_change_and_delete(records, admin_client, model):
    record = records[model]
    before = snapshot(model, record.pk)

    page = admin_client.get(admin_url(model, "change", record.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # shown, not editable
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "add"), {}).status_code == 403
    assert admin_client.post(admin_url(model, "change", record.pk), {}).status_code == 403
    assert admin_client.post(admin_url(model, "delete", record.pk), {"post": "yes"}).status_code == 403

    assert snapshot(model, record.pk) == before


# --- history: read, never reverted ------------------------------------------------------------------------------


@pytest.fixture
def withdrawn(demo_baseline, users):
    """An officer posted as chief of Đắk Man, then withdrawn: their assignment has ended."""
    clerk = users["provincial_clerk"]
    assignment = personnel_services.assignment_create(
        officer=vet_fully(OfficerFactory(), clerk), commune=Commune.objects.get(code=DAK_MAN), post=Post.CHIEF,
        decision_number="01/QĐ-CAT", decision_date=TODAY, started_on=TODAY, created_by=clerk,
    )  # fmt: skip
    personnel_services.assignment_end(assignment=assignment, ended_on=TODAY, reason=AssignmentEndReason.WITHDRAWAL,
                                      user=clerk)  # fmt: skip
    return Assignment.objects.get(pk=assignment.pk)


def the_active_version(assignment):
    return assignment.history.filter(ended_on__isnull=True).get()


def state(assignment) -> tuple:
    return (
        snapshot(Assignment, assignment.pk),
        Officer.objects.get(pk=assignment.officer_id).status,
        Assignment.history.count(),
        Commune.objects.get(code=assignment.commune_id).coverage,
    )


def test_the_history_of_an_assignment_is_shown_but_reverting_it_writes_nothing(withdrawn, admin_client):
    """Reproduction: "revert" to the active version re-activated the ended assignment of a withdrawn officer."""
    version = the_active_version(withdrawn)
    before = state(withdrawn)
    assert before[1] == OfficerStatus.WITHDRAWN

    version_url = admin_url(Assignment, "simple_history", withdrawn.pk, version.history_id)
    history = admin_client.get(admin_url(Assignment, "history", withdrawn.pk))
    assert history.status_code == 200
    assert version_url in history.content.decode()  # every version is listed, with a link to see it
    page = admin_client.get(version_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # no button to revert with

    response = admin_client.post(version_url, {"_save": "Save"})

    assert response.status_code == 403
    assert state(withdrawn) == before
    assert Assignment.objects.get(pk=withdrawn.pk).ended_on == TODAY


def test_reverting_to_a_version_that_conflicts_with_the_present_is_refused_not_a_500(withdrawn, admin_client, users):
    """Reproduction: with another chief in the commune since, the revert broke the one-active-chief constraint (500)."""
    clerk = users["provincial_clerk"]
    personnel_services.assignment_create(
        officer=vet_fully(OfficerFactory(), clerk), commune=Commune.objects.get(code=DAK_MAN), post=Post.CHIEF,
        decision_number="02/QĐ-CAT", decision_date=TODAY, started_on=TODAY, created_by=clerk,
    )  # fmt: skip
    version = the_active_version(withdrawn)
    before = state(withdrawn)
    assert before[3] != Coverage.UNCOVERED

    response = admin_client.post(admin_url(Assignment, "simple_history", withdrawn.pk, version.history_id),
                                 {"_save": "Save"})  # fmt: skip

    assert response.status_code == 403
    assert state(withdrawn) == before
