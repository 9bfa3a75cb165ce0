"""Shared data for the snapshot and report tests: Kon Tum with the demo baseline, a plan, a committee, tasks,
a phase, and chiefs posted in uncovered communes on known days; and readers of the report's files."""

import datetime
import io

from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from communes.models import Commune
from personnel.choices import Post
from personnel.services import assignment_create
from rollout.models import CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.progress.figures import district_table, figures
from rollout.reports.content import HEADLINE
from tests.factories import OfficerFactory, vet_fully

TODAY = timezone.localdate()
PLAN_START = TODAY - datetime.timedelta(days=35)
DAK_MAN = 23347  # Xã Đắk Man, Huyện Đắk Glei (uncovered in the demo baseline)
DAK_PEK = 23353  # Xã Đắk Pék, Huyện Đắk Glei
EARLY = TODAY - datetime.timedelta(days=30)  # Đắk Man's chief starts then
LATE = TODAY - datetime.timedelta(days=3)  # Đắk Pék's chief starts then


def post_chief(commune_code: int, started_on: datetime.date, user) -> None:
    officer = OfficerFactory()
    vet_fully(officer, user)
    officer.refresh_from_db()
    assignment_create(
        officer=officer,
        commune=Commune.objects.get(code=commune_code),
        post=Post.CHIEF,
        decision_number=f"{commune_code}/QĐ-CAT",
        decision_date=started_on,
        started_on=started_on,
        created_by=user,
    )


def build_pilot(province, user) -> PilotPlan:
    """The plan, three committee members (one inactive, one without e-mail), tasks, a phase and two chiefs."""
    plan = PilotPlan.objects.create(
        province=province, name="Kế hoạch thí điểm Kon Tum", started_on=PLAN_START,
        target_on=TODAY + datetime.timedelta(days=120), default_staffing_norm=4,
    )  # fmt: skip
    CommitteeMember.objects.create(
        plan=plan, full_name="Nguyễn Văn Sơn", unit="Bộ Công an", role=CommitteeRole.HEAD, email="son@example.vn"
    )
    CommitteeMember.objects.create(
        plan=plan, full_name="Phạm Thị Thu Hà", unit="Cục Xây dựng phong trào bảo vệ an ninh Tổ quốc",
        role=CommitteeRole.STANDING, is_standing_body=True, email="ha@example.vn",
    )  # fmt: skip
    CommitteeMember.objects.create(
        plan=plan, full_name="Lê Cũ", unit="Công an tỉnh", role=CommitteeRole.MEMBER, email="cu@example.vn",
        is_active=False,
    )  # fmt: skip
    CommitteeMember.objects.create(plan=plan, full_name="Không Thư", unit="Công an tỉnh", role=CommitteeRole.MEMBER)
    Task.objects.create(
        plan=plan, title='=HYPERLINK("http://evil")', unit="Phòng Hậu cần", deadline=TODAY - datetime.timedelta(days=5)
    )
    Task.objects.create(
        plan=plan, title="Tập huấn đợt 1", unit="Cục Đào tạo", deadline=TODAY + datetime.timedelta(days=9)
    )
    Task.objects.create(
        plan=plan, title="Đã xong", unit="Cục Đào tạo", deadline=TODAY - datetime.timedelta(days=20),
        status=TaskStatus.DONE, completed_on=TODAY - datetime.timedelta(days=21),
    )  # fmt: skip
    phase = Phase.objects.create(
        plan=plan, number=1, name="Đợt 1: Đắk Glei", target_on=TODAY - datetime.timedelta(days=1)
    )
    phase.communes.set(Commune.objects.filter(code__in=[DAK_MAN, DAK_PEK]))
    post_chief(DAK_MAN, EARLY, user)
    post_chief(DAK_PEK, LATE, user)
    return plan


def overview(workbook) -> dict:
    """The overview sheet as {label: (before, end)}."""
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(min_row=7, values_only=True))
    return {row[0]: (row[1], row[2]) for row in rows if row[0]}


def check_xlsx_matches_database(data: bytes, *, province_id, period_start, period_end) -> None:
    """The workbook's figures are those of ``rollout.progress.figures`` for the province (None: the country)."""
    communes = (
        Commune.objects.all() if province_id is None else Commune.objects.filter(district__province_id=province_id)
    )
    workbook = load_workbook(io.BytesIO(data))
    assert len(workbook.worksheets) == 5
    before = figures(communes, period_start - datetime.timedelta(days=1))
    end = figures(communes, period_end)
    sheet = overview(workbook)
    with translation.override("vi"):
        for key, label in HEADLINE:
            assert sheet[str(label)] == (getattr(before, key), getattr(end, key)), key
    districts = {row[1]: row for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)}
    for row in district_table(communes, period_end):
        f = row["figures"]
        sheet_row = districts[row["district"].name]
        assert sheet_row[2:3] == (f.communes,)
        assert sheet_row[4:] == (
            f.covered, f.uncovered, f.staffing_norm, f.deployed, f.trained_deployed, f.equipped, f.operational
        )  # fmt: skip


def pdf_text(data: bytes) -> str:
    """The PDF's text with runs of white space (table cells wrap lines) made single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
