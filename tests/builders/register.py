"""A commune's posts over several weeks, each change recorded on its own day by the services (``clock``), for the
register and service-record tests: assignments made, ended, handed over and made again, training passed and
expired, equipment issued, handed over with the post and returned.

Đắk Glei (610), Xã Đắk Man (uncovered before the pilot) and Xã Đắk Pék:

- ``d0``: A, B, C, D, E are vetted; A passes both mandatory courses (prior training; CAX-02 lasts one month);
- ``d1``: A becomes chief of Đắk Man, B an officer there; a radio is issued to A;
- ``d2``: B is transferred out (his post ends);
- ``d3``: C passes both courses; A hands the chief's post over to C (the radio passes to C);
- ``d4``: B comes back as deputy of Đắk Man (untrained: an override);
- ``d5``: C returns the radio and is recalled: Đắk Man has no chief; A becomes chief of Đắk Pék;
- ``d6``: D (one course of two) becomes chief of Đắk Man.
"""

import datetime
from dataclasses import dataclass, field

from communes.models import Commune
from equipment.models import Category, EquipmentItem, EquipmentType, Warehouse
from equipment.services import issuance_create, issuance_return
from personnel.choices import AssignmentEndReason, Post
from personnel.models import Officer
from personnel.services import assignment_create, assignment_end, assignment_hand_over
from tests.builders.clock import clock
from tests.factories import OfficerFactory, vet_fully
from training.models import Course, SubjectArea
from training.services import prior_training_record

DAK_GLEI = 610
DAK_MAN = 23347  # Xã Đắk Man (610)
DAK_PEK = 23353  # Xã Đắk Pék (610)
OVERRIDE = "Chưa có cán bộ đã tập huấn; bố trí để giữ địa bàn."


@dataclass
class Postings:
    days: list[datetime.date]  # d0 … d6
    officers: dict[str, Officer] = field(default_factory=dict)  # "A" … "E"
    courses: list[Course] = field(default_factory=list)

    @property
    def first(self) -> datetime.date:
        return self.days[0]

    @property
    def last(self) -> datetime.date:
        return self.days[-1]

    def every_day(self, before: int = 2, after: int = 40) -> list[datetime.date]:
        """Every day from ``before`` days before d0 to ``after`` days after d6 (the expiry of A's certificate)."""
        span = (self.last - self.first).days + before + after
        return [self.first + datetime.timedelta(days=n - before) for n in range(span + 1)]


def _assign(officer, code, user, post, number, day):
    return assignment_create(
        officer=officer, commune=Commune.objects.get(code=code), post=post, decision_number=number,
        decision_date=day, started_on=day, created_by=user, override_reason=OVERRIDE,
    )  # fmt: skip


def _passes(officer, courses, day, user, prefix):
    for course in courses:
        prior_training_record(
            officer=officer, course=course, completed_on=day, provider="Trường Cao đẳng Cảnh sát nhân dân II",
            certificate_number=f"{prefix}-{course.code}", recorded_by=user,
        )  # fmt: skip


START = datetime.date(2026, 3, 2)  # A's one-month certificate is valid until 02/04/2026: the day after d5


def build_postings(admin, *, start: datetime.date = START) -> Postings:
    """The history above, from ``start``."""
    d0 = start
    offsets = (0, 5, 10, 20, 25, 30, 40)
    days = [d0 + datetime.timedelta(days=n) for n in offsets]
    postings = Postings(days=days)
    d0, d1, d2, d3, d4, d5, d6 = days
    with clock(d0):
        courses = [
            Course.objects.create(code="CAX-01", title_vi="Chức năng, nhiệm vụ Công an xã",
                                  title_en="Commune police duties", subject_area=SubjectArea.COMMUNE_POLICE_DUTIES,
                                  hours=40),
            Course.objects.create(code="CAX-02", title_vi="Pháp luật", title_en="Law", subject_area=SubjectArea.LAW,
                                  hours=24, validity_months=1),
        ]  # fmt: skip
        postings.courses = courses
        for letter in "ABCDE":
            officer = OfficerFactory(full_name=f"Nguyễn Văn {letter}n", district_id=DAK_GLEI)
            postings.officers[letter] = vet_fully(officer, admin)
        a, b, c, d = (postings.officers[k] for k in "ABCD")
        _passes(a, courses, d0, admin, "A")
        radio_type = EquipmentType.objects.create(
            code="bo-dam", name="Máy bộ đàm", category=Category.COMMUNICATION, unit="chiếc"
        )
        store = Warehouse.objects.create(province_id=62, district_id=DAK_GLEI, name="Kho Công an huyện Đắk Glei")
        radio = EquipmentItem.objects.create(equipment_type=radio_type, serial_number="BD-001", warehouse=store,
                                             received_on=d0)  # fmt: skip
    with clock(d1):
        chief_a = _assign(a, DAK_MAN, admin, Post.CHIEF, "01/QĐ-CAH", d1)
        officer_b = _assign(b, DAK_MAN, admin, Post.OFFICER, "02/QĐ-CAH", d1)
        issuance = issuance_create(commune=Commune.objects.get(code=DAK_MAN), equipment_type=radio_type,
                                   warehouse=store, issued_on=d1, user=admin, item=radio, officer=a)  # fmt: skip
    with clock(d2):
        assignment_end(assignment=officer_b, ended_on=d2, reason=AssignmentEndReason.TRANSFER, user=admin)
    with clock(d3):
        _passes(c, courses, d3, admin, "C")
        chief_c = assignment_hand_over(
            assignment=chief_a, successor=c, ended_on=d3, reason=AssignmentEndReason.TRANSFER,
            decision_number="03/QĐ-CAH", decision_date=d3, user=admin,
        )  # fmt: skip
    with clock(d4):
        _assign(b, DAK_MAN, admin, Post.DEPUTY, "04/QĐ-CAH", d4)
    with clock(d5):
        issuance_return(issuance=issuance, returned_on=d5, condition="good", user=admin)
        assignment_end(assignment=chief_c, ended_on=d5, reason=AssignmentEndReason.OTHER, note="Đi học", user=admin)
        _assign(Officer.objects.get(pk=a.pk), DAK_PEK, admin, Post.CHIEF, "05/QĐ-CAH", d5)
    with clock(d6 - datetime.timedelta(days=2)):
        _passes(d, courses[:1], d6 - datetime.timedelta(days=2), admin, "D")
    with clock(d6):
        _assign(d, DAK_MAN, admin, Post.CHIEF, "06/QĐ-CAH", d6)
    postings.officers = {k: Officer.objects.get(pk=o.pk) for k, o in postings.officers.items()}
    return postings
