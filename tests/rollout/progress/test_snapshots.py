"""Daily progress snapshots: one row per province and day plus the national row, idempotent, and a backfill
that rebuilds past days from the dated records."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from communes.models import Commune
from rollout.models import ProgressSnapshot
from rollout.progress.figures import figures
from rollout.progress.snapshots import snapshots_backfill, snapshots_record
from rollout.tasks import record_snapshot
from tests.builders.reports import EARLY, LATE, PLAN_START, TODAY, build_pilot

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot(demo_baseline, users):
    return build_pilot(demo_baseline, users["provincial_clerk"])


def _figures_of(snapshot):
    return {name: getattr(snapshot, name) for name in figures(Commune.objects.none()).as_dict()}


def test_record_writes_a_row_per_province_and_the_national_row(pilot):
    snapshots_record(TODAY)
    rows = {s.province_id: s for s in ProgressSnapshot.objects.filter(on=TODAY)}
    assert set(rows) == {62, None}
    expected = figures(Commune.objects.filter(district__province_id=62), TODAY).as_dict()
    assert _figures_of(rows[62]) == expected
    assert _figures_of(rows[None]) == expected  # one province loaded: the country is Kon Tum
    assert expected["covered"] == 50 and expected["deployed"] == 2


def test_recording_the_same_day_twice_updates_instead_of_duplicating(pilot, users):
    first = snapshots_record(TODAY)
    assert (first.created, first.updated) == (2, 0)
    ProgressSnapshot.objects.filter(on=TODAY).update(covered=0, equipped=0, operational=0)
    second = snapshots_record(TODAY)
    assert (second.created, second.updated) == (0, 2)
    assert ProgressSnapshot.objects.filter(on=TODAY).count() == 2
    assert ProgressSnapshot.objects.get(on=TODAY, province_id=62).covered == 50


def test_a_second_province_adds_its_row_and_the_national_row_is_the_sum(pilot):
    from communes.services import divisions_load

    divisions_load(province_codes=[64])  # Gia Lai
    snapshots_record(TODAY)
    rows = {s.province_id: s for s in ProgressSnapshot.objects.filter(on=TODAY)}
    assert set(rows) == {62, 64, None}
    for name in ("communes", "covered", "staffing_norm", "deployed", "operational"):
        assert getattr(rows[None], name) == getattr(rows[62], name) + getattr(rows[64], name)
    assert rows[None].communes == Commune.objects.count()


def test_record_takes_a_constant_number_of_queries(pilot, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        snapshots_record(TODAY)
    with django_assert_max_num_queries(6):
        snapshots_record(TODAY)  # the update path


def test_backfill_reproduces_today_and_the_past_as_it_was(pilot):
    snapshots_backfill(PLAN_START, TODAY)
    days = (TODAY - PLAN_START).days + 1
    assert ProgressSnapshot.objects.filter(province_id=62).count() == days
    assert ProgressSnapshot.objects.filter(province__isnull=True).count() == days
    kon_tum = Commune.objects.filter(district__province_id=62)
    today = ProgressSnapshot.objects.get(province_id=62, on=TODAY)
    assert _figures_of(today) == figures(kon_tum, TODAY).as_dict()
    # Before Đắk Man's chief started only the 48 baseline communes were covered; Đắk Pék's chief came later.
    assert ProgressSnapshot.objects.get(province_id=62, on=EARLY - datetime.timedelta(days=1)).covered == 48
    assert ProgressSnapshot.objects.get(province_id=62, on=EARLY).covered == 49
    assert ProgressSnapshot.objects.get(province_id=62, on=LATE - datetime.timedelta(days=1)).deployed == 1
    assert ProgressSnapshot.objects.get(province_id=62, on=LATE).deployed == 2
    # and again: nothing duplicated
    again = snapshots_backfill(LATE, TODAY)
    assert (again.created, again.updated) == (0, 2 * 4)
    assert ProgressSnapshot.objects.count() == 2 * days


def test_command_defaults_to_the_plan_start_and_prints_a_summary(pilot):
    out = StringIO()
    call_command("backfill_snapshots", stdout=out)
    days = (TODAY - PLAN_START).days + 1
    assert ProgressSnapshot.objects.filter(province_id=62).count() == days
    assert f"{days} days" in out.getvalue()
    assert f"{2 * days} created" in out.getvalue()


def test_command_takes_a_range(pilot):
    out = StringIO()
    start = TODAY - datetime.timedelta(days=2)
    call_command("backfill_snapshots", "--from", start.isoformat(), "--to", TODAY.isoformat(), stdout=out)
    assert ProgressSnapshot.objects.filter(province_id=62).count() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "31/01/2026"], "not a date"),
        (["--to", "2026-02-30"], "not a date"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "after --to"),
        (["--to", (TODAY + datetime.timedelta(days=1)).isoformat()], "in the future"),
    ],
)
def test_command_refuses_bad_dates_clearly(kon_tum, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("backfill_snapshots", *args, stdout=StringIO())
    assert not ProgressSnapshot.objects.exists()


def test_without_a_plan_the_backfill_starts_a_year_back(kon_tum):
    call_command("backfill_snapshots", "--to", f"{TODAY - datetime.timedelta(days=364):%Y-%m-%d}", stdout=StringIO())
    days = sorted(ProgressSnapshot.objects.filter(province__isnull=True).values_list("on", flat=True))
    assert days == [TODAY - datetime.timedelta(days=365), TODAY - datetime.timedelta(days=364)]


def test_the_daily_task_records_today(pilot):
    result = record_snapshot.delay().get()
    assert result == {"on": TODAY.isoformat(), "created": 2, "updated": 0}
    assert ProgressSnapshot.objects.filter(on=TODAY).count() == 2
