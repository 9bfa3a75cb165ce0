"""The progress figures: the set-based SQL (PostgreSQL) agrees with the ORM definitions (the staffing norm
included), and the cache forgets them as soon as one of their sources changes."""

import datetime
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import Commune
from communes.services import divisions_load
from personnel.choices import Post
from personnel.models import Assignment, Officer
from rollout.core.figures_cache import figures_changed
from rollout.models import CommuneState, PilotPlan
from rollout.progress.figures import FIGURES, _from_states, _orm_grouped, figures, figures_by, with_progress
from rollout.progress.sql import grouped_figures
from rollout.progress.states import commune_states_differences, commune_states_refresh
from training.selectors import mandatory_courses

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based SQL is PostgreSQL's")


@pytest.fixture
def demo(kon_tum, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return kon_tum


def _plain(rows):
    return {key: {name: int(values[name] or 0) for name in FIGURES} for key, values in rows.items()}


def _stored(communes, key):
    """Today's figures summed from the communes' stored states (one aggregate; asserted not to fall back)."""
    on = datetime.date.today()
    rows = _from_states(communes, key, on)
    assert rows is not None, "a commune's stored state is missing or not of today"
    with CaptureQueriesContext(connection) as queries:
        live = figures(communes, live=True) if key is None else figures_by(communes, key, live=True)
    assert len(queries) == 1
    live = {0: live} if key is None else live
    assert {group: f.as_dict() for group, f in live.items()} == rows
    return rows


@postgresql_only
def test_sql_and_orm_agree(demo):
    communes = Commune.objects.all()
    for days_ago in (0, 30, 400):
        on = datetime.date.today() - datetime.timedelta(days=days_ago)
        for key in (None, "district", "district__province"):
            sql = _plain(grouped_figures(communes, key, on, mandatory_courses().count()))
            assert sql == _plain(_orm_grouped(communes, key, on)), (days_ago, key)
            assert sum(row["communes"] for row in sql.values()) == 102
            if days_ago == 0:  # today: the stored states sum to the same figures
                assert _stored(communes, key) == sql, key
    today = _plain(grouped_figures(communes, None, datetime.date.today(), mandatory_courses().count()))[0]
    assert 0 < today["operational"] <= today["equipped"] <= today["covered"] < today["communes"]


@postgresql_only
def test_sql_and_orm_agree_on_a_district_clerks_area_and_with_no_mandatory_course(demo):
    communes = Commune.objects.filter(district_id=610)
    today = datetime.date.today()
    assert _plain(grouped_figures(communes, None, today, mandatory_courses().count())) == _plain(
        _orm_grouped(communes, None, today)
    )
    assert _stored(communes, None) == _plain(_orm_grouped(communes, None, today))
    for course in mandatory_courses():  # through the model's save, as the admin does: every state is refreshed
        course.is_mandatory = False
        course.save()
    sql = _plain(grouped_figures(communes, None, today, 0))
    assert sql == _plain(_orm_grouped(communes, None, today))
    assert _stored(communes, None) == sql
    assert sql[0]["trained_deployed"] == sql[0]["deployed"]  # nothing mandatory: every deployed officer trained


@postgresql_only
def test_sql_and_orm_agree_on_the_staffing_norm(kon_tum, settings):
    """Own norm, the plan's default and, in a province without a plan, the setting: the SQL twin of
    ``communes.models.staffing_norm`` gives the same sums as the ORM, per commune's district and per province."""
    settings.DEFAULT_STAFFING_NORM = 7
    divisions_load(province_codes=[1])  # Hà Nội: no plan
    PilotPlan.objects.create(province=kon_tum, name="Kế hoạch", started_on=datetime.date.today(),
                             target_on=datetime.date.today(), default_staffing_norm=4)  # fmt: skip
    Commune.objects.filter(code=23344).update(staffing_norm=6)  # Xã Đắk Blô, Huyện Đắk Glei (610)
    figures_changed(commune_codes=[23344])  # as a bulk write past the signals says so
    communes = Commune.objects.all()
    today = datetime.date.today()
    for key in (None, "district", "district__province"):
        sql = _plain(grouped_figures(communes, key, today, mandatory_courses().count()))
        assert sql == _plain(_orm_grouped(communes, key, today)), key
        assert _stored(communes, key) == sql, key
    by_province = _plain(grouped_figures(communes, "district__province", today, 0))
    ha_noi = Commune.objects.filter(district__province_id=1).count()
    assert by_province[62]["staffing_norm"] == 6 + 4 * 101
    assert by_province[1]["staffing_norm"] == 7 * ha_noi
    by_district = _plain(grouped_figures(communes, "district", today, 0))
    assert by_district[610]["staffing_norm"] == 6 + 4 * 11
    # and each commune's norm is the one definition's
    norms = dict(Commune.objects.with_staffing_norm().values_list("code", "norm"))
    progress = dict(with_progress(communes.order_by(), today).values_list("code", "norm"))
    assert progress == norms
    assert (norms[23344], norms[23350], norms[1]) == (6, 4, 7)


def test_figures_are_cached_until_a_source_changes(demo, settings, users):
    settings.PROGRESS_CACHE_SECONDS = 60
    communes = Commune.objects.all()
    first = figures(communes)
    with CaptureQueriesContext(connection) as queries:
        assert figures(communes) == first
        assert figures_by(communes, "district")  # a different question: computed once
        figures_by(communes, "district")
    assert len(queries) <= 2

    # ending a deputy's assignment changes the deployed count at once
    assignment = Assignment.objects.filter(post=Post.DEPUTY, ended_on__isnull=True).first()
    assignment.ended_on = datetime.date.today()
    assignment.save()
    assert figures(communes).deployed == first.deployed - 1


def test_an_officer_change_alone_does_not_invalidate(demo, settings):
    settings.PROGRESS_CACHE_SECONDS = 60
    communes = Commune.objects.all()
    figures(communes)
    officer = Officer.objects.first()
    officer.phone = "0912000111"
    officer.save()
    with CaptureQueriesContext(connection) as queries:
        figures(communes)
    assert len(queries) == 0


def test_stored_states_not_of_today_are_not_read(demo):
    """After midnight and before the daily refresh, or for a commune loaded without one, the dashboard's figures
    come from the sources: never yesterday's states."""
    communes = Commune.objects.all()
    today = datetime.date.today()
    expected = _plain(_orm_grouped(communes, "district", today))
    CommuneState.objects.filter(commune__district_id=610).update(on=today - datetime.timedelta(days=1))
    assert _from_states(communes, "district", today) is None
    assert {k: f.as_dict() for k, f in figures_by(communes, "district", live=True).items()} == expected
    CommuneState.objects.filter(commune_id=23344).delete()
    assert figures(communes, live=True).as_dict() == _plain(_orm_grouped(communes, None, today))[0]
    commune_states_refresh(None)  # the nightly refresh: read again
    assert _stored(communes, "district") == expected


@pytest.mark.parametrize("key", [None, "district", "district__province"])
def test_the_whole_country_from_the_state_table_alone_falls_back_like_the_join(demo, key):
    """Every commune (no filter): one GROUP BY over the stored states and their copied district and province, with
    the number of communes beside it; a commune without a row, or a row of yesterday, means the sources."""
    communes = Commune.objects.all()
    today = datetime.date.today()
    expected = _plain(_orm_grouped(communes, key, today))
    assert _from_states(communes, key, today) == expected
    with CaptureQueriesContext(connection) as queries:
        _from_states(communes, key, today)
    assert len(queries) == 1 and "JOIN" not in queries[0]["sql"].upper()
    CommuneState.objects.filter(commune_id=23344).delete()
    assert _from_states(communes, key, today) is None
    commune_states_refresh([23344])
    CommuneState.objects.filter(commune_id=23344).update(on=today - datetime.timedelta(days=1))
    assert _from_states(communes, key, today) is None
    commune_states_refresh([23344])
    CommuneState.objects.filter(commune_id=23344).update(province_code=1)  # moved past the refresh: verify says so
    assert commune_states_differences()[0] == 1
    commune_states_refresh([23344])
    assert _from_states(communes, key, today) == expected
