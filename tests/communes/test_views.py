"""The commune list, detail, export and the start page: what each role sees, filters, search, sorting, queries."""

import io
import re

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from communes.context_processors import DEMO_DATA_CACHE_KEY
from communes.demo import DEMO_BORDER_COMMUNES, DEMO_KEY_AREA_COMMUNES, demo_baseline_apply
from communes.models import Commune, CommuneKind, Coverage, District
from communes.resources import COLUMN_CODE
from communes.services import divisions_load
from rollout.core.figures_cache import figures_changed
from rollout.core.text import collation_key

DEMO_DISTRICT = 610  # Huyện Đắk Glei: 12 communes
OTHER_DISTRICT_COMMUNE = 23377  # Thị trấn Plei Kần, Huyện Ngọc Hồi (611)
DAK_BLO = 23344  # Xã Đắk Blô, Huyện Đắk Glei
KON_RAY = 614  # Huyện Kon Rẫy: 7 communes
HA_NOI = 1
PHUC_XA = 1  # Phường Phúc Xá, Quận Ba Đình, Hà Nội

# The most queries a page may make, whatever the number of communes. Every signed-in page costs 5 (session,
# user, user and group permissions, groups) plus 1 for a clerk's unit in the top bar. The list adds totals,
# district choices and the page of rows; the detail the commune, its languages and its assignments; the start
# page (the dashboard) its figures, table, plans, snapshots, overdue work and reports (see
# tests/rollout/test_dashboard.py). The same bound holds for Kon Tum's 102 communes and the 10,051.
LIST_MAX_QUERIES = 9
DETAIL_MAX_QUERIES = 9
HOME_MAX_QUERIES = 17


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The demo-data flag is cached; start each test without a stale answer from another."""
    cache.delete(DEMO_DATA_CACHE_KEY)
    yield
    cache.delete(DEMO_DATA_CACHE_KEY)


def page_codes(response) -> list[int]:
    """The commune codes of the rows shown, in order."""
    return [int(code) for code in re.findall(r'data-testid="commune-row" data-code="(\d+)"', response.content.decode())]


def totals_numbers(response) -> list[int]:
    """The numbers in the totals line ("102 communes in 10 districts: 48 covered, 54 uncovered"), sorted; the
    translation may reorder the sentence, so the numbers are compared as a multiset."""
    html = response.content.decode()
    match = re.search(r'data-testid="commune-totals">(.*?)</p>', html, re.S)
    assert match, "totals line missing"
    text = re.sub(r"<[^>]+>", " ", match.group(1))
    return sorted(int(n.replace(".", "").replace(",", "")) for n in re.findall(r"\d[\d.,]*\d|\d", text))


def export_codes(response) -> list[int]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index(COLUMN_CODE)
    return [int(row[column]) for row in rows[1:]]


def district_rows(response) -> list[int]:
    return [int(d) for d in re.findall(r'data-testid="district-row" data-district="(\d+)"', response.content.decode())]


def text_of_testid(response, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)<', response.content.decode(), re.S)
    assert match, testid
    return match.group(1).strip()


# --- The list: totals, filters, search ---------------------------------------------------------------------


def test_the_list_shows_kon_tum_totals_102_communes_10_districts_54_uncovered(client_as, demo_baseline):
    response = client_as("committee").get("/communes/")
    assert response.status_code == 200
    assert response.context["totals"] == {"communes": 102, "districts": 10, "uncovered": 54, "covered": 48}
    assert totals_numbers(response) == sorted([102, 10, 48, 54])
    assert len(page_codes(response)) == 50


def test_without_demo_data_every_commune_is_uncovered(client_as, kon_tum):
    response = client_as("committee").get("/communes/")
    assert response.context["totals"] == {"communes": 102, "districts": 10, "uncovered": 102, "covered": 0}


@pytest.mark.parametrize(
    ("query", "communes"),
    [
        ("district=610", 12),
        ("district=614", 7),
        ("kind=ward", 10),
        ("kind=township", 7),
        ("kind=commune", 85),
        ("coverage=covered", 48),
        ("coverage=uncovered", 54),
        ("coverage=baseline", 48),
        ("coverage=pilot", 0),
        ("is_key_area=yes", len(set(DEMO_KEY_AREA_COMMUNES))),
        ("is_key_area=no", 102 - len(set(DEMO_KEY_AREA_COMMUNES))),
        ("is_border=yes", len(DEMO_BORDER_COMMUNES)),
        ("is_border=no", 102 - len(DEMO_BORDER_COMMUNES)),
        ("district=610&coverage=uncovered", None),
        ("kind=commune&is_border=yes&coverage=covered", len(DEMO_BORDER_COMMUNES)),
    ],
)
def test_filters(client_as, demo_baseline, query, communes):
    response = client_as("committee").get(f"/communes/?{query}")
    assert response.status_code == 200
    assert "filter-errors" not in response.content.decode()
    expected = Commune.objects.all()
    for pair in query.split("&"):
        name, value = pair.split("=")
        if name == "district":
            expected = expected.filter(district_id=int(value))
        elif name == "kind":
            expected = expected.filter(kind=value)
        elif name == "coverage":
            expected = (
                expected.exclude(coverage=Coverage.UNCOVERED) if value == "covered" else expected.filter(coverage=value)
            )
        else:
            expected = expected.filter(**{name: value == "yes"})
    totals = response.context["totals"]
    assert totals["communes"] == expected.count()
    assert totals["districts"] == expected.values("district_id").distinct().count()
    assert totals["uncovered"] == expected.filter(coverage=Coverage.UNCOVERED).count()
    if communes is not None:
        assert totals["communes"] == communes
    shown = page_codes(response)
    assert set(shown) <= set(expected.values_list("code", flat=True))
    assert len(shown) == min(50, expected.count())


def test_the_filter_form_keeps_the_chosen_values(client_as, demo_baseline):
    html = client_as("committee").get("/communes/?district=610&kind=commune&is_border=yes").content.decode()
    assert '<option value="610" selected>' in html
    assert '<option value="commune" selected>' in html
    assert '<option value="yes" selected>' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dak blo", {DAK_BLO}),
        ("ĐẮK BLÔ", {DAK_BLO}),
        ("Đắk Blô", {DAK_BLO}),
        ("  dak   BLO ", {DAK_BLO}),
        ("xa dak blo", {DAK_BLO}),
        (str(DAK_BLO), {DAK_BLO}),
        (str(OTHER_DISTRICT_COMMUNE), {OTHER_DISTRICT_COMMUNE}),
        ("khong co xa nay", set()),
    ],
)
def test_accent_insensitive_search(client_as, kon_tum, text, expected):
    response = client_as("committee").get("/communes/", {"q": text})
    assert response.status_code == 200
    assert set(page_codes(response)) == expected
    assert response.context["totals"]["communes"] == len(expected)


@pytest.mark.parametrize("text", ["kon ray", "Kon Rẫy", "KON RAY", "huyen kon ray"])
def test_search_matches_the_district_name(client_as, kon_tum, text):
    response = client_as("committee").get("/communes/", {"q": text})
    kon_ray = set(Commune.objects.filter(district_id=KON_RAY).values_list("code", flat=True))
    assert len(kon_ray) == 7
    assert set(page_codes(response)) == kon_ray


def test_search_and_filters_combine(client_as, demo_baseline):
    response = client_as("committee").get("/communes/", {"q": "dak", "district": DEMO_DISTRICT, "is_border": "yes"})
    codes = set(page_codes(response))
    assert DAK_BLO in codes
    assert codes == set(
        Commune.objects.filter(district_id=DEMO_DISTRICT, is_border=True, search_key__contains="dak").values_list(
            "code", flat=True
        )
    )


# --- Sorting and pagination ------------------------------------------------------------------------------------


def test_sort_by_name_is_vietnamese_order_without_the_unit_prefix(client_as, kon_tum):
    http = client_as("committee")
    codes = [code for page in (1, 2, 3) for code in page_codes(http.get(f"/communes/?sort=name&page={page}"))]
    communes = Commune.objects.in_bulk(codes)
    names = [communes[code].name for code in codes]
    assert len(names) == 102
    assert names == sorted(names, key=collation_key)
    bare = [name.split(" ", 1)[1] if name.startswith(("Xã ", "Phường ")) else name for name in names]
    # "Xã Đắk …" after "Xã Diên Bình": Đ follows D, and "Phường"/"Xã" does not decide the order.
    first_dak = next(i for i, name in enumerate(bare) if name.startswith("Đ"))
    assert all(not name.startswith("Đ") for name in bare[:first_dak])
    assert not any(name.startswith(("D", "A", "B", "C")) for name in bare[first_dak:] if not name.startswith("Đ"))
    assert "Phường" in " ".join(names[:60]) and "Xã" in " ".join(names[:10])


def test_sort_descending_by_population_puts_unknown_populations_last(client_as, kon_tum):
    populations = {DAK_BLO: 9000, OTHER_DISTRICT_COMMUNE: 12000, 23311: 500}
    for code, population in populations.items():
        Commune.objects.filter(code=code).update(population=population)
    codes = page_codes(client_as("committee").get("/communes/?sort=-population"))
    assert codes[:3] == [OTHER_DISTRICT_COMMUNE, DAK_BLO, 23311]
    codes = page_codes(client_as("committee").get("/communes/?sort=population"))
    assert codes[:3] == [23311, DAK_BLO, OTHER_DISTRICT_COMMUNE]


def test_sort_by_code_descending_goes_by_district_then_code(client_as, kon_tum):
    codes = page_codes(client_as("committee").get("/communes/?sort=-code"))
    assert codes[0] == Commune.objects.order_by("-district_id", "-code").first().code


def test_sort_links_keep_the_filters_and_flip_direction(client_as, kon_tum):
    html = client_as("committee").get("/communes/?district=610&sort=name").content.decode()
    assert "?district=610&amp;sort=-name" in html
    assert "?district=610&amp;sort=population" in html


@pytest.mark.parametrize("value", ["password", "--name", "-", "name;drop", "district__province__name", "ſ" * 300])
def test_a_bad_sort_value_is_ignored(client_as, kon_tum, value):
    response = client_as("committee").get("/communes/", {"sort": value})
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' not in response.content.decode()
    assert page_codes(response) == page_codes(client_as("committee").get("/communes/"))


def test_pagination_50_per_page(client_as, kon_tum):
    http = client_as("committee")
    first = http.get("/communes/")
    assert first.context["paginator"].num_pages == 3
    second = http.get("/communes/?page=2")
    third = http.get("/communes/?page=3")
    assert len(page_codes(second)) == 50
    assert len(page_codes(third)) == 2
    everything = page_codes(first) + page_codes(second) + page_codes(third)
    assert sorted(everything) == sorted(Commune.objects.values_list("code", flat=True))
    assert everything == list(Commune.objects.order_by("district_id", "code").values_list("code", flat=True))


def test_pagination_links_keep_the_filters(client_as, kon_tum):
    html = client_as("committee").get("/communes/?kind=commune&page=1").content.decode()
    assert "?kind=commune&amp;page=2" in html
    assert "page=1&amp;page=" not in html


@pytest.mark.parametrize(
    "query",
    [
        "district=abc",
        "district=99999999999999999999",
        "district=-1",
        "kind=zzz",
        "coverage=everything",
        "is_key_area=maybe",
        "is_border=1",
        "sort=",
        "sort=-",
        "sort=name;drop table",
        "page=abc",
        "page=9999",
        "page=0",
        "page=-1",
        "page=1.5",
        "q=" + "x" * 101,
        "q=%00",
        "q=99999999999999999999",
        "q=%25%25",
        "q=_",
        "district=610&district=611",
    ],
)
def test_bad_filter_values_never_answer_500(client_as, kon_tum, query):
    response = client_as("committee").get(f"/communes/?{query}")
    assert response.status_code == 200
    export = client_as("committee").get(f"/communes/export.xlsx?{query}")
    assert export.status_code == 200


@pytest.mark.parametrize(("query", "shown"), [("district=abc", 0), ("kind=zzz", 0), ("page=abc", 50), ("page=9999", 2)])
def test_bad_filter_values_say_what_is_wrong(client_as, kon_tum, query, shown):
    response = client_as("committee").get(f"/communes/?{query}")
    assert len(page_codes(response)) == shown
    assert ('data-testid="filter-errors"' in response.content.decode()) == (shown == 0)


def test_the_search_text_is_escaped_when_shown_back(client_as, kon_tum):
    html = client_as("committee").get("/communes/", {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


# --- Scoping -------------------------------------------------------------------------------------------------


def test_the_district_clerk_sees_only_their_12_communes(client_as, demo_baseline):
    http = client_as("district_clerk")
    own = set(Commune.objects.filter(district_id=DEMO_DISTRICT).values_list("code", flat=True))
    assert len(own) == 12

    response = http.get("/communes/")
    assert set(page_codes(response)) == own
    assert response.context["totals"]["communes"] == 12
    assert response.context["totals"]["districts"] == 1
    # The district choices are only their own district.
    assert [d.pk for d in response.context["filter"].form.fields["district"].queryset] == [DEMO_DISTRICT]

    home = http.get("/")
    assert district_rows(home) == [DEMO_DISTRICT]
    assert text_of_testid(home, "covered").replace(" ", "") == f"{home.context['figures'].covered}/12"

    assert set(export_codes(http.get("/communes/export.xlsx"))) == own
    assert http.get(f"/communes/{DAK_BLO}/").status_code == 200


def test_the_district_clerk_cannot_reach_another_district(client_as, kon_tum):
    http = client_as("district_clerk")
    assert http.get(f"/communes/{OTHER_DISTRICT_COMMUNE}/").status_code == 404
    assert page_codes(http.get("/communes/?district=611")) == []
    assert export_codes(http.get("/communes/export.xlsx?district=611")) == []
    assert page_codes(http.get("/communes/", {"q": "kon ray"})) == []
    assert page_codes(http.get("/communes/", {"q": str(OTHER_DISTRICT_COMMUNE)})) == []


def test_the_provincial_clerk_sees_only_their_province(client_as, kon_tum):
    divisions_load(province_codes=[HA_NOI])
    assert Commune.objects.count() > 102
    http = client_as("provincial_clerk")

    response = http.get("/communes/")
    assert response.context["totals"]["communes"] == 102
    assert response.context["totals"]["districts"] == 10
    assert len(district_rows(http.get("/"))) == 10
    assert len(export_codes(http.get("/communes/export.xlsx"))) == 102
    assert http.get(f"/communes/{PHUC_XA}/").status_code == 404
    assert http.get(f"/communes/{DAK_BLO}/").status_code == 200
    assert page_codes(http.get("/communes/", {"q": "phuc xa"})) == []


def test_a_clerk_without_a_unit_sees_an_empty_list_not_everything(client, kon_tum):
    from accounts.roles import Role
    from tests.factories import user_with_role

    client.force_login(user_with_role(Role.PROVINCIAL_CLERK, suffix="nounit"))
    response = client.get("/communes/")
    assert response.status_code == 200
    assert response.context["totals"]["communes"] == 0
    assert page_codes(response) == []
    assert district_rows(client.get("/")) == []
    assert client.get(f"/communes/{DAK_BLO}/").status_code == 404
    assert export_codes(client.get("/communes/export.xlsx")) == []


@pytest.mark.parametrize("role", ["committee", "administrator"])
def test_the_committee_and_administrators_see_every_province(client_as, kon_tum, role):
    divisions_load(province_codes=[HA_NOI])
    total = Commune.objects.count()
    http = client_as(role)

    response = http.get("/communes/")
    assert response.context["totals"]["communes"] == total
    # The dashboard shows the whole country by province, each province by district.
    assert re.findall(r'data-testid="province-row" data-province="(\d+)"', http.get("/").content.decode()) == [
        "1",
        "62",
    ]
    assert len(district_rows(http.get("/?province=62"))) == 10
    assert (
        len(district_rows(http.get(f"/?province={HA_NOI}")))
        == Commune.objects.filter(district__province_id=HA_NOI).values("district_id").distinct().count()
    )
    assert len(export_codes(http.get("/communes/export.xlsx"))) == total
    assert http.get(f"/communes/{PHUC_XA}/").status_code == 200
    assert page_codes(http.get("/communes/", {"q": "phuc xa"})) == [PHUC_XA]


def test_export_follows_the_list_filters(client_as, demo_baseline):
    http = client_as("committee")
    expected = set(
        Commune.objects.filter(district_id=DEMO_DISTRICT, coverage=Coverage.UNCOVERED).values_list("code", flat=True)
    )
    assert expected
    assert set(export_codes(http.get(f"/communes/export.xlsx?district={DEMO_DISTRICT}&coverage=uncovered"))) == expected
    assert export_codes(http.get("/communes/export.xlsx", {"q": "dak blo"})) == [DAK_BLO]
    # The list's export button carries the same filters.
    html = http.get(f"/communes/?district={DEMO_DISTRICT}&coverage=uncovered&page=2").content.decode()
    assert f'href="/communes/export.xlsx?district={DEMO_DISTRICT}&amp;coverage=uncovered"' in html


# --- Detail and start page --------------------------------------------------------------------------------


def test_commune_detail(client_as, demo_baseline):
    response = client_as("committee").get(f"/communes/{DAK_BLO}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Xã Đắk Blô" in html
    assert "Huyện Đắk Glei" in html
    assert "Tỉnh Kon Tum" in html
    assert f"?district={DEMO_DISTRICT}" in html  # breadcrumb to the district's communes
    assert re.search(r'data-testid="coverage-badge" data-coverage="baseline"', html)


def _norm_cell(html: str, code: int | None = None) -> str:
    pattern = (
        rf'data-testid="commune-row" data-code="{code}">.*?data-testid="commune-norm">(.*?)</td>'
        if code
        else r'data-testid="commune-norm">(.*?)</dd>'
    )
    match = re.search(pattern, html, re.S)
    assert match, code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_staffing_norm_is_the_communes_own_else_the_plans_else_the_setting(client_as, kon_tum, settings):
    from rollout.models import PilotPlan

    settings.DEFAULT_STAFFING_NORM = 7
    http = client_as("committee")
    Commune.objects.filter(code=DAK_BLO).update(staffing_norm=6)
    other = Commune.objects.filter(district_id=DEMO_DISTRICT).exclude(code=DAK_BLO).first().code
    with translation.override("vi"):
        plan_default = translation.gettext("plan default")

    # no plan yet: the setting, marked as the default
    assert _norm_cell(http.get("/communes/", {"district": DEMO_DISTRICT}).content.decode(), other) == "7*"
    assert _norm_cell(http.get(f"/communes/{other}/").content.decode()) == f"7 ({plan_default})"

    PilotPlan.objects.create(province=kon_tum, name="Kế hoạch", started_on="2026-01-01", target_on="2026-12-31",
                             default_staffing_norm=4)  # fmt: skip
    listed = http.get("/communes/", {"district": DEMO_DISTRICT}).content.decode()
    assert _norm_cell(listed, other) == "4*"
    assert _norm_cell(listed, DAK_BLO) == "6"
    assert _norm_cell(http.get(f"/communes/{other}/").content.decode()) == f"4 ({plan_default})"
    assert _norm_cell(http.get(f"/communes/{DAK_BLO}/").content.decode()) == "6"


def test_the_export_keeps_the_communes_own_norm_blank_for_the_default(client_as, kon_tum):
    from rollout.models import PilotPlan

    PilotPlan.objects.create(province=kon_tum, name="Kế hoạch", started_on="2026-01-01", target_on="2026-12-31",
                             default_staffing_norm=4)  # fmt: skip
    Commune.objects.filter(code=DAK_BLO).update(staffing_norm=6)
    figures_changed(commune_codes=[DAK_BLO])  # written past the services
    response = client_as("committee").get("/communes/export.xlsx", {"district": DEMO_DISTRICT})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    code, norm = rows[0].index(COLUMN_CODE), rows[0].index("Định biên")
    norms = {int(row[code]): row[norm] for row in rows[1:]}
    assert norms.pop(DAK_BLO) == 6
    assert set(norms.values()) == {None}  # the import column: blank means the default, as an import reads it


def test_an_unknown_commune_answers_404(client_as, kon_tum):
    assert client_as("committee").get("/communes/99999/").status_code == 404


def test_the_start_page_table_per_district(client_as, demo_baseline):
    response = client_as("committee").get("/")
    assert response.status_code == 200
    assert text_of_testid(response, "covered").replace(" ", "") == "48/102"
    assert text_of_testid(response, "uncovered") == "54"
    rows = response.context["rows"]
    assert (
        district_rows(response)
        == sorted(row["district"].code for row in rows)
        == [d.code for d in District.objects.filter(province_id=62)]
    )
    assert sum(row["figures"].communes for row in rows) == 102
    assert sum(row["figures"].uncovered for row in rows) == 54
    glei = next(row["figures"] for row in rows if row["district"].code == DEMO_DISTRICT)
    assert glei.communes == 12
    assert (
        glei.covered == Commune.objects.filter(district_id=DEMO_DISTRICT).exclude(coverage=Coverage.UNCOVERED).count()
    )
    assert glei.covered_percent == round(100 * glei.covered / 12, 1)


def test_the_start_page_without_data(client_as, users):
    Commune.objects.all().delete()
    response = client_as("committee").get("/")
    assert response.status_code == 200
    assert district_rows(response) == []
    assert response.context["figures"].communes == 0


# --- Coverage badge and demo banner -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coverage", "colour"),
    [
        (Coverage.UNCOVERED, "text-bg-danger"),
        (Coverage.BASELINE, "text-bg-success"),
        (Coverage.PILOT, "text-bg-primary"),
    ],
)
def test_coverage_badge_shows_colour_and_words(client_as, kon_tum, coverage, colour):
    Commune.objects.filter(code=DAK_BLO).update(coverage=coverage)
    figures_changed(commune_codes=[DAK_BLO])  # written past the services
    html = client_as("committee").get(f"/communes/{DAK_BLO}/").content.decode()
    badge = re.search(
        rf'<span class="badge ([^"]*)" data-testid="coverage-badge" data-coverage="{coverage}">(.*?)</span>', html
    )
    assert badge
    assert colour in badge.group(1)
    with translation.override("vi"):
        words = str(coverage.label)
    assert words in badge.group(2)


def test_coverage_badge_words_follow_the_language(client_as, kon_tum):
    http = client_as("committee")
    http.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = http.get(f"/communes/{DAK_BLO}/").content.decode()
    assert "Uncovered" in html


def test_the_list_shows_the_badge_on_every_row(client_as, demo_baseline):
    html = client_as("committee").get("/communes/?district=610").content.decode()
    badges = re.findall(r'data-testid="coverage-badge" data-coverage="(\w+)"', html)
    assert len(badges) == 12
    assert set(badges) == {Coverage.UNCOVERED, Coverage.BASELINE}


def test_no_demo_banner_without_demo_data(client_as, kon_tum):
    html = client_as("committee").get("/").content.decode()
    assert 'data-testid="demo-banner"' not in html


def test_the_demo_banner_appears_with_demo_data(client_as, demo_baseline):
    for url in ("/", "/communes/", f"/communes/{DAK_BLO}/"):
        assert 'data-testid="demo-banner"' in client_as("committee").get(url).content.decode(), url


def test_the_demo_banner_appears_once_demo_data_is_loaded_even_after_a_cached_answer(
    client_as, kon_tum, django_capture_on_commit_callbacks
):
    http = client_as("committee")
    assert 'data-testid="demo-banner"' not in http.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        demo_baseline_apply()
    assert 'data-testid="demo-banner"' in http.get("/").content.decode()


def test_the_login_page_has_no_demo_banner(client, demo_baseline):
    assert 'data-testid="demo-banner"' not in client.get("/accounts/login/").content.decode()


def test_the_list_shows_kind_and_flags_in_words(client_as, demo_baseline):
    html = client_as("committee").get("/communes/?district=610").content.decode()
    with translation.override("vi"):
        township, commune = str(CommuneKind.TOWNSHIP.label), str(CommuneKind.COMMUNE.label)
    assert html.count(f"<td>{township}</td>") == 1
    assert html.count(f"<td>{commune}</td>") == 11
    border = Commune.objects.filter(district_id=DEMO_DISTRICT, is_border=True).count()
    assert border > 0
    assert html.count('class="bi bi-flag"') == border


# --- Query counts: constant as the data grows ---------------------------------------------------------------


def _load_the_country():
    divisions_load()
    assert Commune.objects.count() == 10_051


def _query_count(django_assert_max_num_queries, http, url, bound):
    with django_assert_max_num_queries(bound) as captured:
        response = http.get(url)
    assert response.status_code == 200
    return len(captured)


LIST_URLS = [
    "/communes/",
    "/communes/?sort=-population&page=2",
    "/communes/?q=dak&kind=commune&coverage=uncovered",
    "/communes/?is_border=no&is_key_area=no&sort=district",
]


@pytest.mark.parametrize("role", ["committee", "district_clerk"])
def test_the_list_query_count_does_not_grow_with_the_communes(
    client_as, demo_baseline, django_assert_max_num_queries, role
):
    http = client_as(role)
    http.get("/")  # warm the demo-data flag
    small = [_query_count(django_assert_max_num_queries, http, url, LIST_MAX_QUERIES) for url in LIST_URLS]
    _load_the_country()
    large = [_query_count(django_assert_max_num_queries, http, url, LIST_MAX_QUERIES) for url in LIST_URLS]
    assert large == small


def test_the_detail_query_count_does_not_grow_with_the_communes(
    client_as, demo_baseline, django_assert_max_num_queries
):
    http = client_as("committee")
    http.get("/")
    small = _query_count(django_assert_max_num_queries, http, f"/communes/{DAK_BLO}/", DETAIL_MAX_QUERIES)
    _load_the_country()
    large = _query_count(django_assert_max_num_queries, http, f"/communes/{DAK_BLO}/", DETAIL_MAX_QUERIES)
    assert large == small


def test_the_home_query_count_does_not_grow_with_the_communes(client_as, demo_baseline, django_assert_max_num_queries):
    http = client_as("committee")
    http.get("/")
    # "/" is Kon Tum while it is the only province loaded, the whole country after: measure both explicitly.
    urls = ["/?province=62", "/?province="]
    small = [_query_count(django_assert_max_num_queries, http, url, HOME_MAX_QUERIES) for url in urls]
    _load_the_country()
    response = http.get("/")
    assert response.context["figures"].communes == 10_051
    assert len(re.findall(r'data-testid="province-row"', response.content.decode())) == 63
    large = [_query_count(django_assert_max_num_queries, http, url, HOME_MAX_QUERIES) for url in urls]
    assert large == small


def test_the_export_query_count_does_not_grow_with_the_communes(client_as, demo_baseline):
    http = client_as("committee")
    http.get("/")
    with CaptureQueriesContext(connection) as one:
        assert export_codes(http.get("/communes/export.xlsx", {"q": "dak blo"})) == [DAK_BLO]
    with CaptureQueriesContext(connection) as all_of_them:
        assert len(export_codes(http.get("/communes/export.xlsx"))) == 102
    assert len(all_of_them) == len(one)
