"""The weekly progress report: its content against rollout.progress.figures, the XLSX and PDF files, the weekly batch,
idempotency, failures and retries, the e-mail to the committee, and the beat schedule."""

import datetime
import io
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError
from openpyxl import load_workbook

from communes.models import Commune
from rollout.celery import app
from rollout.models import Phase, ProgressSnapshot, Report, ReportStatus, Task
from rollout.progress.figures import figures, with_progress
from rollout.progress.snapshots import snapshots_backfill
from rollout.reports import services as report_services
from rollout.reports.content import REPORT_TITLE, report_content, report_pdf, report_xlsx, trend_svg
from rollout.reports.services import previous_week, report_request
from rollout.tasks import produce_report, weekly_reports
from tests.builders.reports import (
    EARLY,
    TODAY,
    build_pilot,
    check_xlsx_matches_database,
    pdf_text,
    post_chief,
)
from training.tasks import settle_lapsed_statuses

pytestmark = pytest.mark.django_db

WEEK_START = TODAY - datetime.timedelta(days=6)


@pytest.fixture
def pilot(demo_baseline, users):
    return build_pilot(demo_baseline, users["provincial_clerk"])


# --- content and files ------------------------------------------------------------------------------------


def test_content_figures_are_those_of_the_database(pilot):
    content = report_content(province=pilot.province, period_start=WEEK_START, period_end=TODAY)
    kon_tum = Commune.objects.filter(district__province=pilot.province)
    assert content.at_end == figures(kon_tum, TODAY)
    assert content.before == figures(kon_tum, WEEK_START - datetime.timedelta(days=1))
    assert content.at_end.covered == 50 and content.before.covered == 49  # Đắk Pék's chief came this week
    assert [t.title for t in content.tasks] == ['=HYPERLINK("http://evil")', "Tập huấn đợt 1"]  # done one left out
    assert content.tasks[0].is_overdue and not content.tasks[1].is_overdue
    [phase] = content.phases
    assert (phase["communes"], phase["covered"], phase["late"]) == (2, 2, False)


@pytest.mark.parametrize("on", [TODAY, EARLY - datetime.timedelta(days=1)], ids=["end", "before the chiefs"])
def test_phase_rows_count_each_phase_by_the_one_definition(pilot, on):
    """Each phase's communes, covered and operational on the day are those of ``with_progress`` over its
    communes, however the rows are computed; a commune in two phases counts in both."""
    second = Phase.objects.create(plan=pilot, number=2, name="Đợt 2", target_on=TODAY - datetime.timedelta(days=1))
    second.communes.set(Commune.objects.filter(district_id=610))  # Đắk Glei: with Đắk Man and Đắk Pék of phase 1
    Phase.objects.create(plan=pilot, number=3, name="Đợt 3 (chưa có xã)", target_on=TODAY)
    content = report_content(province=pilot.province, period_start=on, period_end=on)
    for row in content.phases:
        states = with_progress(row["phase"].communes.order_by(), on).values("is_covered", "is_operational")
        assert (row["communes"], row["covered"], row["operational"]) == (
            len(states),
            sum(s["is_covered"] for s in states),
            sum(s["is_operational"] for s in states),
        ), row["phase"]
        assert row["late"] == (row["phase"].target_on < on and row["covered"] < row["communes"])
    assert [row["communes"] for row in content.phases] == [2, Commune.objects.filter(district_id=610).count(), 0]


def test_xlsx_has_a_sheet_per_section_with_the_database_figures(pilot):
    snapshots_backfill(WEEK_START, TODAY)
    content = report_content(province=pilot.province, period_start=WEEK_START, period_end=TODAY)
    data = report_xlsx(content)
    check_xlsx_matches_database(data, province_id=62, period_start=WEEK_START, period_end=TODAY)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.worksheets[0]["A1"].value == REPORT_TITLE
    trend = list(workbook.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 7
    assert trend[-1][0].date() == TODAY and trend[-1][2] == 50  # date, communes, covered
    tasks = list(workbook.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert tasks[0][0] == '\'=HYPERLINK("http://evil")'  # formula written as text, not run
    phases = list(workbook.worksheets[4].iter_rows(min_row=2, values_only=True))
    assert phases[0][1:3] == (1, "Đợt 1: Đắk Glei")


def test_pdf_has_the_figures_and_correct_vietnamese(pilot):
    snapshots_backfill(WEEK_START, TODAY)
    content = report_content(province=pilot.province, period_start=WEEK_START, period_end=TODAY)
    text = pdf_text(report_pdf(content))
    assert REPORT_TITLE in text
    assert "Kon Tum" in text and "Đắk Glei" in text
    assert "Tu Mơ Rông" in text
    assert "Tập huấn đợt 1" in text


def test_the_chart_is_svg_drawn_on_the_server():
    assert trend_svg([]) == ""
    snapshots = [
        ProgressSnapshot(on=TODAY - datetime.timedelta(days=i), communes=102, covered=48 + i, staffing_norm=400,
                         deployed=i, trained_deployed=0, equipped=40, operational=0)
        for i in range(3, -1, -1)
    ]  # fmt: skip
    svg = trend_svg(snapshots)
    assert svg.startswith("<svg") and svg.count("<polyline") == 3


def test_national_report_takes_a_constant_number_of_queries(pilot, users, django_assert_max_num_queries):
    with django_assert_max_num_queries(100) as before:
        report_content(province=None, period_start=WEEK_START, period_end=TODAY)
    # more officers, tasks and phases: the same number of queries
    post_chief(23335, EARLY, users["provincial_clerk"])
    for n in range(5):
        Task.objects.create(plan=pilot, title=f"Việc {n}", unit="Phòng", deadline=TODAY)
        Phase.objects.create(plan=pilot, number=n + 2, name=f"Đợt {n + 2}", target_on=TODAY).communes.set(
            Commune.objects.filter(district_id=611)
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        report_content(province=None, period_start=WEEK_START, period_end=TODAY)


# --- the weekly batch, producing, idempotency --------------------------------------------------------------


def test_previous_week_is_monday_to_sunday():
    monday = datetime.date(2026, 11, 23)
    assert monday.weekday() == 0
    assert previous_week(monday) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))
    assert previous_week(datetime.date(2026, 11, 29)) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))


def test_weekly_reports_produce_a_report_per_scope_once(pilot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ids = weekly_reports.delay().get()
    start, end = previous_week(TODAY)
    reports = Report.objects.filter(period_start=start, period_end=end)
    assert sorted(reports.values_list("province_id", flat=True), key=str) == sorted([62, None], key=str)
    assert sorted(ids) == sorted(r.pk for r in reports)
    for report in reports:
        assert report.status == ReportStatus.DONE and report.progress == 100 and report.attempts == 1
        assert report.finished_at and report.emailed_at
        assert report.xlsx.name.endswith(".xlsx") and report.pdf.name.endswith(".pdf")
        check_xlsx_matches_database(
            report.xlsx.read(), province_id=report.province_id, period_start=start, period_end=end
        )
    # twice: nothing new, nothing rebuilt, no second e-mail
    files_before = {r.pk: (r.xlsx.name, r.pdf.name, r.finished_at) for r in reports}
    with django_capture_on_commit_callbacks(execute=True):
        weekly_reports.delay().get()
    assert Report.objects.count() == 2
    assert {r.pk: (r.xlsx.name, r.pdf.name, r.finished_at) for r in Report.objects.all()} == files_before
    assert len(mail.outbox) == 4  # each report to each of the committee's two addresses, once


def test_the_committee_gets_the_report_with_both_files(pilot, django_capture_on_commit_callbacks):
    # The committee's weekly report is its default subscriptions (rollout.subscriptions): one message per address
    # and report, so that members do not see one another's addresses.
    with django_capture_on_commit_callbacks(execute=True):
        weekly_reports.delay()
    assert len(mail.outbox) == 4  # the province's report and the national one, to each address
    by_subject = {}
    for message in mail.outbox:
        by_subject.setdefault(message.subject, []).extend(message.recipients())
    assert len(by_subject) == 2
    for recipients in by_subject.values():
        assert sorted(recipients) == ["ha@example.vn", "son@example.vn"]  # active, with an address
    for message in mail.outbox:
        assert [(name.rsplit(".", 1)[1], mimetype) for name, _content, mimetype in message.attachments] == [
            ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("pdf", "application/pdf"),
        ]
        xlsx = message.attachments[0][1]
        assert load_workbook(io.BytesIO(xlsx)).worksheets[0]["A1"].value == REPORT_TITLE
        assert "Kon Tum" in pdf_text(message.attachments[1][1])


def test_producing_a_done_report_again_rebuilds_nothing(pilot, users):
    report, _ = report_request(
        province=pilot.province, period_start=WEEK_START, period_end=TODAY, user=users["administrator"]
    )
    produce_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    media = settings.MEDIA_ROOT / "reports"
    files = sorted(p.name for p in media.rglob("*"))
    assert len(files) == 3  # the year's folder and two files
    produce_report.delay(report.pk)
    report.refresh_from_db()
    assert report.attempts == 1
    assert sorted(p.name for p in media.rglob("*")) == files
    assert len(mail.outbox) == 0  # asked for on a page: not e-mailed


def test_a_rebuild_replaces_the_files_under_the_same_names(pilot, users):
    report, _ = report_request(province=None, period_start=WEEK_START, period_end=TODAY, user=users["administrator"])
    produce_report.delay(report.pk)
    report.refresh_from_db()
    names = (report.xlsx.name, report.pdf.name)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED)
    produce_report.delay(report.pk)
    report.refresh_from_db()
    assert (report.xlsx.name, report.pdf.name) == names
    assert report.attempts == 2 and report.status == ReportStatus.DONE
    assert len(list((settings.MEDIA_ROOT / "reports").rglob("*.*"))) == 2


# --- failures ------------------------------------------------------------------------------------------------


def test_a_bug_fails_the_report_visibly(pilot, users, monkeypatch, client_as):
    def broken(content):
        raise ValueError("the template is broken")

    monkeypatch.setattr(report_services, "report_pdf", broken)
    report, _ = report_request(
        province=pilot.province, period_start=WEEK_START, period_end=TODAY, user=users["administrator"]
    )
    assert produce_report.delay(report.pk).get() == "failed"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "ValueError: the template is broken"
    assert report.attempts == 1
    assert not report.xlsx and not report.pdf
    page = client_as("committee").get("/reports/")
    assert "ValueError: the template is broken" in page.content.decode()
    assert 'data-status="failed"' in page.content.decode()


def test_a_transient_error_is_retried(pilot, users, monkeypatch):
    calls = []
    real = report_services.report_content

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(report_services, "report_content", flaky)
    report, _ = report_request(
        province=pilot.province, period_start=WEEK_START, period_end=TODAY, user=users["administrator"]
    )
    produce_report.delay(report.pk)
    report.refresh_from_db()
    assert len(calls) == 2
    assert report.status == ReportStatus.DONE and report.attempts == 2 and report.error == ""


def test_a_transient_error_that_persists_fails_after_the_retries(pilot, users, monkeypatch):
    def down(**kwargs):
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(report_services, "report_content", down)
    report, _ = report_request(
        province=pilot.province, period_start=WEEK_START, period_end=TODAY, user=users["administrator"]
    )
    produce_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.attempts == produce_report.max_retries + 1
    assert report.error == "ConnectionError: storage unreachable"


# --- the schedule --------------------------------------------------------------------------------------------


def _next_run(entry_name: str, after: datetime.datetime) -> datetime.datetime:
    """When beat next runs the entry after ``after``, computed by the entry's own crontab in the app's zone."""
    schedule = app.conf.beat_schedule[entry_name]["schedule"]
    schedule.app = app
    last, delta, _now = schedule.remaining_delta(after)
    return last + delta


def test_beat_runs_the_weekly_reports_on_monday_at_seven_in_vietnam():
    entries = {entry["task"]: name for name, entry in app.conf.beat_schedule.items()}
    assert set(entries) == {
        "rollout.weekly_reports",
        "rollout.monthly_reports",
        "rollout.record_snapshot",
        "training.settle_lapsed_statuses",
        "rollout.refresh_commune_states",
        "rollout.sweep_jobs",
        "rollout.send_digests",
    }
    assert str(app.timezone) == "Asia/Ho_Chi_Minh"
    saigon = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    sunday_noon = datetime.datetime(2026, 11, 22, 5, 0, tzinfo=datetime.UTC)  # Sunday 12:00 in Vietnam
    nxt = _next_run(entries["rollout.weekly_reports"], sunday_noon).astimezone(saigon)
    assert (nxt.date(), nxt.weekday(), nxt.hour, nxt.minute) == (datetime.date(2026, 11, 23), 0, 7, 0)
    # 07:00 in Vietnam is midnight UTC: a scheduler on UTC would be seven hours off
    assert nxt.astimezone(datetime.UTC) == datetime.datetime(2026, 11, 23, 0, 0, tzinfo=datetime.UTC)
    # Monday 07:30: the next run is a week later
    later = _next_run(entries["rollout.weekly_reports"], datetime.datetime(2026, 11, 23, 7, 30, tzinfo=saigon))
    later = later.astimezone(saigon)
    assert later.date() == datetime.date(2026, 11, 30) and later.hour == 7


def test_beat_settles_lapsed_training_every_night_after_midnight_in_vietnam():
    """Certificates expire at the end of their last day: just after midnight, officers whose training lapsed leave
    *ready* (beat sends the name the task is registered under)."""
    entries = {entry["task"]: name for name, entry in app.conf.beat_schedule.items()}
    assert settle_lapsed_statuses.name in entries
    saigon = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    nxt = _next_run(entries["training.settle_lapsed_statuses"], datetime.datetime(2026, 11, 24, 9, 0, tzinfo=saigon))
    nxt = nxt.astimezone(saigon)
    assert (nxt.date(), nxt.hour, nxt.minute) == (datetime.date(2026, 11, 25), 0, 15)
    # and the next night again
    after = _next_run(entries["training.settle_lapsed_statuses"], datetime.datetime(2026, 11, 25, 0, 20, tzinfo=saigon))
    assert after.astimezone(saigon).date() == datetime.date(2026, 11, 26)


def test_beat_records_a_snapshot_every_evening():
    entries = {entry["task"]: name for name, entry in app.conf.beat_schedule.items()}
    saigon = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    nxt = _next_run(entries["rollout.record_snapshot"], datetime.datetime(2026, 11, 24, 9, 0, tzinfo=saigon))
    nxt = nxt.astimezone(saigon)
    assert (nxt.date(), nxt.hour, nxt.minute) == (datetime.date(2026, 11, 24), 23, 50)


def test_a_clerk_asks_only_for_reports_of_an_area_they_may_see(pilot, users):
    # The form offers the country and the user's province; the service refuses other provinces whatever door the
    # request comes by.
    from communes.models import Province
    from rollout.core.scoping import OutsideScope

    elsewhere = Province.objects.create(code=1, name="Thành phố Hà Nội", kind="municipality")
    for user in [users["district_clerk"], users["provincial_clerk"]]:
        with pytest.raises(OutsideScope):
            report_request(province=elsewhere, period_start=WEEK_START, period_end=TODAY, user=user)
    assert not Report.objects.exists()
    report, outcome = report_request(
        province=pilot.province, period_start=WEEK_START, period_end=TODAY, user=users["district_clerk"]
    )
    assert (report.province, outcome) == (pilot.province, "created")
