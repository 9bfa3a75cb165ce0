"""Readiness gates deployment: the plan's hard rules (``personnel.eligibility``), one definition for the assignment
service and the suggestions; "trained by then"; the override; the assign page that shows it all."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from communes.models import Commune
from personnel.choices import OfficerStatus, Post, Rank
from personnel.eligibility import (
    RULE_AGE,
    RULE_RANK,
    RULE_TRAINING,
    RULE_VETTING,
    broken_rules,
    hard_rules,
    rule_violations,
    with_rules,
)
from personnel.models import Assignment, Language, Officer
from personnel.readers import plan_for
from personnel.selectors import default_post, officer_suggestions
from personnel.services import assignment_create, eligibility_violations
from rollout.models import PilotPlan
from tests.factories import CourseFactory, EnrollmentFactory, OfficerFactory, _years_ago, vet_fully

pytestmark = pytest.mark.django_db

UNCOVERED = 23347  # Xã Đắk Man, Huyện Đắk Glei (610)
TODAY = datetime.date.today()
START = TODAY + datetime.timedelta(days=20)  # the start date of the assignments below


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def dmy(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def courses(db):
    """Two mandatory courses; an optional one and a retired mandatory one, which readiness ignores."""
    CourseFactory(code="TUY-CHON", is_mandatory=False)
    CourseFactory(code="CU", is_mandatory=True, is_active=False)
    return [CourseFactory(code="CAX-01"), CourseFactory(code="CAX-02")]


@pytest.fixture
def plan(kon_tum):
    """Kon Tum's plan with the default rules: training required for a chief and a deputy, no grace period."""
    return PilotPlan.objects.create(province=kon_tum, name="Kế hoạch", started_on=TODAY, target_on=day(365))


@pytest.fixture
def commune(demo_baseline):
    commune = Commune.objects.select_related("district").get(code=UNCOVERED)
    Language.objects.get(code="xo-dang").communes.add(commune)
    return commune


def pass_courses(officer, courses, **extra):
    for course in courses:
        EnrollmentFactory(officer=officer, session__course=course, attended=True, passed=True, **extra)


def in_class(officer, course, *, ends_on, **extra):
    """A seat in a class of ``course`` ending on ``ends_on``, no result yet."""
    return EnrollmentFactory(
        officer=officer, session__course=course, session__starts_on=min(ends_on, TODAY) - datetime.timedelta(days=3),
        session__ends_on=ends_on, **extra,
    )  # fmt: skip


def assign(officer, user, *, post=Post.CHIEF, started_on=START, number="01/QĐ-CAT", **extra):
    return assignment_create(
        officer=officer, commune=Commune.objects.get(code=UNCOVERED), post=post, decision_number=number,
        decision_date=TODAY, started_on=started_on, created_by=user, **extra,
    )  # fmt: skip


def refusal(officer, user, **kwargs) -> str:
    with pytest.raises(ValidationError) as excinfo:
        assign(officer, user, **kwargs)
    assert not Assignment.objects.filter(officer=officer).exists()
    return " ".join(excinfo.value.messages)


# --- the rules, one definition --------------------------------------------------------------------------------


def test_hard_rules_follow_the_plan_and_the_post(plan):
    names = lambda post: [rule.name for rule in hard_rules(plan, post, START)]  # noqa: E731
    assert names(Post.CHIEF) == [RULE_AGE, RULE_RANK, RULE_VETTING, RULE_TRAINING]
    assert names(Post.DEPUTY) == [RULE_AGE, RULE_RANK, RULE_VETTING, RULE_TRAINING]
    assert names(Post.OFFICER) == [RULE_AGE, RULE_RANK, RULE_VETTING]
    assert names(None) == [RULE_AGE, RULE_RANK, RULE_VETTING]
    plan.requires_vetting = False
    plan.training_required_chief = False
    plan.training_required_officer = True
    assert names(Post.CHIEF) == [RULE_AGE, RULE_RANK]
    assert names(Post.OFFICER) == [RULE_AGE, RULE_RANK, RULE_TRAINING]


def test_the_rules_are_evaluated_by_the_database_for_a_roster(plan, courses, users):
    admin = users["administrator"]
    trained = vet_fully(OfficerFactory(full_name="Trained"), admin)
    pass_courses(trained, courses)
    untrained = vet_fully(OfficerFactory(full_name="Untrained"), admin)
    old_unvetted = OfficerFactory(full_name="Old", birth_date=_years_ago(50), rank=Rank.HA_SI)
    rules = hard_rules(plan, Post.CHIEF, START)

    roster = {o.full_name: o for o in with_rules(Officer.objects.all(), rules)}

    assert [r.name for r in broken_rules(roster["Trained"], rules)] == []
    assert [r.name for r in broken_rules(roster["Untrained"], rules)] == [RULE_TRAINING]
    assert [r.name for r in broken_rules(roster["Old"], rules)] == [RULE_AGE, RULE_RANK, RULE_VETTING, RULE_TRAINING]
    assert roster["Trained"].keeps_rules and not roster["Untrained"].keeps_rules
    assert rule_violations(untrained, plan, Post.CHIEF, START) == [
        f"Not trained for the post of Chief (Trưởng Công an xã) by {dmy(START)}: 2 of 2 mandatory courses neither "
        "passed nor taught in a class ending before then."
    ]
    assert len(rule_violations(old_unvetted, plan, Post.CHIEF, START)) == 4
    assert rule_violations(trained, plan, Post.CHIEF, START) == []


def test_one_officer_is_checked_in_one_query(plan, courses, users, django_assert_num_queries):
    officer = vet_fully(OfficerFactory(), users["administrator"])
    with django_assert_num_queries(1):
        violations = eligibility_violations(officer, plan, START, post=Post.CHIEF)
    assert len(violations) == 1


def test_without_mandatory_courses_everybody_is_trained(plan, users):
    officer = vet_fully(OfficerFactory(), users["administrator"])
    assert eligibility_violations(officer, plan, START, post=Post.CHIEF) == []


# --- the assignment service -------------------------------------------------------------------------------------


def test_an_untrained_chief_is_refused_with_the_rule_named(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    pass_courses(officer, courses[:1])

    message = refusal(officer, clerk)

    assert "Not trained for the post of Chief" in message
    assert "1 of 2 mandatory courses" in message
    assert "override with a written reason" in message


def test_a_provincial_clerk_may_override_and_the_breach_is_recorded(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)

    assignment = assign(officer, clerk, override_reason="Xã trọng điểm, cần gấp; học bù trong tháng")

    assert "Not trained for the post of Chief" in assignment.rule_violations
    assert assignment.override_reason == "Xã trọng điểm, cần gấp; học bù trong tháng"
    assert assignment.overridden_by == clerk
    assert Officer.objects.get(pk=officer.pk).status == OfficerStatus.DEPLOYED


def test_an_override_needs_a_written_reason(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    assert "override with a written reason" in refusal(officer, clerk, override_reason="   ")


def test_a_district_clerk_cannot_override_readiness(plan, commune, courses, users):
    district_clerk = users["district_clerk"]
    officer = vet_fully(OfficerFactory(district_id=610), users["administrator"])
    assert "Not trained" in refusal(officer, district_clerk)
    assert "administrator or a provincial clerk" in refusal(officer, district_clerk, override_reason="Lý do")
    pass_courses(officer, courses)
    assert assign(officer, district_clerk).rule_violations == ""  # trained: the district clerk may assign


def test_a_trained_chief_needs_no_override(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    pass_courses(officer, courses)
    assignment = assign(officer, clerk)
    assert (assignment.rule_violations, assignment.override_reason, assignment.overridden_by) == ("", "", None)


def test_a_class_ending_before_the_start_counts_as_trained_by_then(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    pass_courses(officer, courses[:1])
    in_class(officer, courses[1], ends_on=START - datetime.timedelta(days=1))
    assert assign(officer, clerk).rule_violations == ""


@pytest.mark.parametrize("offset", [0, 1, 30])
def test_a_class_ending_on_or_after_the_start_does_not_count(plan, commune, courses, users, offset):
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    pass_courses(officer, courses[:1])
    in_class(officer, courses[1], ends_on=START + datetime.timedelta(days=offset))
    assert "1 of 2 mandatory courses" in refusal(officer, clerk)


def test_a_class_with_a_result_counts_only_when_passed(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    failed, absent = vet_fully(OfficerFactory(), clerk), vet_fully(OfficerFactory(), clerk)
    for officer in (failed, absent):
        pass_courses(officer, courses[:1])
    in_class(failed, courses[1], ends_on=day(-1), attended=True, passed=False)
    in_class(absent, courses[1], ends_on=day(-1), attended=False)  # marked absent: the result cannot be a pass
    assert "1 of 2" in refusal(failed, clerk)
    assert "1 of 2" in refusal(absent, clerk)


def test_a_pass_must_still_be_valid_on_the_start_date(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    expiring, lasting = vet_fully(OfficerFactory(), clerk), vet_fully(OfficerFactory(), clerk)
    pass_courses(expiring, courses[:1])
    pass_courses(expiring, courses[1:], valid_until=START - datetime.timedelta(days=1))
    pass_courses(lasting, courses[:1])
    pass_courses(lasting, courses[1:], valid_until=START)
    assert "1 of 2" in refusal(expiring, clerk)
    assert assign(lasting, clerk).rule_violations == ""


def test_grace_days_move_the_deadline(plan, commune, courses, users):
    plan.training_grace_days = 10
    plan.save()
    clerk = users["provincial_clerk"]
    late, in_time = vet_fully(OfficerFactory(), clerk), vet_fully(OfficerFactory(), clerk)
    for officer in (late, in_time):
        pass_courses(officer, courses[:1])
    in_class(late, courses[1], ends_on=START + datetime.timedelta(days=10))  # the deadline itself: too late
    in_class(in_time, courses[1], ends_on=START + datetime.timedelta(days=9))

    message = refusal(late, clerk)
    assert f"by {dmy(START + datetime.timedelta(days=10))}" in message
    assert assign(in_time, clerk).rule_violations == ""


def test_grace_days_do_not_excuse_an_officer_with_no_training_planned(plan, commune, courses, users):
    plan.training_grace_days = 365
    plan.save()
    clerk = users["provincial_clerk"]
    assert "2 of 2" in refusal(vet_fully(OfficerFactory(), clerk), clerk)


def test_an_officer_post_does_not_need_training_unless_the_plan_says_so(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    first, second = vet_fully(OfficerFactory(), clerk), vet_fully(OfficerFactory(), clerk)
    assert assign(first, clerk, post=Post.OFFICER).rule_violations == ""

    plan.training_required_officer = True
    plan.save()
    assert "Not trained for the post of Officer" in refusal(second, clerk, post=Post.OFFICER, number="02/QĐ")


def test_a_plan_without_the_rule_for_chiefs_lets_an_untrained_chief_in(plan, commune, courses, users):
    plan.training_required_chief = False
    plan.save()
    clerk = users["provincial_clerk"]
    assert assign(vet_fully(OfficerFactory(), clerk), clerk).rule_violations == ""


def test_without_a_plan_the_default_rules_apply(commune, courses, users):
    assert not PilotPlan.objects.exists()
    assert plan_for(62).training_required_chief
    clerk = users["provincial_clerk"]
    assert "Not trained" in refusal(vet_fully(OfficerFactory(), clerk), clerk)


def test_readiness_and_eligibility_breaches_are_recorded_together(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    old = vet_fully(OfficerFactory(birth_date=_years_ago(50)), clerk)
    assignment = assign(old, clerk, override_reason="Kinh nghiệm lâu năm")
    lines = assignment.rule_violations.splitlines()
    assert len(lines) == 2
    assert "50" in lines[0] and "Not trained" in lines[1]


# --- suggestions ----------------------------------------------------------------------------------------------


def suggest(commune, user, **kwargs):
    return officer_suggestions(commune=commune, user=user, plan=plan_for(62), **kwargs)


@pytest.fixture
def reproduction(plan, commune, courses, users):
    """The issue's case: an untrained officer scoring 93 (in a class that ends after the start, speaks the local
    language, from the district, prime age) and a trained, ready one scoring 88."""
    admin = users["administrator"]
    local = {"district_id": 610, "home_district_id": 610, "birth_date": _years_ago(30)}
    untrained = vet_fully(OfficerFactory(full_name="Untrained", rank=Rank.THIEU_UY, **local), admin)
    untrained.languages.add(Language.objects.get(code="xo-dang"))
    Officer.objects.filter(pk=untrained.pk).update(status=OfficerStatus.IN_TRAINING)
    in_class(untrained, courses[0], ends_on=day(60))
    trained = vet_fully(OfficerFactory(full_name="Trained", rank=Rank.TRUNG_TA, **local), admin)
    pass_courses(trained, courses)
    Officer.objects.filter(pk=trained.pk).update(status=OfficerStatus.READY)
    return {"untrained": untrained, "trained": trained}


def test_reproduction_the_trained_officer_comes_first(reproduction, commune, users):
    suggestions = suggest(commune, users["provincial_clerk"], post=Post.CHIEF)

    assert [(s.officer.full_name, s.score) for s in suggestions] == [("Trained", 88), ("Untrained", 93)]
    trained, untrained = suggestions
    assert trained.eligible and trained.broken == [] and trained.trained_by_then
    assert not untrained.eligible and not untrained.trained_by_then
    assert [label for label, _why in untrained.broken] == ["training before deployment"]
    assert "2 of 2 mandatory courses" in untrained.broken[0][1]


@pytest.mark.parametrize("post", [Post.CHIEF, Post.DEPUTY, Post.OFFICER])
def test_an_untrained_officer_is_never_suggested_above_a_trained_one(reproduction, commune, users, post):
    """For an officer post the plan does not require training: both keep the rules, the trained one still leads."""
    suggestions = suggest(commune, users["provincial_clerk"], post=post)
    assert [s.officer.full_name for s in suggestions] == ["Trained", "Untrained"]
    assert suggestions[1].eligible == (post == Post.OFFICER)


def test_an_officer_breaking_a_hard_rule_is_listed_below_every_officer_keeping_them(plan, commune, courses, users):
    admin = users["administrator"]
    old = vet_fully(
        OfficerFactory(full_name="Old", birth_date=_years_ago(50), rank=Rank.DAI_TA, home_district_id=610), admin
    )
    old.languages.add(Language.objects.get(code="xo-dang"))
    pass_courses(old, courses)
    plain = vet_fully(OfficerFactory(full_name="Plain", rank=Rank.TRUNG_SI, birth_date=_years_ago(44)), admin)
    pass_courses(plain, courses)
    untrained = vet_fully(OfficerFactory(full_name="Untrained", rank=Rank.TRUNG_SI, birth_date=_years_ago(44)), admin)

    by_post = {post: suggest(commune, admin, post=post) for post in (Post.CHIEF, Post.OFFICER)}

    chief = by_post[Post.CHIEF]
    assert [s.officer.full_name for s in chief] == ["Plain", "Old", "Untrained"]
    assert chief[1].score > chief[0].score  # the rules come before the score
    assert [label for label, _why in chief[1].broken] == ["age range"]
    assert "50" in chief[1].broken[0][1]
    officer = by_post[Post.OFFICER]
    assert [s.officer.full_name for s in officer] == ["Plain", "Untrained", "Old"]
    assert [s.eligible for s in officer] == [True, True, False]
    assert {s.officer.pk for s in officer} == {old.pk, plain.pk, untrained.pk}


def test_suggestions_count_a_class_ending_before_the_start_as_trained_by_then(plan, commune, courses, users):
    admin = users["administrator"]
    officer = vet_fully(OfficerFactory(full_name="Soon"), admin)
    pass_courses(officer, courses[:1])
    in_class(officer, courses[1], ends_on=day(10))

    [today] = suggest(commune, admin, post=Post.CHIEF)
    [later] = suggest(commune, admin, post=Post.CHIEF, on=day(11))

    assert not today.eligible and not today.trained_by_then
    assert later.eligible and later.trained_by_then and later.broken == []


def test_the_default_post_is_chief_until_the_commune_has_one(plan, commune, courses, users):
    clerk = users["provincial_clerk"]
    assert default_post(commune) == Post.CHIEF
    chief = vet_fully(OfficerFactory(), clerk)
    pass_courses(chief, courses)
    assign(chief, clerk, started_on=TODAY)
    assert default_post(commune) == Post.OFFICER


def test_suggestions_with_rules_use_a_bounded_number_of_queries(
    reproduction, commune, courses, users, django_assert_max_num_queries
):
    admin = users["administrator"]
    for n in range(40):
        officer = vet_fully(OfficerFactory(), admin)
        if n % 2:
            pass_courses(officer, courses)
        else:
            in_class(officer, courses[0], ends_on=day(n))
    # the user's roles, the ranking with every rule, the winners' languages
    with django_assert_max_num_queries(3):
        suggestions = suggest(commune, admin, post=Post.CHIEF, limit=10)
        [(s.reasons, s.broken) for s in suggestions]
    assert len(suggestions) == 10
    assert [s.eligible for s in suggestions] == [True] * 10


# --- the assign page and the commune page -----------------------------------------------------------------------


def assign_url(**query) -> str:
    url = reverse("personnel:assign", args=[UNCOVERED])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_assign_page_suggests_for_the_post_asked_for(reproduction, client_as):
    client = client_as("provincial_clerk")

    page = client.get(assign_url())
    assert page.context["post"] == Post.CHIEF
    html = page.content.decode()
    assert "meets the rules" in html and "breaks:" in html and "training before deployment" in html
    assert 'data-meets-rules="no"' in html
    assert "training required for this post" in html
    assert page.context["form"]["post"].value() == Post.CHIEF

    page = client.get(assign_url(post="officer", on=dmy(day(3))))
    assert page.context["post"] == Post.OFFICER and page.context["on"] == day(3)
    assert [s.eligible for s in page.context["suggestions"]] == [True, True]
    assert page.context["form"]["post"].value() == Post.OFFICER
    assert page.context["form"]["started_on"].value() == day(3)
    assert (page.context["query"]["post"].value(), page.context["query"]["on"].value()) == ("officer", dmy(day(3)))
    assert "training not required before deployment for this post" in page.content.decode()
    assert f"post=officer&amp;on={dmy(day(3)).replace('/', '%2F')}&amp;officer=" in page.content.decode()


@pytest.mark.parametrize("query", [{"post": "general"}, {"on": "31/02/2026"}, {"on": "01/01/1800"},
                                   {"post": "%00"}, {"on": "abc"}])  # fmt: skip
def test_assign_page_with_a_bad_query_falls_back_to_the_defaults(reproduction, client_as, query):
    page = client_as("provincial_clerk").get(assign_url(**query))
    assert page.status_code == 200
    assert (page.context["post"], page.context["on"]) == (Post.CHIEF, TODAY)
    assert page.context["query"].errors


def test_assign_page_shows_the_norm_the_deployed_and_the_grace_period(plan, commune, courses, users, client_as):
    plan.training_grace_days = 15
    plan.default_staffing_norm = 4
    plan.save()
    clerk = users["provincial_clerk"]
    officer = vet_fully(OfficerFactory(), clerk)
    pass_courses(officer, courses)
    assign(officer, clerk, started_on=TODAY)

    page = client_as("provincial_clerk").get(assign_url())

    assert page.context["post"] == Post.OFFICER  # the commune has a chief now
    assert page.context["query"]["post"].value() == Post.OFFICER  # and the selector says so
    html = page.content.decode()
    assert page.context["commune"].norm == 4
    assert "Deployed now: <strong>1</strong>" in html and "below the norm" in html
    assert "15 days of grace" not in html  # an officer post: the plan does not require training
    html = client_as("provincial_clerk").get(assign_url(post="chief")).content.decode()
    assert f"training required for this post, by {dmy(day(15))} (15 days of grace)" in html


def test_assign_page_refuses_an_untrained_chief_then_takes_the_override(reproduction, commune, client_as):
    untrained = reproduction["untrained"]
    data = {"officer": untrained.police_number, "post": Post.CHIEF, "decision_number": "17/QĐ-CAT",
            "decision_date": dmy(TODAY), "started_on": dmy(TODAY)}  # fmt: skip
    district = client_as("district_clerk")
    response = district.post(assign_url(), data | {"override_reason": "Lý do"})
    assert response.status_code == 200
    assert "Not trained for the post of Chief" in response.content.decode()
    assert "override_reason" not in response.context["form"].fields  # a district clerk is not offered one
    assert not Assignment.objects.exists()

    clerk = client_as("provincial_clerk")
    response = clerk.post(assign_url(), data)
    assert response.status_code == 200
    assert "override_reason" in response.context["form"].errors
    assert [s.officer.full_name for s in response.context["suggestions"]] == ["Trained", "Untrained"]

    response = clerk.post(assign_url(), data | {"override_reason": "Người địa phương, học bù lớp đang học"})
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert "Not trained" in assignment.rule_violations

    commune_page = clerk.get(commune.get_absolute_url()).content.decode()
    assert 'data-testid="assignment-override"' in commune_page
    assert "Người địa phương, học bù lớp đang học" in commune_page
    page = clerk.get(assign_url()).content.decode()
    assert 'data-testid="assignment-override"' in page and "Người địa phương, học bù lớp đang học" in page
