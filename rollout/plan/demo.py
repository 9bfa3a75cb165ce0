"""Demo plan for Kon Tum: the pilot plan, three phases over the 54 communes the article counts as uncovered, the
Steering Committee the article describes, and about ten committee tasks in mixed statuses, some overdue.

The head of the committee is the Deputy Minister named in the article (Trung tướng Nguyễn Văn Sơn); the other
members' names are illustrative, their units real, their e-mail addresses ``@demo.invalid``. Phases and tasks
say in their notes that they are demo data. Idempotent: a second run changes nothing (what already exists, even
if edited since, is left alone).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from communes.models import Commune
from communes.services import KON_TUM
from rollout.models import CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.plan import services

DEMO_STAFFING_NORM = 4  # the demo plan's default: a chief, a deputy and two officers
DEMO_NOTE = "Dữ liệu minh họa (demo), không phải số liệu chính thức."
DEMO_EMAIL_DOMAIN = "demo.invalid"

# Waves by district (GSO codes): the accessible districts first, the remote mountain districts last.
PHASES = [
    (1, "Đợt 1: các xã vùng trung tâm, giao thông thuận lợi (Đắk Hà, Đắk Tô, Ngọc Hồi)", [615, 612, 611]),
    (2, "Đợt 2: các xã huyện Sa Thầy, Kon Rẫy, Kon Plông", [616, 614, 613]),
    (3, "Đợt 3: các xã vùng sâu, vùng xa (Đắk Glei, Tu Mơ Rông)", [610, 617]),
]

MINISTRY_MOVEMENT = "Cục Xây dựng phong trào bảo vệ an ninh Tổ quốc, Bộ Công an"
PROVINCE_POLICE = "Công an tỉnh Kon Tum"

# (full name, unit, role, standing body, e-mail local part)
MEMBERS = [
    ("Nguyễn Văn Sơn", "Thứ trưởng Bộ Công an", CommitteeRole.HEAD, False, "nguyenvanson"),
    ("Trần Quốc Hưng", f"Cục trưởng, {MINISTRY_MOVEMENT}", CommitteeRole.DEPUTY_HEAD, True, "tranquochung"),
    ("Lê Văn Tuấn", f"Giám đốc {PROVINCE_POLICE}", CommitteeRole.DEPUTY_HEAD, False, "levantuan"),
    ("Phạm Thị Thu Hà", f"Phó Cục trưởng, {MINISTRY_MOVEMENT}", CommitteeRole.STANDING, True, "phamthithuha"),
    (
        "Đỗ Minh Khoa",
        f"Trưởng phòng Hướng dẫn xây dựng lực lượng, {MINISTRY_MOVEMENT}",
        CommitteeRole.STANDING,
        True,
        "dominhkhoa",
    ),  # fmt: skip
    ("Hoàng Văn Long", "Cục Tổ chức cán bộ, Bộ Công an", CommitteeRole.MEMBER, False, "hoangvanlong"),
    ("Vũ Thị Lan", "Cục Đào tạo, Bộ Công an", CommitteeRole.MEMBER, False, "vuthilan"),
    ("Ngô Đức Thắng", "Cục Kế hoạch và tài chính, Bộ Công an", CommitteeRole.MEMBER, False, "ngoducthang"),
    ("Bùi Văn Nam", "Cục Trang bị và kho vận, Bộ Công an", CommitteeRole.MEMBER, False, "buivannam"),
    ("Nguyễn Thị Hồng", f"Phó Giám đốc {PROVINCE_POLICE}", CommitteeRole.MEMBER, False, "nguyenthihong"),
    ("A Thút", f"Trưởng phòng Tổ chức cán bộ, {PROVINCE_POLICE}", CommitteeRole.MEMBER, False, "athut"),
    (
        "Y Blơng",
        f"Trưởng phòng Xây dựng phong trào bảo vệ an ninh Tổ quốc, {PROVINCE_POLICE}",
        CommitteeRole.MEMBER,
        False,
        "yblong",
    ),  # fmt: skip
    ("Trịnh Văn Phúc", f"Trưởng phòng Hậu cần, {PROVINCE_POLICE}", CommitteeRole.MEMBER, False, "trinhvanphuc"),
]

UNIT_ORGANISATION = f"Phòng Tổ chức cán bộ, {PROVINCE_POLICE}"
UNIT_MOVEMENT = f"Phòng Xây dựng phong trào bảo vệ an ninh Tổ quốc, {PROVINCE_POLICE}"
UNIT_LOGISTICS = f"Phòng Hậu cần, {PROVINCE_POLICE}"
UNIT_TRAINING = "Cục Đào tạo, Bộ Công an"
UNIT_STAFF = f"Phòng Tham mưu, {PROVINCE_POLICE}"

# (title, unit, days after the plan's start for the deadline, status, days after the start it was completed)
TASKS = [
    ("Ban hành Kế hoạch thực hiện thí điểm và Quyết định thành lập Ban Chỉ đạo", MINISTRY_MOVEMENT, 14,
     TaskStatus.DONE, 10),
    ("Rà soát, lập danh sách 54 xã chưa bố trí Công an xã chính quy", UNIT_MOVEMENT, 21, TaskStatus.DONE, 20),
    ("Lựa chọn, thẩm tra cán bộ đủ phẩm chất, năng lực, độ tuổi bố trí về xã đợt 1", UNIT_ORGANISATION, 45,
     TaskStatus.IN_PROGRESS, None),
    ("Tổ chức lớp tập huấn nghiệp vụ Công an xã cho cán bộ đợt 1", UNIT_TRAINING, 50, TaskStatus.OPEN, None),
    ("Trang cấp phương tiện giao thông, thông tin liên lạc, công cụ hỗ trợ cho Công an xã đợt 1", UNIT_LOGISTICS,
     60, TaskStatus.IN_PROGRESS, None),
    ("Tuyên truyền, tạo đồng thuận của cấp ủy, chính quyền và nhân dân các xã đợt 1", UNIT_MOVEMENT, 30,
     TaskStatus.DONE, 35),
    ("Bố trí nơi làm việc, nơi ăn nghỉ cho Công an xã chính quy tại các xã đợt 1", UNIT_LOGISTICS, 75,
     TaskStatus.OPEN, None),
    ("Xây dựng báo cáo sơ kết tháng đầu thực hiện thí điểm", UNIT_STAFF, 40, TaskStatus.OPEN, None),
    ("Khảo sát địa bàn, ngôn ngữ dân tộc thiểu số tại các xã đợt 2 và đợt 3", UNIT_MOVEMENT, 100, TaskStatus.OPEN,
     None),
    ("Dự toán kinh phí thực hiện thí điểm năm 2027", "Cục Kế hoạch và tài chính, Bộ Công an", 90,
     TaskStatus.CANCELLED, None),
]  # fmt: skip


def _phase_targets(plan: PilotPlan) -> list[datetime.date]:
    """Three target dates spread over the plan: a third, two thirds of the way, and the plan's target."""
    span = (plan.target_on - plan.started_on).days
    return [plan.started_on + datetime.timedelta(days=span * k // 3) for k in (1, 2)] + [plan.target_on]


def _demo_phases(plan: PilotPlan, user) -> int:
    uncovered = list(
        Commune.objects.filter(district__province_id=plan.province_id, baseline_covered_on__isnull=True)
        .order_by("district_id", "code")
        .values_list("code", "district_id")
    )
    placed = {district for _number, _name, districts in PHASES for district in districts}
    created = 0
    for (number, name, districts), target_on in zip(PHASES, _phase_targets(plan), strict=True):
        if Phase.objects.filter(plan=plan, number=number).exists():
            continue
        last = number == len(PHASES)
        codes = [code for code, district in uncovered if district in districts or (last and district not in placed)]
        taken = set(Phase.communes.through.objects.filter(phase__plan=plan).values_list("commune_id", flat=True))
        services.phase_create(
            plan=plan, user=user, number=number, name=name, target_on=target_on,
            communes=[code for code in codes if code not in taken], note=DEMO_NOTE,
        )  # fmt: skip
        created += 1
    return created


def _demo_members(plan: PilotPlan, user) -> int:
    existing = set(CommitteeMember.objects.filter(plan=plan).values_list("full_name", flat=True))
    has_head = CommitteeMember.objects.filter(plan=plan, role=CommitteeRole.HEAD, is_active=True).exists()
    created = 0
    for full_name, unit, role, standing, mailbox in MEMBERS:
        if full_name in existing or (role == CommitteeRole.HEAD and has_head):
            continue
        services.member_create(
            plan=plan, user=user, full_name=full_name, unit=unit, role=role, is_standing_body=standing,
            email=f"{mailbox}@{DEMO_EMAIL_DOMAIN}",
        )  # fmt: skip
        created += 1
    return created


def _demo_tasks(plan: PilotPlan, user) -> int:
    existing = set(Task.objects.filter(plan=plan).values_list("title", flat=True))
    today = timezone.localdate()
    created = 0
    for title, unit, deadline_days, status, completed_days in TASKS:
        if title in existing:
            continue
        completed_on = None
        if status == TaskStatus.DONE:
            completed_on = min(plan.started_on + datetime.timedelta(days=completed_days), today)
        services.task_create(
            plan=plan, user=user, title=title, unit=unit,
            deadline=plan.started_on + datetime.timedelta(days=deadline_days), status=status,
            notes=DEMO_NOTE, completed_on=completed_on,
        )  # fmt: skip
        created += 1
    return created


def demo_plan_apply() -> PilotPlan:
    """Kon Tum's demo pilot plan, created with its dates and default staffing norm unless it exists (the roster
    posts officers within its dates, so it comes first)."""
    plan, _created = PilotPlan.objects.get_or_create(
        province_id=KON_TUM,
        defaults={
            "name": "Kế hoạch thí điểm bố trí Công an chính quy đảm nhiệm chức danh Công an xã tỉnh Kon Tum",
            "started_on": datetime.date(2026, 10, 1),
            "target_on": datetime.date(2027, 6, 30),
            "default_staffing_norm": DEMO_STAFFING_NORM,
        },
    )
    return plan


@transaction.atomic
def demo_plan_create(*, user) -> dict[str, int]:
    """Make sure Kon Tum's demo plan has its phases, committee and tasks; returns how many of each were created
    (all zero on a second run)."""
    plan = demo_plan_apply()
    plan = PilotPlan.objects.select_related("province").get(pk=plan.pk)
    return {
        "phases": _demo_phases(plan, user),
        "members": _demo_members(plan, user),
        "tasks": _demo_tasks(plan, user),
    }
