"""The deployment planner on real data: the optimum against greedy, the hard rules, locks and exclusions, and an
approval that is atomic and refuses a plan gone stale."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from communes.models import Commune, Coverage
from personnel.choices import OfficerStatus, Post
from personnel.eligibility import KEEPS_RULES, hard_rules, with_rules
from personnel.models import Assignment, Language, Officer
from personnel.readers import plan_for
from personnel.services import assignment_create
from rollout.deployment import services
from rollout.deployment.proposal import available_pool, propose
from rollout.models import DeploymentPlanStatus, DeploymentRow, PlanPosts
from tests.factories import OfficerFactory, _years_ago, vet_fully

pytestmark = pytest.mark.django_db

DAK_MAN, DAK_PEK = 23347, 23353  # Đắk Glei (610), uncovered in the demo baseline; "Đắk Man" sorts first
TODAY = timezone.localdate()


@pytest.fixture
def two_communes(demo_baseline):
    man, pek = Commune.objects.get(code=DAK_MAN), Commune.objects.get(code=DAK_PEK)
    assert man.coverage == pek.coverage == Coverage.UNCOVERED
    return man, pek


@pytest.fixture
def speaker_and_other(two_communes, users):
    """Officer "speaker" (rank 8) speaks the language of Đắk Pék's people; "other" (rank 6) speaks none."""
    admin = users["administrator"]
    _man, pek = two_communes
    language = Language.objects.create(code="gie-trieng-test", name="Giẻ Triêng (thử)")
    language.communes.add(pek)
    speaker = vet_fully(OfficerFactory(rank=8, full_name="Người Nói Tiếng"), admin)
    speaker.languages.add(language)
    other = vet_fully(OfficerFactory(rank=6, full_name="Người Khác"), admin)
    return speaker, other


def _plan(user, communes, **kwargs):
    return services.deployment_plan_create(user=user, province_id=62, communes=communes, **kwargs)


def _rows(plan):
    return {(row.commune_id, row.post): row for row in plan.rows.all()}


def test_the_optimum_gives_the_only_speaker_to_the_commune_that_needs_them_where_greedy_does_not(
    two_communes, speaker_and_other, users
):
    speaker, other = speaker_and_other
    plan = _plan(users["provincial_clerk"], list(two_communes))
    rows = _rows(plan)
    assert rows[(DAK_MAN, Post.CHIEF)].officer_id == other.pk
    assert rows[(DAK_PEK, Post.CHIEF)].officer_id == speaker.pk
    # base: eligible 40, trained 20 (no mandatory course), aged 30 +5, rank −1; the speaker +20 in Đắk Pék
    assert rows[(DAK_PEK, Post.CHIEF)].score == 40 + 20 + 5 + 7 + 20
    assert plan.total_score == (40 + 20 + 5 + 5) + (40 + 20 + 5 + 7 + 20)
    # greedy: Đắk Man first takes the higher rank, Đắk Pék gets the other officer, without the language
    assert plan.greedy_posts == 2
    assert plan.greedy_total_score == (40 + 20 + 5 + 7) + (40 + 20 + 5 + 5)
    assert plan.total_score > plan.greedy_total_score
    assert ["local_language" in [code for _points, code in rows[(DAK_PEK, Post.CHIEF)].reasons]] == [True]
    # each row's runner-up is the other officer
    assert rows[(DAK_MAN, Post.CHIEF)].runner_up_id == speaker.pk


def test_a_rule_breaker_is_never_proposed_without_overrides_and_is_marked_with_them(two_communes, users):
    admin = users["administrator"]
    too_old = vet_fully(OfficerFactory(birth_date=_years_ago(50), full_name="Quá Tuổi"), admin)
    man, _pek = two_communes
    plan = _plan(users["provincial_clerk"], [man])
    row = plan.rows.get()
    assert row.officer_id is None
    assert "age range" in row.unfilled_reason or "độ tuổi" in row.unfilled_reason
    with_overrides = _plan(users["provincial_clerk"], [man], allow_overrides=True)
    row = with_overrides.rows.get()
    assert row.officer_id == too_old.pk and row.rule_violations
    # approval needs the reason, then records the override
    with pytest.raises(services.ApprovalRefused) as refused:
        services.deployment_plan_approve(
            plan=with_overrides, user=users["provincial_clerk"], decision_date=TODAY, started_on=TODAY,
            rows=[services.ApprovedRow(row.pk, "1/QĐ-CAT")],
        )  # fmt: skip
    assert row.pk in refused.value.problems
    assert not Assignment.objects.filter(officer=too_old).exists()
    services.deployment_plan_approve(
        plan=with_overrides, user=users["provincial_clerk"], decision_date=TODAY, started_on=TODAY,
        rows=[services.ApprovedRow(row.pk, "1/QĐ-CAT", override_reason="Không còn cán bộ nào khác")],
    )  # fmt: skip
    assignment = Assignment.objects.get(officer=too_old)
    assert assignment.rule_violations and assignment.override_reason == "Không còn cán bộ nào khác"


def test_no_officer_is_proposed_twice_and_locks_and_exclusions_hold_through_a_new_run(
    two_communes, speaker_and_other, users
):
    clerk = users["provincial_clerk"]
    speaker, other = speaker_and_other
    plan = _plan(clerk, list(two_communes))
    man_row = plan.rows.get(commune_id=DAK_MAN)
    # lock the speaker into Đắk Man instead: move them there by hand, then lock
    man_row.officer_id = speaker.pk
    DeploymentRow.objects.filter(plan=plan, commune_id=DAK_PEK).update(officer=None)
    DeploymentRow.objects.filter(pk=man_row.pk).update(officer=speaker)
    services.deployment_row_lock(row=DeploymentRow.objects.get(pk=man_row.pk), locked=True, user=clerk)
    services.deployment_plan_run(plan=plan, user=clerk)
    rows = _rows(plan)
    assert rows[(DAK_MAN, Post.CHIEF)].officer_id == speaker.pk and rows[(DAK_MAN, Post.CHIEF)].is_locked
    assert rows[(DAK_PEK, Post.CHIEF)].officer_id == other.pk
    # leave the other officer out: Đắk Pék stays empty, the lock stays
    services.deployment_plan_exclude(plan=plan, user=clerk, officer=other, leave_out=True)
    services.deployment_plan_run(plan=plan, user=clerk)
    rows = _rows(plan)
    assert rows[(DAK_PEK, Post.CHIEF)].officer_id is None
    assert rows[(DAK_MAN, Post.CHIEF)].is_locked
    # leave Đắk Pék out: its post is gone from the plan
    services.deployment_plan_exclude(plan=plan, user=clerk, commune=two_communes[1], leave_out=True)
    services.deployment_plan_run(plan=plan, user=clerk)
    assert set(_rows(plan)) == {(DAK_MAN, Post.CHIEF)}
    plan.refresh_from_db()
    assert plan.runs == 4


def test_approval_is_atomic_and_refuses_rows_that_went_stale(two_communes, speaker_and_other, users):
    clerk = users["provincial_clerk"]
    speaker, other = speaker_and_other
    plan = _plan(clerk, list(two_communes))
    rows = _rows(plan)
    # meanwhile, another clerk assigns the officer proposed for Đắk Pék elsewhere
    elsewhere = (
        Commune.objects.filter(district_id=610, coverage=Coverage.UNCOVERED)
        .exclude(code__in=[DAK_MAN, DAK_PEK])
        .first()
    )
    assignment_create(
        officer=speaker, commune=elsewhere, post=Post.CHIEF, decision_number="9/QĐ-CAT", decision_date=TODAY,
        started_on=TODAY, created_by=users["administrator"],
    )  # fmt: skip
    before = Assignment.objects.count()
    with pytest.raises(services.ApprovalRefused) as refused:
        services.deployment_plan_approve(
            plan=plan, user=clerk, decision_date=TODAY, started_on=TODAY, runs=plan.runs,
            rows=[services.ApprovedRow(row.pk, f"{n}/QĐ-CAT") for n, row in enumerate(rows.values(), start=1)],
        )  # fmt: skip
    assert list(refused.value.problems) == [rows[(DAK_PEK, Post.CHIEF)].pk]
    assert Assignment.objects.count() == before  # Đắk Man's row, fine on its own, was not written either
    assert not Officer.objects.get(pk=other.pk).assignments.exists()
    plan.refresh_from_db()
    assert plan.status == DeploymentPlanStatus.DRAFT


def test_approval_refuses_a_plan_run_again_since_the_page_was_opened(two_communes, speaker_and_other, users):
    clerk = users["provincial_clerk"]
    plan = _plan(clerk, list(two_communes))
    runs_seen = plan.runs
    services.deployment_plan_run(plan=plan, user=clerk)
    row = plan.rows.filter(officer__isnull=False).first()
    with pytest.raises(services.ApprovalRefused) as refused:
        services.deployment_plan_approve(
            plan=plan, user=clerk, decision_date=TODAY, started_on=TODAY, runs=runs_seen,
            rows=[services.ApprovedRow(row.pk, "1/QĐ-CAT")],
        )  # fmt: skip
    assert None in refused.value.problems
    assert not Assignment.objects.filter(decision_number="1/QĐ-CAT").exists()


def test_approval_makes_the_assignments_covers_the_communes_and_keeps_who_and_when(
    two_communes, speaker_and_other, users
):
    clerk = users["provincial_clerk"]
    plan = _plan(clerk, list(two_communes))
    rows = list(plan.rows.all())
    made = services.deployment_plan_approve(
        plan=plan, user=clerk, decision_date=TODAY, started_on=TODAY, runs=plan.runs,
        rows=[services.ApprovedRow(row.pk, f"{n}/QĐ-CAT") for n, row in enumerate(rows, start=1)],
    )  # fmt: skip
    assert len(made) == 2
    assert set(Commune.objects.filter(code__in=[DAK_MAN, DAK_PEK]).values_list("coverage", flat=True)) == {
        Coverage.PILOT
    }
    plan.refresh_from_db()
    assert plan.status == DeploymentPlanStatus.APPROVED and plan.approved_by == clerk
    assert plan.history.filter(status=DeploymentPlanStatus.APPROVED, history_user=clerk).exists()
    assert all(row.assignment_id for row in plan.rows.all())
    assert all(a.officer.status == OfficerStatus.DEPLOYED for a in made)
    # the same approval again writes nothing more
    with pytest.raises(Exception):  # noqa: B017  (approved plans change no more)
        services.deployment_plan_approve(
            plan=plan, user=clerk, decision_date=TODAY, started_on=TODAY,
            rows=[services.ApprovedRow(rows[0].pk, "77/QĐ-CAT")],
        )  # fmt: skip
    assert Assignment.objects.filter(decision_number__endswith="/QĐ-CAT").count() == 2


def test_decision_numbers_from_a_pattern():
    assert services.decision_numbers("{n}/QĐ-CAT", 7, 3) == ["7/QĐ-CAT", "8/QĐ-CAT", "9/QĐ-CAT"]
    with pytest.raises(Exception):  # noqa: B017
        services.decision_numbers("QĐ-CAT", 1, 2)


def test_norm_posts_add_a_deputy_and_officers_up_to_the_norm(two_communes, speaker_and_other, users):
    man, _pek = two_communes
    proposal = propose(province_id=62, posts=PlanPosts.NORM, starts_on=TODAY, communes=[man])
    posts = [row.post.post for row in proposal.rows]
    norm = Commune.objects.with_staffing_norm().get(pk=DAK_MAN).norm
    assert len(posts) == norm
    assert posts[:2] == [Post.CHIEF, Post.DEPUTY] and set(posts[2:]) == {Post.OFFICER}
    assert len(proposal.filled) == 2  # two officers for five posts: the chief and the deputy first
    assert [row.post.post for row in proposal.filled] == [Post.CHIEF, Post.DEPUTY]


def test_only_provincial_clerks_and_administrators_make_plans(two_communes, users):
    from django.core.exceptions import PermissionDenied

    for role in ("committee", "district_clerk", "no_role"):
        with pytest.raises(PermissionDenied):
            services.deployment_plan_create(user=users[role], province_id=62)


def test_propose_deployment_on_the_demo_fills_every_post_it_can_and_beats_greedy(db):
    call_command("load_divisions", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    before = (Assignment.objects.count(), DeploymentRow.objects.count())
    call_command("propose_deployment", "--province", "62", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (Assignment.objects.count(), DeploymentRow.objects.count()) == before  # it writes nothing
    officers = [post["officer"] for post in result["posts"]]
    assert len(officers) == len(set(officers))
    assert result["total_score"] >= result["greedy_total_score"]
    assert len(result["posts"]) >= result["greedy_posts"]
    uncovered = set(
        Commune.objects.filter(district__province_id=62, coverage=Coverage.UNCOVERED).values_list("code", flat=True)
    )
    assert {post["commune"] for post in result["posts"]} | {u["commune"] for u in result["unfilled"]} == uncovered
    # a post is left empty only when every officer who keeps the rules is placed: as many posts as keepers
    rules = hard_rules(plan_for(62), Post.CHIEF, timezone.localdate())
    keepers = with_rules(available_pool(62), rules).filter(**{KEEPS_RULES: True}).count()
    assert len(result["posts"]) == min(len(uncovered), keepers)
    assert all(post["post"] == "chief" for post in result["posts"])
    assert isinstance(result["seconds"], float)
