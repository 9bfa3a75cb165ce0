"""The suggestion ranking of the assign page."""

import datetime

import pytest

from communes.models import Commune
from communes.services import divisions_load
from personnel.choices import OfficerStatus, Post, Rank
from personnel.models import Assignment, Language
from personnel.readers import plan_for
from personnel.selectors import (
    WEIGHT_ELIGIBLE,
    WEIGHT_HOME_DISTRICT,
    WEIGHT_LOCAL_LANGUAGE,
    WEIGHT_PRIME_AGE,
    WEIGHT_TRAINED,
    officer_suggestions,
)
from tests.factories import OfficerFactory, _years_ago, vet_fully
from training.models import Course, Enrollment, TrainingSession

pytestmark = pytest.mark.django_db

COMMUNE = 23347  # Xã Đắk Man, Huyện Đắk Glei (610)


@pytest.fixture
def commune(kon_tum):
    commune = Commune.objects.select_related("district").get(code=COMMUNE)
    Language.objects.get(code="xo-dang").communes.add(commune)
    return commune


@pytest.fixture
def course(db):
    return Course.objects.create(
        code="CAX-01", title_vi="Chức năng Công an xã", title_en="Duties", subject_area="commune_police_duties",
        hours=40, is_mandatory=True,
    )  # fmt: skip


def pass_course(officer, course, user):
    today = datetime.date.today()
    session = TrainingSession.objects.create(
        course=course, province_id=62, starts_on=today, ends_on=today, place="Kon Tum", instructor="A",
        capacity=10, created_by=user,
    )  # fmt: skip
    Enrollment.objects.create(
        session=session, officer=officer, course=course, starts_on=today, ends_on=today, attended=True,
        passed=True, enrolled_by=user,
    )  # fmt: skip


def suggest(commune, user, **kwargs):
    return officer_suggestions(commune=commune, user=user, plan=plan_for(62), **kwargs)


def test_score_adds_up_the_documented_weights(commune, course, users):
    admin = users["administrator"]
    officer = vet_fully(OfficerFactory(rank=Rank.DAI_UY, home_district_id=610, birth_date=_years_ago(30)), admin)
    pass_course(officer, course, admin)
    officer.languages.add(Language.objects.get(code="xo-dang"))

    [suggestion] = suggest(commune, admin)

    expected = WEIGHT_ELIGIBLE + WEIGHT_TRAINED + WEIGHT_LOCAL_LANGUAGE + WEIGHT_HOME_DISTRICT + WEIGHT_PRIME_AGE + 6
    assert suggestion.score == expected
    assert suggestion.eligible
    assert sum(points for points, _words in suggestion.reasons) == expected
    assert len([p for p, _w in suggestion.reasons if p]) == 6


def test_ranking_prefers_eligible_trained_local_speakers(commune, course, users):
    admin = users["administrator"]
    plain = vet_fully(OfficerFactory(full_name="Plain"), admin)
    speaker = vet_fully(OfficerFactory(full_name="Speaker"), admin)
    speaker.languages.add(Language.objects.get(code="xo-dang"))
    local = vet_fully(OfficerFactory(full_name="Local", home_district_id=610), admin)
    training = vet_fully(OfficerFactory(full_name="Training"), admin)
    training.status = OfficerStatus.IN_TRAINING
    training.save()
    too_old = vet_fully(OfficerFactory(full_name="Old", birth_date=_years_ago(50), rank=Rank.DAI_TA), admin)
    trained = vet_fully(OfficerFactory(full_name="Trained"), admin)
    pass_course(trained, course, admin)

    names = [s.officer.full_name for s in suggest(commune, admin)]

    # Trained first: for a chief the plan requires it (the others break a hard rule); for an officer it does
    # not, but a trained officer is still never below an untrained one. Then the score.
    assert names == ["Trained", "Speaker", "Local", "Training", "Plain", "Old"]
    assert [s.officer.full_name for s in suggest(commune, admin, post=Post.OFFICER)] == names
    old = suggest(commune, admin)[-1]
    assert not old.eligible
    assert any("50" in words for _points, words in old.reasons)
    assert {plain.pk, speaker.pk, local.pk, training.pk, too_old.pk, trained.pk} == {
        s.officer.pk for s in suggest(commune, admin)
    }
    [plain_suggestion] = [s for s in suggest(commune, admin) if s.officer.pk == plain.pk]
    assert any("1" in words and "1" in words for points, words in plain_suggestion.reasons if points == 0)


def test_rank_breaks_ties_then_youth(commune, users):
    admin = users["administrator"]
    vet_fully(OfficerFactory(full_name="Junior", rank=Rank.TRUNG_UY), admin)
    vet_fully(OfficerFactory(full_name="Senior", rank=Rank.DAI_UY), admin)
    assert [s.officer.full_name for s in suggest(commune, admin)] == ["Senior", "Junior"]


def test_unavailable_officers_are_not_suggested(commune, users):
    admin = users["administrator"]
    OfficerFactory(full_name="Candidate")
    OfficerFactory(full_name="Withdrawn", status=OfficerStatus.WITHDRAWN)
    busy = vet_fully(OfficerFactory(full_name="Busy"), admin)
    since = busy.birth_date.replace(year=2025)
    Assignment.objects.create(
        officer=busy, commune_id=23353, province_id=62, post=Post.OFFICER, decision_number="1",
        decision_date=since, started_on=since, created_by=admin,
    )  # fmt: skip
    divisions_load(province_codes=[1])
    OfficerFactory(full_name="Elsewhere", province_id=1, status=OfficerStatus.VETTED)
    vet_fully(OfficerFactory(full_name="Available"), admin)

    assert [s.officer.full_name for s in suggest(commune, admin)] == ["Available"]


def test_district_clerk_only_gets_officers_of_their_district(commune, users):
    admin = users["administrator"]
    vet_fully(OfficerFactory(full_name="Mine", district_id=610), admin)
    vet_fully(OfficerFactory(full_name="Theirs", district_id=611), admin)
    assert [s.officer.full_name for s in suggest(commune, users["district_clerk"])] == ["Mine"]


def test_suggestions_use_a_bounded_number_of_queries(commune, course, users, django_assert_max_num_queries):
    admin = users["administrator"]
    for _ in range(60):
        officer = vet_fully(OfficerFactory(), admin)
        officer.languages.add(Language.objects.get(code="xo-dang"))
    # the user's roles, the ranking (with the number of mandatory courses and every hard rule), the winners'
    # languages
    with django_assert_max_num_queries(3):
        suggestions = suggest(commune, admin, limit=10)
        [s.reasons for s in suggestions]
    assert len(suggestions) == 10
