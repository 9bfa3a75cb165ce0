"""One staffing norm (issue 10): a commune's own norm, else its province's plan default, else the setting, and the
same number on the commune list, the commune page, the dashboard, the phase page and the report."""

import datetime
import io
import re

import pytest
from django.db.models import Sum
from django.utils import timezone, translation
from openpyxl import load_workbook

from communes.models import Commune, Province
from communes.services import divisions_load
from rollout.core.figures_cache import figures_changed
from rollout.models import Phase, PilotPlan
from rollout.reports.content import report_content, report_xlsx

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GLEI = 610  # Huyện Đắk Glei: 12 communes
DAK_BLO = 23344  # gets a norm of its own: 6
DAK_NHOONG = 23350  # keeps the plan default: 4
HA_NOI = 1  # loaded without a plan: the setting
BA_DINH = 1
PHUC_XA = 1  # Phường Phúc Xá, Quận Ba Đình
SETTING_NORM = 7  # distinct from the plan's 4 and the own 6


@pytest.fixture
def norms(kon_tum, settings):
    """Kon Tum with a plan whose default is 4 and Đắk Blô at 6; Hà Nội without a plan, the setting at 7."""
    settings.DEFAULT_STAFFING_NORM = SETTING_NORM
    divisions_load(province_codes=[HA_NOI])
    plan = PilotPlan.objects.create(
        province=kon_tum, name="Kế hoạch thí điểm Kon Tum", started_on=TODAY - datetime.timedelta(days=30),
        target_on=TODAY + datetime.timedelta(days=120), default_staffing_norm=4,
    )  # fmt: skip
    Commune.objects.filter(code=DAK_BLO).update(staffing_norm=6)
    figures_changed()  # the setting and the UPDATE went past the services: the communes' stored states
    return plan


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def list_norm(response, code: int) -> str:
    """The staffing norm cell of a commune's row in the commune list."""
    match = re.search(
        rf'data-testid="commune-row" data-code="{code}">.*?data-testid="commune-norm">(.*?)</td>',
        response.content.decode(),
        re.S,
    )
    assert match, code
    return plain(match.group(1))


def detail_norm(response) -> str:
    match = re.search(r'data-testid="commune-norm">(.*?)</dd>', response.content.decode(), re.S)
    assert match
    return plain(match.group(1))


def drill_down_cell(response, code: int) -> str:
    """The "officers / norm" cell of a commune's row on a district's dashboard page."""
    match = re.search(
        rf'data-testid="commune-row" data-code="{code}">.*?data-figure="deployed">(.*?)</td>',
        response.content.decode(),
        re.S,
    )
    assert match, code
    return plain(match.group(1)).split(" ", 3)[:3]


def district_sum(code: int) -> int:
    return Commune.objects.filter(district_id=code).with_staffing_norm().aggregate(n=Sum("norm"))["n"]


def test_the_one_definition(norms):
    communes = {c.code: c for c in Commune.objects.with_staffing_norm().filter(code__in=[DAK_BLO, DAK_NHOONG, PHUC_XA])}
    assert [(communes[c].norm, communes[c].norm_is_default) for c in (DAK_BLO, DAK_NHOONG, PHUC_XA)] == [
        (6, False),
        (4, True),
        (SETTING_NORM, True),
    ]
    assert district_sum(GLEI) == 6 + 4 * 11


def test_the_commune_list_and_page_show_the_same_norm(client_as, norms):
    http = client_as("committee")
    glei = http.get("/communes/", {"district": GLEI})
    assert list_norm(glei, DAK_BLO) == "6"  # its own: not marked
    assert list_norm(glei, DAK_NHOONG) == "4*"  # the plan's default, marked
    assert list_norm(http.get("/communes/", {"q": "phuc xa"}), PHUC_XA) == f"{SETTING_NORM}*"

    assert detail_norm(http.get(f"/communes/{DAK_BLO}/")) == "6"
    assert detail_norm(http.get(f"/communes/{DAK_NHOONG}/")) == f"4 ({vi('plan default')})"
    assert detail_norm(http.get(f"/communes/{PHUC_XA}/")) == f"{SETTING_NORM} ({vi('plan default')})"


def test_the_dashboard_shows_the_same_norm(client_as, norms):
    http = client_as("committee")
    drill_down = http.get(f"/dashboard/district/{GLEI}/")
    rows = {row["code"]: row for row in drill_down.context["communes"]}
    assert (rows[DAK_BLO]["norm"], rows[DAK_NHOONG]["norm"]) == (6, 4)
    assert drill_down_cell(drill_down, DAK_NHOONG) == ["0", "/", "4"]
    assert drill_down_cell(drill_down, DAK_BLO) == ["0", "/", "6"]
    assert drill_down.context["figures"].staffing_norm == district_sum(GLEI) == 50
    ba_dinh = http.get(f"/dashboard/district/{BA_DINH}/")
    assert {row["code"]: row["norm"] for row in ba_dinh.context["communes"]}[PHUC_XA] == SETTING_NORM

    kon_tum = http.get("/", {"province": 62})
    by_district = {row["district"].code: row["figures"] for row in kon_tum.context["rows"]}
    assert by_district[GLEI].staffing_norm == 50
    assert kon_tum.context["figures"].staffing_norm == 6 + 4 * 101

    country = http.get("/", {"province": ""})
    by_province = {row["province"].code: row["figures"] for row in country.context["rows"]}
    ha_noi_communes = Commune.objects.filter(district__province_id=HA_NOI).count()
    assert by_province[HA_NOI].staffing_norm == SETTING_NORM * ha_noi_communes
    assert by_province[62].staffing_norm == 6 + 4 * 101


def test_the_phase_page_shows_the_same_norm(client_as, norms):
    phase = Phase.objects.create(plan=norms, number=1, name="Đợt 1", target_on=TODAY + datetime.timedelta(days=30))
    phase.communes.set([DAK_BLO, DAK_NHOONG])
    response = client_as("committee").get(f"/plan/phases/{phase.pk}/")
    assert response.status_code == 200
    assert {row["code"]: row["norm"] for row in response.context["communes"]} == {DAK_BLO: 6, DAK_NHOONG: 4}


def test_the_report_shows_the_same_norm(norms):
    content = report_content(
        province=Province.objects.get(code=62), period_start=TODAY - datetime.timedelta(days=6), period_end=TODAY
    )
    by_district = {row["district"].code: row["figures"] for row in content.districts}
    assert by_district[GLEI].staffing_norm == district_sum(GLEI) == 50
    assert content.at_end.staffing_norm == content.before.staffing_norm == 6 + 4 * 101
    with translation.override("vi"):
        sheet = load_workbook(io.BytesIO(report_xlsx(content))).worksheets[1]
        header, *rows = sheet.iter_rows(values_only=True)
        column = header.index(translation.gettext("Staffing norm (officers)"))
    glei = next(row for row in rows if row[1] == "Huyện Đắk Glei")
    assert glei[column] == 50

    national = report_content(province=None, period_start=TODAY - datetime.timedelta(days=6), period_end=TODAY)
    ba_dinh = next(row["figures"] for row in national.districts if row["district"].code == BA_DINH)
    assert ba_dinh.staffing_norm == SETTING_NORM * ba_dinh.communes
