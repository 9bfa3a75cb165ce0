"""A factory_boy factory for every model of the project's apps; each builds a row that passes ``full_clean()``.

People, classes and stores belong to Kon Tum (province 62) as in the demo: load its divisions first (the
``kon_tum`` fixture). Factories of administrative units make new units, with codes far from the GSO's, inside
Kon Tum when a unit of Kon Tum is needed. ``user_with_role`` and ``vet_fully`` are the helpers most tests use."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import ApiToken, ExportRecord, User
from accounts.roles import Role
from communes.models import Commune, CommuneKind, District, DistrictKind, Province, ProvinceKind
from equipment.models import (
    AllocationStandard,
    Category,
    EquipmentItem,
    EquipmentType,
    Handover,
    HandoverKind,
    Issuance,
    ItemStatus,
    StockLevel,
    Warehouse,
)
from personnel.ages import years_before
from personnel.choices import OfficerStatus, Post, VettingCriterion
from personnel.models import Assignment, Language, Officer, Vetting
from rollout.core.import_jobs import ImportJob, ImportJobStatus
from rollout.core.outbox import OutboxMessage
from rollout.models import (
    CommitteeMember,
    CommitteeRole,
    CommuneState,
    DeploymentPlan,
    DeploymentRow,
    Digest,
    Notification,
    NotificationPreference,
    Phase,
    PilotPlan,
    PlanPosts,
    ProgressSnapshot,
    Report,
    ReportDelivery,
    ReportSubscription,
    SubscriptionFrequency,
    Task,
)
from training.models import Course, Enrollment, TrainingSession

PASSWORD = "correct-horse-battery"
KON_TUM = 62


def _days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _years_ago(years: int) -> datetime.date:
    return years_before(timezone.localdate(), years) - datetime.timedelta(days=10)


class UserFactory(factory.django.DjangoModelFactory):
    """A user without a unit; ``role=Role.X.value`` puts them in the role's group."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Văn"
    last_name = "Nguyễn"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def user_with_role(role: Role | None, **kwargs) -> User:
    """A user holding ``role`` (None: signed in, but with no role at all)."""
    name = (role.name.lower() if role else "norole") + "_" + kwargs.pop("suffix", "user")
    return UserFactory(username=name, role=role.value if role else None, **kwargs)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A user's API token valid for 30 days; its key is not kept (``accounts.tokens.token_create`` gives one)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "Hệ thống GIS"
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
    prefix = factory.Sequence(lambda n: f"cax_{n:04d}"[:12])
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class ExportRecordFactory(factory.django.DjangoModelFactory):
    """A download of the officer list with the identifiers masked."""

    class Meta:
        model = ExportRecord

    user = factory.SubFactory(UserFactory)
    what = "Danh sách cán bộ"
    file_name = "can-bo.xlsx"
    rows = 12
    identifiers_shown = False
    query = "status=candidate"
    ip_address = "127.0.0.1"


class ProvinceFactory(factory.django.DjangoModelFactory):
    """A new province (codes from 900: the GSO's end at 96); ``code=62`` gives Kon Tum when it is loaded."""

    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: 900 + n)
    name = factory.Sequence(lambda n: f"Tỉnh Thử {n}")
    kind = ProvinceKind.PROVINCE


class DistrictFactory(factory.django.DjangoModelFactory):
    """A new rural district (codes from 9000), of a new province unless ``province`` is given."""

    class Meta:
        model = District

    code = factory.Sequence(lambda n: 9000 + n)
    province = factory.SubFactory(ProvinceFactory)
    name = factory.Sequence(lambda n: f"Huyện Thử {n}")
    kind = DistrictKind.RURAL_DISTRICT


class CommuneFactory(factory.django.DjangoModelFactory):
    """A new uncovered commune (codes from 900000), of a new district unless ``district`` is given."""

    class Meta:
        model = Commune

    code = factory.Sequence(lambda n: 900_000 + n)
    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Xã Thử {n}")
    kind = CommuneKind.COMMUNE
    population = 5000


class KonTumCommuneFactory(CommuneFactory):
    """A new commune in a new district of Kon Tum (load Kon Tum first)."""

    district = factory.SubFactory(
        DistrictFactory, province=factory.LazyFunction(lambda: Province.objects.get(code=KON_TUM))
    )


class LanguageFactory(factory.django.DjangoModelFactory):
    """An ethnic-minority language (the data migration adds the real ones)."""

    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ngon-ngu-{n}")
    name = factory.Sequence(lambda n: f"Tiếng Thử {n}")
    is_ethnic_minority = True


class OfficerFactory(factory.django.DjangoModelFactory):
    """An officer of Kon Tum (load the divisions first), 30 years old, Thượng úy, a candidate."""

    class Meta:
        model = Officer

    police_number = factory.Sequence(lambda n: f"{100 + n // 1000:03d}-{n % 1000:03d}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    birth_date = factory.LazyFunction(lambda: _years_ago(30))
    gender = "male"
    ethnicity = "kinh"
    rank = 6  # Thượng úy
    current_unit = "Phòng Cảnh sát QLHC về TTXH"
    province_id = KON_TUM
    district_id = None
    education = "university"
    political_theory = "intermediate"
    phone = "0912345678"
    status = "candidate"


def vet_fully(officer, user):
    """Record every vetting criterion as passed (the officer becomes vetted)."""
    from personnel.services import VettingDecision, vetting_record

    return vetting_record(
        officer=officer,
        decisions=[VettingDecision(criterion=c, passed=True) for c in VettingCriterion.values],
        decided_by=user,
    )


class VettingFactory(factory.django.DjangoModelFactory):
    """One passed criterion, decided today (``vet_fully`` records them all through the service)."""

    class Meta:
        model = Vetting

    officer = factory.SubFactory(OfficerFactory)
    criterion = VettingCriterion.values[0]
    passed = True
    decided_by = factory.SubFactory(UserFactory)
    decided_on = factory.LazyFunction(timezone.localdate)


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A deployed officer of Kon Tum holding an officer's post in a new commune of Kon Tum since two days ago
    (``assignment_create`` is the service that checks the rules and settles the statuses)."""

    class Meta:
        model = Assignment

    officer = factory.SubFactory(OfficerFactory, status=OfficerStatus.DEPLOYED)
    commune = factory.SubFactory(KonTumCommuneFactory)
    province = factory.SelfAttribute("commune.district.province")
    post = Post.OFFICER
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-CAT")
    decision_date = factory.LazyFunction(lambda: _days_from_today(-3))
    started_on = factory.LazyFunction(lambda: _days_from_today(-2))
    created_by = factory.SubFactory(UserFactory)


class CourseFactory(factory.django.DjangoModelFactory):
    """A mandatory, active course that never expires."""

    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"MH-{n:02d}")
    title_vi = factory.Sequence(lambda n: f"Môn học {n}")
    title_en = factory.Sequence(lambda n: f"Course {n}")
    subject_area = "commune_police_duties"
    hours = 40
    is_mandatory = True
    validity_months = 0


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    """A class of Kon Tum that ran from five days ago until yesterday."""

    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    province_id = KON_TUM
    starts_on = factory.LazyFunction(lambda: _days_from_today(-5))
    ends_on = factory.LazyFunction(lambda: _days_from_today(-1))
    place = "Trường Chính trị tỉnh Kon Tum"
    instructor = "Nguyễn Văn Giảng"
    capacity = 30
    created_by = factory.SubFactory(UserFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An officer's seat in a class, with no result yet (``attended=True, passed=True`` for a pass); the course
    and dates are the class's, as the service copies them."""

    class Meta:
        model = Enrollment

    session = factory.SubFactory(TrainingSessionFactory)
    officer = factory.SubFactory(OfficerFactory)
    course = factory.SelfAttribute("session.course")
    starts_on = factory.SelfAttribute("session.starts_on")
    ends_on = factory.SelfAttribute("session.ends_on")
    enrolled_by = factory.SelfAttribute("session.created_by")


class PriorTrainingFactory(factory.django.DjangoModelFactory):
    """Prior or external training a clerk recorded: no class, a passed course completed a year ago, with its
    provider and certificate."""

    class Meta:
        model = Enrollment

    session = None
    officer = factory.SubFactory(OfficerFactory)
    course = factory.SubFactory(CourseFactory)
    starts_on = factory.LazyFunction(lambda: _days_from_today(-365))
    ends_on = factory.SelfAttribute("starts_on")
    attended = True
    passed = True
    certificate_number = factory.Sequence(lambda n: f"CC-TRUOC-{n:05d}")
    provider = "Học viện Cảnh sát nhân dân"
    enrolled_by = factory.SubFactory(UserFactory)


class EquipmentTypeFactory(factory.django.DjangoModelFactory):
    """A serial-numbered communication device (``is_serialized=False`` for one counted by quantity)."""

    class Meta:
        model = EquipmentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"trang-bi-{n}")
    name = factory.Sequence(lambda n: f"Trang bị thử {n}")
    category = Category.COMMUNICATION
    unit = "chiếc"
    is_serialized = True


class AllocationStandardFactory(factory.django.DjangoModelFactory):
    """The default standard of a new type: three per commune."""

    class Meta:
        model = AllocationStandard

    equipment_type = factory.SubFactory(EquipmentTypeFactory)
    commune_kind = ""
    commune = None
    quantity = 3


class WarehouseFactory(factory.django.DjangoModelFactory):
    """A provincial store of Kon Tum."""

    class Meta:
        model = Warehouse

    name = factory.Sequence(lambda n: f"Kho thử {n}")
    province_id = KON_TUM
    district = None


class EquipmentItemFactory(factory.django.DjangoModelFactory):
    """A unit in stock, received yesterday."""

    class Meta:
        model = EquipmentItem

    equipment_type = factory.SubFactory(EquipmentTypeFactory)
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")
    warehouse = factory.SubFactory(WarehouseFactory)
    status = ItemStatus.IN_STOCK
    received_on = factory.LazyFunction(lambda: _days_from_today(-1))


class StockLevelFactory(factory.django.DjangoModelFactory):
    """Ten units of a new type counted by quantity, in a new store."""

    class Meta:
        model = StockLevel

    warehouse = factory.SubFactory(WarehouseFactory)
    equipment_type = factory.SubFactory(EquipmentTypeFactory, is_serialized=False)
    quantity = 10


class IssuanceFactory(factory.django.DjangoModelFactory):
    """A serial-numbered unit held by a new commune of Kon Tum since today (``issuance_create`` is the service
    that moves the stock)."""

    class Meta:
        model = Issuance

    item = factory.SubFactory(EquipmentItemFactory, status=ItemStatus.ISSUED)
    equipment_type = factory.SelfAttribute("item.equipment_type")
    warehouse = factory.SelfAttribute("item.warehouse")
    quantity = 1
    commune = factory.SubFactory(KonTumCommuneFactory)
    issued_on = factory.LazyFunction(timezone.localdate)
    issued_by = factory.SubFactory(UserFactory)


class HandoverFactory(factory.django.DjangoModelFactory):
    """A hand-over record (one receipt) of a new commune of Kon Tum, from a provincial warehouse, today; the
    services make them as issuances and returns are recorded."""

    class Meta:
        model = Handover

    kind = HandoverKind.ISSUE
    commune = factory.SubFactory(KonTumCommuneFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    handed_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(UserFactory)


class PilotPlanFactory(factory.django.DjangoModelFactory):
    """The plan of a new province (one plan per province), started a month ago, for a year."""

    class Meta:
        model = PilotPlan

    province = factory.SubFactory(ProvinceFactory)
    name = factory.LazyAttribute(lambda plan: f"Kế hoạch thí điểm {plan.province.name}")
    started_on = factory.LazyFunction(lambda: _days_from_today(-30))
    target_on = factory.LazyFunction(lambda: _days_from_today(335))


class PhaseFactory(factory.django.DjangoModelFactory):
    """A numbered phase of a plan, due in three months, without communes yet."""

    class Meta:
        model = Phase

    plan = factory.SubFactory(PilotPlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Giai đoạn {n + 1}")
    target_on = factory.LazyFunction(lambda: _days_from_today(90))


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    """An active member of the Steering Committee with an e-mail address."""

    class Meta:
        model = CommitteeMember

    plan = factory.SubFactory(PilotPlanFactory)
    full_name = factory.Sequence(lambda n: f"Trần Văn Ủy {n}")
    unit = "Công an tỉnh"
    role = CommitteeRole.MEMBER
    email = factory.Sequence(lambda n: f"uy-vien{n}@example.vn")


class TaskFactory(factory.django.DjangoModelFactory):
    """An open task of a plan, due in two weeks."""

    class Meta:
        model = Task

    plan = factory.SubFactory(PilotPlanFactory)
    title = factory.Sequence(lambda n: f"Nhiệm vụ {n}")
    unit = "Phòng Tham mưu"
    deadline = factory.LazyFunction(lambda: _days_from_today(14))
    created_by = factory.SubFactory(UserFactory)


class ProgressSnapshotFactory(factory.django.DjangoModelFactory):
    """Yesterday's figures of a new province, consistent with one another."""

    class Meta:
        model = ProgressSnapshot

    on = factory.LazyFunction(lambda: _days_from_today(-1))
    province = factory.SubFactory(ProvinceFactory)
    communes = 102
    covered = 48
    staffing_norm = 510
    deployed = 30
    trained_deployed = 20
    equipped = 10
    operational = 5


class ReportFactory(factory.django.DjangoModelFactory):
    """A waiting report of last week for a new province."""

    class Meta:
        model = Report

    province = factory.SubFactory(ProvinceFactory)
    period_start = factory.LazyFunction(lambda: _days_from_today(-7))
    period_end = factory.LazyFunction(lambda: _days_from_today(-1))


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    """A task waiting in the outbox (``rollout.core.outbox.outbox_enqueue`` writes them), never sent yet."""

    class Meta:
        model = OutboxMessage

    task = "rollout.produce_report"
    kwargs = factory.Sequence(lambda n: {"report_id": n + 1})
    key = factory.Sequence(lambda n: f"report:{n + 1}")


class ImportJobFactory(factory.django.DjangoModelFactory):
    """An administrator's commune import being checked by the worker: 5 of its 20 rows done, its file not kept."""

    class Meta:
        model = ImportJob

    token = factory.Sequence(lambda n: f"import-job-token-{n:08d}")
    view = "communes.views.CommuneImportView"
    user = factory.SubFactory(UserFactory, role=Role.ADMINISTRATOR.value)
    language = "vi"
    status = ImportJobStatus.RUNNING
    rows_total = 20
    rows_done = 5
    attempts = 1
    queued_at = factory.LazyFunction(timezone.now)
    heartbeat_at = factory.LazyFunction(timezone.now)


class CommuneStateFactory(factory.django.DjangoModelFactory):
    """A state of a new commune of Kon Tum as ``rollout.progress.states`` keeps it (the writes refresh it:
    ``commune_states_refresh``; this one sets it, for reading tests)."""

    class Meta:
        model = CommuneState

    commune = factory.SubFactory(KonTumCommuneFactory)
    on = factory.LazyFunction(timezone.localdate)
    is_covered = False
    norm = 5
    officers_deployed = 0
    officers_untrained = 0
    is_equipped = False
    is_staffed = False
    is_operational = False

    @classmethod
    def _create(cls, model_class, *args, commune, **kwargs):
        # Saving the commune already refreshed its state: this row replaces it.
        return model_class.objects.update_or_create(commune=commune, defaults=kwargs)[0]


class DeploymentPlanFactory(factory.django.DjangoModelFactory):
    """A draft deployment plan of a new province's chiefs, not run yet (``rollout.deployment.services`` makes and
    runs real ones)."""

    class Meta:
        model = DeploymentPlan

    province = factory.SubFactory(ProvinceFactory)
    posts = PlanPosts.CHIEFS
    starts_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SubFactory(UserFactory)


class DeploymentRowFactory(factory.django.DjangoModelFactory):
    """A post left empty in a plan of Kon Tum."""

    class Meta:
        model = DeploymentRow

    plan = factory.SubFactory(DeploymentPlanFactory, province_id=62)
    commune = factory.SubFactory(KonTumCommuneFactory)
    post = Post.CHIEF
    unfilled_reason = "Không có cán bộ"


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    """A user's choice of a weekly digest of every alert kind."""

    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    frequency = "weekly"


class DigestFactory(factory.django.DjangoModelFactory):
    """Today's daily digest of a user, made, not sent yet."""

    class Meta:
        model = Digest

    user = factory.SubFactory(UserFactory)
    period = factory.LazyFunction(lambda: timezone.localdate().isoformat())
    frequency = "daily"


class NotificationFactory(factory.django.DjangoModelFactory):
    """An unread notice."""

    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    title = "Bản tin triển khai"
    url = "/alerts/"


class ReportSubscriptionFactory(factory.django.DjangoModelFactory):
    """A provincial clerk's weekly subscription to Kon Tum's report, Excel and PDF (``rollout.subscriptions.services``
    makes them with their rules)."""

    class Meta:
        model = ReportSubscription

    user = factory.SubFactory(
        UserFactory, role=Role.PROVINCIAL_CLERK.value, province_id=KON_TUM,
        email=factory.Sequence(lambda n: f"can-bo{n}@example.vn"),
    )  # fmt: skip
    province_id = KON_TUM
    frequency = SubscriptionFrequency.WEEKLY


class ReportDeliveryFactory(factory.django.DjangoModelFactory):
    """A waiting delivery of a past week's report of Kon Tum (each row another week) to a subscriber."""

    class Meta:
        model = ReportDelivery

    subscription = factory.SubFactory(ReportSubscriptionFactory)
    report = factory.SubFactory(
        ReportFactory, province_id=KON_TUM,
        period_start=factory.Sequence(lambda n: _days_from_today(-7 * (n + 2))),
        period_end=factory.LazyAttribute(lambda report: report.period_start + datetime.timedelta(days=6)),
    )  # fmt: skip
    period_start = factory.SelfAttribute("report.period_start")
    period_end = factory.SelfAttribute("report.period_end")
