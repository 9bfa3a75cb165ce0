"""Demo training for Kon Tum: a realistic course catalogue, past classes with results for the ready and deployed
officers (a few deployed officers still miss a mandatory course, a few refreshers fall due), and a class in
progress for the officers in training. Idempotent."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.services import KON_TUM
from personnel.choices import OfficerStatus
from personnel.demo import DEMO_PREFIX
from personnel.models import Officer
from rollout.core.figures_cache import figures_changed

from .models import Course, Enrollment, SubjectArea, TrainingSession, valid_until

CATALOGUE = [
    # code, Vietnamese title, English title, area, hours, mandatory, validity (months)
    ("CAX-01", "Chức năng, nhiệm vụ, quyền hạn của Công an xã", "Functions, duties and powers of commune police",
     SubjectArea.COMMUNE_POLICE_DUTIES, 40, True, 0),
    ("CAX-02", "Kỹ năng công tác Công an xã", "Commune police work skills", SubjectArea.WORK_SKILLS, 60, True, 24),
    ("CAX-03", "Nghiệp vụ quản lý hành chính về trật tự xã hội", "Administrative management of social order",
     SubjectArea.PROFESSIONAL_OPERATIONS, 80, True, 36),
    ("CAX-04", "Bồi dưỡng kiến thức chính trị", "Political knowledge", SubjectArea.POLITICAL_KNOWLEDGE, 40, True, 24),
    ("CAX-05", "Pháp luật về an ninh, trật tự ở cơ sở", "Law on security and order at the grassroots",
     SubjectArea.LAW, 40, True, 24),
    ("CAX-06", "Văn hóa, phong tục đồng bào dân tộc thiểu số Tây Nguyên",
     "Culture and customs of the Central Highlands' ethnic minorities", SubjectArea.CULTURE_SOCIETY, 24, True, 0),
    ("CAX-07", "Tiếng Xơ Đăng giao tiếp", "Conversational Xơ Đăng", SubjectArea.CULTURE_SOCIETY, 60, False, 0),
    ("CAX-08", "Tiếng Ba Na giao tiếp", "Conversational Ba Na", SubjectArea.CULTURE_SOCIETY, 60, False, 0),
    ("CAX-09", "Võ thuật và sử dụng công cụ hỗ trợ", "Martial arts and use of support tools",
     SubjectArea.PROFESSIONAL_OPERATIONS, 40, False, 12),
    ("CAX-10", "Vận động quần chúng, phong trào Toàn dân bảo vệ an ninh Tổ quốc",
     "Mobilising the people for the national security movement", SubjectArea.WORK_SKILLS, 24, False, 0),
]  # fmt: skip
CLASS_SIZE = 50


def demo_catalogue_create() -> list[Course]:
    for code, title_vi, title_en, area, hours, mandatory, validity in CATALOGUE:
        Course.objects.get_or_create(
            code=code,
            defaults={"title_vi": title_vi, "title_en": title_en, "subject_area": area, "hours": hours,
                      "is_mandatory": mandatory, "validity_months": validity},
        )  # fmt: skip
    return list(Course.objects.filter(code__in=[c[0] for c in CATALOGUE]))


@transaction.atomic
def demo_training_create(*, created_by) -> int:
    """Classes and results for the demo roster; returns the number of enrolments created (0 if already there)."""
    courses = demo_catalogue_create()
    if TrainingSession.objects.filter(province_id=KON_TUM).exists():
        return 0
    today = timezone.localdate()
    officers = list(Officer.objects.filter(police_number__startswith=DEMO_PREFIX).order_by("police_number"))
    trained = [o for o in officers if o.status in (OfficerStatus.READY, OfficerStatus.DEPLOYED)]
    in_training = [o for o in officers if o.status == OfficerStatus.IN_TRAINING]
    # Every tenth deployed officer has not yet passed the law course (CAX-05): the "untrained" list shows them.
    missing_law = {o.pk for o in trained if o.status == OfficerStatus.DEPLOYED and o.pk % 10 == 0}
    mandatory = [c for c in courses if c.is_mandatory]

    sessions, enrollments = [], []
    for index, course in enumerate(sorted(mandatory, key=lambda c: c.code)):
        attendees = [o for o in trained if not (course.code == "CAX-05" and o.pk in missing_law)]
        # CAX-02 was taken long ago, so its two-year validity runs out within the next 60 days.
        ends_on = today - datetime.timedelta(days=680 if course.code == "CAX-02" else 300 - 30 * index)
        starts_on = ends_on - datetime.timedelta(days=max(course.hours // 8, 1) - 1)
        for group_start in range(0, len(attendees), CLASS_SIZE):
            group = attendees[group_start : group_start + CLASS_SIZE]
            session = TrainingSession(
                course=course, province_id=KON_TUM, starts_on=starts_on, ends_on=ends_on, capacity=CLASS_SIZE,
                place="Trường Chính trị tỉnh Kon Tum", instructor="Phòng Tham mưu, Công an tỉnh", results_closed=True,
                created_by=created_by,
            )  # fmt: skip
            sessions.append((session, group, course))
    current = mandatory[0] if mandatory else None
    if current is not None:
        for group_start in range(0, len(in_training), CLASS_SIZE):
            session = TrainingSession(
                course=current, province_id=KON_TUM, starts_on=today - datetime.timedelta(days=3),
                ends_on=today + datetime.timedelta(days=4), capacity=CLASS_SIZE, place="Công an tỉnh Kon Tum",
                instructor="Phòng Tham mưu, Công an tỉnh", created_by=created_by,
            )  # fmt: skip
            sessions.append((session, in_training[group_start : group_start + CLASS_SIZE], None))
    bulk_create_with_history([s for s, _g, _c in sessions], TrainingSession, default_user=created_by)

    numbers: dict[str, int] = {}
    for session, group, passed_course in sessions:
        for officer in group:
            enrollment = Enrollment(
                session=session, officer=officer, course=session.course, starts_on=session.starts_on,
                ends_on=session.ends_on, enrolled_by=created_by,
            )  # fmt: skip
            if passed_course is not None:
                prefix = f"{passed_course.code}-{session.ends_on.year}-"
                numbers[prefix] = numbers.get(prefix, 0) + 1
                enrollment.attended = True
                enrollment.score = Decimal(6 + (officer.pk * 7 + session.course_id) % 40 / 10).quantize(Decimal("0.1"))
                enrollment.passed = True
                enrollment.certificate_number = f"{prefix}{numbers[prefix]:05d}"
                enrollment.valid_until = valid_until(passed_course, session.ends_on)
                enrollment.result_recorded_by = created_by
            enrollments.append(enrollment)
    bulk_create_with_history(enrollments, Enrollment, batch_size=1000, default_user=created_by)
    figures_changed()  # enrolments written in bulk, past the signals: every commune's stored state
    return len(enrollments)
