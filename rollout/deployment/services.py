"""Writes of deployment plans: make, run again, lock a pair, leave out an officer or a commune, approve.

Every change goes through here, whichever door (page, command, admin). A run replaces the plan's rows with the
new proposal (``rollout.deployment.proposal``), keeping the locked pairs that still hold; approval turns chosen
rows into assignments through ``personnel.services.assignment_create``, all in one transaction: when any row
is refused (its officer was assigned meanwhile, a chief was appointed, a rule now breaks without a reason, a
decision number is taken), nothing is written and each row says why.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communes.models import Commune
from personnel.models import Officer
from personnel.services import assignment_create
from rollout.core import scoping
from rollout.core.text import nfc
from rollout.deployment.proposal import Lock, propose
from rollout.models import DeploymentPlan, DeploymentPlanStatus, DeploymentRow, Phase, PlanPosts

MAX_DECISION_NUMBER = 50


def _check_may_plan(user, province_id: int) -> None:
    if not user.has_perm("rollout.add_deploymentplan"):
        raise PermissionDenied(_("Only provincial clerks and administrators make deployment plans."))
    probe = DeploymentPlan(province_id=province_id)
    scoping.check_writable(user, probe)


@transaction.atomic
def deployment_plan_create(
    *,
    user,
    province_id: int,
    posts: str = PlanPosts.CHIEFS,
    starts_on: datetime.date | None = None,
    phase: Phase | None = None,
    communes=(),
    allow_overrides: bool = False,
) -> DeploymentPlan:
    """Make a plan for a province (a phase of its plan, or chosen communes of it) and run it."""
    _check_may_plan(user, province_id)
    if posts not in PlanPosts.values:
        raise ValidationError({"posts": _("Choose which posts the plan fills.")})
    if phase is not None and phase.plan.province_id != province_id:
        raise ValidationError({"phase": _("This phase belongs to another province's plan.")})
    communes = list(communes)
    if any(c.district.province_id != province_id for c in communes):
        raise ValidationError({"communes": _("Every commune chosen must be in the plan's province.")})
    starts_on = starts_on or timezone.localdate()
    if starts_on < timezone.localdate():
        raise ValidationError({"starts_on": _("The posts cannot start in the past.")})
    plan = DeploymentPlan(
        province_id=province_id,
        phase=phase,
        posts=posts,
        starts_on=starts_on,
        allow_overrides=allow_overrides,
        created_by=user,
    )
    plan.full_clean()
    plan._history_user = user
    plan.save()
    plan.communes.set(communes)
    return deployment_plan_run(plan=plan, user=user)


def _locked_plan(plan: DeploymentPlan, user) -> DeploymentPlan:
    plan = DeploymentPlan.objects.select_for_update().get(pk=plan.pk)
    if not user.has_perm("rollout.change_deploymentplan"):
        raise PermissionDenied(_("Only provincial clerks and administrators change deployment plans."))
    scoping.check_writable(user, plan)
    return plan


def _check_draft(plan: DeploymentPlan) -> None:
    if plan.status != DeploymentPlanStatus.DRAFT:
        raise ValidationError(_("This plan has been approved; make a new plan for the posts still open."))


@transaction.atomic
def deployment_plan_run(*, plan: DeploymentPlan, user) -> DeploymentPlan:
    """Propose again from the data as it is now, keeping the exclusions and the locked pairs that still hold."""
    plan = _locked_plan(plan, user)
    _check_draft(plan)
    locks = [
        Lock(row.commune_id, row.post, row.slot, row.officer_id)
        for row in plan.rows.filter(is_locked=True, officer__isnull=False)
    ]
    proposal = propose(
        province_id=plan.province_id,
        posts=plan.posts,
        starts_on=max(plan.starts_on, timezone.localdate()),
        phase=plan.phase,
        communes=list(plan.communes.all()),
        excluded_communes=list(plan.excluded_communes.values_list("pk", flat=True)),
        excluded_officers=list(plan.excluded_officers.values_list("pk", flat=True)),
        allow_overrides=plan.allow_overrides,
        locks=locks,
        user=user,
    )
    plan.rows.all().delete()
    bulk_create_with_history(
        [
            DeploymentRow(
                plan=plan,
                commune_id=row.post.commune_id,
                post=row.post.post,
                slot=row.post.slot,
                tier=row.post.tier,
                officer_id=row.officer_id,
                score=row.score,
                reasons=row.reasons,
                rule_violations=row.rule_violations,
                runner_up_id=row.runner_up_id,
                runner_up_score=row.runner_up_score,
                unfilled_reason=row.unfilled_reason,
                is_locked=row.is_locked,
            )
            for row in proposal.rows
        ],
        DeploymentRow,
        default_user=user,
        batch_size=1000,
    )
    plan.starts_on = max(plan.starts_on, timezone.localdate())
    plan.runs += 1
    plan.solved_at = timezone.now()
    plan.posts_open = len(proposal.rows)
    plan.posts_filled = len(proposal.filled)
    plan.total_score = proposal.total_score
    plan.greedy_posts = proposal.greedy_posts
    plan.greedy_total_score = proposal.greedy_total_score
    plan.seconds = round(proposal.seconds, 3)
    plan._history_user = user
    plan.save()
    plan.dropped_locks = proposal.dropped_locks
    return plan


@transaction.atomic
def deployment_row_lock(*, row: DeploymentRow, locked: bool, user) -> DeploymentRow:
    """Lock (or unlock) a proposed pair: the next runs keep it while its officer is free and its post open."""
    plan = _locked_plan(row.plan, user)
    _check_draft(plan)
    row = DeploymentRow.objects.select_for_update().get(pk=row.pk, plan=plan)
    if locked and row.officer_id is None:
        raise ValidationError(_("Only a post with a proposed officer can be locked."))
    if row.is_locked != locked:
        row.is_locked = locked
        row._history_user = user
        row.save(update_fields=["is_locked"])
    return row


@transaction.atomic
def deployment_plan_exclude(
    *, plan: DeploymentPlan, user, officer: Officer | None = None, commune: Commune | None = None, leave_out: bool
) -> DeploymentPlan:
    """Leave an officer or a commune out of the plan (``leave_out``) or take them back; the next run follows.
    A locked pair of that officer or commune is unlocked."""
    plan = _locked_plan(plan, user)
    _check_draft(plan)
    if (officer is None) == (commune is None):
        raise ValidationError(_("Choose an officer or a commune."))
    if officer is not None:
        if officer.province_id != plan.province_id:
            raise ValidationError(_("This officer is not of the plan's province."))
        relation, rows = plan.excluded_officers, plan.rows.filter(officer=officer)
        target = officer
    else:
        if commune.district.province_id != plan.province_id:
            raise ValidationError(_("This commune is not in the plan's province."))
        relation, rows = plan.excluded_communes, plan.rows.filter(commune=commune)
        target = commune
    if leave_out:
        relation.add(target)
        for row in rows.filter(is_locked=True):
            row.is_locked = False
            row._history_user = user
            row.save(update_fields=["is_locked"])
    else:
        relation.remove(target)
    return plan


# --- approval -----------------------------------------------------------------------------------------------------


@dataclass
class ApprovedRow:
    """A row the clerk chose to approve, with its decision number and, where it breaks a rule, the reason."""

    row_id: int
    decision_number: str = ""
    override_reason: str = ""


class ApprovalRefused(ValidationError):
    """Nothing was approved: ``problems`` maps row ids to what stands in the way (``None``: the whole request)."""

    def __init__(self, problems: dict):
        self.problems = problems
        messages = [m for found in problems.values() for m in found]
        super().__init__(messages)


DECISION_NUMBER_MARK = "{n}"


def decision_numbers(pattern: str, first: int, count: int) -> list[str]:
    """``count`` decision numbers from ``pattern`` (``{n}`` replaced by ``first``, ``first + 1``, ...)."""
    pattern = nfc(pattern or "").strip()
    if DECISION_NUMBER_MARK not in pattern:
        raise ValidationError({"pattern": _("The pattern must contain {n} where the number goes, e.g. {n}/QĐ-CAT.")})
    if first is None or first < 1:
        raise ValidationError({"first_number": _("The first number is 1 or more.")})
    numbers = [pattern.replace(DECISION_NUMBER_MARK, str(first + k)) for k in range(count)]
    if any(len(number) > MAX_DECISION_NUMBER for number in numbers):
        raise ValidationError({"pattern": _("A decision number has at most 50 characters.")})
    return numbers


@transaction.atomic
def deployment_plan_approve(
    *,
    plan: DeploymentPlan,
    user,
    rows: list[ApprovedRow],
    decision_date: datetime.date,
    started_on: datetime.date,
    runs: int | None = None,
) -> list:
    """Turn the chosen rows into assignments, all or none. ``runs``: the run the clerk reviewed; a plan run again
    since is refused as a whole. Returns the assignments made."""
    plan = _locked_plan(plan, user)
    if not user.has_perm("rollout.approve_deploymentplan") or not user.has_perm("personnel.add_assignment"):
        raise PermissionDenied(_("Only provincial clerks and administrators approve deployment plans."))
    if runs is not None and runs != plan.runs:
        raise ApprovalRefused({None: [_("The plan was run again since this page was opened: review it again.")]})
    if not rows:
        raise ApprovalRefused({None: [_("Choose at least one row to approve.")]})
    if decision_date is None or started_on is None:
        raise ApprovalRefused({None: [_("Enter the decision date and the start date.")]})
    today = timezone.localdate()
    if decision_date > today:
        raise ApprovalRefused({None: [_("A decision cannot be dated in the future.")]})
    chosen = {row.row_id: row for row in rows}
    found = {
        row.pk: row
        for row in DeploymentRow.objects.select_for_update(of=("self",))
        .select_related("commune__district", "officer")
        .filter(plan=plan, pk__in=chosen)
    }
    problems: dict = {}
    for row_id in chosen:
        if row_id not in found:
            problems[None] = [_("A row chosen is no longer in the plan: review it again.")]
    made = []
    for row_id, choice in chosen.items():
        row = found.get(row_id)
        if row is None:
            continue
        if row.assignment_id is not None:
            problems[row_id] = [_("Already approved.")]
            continue
        if row.officer_id is None:
            problems[row_id] = [_("No officer is proposed for this post.")]
            continue
        number = nfc(choice.decision_number or "").strip()
        if not number:
            problems[row_id] = [_("Enter the decision number.")]
            continue
        try:
            with transaction.atomic():
                assignment = assignment_create(
                    officer=row.officer,
                    commune=row.commune,
                    post=row.post,
                    decision_number=number,
                    decision_date=decision_date,
                    started_on=started_on,
                    created_by=user,
                    override_reason=nfc(choice.override_reason or "").strip(),
                )
        except ValidationError as error:
            problems[row_id] = _messages_of(error)
            continue
        except PermissionDenied as error:
            problems[row_id] = [str(error)]
            continue
        row.assignment = assignment
        row._history_user = user
        row.save(update_fields=["assignment"])
        made.append(assignment)
    if problems:
        raise ApprovalRefused(problems)  # the transaction rolls every assignment back
    plan.status = DeploymentPlanStatus.APPROVED
    plan.approved_by = user
    plan.approved_at = timezone.now()
    plan._history_user = user
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    return made


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for messages in error.message_dict.values() for m in messages]
    return [str(m) for m in error.messages]
