"""Lists in Vietnamese order on PostgreSQL, and sorting by a clicked column on every list: a whitelist of keys per
list, bad values ignored, pagination and export links that keep the filters and the sort."""

import io
import re
from html import unescape

import openpyxl
import pytest
from django.db import connection

from personnel.choices import OfficerStatus
from rollout.core.text import collation_key
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

# A roster as a Vietnamese clerk expects it: given name first, Đ after D, tones in order, ư after u.
ROSTER = [
    "Trần Văn An",
    "Nguyễn Thị Ánh",
    "Lê Văn Bình",
    "Phạm Văn Bình",
    "Hoàng Dũng",
    "Lê Đức",
    "Đinh Văn Em",
    "Vũ Thị Hoa",
    "Nguyễn Văn Ơn",
    "Lý Văn Tú",
    "Mai Thị Tư",
    "Y Xuân",
]


def names_shown(response) -> list[str]:
    html = response.content.decode()
    rows = re.findall(r'data-testid="officer-row">.*?<a href="[^"]+">([^<]+)</a>', html, flags=re.S)
    return [unescape(name) for name in rows]


@pytest.fixture
def roster(kon_tum):
    # created in an order that is neither the expected one nor the family-name one
    return [OfficerFactory(full_name=name) for name in sorted(ROSTER, key=lambda n: n[::-1])]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the C collation is PostgreSQL's (SQLite compares bytes)")
def test_the_sort_key_column_compares_bytes_on_postgresql(roster):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            ["personnel_officer", "sort_key"],
        )
        assert cursor.fetchone()[0] == "C"


def test_the_officer_list_is_in_vietnamese_order_by_given_name(client_as, roster):
    response = client_as("provincial_clerk").get("/officers/")
    assert names_shown(response) == ROSTER


def test_the_officer_list_sorts_by_name_descending_when_clicked_twice(client_as, roster):
    http = client_as("provincial_clerk")
    first = http.get("/officers/?sort=name")
    assert names_shown(first) == ROSTER
    assert 'href="?sort=-name"' in first.content.decode()  # the next click reverses
    assert names_shown(http.get("/officers/?sort=-name")) == ROSTER[::-1]


def test_a_class_roster_and_the_officer_picker_follow_the_same_order(roster):
    from personnel.models import Officer

    assert [o.full_name for o in Officer.objects.all()] == ROSTER
    assert list(Officer.objects.order_by("sort_key").values_list("sort_key", flat=True)) == sorted(
        collation_key(name, person=True) for name in ROSTER
    )


def test_pagination_keeps_the_sort_and_the_filters(client_as, kon_tum):
    for n in range(60):
        OfficerFactory(full_name=f"Nguyễn Văn {chr(ord('A') + n % 26)}{n:02d}", status=OfficerStatus.VETTED)
    OfficerFactory(full_name="Zô Văn Khác", status=OfficerStatus.CANDIDATE)
    http = client_as("provincial_clerk")
    first = http.get("/officers/?status=vetted&sort=-name")
    html = first.content.decode()
    assert "?status=vetted&amp;sort=-name&amp;page=2" in html
    # the filter form carries the sort, so filtering again keeps it
    assert '<input type="hidden" name="sort" value="-name">' in html
    # the headers keep the filter and reset the page
    assert 'href="?status=vetted&amp;sort=rank"' in html
    second = http.get("/officers/?status=vetted&sort=-name&page=2")
    shown = names_shown(first) + names_shown(second)
    assert len(shown) == 60 and "Zô Văn Khác" not in shown
    assert shown == sorted(shown, key=lambda n: collation_key(n, person=True), reverse=True)
    # the export link keeps both, and the file is in the same order
    assert 'export.xlsx?status=vetted&amp;sort=-name"' in html
    export = http.get("/officers/export.xlsx?status=vetted&sort=-name")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    headers = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(headers) if h and "tên" in h.lower())
    assert [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)] == shown


# (url, role, sort keys) of every list page
LISTS = [
    ("/communes/", "committee", ["code", "name", "district", "population", "coverage"]),
    ("/officers/", "provincial_clerk",
     ["name", "rank", "ethnicity", "district", "status", "police_number", "birth_date"]),
    ("/training/", "provincial_clerk", ["class", "dates", "place", "enrolled", "passed"]),
    ("/training/courses/", "provincial_clerk", ["code", "subject_area", "hours", "classes"]),
    ("/training/untrained/", "provincial_clerk", ["officer", "district", "passed"]),
    ("/training/refreshers/", "provincial_clerk", ["officer", "district", "course", "valid_until"]),
    ("/equipment/shortages/", "provincial_clerk", ["commune", "district", "unmet"]),
    ("/equipment/stock/", "provincial_clerk", ["type", "serial", "warehouse", "status", "received_on"]),
    ("/plan/tasks/", "provincial_clerk", ["deadline", "task", "unit", "status", "completed_on"]),
    ("/reports/", "committee", ["scope", "period", "status", "created"]),
]  # fmt: skip


@pytest.mark.parametrize(("url", "role", "keys"), LISTS, ids=[url for url, _r, _k in LISTS])
def test_every_list_sorts_by_each_of_its_column_headers(client_as, roster, url, role, keys):
    http = client_as(role)
    html = http.get(url).content.decode()
    for key in keys:
        assert f'data-testid="sort-{key}" href="?sort={key}"' in html, key
        for value in (key, f"-{key}"):
            response = http.get(url, {"sort": value})
            assert response.status_code == 200, value
            assert response.context["sort"] == value


@pytest.mark.parametrize(("url", "role", "keys"), LISTS, ids=[url for url, _r, _k in LISTS])
@pytest.mark.parametrize("bad", ["password", "--name", "-", "pk;drop table", "district__province__name", "ſ" * 300])
def test_a_bad_sort_value_is_ignored_never_a_500(client_as, roster, url, role, keys, bad):
    http = client_as(role)
    response = http.get(url, {"sort": bad})
    assert response.status_code == 200
    assert response.context["sort"] == ""
    assert list(response.context["object_list"]) == list(http.get(url).context["object_list"])


def test_a_role_that_sees_masked_police_numbers_cannot_sort_by_them(client_as, roster):
    http = client_as("committee")
    html = http.get("/officers/").content.decode()
    assert 'data-testid="sort-police_number"' not in html
    assert 'data-testid="sort-birth_date"' not in html
    assert http.get("/officers/?sort=police_number").context["sort"] == ""


def test_the_stock_list_sorts_by_serial_number_and_keeps_its_filters(client_as, roster):
    from tests.factories import EquipmentItemFactory

    radio = EquipmentItemFactory(serial_number="BD-002").equipment_type
    for serial in ["BD-010", "BD-001"]:
        EquipmentItemFactory(serial_number=serial, equipment_type=radio)
    EquipmentItemFactory(serial_number="XM-001")  # another type: filtered out
    http = client_as("provincial_clerk")
    for sort, expected in [("serial", ["BD-001", "BD-002", "BD-010"]), ("-serial", ["BD-010", "BD-002", "BD-001"])]:
        response = http.get("/equipment/stock/", {"equipment_type": radio.pk, "sort": sort})
        assert [item.serial_number for item in response.context["object_list"]] == expected
        html = response.content.decode()
        assert f"equipment_type={radio.pk}&amp;sort=" in html  # the headers keep the filter
