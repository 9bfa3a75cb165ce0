"""The dashboard at ``/`` and its district drill-down: every headline figure and a district's row against numbers
worked out by hand, the province selector, trends, forecast, overdue work, reports, who may see what, and a
query count that stays the same when communes and officers grow tenfold."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from communes.models import Commune
from communes.services import divisions_load
from equipment import services as equipment
from equipment.models import AllocationStandard, EquipmentType, Warehouse
from personnel.choices import Post
from personnel.models import Assignment, Officer
from personnel.services import assignment_create
from rollout.core.figures_cache import figures_changed
from rollout.models import Phase, PilotPlan, ProgressSnapshot, Report, ReportStatus, Task, TaskStatus
from tests.builders.training import enrol
from tests.factories import OfficerFactory, vet_fully
from training.models import Course
from training.services import ResultRow, results_record, session_create

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GLEI = 610  # Huyện Đắk Glei: 12 communes, 4 covered by the demo baseline (the district clerk's district)
NGOC_HOI = 611
DAK_MAN = 23347  # uncovered in the baseline: gets a chief (trained) and an officer (untrained), norm 2, a radio
DAK_PEK = 23353  # uncovered in the baseline: gets a trained chief, norm 1, a radio -> operational
DAK_BLO = 23344  # baseline: gets a trained officer, plan norm 4, no radio
DAK_NHOONG = 23350  # baseline, nobody assigned
DAK_CHOONG = 23356  # uncovered, nobody assigned
HA_NOI = 1
BA_DINH = 1  # a district of Hà Nội

# Every signed-in page costs 5 queries (session, user, permissions, groups) and 1 for a clerk's unit. The
# dashboard adds the provinces, the figures (2), the table (2 or 3), the plans, the snapshots, overdue tasks (2),
# overdue phases and the reports; the drill-down the district, its figures (2) and its communes (2).
DASHBOARD_MAX_QUERIES = 18
DISTRICT_MAX_QUERIES = 11


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def commune(code: int) -> Commune:
    return Commune.objects.get(code=code)


def assign(officer, code: int, post: str, user):
    return assignment_create(
        officer=officer, commune=commune(code), post=post, decision_number=f"{officer.pk}/QĐ-CAT",
        decision_date=days(-6), started_on=days(-5), created_by=user,
    )  # fmt: skip


@pytest.fixture
def plan(demo_baseline):
    return PilotPlan.objects.create(
        province=demo_baseline, name="Kế hoạch thí điểm Kon Tum", started_on=days(-60), target_on=days(120),
        default_staffing_norm=4,
    )  # fmt: skip


@pytest.fixture
def pilot(plan, users):
    """Four officers in Đắk Glei, one mandatory course, one radio per commune as the standard:

    - Đắk Man (norm 2): a trained chief and an untrained officer, a radio: covered, staffed, not operational;
    - Đắk Pék (norm 1): a trained chief and a radio: operational;
    - Đắk Blô (baseline, plan norm 4): one trained officer, no radio: covered, not equipped.
    """
    admin = users["administrator"]
    course = Course.objects.create(code="CAX-01", title_vi="Nghiệp vụ Công an xã", title_en="Commune police work",
                                   subject_area="law", hours=40, is_mandatory=True)  # fmt: skip
    session = session_create(course=course, province_id=62, starts_on=days(-12), ends_on=days(-10), place="Kon Tum",
                             instructor="Đại úy Lê Văn B", capacity=10, created_by=admin)  # fmt: skip
    chief_man, officer_man, chief_pek, officer_blo = (vet_fully(OfficerFactory(), admin) for _ in range(4))
    enrol(session, [chief_man, chief_pek, officer_blo], admin)
    rows = [ResultRow(e.pk, attended=True, score=Decimal(8), passed=True) for e in session.enrollments.all()]
    results_record(session=session, rows=rows, recorded_by=admin)
    Commune.objects.filter(code=DAK_MAN).update(staffing_norm=2)
    Commune.objects.filter(code=DAK_PEK).update(staffing_norm=1)
    assign(chief_man, DAK_MAN, Post.CHIEF, admin)
    assign(officer_man, DAK_MAN, Post.OFFICER, admin)
    assign(chief_pek, DAK_PEK, Post.CHIEF, admin)
    assign(officer_blo, DAK_BLO, Post.OFFICER, admin)
    radio = EquipmentType.objects.create(code="radio", name="Máy bộ đàm", category="communication", unit="chiếc",
                                         is_serialized=False)  # fmt: skip
    AllocationStandard.objects.create(equipment_type=radio, quantity=1)
    store = Warehouse.objects.create(name="Kho tỉnh", province_id=62)
    equipment.stock_receive(warehouse=store, equipment_type=radio, quantity=5, user=admin)
    for code in (DAK_MAN, DAK_PEK):
        equipment.issuance_create(commune=commune(code), equipment_type=radio, warehouse=store, issued_on=days(-1),
                                  user=admin, quantity=1)  # fmt: skip
    return plan


def text(response, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)<', response.content.decode(), re.S)
    assert match, testid
    return match.group(1).strip()


def text_of(html: str, testid: str) -> str:
    """The words of the element with ``data-testid`` (its tags dropped)."""
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(p|span|strong|div)>', html, re.S)
    assert match, testid
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def row_html(response, attribute: str, value: int) -> str:
    match = re.search(rf'<tr [^>]*{attribute}="{value}">(.*?)</tr>', response.content.decode(), re.S)
    assert match, (attribute, value)
    return match.group(1)


def cell(html: str, figure: str) -> str:
    match = re.search(rf'data-figure="{figure}">(.*?)</td>', html, re.S)
    assert match, figure
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def vi(message: str) -> str:
    """What a Vietnamese user reads for ``message`` (the English text until it is translated)."""
    with translation.override("vi"):
        return translation.gettext(message)


# --- Headline figures and the district row, worked out by hand ----------------------------------------------


def test_every_headline_figure_of_kon_tum(client_as, pilot):
    response = client_as("committee").get("/")
    assert response.status_code == 200
    assert response.context["area"].province.code == 62  # the only province loaded: shown by default
    # 48 baseline + Đắk Man + Đắk Pék; 100 communes at the plan norm 4, plus 2 and 1.
    figures = response.context["figures"]
    assert figures.as_dict() == {"communes": 102, "covered": 50, "staffing_norm": 403, "deployed": 4,
                                 "trained_deployed": 3, "equipped": 2, "operational": 1}  # fmt: skip
    assert text(response, "covered") == "50 / 102"
    assert text(response, "uncovered") == "52"
    assert text(response, "deployed") == "4 / 403"
    assert text(response, "staffed-percent") == "1,0%"
    assert text(response, "trained-percent") == "75,0%"  # 3 of the 4 deployed
    assert text(response, "equipped-percent") == "4,0%"  # 2 of the 50 covered
    assert text(response, "operational") == "1 / 102"


def test_the_district_row_of_dak_glei(client_as, pilot):
    response = client_as("committee").get("/")
    rows = {row["district"].code: row["figures"] for row in response.context["rows"]}
    assert len(rows) == 10
    assert rows[GLEI].as_dict() == {"communes": 12, "covered": 6, "staffing_norm": 43, "deployed": 4,
                                    "trained_deployed": 3, "equipped": 2, "operational": 1}  # fmt: skip
    html = row_html(response, "data-district", GLEI)
    assert f'href="/dashboard/district/{GLEI}/"' in html
    assert [cell(html, f) for f in ("communes", "covered", "uncovered", "deployed")] == ["12", "6", "6", "4 / 43"]
    assert [cell(html, f) for f in ("trained_percent", "equipped_percent", "operational")] == ["75,0%", "33,3%", "1"]
    # A district the pilot has not touched: its baseline only, the plan norm, nobody deployed.
    assert rows[NGOC_HOI].deployed == 0 and rows[NGOC_HOI].staffing_norm == 4 * rows[NGOC_HOI].communes
    ngoc_hoi = row_html(response, "data-district", NGOC_HOI)
    assert cell(ngoc_hoi, "trained_percent") == "—"
    assert cell(ngoc_hoi, "equipped_percent") == "0,0%"
    # The status is shown in words beside its colour.
    assert 'data-level="low"' in ngoc_hoi and vi("Low") in ngoc_hoi


def test_the_drill_down_lists_the_communes_with_their_state(client_as, pilot):
    response = client_as("committee").get(f"/dashboard/district/{GLEI}/")
    assert response.status_code == 200
    communes = {c["code"]: c for c in response.context["communes"]}
    assert len(communes) == 12
    state = ("is_covered", "officers_deployed", "norm", "officers_untrained", "is_equipped", "is_operational")

    def of(code):
        return tuple(communes[code][name] for name in state)

    assert of(DAK_MAN) == (True, 2, 2, 1, True, False)
    assert of(DAK_PEK) == (True, 1, 1, 0, True, True)
    assert of(DAK_BLO) == (True, 1, 4, 0, False, False)
    assert of(DAK_NHOONG) == (True, 0, 4, 0, False, False)
    assert of(DAK_CHOONG) == (False, 0, 4, 0, False, False)
    assert response.context["figures"].as_dict()["covered"] == 6

    html = row_html(response, "data-code", DAK_MAN)
    assert f'href="/communes/{DAK_MAN}/"' in html
    assert cell(html, "deployed").startswith("2 / 2")
    assert vi("Covered") in cell(html, "covered")
    assert "1" in cell(html, "untrained") and 'data-state="no"' in html
    assert vi("Equipped") in cell(html, "equipped")
    assert vi("Not operational") in cell(html, "operational")
    assert vi("Operational") in cell(row_html(response, "data-code", DAK_PEK), "operational")
    choong = row_html(response, "data-code", DAK_CHOONG)
    assert vi("Uncovered") in cell(choong, "covered")
    assert "text-bg-danger" in choong
    # Breadcrumbs: Province › District, the province back to the dashboard.
    assert '<a href="/?province=62">Tỉnh Kon Tum</a>' in response.content.decode()


def test_figures_without_any_data(client_as, users):
    Commune.objects.all().delete()
    response = client_as("committee").get("/")
    assert response.status_code == 200
    assert text(response, "covered") == "0 / 0"
    assert text(response, "trained-percent") == "—"
    assert response.context["rows"] == []
    assert response.context["forecast"] is None
    assert 'data-testid="no-snapshots"' in response.content.decode()


# --- The province selector ----------------------------------------------------------------------------------


def test_the_whole_country_shows_one_row_per_province(client_as, pilot):
    divisions_load(province_codes=[HA_NOI])
    http = client_as("committee")
    response = http.get("/")
    assert response.context["area"].is_country  # two provinces: the whole country by default
    assert text(response, "covered") == f"50 / {Commune.objects.count()}"
    provinces = [
        int(c) for c in re.findall(r'data-testid="province-row" data-province="(\d+)"', response.content.decode())
    ]
    assert provinces == [HA_NOI, 62]
    assert 'href="?province=62"' in response.content.decode()
    kon_tum = row_html(response, "data-province", 62)
    assert cell(kon_tum, "covered") == "50" and cell(kon_tum, "deployed") == "4 / 403"

    response = http.get("/?province=62")
    assert response.context["area"].province.code == 62
    assert text(response, "covered") == "50 / 102"
    assert len(response.context["rows"]) == 10
    assert 'data-testid="province-error"' not in response.content.decode()
    assert http.get("/?province=").context["area"].is_country


@pytest.mark.parametrize("value", ["abc", "99", "-1", "62abc", "1", " ", "6" * 40, "<script>"])
def test_a_bad_province_gives_a_message_and_the_default(client_as, pilot, value):
    divisions_load(province_codes=[HA_NOI])
    response = client_as("provincial_clerk").get("/", {"province": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["area"].province.code == 62  # the clerk's own province, never Hà Nội
    assert text(response, "covered") == "50 / 102"
    if value.strip():
        assert 'data-testid="province-error"' in html
        assert "<script>" not in html.split('data-testid="province-error"')[1].split("</div>")[0]


def test_the_clerk_cannot_choose_the_whole_country(client_as, pilot):
    divisions_load(province_codes=[HA_NOI])
    response = client_as("provincial_clerk").get("/", {"province": ""})
    assert response.context["area"].province.code == 62
    assert [p.code for p in response.context["area"].provinces] == [62]
    assert f'value="{HA_NOI}"' not in response.content.decode()


def test_the_committee_may_choose_any_loaded_province(client_as, pilot):
    divisions_load(province_codes=[HA_NOI])
    response = client_as("committee").get("/", {"province": HA_NOI})
    assert response.context["area"].province.code == HA_NOI
    assert response.context["figures"].deployed == 0
    assert response.context["forecast"] is not None and response.context["target_on"] is None


def test_the_district_clerk_sees_their_district(client_as, pilot):
    response = client_as("district_clerk").get("/")
    assert text(response, "covered") == "6 / 12"
    assert [row["district"].code for row in response.context["rows"]] == [GLEI]
    assert response.context["trend_is_wider"]


def test_the_district_clerks_dashboard_is_titled_with_their_district(client_as, pilot):
    html = client_as("district_clerk").get("/").content.decode()
    assert text_of(html, "area-district") == "Huyện Đắk Glei"
    assert re.search(r"<title>[^<]*Huyện Đắk Glei[^<]*</title>", html)
    # Provincial users keep the province's title.
    committee = client_as("committee").get("/").content.decode()
    assert 'data-testid="area-district"' not in committee
    assert re.search(r"<title>[^<]*Tỉnh Kon Tum[^<]*</title>", committee)


CITY = 608  # Thành phố Kon Tum: its 21 communes covered by the demo baseline
TU_MO_RONG = 617  # none covered by the demo baseline


def test_readiness_of_the_districts_at_0_middle_and_100_percent_coverage(client_as, pilot, users):
    # The city's posts staffed and trained to their norm (1): 100% covered, not yet equipped with radios.
    admin = users["administrator"]
    city = list(Commune.objects.filter(district_id=CITY).order_by("code"))
    Commune.objects.filter(district_id=CITY).update(staffing_norm=1)
    session = session_create(course=Course.objects.get(code="CAX-01"), province_id=62, starts_on=days(-9),
                             ends_on=days(-8), place="Kon Tum", instructor="Đại úy Lê Văn B", capacity=30,
                             created_by=admin)  # fmt: skip
    officers = [vet_fully(OfficerFactory(), admin) for _ in city]
    enrol(session, officers, admin)
    rows = [ResultRow(e.pk, attended=True, score=Decimal(8), passed=True) for e in session.enrollments.all()]
    results_record(session=session, recorded_by=admin, rows=rows)
    for officer, post in zip(officers, city, strict=True):
        assign(officer, post.code, Post.OFFICER, admin)
    response = client_as("committee").get("/")
    rows = {row["district"].code: row["figures"] for row in response.context["rows"]}
    assert rows[CITY].covered_percent == 100.0 and rows[TU_MO_RONG].covered_percent == 0.0
    assert 0 < rows[GLEI].covered_percent < 100
    readiness = {
        code: cell(row_html(response, "data-district", code), "readiness") for code in (CITY, GLEI, TU_MO_RONG)
    }
    assert readiness == {CITY: "Trung bình 75,0%", GLEI: "Thấp 20,7%", TU_MO_RONG: "Thấp 0,0%"}
    assert rows[CITY].operational == 0  # none holds its radio: "operational" alone read Thấp here
    # Every row's level is the one computed, and the page says how.
    for code, figures in rows.items():
        assert f'data-level="{figures.readiness}"' in row_html(response, "data-district", code)
    hint = text_of(response.content.decode(), "readiness-hint")
    assert "trung bình của bốn tỉ lệ" in hint and "Cao: từ 80%" in hint and "Thấp: dưới 50%" in hint


# --- Trends and forecast ------------------------------------------------------------------------------------


def snapshot(province, on, covered, communes=102):
    return ProgressSnapshot.objects.create(
        province=province, on=on, communes=communes, covered=covered, staffing_norm=403, deployed=4,
        trained_deployed=3, equipped=2, operational=1,
    )  # fmt: skip


def test_no_snapshots_yet(client_as, pilot):
    response = client_as("committee").get("/")
    html = response.content.decode()
    assert 'data-testid="no-snapshots"' in html
    assert "chart-covered" not in html
    assert vi("No snapshots yet: the trend appears once the daily figures have been recorded.") in html
    # Today's live figure alone is too little history.
    assert response.context["forecast"].reason == "no_history"


def test_the_trend_since_the_plan_start_and_a_late_forecast(client_as, pilot, kon_tum):
    snapshot(kon_tum, days(-70), 40)  # before the plan's start: not drawn
    snapshot(kon_tum, days(-28), 43)
    snapshot(kon_tum, days(-14), 46)
    snapshot(None, days(-14), 46)  # the whole country's: not Kon Tum's trend
    response = client_as("committee").get("/")
    html = response.content.decode()
    trend = json.loads(re.search(r'<script id="dashboard-trend" type="application/json">(.*?)</script>', html).group(1))
    assert trend["labels"] == [days(-28).strftime("%d/%m/%Y"), days(-14).strftime("%d/%m/%Y")]
    assert trend["covered"] == [43, 46]
    assert trend["trained_percent"] == [75.0, 75.0]
    assert trend["equipped_percent"] == [round(200 / 43, 1), round(200 / 46, 1)]
    assert 'id="chart-covered"' in html and 'id="chart-shares"' in html
    assert "/static/vendor/chartjs-4.5.1/chart.umd.js" in html and "/static/js/dashboard.js" in html
    # 7 communes in 28 days up to today's 50: a quarter a day; 52 left take 208 days, after the target (120).
    forecast = response.context["forecast"]
    assert forecast.status == "late"
    assert forecast.reached_on == days(208)
    assert text(response, "forecast-date") == days(208).strftime("%d/%m/%Y")
    assert text(response, "target-date") == days(120).strftime("%d/%m/%Y")
    assert vi("Late") in html


def test_an_on_track_forecast(client_as, pilot, kon_tum):
    snapshot(kon_tum, days(-28), 24)  # 26 in 28 days: 52 left take 56 days, before the target
    response = client_as("committee").get("/")
    assert response.context["forecast"].status == "on_track"
    assert text(response, "forecast-date") == days(56).strftime("%d/%m/%Y")
    assert vi("On track") in response.content.decode()


def _trend(response) -> dict:
    return json.loads(re.search(r'id="dashboard-trend" type="application/json">(.*?)<', response.content.decode())[1])


def test_the_chart_kept_between_pages_follows_every_change_of_the_snapshots(client_as, pilot, kon_tum):
    """The chart is built once for the snapshots as they are (rollout.core.memo): a new day, a day rebuilt by the
    snapshot task or a backfill, a day removed: the next page draws it."""
    http = client_as("committee")
    first = snapshot(kon_tum, days(-28), 43)
    assert _trend(http.get("/"))["covered"] == [43]
    assert _trend(http.get("/"))["covered"] == [43]  # the kept chart
    snapshot(kon_tum, days(-14), 46)
    assert _trend(http.get("/"))["covered"] == [43, 46]
    ProgressSnapshot.objects.filter(pk=first.pk).update(covered=44, equipped=3)  # rebuilt in place, in bulk
    trend = _trend(http.get("/"))
    assert trend["covered"] == [44, 46] and trend["equipped_percent"] == [round(300 / 44, 1), round(200 / 46, 1)]
    ProgressSnapshot.objects.filter(pk=first.pk).delete()
    assert _trend(http.get("/"))["covered"] == [46]


def test_a_row_of_the_area_table_follows_its_figures(client_as, pilot, users):
    """Each row is rendered once for its figures (rollout.core.memo); a change in one district changes its row
    and the total, and no other row."""
    http = client_as("committee")

    def rows(response) -> dict:
        html = response.content.decode()
        return dict(re.findall(r'(<tr data-testid="district-row" data-district="(\d+)">.*?</tr>)', html, re.S)[i][::-1]
                    for i in range(10))  # fmt: skip

    before = rows(http.get("/?province=62"))
    officer = vet_fully(OfficerFactory(), users["administrator"])
    assign(officer, 23347, Post.OFFICER, users["administrator"])  # Đắk Man, of Đắk Glei (610)
    after = rows(http.get("/?province=62"))
    assert [code for code in before if before[code] != after[code]] == ["610"]
    assert 'data-figure="covered">' in after["610"]


def test_the_whole_country_trend_uses_the_national_snapshots_and_the_latest_target(client_as, pilot, kon_tum):
    divisions_load(province_codes=[HA_NOI])
    total = Commune.objects.count()
    PilotPlan.objects.create(province_id=HA_NOI, name="Kế hoạch Hà Nội", started_on=days(-30), target_on=days(400))
    snapshot(None, days(-28), 50, communes=total)
    snapshot(kon_tum, days(-20), 49)
    response = client_as("committee").get("/")
    assert response.context["area"].is_country
    assert json.loads(re.search(r'id="dashboard-trend" type="application/json">(.*?)<', response.content.decode())
                      .group(1))["covered"] == [50]  # fmt: skip
    assert response.context["target_on"] == days(400)
    assert response.context["started_on"] == days(-60)
    forecast = response.context["forecast"]
    assert forecast.is_unknown and forecast.reason == "no_pace"  # 50 then, 50 now


# --- Overdue tasks and phases, latest reports ---------------------------------------------------------------


def test_overdue_tasks_and_phases(client_as, pilot):
    Task.objects.create(plan=pilot, title="Lập danh sách xã", unit="Phòng Tổ chức", deadline=days(-3))
    Task.objects.create(plan=pilot, title="Đang làm, quá hạn", unit="Phòng Hậu cần", deadline=days(-1),
                        status=TaskStatus.IN_PROGRESS)  # fmt: skip
    Task.objects.create(plan=pilot, title="Đã xong", unit="Phòng Hậu cần", deadline=days(-9), status=TaskStatus.DONE,
                        completed_on=days(-10))  # fmt: skip
    Task.objects.create(plan=pilot, title="Chưa đến hạn", unit="Phòng Hậu cần", deadline=days(5))
    late = Phase.objects.create(plan=pilot, number=1, name="Đợt 1", target_on=days(-2))
    late.communes.set([DAK_MAN, DAK_CHOONG])  # one of two covered
    done = Phase.objects.create(plan=pilot, number=2, name="Đợt 2", target_on=days(-2))
    done.communes.set([DAK_PEK, DAK_BLO])  # all covered
    future = Phase.objects.create(plan=pilot, number=3, name="Đợt 3", target_on=days(30))
    future.communes.set([DAK_CHOONG])

    response = client_as("committee").get("/")
    assert [t.title for t in response.context["overdue_tasks"]] == ["Lập danh sách xã", "Đang làm, quá hạn"]
    assert response.context["overdue_tasks_count"] == 2
    phases = response.context["overdue_phases"]
    assert [(p.number, p.communes_covered, p.communes_total) for p in phases] == [(1, 1, 2)]
    html = response.content.decode()
    assert html.count('data-testid="overdue-task"') == 2
    assert html.count('data-testid="overdue-phase"') == 1
    assert "Đợt 1" in html and "Đợt 2" not in html and "Đã xong" not in html


def test_nothing_overdue(client_as, pilot):
    assert 'data-testid="nothing-overdue"' in client_as("committee").get("/").content.decode()


def test_the_latest_five_reports_of_the_area(client_as, pilot, kon_tum):
    for week in range(7):
        end = days(-7 * week - 1)
        Report.objects.create(province=kon_tum, period_start=end - datetime.timedelta(days=6), period_end=end,
                              status=ReportStatus.DONE if week else ReportStatus.FAILED)  # fmt: skip
    Report.objects.create(province=None, period_start=days(-3), period_end=days(-1))
    response = client_as("committee").get("/")
    reports = response.context["reports"]
    assert [r.period_end for r in reports] == [days(-1), days(-8), days(-15), days(-22), days(-29)]
    html = response.content.decode()
    assert html.count('data-testid="report-row"') == 5
    with translation.override("vi"):
        assert str(ReportStatus.FAILED.label) in html and str(ReportStatus.DONE.label) in html


def test_no_reports_yet(client_as, pilot):
    assert 'data-testid="no-reports"' in client_as("committee").get("/").content.decode()


# --- Who may see what ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", f"/dashboard/district/{GLEI}/"])
def test_anonymous_is_sent_to_login(client, kon_tum, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["committee", "provincial_clerk", "district_clerk", "administrator"])
def test_every_role_opens_the_dashboard_and_its_district(client_as, pilot, role):
    http = client_as(role)
    assert http.get("/").status_code == 200
    assert http.get(f"/dashboard/district/{GLEI}/").status_code == 200


def test_a_user_without_a_role_is_refused(client_as, pilot):
    http = client_as("no_role")
    assert http.get("/").status_code == 403
    assert http.get(f"/dashboard/district/{GLEI}/").status_code == 403


def test_a_district_clerk_cannot_open_another_district(client_as, pilot):
    http = client_as("district_clerk")
    assert http.get(f"/dashboard/district/{NGOC_HOI}/").status_code == 404
    assert http.get("/dashboard/district/999/").status_code == 404


def test_a_provincial_clerk_cannot_open_another_provinces_district(client_as, pilot):
    divisions_load(province_codes=[HA_NOI])
    assert client_as("provincial_clerk").get(f"/dashboard/district/{BA_DINH}/").status_code == 404
    assert client_as("committee").get(f"/dashboard/district/{BA_DINH}/").status_code == 200


@pytest.mark.parametrize("url", ["/", f"/dashboard/district/{GLEI}/"])
def test_the_dashboard_is_read_only(client_as, pilot, url):
    assert client_as("committee").post(url, {"province": "62"}).status_code == 405


def test_controls_are_hidden_when_printed(client_as, pilot):
    html = client_as("committee").get("/").content.decode()
    form = re.search(r'<form [^>]*data-testid="province-form"', html).group(0)
    assert "d-print-none" in form
    assert "<script>" not in html and "onclick" not in html  # no inline script: the CSP forbids it


# --- Queries: constant as communes and officers grow tenfold ------------------------------------------------


# The committee's "/" is Kon Tum while it is the only province loaded, the whole country after: both are
# measured through their explicit URLs.
URLS = {
    "committee": ["/?province=62", "/?province=", f"/dashboard/district/{GLEI}/"],
    "district_clerk": ["/", f"/dashboard/district/{GLEI}/"],
}


def _grow_tenfold(plan, admin):
    """Ten times the communes (three more provinces) and the officers, snapshots, tasks, phases and reports."""
    divisions_load(province_codes=[1, 79, 31])
    assert Commune.objects.count() >= 10 * 102
    uncovered = list(Commune.objects.filter(district__province_id=62, coverage="uncovered").order_by("code")[:20])
    officers = Officer.objects.bulk_create(OfficerFactory.build(status="deployed") for _ in range(60))
    Assignment.objects.bulk_create(
        Assignment(officer=officer, commune=uncovered[i % 20], province_id=62,
                   post=Post.CHIEF if i < 20 else Post.OFFICER, decision_number=f"QĐ-{i}", decision_date=days(-9),
                   started_on=days(-8), created_by=admin)
        for i, officer in enumerate(officers)
    )  # fmt: skip
    figures_changed(commune_codes=[commune.code for commune in uncovered])  # a bulk write says so, past the signals
    assert Assignment.objects.count() >= 10 * 4
    ProgressSnapshot.objects.bulk_create(
        ProgressSnapshot(province=plan.province, on=days(-n), communes=102, covered=40, staffing_norm=403, deployed=4,
                         trained_deployed=3, equipped=2, operational=1)
        for n in range(1, 50)
    )  # fmt: skip
    Task.objects.bulk_create(Task(plan=plan, title=f"Việc {n}", unit="Phòng", deadline=days(-n)) for n in range(1, 30))
    for n in range(1, 11):
        Phase.objects.create(plan=plan, number=n, name=f"Đợt {n}", target_on=days(-n)).communes.set(uncovered[n:])
    Report.objects.bulk_create(
        Report(province=plan.province, period_start=days(-7 * n - 6), period_end=days(-7 * n)) for n in range(1, 12)
    )


def _count(django_assert_max_num_queries, http, url):
    bound = DISTRICT_MAX_QUERIES if "/district/" in url else DASHBOARD_MAX_QUERIES
    with django_assert_max_num_queries(bound) as captured:
        response = http.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("role", ["committee", "district_clerk"])
def test_the_query_count_does_not_grow_tenfold(client_as, pilot, users, django_assert_max_num_queries, role):
    http = client_as(role)
    http.get("/")  # warm the demo-data flag
    small = [_count(django_assert_max_num_queries, http, url) for url in URLS[role]]
    _grow_tenfold(pilot, users["administrator"])
    # the first page after new snapshots reads them to build the chart (one query), the next ones do not
    first = [_count(django_assert_max_num_queries, http, url) for url in URLS[role]]
    large = [_count(django_assert_max_num_queries, http, url) for url in URLS[role]]
    assert large == small, (small, large)
    assert all(cold <= warm + 1 for cold, warm in zip(first, large, strict=True)), (first, large)
