"""`seed_national` at 1% scale: the whole country, the volumes asked, every rule of the data held, idempotent."""

import datetime
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from communes.models import Commune, Coverage, District, Province
from communes.services import coverage_recompute
from equipment.models import EquipmentItem, Issuance, IssuanceStatus, ItemStatus
from personnel.choices import OfficerStatus, Post
from personnel.models import Assignment, Officer, police_number_validator
from personnel.services import officer_update
from rollout.core.text import collation_key, fold
from rollout.models import PilotPlan, ProgressSnapshot
from rollout.national.context import POLICE_PREFIX, PREFIX, Volumes
from rollout.national.seed import synthetic_counts
from rollout.progress.figures import figures
from training.models import Enrollment, TrainingSession
from training.selectors import mandatory_courses

SCALE = 0.01


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (about 10 s), in a transaction rolled back at the end: each test runs in a
    savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_national", "--scale", str(SCALE), stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


pytestmark = pytest.mark.django_db


def test_loads_the_whole_country(seeded):
    assert Province.objects.count() == 63
    assert District.objects.count() == 696
    assert Commune.objects.count() == 10_051
    assert PilotPlan.objects.count() == 63


def test_volumes_scale_as_promised(seeded):
    volumes = Volumes.scaled(SCALE)
    counts = synthetic_counts()
    assert counts["officers"] == volumes.officers == 500
    assert counts["assignments"] == volumes.assignments == 450
    assert counts["equipment items"] == volumes.items == 1_000
    assert abs(counts["enrolments"] - volumes.enrolments) <= volumes.enrolments * 0.02
    assert counts["issuances"] >= volumes.items * 0.8
    assert counts["snapshots"] == 64 * 365


def test_a_seeded_officer_can_be_edited_like_any_other(seeded, db):
    officer = Officer.objects.filter(police_number__startswith=POLICE_PREFIX).order_by("pk").last()
    officer_update(officer=officer, user=None, current_unit="Công an xã Thử")
    assert Officer.objects.get(pk=officer.pk).current_unit == "Công an xã Thử"


def test_officers_are_plausible(seeded):
    officers = Officer.objects.filter(police_number__startswith=POLICE_PREFIX)
    assert set(officers.values_list("status", flat=True)) == set(OfficerStatus.values)
    for officer in officers.select_related("district")[:200]:
        assert officer.search_key == fold(officer.full_name)
        assert officer.sort_key == collation_key(officer.full_name, person=True)
        police_number_validator(officer.police_number)  # the forms' rule: a seeded officer can be edited
        assert officer.district is None or officer.district.province_id == officer.province_id
        assert 18 <= officer.age <= 70
    assert not officers.filter(languages__isnull=True).exists()
    vetted = officers.exclude(status=OfficerStatus.CANDIDATE)
    assert not vetted.annotate(n=Count("vettings")).filter(n__lt=5).exists()


def test_assignments_keep_the_rules(seeded):
    active = Assignment.objects.filter(ended_on__isnull=True)
    assert not active.values("officer").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not active.filter(post=Post.CHIEF).values("commune").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not Assignment.objects.filter(ended_on__lt=F("started_on")).exists()
    assert not Assignment.objects.exclude(province_id=F("commune__district__province_id")).exists()
    deployed = Officer.objects.filter(police_number__startswith=POLICE_PREFIX, status=OfficerStatus.DEPLOYED)
    assert set(deployed.values_list("pk", flat=True)) == set(active.values_list("officer_id", flat=True))
    assert active.count() == round(450 * 0.9)
    assert not active.exclude(officer__province_id=F("province_id")).exists()
    # started over the last year (trends move), some before the pilot
    today = timezone.localdate()
    assert active.filter(started_on__gt=today - datetime.timedelta(days=365)).count() > 100


def test_coverage_follows_baseline_and_chiefs(seeded):
    assert coverage_recompute() == 0  # what is stored is what the rules say
    total = Commune.objects.count()
    baseline = Commune.objects.filter(coverage=Coverage.BASELINE)
    assert baseline.count() == Commune.objects.filter(baseline_covered_on__isnull=False).count()
    assert 0.73 * total <= baseline.count() <= 0.77 * total
    chiefs = Assignment.objects.filter(ended_on__isnull=True, post=Post.CHIEF)
    pilot = Commune.objects.filter(coverage=Coverage.PILOT)
    assert pilot.exists()
    assert set(pilot.values_list("code", flat=True)) == set(
        chiefs.filter(commune__baseline_covered_on__isnull=True).values_list("commune_id", flat=True)
    )
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).exists()  # the benchmark assigns to one
    assert Commune.objects.filter(district__province_id=62, coverage=Coverage.UNCOVERED).exists()


def test_training_is_consistent(seeded):
    enrolments = Enrollment.objects.select_related("session")
    assert not enrolments.exclude(
        Q(starts_on=F("session__starts_on"))
        & Q(ends_on=F("session__ends_on"))
        & Q(course_id=F("session__course_id"))
        & Q(officer__province_id=F("session__province_id"))
    ).exists()
    by_officer = defaultdict(list)
    for officer, starts_on, ends_on in Enrollment.objects.values_list("officer_id", "starts_on", "ends_on"):
        by_officer[officer].append((starts_on, ends_on))
    for spans in by_officer.values():
        spans.sort()
        assert all(before[1] < after[0] for before, after in zip(spans, spans[1:], strict=False))
    assert not TrainingSession.objects.annotate(n=Count("enrollments")).filter(n__gt=F("capacity")).exists()
    mandatory = mandatory_courses().count()
    ready = Officer.objects.filter(police_number__startswith=POLICE_PREFIX, status=OfficerStatus.READY)
    passed = ready.annotate(n=Count("enrollments__course", filter=Q(enrollments__passed=True), distinct=True))
    assert not passed.filter(n__lt=mandatory).exists()
    today = timezone.localdate()
    in_training = Officer.objects.filter(police_number__startswith=POLICE_PREFIX, status=OfficerStatus.IN_TRAINING)
    assert not in_training.exclude(enrollments__starts_on__lte=today, enrollments__ends_on__gte=today).exists()


def test_equipment_is_consistent(seeded):
    active = Issuance.objects.filter(status=IssuanceStatus.ACTIVE)
    assert not active.filter(commune__coverage=Coverage.UNCOVERED).exists()
    items = EquipmentItem.objects.filter(serial_number__startswith=f"{PREFIX}-")
    held = set(active.filter(item__isnull=False).values_list("item_id", flat=True))
    assert set(items.filter(status=ItemStatus.ISSUED).values_list("pk", flat=True)) == held
    assert items.exclude(status=ItemStatus.ISSUED).exists()
    assert not Issuance.objects.exclude(warehouse__province_id=F("commune__district__province_id")).exists()
    assert not Issuance.objects.filter(item__received_on__gt=F("issued_on")).exists()


def test_a_year_of_snapshots(seeded):
    today = timezone.localdate()
    first = today - datetime.timedelta(days=364)
    national = ProgressSnapshot.objects.filter(province__isnull=True)
    assert national.count() == 365
    assert national.earliest("on").on == first and national.latest("on").on == today
    per_province = ProgressSnapshot.objects.filter(province__isnull=False).values("province").annotate(n=Count("pk"))
    assert len(per_province) == 63 and {row["n"] for row in per_province} == {365}
    now = national.get(on=today)
    expected = figures(Commune.objects.all()).as_dict()  # today's row holds the real figures
    assert {name: getattr(now, name) for name in expected} == expected
    start = national.get(on=first)
    assert start.covered < now.covered  # the trend moves
    assert start.communes == now.communes == 10_051


def test_a_second_run_creates_nothing(seeded):
    before = synthetic_counts()
    out = io.StringIO()
    call_command("seed_national", "--scale", str(SCALE), stdout=out)
    assert "Nothing to do" in out.getvalue()
    assert synthetic_counts() == before
