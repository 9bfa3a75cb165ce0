"""Writes to the pilot plan: its settings, its phases, the Steering Committee's members and its tasks.

Every rule is checked here, whichever door the data comes through (page, admin action, demo data); the database
constraints are the last line, and a violation they catch is turned into the constraint's own message.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Commune
from personnel.choices import Rank
from personnel.services import constraint_error
from rollout.core import scoping
from rollout.core.dates import validate_rollout_date
from rollout.models import MAX_TRAINING_GRACE_DAYS, CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus

MIN_AGE_LIMIT, MAX_AGE_LIMIT = 18, 65
MAX_STAFFING_NORM = 50
MAX_PHASE_NUMBER = 99

PLAN_FIELDS = (
    "name",
    "started_on",
    "target_on",
    "default_staffing_norm",
    "min_age",
    "max_age",
    "min_rank",
    "requires_vetting",
    "training_required_chief",
    "training_required_deputy",
    "training_required_officer",
    "training_grace_days",
)
TRAINING_REQUIRED_FIELDS = ("training_required_chief", "training_required_deputy", "training_required_officer")
PHASE_FIELDS = ("number", "name", "target_on", "note")
MEMBER_FIELDS = ("full_name", "unit", "role", "is_standing_body", "email", "is_active")
TASK_FIELDS = ("title", "unit", "deadline", "notes")

_UNSET = object()


def _check_date(field: str, value) -> None:
    try:
        validate_rollout_date(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _required_text(field: str, value, message: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError({field: message})
    return text


def _save(instance, model) -> None:
    """Save in a savepoint, so that a constraint violation leaves the transaction usable and reads as the
    constraint's own message."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise constraint_error(model, exc) from exc


def _lock_plan(plan: PilotPlan) -> PilotPlan:
    """Lock the plan's row: writes to one plan's phases, committee and tasks then happen one after another."""
    return PilotPlan.objects.select_for_update().select_related("province").get(pk=plan.pk)


# --- the plan --------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, province, user, **fields) -> PilotPlan:
    """Set up the pilot plan of ``province`` (a province has one), under the rules of ``plan_update``; the fields
    not given take the model's defaults."""
    plan = PilotPlan(province=province, **{name: fields[name] for name in PLAN_FIELDS if name in fields})
    scoping.check_writable(user, plan)
    _check_plan(plan)
    plan.full_clean()
    _save(plan, PilotPlan)
    return plan


@transaction.atomic
def plan_update(*, plan: PilotPlan, user, **fields) -> PilotPlan:
    """Change a plan's dates, default staffing norm, eligibility rules and readiness rules (see ``_check_plan``)."""
    plan = _lock_plan(plan)
    scoping.check_writable(user, plan)
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    _check_plan(plan)
    plan.full_clean()
    _save(plan, PilotPlan)
    return plan


def _check_plan(plan: PilotPlan) -> None:
    """A plan has a name; the target is not before the start, age limits lie between 18 and 65 with the minimum
    not above the maximum, the training grace period lies between 0 and 365 days."""
    plan.name = _required_text("name", plan.name, _("Give the plan a name."))
    _check_date("started_on", plan.started_on)
    _check_date("target_on", plan.target_on)
    errors = {}
    if plan.target_on < plan.started_on:
        errors["target_on"] = _("The target date cannot be before the start date (%(date)s).") % {
            "date": f"{plan.started_on:%d/%m/%Y}"
        }
    for name in ("min_age", "max_age"):
        value = getattr(plan, name)
        if not isinstance(value, int) or not MIN_AGE_LIMIT <= value <= MAX_AGE_LIMIT:
            errors[name] = _("An age limit lies between 18 and 65.")
    if "min_age" not in errors and "max_age" not in errors and plan.min_age > plan.max_age:
        errors["max_age"] = _("The maximum age cannot be below the minimum age.")
    norm = plan.default_staffing_norm
    if not isinstance(norm, int) or not 1 <= norm <= MAX_STAFFING_NORM:
        errors["default_staffing_norm"] = _("The staffing norm lies between 1 and %(max)s officers.") % {
            "max": MAX_STAFFING_NORM
        }
    if plan.min_rank not in Rank.values:
        errors["min_rank"] = _("Choose a rank from the list.")
    grace = plan.training_grace_days
    if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= MAX_TRAINING_GRACE_DAYS:
        errors["training_grace_days"] = _("The training grace period lies between 0 and %(max)s days.") % {
            "max": MAX_TRAINING_GRACE_DAYS
        }
    for name in TRAINING_REQUIRED_FIELDS:
        if not isinstance(getattr(plan, name), bool):
            errors[name] = _("Answer yes or no.")
    if errors:
        raise ValidationError(errors)


# --- phases ----------------------------------------------------------------------------------------------------


def _phase_communes(plan: PilotPlan, communes: Iterable, *, phase: Phase | None) -> list[int]:
    """The codes of ``communes`` (instances or codes), checked: they exist, lie in the plan's province, and are
    not already in another phase of the plan."""
    codes = set()
    for commune in communes:
        try:
            codes.add(commune.pk if isinstance(commune, Commune) else int(commune))
        except (TypeError, ValueError):
            raise ValidationError({"communes": _("“%(value)s” is not a commune code.") % {"value": commune}}) from None
    found = {c.pk: c for c in Commune.objects.filter(pk__in=codes).select_related("district")}
    unknown = sorted(codes - found.keys())
    if unknown:
        raise ValidationError(
            {"communes": _("Unknown commune codes: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}}
        )
    foreign = sorted(c.name for c in found.values() if c.district.province_id != plan.province_id)
    if foreign:
        raise ValidationError(
            {
                "communes": _("Not in %(province)s, the plan's province: %(names)s.")
                % {"province": plan.province.name, "names": ", ".join(foreign)}
            }
        )
    taken = (
        Phase.communes.through.objects.filter(phase__plan=plan, commune_id__in=codes)
        .exclude(phase_id=phase.pk if phase else None)
        .select_related("commune", "phase")
        .order_by("phase__number", "commune_id")
    )
    if taken:
        raise ValidationError(
            {
                "communes": _("Already in another phase of the plan: %(list)s.")
                % {"list": ", ".join(f"{t.commune.name} ({t.phase.number})" for t in taken)}
            }
        )
    return sorted(codes)


def _check_phase(phase: Phase, plan: PilotPlan) -> None:
    phase.name = _required_text("name", phase.name, _("Give the phase a name."))
    phase.note = (phase.note or "").strip()
    if not isinstance(phase.number, int) or not 1 <= phase.number <= MAX_PHASE_NUMBER:
        raise ValidationError({"number": _("Phases are numbered from 1 to %(max)s.") % {"max": MAX_PHASE_NUMBER}})
    if Phase.objects.filter(plan=plan, number=phase.number).exclude(pk=phase.pk).exists():
        raise ValidationError({"number": _("The plan already has a phase %(number)s.") % {"number": phase.number}})
    _check_date("target_on", phase.target_on)
    if phase.target_on < plan.started_on:
        raise ValidationError(
            {
                "target_on": _("A phase cannot be due before the plan starts (%(date)s).")
                % {"date": f"{plan.started_on:%d/%m/%Y}"}
            }
        )


@transaction.atomic
def phase_create(*, plan: PilotPlan, user, number: int, name: str, target_on: datetime.date, communes=(),
                 note: str = "") -> Phase:  # fmt: skip
    """Add a wave of communes to the plan. The communes lie in the plan's province and in no other phase."""
    plan = _lock_plan(plan)
    scoping.check_writable(user, plan)
    phase = Phase(plan=plan, number=number, name=name, target_on=target_on, note=note)
    _check_phase(phase, plan)
    codes = _phase_communes(plan, communes, phase=None)
    phase.full_clean()
    _save(phase, Phase)
    phase.communes.set(codes)
    return phase


@transaction.atomic
def phase_update(*, phase: Phase, user, communes=None, **fields) -> Phase:
    """Change a phase (not its plan); ``communes`` when given replaces its communes, under the same rules."""
    plan = _lock_plan(phase.plan)
    scoping.check_writable(user, plan)
    phase = Phase.objects.get(pk=phase.pk)
    for name in PHASE_FIELDS:
        if name in fields:
            setattr(phase, name, fields[name])
    _check_phase(phase, plan)
    codes = _phase_communes(plan, communes, phase=phase) if communes is not None else None
    phase.full_clean()
    _save(phase, Phase)
    if codes is not None:
        phase.communes.set(codes)
    return phase


# --- committee members -----------------------------------------------------------------------------------------


def _check_member(member: CommitteeMember) -> None:
    member.full_name = _required_text("full_name", member.full_name, _("Give the member's full name."))
    member.unit = _required_text("unit", member.unit, _("Give the member's unit."))
    member.email = (member.email or "").strip()
    if member.role not in CommitteeRole.values:
        raise ValidationError({"role": _("Unknown role in the committee: “%(role)s”.") % {"role": member.role}})
    if member.role == CommitteeRole.STANDING:
        member.is_standing_body = True  # the standing body's own members are part of it by definition
    if member.role == CommitteeRole.HEAD and member.is_active:
        head = (
            CommitteeMember.objects.filter(plan_id=member.plan_id, role=CommitteeRole.HEAD, is_active=True)
            .exclude(pk=member.pk)
            .first()
        )
        if head is not None:
            raise ValidationError(
                {
                    "role": _(
                        "The committee already has a head: %(name)s. Make them inactive or change their role first."
                    )
                    % {"name": head.full_name}
                }
            )


@transaction.atomic
def member_create(*, plan: PilotPlan, user, full_name: str, unit: str, role: str, is_standing_body: bool = False,
                  email: str = "", is_active: bool = True) -> CommitteeMember:  # fmt: skip
    """Add a member to the plan's Steering Committee; an active committee has at most one head."""
    plan = _lock_plan(plan)
    scoping.check_writable(user, plan)
    member = CommitteeMember(plan=plan, full_name=full_name, unit=unit, role=role,
                             is_standing_body=is_standing_body, email=email, is_active=is_active)  # fmt: skip
    _check_member(member)
    member.full_clean()
    _save(member, CommitteeMember)
    return member


@transaction.atomic
def member_update(*, member: CommitteeMember, user, **fields) -> CommitteeMember:
    """Change a committee member (not their plan), under the same rules."""
    plan = _lock_plan(member.plan)
    scoping.check_writable(user, plan)
    member = CommitteeMember.objects.get(pk=member.pk)
    for name in MEMBER_FIELDS:
        if name in fields:
            setattr(member, name, fields[name])
    _check_member(member)
    member.full_clean()
    _save(member, CommitteeMember)
    return member


# --- tasks -----------------------------------------------------------------------------------------------------


def _apply_status(task: Task, status, completed_on=_UNSET) -> None:
    """Set ``status`` and keep ``completed_on`` set exactly when the task is done: the given date, else the date
    it already had, else today."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": status}})
    given = None if completed_on is _UNSET else completed_on
    if status != TaskStatus.DONE:
        if given is not None:
            raise ValidationError({"completed_on": _("Only a done task has a completion date.")})
        task.status, task.completed_on = status, None
        return
    if given is None:
        given = task.completed_on if task.status == TaskStatus.DONE and task.completed_on else timezone.localdate()
    _check_date("completed_on", given)
    if given > timezone.localdate():
        raise ValidationError({"completed_on": _("A task cannot be completed in the future.")})
    task.status, task.completed_on = status, given


def _check_task(task: Task) -> None:
    task.title = _required_text("title", task.title, _("Say what the task is."))
    task.unit = _required_text("unit", task.unit, _("Give the unit responsible for the task."))
    task.notes = (task.notes or "").strip()
    _check_date("deadline", task.deadline)


@transaction.atomic
def task_create(*, plan: PilotPlan, user, title: str, unit: str, deadline: datetime.date,
                status: str = TaskStatus.OPEN, notes: str = "", completed_on=None) -> Task:  # fmt: skip
    """Give a unit a committee task. A done task has a completion date (today unless given); others have none."""
    plan = _lock_plan(plan)
    scoping.check_writable(user, plan)
    task = Task(plan=plan, title=title, unit=unit, deadline=deadline, notes=notes, created_by=user)
    _check_task(task)
    _apply_status(task, status, completed_on)
    task.full_clean()
    _save(task, Task)
    return task


@transaction.atomic
def task_update(*, task: Task, user, completed_on=_UNSET, **fields) -> Task:
    """Change a task (not its plan); a change of ``status`` follows the completion-date rule of ``task_create``."""
    scoping.check_writable(user, task)
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    for name in TASK_FIELDS:
        if name in fields:
            setattr(task, name, fields[name])
    _check_task(task)
    _apply_status(task, fields.get("status", task.status), completed_on)
    task.full_clean()
    _save(task, Task)
    return task


@transaction.atomic
def task_set_status(*, task: Task, status: str, user, on: datetime.date | None = None) -> Task:
    """Move a task to ``status``; done sets the completion date (``on``, else today), any other status clears it."""
    scoping.check_writable(user, task)
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    if status == task.status and on is None:
        return task
    _apply_status(task, status, on if status == TaskStatus.DONE else _UNSET)
    task.full_clean()
    _save(task, Task)
    return task
