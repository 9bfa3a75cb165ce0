"""A token of each role reads exactly the rows that role's pages show (the one scoping mechanism,
``visible_to``), in a constant number of queries, and the vetting and snapshots endpoints."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communes.models import Commune, District, Province
from equipment.models import EquipmentItem, EquipmentType, Issuance
from personnel.models import Assignment, Officer, Vetting
from rollout.core.scoping import sees_everything
from rollout.models import Phase, PilotPlan, ProgressSnapshot, Report, Task
from rollout.progress.snapshots import snapshots_record
from training.models import Course, Enrollment, TrainingSession

pytestmark = pytest.mark.usefixtures("shared_world")
ROLES = ["committee", "provincial_clerk", "district_clerk", "administrator"]


def _snapshots(user):
    area = Q(province__in=Province.objects.visible_to(user))
    if sees_everything(user):
        area |= Q(province__isnull=True)
    return ProgressSnapshot.objects.filter(area)


# endpoint, the key of its rows, the rows the role's pages show
LISTS = [
    ("provinces", "code", lambda user: Province.objects.visible_to(user)),
    ("districts", "code", lambda user: District.objects.visible_to(user)),
    ("communes", "code", lambda user: Commune.objects.visible_to(user)),
    ("officers", "id", lambda user: Officer.objects.visible_to(user)),
    ("vettings", "id", lambda user: Vetting.objects.visible_to(user)),
    ("assignments", "id", lambda user: Assignment.objects.visible_to(user)),
    ("courses", "id", lambda user: Course.objects.all()),
    ("classes", "id", lambda user: TrainingSession.objects.visible_to(user)),
    ("enrolments", "id", lambda user: Enrollment.objects.visible_to(user)),
    ("equipment-types", "id", lambda user: EquipmentType.objects.all()),
    ("items", "id", lambda user: EquipmentItem.objects.visible_to(user)),
    ("issuances", "id", lambda user: Issuance.objects.visible_to(user)),
    ("plans", "id", lambda user: PilotPlan.objects.visible_to(user)),
    ("phases", "id", lambda user: Phase.objects.visible_to(user)),
    ("tasks", "id", lambda user: Task.objects.visible_to(user)),
    ("snapshots", "id", _snapshots),
    ("reports", "id", lambda user: Report.objects.visible_to(user)),
]


@pytest.fixture
def snapshots(world):
    return snapshots_record(timezone.localdate())


def _all_keys(http, endpoint: str, key: str) -> list:
    keys, url = [], f"/api/v1/{endpoint}/?page_size=500"
    while url:
        answer = http.get(url)
        assert answer.status_code == 200, (url, answer.content[:300])
        body = answer.json()
        keys += [row[key] for row in body["results"]]
        url = body["next"]
    return keys


@pytest.mark.parametrize("role", ROLES)
def test_a_token_reads_exactly_the_rows_its_pages_show(api_as, users, snapshots, role):
    http, user, differences = api_as(role), users[role], []
    for endpoint, key, shown in LISTS:
        keys = _all_keys(http, endpoint, key)
        expected = sorted(shown(user).values_list("pk", flat=True))
        if sorted(keys) != expected or len(keys) != len(set(keys)):
            differences.append(f"{endpoint}: API {sorted(keys)[:20]}, pages {expected[:20]}")
    assert not differences, "\n".join(differences)


def test_the_areas_differ_so_the_check_can_fail(users, snapshots):
    """The world has rows outside each narrower area: the comparison above would catch a list that ignored it."""
    for endpoint, _key, shown in LISTS:
        if endpoint in ("communes", "districts", "snapshots", "plans", "tasks"):
            country, province, district = (shown(users[r]).count() for r in ROLES[:3])
            assert country > province > 0 and province >= district, endpoint
    for endpoint in ("officers", "assignments", "issuances", "enrolments", "vettings"):
        shown = {row[0]: row[2] for row in LISTS}[endpoint]
        assert shown(users["district_clerk"]).count() < shown(users["provincial_clerk"]).count(), endpoint


@pytest.mark.parametrize(("endpoint", "key", "shown"), LISTS, ids=[row[0] for row in LISTS])
def test_a_list_costs_the_same_queries_for_one_row_as_for_a_page(api_as, snapshots, endpoint, key, shown):
    http = api_as("administrator")
    http.get(f"/api/v1/{endpoint}/?page_size=1")  # the token's first use of the minute is recorded once
    counts = []
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert http.get(f"/api/v1/{endpoint}/?page_size={size}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{endpoint}: {counts[0]} queries for one row, {counts[1]} for a page"
    assert counts[1] <= 12, f"{endpoint}: {counts[1]} queries"


def test_vetting_lists_each_officer_s_decisions(api_as, world):
    officer = Officer.objects.get(pk=world.free.pk)
    rows = api_as("district_clerk").get(f"/api/v1/vettings/?officer={officer.pk}").json()["results"]
    expected = list(officer.vettings.order_by("criterion").values_list("criterion", "passed"))
    assert [(row["criterion"], row["passed"]) for row in rows] == expected and rows
    assert rows[0]["decided_by"]
    assert api_as("district_clerk").get(f"/api/v1/vettings/?officer={world.city_free.pk}").json()["count"] == 0
    assert api_as("committee").get(f"/api/v1/vettings/?officer={world.city_free.pk}").json()["count"] > 0


def test_snapshots_give_the_trend_of_an_area(api_as, snapshots):
    national = api_as("committee").get("/api/v1/snapshots/?national=true").json()["results"]
    assert [row["province"] for row in national] == [None]
    kon_tum = api_as("district_clerk").get("/api/v1/snapshots/?province=62").json()["results"]
    assert len(kon_tum) == 1
    snapshot = ProgressSnapshot.objects.get(province_id=62)
    assert kon_tum[0]["covered"] == snapshot.covered and kon_tum[0]["uncovered"] == snapshot.uncovered
    today = timezone.localdate().isoformat()
    assert api_as("committee").get(f"/api/v1/snapshots/?since={today}&until={today}").json()["count"] >= 2
    assert api_as("committee").get("/api/v1/snapshots/?since=2000-01-01&until=2000-01-02").json()["count"] == 0
    assert api_as("committee").get("/api/v1/snapshots/?since=yesterday").status_code == 400
