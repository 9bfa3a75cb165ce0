"""One scoping mechanism: for every scoped model, which rows each role sees, and which writes the check refuses
(with the message the user reads). The world: Kon Tum (62) with the district clerk's district Đắk Glei (610)
and a second district, and a second province with one district and one commune."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone, translation

from accounts.roles import Role
from communes.models import Commune, District, Province
from equipment.models import EquipmentItem, EquipmentType, Issuance, StockLevel, Warehouse
from equipment.services import items_receive
from personnel.forms import OfficerForm
from personnel.models import Assignment, Officer
from personnel.services import officer_update
from rollout.core import scoping
from rollout.core.scoping import Scope
from rollout.models import CommitteeMember, Phase, PilotPlan, Report, Task
from rollout.plan.services import task_set_status
from rollout.reports.forms import ReportRequestForm
from tests.factories import user_with_role
from training.forms import SessionForm
from training.models import Course, Enrollment, TrainingSession
from training.services import session_close

pytestmark = pytest.mark.django_db

ROLES = ("committee", "administrator", "provincial_clerk", "district_clerk", "no_role", "anonymous")
OTHER_PROVINCE = 1


@pytest.fixture(autouse=True)
def _english():
    """Messages asserted in English (the catalogue is Vietnamese)."""
    with translation.override("en"):
        yield


@dataclass
class Place:
    """The rows of one place: a district of Kon Tum (``"mine"``, ``"neighbour"``) or the other province."""

    district: District
    commune: Commune
    officer: Officer
    warehouse: Warehouse
    item: EquipmentItem
    stock: StockLevel
    issuance: Issuance
    assignment: Assignment


@pytest.fixture
def world(kon_tum, users):
    admin = users["administrator"]
    other = Province.objects.create(code=OTHER_PROVINCE, name="Hà Nội", kind="municipality")
    District.objects.create(code=1, province=other, name="Ba Đình", kind="urban_district")
    Commune.objects.create(code=1, district_id=1, name="Phúc Xá", kind="ward")
    neighbour = District.objects.filter(province=kon_tum).exclude(code=610).order_by("code").first()
    radio = EquipmentType.objects.create(code="radio", name="Bộ đàm", category="communication", unit="chiếc")
    vests = EquipmentType.objects.create(
        code="vest", name="Áo giáp", category="support_tool", unit="cái", is_serialized=False
    )
    today = timezone.localdate()
    places = {}
    for key, district in (("mine", District.objects.get(code=610)), ("neighbour", neighbour),
                          ("other", District.objects.get(code=1))):  # fmt: skip
        province_id = district.province_id
        commune = district.communes.order_by("code").first()
        officer = Officer.objects.create(
            police_number=f"{district.code:03d}-001", full_name=f"Officer {key}", birth_date=datetime.date(1990, 1, 1),
            gender="male", ethnicity="kinh", rank=6, current_unit="Unit", province_id=province_id,
            district=district, education="university",
        )  # fmt: skip
        warehouse = Warehouse.objects.create(name=f"Kho {key}", province_id=province_id, district=district)
        places[key] = Place(
            district=district,
            commune=commune,
            officer=officer,
            warehouse=warehouse,
            item=EquipmentItem.objects.create(
                equipment_type=radio, serial_number=key, warehouse=warehouse, received_on=today
            ),
            stock=StockLevel.objects.create(warehouse=warehouse, equipment_type=vests, quantity=3),
            issuance=Issuance.objects.create(
                equipment_type=vests,
                quantity=1,
                warehouse=warehouse,
                commune=commune,
                issued_on=today,
                issued_by=admin,
            ),  # fmt: skip
            assignment=Assignment.objects.create(
                officer=officer,
                commune=commune,
                province_id=province_id,
                post="officer",
                decision_number=f"QĐ-{key}",
                decision_date=today,
                started_on=today,
                created_by=admin,
            ),  # fmt: skip
        )
    provincial_unit = Officer.objects.create(
        police_number="062-000", full_name="Officer of the province", birth_date=datetime.date(1990, 1, 1),
        gender="male", ethnicity="kinh", rank=6, current_unit="Unit", province=kon_tum, education="university",
    )  # fmt: skip
    stores = {
        province.code: Warehouse.objects.create(name=f"Kho tỉnh {province.code}", province=province)
        for province in (kon_tum, other)
    }
    plans, sessions = {}, {}
    for province in (kon_tum, other):
        plan = PilotPlan.objects.create(
            province=province, name=f"Plan {province.code}", started_on=today,
            target_on=today + datetime.timedelta(days=365),
        )  # fmt: skip
        Phase.objects.create(plan=plan, number=1, name="Phase 1", target_on=plan.target_on)
        Task.objects.create(plan=plan, title="Task", unit="Unit", deadline=plan.target_on)
        CommitteeMember.objects.create(plan=plan, full_name="Member", unit="Unit", role="member")
        plans[province.code] = plan
        sessions[province.code] = TrainingSession.objects.create(
            course=_course(), province=province, starts_on=today, ends_on=today, place="Place",
            instructor="Instructor", capacity=10, created_by=admin,
        )  # fmt: skip
    for place in places.values():
        session = sessions[place.district.province_id]
        Enrollment.objects.create(
            session=session, officer=place.officer, course=session.course, starts_on=today, ends_on=today,
            enrolled_by=admin,
        )  # fmt: skip
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    for province in (None, kon_tum, other):
        Report.objects.create(province=province, period_start=monday, period_end=monday + datetime.timedelta(days=6))
    for district in (District.objects.get(code=610), neighbour, District.objects.get(code=1)):  # districts' reports
        Report.objects.create(province_id=district.province_id, district=district, period_start=monday,
                              period_end=monday + datetime.timedelta(days=6))  # fmt: skip
    return {"places": places, "provincial_unit": provincial_unit, "stores": stores, "plans": plans,
            "sessions": sessions, "kon_tum": kon_tum, "other": other}  # fmt: skip


def _any(provinces) -> list[int]:
    """Every report's id when ``provinces`` is not empty (a user with an area), else none."""
    return list(Report.objects.values_list("pk", flat=True)) if provinces else []


def _course():
    course, _created = Course.objects.get_or_create(
        code="MH-01", defaults={"title_vi": "Môn", "title_en": "Course", "subject_area": "law", "hours": 8}
    )
    return course


def _user(users, role):
    return AnonymousUser() if role == "anonymous" else users[role]


def _district_rows(world, keys, attribute):
    return {getattr(world["places"][key], attribute).pk for key in keys}


# Which places each role sees: the whole country, Kon Tum's two districts, or Đắk Glei.
PLACES_SEEN = {
    "committee": ("mine", "neighbour", "other"),
    "administrator": ("mine", "neighbour", "other"),
    "provincial_clerk": ("mine", "neighbour"),
    "district_clerk": ("mine",),
    "no_role": (),
    "anonymous": (),
}
PROVINCES_SEEN = {
    "committee": {62, OTHER_PROVINCE},
    "administrator": {62, OTHER_PROVINCE},
    "provincial_clerk": {62},
    "district_clerk": {62},
    "no_role": set(),
    "anonymous": set(),
}


def _expected(world, role) -> dict[type, set]:
    """Every scoped model's rows ``role`` sees."""
    places, provinces = PLACES_SEEN[role], PROVINCES_SEEN[role]
    officers = _district_rows(world, places, "officer")
    if role in ("committee", "administrator", "provincial_clerk"):
        officers.add(world["provincial_unit"].pk)  # an officer of a provincial unit is no district's
    stores = {world["stores"][code].pk for code in provinces}  # the provincial store serves its districts too
    plans = {world["plans"][code].pk for code in provinces}
    districts = _expected_districts(role)
    return {
        Province: provinces,
        District: districts,
        Commune: set(Commune.objects.filter(district__in=districts).values_list("pk", flat=True)),
        Officer: officers,
        Assignment: _district_rows(world, places, "assignment"),
        Warehouse: _district_rows(world, places, "warehouse") | stores,
        EquipmentItem: _district_rows(world, places, "item"),
        StockLevel: _district_rows(world, places, "stock"),
        Issuance: _district_rows(world, places, "issuance"),
        TrainingSession: {world["sessions"][code].pk for code in provinces},
        Enrollment: set(Enrollment.objects.filter(officer__in=officers).values_list("pk", flat=True)),
        PilotPlan: plans,
        Phase: set(Phase.objects.filter(plan__in=plans).values_list("pk", flat=True)),
        Task: set(Task.objects.filter(plan__in=plans).values_list("pk", flat=True)),
        CommitteeMember: set(CommitteeMember.objects.filter(plan__in=plans).values_list("pk", flat=True)),
        # Reports hold aggregate figures: every user with an area reads the national ones, and their province's;
        # a district's report is read in its district (and by whoever sees its province).
        Report: set(
            Report.objects.filter(
                Q(province__in=provinces, district__isnull=True)
                | Q(district__in=districts)
                | Q(province__isnull=True, pk__in=_any(provinces))
            ).values_list("pk", flat=True)
        ),
    }


def _expected_districts(role) -> set[int]:
    if role == "district_clerk":
        return {610}
    return set(District.objects.filter(province__in=PROVINCES_SEEN[role]).values_list("pk", flat=True))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_rows_of_its_area(world, users, role):
    user = _user(users, role)
    for model, rows in _expected(world, role).items():
        assert set(model.objects.visible_to(user).values_list("pk", flat=True)) == rows, model.__name__


@pytest.mark.parametrize("role", ROLES)
def test_sees_on_a_loaded_object_agrees_with_visible_to(world, users, role):
    user = _user(users, role)
    for model, rows in _expected(world, role).items():
        for obj in model.objects.all():
            assert scoping.sees(user, obj) == (obj.pk in rows), (model.__name__, obj.pk)


def test_a_district_clerk_sees_their_province_level_objects_but_not_a_provincial_units_officer(world, users):
    clerk = users["district_clerk"]
    assert world["sessions"][62] in TrainingSession.objects.visible_to(clerk)
    assert world["plans"][62] in PilotPlan.objects.visible_to(clerk)
    assert world["stores"][62] in Warehouse.objects.visible_to(clerk)
    assert world["provincial_unit"] not in Officer.objects.visible_to(clerk)
    assert Report.objects.visible_to(clerk).filter(province__isnull=True).exists()


def _refusal(user, obj) -> str | None:
    try:
        scoping.check_writable(user, obj)
    except PermissionDenied as refused:
        return str(refused)
    return None


def _objects_of(world, key):
    place = world["places"][key]
    return [place.district, place.commune, place.officer, place.assignment, place.warehouse, place.item,
            place.stock, place.issuance, Enrollment.objects.get(officer=place.officer)]  # fmt: skip


def test_the_write_check_refuses_another_district_and_another_province(world, users):
    district_clerk, provincial_clerk = users["district_clerk"], users["provincial_clerk"]
    for obj in _objects_of(world, "mine"):
        assert _refusal(district_clerk, obj) is None, obj
        assert _refusal(provincial_clerk, obj) is None, obj
    for obj in _objects_of(world, "neighbour"):
        assert _refusal(district_clerk, obj) == "This is outside your district.", obj
        assert _refusal(provincial_clerk, obj) is None, obj
    for obj in _objects_of(world, "other"):
        assert _refusal(district_clerk, obj) == "This is outside your province.", obj
        assert _refusal(provincial_clerk, obj) == "This is outside your province.", obj
    assert _refusal(district_clerk, world["provincial_unit"]) == "This is outside your district."
    assert _refusal(provincial_clerk, world["provincial_unit"]) is None


def test_province_level_objects_for_a_district_clerk(world, users):
    clerk = users["district_clerk"]
    # Classes and the provincial store: a district clerk uses their province's.
    assert _refusal(clerk, world["sessions"][62]) is None
    assert _refusal(clerk, world["stores"][62]) is None
    assert _refusal(clerk, world["sessions"][OTHER_PROVINCE]) == "This is outside your province."
    assert _refusal(clerk, world["stores"][OTHER_PROVINCE]) == "This is outside your province."
    # The plan is provincial: a district clerk changes nothing of it.
    plan = world["plans"][62]
    for obj in (plan, plan.phases.get(), plan.tasks.get(), plan.committee_members.get()):
        assert _refusal(clerk, obj) == "The plan is managed at the provincial level.", obj


def test_the_plans_own_messages(world, users):
    clerk = users["provincial_clerk"]
    plan, other = world["plans"][62], world["plans"][OTHER_PROVINCE]
    for obj in (plan, plan.phases.get(), plan.tasks.get(), plan.committee_members.get()):
        assert _refusal(clerk, obj) is None, obj
    for obj in (other, other.phases.get(), other.tasks.get(), other.committee_members.get()):
        assert _refusal(clerk, obj) == "This plan is outside your province.", obj


def test_who_sees_everything_writes_everywhere_and_the_system_too(world, users):
    objects = [*_objects_of(world, "other"), world["plans"][OTHER_PROVINCE], world["sessions"][OTHER_PROVINCE],
               Report.objects.get(province__isnull=True)]  # fmt: skip
    for obj in objects:
        assert _refusal(users["administrator"], obj) is None, obj
        assert _refusal(users["committee"], obj) is None, obj
        assert _refusal(None, obj) is None, obj  # demo data, scheduled tasks


def test_a_national_report_is_read_by_every_clerk_and_changed_by_none(world, users):
    national = Report.objects.get(province__isnull=True)
    for role in ("provincial_clerk", "district_clerk"):
        assert scoping.sees(users[role], national)
        assert _refusal(users[role], national) == "This is outside your province."


@pytest.mark.parametrize("role", ["no_role", "anonymous"])
def test_without_an_area_every_write_is_refused(world, users, role):
    user = _user(users, role)
    for obj in [*_objects_of(world, "mine"), world["plans"][62], world["sessions"][62]]:
        assert _refusal(user, obj) == "You have no area of responsibility.", obj


def test_a_clerk_without_a_unit_has_an_empty_scope(world, users):
    clerk = user_with_role(Role.PROVINCIAL_CLERK, suffix="nounit")
    assert Scope.of(clerk).is_empty
    assert not Officer.objects.visible_to(clerk).exists()
    assert _refusal(clerk, world["places"]["mine"].officer) == "You have no area of responsibility."


def test_without_a_registered_rule_nobody_sees_anything(world, users, monkeypatch):
    monkeypatch.setattr(scoping, "_resolver", None)
    assert Scope.of(users["administrator"]) == Scope()
    assert not Commune.objects.visible_to(users["administrator"]).exists()


def test_the_services_refuse_with_the_checks_message(world, users):
    district_clerk, provincial_clerk = users["district_clerk"], users["provincial_clerk"]
    neighbour = world["places"]["neighbour"]
    with pytest.raises(PermissionDenied, match="This is outside your district."):
        officer_update(officer=neighbour.officer, user=district_clerk, full_name="Renamed")
    with pytest.raises(PermissionDenied, match="This is outside your district."):
        items_receive(warehouse=neighbour.warehouse, equipment_type=neighbour.item.equipment_type,
                      serial_numbers=["X-1"], received_on=timezone.localdate(), user=district_clerk)  # fmt: skip
    with pytest.raises(PermissionDenied, match="This is outside your province."):
        session_close(session=world["sessions"][OTHER_PROVINCE], user=provincial_clerk)
    with pytest.raises(PermissionDenied, match="The plan is managed at the provincial level."):
        task_set_status(task=world["plans"][62].tasks.get(), status="done", user=district_clerk)
    with pytest.raises(PermissionDenied, match="This plan is outside your province."):
        task_set_status(task=world["plans"][OTHER_PROVINCE].tasks.get(), status="done", user=provincial_clerk)


@pytest.mark.parametrize("role", ROLES[:4])
def test_the_choices_offered_come_from_the_same_rule(world, users, role):
    user = users[role]
    officer_form = OfficerForm(user=user)
    assert set(officer_form.fields["province"].queryset) == set(Province.objects.filter(pk__in=PROVINCES_SEEN[role]))
    assert {d.pk for d in officer_form.fields["district"].queryset} == _expected_districts(role)
    assert officer_form.fields["district"].required == (role == "district_clerk")
    assert set(SessionForm(user=user).fields["province"].queryset.values_list("pk", flat=True)) == PROVINCES_SEEN[role]
    assert set(ReportRequestForm(user=user).provinces) == {str(code) for code in PROVINCES_SEEN[role]}


def test_a_district_clerks_officer_form_starts_in_their_district(world, users):
    form = OfficerForm(user=users["district_clerk"])
    assert form.fields["district"].initial == District.objects.get(code=610)
    assert form.fields["province"].initial == world["kon_tum"]
