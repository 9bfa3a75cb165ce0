"""A small world for the bad-input suites: Kon Tum with the demo baseline, officers, an assignment, a class that
has ended and one that still takes officers, equipment and the pilot plan in the district clerk's district (Đắk
Glei, 610) and in the provincial city (608), plus another province with its own plan; and ``db_state``, which reads
every row the forms and imports can write.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext

from communes.models import Commune, CommuneKind, District, Province
from equipment.models import EquipmentItem, Issuance, StockLevel, Warehouse
from equipment.services import issuance_create
from personnel.models import Assignment, Officer, Vetting
from rollout.deployment import services as deployment_services
from rollout.models import (
    CommitteeMember,
    CommitteeRole,
    DeploymentPlan,
    DeploymentRow,
    Phase,
    PilotPlan,
    PlanPosts,
    ReportSubscription,
    SubscriptionFrequency,
    Task,
)
from rollout.plan import services as plan_services
from tests.builders.equipment import QUANG_TRUNG, TT_DAK_GLEI, Catalogue, items, make_catalogue, officer_at
from tests.builders.spreadsheets import xlsx
from tests.builders.training import enrol
from tests.factories import OfficerFactory, vet_fully
from training import services as training_services
from training.models import Course, Enrollment, SubjectArea, TrainingSession

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
DAK_GLEI, CITY = 610, 608
DAK_MAN = 23347  # Xã Đắk Man (610): uncovered
DAK_PEK = 23353  # Xã Đắk Pék (610): uncovered
NOWHERE = 999_999_999  # no object has this id
HUGE = "99999999999999999999"  # beyond a 64-bit integer

SQL_FRAGMENTS = ["'; DROP TABLE personnel_officer; --", "1 OR 1=1"]
SCRIPT_FRAGMENTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def vi(message: str) -> str:
    with translation.override("vi"):
        return gettext(message)


@dataclass
class World:
    cat: Catalogue
    glei: Officer  # a candidate of Đắk Glei
    city: Officer  # a candidate of the provincial city
    free: Officer  # vetted and trained (prior training), not assigned, Đắk Glei: may be assigned as chief
    city_free: Officer  # vetted, not assigned, provincial city
    chief: Officer  # chief of Thị trấn Đắk Glei
    city_chief: Officer  # chief of Phường Quang Trung (608)
    assignment: Assignment
    city_assignment: Assignment
    issuance: Issuance  # a radio held by Thị trấn Đắk Glei
    city_issuance: Issuance
    course: Course
    session: TrainingSession  # a class that ended yesterday, with a trainee of each district
    open_session: TrainingSession  # a class running until the day after tomorrow, nobody in it: it takes officers
    enrollment: Enrollment  # the Đắk Glei trainee's
    city_enrollment: Enrollment
    plan: PilotPlan
    phase: Phase
    member: CommitteeMember
    task: Task
    other_province: Province
    other_commune: Commune
    other_plan: PilotPlan
    deployment_plan: DeploymentPlan  # the provincial clerk's plan of Kon Tum's chiefs
    other_task: Task
    subscription: ReportSubscription  # the district clerk's weekly report of Đắk Glei


def build_world(users) -> World:
    admin = users["administrator"]
    cat = make_catalogue()
    chief = officer_at(TT_DAK_GLEI, admin)
    city_chief = officer_at(QUANG_TRUNG, admin, district_id=CITY)
    radio, city_radio = (
        items(cat.radio, "R-001", warehouse=cat.glei_store)[0],
        items(cat.radio, "R-900", warehouse=cat.store)[0],
    )
    items(cat.radio, "R-002", "R-003", warehouse=cat.glei_store)
    issuance = issuance_create(
        commune=Commune.objects.get(code=TT_DAK_GLEI), equipment_type=cat.radio, warehouse=cat.glei_store,
        issued_on=YESTERDAY, user=admin, item=radio, officer=chief,
    )  # fmt: skip
    city_issuance = issuance_create(
        commune=Commune.objects.get(code=QUANG_TRUNG), equipment_type=cat.radio, warehouse=cat.store,
        issued_on=YESTERDAY, user=admin, item=city_radio,
    )  # fmt: skip
    StockLevel.objects.create(warehouse=cat.glei_store, equipment_type=cat.baton, quantity=20)

    course = Course.objects.create(
        code="CAX-01", title_vi="Khóa CAX-01", title_en="Course CAX-01", subject_area=SubjectArea.LAW, hours=40,
        is_mandatory=True,
    )  # fmt: skip
    session = training_services.session_create(
        course=course, province_id=62, starts_on=TODAY - datetime.timedelta(days=5), ends_on=YESTERDAY,
        place="Trường Chính trị tỉnh Kon Tum", instructor="Thượng tá Y Nhiên", capacity=30, created_by=admin,
    )  # fmt: skip
    trainee = vet_fully(OfficerFactory(district_id=DAK_GLEI), admin)
    city_trainee = vet_fully(OfficerFactory(district_id=CITY), admin)
    enrol(session, [trainee, city_trainee], admin)
    open_session = training_services.session_create(
        course=course, province_id=62, starts_on=YESTERDAY, ends_on=TODAY + datetime.timedelta(days=2),
        place="Trường Chính trị tỉnh Kon Tum", instructor="Thượng tá Y Nhiên", capacity=30, created_by=admin,
    )  # fmt: skip
    # The officer free to assign holds the one mandatory course (the plan requires training before deployment).
    free = vet_fully(OfficerFactory(district_id=DAK_GLEI), admin)
    training_services.prior_training_record(
        officer=free, course=course, completed_on=TODAY - datetime.timedelta(days=400),
        provider="Trường Cao đẳng Cảnh sát nhân dân II", certificate_number="CSND-2025-0417", recorded_by=admin,
    )  # fmt: skip

    plan, _created = PilotPlan.objects.get_or_create(
        province_id=62,
        defaults={"name": "Kế hoạch thí điểm Kon Tum", "started_on": datetime.date(2026, 1, 1),
                  "target_on": datetime.date(2027, 6, 30)},
    )  # fmt: skip
    phase = plan_services.phase_create(
        plan=plan, user=None, number=1, name="Đợt 1", target_on=datetime.date(2027, 6, 30),
        communes=list(Commune.objects.filter(district_id=DAK_GLEI).order_by("code")[:3]),
    )  # fmt: skip
    member = plan_services.member_create(
        plan=plan, user=None, full_name="Nguyễn Văn Sơn", unit="Bộ Công an", role=CommitteeRole.HEAD
    )
    task = plan_services.task_create(
        plan=plan, user=admin, title="Lập danh sách xã", unit="Phòng Tổ chức cán bộ",
        deadline=datetime.date(2027, 1, 31),
    )  # fmt: skip

    other_province = Province.objects.create(code=99, name="Tỉnh Thử Nghiệm", kind="province")
    other_district = District.objects.create(code=990, province=other_province, name="Huyện Thử", kind="rural_district")
    other_commune = Commune.objects.create(
        code=99001, district=other_district, name="Xã Ngoài Tỉnh", kind=CommuneKind.COMMUNE
    )
    Warehouse.objects.create(province=other_province, name="Kho tỉnh khác")
    other_plan = PilotPlan.objects.create(
        province=other_province, name="Kế hoạch tỉnh khác", started_on=datetime.date(2026, 1, 1),
        target_on=datetime.date(2027, 6, 30),
    )  # fmt: skip
    other_task = plan_services.task_create(
        plan=other_plan, user=None, title="Việc tỉnh khác", unit="Phòng khác", deadline=datetime.date(2027, 1, 31)
    )
    enrollments = {e.officer_id: e for e in session.enrollments.all()}
    deployment_plan = deployment_services.deployment_plan_create(
        user=users["provincial_clerk"], province_id=62, posts=PlanPosts.CHIEFS
    )
    district_clerk = users["district_clerk"]
    district_clerk.email = "can-bo-dak-glei@example.vn"
    district_clerk.save(update_fields=["email"])
    subscription = ReportSubscription.objects.create(
        user=district_clerk, province_id=62, district_id=DAK_GLEI, frequency=SubscriptionFrequency.WEEKLY
    )
    return World(
        cat=cat,
        glei=OfficerFactory(district_id=DAK_GLEI),
        city=OfficerFactory(district_id=CITY),
        free=Officer.objects.get(pk=free.pk),
        city_free=vet_fully(OfficerFactory(district_id=CITY), admin),
        chief=chief,
        city_chief=city_chief,
        assignment=chief.assignments.get(),
        city_assignment=city_chief.assignments.get(),
        issuance=issuance,
        city_issuance=city_issuance,
        course=course,
        session=session,
        open_session=open_session,
        enrollment=enrollments[trainee.pk],
        city_enrollment=enrollments[city_trainee.pk],
        plan=plan,
        phase=phase,
        member=member,
        task=task,
        other_province=other_province,
        other_commune=other_commune,
        other_plan=other_plan,
        deployment_plan=deployment_plan,
        other_task=other_task,
        subscription=subscription,
    )


WRITABLE_MODELS = [
    Officer,
    Officer.languages.through,
    Vetting,
    Assignment,
    Commune,
    Course,
    TrainingSession,
    Enrollment,
    EquipmentItem,
    StockLevel,
    Issuance,
    Warehouse,
    PilotPlan,
    Phase,
    Phase.communes.through,
    CommitteeMember,
    Task,
    DeploymentPlan,
    DeploymentRow,
    ReportSubscription,
]


def db_state() -> dict[str, list]:
    """Every row the forms and imports can write, and the history tables: any write shows up."""
    state = {}
    for model in WRITABLE_MODELS:
        state[model._meta.label] = list(model.objects.order_by("pk").values())
        history = getattr(model, "history", None)
        if history is not None:
            state[f"{model._meta.label}.history"] = history.count()
    return state


def assert_unchanged(before: dict, after: dict) -> None:
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, f"written: {changed}"


def world_urls(world: World) -> dict[str, str]:
    """Every page of the application outside the admin and the sign-in, by URL name, with the world's own objects
    of the district clerk's district (Đắk Glei) for its arguments."""
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from accounts.models import ApiToken, User
    from accounts.tokens import token_create
    from equipment.models import Handover
    from rollout.models import ProgressSnapshot, Report

    prior = Enrollment.objects.get(officer=world.free, session__isnull=True)
    report = Report.objects.filter(province_id=62).first() or Report.objects.create(
        province_id=62, period_start=TODAY - datetime.timedelta(days=7), period_end=YESTERDAY
    )
    if not report.xlsx:
        report.xlsx.save("bao-cao.xlsx", ContentFile(xlsx(["Báo cáo"], [["Kon Tum"]])), save=True)
    handover = Handover.objects.get(pk=world.issuance.handover_id)
    officer, session, commune = world.chief.pk, world.session.pk, TT_DAK_GLEI
    deployment = world.deployment_plan.pk
    vetting = Vetting.objects.filter(officer=world.free).order_by("pk").first()
    snapshot = (
        ProgressSnapshot.objects.filter(province_id=62).first()
        or ProgressSnapshot.objects.create(
            on=YESTERDAY, province_id=62, communes=1, covered=1, staffing_norm=5, deployed=1, trained_deployed=1,
            equipped=1, operational=1,
        )
    )  # fmt: skip
    api_token = (
        ApiToken.objects.first()
        or token_create(user=User.objects.filter(district__isnull=False).first(), name="Thử", days=30)[0]
    )
    arguments = {
        "home": [], "communes:commune_list": [], "communes:commune_export": [], "communes:commune_import": [],
        "communes:commune_template": [], "communes:commune_detail": [commune],
        "personnel:officer_list": [], "personnel:officer_create": [], "personnel:officer_export": [],
        "personnel:officer_import": [], "personnel:officer_template": [], "personnel:officer_detail": [officer],
        "personnel:officer_update": [officer], "personnel:officer_vetting": [officer],
        "personnel:officer_status": [officer], "personnel:assign": [DAK_MAN],
        "personnel:assignment_end": [world.assignment.pk],
        "training:session_list": [], "training:course_list": [], "training:session_create": [],
        "training:session_detail": [session], "training:session_enrol": [world.open_session.pk],
        "training:session_results": [session], "training:session_results_import": [session],
        "training:session_close": [session], "training:session_reopen": [session],
        "training:session_roster": [session], "training:enrollment_remove": [world.enrollment.pk],
        "training:certificate_file": [world.enrollment.pk], "training:officer_enrol": [world.free.pk],
        "training:prior_training_create": [world.free.pk], "training:prior_training_remove": [prior.pk],
        "training:untrained": [], "training:refreshers": [],
        "equipment:overview": [], "equipment:shortages": [], "equipment:stock": [], "equipment:stock_export": [],
        "equipment:items_import": [], "equipment:items_template": [], "equipment:commune_equipment": [commune],
        "equipment:issuance_return": [world.issuance.pk], "equipment:issuance_lost": [world.issuance.pk],
        "equipment:issuance_receipt": [world.issuance.pk], "equipment:handover_receipt": [handover.pk],
        "dashboard:district": [DAK_GLEI],
        "plan:index": [], "plan:plan_edit": [world.plan.pk], "plan:phase_create": [],
        "plan:phase_detail": [world.phase.pk], "plan:phase_edit": [world.phase.pk], "plan:member_create": [],
        "plan:member_edit": [world.member.pk], "plan:task_list": [], "plan:task_create": [],
        "plan:task_edit": [world.task.pk], "plan:task_status": [world.task.pk],
        "reports:list": [], "reports:request": [], "reports:detail": [report.pk], "reports:status": [report.pk],
        "reports:download": [report.pk, "xlsx"], "reports:retry": [report.pk],
        "deployment:plan_list": [], "deployment:plan_create": [], "deployment:plan_detail": [deployment],
        "deployment:plan_run": [deployment], "deployment:row_lock": [deployment], "deployment:exclude": [deployment],
        "deployment:approve": [deployment], "deployment:export": [deployment],
        "alerts:index": [], "alerts:export": [], "notifications:index": [], "notifications:preferences": [],
        "accounts:tokens": [], "accounts:token_revoke": [api_token.pk],
        "api:schema": [], "api:docs": [], "api:progress": [],
        "api:province-list": [], "api:province-detail": [62], "api:district-list": [],
        "api:district-detail": [DAK_GLEI], "api:commune-list": [], "api:commune-detail": [commune],
        "api:officer-list": [], "api:officer-detail": [officer], "api:officer-vetting": [world.glei.pk],
        "api:assignment-list": [], "api:assignment-detail": [world.assignment.pk],
        "api:assignment-end": [world.assignment.pk], "api:course-list": [], "api:course-detail": [world.course.pk],
        "api:class-list": [], "api:class-detail": [session], "api:class-enrol": [world.open_session.pk],
        "api:enrolment-list": [], "api:enrolment-detail": [world.enrollment.pk], "api:equipment_type-list": [],
        "api:equipment_type-detail": [world.cat.radio.pk], "api:item-list": [],
        "api:item-detail": [world.issuance.item_id], "api:issuance-list": [],
        "api:issuance-detail": [world.issuance.pk], "api:issuance-return": [world.issuance.pk],
        "api:plan-list": [], "api:plan-detail": [world.plan.pk], "api:phase-list": [],
        "api:phase-detail": [world.phase.pk], "api:task-list": [], "api:task-detail": [world.task.pk],
        "api:report-list": [], "api:report-detail": [report.pk], "api:report-download": [report.pk, "xlsx"],
        "api:alert-list": [], "api:alert-detail": ["understaffed"], "api:class-results": [session],
        "api:vetting-list": [], "api:vetting-detail": [vetting.pk], "api:snapshot-list": [],
        "api:snapshot-detail": [snapshot.pk],
        "register:index": [], "register:xlsx": [], "register:pdf": [], "register:service_record": [officer],
        "register:service_record_pdf": [officer],
        "subscriptions:list": [], "subscriptions:create": [], "subscriptions:update": [world.subscription.pk],
        "subscriptions:delete": [world.subscription.pk],
    }  # fmt: skip
    return {name: reverse(name, args=args) for name, args in arguments.items()}
