"""The register's and the service record's pages and files: role × page, the user's area, masking, the files'
content and layout, their export records, bad parameters, and a constant number of queries."""

import datetime
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import ExportRecord
from communes.models import Commune
from personnel.identifiers import mask
from personnel.services import assignment_create
from tests.builders.register import DAK_GLEI, DAK_MAN, DAK_PEK, build_postings
from tests.builders.world import dmy
from tests.factories import (
    CommuneFactory,
    CourseFactory,
    DistrictFactory,
    OfficerFactory,
    ProvinceFactory,
    UserFactory,
    vet_fully,
)

pytestmark = pytest.mark.django_db

QUANG_TRUNG = 23281  # Phường Quang Trung, Thành phố Kon Tum (608)


@pytest.fixture
def postings(demo_baseline, users):
    return build_postings(users["administrator"])


def _urls(officer) -> dict[str, str]:
    return {
        "index": reverse("register:index"),
        "xlsx": reverse("register:xlsx"),
        "pdf": reverse("register:pdf"),
        "service_record": reverse("register:service_record", args=[officer.pk]),
        "service_record_pdf": reverse("register:service_record_pdf", args=[officer.pk]),
    }


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf", response["Content-Type"]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def _sheets(response) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


# fmt: off
ROLES = ("committee", "provincial_clerk", "district_clerk", "administrator", "no_role")
MATRIX = [
    # page                  committee prov. clerk distr. clerk administrator no role
    ("index",               200,      200,        200,         200,          403),
    ("xlsx",                200,      200,        200,         200,          403),
    ("pdf",                 200,      200,        200,         200,          403),
    ("service_record",      200,      200,        200,         200,          403),
    ("service_record_pdf",  200,      200,        200,         200,          403),
]
# fmt: on


@pytest.mark.parametrize(("page", *ROLES), MATRIX)
def test_role_page_matrix(client_as, postings, page, committee, provincial_clerk, district_clerk, administrator,
                          no_role):  # fmt: skip
    expected = dict(zip(ROLES, (committee, provincial_clerk, district_clerk, administrator, no_role), strict=True))
    url = _urls(postings.officers["A"])[page]
    query = {"district": DAK_GLEI, "day": dmy(postings.days[4])} if page == "pdf" else {}
    for role, status in expected.items():
        response = client_as(role).get(url, query)
        assert response.status_code == status, (page, role, response.status_code)
        if status == 200:
            assert "no-store" in response["Cache-Control"]  # personal data: never kept by the browser


def test_anonymous_users_are_sent_to_sign_in(client, postings):
    for url in _urls(postings.officers["A"]).values():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_register_of_a_past_day_shows_who_held_each_post_since_when_and_by_which_decision(client_as, postings):
    a, b, c = (postings.officers[k] for k in "ABC")
    d4 = postings.days[4]
    page = client_as("provincial_clerk").get(reverse("register:index"), {"district": DAK_GLEI, "day": dmy(d4)})
    html = page.content.decode()
    assert page.status_code == 200
    man = html[html.index(f'data-testid="commune-row" data-code="{DAK_MAN}"') :]
    man = man[: man.index('data-testid="commune-row"', 30)]
    assert c.full_name in man and b.full_name in man and a.full_name not in man
    assert "03/QĐ-CAH" in man and "04/QĐ-CAH" in man and dmy(postings.days[3]) in man
    assert f'data-officer="{c.pk}" data-post="chief"' in man and f'data-officer="{b.pk}" data-post="deputy"' in man
    assert 'data-state="yes"' in man and 'data-state="no"' in man  # C trained then, B not
    assert f'data-testid="chiefless" data-code="{DAK_PEK}"' in html  # Đắk Pék had no chief yet
    assert f'data-testid="chiefless" data-code="{DAK_MAN}"' not in html
    assert "Xã Đắk Man" in html and "Sổ theo dõi bố trí" in html and f"ngày {dmy(d4)}" in html


def test_today_is_the_default_and_the_breadcrumbs_lead_up_the_area(client_as, postings):
    d = postings.officers["D"]
    http = client_as("provincial_clerk")
    html = http.get(reverse("register:index"), {"commune": DAK_MAN}).content.decode()
    assert d.full_name in html  # D is chief today
    crumbs = html[html.index('data-testid="breadcrumbs"') : html.index("</ol>")]
    assert "Tỉnh Kon Tum" in crumbs and "Huyện Đắk Glei" in crumbs and "Xã Đắk Man" in crumbs
    assert "?province=62&amp;district=610&amp;day=" in crumbs  # the district's register, the same day


def test_a_district_clerk_sees_their_district_only_and_is_told_when_asking_for_another(client_as, postings, users):
    admin = users["administrator"]
    city_chief = vet_fully(OfficerFactory(full_name="Trần Văn Phố", district_id=608), admin)
    assignment_create(officer=city_chief, commune=Commune.objects.get(code=QUANG_TRUNG), post="chief",
                      decision_number="9/QĐ", decision_date=postings.days[1], started_on=postings.days[1],
                      created_by=admin, override_reason="x")  # fmt: skip
    http = client_as("district_clerk")
    html = http.get(reverse("register:index")).content.decode()
    assert "Trần Văn Phố" not in html and "Quang Trung" not in html and "Xã Đắk Man" in html
    for params in ({"district": 608}, {"commune": QUANG_TRUNG}, {"province": 99}):
        response = http.get(reverse("register:index"), params)
        page = response.content.decode()
        assert response.status_code == 200 and 'data-testid="register-errors"' in page, params
        assert "Trần Văn Phố" not in page and "Quang Trung" not in page
    workbook = http.get(reverse("register:xlsx"))
    assert "Trần Văn Phố" not in str(_sheets(workbook))
    # the provincial clerk sees the city's chief
    assert "Trần Văn Phố" in client_as("provincial_clerk").get(reverse("register:index")).content.decode()


def test_a_clerk_of_another_province_gets_404_for_a_service_record_and_an_error_for_the_register(client, postings):
    other = ProvinceFactory()
    CommuneFactory(district=DistrictFactory(province=other))
    clerk = UserFactory(role="Provincial clerk", province=other)
    client.force_login(clerk)
    a = postings.officers["A"]
    assert client.get(reverse("register:service_record", args=[a.pk])).status_code == 404
    assert client.get(reverse("register:service_record_pdf", args=[a.pk])).status_code == 404
    page = client.get(reverse("register:index"), {"province": 62}).content.decode()
    assert 'data-testid="register-errors"' in page and a.full_name not in page


def test_the_committee_sees_identifiers_masked_on_the_page_in_excel_and_in_pdf(client_as, postings, users):
    c = postings.officers["C"]
    query = {"district": DAK_GLEI, "day": dmy(postings.days[4])}
    committee = client_as("committee")
    html = committee.get(reverse("register:index"), query).content.decode()
    assert c.full_name in html and c.police_number not in html and mask(c.police_number) in html
    rows = _sheets(committee.get(reverse("register:xlsx"), query))
    text = str(rows)
    assert c.full_name in text and c.police_number not in text and mask(c.police_number) in text
    pdf = _pdf_text(committee.get(reverse("register:pdf"), query))
    assert c.full_name in pdf and c.police_number not in pdf
    records = ExportRecord.objects.filter(user=users["committee"]).order_by("pk")
    assert [(r.file_name, r.rows, r.identifiers_shown) for r in records] == [
        (f"so-theo-doi-bo-tri_62-610_{postings.days[4]:%Y-%m-%d}.xlsx", 2, False),
        (f"so-theo-doi-bo-tri_62-610_{postings.days[4]:%Y-%m-%d}.pdf", 2, False),
    ]
    # a clerk's files show them, and are recorded as such
    clerk = client_as("provincial_clerk")
    assert c.police_number in str(_sheets(clerk.get(reverse("register:xlsx"), query)))
    assert c.police_number in _pdf_text(clerk.get(reverse("register:pdf"), query))
    shown = ExportRecord.objects.filter(user=users["provincial_clerk"]).values_list("identifiers_shown", flat=True)
    assert set(shown) == {True}


def test_the_workbook_lists_every_commune_and_those_without_a_chief(client_as, postings):
    d4 = postings.days[4]
    response = client_as("provincial_clerk").get(reverse("register:xlsx"), {"district": DAK_GLEI, "day": dmy(d4)})
    assert response["Content-Disposition"] == f'attachment; filename="so-theo-doi-bo-tri_62-610_{d4:%Y-%m-%d}.xlsx"'
    sheets = _sheets(response)
    register, chiefless = list(sheets.values())
    header = next(i for i, row in enumerate(register) if row and row[0] == "STT")
    rows = register[header + 1 :]
    communes = Commune.objects.filter(district_id=DAK_GLEI).count()
    assert len({row[2] for row in rows}) == communes  # every commune of the district, held or not
    man = [row for row in rows if row[2] == DAK_MAN]
    assert [(r[4], r[5], r[10], r[12]) for r in man] == [
        ("Trưởng Công an xã", postings.officers["C"].full_name, "03/QĐ-CAH", "Đã tập huấn"),
        ("Phó Trưởng Công an xã", postings.officers["B"].full_name, "04/QĐ-CAH", "Chưa tập huấn"),
    ]
    assert man[0][9].date() == postings.days[3]  # since: a real date, shown dd/mm/yyyy
    assert DAK_PEK in [row[2] for row in chiefless] and DAK_MAN not in [row[2] for row in chiefless]
    assert any("ngày " + dmy(d4) in str(cell) for row in register[:header] for cell in row)


def test_the_pdf_is_the_official_layout_in_vietnamese_whatever_the_language(client_as, postings):
    http = client_as("provincial_clerk")
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Register of posts" in http.get(reverse("register:index")).content.decode()
    response = http.get(reverse("register:pdf"), {"district": DAK_GLEI, "day": dmy(postings.days[5])})
    text = _pdf_text(response)
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "CÔNG AN TỈNH KON TUM",
                  "CÔNG AN HUYỆN ĐẮK GLEI", "SỔ THEO DÕI BỐ TRÍ CÔNG AN XÃ CHÍNH QUY", "Công an xã Đắk Man",
                  "Trưởng Công an xã", "Chưa có Trưởng Công an xã", "THỦ TRƯỞNG ĐƠN VỊ", "Kon Tum, ngày"):  # fmt: skip
        assert words in text, words
    assert "Register" not in text and "Trained" not in text
    assert postings.officers["A"].full_name in text  # chief of Đắk Pék from d5


def test_the_service_record_page_and_pdf(client_as, postings, users):
    a = postings.officers["A"]
    d1, d3 = postings.days[1], postings.days[3]
    page = client_as("provincial_clerk").get(reverse("register:service_record", args=[a.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and a.police_number in html
    events = html[html.index('data-testid="chronology"') :]
    assert events.index(dmy(d1)) < events.index(dmy(d3))
    assert "01/QĐ-CAH" in events and "05/QĐ-CAH" in events and "BD-001" in events
    assert 'data-testid="holding"' in html and "bàn giao cho người kế nhiệm" in html
    committee = client_as("committee")
    html = committee.get(reverse("register:service_record", args=[a.pk])).content.decode()
    assert a.police_number not in html and mask(a.police_number) in html
    response = committee.get(reverse("register:service_record_pdf", args=[a.pk]))
    text = _pdf_text(response)
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "QUÁ TRÌNH CÔNG TÁC", a.full_name, "01/QĐ-CAH",
                  "Xã Đắk Pék", "BD-001"):  # fmt: skip
        assert words in text, words
    assert a.police_number not in text
    record = ExportRecord.objects.get(user=users["committee"])
    assert (record.rows, record.identifiers_shown) == (1, False) and record.file_name.startswith("qua-trinh-cong-tac_")


def test_the_pages_lead_to_the_register_and_the_service_record(client_as, postings):
    http = client_as("district_clerk")
    a = postings.officers["A"]
    officer_page = http.get(reverse("personnel:officer_detail", args=[a.pk])).content.decode()
    assert reverse("register:service_record", args=[a.pk]) in officer_page
    commune_page = http.get(reverse("communes:commune_detail", args=[DAK_MAN])).content.decode()
    assert f"{reverse('register:index')}?province=62&amp;district=610&amp;commune={DAK_MAN}" in commune_page
    dashboard = http.get(reverse("dashboard:district", args=[DAK_GLEI])).content.decode()
    assert f"{reverse('register:index')}?province=62&amp;district=610" in dashboard
    home = http.get(reverse("home")).content.decode()
    assert f'href="{reverse("register:index")}"' in home


BAD = [
    ({"day": "32/01/2026"}, "dd/mm/yyyy"),
    ({"day": "2026-13-01"}, "dd/mm/yyyy"),
    ({"day": "01/01/1999"}, "2000"),
    ({"day": "01/01/2099"}, "hôm nay"),
    ({"province": "abc"}, "abc"),
    ({"district": "99999999999999999999"}, "99999999999999999999"),
    ({"commune": "\x00"}, "Xã"),
    ({"district": "<script>alert(1)</script>"}, "&lt;script&gt;"),
]


@pytest.mark.parametrize(("params", "said"), BAD, ids=[str(p) for p, _s in BAD])
@pytest.mark.parametrize("page", ["index", "xlsx", "pdf"])
def test_bad_parameters_give_the_page_with_a_clear_message(client_as, demo_baseline, params, said, page):
    response = client_as("provincial_clerk").get(reverse(f"register:{page}"), params)
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert 'data-testid="register-errors"' in html and said in html
    assert "<script>alert(1)</script>" not in html
    assert not ExportRecord.objects.exists()


def _post_officers(admin, communes):
    day = datetime.date(2026, 6, 1)
    for commune in communes:
        officer = vet_fully(OfficerFactory(district_id=commune.district_id), admin)
        assignment_create(officer=officer, commune=commune, post="officer", decision_number=f"{officer.pk}/QĐ",
                          decision_date=day, started_on=day, created_by=admin)  # fmt: skip


def _queries(http, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    return len(queries)


def test_the_pages_and_files_take_the_same_number_of_queries_for_more_posts(client_as, demo_baseline, users):
    CourseFactory()
    admin = users["administrator"]
    communes = list(Commune.objects.filter(district__province_id=62).order_by("code"))
    _post_officers(admin, communes[:2])
    http = client_as("provincial_clerk")
    urls = [reverse("register:index"), reverse("register:xlsx"), reverse("register:index") + "?district=610"]
    http.get(urls[0])  # the session's first request reads more (the user, their roles)
    few = [_queries(http, url) for url in urls]
    _post_officers(admin, communes[2:40])
    assert [_queries(http, url) for url in urls] == few
    assert max(few) <= 14, few


def test_a_large_area_pages_its_communes_and_keeps_the_summary_of_all(client_as, postings, monkeypatch):
    from rollout.register import views

    monkeypatch.setattr(views, "COMMUNES_PER_PAGE", 5)
    http = client_as("provincial_clerk")
    query = {"district": DAK_GLEI, "day": dmy(postings.days[4])}
    first = http.get(reverse("register:index"), query).content.decode()
    second = http.get(reverse("register:index"), {**query, "page": 2}).content.decode()
    communes = Commune.objects.filter(district_id=DAK_GLEI).count()
    for html in (first, second):
        assert f'data-figure="communes">{communes}<' in html and 'data-figure="held">2<' in html
        assert html.count('data-testid="commune-row"') == 5
    assert f'data-code="{DAK_MAN}"' in first.split('data-testid="register-table"')[1]
    assert f'data-code="{DAK_MAN}"' not in second.split('data-testid="register-table"')[1]
    assert "page=2" in first and "district=610" in first.split("page=2")[0][-200:]
    # a page number past the end shows the last page
    assert http.get(reverse("register:index"), {**query, "page": 99}).status_code == 200


def test_the_pdf_of_an_area_too_large_is_refused_with_a_way_out(client_as, postings, monkeypatch, users):
    from rollout.register import views

    monkeypatch.setattr(views, "PDF_MAX_LINES", 10)
    http = client_as("provincial_clerk")
    page = http.get(reverse("register:index")).content.decode()
    assert 'data-testid="register-pdf-by-district"' in page and 'data-testid="register-pdf"' not in page
    response = http.get(reverse("register:pdf"))
    assert (
        response["Content-Type"].startswith("text/html")
        and 'data-testid="register-refusal"' in response.content.decode()
    )
    assert not ExportRecord.objects.exists()
    # a commune's register is short enough
    response = http.get(reverse("register:pdf"), {"commune": DAK_MAN})
    assert response["Content-Type"] == "application/pdf"
