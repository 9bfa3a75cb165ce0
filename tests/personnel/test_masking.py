"""Personal identifiers — police number, birth date, phone — are masked for the Steering Committee.

The Committee reads everything but holds no ``personnel.view_personal_identifiers``: on the officer list, the
detail page, the history on the detail page and the export it sees a masked value; clerks and administrators
see the real one. Assertions look at the pages and files as delivered, and check that the real value appears
nowhere in them. The officer list also keeps a constant number of queries as the roster grows.
"""

import datetime
import io
import zipfile

import pytest
from django.conf import settings
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from communes.models import District
from personnel import services
from personnel.filters import AGE_BANDS
from personnel.identifiers import MASK, can_see_identifiers, mask
from personnel.models import Language, Officer
from tests.factories import OfficerFactory

DAK_GLEI = 610

NUMBER, NEW_NUMBER = "345-678", "345-679"
BIRTH, NEW_BIRTH = datetime.date(1990, 7, 14), datetime.date(1990, 7, 15)
PHONE, NEW_PHONE = "0935123456", "0977888999"

# Every way the real values could show on a page or in a file.
SECRETS = [
    NUMBER,
    NEW_NUMBER,
    "345678",
    "345679",
    PHONE,
    NEW_PHONE,
    "14/07/1990",
    "15/07/1990",
    "1990-07-14",
    "1990-07-15",
    "14.07.1990",
    "15.07.1990",
]


@pytest.fixture
def officer(kon_tum, users):
    """An officer registered by a clerk, whose police number, birth date and phone were then corrected: the
    history holds the old and the new values."""
    clerk = users["provincial_clerk"]
    officer = services.officer_create(
        user=clerk,
        police_number=NUMBER,
        full_name="Y Nhông",
        birth_date=BIRTH,
        gender="male",
        ethnicity="xo_dang",
        rank=6,
        current_unit="Công an huyện Đắk Glei",
        province=kon_tum,
        district=District.objects.get(code=DAK_GLEI),
        education="university",
        political_theory="intermediate",
        phone=PHONE,
        languages=[Language.objects.get(name="Xơ Đăng")],
    )
    return services.officer_update(
        officer=officer, user=clerk, police_number=NEW_NUMBER, birth_date=NEW_BIRTH, phone=NEW_PHONE
    )


def assert_no_secret(text: str):
    for secret in SECRETS:
        assert secret not in text, secret


def export_of(client) -> tuple[dict, bytes]:
    response = client.get(reverse("personnel:officer_export"))
    assert response.status_code == 200
    headers, *rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1
    return dict(zip(headers, rows[0], strict=True)), response.content


def workbook_text(content: bytes) -> str:
    """Every XML part of the workbook, as text: what a curious user could find by unzipping it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))


# --- the masking function and the template tag ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("345-678", "•••-•78"),
        ("0935123456", "•••••••456"),
        ("+84935123456", "+••••••••456"),
        (datetime.date(1990, 7, 14), "••/••/••••"),
        (None, ""),
        ("", ""),
        ("12", "••"),
        ("1-2", "•-•"),
        ("12345", "•••••"),
    ],
)
def test_mask_keeps_only_the_last_digits_of_long_numbers(value, masked):
    assert mask(value) == masked
    if value:
        assert str(value) not in mask(value)


@pytest.mark.django_db
def test_the_identifier_tag_masks_unless_the_user_may_see(officer, users):
    template = Template("{% load personnel %}{% identifier value %}")

    def render(user, value):
        request = RequestFactory().get("/")
        if user is not None:
            request.user = user
        return template.render(Context({"request": request if user is not None else None, "value": value}))

    assert can_see_identifiers(users["provincial_clerk"])
    assert not can_see_identifiers(users["committee"])
    for role in ("provincial_clerk", "district_clerk", "administrator"):
        assert render(users[role], NEW_NUMBER) == NEW_NUMBER
        assert render(users[role], NEW_BIRTH) == "15/07/1990"
        assert render(users[role], NEW_PHONE) == NEW_PHONE
    for user in (users["committee"], users["no_role"], None):
        assert render(user, NEW_NUMBER) == "•••-•79"
        assert render(user, NEW_BIRTH) == "••/••/••••"
        assert render(user, NEW_PHONE) == "•••••••999"


# --- pages ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_committee_sees_masked_identifiers_on_the_list(officer, client_as):
    response = client_as("committee").get(reverse("personnel:officer_list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Y Nhông" in html
    assert '<td class="font-monospace">•••-•79</td>' in html
    assert "<td>••/••/••••</td>" in html
    assert_no_secret(html)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["provincial_clerk", "district_clerk", "administrator"])
def test_clerks_see_identifiers_in_full_on_the_list(officer, client_as, role):
    response = client_as(role).get(reverse("personnel:officer_list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<td class="font-monospace">{NEW_NUMBER}</td>' in html
    assert "<td>15/07/1990</td>" in html
    assert MASK not in html


@pytest.mark.django_db
def test_committee_sees_masked_identifiers_on_the_detail_page_and_its_history(officer, client_as, users):
    client = client_as("committee")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the field names in the history, in English

    response = client.get(officer.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Y Nhông" in html
    assert '<dd class="col-7 font-monospace">•••-•79</dd>' in html
    assert "••/••/••••" in html
    assert '<dd class="col-7">•••••••999</dd>' in html
    # The history shows that the identifiers changed, and who changed them, but not their values.
    history = response.context["history"]
    [change] = [entry for entry in history if entry.action == "~"]
    assert change.user == users["provincial_clerk"]
    assert sorted(change.changes) == sorted(
        [
            ("police number", "•••-•78", "•••-•79"),
            ("birth date", "••/••/••••", "••/••/••••"),
            ("phone", "•••••••456", "•••••••999"),
        ]
    )
    section = html[html.index('data-testid="history"') :]
    assert "•••••••456 → •••••••999" in section
    assert "•••-•78 → •••-•79" in section
    assert_no_secret(html)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["provincial_clerk", "district_clerk", "administrator"])
def test_clerks_see_identifiers_in_full_on_the_detail_page_and_its_history(officer, client_as, role):
    response = client_as(role).get(officer.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<dd class="col-7 font-monospace">{NEW_NUMBER}</dd>' in html
    assert "15/07/1990" in html
    assert f'<dd class="col-7">{NEW_PHONE}</dd>' in html
    section = html[html.index('data-testid="history"') :]
    assert f"{PHONE} → {NEW_PHONE}" in section
    assert f"{NUMBER} → {NEW_NUMBER}" in section
    assert "14/07/1990 → 15/07/1990" in section
    assert MASK not in html


# --- the export ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_committee_export_masks_identifiers(officer, client_as):
    row, content = export_of(client_as("committee"))

    assert row["Số hiệu"] == "•••-•79"
    assert row["Ngày sinh"] == "••/••/••••"
    assert row["Điện thoại"] == "•••••••999"
    # Everything else is there, as for everyone.
    assert (row["Họ và tên"], row["Cấp bậc"], row["Dân tộc"], row["Ngôn ngữ"], row["Mã huyện quản lý"]) == (
        "Y Nhông",
        "Thượng úy",
        "Xơ Đăng",
        "Xơ Đăng",
        DAK_GLEI,
    )
    text = workbook_text(content)
    assert_no_secret(text)
    # The birth date is not hidden in a date cell either (a date is stored as a serial number).
    serial = str((NEW_BIRTH - datetime.date(1899, 12, 30)).days)
    assert f"<v>{serial}</v>" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["provincial_clerk", "district_clerk", "administrator"])
def test_clerks_export_identifiers_in_full(officer, client_as, role):
    row, content = export_of(client_as(role))

    assert row["Số hiệu"] == NEW_NUMBER
    assert row["Ngày sinh"] == datetime.datetime(1990, 7, 15)
    assert row["Điện thoại"] == NEW_PHONE
    assert MASK not in workbook_text(content)


@pytest.mark.django_db
def test_committee_export_filtered_by_age_is_still_masked(officer, client_as):
    client = client_as("committee")
    officer_age = officer.age
    band = next(b for b, (low, high) in AGE_BANDS.items() if low <= officer_age <= high)

    response = client.get(reverse("personnel:officer_export"), {"age": band, "status": "candidate"})

    headers, *rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert [dict(zip(headers, r, strict=True))["Số hiệu"] for r in rows] == ["•••-•79"]
    assert_no_secret(workbook_text(response.content))


# --- constant queries on the list ----------------------------------------------------------------------


def _add_officers(count: int) -> None:
    languages = list(Language.objects.filter(name__in=["Xơ Đăng", "Ba Na", "Tiếng Việt"]))
    officers = OfficerFactory.create_batch(count, district_id=DAK_GLEI, home_district_id=DAK_GLEI)
    Officer.languages.through.objects.bulk_create(
        Officer.languages.through(officer_id=o.pk, language_id=language.pk)
        for i, o in enumerate(officers)
        for language in languages[: 1 + i % 3]
    )


def _list_queries(client, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("personnel:officer_list"), params)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["committee", "provincial_clerk", "district_clerk"])
def test_the_officer_list_runs_the_same_queries_for_20_and_200_officers(
    kon_tum, client_as, role, django_assert_max_num_queries
):
    client = client_as(role)
    filtered = {"district": str(DAK_GLEI), "language": str(Language.objects.get(name="Ba Na").pk)}
    _add_officers(20)
    client.get(reverse("personnel:officer_list"))  # warm the caches that do not depend on the roster
    few, response = _list_queries(client)
    assert len(response.context["object_list"]) == 20
    few_filtered, response = _list_queries(client, **filtered)
    assert len(response.context["object_list"]) == 20
    assert few <= 12
    assert few_filtered <= few + 2  # the filter's district and language are looked up once

    _add_officers(180)

    with django_assert_max_num_queries(few):
        response = client.get(reverse("personnel:officer_list"))
    assert response.status_code == 200
    assert response.context["total"] == 200
    assert len(response.context["object_list"]) == 50
    html = response.content.decode()
    assert html.count('<tr data-testid="officer-row">') == 50  # one row per officer
    with django_assert_max_num_queries(few_filtered):
        response = client.get(reverse("personnel:officer_list"), {"page": "3", **filtered})
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50
    if role == "committee":
        assert response.content.decode().count("<td>••/••/••••</td>") == 50
    else:
        assert "<td>••/••/••••</td>" not in response.content.decode()
